package pingonetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
)

// apiError is a PingOne error response: an HTTP status plus the body of
// spec schema P1Error. Clients are meant to branch on the status and code;
// messages follow PingOne's wording so that logs read naturally.
type apiError struct {
	status  int
	code    string
	message string
	details []errorDetail
	// header holds extra response headers (Retry-After, Allow...).
	header http.Header
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

// errorBody is the wire shape of P1Error.
type errorBody struct {
	ID      string        `json:"id"`
	Code    string        `json:"code"`
	Message string        `json:"message"`
	Details []errorDetail `json:"details,omitempty"`
}

// errorDetail is one entry of P1Error.details.
type errorDetail struct {
	Code       string      `json:"code"`
	Target     string      `json:"target,omitempty"`
	Message    string      `json:"message"`
	InnerError *innerError `json:"innerError,omitempty"`
}

type innerError struct {
	RangeMinimumValue *int     `json:"rangeMinimumValue,omitempty"`
	RangeMaximumValue *int     `json:"rangeMaximumValue,omitempty"`
	AllowedValues     []string `json:"allowedValues,omitempty"`
	// UnsatisfiedRequirements names the password policy rules a new
	// password failed (PasswordPolicy property names).
	UnsatisfiedRequirements []string `json:"unsatisfiedRequirements,omitempty"`
}

// Top-level codes. PingOne documents INVALID_DATA, NOT_FOUND,
// REQUEST_LIMITED, ACCESS_FAILED and UNEXPECTED_ERROR; INVALID_REQUEST,
// METHOD_NOT_ALLOWED and REQUEST_FAILED are the fake's best guess for the
// cases its documentation leaves open (malformed bodies and unsupported
// content types, wrong methods, other injected statuses). See the package
// documentation.
const (
	codeInvalidData      = "INVALID_DATA"
	codeInvalidRequest   = "INVALID_REQUEST"
	codeNotFound         = "NOT_FOUND"
	codeAccessFailed     = "ACCESS_FAILED"
	codeRequestLimited   = "REQUEST_LIMITED"
	codeMethodNotAllowed = "METHOD_NOT_ALLOWED"
	codeRequestFailed    = "REQUEST_FAILED"
	codeUnexpected       = "UNEXPECTED_ERROR"
)

// Detail codes.
const (
	detailInvalidValue        = "INVALID_VALUE"
	detailRequiredValue       = "REQUIRED_VALUE"
	detailConstraintViolation = "CONSTRAINT_VIOLATION"
	detailInvalidToken        = "INVALID_TOKEN"
	detailInsufficientPerms   = "INSUFFICIENT_PERMISSIONS"
)

const msgInvalidData = "The request could not be completed. One or more validation errors were in the request."

// errInvalidData is 400 INVALID_DATA with the given details.
func errInvalidData(details ...errorDetail) *apiError {
	return &apiError{status: http.StatusBadRequest, code: codeInvalidData, message: msgInvalidData, details: details}
}

// invalidValue is 400 INVALID_DATA for a value that is present but wrong.
func invalidValue(target, msg string) *apiError {
	return errInvalidData(errorDetail{Code: detailInvalidValue, Target: target, Message: msg})
}

// requiredValue is 400 INVALID_DATA for a missing value.
func requiredValue(target, msg string) *apiError {
	return errInvalidData(errorDetail{Code: detailRequiredValue, Target: target, Message: msg})
}

// constraintViolation is 400 INVALID_DATA for an action the resource's
// current state does not allow (for example a recovery code for a disabled
// user). PingOne answers such conflicts with 400, not 409.
func constraintViolation(target, msg string) *apiError {
	return errInvalidData(errorDetail{Code: detailConstraintViolation, Target: target, Message: msg})
}

// errMalformedBody is 400 INVALID_REQUEST: the body is not the JSON the
// operation expects.
func errMalformedBody(reason string) *apiError {
	return &apiError{
		status: http.StatusBadRequest, code: codeInvalidRequest,
		message: "The request could not be completed. The request was malformed or invalid.",
		details: []errorDetail{{Code: detailInvalidValue, Target: "body", Message: reason}},
	}
}

func errNotFound() *apiError {
	return &apiError{
		status: http.StatusNotFound, code: codeNotFound,
		message: "The request could not be completed. The requested resource was not found.",
	}
}

// errAccessFailed is PingOne's 401 for a missing, unknown or expired token.
// It says nothing about which, as PingOne does not.
func errAccessFailed() *apiError {
	return &apiError{
		status: http.StatusUnauthorized, code: codeAccessFailed,
		message: "The request could not be completed. You do not have access to this resource.",
		details: []errorDetail{{
			Code: detailInvalidToken, Target: "Authentication Credentials",
			Message: "The authorization token is either missing or invalid, or it has expired.",
		}},
		header: http.Header{"Www-Authenticate": {`Bearer realm="PingOne", error="invalid_token"`}},
	}
}

func errForbidden() *apiError {
	return &apiError{
		status: http.StatusForbidden, code: codeAccessFailed,
		message: "The request could not be completed. You do not have access to this resource.",
		details: []errorDetail{{
			Code: detailInsufficientPerms, Message: "The actor attempting to perform the request does not have the required permissions.",
		}},
	}
}

// errRateLimited is 429 REQUEST_LIMITED with the Retry-After header (in
// seconds) that PingOne sends and its SDKs honour.
func errRateLimited() *apiError {
	return &apiError{
		status: http.StatusTooManyRequests, code: codeRequestLimited,
		message: "The request could not be completed. Too many requests were made in too short a time; retry later.",
		header:  http.Header{"Retry-After": {"1"}},
	}
}

func errMethodNotAllowed(allow []string) *apiError {
	return &apiError{
		status: http.StatusMethodNotAllowed, code: codeMethodNotAllowed,
		message: "The request could not be completed. The HTTP method is not supported by this resource.",
		header:  http.Header{"Allow": {strings.Join(allow, ", ")}},
	}
}

// errUnsupportedMediaType is 415 for a Content-Type the operation does not
// accept; the allowed values are listed, as the vendor content types
// (application/vnd.pingidentity.*) select the action.
func errUnsupportedMediaType(got string, allowed ...string) *apiError {
	if got == "" {
		got = "(none)"
	}
	return &apiError{
		status: http.StatusUnsupportedMediaType, code: codeInvalidRequest,
		message: "The request could not be completed. The Content-Type " + got + " is not supported by this operation.",
		details: []errorDetail{{
			Code: detailInvalidValue, Target: "Content-Type", Message: "Unsupported Content-Type " + got,
			InnerError: &innerError{AllowedValues: allowed},
		}},
	}
}

// errForStatus builds the PingOne error an injected failure answers with.
func errForStatus(status int) *apiError {
	switch status {
	case http.StatusBadRequest:
		return errInvalidData()
	case http.StatusUnauthorized:
		return errAccessFailed()
	case http.StatusForbidden:
		return errForbidden()
	case http.StatusNotFound:
		return errNotFound()
	case http.StatusMethodNotAllowed:
		return errMethodNotAllowed(nil)
	case http.StatusTooManyRequests:
		return errRateLimited()
	}
	if status >= 500 {
		return &apiError{status: status, code: codeUnexpected, message: "An unexpected error occurred. Try again later."}
	}
	return &apiError{status: status, code: codeRequestFailed, message: "The request could not be completed."}
}

// writeAPIError writes e with a fresh error id, as PingOne does.
func writeAPIError(w http.ResponseWriter, e *apiError) {
	for k, v := range e.header {
		if len(v) > 0 && v[0] != "" {
			w.Header()[k] = v
		}
	}
	writeJSON(w, e.status, errorBody{ID: uuid.NewString(), Code: e.code, Message: e.message, Details: e.details})
}

// writeJSON writes v as an application/json body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only the fake's own types are marshalled; failing here is a bug.
		panic(fmt.Sprintf("pingonetest: marshal response: %v", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
