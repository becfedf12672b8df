package okta

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// resetWait is Okta's rule for how long to wait after a 429, as its own SDK
// does: X-Rate-Limit-Reset − Date + 1s. The server's Date header is used,
// not the local clock, so a skewed local clock cannot make the client
// retry too early or wait too long; now is only the fallback when Date is
// missing. Without a reset header there is no answer.
func resetWait(resp *http.Response, now time.Time) (time.Duration, bool) {
	reset, err := strconv.ParseInt(strings.TrimSpace(resp.Header.Get("X-Rate-Limit-Reset")), 10, 64)
	if err != nil {
		return 0, false
	}
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		date = now
	}
	return max(time.Unix(reset, 0).Sub(date)+time.Second, time.Second), true
}

// quotaSpent reports, for httpx's SlowDown, that an operation's rate-limit
// window is used up (X-Rate-Limit-Remaining: 0) and how long until reset,
// so the next call waits rather than collecting a 429.
func quotaSpent(resp *http.Response, now time.Time) (time.Duration, bool) {
	if strings.TrimSpace(resp.Header.Get("X-Rate-Limit-Remaining")) != "0" {
		return 0, false
	}
	return resetWait(resp, now)
}
