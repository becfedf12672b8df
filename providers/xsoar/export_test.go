package xsoar

import (
	"context"
	"github.com/idcmd/idcmd/providers/cortexkey"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
)

// SetTestClock replaces c's clock and sleeper, so tests in package
// xsoar_test can check retries and advanced-key timestamps without
// waiting. Backoff jitter is fixed too.
func SetTestClock(c *Client, now func() time.Time, sleep func(context.Context, time.Duration) error) {
	c.now = now
	c.httpCfg.Now = now
	c.httpCfg.Sleep = sleep
	c.httpCfg.Jitter = func() float64 { return 0 }
	c.http = httpx.New(c.httpCfg)
}

// SetNonce replaces c's nonce source, so a test can replay a nonce.
func SetNonce(c *Client, nonce func() (string, error)) { c.key.Nonce = nonce }

// AdvancedHash exposes the advanced key's hash to tests.
var AdvancedHash = cortexkey.Hash
