package pingone

import (
	"context"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
)

// SetTestClock replaces c's clock and sleeper, so tests in package
// pingone_test can check rate-limit waits without waiting. Backoff jitter
// is fixed too. Token expiry stays on the real clock: the oauth2 package
// keeps its own.
func SetTestClock(c *Client, now func() time.Time, sleep func(context.Context, time.Duration) error) {
	c.now = now
	c.httpCfg.Now = now
	c.httpCfg.Sleep = sleep
	c.httpCfg.Jitter = func() float64 { return 0 }
	c.http = httpx.New(c.httpCfg)
}
