package httpx

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryAfter reads a standard Retry-After header: delay-seconds, or an
// HTTP date measured against the server's Date header (so clock skew does
// not matter) or, without one, against now. ok is false when the header is
// absent or unreadable.
func RetryAfter(resp *http.Response, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		date, derr := http.ParseTime(resp.Header.Get("Date"))
		if derr != nil {
			date = now
		}
		return max(t.Sub(date), 0), true
	}
	return 0, false
}

// MaxRetries is a client's retry count from its configuration: 0 means the
// client's default, and a negative value turns retries off.
func MaxRetries(configured, def int) int {
	switch {
	case configured == 0:
		return def
	case configured < 0:
		return 0
	}
	return configured
}
