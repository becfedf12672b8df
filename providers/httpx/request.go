package httpx

import "net/http"

// Retry says after which failures a request may be sent again. The zero value
// sends a request exactly once, so forgetting to choose is never unsafe.
type Retry int

const (
	// NoRetry sends the request once, whatever happens.
	NoRetry Retry = iota
	// RetryRateLimited re-sends only after a 429. A server that answers 429
	// refused the request before acting on it, so even a non-idempotent call
	// (an Okta lifecycle POST) can be repeated once the limit resets.
	RetryRateLimited
	// RetryIdempotent also re-sends after a retryable 5xx status (502, 503,
	// 504 by default) and after connection errors. Use it only for calls
	// that are safe to repeat: reads, and deletes such as clearing sessions.
	RetryIdempotent
)

// Request is one logical call. It is described by value rather than as an
// *http.Request because every attempt needs a fresh *http.Request with its
// own per-attempt context and a re-readable body.
type Request struct {
	// Operation names the call for the Observer and for per-operation
	// rate-limit pauses, e.g. "getUser".
	Operation string
	Method    string
	// URL is sent verbatim.
	URL string
	// Header is copied into every attempt's request and never changed, so
	// one Header may be shared by concurrent Requests.
	Header http.Header
	// Body is re-sent unchanged on every attempt. Nil means no body; a POST
	// without a body still carries Content-Length: 0.
	Body []byte
	// NewBody, when set, replaces Body and is called before every attempt,
	// for bodies that must differ per attempt (a signed client assertion
	// whose jti may be used once).
	NewBody func() ([]byte, error)
	// Prepare, when set, is called on every attempt's *http.Request just
	// before it is sent, for headers that must be fresh per attempt (a DPoP
	// proof with its own jti and iat).
	Prepare func(*http.Request) error
	// Retry says which failures the request may be re-sent after.
	Retry Retry
}
