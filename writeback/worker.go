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
	// retry, failed), for metrics.
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
	// Timeout bounds one delivery attempt (15 s).
	Timeout time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	wakeOnce sync.Once
	wake     chan struct{}
}

func (w *Worker) defaults() {
	w.wakeOnce.Do(func() { w.wake = make(chan struct{}, 1) })
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

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	t := time.NewTicker(w.Poll)
	defer t.Stop()
	for {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.Log.Warn("write-back claim failed", "error", err)
		}
		if n == w.Batch {
			continue // more may be due right now
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-t.C:
		}
	}
}

// RunOnce claims one batch of due write-backs and delivers them, and
// returns how many it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.defaults()
	claimed, err := w.Store.ClaimWriteBacks(ctx, w.Owner, w.Batch, w.Lease, w.Now())
	if err != nil {
		return 0, err
	}
	sem := make(chan struct{}, w.Parallel)
	var wg sync.WaitGroup
	for _, wb := range claimed {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			w.deliver(ctx, wb)
		}()
	}
	wg.Wait()
	return len(claimed), nil
}

// deliver makes one attempt and records its outcome.
func (w *Worker) deliver(ctx context.Context, wb store.WriteBack) {
	target, ok := w.Targets[wb.Platform]
	var remoteID string
	var err error
	if !ok {
		err = fmt.Errorf("%w: %s is not configured in idcmd", errPermanent, wb.Platform)
	} else {
		dctx, cancel := context.WithTimeout(ctx, w.Timeout)
		remoteID, err = target.Deliver(dctx, withFooter(wb))
		cancel()
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
	// The outcome is recorded even if ctx is ending: a delivered entry
	// must not be delivered again by the next lease holder.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, ferr := w.Store.FinishWriteBack(fctx, wb.ID, w.Owner, o, now); ferr != nil {
		w.Log.Warn("write-back outcome not recorded", "writeback", wb.ID, "error", ferr)
	}
	if w.Observe != nil {
		w.Observe(wb.Platform, outcome)
	}
	if outcome != "delivered" {
		w.Log.Warn("write-back not delivered", "writeback", wb.ID, "platform", wb.Platform, "incident", wb.IncidentID,
			"attempt", wb.Attempts, "outcome", outcome, "error", o.Err)
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
