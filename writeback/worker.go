// Package writeback delivers the entries that commands queue for their
// incidents: XSOAR war-room entries and XDR incident comments. Entries are
// queued in the store with the call's audit record, so an acknowledged call's
// entry survives a restart; the worker leases due entries from the store, so
// several replicas deliver each one once; and delivery happens here, away
// from the command's response, so a slow or down XSOAR never slows a call.
package writeback

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/idcmd/idcmd/panics"
	"github.com/idcmd/idcmd/providers/upstream"
	"github.com/idcmd/idcmd/store"
)

// Target delivers one entry to one platform and returns the platform's id
// for it (XSOAR's entry id), if any.
type Target interface {
	Deliver(ctx context.Context, wb store.WriteBack) (remoteID string, err error)
}

// Worker delivers queued write-backs.
type Worker struct {
	Store store.Store
	// Targets maps a platform (xsoar, xdr) to its delivery.
	Targets map[string]Target
	// Owner names this replica in the store's leases.
	Owner string
	Log   *slog.Logger
	// Observe is told each attempt's platform and outcome (delivered,
	// retry, failed, interrupted), for metrics.
	Observe func(platform, outcome string)

	// Lease is how long a claimed write-back is this replica's (30 s).
	Lease time.Duration
	// Batch is how many write-backs one claim takes (32).
	Batch int
	// Parallel bounds deliveries in flight (8).
	Parallel int
	// MaxAttempts before a write-back is marked failed (12: about an hour of backoff).
	MaxAttempts int
	// BaseBackoff and MaxBackoff bound the exponential backoff (2 s, 5 min).
	BaseBackoff, MaxBackoff time.Duration
	// Poll is how often the queue is checked without a wake-up (1 s).
	Poll time.Duration
	// IdlePoll replaces Poll when no platform is configured (Targets is
	// empty; 1 min). See Run.
	IdlePoll time.Duration
	// Timeout bounds one delivery attempt (15 s).
	Timeout time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	once sync.Once
	wake chan struct{}
	stop chan struct{} // closed by Stop: claim no more
	done chan struct{} // closed when Run returns

	mu      sync.Mutex         // guards started, abort and the closing of stop
	started bool               // Run has begun
	abort   context.CancelFunc // cuts off Run's deliveries
}

// defaults fills in the unset settings once: Notify (from request
// goroutines), Run and Stop all call it, so it must not write twice.
func (w *Worker) defaults() { w.once.Do(w.setDefaults) }

func (w *Worker) setDefaults() {
	w.wake = make(chan struct{}, 1)
	w.stop = make(chan struct{})
	w.done = make(chan struct{})
	if w.Lease <= 0 {
		w.Lease = 30 * time.Second
	}
	if w.Batch <= 0 {
		w.Batch = 32
	}
	if w.Parallel <= 0 {
		w.Parallel = 8
	}
	if w.MaxAttempts <= 0 {
		w.MaxAttempts = 12
	}
	if w.BaseBackoff <= 0 {
		w.BaseBackoff = 2 * time.Second
	}
	if w.MaxBackoff <= 0 {
		w.MaxBackoff = 5 * time.Minute
	}
	if w.Poll <= 0 {
		w.Poll = time.Second
	}
	if w.IdlePoll <= 0 {
		w.IdlePoll = time.Minute
	}
	if w.Timeout <= 0 {
		w.Timeout = 15 * time.Second
	}
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.Log == nil {
		w.Log = slog.Default()
	}
}

// Notify wakes the worker: something was queued. It never blocks.
func (w *Worker) Notify() {
	w.defaults()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run claims and delivers until Stop is called or ctx ends, and returns
// once every delivery it started has recorded its outcome. Deliveries do
// not run on ctx alone: Stop lets them finish within its grace, and only
// the end of that grace (or of ctx, a hard stop) cuts them off, as
// interrupted attempts that do not count.
//
// A panic in one pass of the loop (a claim, the bookkeeping around a
// batch) is logged and the loop goes on; a panic in a delivery is that
// write-back's failed attempt.
//
// With no platform configured, a claim (a write transaction, flushed) every
// second would find nothing to do, yet calls with incident context can
// still queue write-backs: those are claimed when Notify says so and fail
// at once, visibly ("xsoar is not configured in idcmd"). What can come due
// without a Notify (a lease of a process that was killed, a retry
// scheduled under a configuration that had the platform) is claimed at the
// start and then every IdlePoll.
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	w.mu.Lock()
	if w.started || w.stopping() {
		w.mu.Unlock()
		return
	}
	w.started = true
	dctx, abort := context.WithCancel(ctx)
	w.abort = abort
	w.mu.Unlock()
	defer close(w.done)
	defer abort()
	poll := w.Poll
	if len(w.Targets) == 0 {
		poll = w.IdlePoll
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if ctx.Err() != nil || w.stopping() {
			return
		}
		var n int
		err := panics.Contain(w.Log, "write-back claim loop", func() (err error) {
			n, err = w.runOnce(ctx, dctx)
			return err
		})
		if err != nil && ctx.Err() == nil {
			w.Log.Warn("write-back claim failed", "error", err)
		}
		if n == w.Batch && err == nil {
			continue // more may be due right now
		}
		select {
		case <-ctx.Done():
			return
		case <-w.stop:
			return
		case <-w.wake:
		case <-t.C:
		}
	}
}

// Stop ends Run gracefully: it claims no more, lets the deliveries in
// flight finish until ctx ends, then cuts off those still running, and
// returns once each has recorded its outcome. Write-backs claimed in the
// batch but not started are given back, as are attempts cut off: they are
// queued again, due at once, their attempts not counted. An attempt cut off
// after the platform received it is delivered again after the restart
// (delivery is at least once), which is why ctx should allow for the
// platform's usual latency. Stop before Run (or without it) makes a later
// Run return at once.
func (w *Worker) Stop(ctx context.Context) {
	w.defaults()
	w.mu.Lock()
	if !w.stopping() {
		close(w.stop)
	}
	started := w.started
	w.mu.Unlock()
	if !started {
		return
	}
	select {
	case <-w.done:
		return
	case <-ctx.Done():
	}
	w.mu.Lock()
	w.abort()
	w.mu.Unlock()
	<-w.done
}

// stopping reports whether Stop was called.
func (w *Worker) stopping() bool {
	select {
	case <-w.stop:
		return true
	default:
		return false
	}
}

// RunOnce claims one batch of due write-backs and delivers them on ctx, and
// returns how many it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.defaults()
	return w.runOnce(ctx, ctx)
}

// runOnce claims on ctx and delivers on dctx. Once Stop is called, the
// write-backs of the batch not yet started are given back instead.
func (w *Worker) runOnce(ctx, dctx context.Context) (int, error) {
	claimed, err := w.Store.ClaimWriteBacks(ctx, w.Owner, w.Batch, w.Lease, w.Now())
	if err != nil {
		return 0, err
	}
	sem := make(chan struct{}, w.Parallel)
	var wg sync.WaitGroup
	defer wg.Wait()
	for i, wb := range claimed {
		select {
		case sem <- struct{}{}:
		case <-w.stop:
		}
		if w.stopping() {
			w.release(claimed[i:])
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			_ = panics.Contain(w.Log, "write-back "+wb.ID, func() error {
				w.deliver(dctx, wb)
				return nil
			})
		}()
	}
	return len(claimed), nil
}

// release gives back write-backs claimed but not started.
func (w *Worker) release(list []store.WriteBack) {
	for _, wb := range list {
		w.record(wb, store.WriteBackOutcome{Interrupted: true}, "interrupted")
	}
}

// deliver makes one attempt and records its outcome. When ctx ends before
// or during the attempt (shutdown's grace is over), the attempt is recorded
// as interrupted: it does not count. A panic in the target is the attempt's
// failure, retried like any other.
func (w *Worker) deliver(ctx context.Context, wb store.WriteBack) {
	if ctx.Err() != nil {
		w.record(wb, store.WriteBackOutcome{Interrupted: true}, "interrupted")
		return
	}
	target, ok := w.Targets[wb.Platform]
	var remoteID string
	var err error
	if !ok {
		err = fmt.Errorf("%w: %s is not configured in idcmd", errPermanent, wb.Platform)
	} else {
		dctx, cancel := context.WithTimeout(ctx, w.Timeout)
		err = panics.Contain(w.Log, "delivery of "+wb.ID+" to "+wb.Platform, func() (err error) {
			remoteID, err = target.Deliver(dctx, withFooter(wb))
			return err
		})
		cancel()
	}
	if err != nil && ctx.Err() != nil {
		// Cut off by shutdown, not failed: whether the platform took the
		// entry is unknown, and the next attempt is the first that counts.
		w.Log.Warn("write-back attempt interrupted by shutdown", "writeback", wb.ID, "platform", wb.Platform,
			"incident", wb.IncidentID, "error", err)
		w.record(wb, store.WriteBackOutcome{Interrupted: true}, "interrupted")
		return
	}
	now := w.Now()
	o := store.WriteBackOutcome{Delivered: err == nil, RemoteID: remoteID}
	outcome := "delivered"
	if err != nil {
		o.Err = err.Error()
		switch {
		case permanent(err):
			o.Permanent, outcome = true, "failed"
		case wb.Attempts >= w.MaxAttempts:
			o.Permanent, outcome = true, "failed"
			o.Err = fmt.Sprintf("gave up after %d attempts: %s", wb.Attempts, o.Err)
		default:
			o.RetryAt, outcome = now.Add(w.backoff(wb.Attempts, err)), "retry"
		}
	}
	w.record(wb, o, outcome)
	if outcome != "delivered" {
		w.Log.Warn("write-back not delivered", "writeback", wb.ID, "platform", wb.Platform, "incident", wb.IncidentID,
			"attempt", wb.Attempts, "outcome", outcome, "error", o.Err)
	}
}

// record stores an attempt's outcome. It does not run on the delivery's
// context: that may have ended (shutdown), and a delivered entry whose
// outcome is lost would be delivered again by the next lease holder.
func (w *Worker) record(wb store.WriteBack, o store.WriteBackOutcome, outcome string) {
	fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := w.Store.FinishWriteBack(fctx, wb.ID, w.Owner, o, w.Now()); err != nil {
		w.Log.Warn("write-back outcome not recorded", "writeback", wb.ID, "outcome", outcome, "error", err)
	}
	if w.Observe != nil {
		w.Observe(wb.Platform, outcome)
	}
}

var errPermanent = errors.New("permanent failure")

// permanent tells failures a retry cannot heal: the incident's investigation
// is closed (XSOAR 412), the incident does not exist, the entry was refused
// as invalid, or the platform is not configured.
func permanent(err error) bool {
	if errors.Is(err, errPermanent) {
		return true
	}
	ue := upstream.As(err)
	return ue != nil && (ue.Kind == upstream.Conflict || ue.Kind == upstream.NotFound || ue.Kind == upstream.Invalid)
}

// backoff is exponential with full jitter, at least what the platform asked
// for (Retry-After), at most MaxBackoff.
func (w *Worker) backoff(attempt int, err error) time.Duration {
	d := w.BaseBackoff << min(attempt-1, 20)
	if d > w.MaxBackoff || d <= 0 {
		d = w.MaxBackoff
	}
	d = d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
	if ue := upstream.As(err); ue != nil && ue.RetryAfter > d {
		d = min(ue.RetryAfter, w.MaxBackoff)
	}
	return d
}

// withFooter adds the audit record's number, which the store assigned
// after the entry was written.
func withFooter(wb store.WriteBack) store.WriteBack {
	if wb.AuditSeq > 0 {
		wb.Markdown += fmt.Sprintf("\n*idcmd audit record #%d (GET /api/v1/audit)*\n", wb.AuditSeq)
	}
	return wb
}
