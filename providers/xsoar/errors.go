package xsoar

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// CodeInvestigationClosed is the upstream.Error Code of a 412: the
// incident's investigation is closed and takes no more entries. The
// swagger declares 412 only for that (POST /entry, reference §5).
const CodeInvestigationClosed = "investigation_closed"

// serverError is the XSOAR server's error object, as XSOAR 6 answers an
// invalid key: {"id":"forbidden","status":403,"title":"Forbidden",
// "detail":"Issue with CSRF code","error":"...","encrypted":false,
// "multires":null} (reference §5, demisto-py README).
type serverError struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Error  string `json:"error"`
}

// gatewayReply is the Cortex API gateway's error object, {"reply":
// {"err_code", "err_msg", "err_extra"}}, which XSOAR 8 / XSIAM may answer
// with before a request reaches XSOAR (XDR's documented error shape; the
// api- host is shared). err_code comes as a number or a string.
type gatewayReply struct {
	Reply *struct {
		Code  json.RawMessage `json:"err_code"`
		Msg   string          `json:"err_msg"`
		Extra json.RawMessage `json:"err_extra"`
	} `json:"reply"`
}

// maxCause bounds the detail kept from an error body: a responder needs
// the gist, not a page of JSON.
const maxCause = 500

// apiError turns a non-2xx response into an *upstream.Error. The body is
// read only as one of the two known error shapes: anything else (an HTML
// page from a proxy) is reported by status alone and never quoted. The
// key's secret is scrubbed from whatever is kept, in case a proxy echoes
// request headers back.
func (c *Client) apiError(resp *http.Response, body []byte) *upstream.Error {
	e := &upstream.Error{Provider: provider, Kind: errorKind(resp.StatusCode), Status: resp.StatusCode}
	var se serverError
	var gw gatewayReply
	switch {
	case json.Unmarshal(body, &gw) == nil && gw.Reply != nil:
		e.Code = rawText(gw.Reply.Code)
		e.Message = gw.Reply.Msg
		if extra := rawText(gw.Reply.Extra); extra != "" {
			e.Causes = []string{extra}
		}
	case json.Unmarshal(body, &se) == nil:
		e.Code = se.ID
		e.Message = cmp.Or(se.Detail, se.Title)
		if se.Error != "" && se.Error != e.Message {
			e.Causes = []string{se.Error}
		}
	}
	if resp.StatusCode == http.StatusPreconditionFailed {
		e.Code = CodeInvestigationClosed
		e.Message = "the incident's investigation is closed; XSOAR accepts no more entries for it"
	}
	e.Message = c.scrub(cmp.Or(e.Message, http.StatusText(resp.StatusCode)))
	e.Code = c.scrub(e.Code)
	for i, cause := range e.Causes {
		if len(cause) > maxCause {
			cause = cause[:maxCause] + "…"
		}
		e.Causes[i] = c.scrub(cause)
	}
	if e.Kind == upstream.RateLimited {
		e.RetryAfter = rateLimitRetryAfter(resp, c.now())
	}
	return e
}

// scrub replaces the key's secret wherever it appears in s.
func (c *Client) scrub(s string) string {
	if c.key.Secret == "" {
		return s
	}
	return strings.ReplaceAll(s, c.key.Secret, "[redacted]")
}

// errorKind classifies an XSOAR error by status.
func errorKind(status int) upstream.Kind {
	switch {
	case status == http.StatusBadRequest:
		return upstream.Invalid
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		// idcmd's own key was refused or lacks the role: not the caller's
		// fault. XSOAR 6 answers a bad key with 403 (reference §5).
		return upstream.Unauthorized
	case status == http.StatusNotFound:
		return upstream.NotFound
	case status == http.StatusPreconditionFailed:
		return upstream.Conflict
	case status == http.StatusTooManyRequests:
		return upstream.RateLimited
	case status >= 500:
		return upstream.Unavailable
	default:
		return upstream.Unknown
	}
}

// Permanent reports whether err means that sending the same call again can
// never succeed or would do harm, so a retrying caller (the write-back
// queue) must give up and report it:
//
//   - the investigation is closed (412, Conflict);
//   - XSOAR refused the request as malformed (Invalid) or the incident or
//     investigation does not exist (NotFound);
//   - AddEntry wrote the entry but could not flag it (*EntryFlagError):
//     adding it again would duplicate it.
//
// Unauthorized is not permanent: an operator can fix the key while the
// write-back waits. Rate limits, 5xx, timeouts and connection errors are
// transient.
func Permanent(err error) bool {
	if _, ok := errors.AsType[*EntryFlagError](err); ok {
		return true
	}
	ue := upstream.As(err)
	if ue == nil || ue.Provider != provider {
		return false
	}
	switch ue.Kind {
	case upstream.Conflict, upstream.Invalid, upstream.NotFound:
		return true
	}
	return false
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
	return httpx.TransportError(provider, "Cortex XSOAR", op, err)
}

// decodeError reports a 2xx answer that is not the JSON the swagger promises.
func decodeError(op string, err error) *upstream.Error {
	return httpx.DecodeError(provider, "Cortex XSOAR", op, http.StatusOK, err)
}

// errNoID is the cause of a decodeError for a 2xx answer without the ID
// of what was created.
var errNoID = errors.New("the response has no id")

// invalid is a caller error found before anything was sent.
func invalid(msg string) *upstream.Error {
	return &upstream.Error{Provider: provider, Kind: upstream.Invalid, Message: msg}
}

// EntryFlagError is returned by AddEntry when the entry was written to the
// war room but marking it as a note or tagging it failed afterwards. The
// entry exists (EntryID, also AddEntry's first result), so the caller must
// not add it again; Permanent reports true. Err is the *upstream.Error of
// the failed step, so upstream.As sees through it.
type EntryFlagError struct {
	EntryID string
	// Step is "note" or "tags".
	Step string
	Err  error
}

func (e *EntryFlagError) Error() string {
	return fmt.Sprintf("xsoar: entry %s was added, but setting its %s failed: %v", e.EntryID, e.Step, e.Err)
}

func (e *EntryFlagError) Unwrap() error { return e.Err }

// retryAfterHeader is the httpx RateLimitWait for XSOAR. The reference
// documents no rate-limit headers for XSOAR, so only a standard Retry-After
// is honoured; without one httpx backs off.
func retryAfterHeader(resp *http.Response, now time.Time) (time.Duration, bool) {
	return httpx.RetryAfter(resp, now)
}

// rateLimitRetryAfter is what a rate-limited caller is told to wait: the
// Retry-After header when XSOAR sends one, else a minute.
func rateLimitRetryAfter(resp *http.Response, now time.Time) time.Duration {
	if d, ok := retryAfterHeader(resp, now); ok {
		return max(d, time.Second)
	}
	return time.Minute
}
