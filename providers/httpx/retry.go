package httpx

import (
	"net/http"
	"time"
)

// retryWait decides whether the outcome of attempt (0-based) may be retried
// under r.Retry, and after how long.
func (c *Client) retryWait(r *Request, resp *http.Response, err error, attempt int) (time.Duration, bool) {
	switch {
	case err != nil:
		// A connection error may strike after the server acted, so only a
		// request that is safe to repeat is sent again.
		if r.Retry < RetryIdempotent {
			return 0, false
		}
		return c.backoff(attempt), true
	case resp.StatusCode == http.StatusTooManyRequests:
		if r.Retry < RetryRateLimited {
			return 0, false
		}
		if c.cfg.RateLimitWait != nil {
			if d, ok := c.cfg.RateLimitWait(resp, c.cfg.Now()); ok {
				return max(d, 0), true
			}
		}
		return c.backoff(attempt), true
	case c.retry5x[resp.StatusCode]:
		if r.Retry < RetryIdempotent {
			return 0, false
		}
		if c.cfg.BusyWait != nil {
			if d, ok := c.cfg.BusyWait(resp, c.cfg.Now()); ok {
				return max(d, 0), true
			}
		}
		return c.backoff(attempt), true
	default:
		return 0, false
	}
}

// backoff is exponential with "equal jitter": half the step is fixed, so
// retries never bunch up at zero, and half is random, so clients that failed
// together do not retry together.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.BaseBackoff
	for i := 0; i < attempt && d < c.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.cfg.MaxBackoff)
	half := d / 2
	return half + time.Duration(c.cfg.Jitter()*float64(d-half))
}
