package oktatest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is an Okta error response: an HTTP status plus the JSON body Okta
// sends (spec schema Error). Only errorCode is meant for flow control by
// clients; summaries follow Okta's wording so logs and tests read naturally.
type apiError struct {
	status  int
	code    string
	summary string
	causes  []string
	// header holds extra response headers (for example WWW-Authenticate).
	header http.Header
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.summary) }

// errorBody is the wire shape of an Okta error. errorCauses is always an
// array (never null), as in every example in the vendor spec.
type errorBody struct {
	ErrorCode    string       `json:"errorCode"`
	ErrorSummary string       `json:"errorSummary"`
	ErrorLink    string       `json:"errorLink"`
	ErrorID      string       `json:"errorId"`
	ErrorCauses  []errorCause `json:"errorCauses"`
}

type errorCause struct {
	ErrorSummary string `json:"errorSummary"`
}

func newAPIError(status int, code, summary string, causes ...string) *apiError {
	return &apiError{status: status, code: code, summary: summary, causes: causes}
}

// Okta's error catalogue, limited to what the fake can produce.

func errNotFound(id, kind string) *apiError {
	return newAPIError(http.StatusNotFound, "E0000007", fmt.Sprintf("Not found: Resource not found: %s (%s)", id, kind))
}

func errInvalidToken() *apiError {
	return newAPIError(http.StatusUnauthorized, "E0000011", "Invalid token provided")
}

func errAccessDenied() *apiError {
	return newAPIError(http.StatusForbidden, "E0000006", "You do not have permission to perform the requested action")
}

func errWrongStatus() *apiError {
	return newAPIError(http.StatusForbidden, "E0000038", "This operation is not allowed in the user's current status.")
}

func errUnlockNotAllowed() *apiError {
	return newAPIError(http.StatusForbidden, "E0000032", "Unlock is not allowed for this user.")
}

func errAlreadyActive() *apiError {
	return newAPIError(http.StatusForbidden, "E0000016", "Activation failed because the user is already active")
}

func errRateLimited() *apiError {
	return newAPIError(http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
}

func errMissingParam(name string) *apiError {
	return newAPIError(http.StatusBadRequest, "E0000028", "The request is missing a required parameter.",
		"Missing required parameter: "+name)
}

func errValidation(field, cause string) *apiError {
	return newAPIError(http.StatusBadRequest, "E0000001", "Api validation failed: "+field, cause)
}

func errInvalidPaging() *apiError {
	return newAPIError(http.StatusBadRequest, "E0000029", "Invalid paging request.",
		"The after cursor is invalid or has been altered; follow the Link header instead.")
}

func errSearchAndFilter() *apiError {
	return newAPIError(http.StatusBadRequest, "E0000033", "Cannot specify a search query and filter in the same request.")
}

// errInvalidSearch is E0000031: the expression parsed but uses a field,
// operator or value the endpoint does not support.
func errInvalidSearch(cause string) *apiError {
	return newAPIError(http.StatusBadRequest, "E0000031", "Invalid search criteria.", cause)
}

// errInvalidSCIM is E0000053: the System Log filter could not be parsed, or
// the query is out of the range Okta serves.
func errInvalidSCIM(cause string) *apiError {
	return newAPIError(http.StatusBadRequest, "E0000053", "Invalid SCIM filter.", cause)
}

func errMethodNotAllowed(allow string) *apiError {
	e := newAPIError(http.StatusMethodNotAllowed, "E0000022", "The endpoint does not support the provided HTTP method")
	e.header = http.Header{"Allow": {allow}}
	return e
}

func errLengthRequired() *apiError {
	return newAPIError(http.StatusLengthRequired, "E0000001", "Api validation failed: Content-Length",
		"A POST or PUT request needs a Content-Length header or a body.")
}

// errForStatus builds the Okta error an injected failure answers with.
func errForStatus(status int) *apiError {
	switch status {
	case http.StatusBadRequest:
		return newAPIError(status, "E0000001", "Api validation failed")
	case http.StatusUnauthorized:
		return errInvalidToken()
	case http.StatusForbidden:
		return errAccessDenied()
	case http.StatusNotFound:
		return newAPIError(status, "E0000007", "Not found: Resource not found")
	case http.StatusTooManyRequests:
		return errRateLimited()
	case http.StatusServiceUnavailable:
		return newAPIError(status, "E0000009", "Service Unavailable")
	default:
		return newAPIError(status, "E0000009", "Internal Server Error")
	}
}

// writeAPIError writes e as Okta does. errorId is a fresh opaque ID each
// time, errorLink repeats errorCode.
func (s *Server) writeAPIError(w http.ResponseWriter, e *apiError) {
	for k, v := range e.header {
		w.Header()[k] = v
	}
	causes := make([]errorCause, 0, len(e.causes))
	for _, c := range e.causes {
		causes = append(causes, errorCause{ErrorSummary: c})
	}
	writeJSON(w, e.status, errorBody{
		ErrorCode:    e.code,
		ErrorSummary: e.summary,
		ErrorLink:    e.code,
		ErrorID:      "oae" + randomString(22),
		ErrorCauses:  causes,
	})
}

// writeJSON writes v as an application/json body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only the fake's own types are marshalled; failing here is a bug.
		panic(fmt.Sprintf("oktatest: marshal response: %v", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
