package oktatest

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Nominal per-minute limits per endpoint family, in the range Okta applies
// to a production org. They are what X-Rate-Limit-Limit reports when
// Options.RateLimitPerMinute is 0, in which case nothing is enforced.
var familyLimits = map[string]int{
	"users":   600,
	"groups":  500,
	"logs":    120,
	"token":   600,
	"default": 1200,
}

// rateFamily names the rate-limit bucket a path belongs to.
func rateFamily(path string) string {
	switch {
	case strings.HasPrefix(path, "/api/v1/users"):
		return "users"
	case strings.HasPrefix(path, "/api/v1/groups"):
		// Group reads and membership changes have their own bucket at
		// Okta, beside the users one.
		return "groups"
	case strings.HasPrefix(path, "/api/v1/logs"):
		return "logs"
	case strings.HasPrefix(path, "/oauth2/"):
		return "token"
	}
	return "default"
}

// rateLimiter keeps one fixed one-minute window per endpoint family.
type rateLimiter struct {
	mu sync.Mutex
	// perMinute overrides every family's limit and turns enforcement on
	// when positive.
	perMinute int
	buckets   map[string]*bucket
}

type bucket struct {
	start time.Time
	used  int
}

// rateState is what the rate-limit headers report for one request.
type rateState struct {
	limit, remaining int
	reset            time.Time
	allowed          bool
}

func newRateLimiter(perMinute int) *rateLimiter {
	return &rateLimiter{perMinute: perMinute, buckets: map[string]*bucket{}}
}

// take counts one request against family's bucket at now.
func (l *rateLimiter) take(family string, now time.Time) rateState {
	limit := familyLimits[family]
	if l.perMinute > 0 {
		limit = l.perMinute
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[family]
	if b == nil || !now.Before(b.start.Add(time.Minute)) {
		b = &bucket{start: now}
		l.buckets[family] = b
	}
	st := rateState{limit: limit, reset: b.start.Add(time.Minute), allowed: true}
	if l.perMinute > 0 {
		if b.used >= limit {
			st.allowed = false
			return st
		}
		b.used++
		st.remaining = limit - b.used
		return st
	}
	// Not enforcing: report a bucket that never runs dry, so clients that
	// pause pre-emptively on Remaining == 0 are not slowed down either.
	b.used++
	st.remaining = max(limit-b.used, 1)
	return st
}

// setHeaders writes the X-Rate-Limit-* headers. Reset is in epoch seconds,
// rounded up so that it is never before the moment the window ends.
func (st rateState) setHeaders(h http.Header) {
	reset := st.reset.Unix()
	if st.reset.Nanosecond() > 0 {
		reset++
	}
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(st.limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(st.remaining))
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(reset, 10))
}

// InjectRateLimit makes the next n API calls answer 429 E0000047, with
// X-Rate-Limit-Remaining 0 and X-Rate-Limit-Reset one second after the
// Date header, as Okta's SDKs expect when computing their back-off.
func (s *Server) InjectRateLimit(n int) { s.inject.Add(n, http.StatusTooManyRequests) }

// InjectStatus makes the next n API calls answer status with an Okta error
// body (500 → E0000009, 503 → E0000009 "Service Unavailable", 401 →
// E0000011, ...). Injected failures are served in the order injected.
func (s *Server) InjectStatus(n int, status int) { s.inject.Add(n, status) }
