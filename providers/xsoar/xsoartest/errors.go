package xsoartest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is an error response. The XSOAR server answers with its own
// error object; XSOAR 8's API gateway refuses authentication with the
// Cortex gateway's {"reply": {...}} object instead (see authenticate).
type apiError struct {
	status  int
	id      string // the server error's id, e.g. "bad_request"
	title   string
	detail  string
	cause   string // the server error's "error"; detail if empty
	gateway bool   // write the gateway's reply shape
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.id, e.detail) }

// serverError is the XSOAR server's error object, as XSOAR 6 answers an
// invalid key (reference §5, demisto-py README):
// {"id":"forbidden","status":403,"title":"Forbidden","detail":"Issue with
// CSRF code","error":"http: named cookie not present","encrypted":false,
// "multires":null}.
type serverError struct {
	ID        string `json:"id"`
	Status    int    `json:"status"`
	Title     string `json:"title"`
	Detail    string `json:"detail"`
	Error     string `json:"error"`
	Encrypted bool   `json:"encrypted"`
	Multires  any    `json:"multires"`
}

// gatewayReply is the Cortex API gateway's error object, XDR's documented
// shape (reference §5) on the api- host XSOAR 8 shares with it.
type gatewayReply struct {
	Code  int     `json:"err_code"`
	Msg   string  `json:"err_msg"`
	Extra *string `json:"err_extra"`
}

func errBadRequest(detail string) *apiError {
	return &apiError{status: http.StatusBadRequest, id: "bad_request", title: "Bad request", detail: detail}
}

// errForbidden is what XSOAR 6 answers a missing or wrong API key with
// (reference §5): a 403 about CSRF, since without a valid key the server
// takes the request for a browser session without its CSRF token.
func errForbidden() *apiError {
	return &apiError{status: http.StatusForbidden, id: "forbidden", title: "Forbidden", detail: "Issue with CSRF code",
		cause: "http: named cookie not present"}
}

// errGatewayUnauthorized is the fake's XSOAR 8 answer to a refused key:
// 401 with the gateway's reply, XDR's documented wording. XSOAR 8's own
// wording is undocumented.
func errGatewayUnauthorized() *apiError {
	return &apiError{status: http.StatusUnauthorized, detail: "Public API request unauthorized", gateway: true}
}

func errNotFound(detail string) *apiError {
	return &apiError{status: http.StatusNotFound, id: "not_found", title: "Not found", detail: detail}
}

// errClosed is the 412 the swagger declares for an entry to a closed
// investigation (reference §5). The body's wording is the fake's.
func errClosed(investigationID string) *apiError {
	return &apiError{
		status: http.StatusPreconditionFailed, id: "precondition_failed", title: "Precondition Failed",
		detail: "Investigation " + investigationID + " is closed",
	}
}

// errForStatus builds the error an injected failure answers with.
func errForStatus(status int) *apiError {
	switch status {
	case http.StatusBadRequest:
		return errBadRequest("Request body is not well-formed. It must be JSON.")
	case http.StatusUnauthorized:
		return &apiError{status: status, id: "unauthorized", title: "Unauthorized", detail: "The request requires authorization"}
	case http.StatusForbidden:
		return errForbidden()
	case http.StatusNotFound:
		return errNotFound("The page you requested is not found")
	case http.StatusPreconditionFailed:
		return errClosed("")
	case http.StatusTooManyRequests:
		return &apiError{status: status, id: "too_many_requests", title: "Too Many Requests", detail: "Rate limit exceeded"}
	default:
		return &apiError{status: status, id: "internal_server_error", title: http.StatusText(status), detail: "Something went wrong."}
	}
}

// writeError writes e in its shape.
func writeError(w http.ResponseWriter, e *apiError) {
	if e.gateway {
		writeJSON(w, e.status, map[string]gatewayReply{"reply": {Code: e.status, Msg: e.detail}})
		return
	}
	writeJSON(w, e.status, serverError{ID: e.id, Status: e.status, Title: e.title, Detail: e.detail, Error: cmp.Or(e.cause, e.detail)})
}

// writeJSON writes v as an application/json body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only the fake's own types are marshalled; failing here is a bug.
		panic(fmt.Sprintf("xsoartest: marshal response: %v", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
