package pingonetest

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// injector queues failures for the next API calls, in the order they were
// injected.
type injector struct {
	pending atomic.Int64 // fast path: no lock while nothing is queued
	mu      sync.Mutex
	queue   []injection
}

type injection struct {
	status int
	left   int
}

func (in *injector) add(n, status int) {
	if n <= 0 {
		return
	}
	in.mu.Lock()
	in.queue = append(in.queue, injection{status: status, left: n})
	in.mu.Unlock()
	in.pending.Add(int64(n))
}

// next consumes one queued failure and returns its status, or 0.
func (in *injector) next() int {
	if in.pending.Load() == 0 {
		return 0
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.queue) == 0 {
		return 0
	}
	head := &in.queue[0]
	status := head.status
	if head.left--; head.left == 0 {
		in.queue = in.queue[1:]
	}
	in.pending.Add(-1)
	return status
}

// InjectRateLimit makes the next n API calls answer 429 REQUEST_LIMITED
// with Retry-After: 1, as PingOne does when a licence's rate limit is
// exceeded. Token requests are not affected.
func (s *Server) InjectRateLimit(n int) { s.inject.add(n, http.StatusTooManyRequests) }

// InjectStatus makes the next n API calls answer status with a PingOne
// error body (401 and 403 ACCESS_FAILED, 404 NOT_FOUND, 429
// REQUEST_LIMITED, 5xx UNEXPECTED_ERROR...). Injected failures are served
// in the order injected, before authentication, as an edge failure would
// be.
func (s *Server) InjectStatus(n, status int) { s.inject.add(n, status) }

// SetLatency makes every API and token request wait d before it is
// handled. The wait ends early if the request is cancelled.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// wait applies the configured latency; it reports false if the request was
// cancelled meanwhile.
func (s *Server) wait(ctx context.Context) bool {
	d := time.Duration(s.latency.Load())
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
