package prisma

import (
	"cmp"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// redlockStatus is one item of the x-redlock-status header, a JSON list
// (pan.dev "Error Responses"; the Go SDK's PrismaCloudError), for example
// [{"i18nKey":"invalid_credentials","severity":"error","subject":null}].
type redlockStatus struct {
	I18nKey  string          `json:"i18nKey"`
	Severity string          `json:"severity"`
	Subject  json.RawMessage `json:"subject"`
}

// errorBody is the JSON error some endpoints answer with instead
// (pan.dev "Error Responses"): {"error": {"code", "message", "target"}}.
// The IAM endpoints do not set x-redlock-status and answer this.
type errorBody struct {
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Target  string `json:"target"`
	} `json:"error"`
	Message string `json:"message"`
}

// maxDetail bounds a detail quoted from an error: it can echo the request
// (an RQL query), and a responder needs the gist.
const maxDetail = 300

// apiError turns a non-2xx answer into an *upstream.Error. Only the
// documented error shapes are read; anything else (an HTML page from a
// proxy) is reported by status alone. Requests carry no secret in their
// bodies except /login's, whose errors Prisma never echoes.
func apiError(op string, resp *http.Response, body []byte, now time.Time) *upstream.Error {
	e := &upstream.Error{Provider: provider, Kind: errorKind(resp.StatusCode), Status: resp.StatusCode}
	var statuses []redlockStatus
	if h := resp.Header.Get("x-redlock-status"); h != "" && json.Unmarshal([]byte(h), &statuses) == nil && len(statuses) > 0 {
		e.Code = statuses[0].I18nKey
		for _, st := range statuses {
			detail := st.I18nKey
			if subject := subjectText(st.Subject); subject != "" {
				detail += ": " + subject
			}
			e.Causes = append(e.Causes, clip(detail))
		}
	}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil {
		if eb.Error != nil {
			e.Code = cmp.Or(e.Code, eb.Error.Code)
			e.Message = clip(eb.Error.Message)
			if eb.Error.Target != "" {
				e.Causes = append(e.Causes, "target: "+clip(eb.Error.Target))
			}
		} else {
			e.Message = clip(eb.Message)
		}
	}
	e.Message = cmp.Or(e.Message, strings.ReplaceAll(e.Code, "_", " "), http.StatusText(resp.StatusCode))
	switch e.Kind {
	case upstream.RateLimited:
		e.RetryAfter = time.Second
		if d, ok := rateLimitWait(resp, now); ok {
			e.RetryAfter = max(d, time.Second)
		}
	case upstream.Unavailable:
		if d, ok := retryAfterHeader(resp, now); ok {
			e.RetryAfter = d
		}
	}
	if e.Kind == upstream.Unauthorized && op == "login" {
		e.Message = "Prisma Cloud refused the access key (" + e.Message + "): check PRISMA_ACCESS_KEY and PRISMA_SECRET_KEY"
	}
	return e
}

// errorKind classifies a Prisma error by status.
func errorKind(status int) upstream.Kind {
	switch {
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		return upstream.Invalid
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		// idcmd's own access key was refused, or its permission group
		// lacks the right: not the caller's fault.
		return upstream.Unauthorized
	case status == http.StatusNotFound:
		return upstream.NotFound
	case status == http.StatusConflict:
		return upstream.Conflict
	case status == http.StatusTooManyRequests:
		return upstream.RateLimited
	case status >= 500:
		return upstream.Unavailable
	default:
		return upstream.Unknown
	}
}

// rateLimitWait is the httpx RateLimitWait for Prisma (pan.dev "Rate
// Limits"). A 429 names no reset time, only the sustained rate
// (X-RateLimit-Replenish-Rate, requests a second) and what the request
// cost (X-RateLimit-Requested-Tokens): waiting cost/rate lets the bucket
// refill enough. Without those headers httpx backs off exponentially, as
// pan.dev recommends.
func rateLimitWait(resp *http.Response, _ time.Time) (time.Duration, bool) {
	rate, err := strconv.ParseFloat(resp.Header.Get("X-RateLimit-Replenish-Rate"), 64)
	if err != nil || rate <= 0 {
		return 0, false
	}
	cost := 1.0
	if v, err := strconv.ParseFloat(resp.Header.Get("X-RateLimit-Requested-Tokens"), 64); err == nil && v > 0 {
		cost = v
	}
	ms := math.Ceil(cost / rate * 1000)
	return time.Duration(ms) * time.Millisecond, true
}

// retryAfterHeader is the httpx BusyWait for Prisma, whose 503 carries
// a standard Retry-After.
func retryAfterHeader(resp *http.Response, now time.Time) (time.Duration, bool) {
	return httpx.RetryAfter(resp, now)
}

// subjectText renders an x-redlock-status subject (a string or null).
func subjectText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return ""
}

func clip(s string) string {
	if len(s) > maxDetail {
		return s[:maxDetail] + "…"
	}
	return s
}

// invalid is a caller error found before anything was sent.
func invalid(msg string) *upstream.Error {
	return &upstream.Error{Provider: provider, Kind: upstream.Invalid, Message: msg}
}
