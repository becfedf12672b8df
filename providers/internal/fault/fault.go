// Package fault is the failure injection the fake providers share: a queue
// of HTTP statuses that the next calls answer with, in the order injected.
// Each fake turns a status into its vendor's error body.
package fault

import (
	"sync"
	"sync/atomic"
)

// Queue holds injected failures. The zero value is ready to use and safe
// for concurrent use.
type Queue struct {
	pending atomic.Int64 // fast path: no lock while nothing is queued
	mu      sync.Mutex
	queue   []injection
}

type injection struct {
	status int
	left   int
}

// Add queues n calls that answer status.
func (q *Queue) Add(n, status int) {
	if n <= 0 {
		return
	}
	q.mu.Lock()
	q.queue = append(q.queue, injection{status: status, left: n})
	q.mu.Unlock()
	q.pending.Add(int64(n))
}

// Next consumes one queued failure and returns its status, or 0 when none
// is queued.
func (q *Queue) Next() int {
	if q.pending.Load() == 0 {
		return 0
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.queue) == 0 {
		return 0
	}
	head := &q.queue[0]
	status := head.status
	if head.left--; head.left == 0 {
		q.queue = q.queue[1:]
	}
	q.pending.Add(-1)
	return status
}
