package pingone

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// errorBody is PingOne's error object (reference §5, spec P1Error). Only
// code is meant for flow control; the messages are shown to responders as
// they are.
type errorBody struct {
	ID      string        `json:"id"`
	Code    string        `json:"code"`
	Message string        `json:"message"`
	Details []errorDetail `json:"details"`
}

// errorDetail is one entry of details: which input (target) failed and why.
type errorDetail struct {
	Code    string `json:"code"`
	Target  string `json:"target"`
	Message string `json:"message"`
}

// stateActions are the calls that change a user's account or password.
// Their answers are read differently from the others' (see stateConflict).
var stateActions = map[string]bool{
	opLockUser:            true,
	opUnlockUser:          true,
	opSetEnabled:          true,
	opForcePasswordChange: true,
	opSendRecoveryCode:    true,
}

// detailConflictActions are the calls whose refusals PingOne explains by
// detail code: UNIQUENESS_VIOLATION (already a member) and
// CONSTRAINT_VIOLATION (a rule of the object's state, such as a
// population group's) mean Conflict; anything else, such as a password
// the policy rejects (INVALID_VALUE), stays the caller's to fix.
var detailConflictActions = map[string]bool{
	opAddUserToGroup: true,
	opSetPassword:    true,
	// A 51st subscription: 403 with CONSTRAINT_VIOLATION.
	opCreateSubscription: true,
}

// hasDetail reports whether one of the error's details has one of codes.
func hasDetail(eb errorBody, codes ...string) bool {
	for _, d := range eb.Details {
		for _, c := range codes {
			if d.Code == c {
				return true
			}
		}
	}
	return false
}

// apiError turns a non-2xx API response into an *upstream.Error. The body is
// read only as PingOne's error JSON: anything else (an HTML page from a
// proxy) is reported by status alone and never quoted.
func (c *Client) apiError(op string, resp *http.Response) *upstream.Error {
	var eb errorBody
	if body, err := readAll(resp); err == nil {
		_ = json.Unmarshal(body, &eb) // not JSON: keep the zero value
	}
	e := &upstream.Error{
		Provider: provider,
		Kind:     errorKind(op, resp.StatusCode, eb),
		Status:   resp.StatusCode,
		Code:     eb.Code,
		Message:  eb.Message,
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	for _, d := range eb.Details {
		msg := d.Message
		if msg == "" {
			msg = d.Code
		}
		if msg == "" {
			continue
		}
		if d.Target != "" {
			msg = d.Target + ": " + msg
		}
		e.Causes = append(e.Causes, msg)
	}
	if e.Kind == upstream.RateLimited {
		e.RetryAfter = retryAfter(resp, c.now())
	}
	return e
}

// errorKind classifies a PingOne error by status, code and, for account
// and password actions, by what the details point at.
func errorKind(op string, status int, eb errorBody) upstream.Kind {
	switch {
	case status == http.StatusTooManyRequests || eb.Code == "REQUEST_LIMITED":
		return upstream.RateLimited
	case status == http.StatusNotFound || eb.Code == "NOT_FOUND":
		return upstream.NotFound
	case status == http.StatusUnauthorized || eb.Code == "ACCESS_FAILED":
		// idcmd's own token or its worker app's roles were refused.
		return upstream.Unauthorized
	case status == http.StatusConflict:
		return upstream.Conflict
	case detailConflictActions[op] && status/100 == 4 && hasDetail(eb, "UNIQUENESS_VIOLATION", "CONSTRAINT_VIOLATION"):
		return upstream.Conflict
	case stateActions[op] && stateConflict(status, eb):
		return upstream.Conflict
	case status == http.StatusForbidden:
		return upstream.Unauthorized
	case status == http.StatusBadRequest || (status/100 == 4 && eb.Code == "INVALID_DATA"):
		// A 415 or 405 is a request this client built wrong, not the
		// caller's input: Unknown below.
		return upstream.Invalid
	case status >= 500:
		return upstream.Unavailable
	default:
		return upstream.Unknown
	}
}

// stateConflict decides whether an answer to an account or password action
// means "not allowed in the user's current state" (a disabled user cannot
// get a recovery code, a user without a password cannot be forced to
// change it, ...). PingOne documents no code for this (reference §5); it
// answers 400 INVALID_DATA, with a detail such as CONSTRAINT_VIOLATION
// naming the state, or REQUEST_FAILED. The rule rests on what such a
// request carries: the user ID, checked here as a UUID and answered with
// 404 when unknown, and for a lock the caller's unlockAt. A 400
// INVALID_DATA (or a bare 400) that does not point at unlockAt therefore
// cannot be about the caller's input: it is about the user. One that does
// point at unlockAt stays Invalid, the caller's to fix, and so does
// INVALID_REQUEST, a request this client built wrong. REQUEST_FAILED means
// the request was understood but could not be carried out, which for these
// actions is the user's state, whatever 4xx status it comes with.
func stateConflict(status int, eb errorBody) bool {
	for _, d := range eb.Details {
		if t := strings.ToLower(d.Target); t == "unlockat" || strings.HasSuffix(t, ".unlockat") {
			return false
		}
	}
	switch {
	case eb.Code == "REQUEST_FAILED":
		return status/100 == 4
	case status != http.StatusBadRequest:
		return false
	default:
		return eb.Code == "INVALID_DATA" || eb.Code == ""
	}
}

// transportError maps a call that got no usable response (httpx.TransportError).
func (c *Client) transportError(op string, err error) *upstream.Error {
	return httpx.TransportError(provider, "PingOne", op, err)
}
