package xdrtest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// apiError is an XDR error response: an HTTP status and the
// {"reply": {"err_code", "err_msg", "err_extra"}} body (reference §5).
// err_code repeats the status, err_msg follows XDR's wording for the
// status, and err_extra says what was wrong, or is null.
type apiError struct {
	status int
	msg    string
	extra  string
	// retryAfter, when set, is sent as a Retry-After header in seconds.
	retryAfter time.Duration
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.msg, e.extra) }

func newAPIError(status int, msg, extra string) *apiError {
	return &apiError{status: status, msg: msg, extra: extra}
}

// errorReply is the wire shape inside "reply".
type errorReply struct {
	Code  int     `json:"err_code"`
	Msg   string  `json:"err_msg"`
	Extra *string `json:"err_extra"`
}

// err_msg per status. The 400, 402 and 403 sentences are those of XDR's
// documented error table (reference §5 lists the statuses; third-party
// XDR clients quote the same wording); the 401 and 500 wording is the
// fake's best guess.
const (
	msgInvalidJSON  = "Bad Request. Got an invalid JSON."
	msgUnauthorized = "Public API request unauthorized"
	msgLicense      = "User does not have the required license type to run this API"
	msgForbidden    = "The provided API Key does not have the required RBAC permissions to run this API"
	msgInternal     = "An error occurred while processing XDR public API"
)

// errInvalidJSON is 400 for a body that is not the documented JSON.
func errInvalidJSON(extra string) *apiError {
	return newAPIError(http.StatusBadRequest, msgInvalidJSON, extra)
}

// errBadRequest is 400 for JSON that parses but breaks a rule.
func errBadRequest(extra string) *apiError {
	return newAPIError(http.StatusBadRequest, "Bad Request", extra)
}

// errUnauthorized is XDR's 401. It gives nothing away about which part of
// the authentication failed.
func errUnauthorized() *apiError {
	return newAPIError(http.StatusUnauthorized, msgUnauthorized, "")
}

func errNotFound(extra string) *apiError {
	return newAPIError(http.StatusNotFound, "Not found", extra)
}

func errTooManyAlerts(limit int) *apiError {
	return newAPIError(http.StatusTooManyRequests, "Too many requests",
		fmt.Sprintf("insert_parsed_alerts accepts at most %d alerts per minute", limit))
}

// errForStatus builds the error an injected failure answers with.
func errForStatus(status int) *apiError {
	switch status {
	case http.StatusBadRequest:
		return errInvalidJSON("")
	case http.StatusUnauthorized:
		return errUnauthorized()
	case http.StatusPaymentRequired:
		return newAPIError(status, msgLicense, "")
	case http.StatusForbidden:
		return newAPIError(status, msgForbidden, "")
	case http.StatusNotFound:
		return errNotFound("")
	case http.StatusTooManyRequests:
		return newAPIError(status, "Too many requests", "")
	default:
		return newAPIError(status, msgInternal, "")
	}
}

// writeError writes e as XDR does.
func writeError(w http.ResponseWriter, e *apiError) {
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.retryAfter.Seconds()))))
	}
	reply := errorReply{Code: e.status, Msg: e.msg}
	if e.extra != "" {
		reply.Extra = &e.extra
	}
	writeJSON(w, e.status, map[string]errorReply{"reply": reply})
}

// writeJSON writes v as an application/json body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only the fake's own types are marshalled; failing here is a bug.
		panic(fmt.Sprintf("xdrtest: marshal response: %v", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
