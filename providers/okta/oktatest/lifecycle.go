package oktatest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// The user lifecycle state machine (spec UserLifecycle and UserCred
// operations). Each action runs under the org's write lock, checks the
// user's status, applies the transition, and records its System Log event.
//
// Decisions where Okta's behaviour is not pinned down by the spec:
//   - A status that does not allow the action answers 403 E0000038 (unlock:
//     E0000032; activate of an ACTIVE user: E0000016), per Okta's error
//     table, although the spec also lists 400 for suspend/unsuspend.
//   - Deactivating a DEPROVISIONED user answers E0000038. Real Okta deletes
//     the user on a second deactivate (DELETE semantics); the fake never
//     deletes, so a responder cannot destroy a fixture by retrying.
//   - Bodies: 200 with `{}` where the spec declares no body, as Okta has
//     historically sent.

// lifecycleActions are the actions POST /api/v1/users/{id}/lifecycle/{action}
// accepts.
var lifecycleActions = []string{
	"activate", "reactivate", "deactivate", "suspend", "unsuspend", "unlock",
	"reset_password", "expire_password", "expire_password_with_temp_password", "reset_factors",
}

// resetPasswordFrom are the statuses reset_password moves to RECOVERY.
var resetPasswordFrom = []string{StatusActive, StatusPasswordExpired, StatusRecovery, StatusLockedOut}

// expirePasswordFrom are the statuses expire_password moves to
// PASSWORD_EXPIRED.
var expirePasswordFrom = []string{StatusActive, StatusPasswordExpired}

// lifecycle serves POST /api/v1/users/{id}/lifecycle/{action}.
func (s *Server) lifecycle(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	q := r.URL.Query()
	action := c.sub

	// Validate parameters before touching state.
	sendEmailDefault := map[string]bool{"activate": true}[action]
	sendEmail, err := boolParam(q, "sendEmail", sendEmailDefault)
	if err != nil {
		return err
	}
	if action == "reset_password" && !q.Has("sendEmail") {
		return errMissingParam("sendEmail")
	}
	revokeSessions, err := boolParam(q, "revokeSessions", false)
	if err != nil {
		return err
	}

	o := s.org
	o.mu.Lock()
	defer o.mu.Unlock()
	u := o.resolveLocked(c.param)
	if u == nil {
		return errNotFound(c.param, "User")
	}
	now := o.now()
	base := s.baseURL(r)
	record := func(eventType, message string) {
		o.appendLocked(s.apiEvent(r, c, now, eventType, message, u), now)
	}
	var body any = struct{}{}

	switch action {
	case "suspend":
		if u.status != StatusActive {
			return errWrongStatus()
		}
		u.setStatus(StatusSuspended, now)
		record("user.lifecycle.suspend", "Suspend Okta user")

	case "unsuspend":
		if u.status != StatusSuspended {
			return errWrongStatus()
		}
		u.setStatus(StatusActive, now)
		record("user.lifecycle.unsuspend", "Unsuspend Okta user")

	case "unlock":
		// ACTIVE is allowed too: Okta unlocks users blocked from unknown
		// devices, which leaves the status unchanged.
		if u.status != StatusLockedOut && u.status != StatusActive {
			return errUnlockNotAllowed()
		}
		u.setStatus(StatusActive, now)
		record("user.account.unlock", "Unlock user account")

	case "deactivate":
		if u.status == StatusDeprovisioned {
			return errWrongStatus()
		}
		u.setStatus(StatusDeprovisioned, now)
		u.sessions = nil
		record("user.lifecycle.deactivate", "Deactivate Okta user")

	case "activate":
		switch u.status {
		case StatusActive:
			return errAlreadyActive()
		case StatusStaged, StatusDeprovisioned:
		default:
			return errWrongStatus()
		}
		next := StatusProvisioned
		if u.status == StatusStaged && u.hasPassword {
			next = StatusActive
		}
		u.setStatus(next, now)
		record("user.lifecycle.activate", "Activate Okta user")
		body = activationToken(base, sendEmail)

	case "reactivate":
		if u.status != StatusProvisioned && u.status != StatusRecovery {
			return errWrongStatus()
		}
		u.setStatus(StatusProvisioned, now)
		record("user.lifecycle.reactivate", "Reactivate Okta user")
		body = activationToken(base, sendEmail)

	case "reset_password":
		if !slices.Contains(resetPasswordFrom, u.status) {
			return errWrongStatus()
		}
		u.setStatus(StatusRecovery, now)
		record("user.account.reset_password", "Reset password for Okta user")
		if revokeSessions {
			s.clearSessionsLocked(r, c, u, now)
		}
		if !sendEmail {
			body = map[string]string{"resetPasswordUrl": base + "/signin/reset-password/" + secretToken(15)}
		}

	case "expire_password", "expire_password_with_temp_password":
		if !slices.Contains(expirePasswordFrom, u.status) {
			return errWrongStatus()
		}
		u.setStatus(StatusPasswordExpired, now)
		record("user.account.expire_password", "Expire password for Okta user")
		if action == "expire_password" {
			body = o.renderUser(base, u, true)
			break
		}
		u.passwordChanged = now
		if revokeSessions {
			s.clearSessionsLocked(r, c, u, now)
		}
		body = map[string]string{"tempPassword": randomString(12)}

	case "reset_factors":
		if u.status == StatusDeprovisioned {
			return errWrongStatus()
		}
		u.factors = nil
		u.touch(now)
		record("user.mfa.factor.reset_all", "Reset all factors for user")

	default:
		return errNotFound(action, "Lifecycle")
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// activationToken is the UserActivationToken body: the token and URL when
// the email is not sent, `{}` when it is.
func activationToken(base string, sendEmail bool) any {
	if sendEmail {
		return struct{}{}
	}
	tok := secretToken(15)
	return map[string]string{"activationToken": tok, "activationUrl": base + "/tokens/" + tok + "/verify"}
}

// clearSessions serves DELETE /api/v1/users/{userId}/sessions: 204, every
// session gone, and a user.session.clear event. {userId} is an ID only.
func (s *Server) clearSessions(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	q := r.URL.Query()
	oauthTokens, err := boolParam(q, "oauthTokens", false)
	if err != nil {
		return err
	}
	if _, err := boolParam(q, "forgetDevices", true); err != nil {
		return err
	}
	o := s.org
	o.mu.Lock()
	defer o.mu.Unlock()
	u := o.users[c.param]
	if u == nil {
		return errNotFound(c.param, "User")
	}
	s.clearSessionsLocked(r, c, u, o.now())
	if oauthTokens {
		u.oauthTokens = 0
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) clearSessionsLocked(r *http.Request, c *call, u *user, now time.Time) {
	u.sessions = nil
	s.org.appendLocked(s.apiEvent(r, c, now, "user.session.clear", "Clear user session", u), now)
}

// boolParam parses an optional boolean query parameter.
func boolParam(q url.Values, name string, def bool) (bool, *apiError) {
	if !q.Has(name) {
		return def, nil
	}
	b, err := strconv.ParseBool(q.Get(name))
	if err != nil {
		return false, errValidation(name, name+" must be true or false")
	}
	return b, nil
}
