package okta

import (
	"context"
	"sync"
)

// zoneLocks hold one lock per zone ID for LockZone. The zero value is
// ready to use. A lock lives only while someone holds or waits for it, so
// the map stays as small as the number of zones being edited.
type zoneLocks struct {
	mu sync.Mutex
	m  map[string]*zoneLock
}

// zoneLock is a one-slot semaphore, so a waiter can give up when its
// context ends (a sync.Mutex cannot be abandoned).
type zoneLock struct {
	slot chan struct{}
	refs int // holders and waiters; guarded by zoneLocks.mu
}

// LockZone serialises read-modify-write of one zone among the callers of
// this Client, and so within one idcmd process: Okta replaces a zone
// whole and offers no ETag, so two edits that read the same zone would
// otherwise each write back a copy without the other's entries. Hold the
// lock from the read to the confirming read after ReplaceZone, then call
// unlock exactly once. It waits until the zone is free or ctx ends. It
// does not cover another process (a second replica, an admin in the Okta
// console) writing the same zone.
func (c *Client) LockZone(ctx context.Context, zoneID string) (unlock func(), err error) {
	l := &c.zoneLocks
	l.mu.Lock()
	if l.m == nil {
		l.m = map[string]*zoneLock{}
	}
	zl := l.m[zoneID]
	if zl == nil {
		zl = &zoneLock{slot: make(chan struct{}, 1)}
		l.m[zoneID] = zl
	}
	zl.refs++
	l.mu.Unlock()

	release := func() {
		l.mu.Lock()
		zl.refs--
		if zl.refs == 0 {
			delete(l.m, zoneID)
		}
		l.mu.Unlock()
	}
	select {
	case zl.slot <- struct{}{}:
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-zl.slot
			release()
		})
	}, nil
}
