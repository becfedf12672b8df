package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/idcmd/idcmd/providers/upstream"
	"github.com/idcmd/idcmd/store"
)

// Page is one read of a poller's source: the events, the cursor to store
// with them (where the next read starts), and whether more are waiting
// now (false: caught up, wait an interval).
type Page struct {
	Events []Event
	Cursor string
	More   bool
}

// Source is what a poller reads: Okta's System Log, PingOne's activities.
type Source interface {
	// Read returns the page that follows cursor ("" before the first
	// read). It must not hold more than store.MaxEventsPerAppend events.
	Read(ctx context.Context, cursor string) (Page, error)
}

// Poller reads one tenant's events into the log, where hooks are not
// possible. Each page is stored with the cursor after it in one
// transaction, so a restart resumes where the last stored page ended:
// no gap, and no duplicate. With several replicas on one store, the lease
// Name makes one of them the poller; the others stand by and take over
// when its lease runs out.
type Poller struct {
	// Provider is okta or pingone (metrics, logs).
	Provider string
	// Name is the lease's and the cursor's name: one per tenant.
	Name   string
	Source Source
	Intake *Intake
	// Owner is this replica's name in the lease.
	Owner string
	// Interval is the wait between polls once caught up; Lease how long
	// the lease lasts unrenewed.
	Interval, Lease time.Duration
	Log             *slog.Logger
	// Observe counts rounds by outcome (ok, error, standby) with the
	// failures in a row; nil counts nothing.
	Observe func(provider, outcome string, failingInARow int)
	// Now is the lease clock; nil is time.Now.
	Now func() time.Time

	mu      sync.Mutex
	state   PollState
	renewed time.Time // when this replica last took or renewed the lease
}

// PollState is what /readyz shows of a poller.
type PollState struct {
	// Polling: this replica holds the lease; false while another does.
	Polling bool
	// Failing counts the rounds that failed in a row; LastError is the
	// last one's error.
	Failing   int
	LastError string
	// LastSuccess is when a round last completed.
	LastSuccess time.Time
}

// FailingAfter is how many failed rounds in a row make a poller show as
// degraded in /readyz.
const FailingAfter = 3

// State returns the poller's state now.
func (p *Poller) State() PollState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

// Check is the poller's readiness check: it fails (advisory: idcmd still
// serves) once FailingAfter rounds in a row have failed.
func (p *Poller) Check(context.Context) error {
	s := p.State()
	if s.Failing >= FailingAfter {
		return fmt.Errorf("%s poller: %d rounds failed in a row; last: %s", p.Provider, s.Failing, s.LastError)
	}
	return nil
}

func (p *Poller) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Run polls until ctx ends, then gives up the lease so another replica
// can take over at once.
func (p *Poller) Run(ctx context.Context) {
	defer func() {
		if p.State().Polling {
			// The run's context is over; the release gets its own moment.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_ = p.Intake.Store.ReleaseLease(rctx, p.Name, p.Owner)
		}
	}()
	var due time.Time // the next poll; zero: now
	for {
		wait := p.step(ctx, &due)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// step takes or renews the lease and, holding it with a poll due, polls.
// It returns how long to sleep: until the next poll, but never longer
// than a third of the lease, which is renewed on every step.
func (p *Poller) step(ctx context.Context, due *time.Time) time.Duration {
	held, err := p.takeLease(ctx)
	switch {
	case err != nil:
		return p.failed(ctx, err)
	case !held:
		if p.State().Polling {
			p.Log.Warn("event poller lost its lease; another replica polls now", "provider", p.Provider)
		}
		p.setPolling(false)
		p.observe("standby")
		// A standby looks again within half a lease, so it takes over
		// soon after a dead poller's lease runs out.
		*due = time.Time{}
		return p.Lease / 2
	}
	p.setPolling(true)
	now := p.now()
	if now.Before(*due) {
		return min(due.Sub(now), p.Lease/3)
	}
	wait := p.poll(ctx)
	*due = p.now().Add(wait)
	return min(wait, p.Lease/3)
}

// poll reads pages until caught up and returns the wait before the next
// poll: the interval, or after a failure a shorter retry.
func (p *Poller) poll(ctx context.Context) time.Duration {
	for {
		if ctx.Err() != nil {
			return 0
		}
		more, err := p.readPage(ctx)
		if errors.Is(err, store.ErrLeaseLost) {
			// The next step finds the lease taken and stands by.
			return 0
		}
		if err != nil {
			return p.failed(ctx, err)
		}
		if !more {
			p.succeeded()
			return p.Interval
		}
		// A long catch-up renews the lease as it goes.
		if p.now().Sub(p.renewedAt()) > p.Lease/3 {
			if held, err := p.takeLease(ctx); err != nil || !held {
				return 0
			}
		}
	}
}

// readPage reads the page after the stored cursor and stores it with the
// cursor after it.
func (p *Poller) readPage(ctx context.Context) (bool, error) {
	cursor, err := p.Intake.Store.PollCursor(ctx, p.Name)
	if err != nil {
		return false, err
	}
	page, err := p.Source.Read(ctx, cursor)
	if err != nil {
		return false, err
	}
	if _, err := p.Intake.Add(ctx, store.SourcePoll, page.Events, &store.PollCheckpoint{Name: p.Name, Owner: p.Owner, Cursor: page.Cursor}); err != nil {
		return false, err
	}
	return page.More, nil
}

func (p *Poller) takeLease(ctx context.Context) (bool, error) {
	now := p.now()
	held, err := p.Intake.Store.AcquireLease(ctx, p.Name, p.Owner, p.Lease, now)
	if held {
		p.mu.Lock()
		p.renewed = now
		p.mu.Unlock()
	}
	return held, err
}

func (p *Poller) renewedAt() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.renewed
}

func (p *Poller) setPolling(on bool) {
	p.mu.Lock()
	p.state.Polling = on
	p.mu.Unlock()
}

// failed records a failed round and returns the wait before the next: the
// provider's own wait when it gave one (a 429), else a backoff that grows
// with the failures, never past the interval. The stored cursor is
// untouched, so the next round reads the same page again.
func (p *Poller) failed(ctx context.Context, err error) time.Duration {
	if ctx.Err() != nil {
		return 0
	}
	p.mu.Lock()
	p.state.Failing++
	p.state.LastError = err.Error()
	failing := p.state.Failing
	p.mu.Unlock()
	p.observe("error")
	p.Log.Warn("event poll failed; retrying from the stored cursor", "provider", p.Provider, "failing_in_a_row", failing, "error", err)
	wait := min(p.Interval, time.Second<<min(failing, 10))
	if ue := upstream.As(err); ue != nil && ue.RetryAfter > 0 {
		wait = ue.RetryAfter
	}
	return wait
}

func (p *Poller) succeeded() {
	p.mu.Lock()
	p.state.Failing, p.state.LastError, p.state.LastSuccess = 0, "", p.now()
	p.mu.Unlock()
	p.observe("ok")
}

func (p *Poller) observe(outcome string) {
	if p.Observe != nil {
		p.Observe(p.Provider, outcome, p.State().Failing)
	}
}
