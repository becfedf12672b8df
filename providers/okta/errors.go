package okta

import (
	"cmp"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// errorBody is Okta's error object (reference §5). Only errorCode is meant
// for flow control; the summaries are shown to responders as they are.
type errorBody struct {
	ErrorCode    string `json:"errorCode"`
	ErrorSummary string `json:"errorSummary"`
	ErrorCauses  []struct {
		ErrorSummary string `json:"errorSummary"`
	} `json:"errorCauses"`
}

// Okta error codes that decide an error's kind (reference §5).
var (
	invalidCodes = map[string]bool{
		"E0000001": true, // API validation failed
		"E0000003": true, // request body not well-formed
		"E0000028": true, // missing required parameter
		"E0000029": true, // invalid paging request (cursor altered)
		"E0000031": true, // invalid filter
		"E0000033": true, // search and filter in one request
		"E0000053": true, // invalid SCIM filter / since too old
	}
	conflictCodes = map[string]bool{
		"E0000038": true, // operation not allowed in the user's current status
		"E0000032": true, // unlock not allowed for this user
		"E0000016": true, // activation failed: the user is already active
	}
	unauthorizedCodes = map[string]bool{
		"E0000004": true, // authentication failed
		"E0000005": true, // invalid session
		"E0000006": true, // no permission for the action
		"E0000011": true, // invalid token
		"E0000015": true, // no permission for the feature
	}
)

// apiError turns a non-2xx API response into an *upstream.Error. The body is
// read only as Okta's error JSON: anything else (an HTML page from a proxy)
// is reported by status alone and never quoted, so no stray content ends up
// in a responder's view.
func (c *Client) apiError(op string, resp *http.Response) *upstream.Error {
	var eb errorBody
	if body, err := readAll(resp); err == nil {
		_ = json.Unmarshal(body, &eb) // not JSON: keep the zero value
	}
	e := &upstream.Error{
		Provider: provider,
		Kind:     errorKind(op, resp.StatusCode, eb.ErrorCode),
		Status:   resp.StatusCode,
		Code:     eb.ErrorCode,
		Message:  eb.ErrorSummary,
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	for _, cause := range eb.ErrorCauses {
		if cause.ErrorSummary != "" {
			e.Causes = append(e.Causes, cause.ErrorSummary)
		}
	}
	if e.Kind == upstream.RateLimited {
		e.RetryAfter = retryAfter(resp, c.now())
	}
	return e
}

// errorKind classifies an Okta error by status and errorCode.
func errorKind(op string, status int, code string) upstream.Kind {
	switch {
	case status == http.StatusTooManyRequests || code == "E0000047":
		return upstream.RateLimited
	case conflictCodes[code]:
		return upstream.Conflict
	case status == http.StatusBadRequest && (op == "suspendUser" || op == "unsuspendUser"):
		// The spec's only documented 400 for these is the user being in
		// the wrong status; the code that comes with it is unconfirmed.
		return upstream.Conflict
	case status == http.StatusNotFound && (code == "" || code == "E0000007"):
		return upstream.NotFound
	case status == http.StatusBadRequest || invalidCodes[code]:
		return upstream.Invalid
	case status == http.StatusUnauthorized || status == http.StatusForbidden || unauthorizedCodes[code]:
		// idcmd's own token or role was refused, not the caller's.
		return upstream.Unauthorized
	case status >= 500:
		return upstream.Unavailable
	default:
		return upstream.Unknown
	}
}

// tokenError turns a failed token request into an *upstream.Error. Every
// 4xx means idcmd's service app or key is misconfigured (invalid_client,
// invalid_scope, ...), hence Unauthorized. The assertion is never quoted.
func (c *Client) tokenError(resp *http.Response, tr tokenResponse) *upstream.Error {
	e := &upstream.Error{
		Provider: provider,
		Status:   resp.StatusCode,
		Code:     tr.Error,
		Message:  "OAuth token request refused",
	}
	if e.Code == "" {
		e.Code = tr.ErrorCode
	}
	if d := cmp.Or(tr.ErrorDescription, tr.ErrorSummary); d != "" {
		e.Message += ": " + d
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Kind = upstream.RateLimited
		e.RetryAfter = retryAfter(resp, c.now())
	case resp.StatusCode >= 500:
		e.Kind = upstream.Unavailable
	case resp.StatusCode >= 400:
		e.Kind = upstream.Unauthorized
	default:
		e.Kind = upstream.Unknown
	}
	return e
}

// transportError maps a call that got no usable response (httpx.TransportError).
func (c *Client) transportError(op string, err error) *upstream.Error {
	return httpx.TransportError(provider, "Okta", op, err)
}

// retryAfter is what a rate-limited caller is told to wait: the same
// X-Rate-Limit-Reset − Date + 1s the client itself would have waited, at
// least a second. Without usable headers it is one minute, the length of
// Okta's rate-limit windows.
func retryAfter(resp *http.Response, now time.Time) time.Duration {
	d, ok := resetWait(resp, now)
	if !ok {
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			return time.Duration(s) * time.Second
		}
		return time.Minute
	}
	return max(time.Second, d.Round(time.Second))
}
