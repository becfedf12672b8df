// Package httpx is the transport every provider client shares: per-attempt
// timeouts, bounded retries that honour the vendor's own rate-limit headers,
// a per-tenant token bucket and a metrics hook. It knows nothing about any
// vendor; each client plugs its rate-limit header rules in as WaitFuncs.
package httpx

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Observer is told about every attempt (so a retried call is reported once
// per try), with status 0 when no response arrived. The server wires it to
// Prometheus; httpx itself stays free of metrics dependencies.
type Observer func(provider, operation string, status int, elapsed time.Duration)

// WaitFunc reads a vendor's rate-limit headers and says how long to wait
// before the next request, or false when the response carries no usable
// hint. now is the local clock; a vendor whose headers are absolute times
// should prefer the server's Date header so clock skew does not matter.
type WaitFunc func(resp *http.Response, now time.Time) (time.Duration, bool)

// Config configures a Client. Only Provider is required.
type Config struct {
	// Provider names the system for the Observer: "okta", "pingone", ...
	Provider string
	// HTTPClient sends the requests; nil means fasthttp's client with its
	// own connection pool (fastTransport). Redirects are never followed
	// (see New).
	HTTPClient *http.Client
	// Timeout bounds each attempt, body read included; 0 means no bound
	// beyond the caller's context.
	Timeout time.Duration
	// MaxRetries is how many times a request may be re-sent after the
	// first attempt; 0 sends every request once.
	MaxRetries int
	// RetryStatuses are the 5xx statuses after which a RetryIdempotent
	// request is re-sent; nil means 502, 503 and 504.
	RetryStatuses []int
	// RateLimitWait says how long to wait after a 429. When it has no
	// answer the client falls back to exponential backoff.
	RateLimitWait WaitFunc
	// BusyWait, when set, says how long to wait after a retryable 5xx
	// (Prisma Cloud's 503 carries Retry-After); without an answer the
	// client backs off exponentially.
	BusyWait WaitFunc
	// SlowDown, when set, is asked after every response whether the
	// vendor's quota for that operation is spent (Okta:
	// X-Rate-Limit-Remaining: 0); the next request for the same operation
	// then waits for the reset, as long as that fits the caller's deadline.
	SlowDown WaitFunc
	// RequestsPerSecond caps the rate of attempts through this Client (one
	// Client per tenant); 0 means unlimited.
	RequestsPerSecond float64
	// Burst is the token bucket size; 0 means max(1, RequestsPerSecond).
	Burst int
	// MaxWait is the longest single wait the client accepts, even with no
	// deadline, so a bogus reset header cannot park a call for hours;
	// 0 means two minutes.
	MaxWait time.Duration
	// BaseBackoff and MaxBackoff bound the exponential backoff used for
	// 5xx statuses and connection errors; 0 means 250ms and 5s.
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// MaxBodyBytes caps a response body; 0 means 64 MiB.
	MaxBodyBytes int64
	// Observer, when set, is called once per attempt.
	Observer Observer

	// Now, Sleep and Jitter replace the clock, the sleeper and the random
	// source in tests. Sleep must return ctx.Err() when ctx ends first;
	// Jitter returns a number in [0, 1).
	Now    func() time.Time
	Sleep  func(ctx context.Context, d time.Duration) error
	Jitter func() float64
}

// Client sends Requests with the retry and rate-limit rules of its Config.
// It is safe for concurrent use.
type Client struct {
	cfg     Config
	http    *http.Client
	limiter *rate.Limiter // nil when unlimited
	retry5x map[int]bool

	mu          sync.Mutex
	pausedUntil map[string]time.Time // operation → quota reset, from SlowDown
}

// New returns a Client. The *http.Client is copied with redirects turned
// off: a provider API never needs them, and following one could carry the
// Authorization header to a host the operator did not configure.
func New(cfg Config) *Client {
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 2 * time.Minute
	}
	if cfg.BaseBackoff <= 0 {
		cfg.BaseBackoff = 250 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Second
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 64 << 20
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Jitter == nil {
		cfg.Jitter = rand.Float64
	}
	statuses := cfg.RetryStatuses
	if statuses == nil {
		statuses = []int{http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}
	}
	c := &Client{cfg: cfg, retry5x: make(map[int]bool), pausedUntil: make(map[string]time.Time)}
	for _, s := range statuses {
		c.retry5x[s] = true
	}

	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	} else {
		hc.Transport = newFastTransport(cfg.MaxBodyBytes)
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.http = &hc

	if cfg.RequestsPerSecond > 0 {
		burst := cfg.Burst
		if burst <= 0 {
			burst = max(1, int(cfg.RequestsPerSecond))
		}
		c.limiter = rate.NewLimiter(rate.Limit(cfg.RequestsPerSecond), burst)
	}
	return c
}

// Do sends r, re-sending it as r.Retry and the Config allow, and returns the
// last response with its body fully read (reading it again is free; closing
// it is optional). A non-2xx status is not an error here: the caller maps
// statuses to its own errors. When the next wait would pass ctx's deadline
// or MaxWait, Do stops at once and returns the response it has, so the
// caller can report "rate limited, retry after N s" instead of timing out.
//
// The error is non-nil only when no response is returned: a connection
// failure, ctx ending, or a *ThrottledError from the local token bucket.
func (c *Client) Do(ctx context.Context, r *Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		if err := c.throttle(ctx, r.Operation); err != nil {
			return nil, err
		}
		resp, err := c.attempt(ctx, r)
		if err != nil && ctx.Err() != nil {
			return nil, fmt.Errorf("%s %s: %w", c.cfg.Provider, r.Operation, context.Cause(ctx))
		}
		if resp != nil {
			c.notePause(r.Operation, resp)
		}
		if attempt >= c.cfg.MaxRetries {
			return resp, err
		}
		wait, ok := c.retryWait(r, resp, err, attempt)
		if !ok || !c.fits(ctx, wait) {
			return resp, err
		}
		if serr := c.cfg.Sleep(ctx, wait); serr != nil {
			return nil, fmt.Errorf("%s %s: waiting to retry: %w", c.cfg.Provider, r.Operation, serr)
		}
	}
}

// fits reports whether waiting d is allowed: within MaxWait and ending
// before ctx's deadline (with the request still to be sent after it).
func (c *Client) fits(ctx context.Context, d time.Duration) bool {
	if d > c.cfg.MaxWait {
		return false
	}
	if deadline, ok := ctx.Deadline(); ok && !c.cfg.Now().Add(d).Before(deadline) {
		return false
	}
	return true
}

// sleep waits for d or until ctx ends, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
