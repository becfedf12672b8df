package pingonetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
)

// Vendor content types that select the action of POST /users/{id} and
// POST and PUT /users/{id}/password (spec EnumUserAccountContentTypeHeader;
// PingOne's password action pages). The ct* forms are lower-cased, as
// mediaType returns them; the display* forms are PingOne's spelling, for
// error messages.
const (
	ctAccountLock           = "application/vnd.pingidentity.account.lock+json"
	ctAccountUnlock         = "application/vnd.pingidentity.account.unlock+json"
	ctPasswordForceChange   = "application/vnd.pingidentity.password.forcechange"
	ctPasswordRecoveryCode  = "application/vnd.pingidentity.password.sendrecoverycode+json"
	ctPasswordUnlock        = "application/vnd.pingidentity.password.unlock+json"
	ctPasswordRecover       = "application/vnd.pingidentity.password.recover+json"
	ctPasswordSet           = "application/vnd.pingidentity.password.set+json"
	ctPasswordReset         = "application/vnd.pingidentity.password.reset+json"
	ctJSON                  = "application/json"
	displayPasswordForce    = "application/vnd.pingidentity.password.forceChange"
	displayPasswordRecovery = "application/vnd.pingidentity.password.sendRecoveryCode+json"
)

// mediaType is the request's Content-Type without parameters, lower-cased
// (mime.ParseMediaType lower-cases it, so forceChange and forcechange are
// the same, as in HTTP).
func mediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Type")))
	}
	return mt
}

// decodeBody decodes an optional JSON object body into v; an empty body
// leaves v alone.
func decodeBody(r *http.Request, v any) *apiError {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return errMalformedBody("The request body is too large or could not be read.")
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return invalidValue(te.Field, te.Field+" has the wrong type: "+te.Value+" where "+te.Type.String()+" is expected")
		}
		return errMalformedBody("The request body is not a valid JSON object.")
	}
	return nil
}

// lockBody is the optional body of an account lock.
type lockBody struct {
	UnlockAt *string `json:"unlockAt"`
}

// userAccountAction serves POST /users/{id}, whose Content-Type selects
// the action: lock or unlock the account. Both answer 200 with the user.
// Locking a locked account only replaces its unlockAt; unlocking an
// unlocked one does nothing. Only actual changes are audited.
func (s *Server) userAccountAction(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	var lock bool
	switch mt := mediaType(r); mt {
	case ctAccountLock:
		lock = true
	case ctAccountUnlock:
	default:
		return errUnsupportedMediaType(mt, ctAccountLock, ctAccountUnlock)
	}
	var unlockAt time.Time
	if lock {
		var body lockBody
		if aerr := decodeBody(r, &body); aerr != nil {
			return aerr
		}
		if body.UnlockAt != nil {
			t, ok := parseTime(*body.UnlockAt)
			if !ok {
				return invalidValue("unlockAt", "unlockAt must be an RFC 3339 date-time, e.g. 2030-06-07T23:59:59Z")
			}
			if !t.After(c.now) {
				return invalidValue("unlockAt", "unlockAt must be in the future")
			}
			unlockAt = t.UTC()
		}
	}

	e := s.env
	e.mu.Lock()
	u := e.users[c.id]
	if u == nil {
		e.mu.Unlock()
		return errNotFound()
	}
	u.settle(c.now)
	if lock {
		if !u.locked {
			u.locked, u.lockedAt = true, c.now
			s.recordAPIActivityLocked(r, c, "USER.LOCKED", "User account locked", u)
		}
		u.unlockAt = unlockAt
		u.updatedAt = c.now
	} else if u.locked || u.pwd.lockedOut {
		// An account unlock lifts both kinds of lock (and PingOne resets
		// the MFA lockout counter too).
		u.locked, u.lockedAt, u.unlockAt = false, time.Time{}, time.Time{}
		u.pwd.lockedOut = false
		u.updatedAt = c.now
		s.recordAPIActivityLocked(r, c, "USER.UNLOCKED", "User account unlocked", u)
	}
	j := s.renderUser(r, u, c.now, userRender{})
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, j)
	return nil
}

// enabledJSON is the wire shape of spec schema UserEnabled.
type enabledJSON struct {
	Links   links `json:"_links"`
	Enabled bool  `json:"enabled"`
}

// getUserEnabled serves GET /users/{id}/enabled.
func (s *Server) getUserEnabled(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	e := s.env
	e.mu.RLock()
	u := e.users[c.id]
	enabled := u != nil && u.enabled
	e.mu.RUnlock()
	if u == nil {
		return errNotFound()
	}
	writeJSON(w, http.StatusOK, enabledJSON{Links: links{"self": {Href: s.envURL(r, "/users/"+c.id+"/enabled")}}, Enabled: enabled})
	return nil
}

// putUserEnabled serves PUT /users/{id}/enabled {"enabled": bool}. A
// disabled user cannot authenticate; the change is audited as
// USER.UPDATED.
func (s *Server) putUserEnabled(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	if mt := mediaType(r); mt != "" && mt != ctJSON {
		return errUnsupportedMediaType(mt, ctJSON)
	}
	var body struct {
		Enabled *bool `json:"enabled"`
	}
	if aerr := decodeBody(r, &body); aerr != nil {
		return aerr
	}
	if body.Enabled == nil {
		return requiredValue("enabled", "enabled is required and must be true or false")
	}
	e := s.env
	e.mu.Lock()
	u := e.users[c.id]
	if u == nil {
		e.mu.Unlock()
		return errNotFound()
	}
	if u.enabled != *body.Enabled {
		u.enabled, u.updatedAt = *body.Enabled, c.now
		result := "User enabled"
		if !u.enabled {
			result = "User disabled"
		}
		s.recordAPIActivityLocked(r, c, "USER.UPDATED", result, u)
	}
	enabled := u.enabled
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, enabledJSON{Links: links{"self": {Href: s.envURL(r, "/users/"+c.id+"/enabled")}}, Enabled: enabled})
	return nil
}
