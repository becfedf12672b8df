package pingone

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// defaultRetryAfter is what a rate-limited caller is told to wait when
// PingOne sends no Retry-After: its limits are counted per second.
const defaultRetryAfter = time.Second

// maxRetryAfterSeconds bounds a parsed Retry-After (one day).
const maxRetryAfterSeconds = 86400

// retryAfterWait is PingOne's rule for how long to wait after a 429: the
// Retry-After header, in seconds (reference §6). An HTTP date is accepted
// too and measured against the server's Date header, so a skewed local
// clock does not matter. Without the header there is no answer and httpx
// falls back to its backoff.
func retryAfterWait(resp *http.Response, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 || math.IsNaN(s) || math.IsInf(s, 0) {
			return 0, false
		}
		// Capped so a bogus value cannot overflow the Duration; httpx
		// refuses to wait that long anyway.
		return time.Duration(min(s, maxRetryAfterSeconds) * float64(time.Second)), true
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		date = now
	}
	return max(at.Sub(date), 0), true
}

// retryAfter is what a rate-limited caller is told to wait: the same time
// the client itself would have waited, rounded up to whole seconds, and at
// least one second.
func retryAfter(resp *http.Response, now time.Time) time.Duration {
	d, ok := retryAfterWait(resp, now)
	if !ok {
		return defaultRetryAfter
	}
	return max(time.Second, time.Duration(math.Ceil(d.Seconds()))*time.Second)
}
