package xdr

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// errorReply is XDR's error object, {"reply": {"err_code", "err_msg",
// "err_extra"}} (reference §5). err_code comes as a number or a string
// and err_extra as a string, an object or an array, so both are kept raw.
type errorReply struct {
	Code  json.RawMessage `json:"err_code"`
	Msg   string          `json:"err_msg"`
	Extra json.RawMessage `json:"err_extra"`
}

// maxExtra bounds how much of err_extra is kept: it can echo the request
// back, and a responder needs the gist, not a page of JSON.
const maxExtra = 500

// apiError turns a non-2xx response into an *upstream.Error. The body is
// read only as XDR's error JSON: anything else (an HTML page from a load
// balancer) is reported by status alone and never quoted. Requests carry
// no secret in their bodies (the key travels in headers only), so an echo
// in err_extra cannot leak one.
func apiError(resp *http.Response, body []byte, now time.Time) *upstream.Error {
	var wire struct {
		Reply      *errorReply `json:"reply"`
		errorReply             // some Cortex APIs answer without the wrapper
	}
	_ = json.Unmarshal(body, &wire) // not JSON: keep the zero value
	reply := wire.errorReply
	if wire.Reply != nil {
		reply = *wire.Reply
	}
	e := &upstream.Error{
		Provider: provider,
		Kind:     errorKind(resp.StatusCode),
		Status:   resp.StatusCode,
		Code:     rawText(reply.Code),
		Message:  cmp.Or(reply.Msg, http.StatusText(resp.StatusCode)),
	}
	if extra := rawText(reply.Extra); extra != "" {
		if len(extra) > maxExtra {
			extra = extra[:maxExtra] + "…"
		}
		e.Causes = []string{extra}
	}
	if e.Kind == upstream.RateLimited {
		e.RetryAfter = rateLimitRetryAfter(resp, now)
	}
	return e
}

// errorKind classifies an XDR error by status (reference §5: 400 invalid
// JSON, 401 authentication, 402 licence, 403 RBAC, 500 any other error).
func errorKind(status int) upstream.Kind {
	switch {
	case status == http.StatusBadRequest:
		return upstream.Invalid
	case status == http.StatusUnauthorized || status == http.StatusPaymentRequired || status == http.StatusForbidden:
		// idcmd's own key was refused or lacks the licence or role: not
		// the caller's fault.
		return upstream.Unauthorized
	case status == http.StatusNotFound:
		return upstream.NotFound
	case status == http.StatusTooManyRequests:
		return upstream.RateLimited
	case status >= 500:
		return upstream.Unavailable
	default:
		return upstream.Unknown
	}
}

// rawText renders a raw JSON value for a message: a string without its
// quotes, anything else compacted; null and absent are "".
func rawText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return ""
	}
	return buf.String()
}

// transportError maps a call that got no usable response (httpx.TransportError).
func transportError(op string, err error) *upstream.Error {
	return httpx.TransportError(provider, "Cortex XDR", op, err)
}

// decodeError reports a 2xx answer that is not the JSON the reference promises.
func decodeError(op string, err error) *upstream.Error {
	return httpx.DecodeError(provider, "Cortex XDR", op, http.StatusOK, err)
}

// invalid is a caller error found before anything was sent.
func invalid(msg string) *upstream.Error {
	return &upstream.Error{Provider: provider, Kind: upstream.Invalid, Message: msg}
}

// retryAfterHeader is the httpx RateLimitWait for XDR. The reference
// documents no rate-limit headers for XDR, so only a standard Retry-After
// is honoured; without one httpx backs off.
func retryAfterHeader(resp *http.Response, now time.Time) (time.Duration, bool) {
	return httpx.RetryAfter(resp, now)
}

// rateLimitRetryAfter is what a rate-limited caller is told to wait: the
// Retry-After header when XDR sends one, else a minute, the window of
// every XDR limit in reference §6.
func rateLimitRetryAfter(resp *http.Response, now time.Time) time.Duration {
	if d, ok := retryAfterHeader(resp, now); ok {
		return max(d, time.Second)
	}
	return time.Minute
}

// InsertError is returned by InsertParsedAlerts when it fails after XDR
// accepted some of the batches: alerts have no idempotency key, so the
// caller needs to know which ones are in XDR to resend only the rest. Err
// is an *upstream.Error, so upstream.As and upstream.IsKind see through
// it. A failure before any batch was accepted is a plain *upstream.Error.
type InsertError struct {
	// Inserted is how many alerts, from the start of the slice, XDR
	// accepted before the failure.
	Inserted int
	Err      error
}

func (e *InsertError) Error() string {
	return fmt.Sprintf("%v (after %d alerts were inserted)", e.Err, e.Inserted)
}

func (e *InsertError) Unwrap() error { return e.Err }
