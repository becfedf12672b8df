package pingonetest

import (
	"crypto/rand"
	"crypto/sha256"
	"net/http"
	"time"
)

// recoveryCodeTTL is how long an e-mailed recovery code is valid.
const recoveryCodeTTL = 5 * time.Minute

// passwordJSON is the wire shape of the password state (GET and the
// actions of /users/{id}/password; the spec leaves it untyped).
type passwordJSON struct {
	Links          links  `json:"_links"`
	Environment    idRef  `json:"environment"`
	User           idRef  `json:"user"`
	PasswordPolicy idRef  `json:"passwordPolicy"`
	Status         string `json:"status"`
	LastChangedAt  string `json:"lastChangedAt,omitempty"`
}

func (s *Server) renderPassword(r *http.Request, u *user) passwordJSON {
	j := passwordJSON{
		Links: links{
			"self": {Href: s.envURL(r, "/users/"+u.id+"/password")},
			"user": {Href: s.envURL(r, "/users/"+u.id)},
		},
		Environment:    idRef{ID: s.EnvironmentID},
		User:           idRef{ID: u.id},
		PasswordPolicy: idRef{ID: s.env.passwordPolicyID},
		Status:         u.pwd.wireStatus(),
	}
	if !u.pwd.lastChangedAt.IsZero() {
		j.LastChangedAt = formatTime(u.pwd.lastChangedAt)
	}
	return j
}

// getPassword serves GET /users/{id}/password.
func (s *Server) getPassword(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	e := s.env
	e.mu.RLock()
	u := e.users[c.id]
	var j passwordJSON
	if u != nil {
		j = s.renderPassword(r, u)
	}
	e.mu.RUnlock()
	if u == nil {
		return errNotFound()
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

// passwordAction applies one password action to u under e.mu.
type passwordAction func(s *Server, r *http.Request, c *call, u *user) *apiError

// postPassword serves POST /users/{id}/password, whose Content-Type
// selects the action. forceChange is accepted with and without +json, as
// PingOne documents it without. Each answers 200 with the password state.
func (s *Server) postPassword(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	var act passwordAction
	switch mt := mediaType(r); mt {
	case ctPasswordForceChange, ctPasswordForceChange + "+json":
		act = forceChange
	case ctPasswordRecoveryCode, "application/vnd.pingidentity.password.sendrecoverycode":
		act = sendRecoveryCode
	case ctPasswordUnlock:
		act = unlockPassword
	case ctPasswordRecover:
		act = recoverPassword
	default:
		return errUnsupportedMediaType(mt, displayPasswordForce, displayPasswordRecovery, ctPasswordUnlock, ctPasswordRecover)
	}
	return s.applyPassword(w, r, c, act)
}

// putPassword serves PUT /users/{id}/password: an administrator sets
// (password.set+json) or resets (password.reset+json) the password.
func (s *Server) putPassword(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	var act passwordAction
	switch mt := mediaType(r); mt {
	case ctPasswordSet:
		act = setPassword
	case ctPasswordReset:
		act = resetPassword
	default:
		return errUnsupportedMediaType(mt, ctPasswordSet, ctPasswordReset)
	}
	return s.applyPassword(w, r, c, act)
}

func (s *Server) applyPassword(w http.ResponseWriter, r *http.Request, c *call, act passwordAction) *apiError {
	e := s.env
	e.mu.Lock()
	u := e.users[c.id]
	if u == nil {
		e.mu.Unlock()
		return errNotFound()
	}
	u.settle(c.now)
	aerr := act(s, r, c, u)
	j := s.renderPassword(r, u)
	e.mu.Unlock()
	if aerr != nil {
		return aerr
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

// clearPasswordLock lifts a password lockout and audits the account as
// unlocked when that was its only lock. An explicit administrator lock
// survives every password action.
func (s *Server) clearPasswordLock(r *http.Request, c *call, u *user) {
	if !u.pwd.lockedOut {
		return
	}
	u.pwd.lockedOut = false
	if !u.explicitlyLocked(c.now) {
		s.recordAPIActivityLocked(r, c, "USER.UNLOCKED", "User account unlocked", u)
	}
}

// forceChange makes the user change the password at next sign-on.
func forceChange(s *Server, r *http.Request, c *call, u *user) *apiError {
	if u.pwd.status == PasswordNone {
		return constraintViolation("password", "The user has no password to change")
	}
	u.pwd.status, u.updatedAt = PasswordMustChange, c.now
	s.recordAPIActivityLocked(r, c, "PASSWORD.FORCE_CHANGE", "Password change required at next sign-on", u)
	s.clearPasswordLock(r, c, u)
	return nil
}

// sendRecoveryCode e-mails the user a one-time recovery code. PingOne
// refuses it for a disabled user and for a password that does not exist
// or is locked out.
func sendRecoveryCode(s *Server, r *http.Request, c *call, u *user) *apiError {
	switch {
	case !u.enabled:
		return constraintViolation("user", "The user is disabled")
	case u.pwd.status == PasswordNone:
		return constraintViolation("password", "The user has no password (status NO_PASSWORD)")
	case u.pwd.lockedOut:
		return constraintViolation("password", "The password is locked out (status PASSWORD_LOCKED_OUT)")
	}
	u.pwd.recoveryCode = recoveryCode()
	u.pwd.recoveryExpires = c.now.Add(recoveryCodeTTL)
	u.pwd.recoveryCodesSent++
	s.recordAPIActivityLocked(r, c, "PASSWORD.RECOVERY", "Password recovery code sent to "+u.email, u)
	return nil
}

// unlockPassword lifts a password lockout; it is a no-op otherwise.
func unlockPassword(s *Server, r *http.Request, c *call, u *user) *apiError {
	if !u.pwd.lockedOut {
		return nil
	}
	u.updatedAt = c.now
	s.recordAPIActivityLocked(r, c, "PASSWORD.UNLOCKED", "Password unlocked", u)
	s.clearPasswordLock(r, c, u)
	return nil
}

// recoverPassword sets a new password with an e-mailed recovery code.
func recoverPassword(s *Server, r *http.Request, c *call, u *user) *apiError {
	var body struct {
		RecoveryCode string `json:"recoveryCode"`
		NewPassword  string `json:"newPassword"`
	}
	if aerr := decodeBody(r, &body); aerr != nil {
		return aerr
	}
	switch {
	case body.RecoveryCode == "":
		return requiredValue("recoveryCode", "recoveryCode is required")
	case body.NewPassword == "":
		return requiredValue("newPassword", "newPassword is required")
	case u.pwd.recoveryCode == "" || !constantEqual(body.RecoveryCode, u.pwd.recoveryCode) || !c.now.Before(u.pwd.recoveryExpires):
		return invalidValue("recoveryCode", "The recovery code is invalid or has expired")
	}
	if aerr := s.env.checkNewPassword(u, "newPassword", body.NewPassword); aerr != nil {
		return aerr
	}
	u.pwd.recoveryCode = ""
	changePassword(s, r, c, u, PasswordOK, "PASSWORD.RESET", "Password reset with a recovery code")
	u.pwd.valueHash = sha256.Sum256([]byte(body.NewPassword))
	return nil
}

// setPassword is an administrator setting the password (password.set+json
// {"value", "forceChange"}).
func setPassword(s *Server, r *http.Request, c *call, u *user) *apiError {
	var body struct {
		Value       string `json:"value"`
		ForceChange bool   `json:"forceChange"`
	}
	if aerr := decodeBody(r, &body); aerr != nil {
		return aerr
	}
	if body.Value == "" {
		return requiredValue("value", "value is required")
	}
	if aerr := s.env.checkNewPassword(u, "value", body.Value); aerr != nil {
		return aerr
	}
	status := PasswordOK
	if body.ForceChange {
		status = PasswordMustChange
	}
	changePassword(s, r, c, u, status, "PASSWORD.SET", "Password set by administrator")
	u.pwd.valueHash = sha256.Sum256([]byte(body.Value))
	return nil
}

// resetPassword is an administrator resetting the password
// (password.reset+json {"newPassword"}).
func resetPassword(s *Server, r *http.Request, c *call, u *user) *apiError {
	var body struct {
		NewPassword string `json:"newPassword"`
	}
	if aerr := decodeBody(r, &body); aerr != nil {
		return aerr
	}
	if body.NewPassword == "" {
		return requiredValue("newPassword", "newPassword is required")
	}
	if aerr := s.env.checkNewPassword(u, "newPassword", body.NewPassword); aerr != nil {
		return aerr
	}
	changePassword(s, r, c, u, PasswordOK, "PASSWORD.RESET", "Password reset by administrator")
	u.pwd.valueHash = sha256.Sum256([]byte(body.NewPassword))
	return nil
}

func changePassword(s *Server, r *http.Request, c *call, u *user, status, typ, result string) {
	u.pwd.status, u.pwd.lastChangedAt, u.updatedAt = status, c.now, c.now
	s.recordAPIActivityLocked(r, c, typ, result, u)
	s.clearPasswordLock(r, c, u)
}

// recoveryCode returns an eight-character one-time code, as PingOne
// e-mails.
func recoveryCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
