package httpx

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"
)

// ThrottledError means the client's own token bucket would have held the
// request past the caller's deadline (or MaxWait); nothing was sent.
type ThrottledError struct {
	Provider  string
	Operation string
	// Wait is how long the request would have had to wait.
	Wait time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("%s %s: client-side rate limit, retry after %ds",
		e.Provider, e.Operation, int(math.Ceil(e.Wait.Seconds())))
}

// throttle waits, before an attempt, for the token bucket and for a quota
// pause that SlowDown recorded for op.
func (c *Client) throttle(ctx context.Context, op string) error {
	if err := c.waitPause(ctx, op); err != nil {
		return err
	}
	if c.limiter == nil {
		return nil
	}
	now := c.cfg.Now()
	res := c.limiter.ReserveN(now, 1)
	if !res.OK() {
		return &ThrottledError{Provider: c.cfg.Provider, Operation: op, Wait: c.cfg.MaxWait}
	}
	d := res.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if !c.fits(ctx, d) {
		res.CancelAt(now)
		return &ThrottledError{Provider: c.cfg.Provider, Operation: op, Wait: d}
	}
	if err := c.cfg.Sleep(ctx, d); err != nil {
		res.CancelAt(c.cfg.Now())
		return fmt.Errorf("%s %s: waiting for rate limit: %w", c.cfg.Provider, op, err)
	}
	return nil
}

// waitPause sleeps until op's quota resets. When that would pass the
// deadline it does not wait at all but lets the request go: the vendor then
// answers 429 with its own reset time, which tells the caller more than a
// local refusal would (the remaining count may also have been an estimate).
func (c *Client) waitPause(ctx context.Context, op string) error {
	c.mu.Lock()
	until, ok := c.pausedUntil[op]
	c.mu.Unlock()
	if !ok {
		return nil
	}
	d := until.Sub(c.cfg.Now())
	if d <= 0 || !c.fits(ctx, d) {
		return nil
	}
	if err := c.cfg.Sleep(ctx, d); err != nil {
		return fmt.Errorf("%s %s: waiting for rate-limit reset: %w", c.cfg.Provider, op, err)
	}
	return nil
}

// notePause records, from a response's quota headers, when op may be sent
// again; a response with quota left clears an old pause.
func (c *Client) notePause(op string, resp *http.Response) {
	if c.cfg.SlowDown == nil {
		return
	}
	now := c.cfg.Now()
	d, spent := c.cfg.SlowDown(resp, now)
	c.mu.Lock()
	defer c.mu.Unlock()
	if spent && d > 0 {
		c.pausedUntil[op] = now.Add(d)
	} else {
		delete(c.pausedUntil, op)
	}
}
