// Package writeback delivers the entries that commands queue for their
// incidents: XSOAR war-room entries and XDR incident comments. Entries are
// queued in the store with the call's audit record, so an acknowledged call's
// entry survives a restart; the worker leases due entries from the store, so
// several replicas deliver each one once; and delivery happens here, away
// from the command's response, so a slow or down XSOAR never slows a call.
package writeback

import (
	"context"
	"encoding/json"
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

// Produced is what a delivery made: the platform's id for it and a result
// (JSON) kept with the write-back (the incident it created, the audit
// record of a response).
type Produced struct {
	RemoteID string
	Result   json.RawMessage
}

// ResultTarget is a Target whose deliveries report a result. The worker
// calls DeliverResult instead of Deliver. A result returned with an error
// is kept too (what a failed response did record).
type ResultTarget interface {
	Target
	DeliverResult(ctx context.Context, wb store.WriteBack) (Produced, error)
}

// BatchTarget is a Target that takes several deliveries of its kind in one
// call (XDR alerts: up to 60 a request). The worker hands it every
// write-back of its kind that one claim brought, and it returns one
// Attempt per write-back, in order.
type BatchTarget interface {
	Target
	DeliverBatch(ctx context.Context, wbs []store.WriteBack) []Attempt
}

// Attempt is the outcome of one write-back of a batch.
type Attempt struct {
	Produced
	Err error
}

// Later is the error of a delivery that must wait for something it needs
// (the incident a response runs in): the write-back is queued again, due
// At, and the attempt does not count towards MaxAttempts.
type Later struct {
	At  time.Time
	Why string
}

func (l *Later) Error() string { return "waiting: " + l.Why }

// Worker delivers queued write-backs.
type Worker struct {
	Store store.Store
	// Targets maps a platform (xsoar, xdr) to the delivery of its entries
	// (kind entry).
	Targets map[string]Target
	// Kinds maps every other kind (an XDR alert, an XSOAR incident, an
	// automated response) to its delivery.
	Kinds map[string]Target
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
	if len(w.Targets) == 0 && len(w.Kinds) == 0 {
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
	total := len(claimed) // batches take some out of claimed
	claimed, batches := w.batches(claimed)
	for _, b := range batches {
		select {
		case sem <- struct{}{}:
		case <-w.stop:
		}
		if w.stopping() {
			w.release(b.wbs)
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			_ = panics.Contain(w.Log, "write-back batch of "+b.kind, func() error {
				w.deliverBatch(dctx, b.target, b.wbs)
				return nil
			})
		}()
	}
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
	return total, nil
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
	target, ok := w.target(wb)
	var made Produced
	var err error
	if !ok {
		err = fmt.Errorf("%w: %s is not configured in idcmd", errPermanent, targetName(wb))
	} else {
		dctx, cancel := context.WithTimeout(ctx, w.Timeout)
		err = panics.Contain(w.Log, "delivery of "+wb.ID+" to "+targetName(wb), func() (err error) {
			if rt, ok := target.(ResultTarget); ok {
				made, err = rt.DeliverResult(dctx, wb)
				return err
			}
			made.RemoteID, err = target.Deliver(dctx, withFooter(wb))
			return err
		})
		cancel()
	}
	w.finish(ctx, wb, made, err)
}

// finish records the outcome of one attempt: delivered, put off (Later),
// retried with backoff, failed, or interrupted by shutdown.
func (w *Worker) finish(ctx context.Context, wb store.WriteBack, made Produced, err error) {
	var later *Later
	if errors.As(err, &later) && ctx.Err() == nil {
		w.record(wb, store.WriteBackOutcome{Interrupted: true, RetryAt: later.At, Err: later.Error()}, "waiting")
		return
	}
	if err != nil && ctx.Err() != nil {
		// Cut off by shutdown, not failed: whether the platform took the
		// entry is unknown, and the next attempt is the first that counts.
		w.Log.Warn("write-back attempt interrupted by shutdown", "writeback", wb.ID, "platform", wb.Platform, "kind", wb.Kind,
			"incident", wb.IncidentID, "error", err)
		w.record(wb, store.WriteBackOutcome{Interrupted: true}, "interrupted")
		return
	}
	now := w.Now()
	o := store.WriteBackOutcome{Delivered: err == nil, RemoteID: made.RemoteID, Result: made.Result}
	if err != nil {
		o.RemoteID = ""
	}
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
		w.Log.Warn("write-back not delivered", "writeback", wb.ID, "platform", wb.Platform, "kind", wb.Kind, "incident", wb.IncidentID,
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

// target is the delivery of wb: its platform's for an entry, its kind's
// for anything else.
func (w *Worker) target(wb store.WriteBack) (Target, bool) {
	if wb.Kind == "" || wb.Kind == store.KindEntry {
		t, ok := w.Targets[wb.Platform]
		return t, ok
	}
	t, ok := w.Kinds[wb.Kind]
	return t, ok
}

// targetName names wb's delivery in errors and logs.
func targetName(wb store.WriteBack) string {
	if wb.Kind == "" || wb.Kind == store.KindEntry {
		return wb.Platform
	}
	return wb.Platform + " " + wb.Kind
}

// batch is the write-backs of one claim that go to one BatchTarget.
type batch struct {
	kind   string
	target BatchTarget
	wbs    []store.WriteBack
}

// batches takes the write-backs whose kind has a BatchTarget out of
// claimed, one batch per kind, and returns the rest.
func (w *Worker) batches(claimed []store.WriteBack) ([]store.WriteBack, []batch) {
	var rest []store.WriteBack
	var out []batch
	index := map[string]int{}
	for _, wb := range claimed {
		t, ok := w.target(wb)
		bt, isBatch := t.(BatchTarget)
		if !ok || !isBatch {
			rest = append(rest, wb)
			continue
		}
		i, seen := index[wb.Kind]
		if !seen {
			i = len(out)
			index[wb.Kind] = i
			out = append(out, batch{kind: wb.Kind, target: bt})
		}
		out[i].wbs = append(out[i].wbs, wb)
	}
	return rest, out
}

// deliverBatch makes one attempt of each write-back in wbs through t and
// records each outcome. A panic in the target, or a wrong number of
// attempts back, fails every write-back of the batch (retried as usual).
func (w *Worker) deliverBatch(ctx context.Context, t BatchTarget, wbs []store.WriteBack) {
	if ctx.Err() != nil {
		w.release(wbs)
		return
	}
	var attempts []Attempt
	dctx, cancel := context.WithTimeout(ctx, w.Timeout)
	err := panics.Contain(w.Log, "batch delivery of "+wbs[0].Kind, func() error {
		attempts = t.DeliverBatch(dctx, wbs)
		if len(attempts) != len(wbs) {
			return fmt.Errorf("batch delivery of %s returned %d outcomes for %d write-backs", wbs[0].Kind, len(attempts), len(wbs))
		}
		return nil
	})
	cancel()
	for i, wb := range wbs {
		if err != nil {
			w.finish(ctx, wb, Produced{}, err)
			continue
		}
		w.finish(ctx, wb, attempts[i].Produced, attempts[i].Err)
	}
}
