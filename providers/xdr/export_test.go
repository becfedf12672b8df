package xdr

import (
	"context"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
)

// SetTestClock replaces c's clock and sleeper (alert pacing, the advanced
// key's timestamp, httpx's retry waits), so tests in package xdr_test can
// check waits without waiting. Backoff jitter is fixed too.
func SetTestClock(c *Client, now func() time.Time, sleep func(context.Context, time.Duration) error) {
	c.now = now
	c.sleep = sleep
	c.httpCfg.Now = now
	c.httpCfg.Sleep = sleep
	c.httpCfg.Jitter = func() float64 { return 0 }
	c.http = httpx.New(c.httpCfg)
}

// SetTestNonce replaces the advanced key's nonce source, so a test can
// make the client replay a nonce.
func SetTestNonce(c *Client, nonce func() (string, error)) { c.key.Nonce = nonce }
