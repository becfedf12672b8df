package xdrtest

import (
	"sync"
	"sync/atomic"
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

// InjectStatus makes the next n authenticated API calls answer status with
// an XDR error body (401, 402 licence, 403 RBAC, 404, 429, 5xx "An error
// occurred while processing XDR public API"...), without acting on them.
// Injected failures are served in the order injected, after
// authentication, so each one uses up an advanced key's nonce.
func (s *Server) InjectStatus(n, status int) { s.inject.add(n, status) }
