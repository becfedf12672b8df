package pingonetest

import (
	"context"
	"net/http"
	"time"

	"github.com/idcmd/idcmd/providers/internal/fakeserver"
)

// InjectRateLimit makes the next n API calls answer 429 REQUEST_LIMITED
// with Retry-After: 1, as PingOne does when a licence's rate limit is
// exceeded. Token requests are not affected.
func (s *Server) InjectRateLimit(n int) { s.inject.Add(n, http.StatusTooManyRequests) }

// InjectStatus makes the next n API calls answer status with a PingOne
// error body (401 and 403 ACCESS_FAILED, 404 NOT_FOUND, 429
// REQUEST_LIMITED, 5xx UNEXPECTED_ERROR...). Injected failures are served
// in the order injected, before authentication, as an edge failure would
// be.
func (s *Server) InjectStatus(n, status int) { s.inject.Add(n, status) }

// SetLatency makes every API and token request wait d before it is
// handled. The wait ends early if the request is cancelled.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// wait applies the configured latency; it reports false if the request was
// cancelled meanwhile.
func (s *Server) wait(ctx context.Context) bool {
	return fakeserver.Sleep(ctx, time.Duration(s.latency.Load()))
}
