package rules

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/panics"
	"github.com/idcmd/idcmd/store"
)

// LeaseName is the store lease that makes one replica the decider.
const LeaseName = "rules/decider"

// Decider decides every stored event once: it takes the undecided events
// in arrival order, decides each with an Engine, and records the
// decisions with their deliveries in one transaction, under a lease, so
// that with several replicas one decides at a time and a decider killed
// mid-batch leaves its events undecided for the next.
type Decider struct {
	Store  store.Store
	Config Config
	// Directory answers the privileged-user detector; nil: unknown.
	Directory Directory
	// Owner names this replica in the lease.
	Owner string
	Log   *slog.Logger
	// Queued is called after decisions that queued deliveries are
	// recorded (the write-back worker's Notify).
	Queued func()
	// Observe counts decisions by provider, severity and whether a
	// detector fired; nil counts nothing.
	Observe func(provider, severity string, suspicious bool)

	// Lease is how long the lease lasts without renewal (30 s).
	Lease time.Duration
	// Batch is how many events one transaction decides (500).
	Batch int
	// Poll is how often the log is checked without a wake-up (1 s), and
	// how often a replica that is not the decider tries for the lease.
	Poll time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	once   sync.Once
	wake   chan struct{}
	engine *Engine // nil until this replica holds the lease and warmed it
}

func (d *Decider) defaults() {
	d.once.Do(func() {
		d.wake = make(chan struct{}, 1)
		if d.Lease <= 0 {
			d.Lease = 30 * time.Second
		}
		if d.Batch <= 0 {
			d.Batch = 500
		}
		if d.Poll <= 0 {
			d.Poll = time.Second
		}
		if d.Now == nil {
			d.Now = time.Now
		}
		if d.Log == nil {
			d.Log = slog.Default()
		}
	})
}

// Notify wakes the decider: events were stored. It never blocks.
func (d *Decider) Notify() {
	d.defaults()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run decides until ctx ends, then gives up the lease.
func (d *Decider) Run(ctx context.Context) {
	d.defaults()
	defer func() {
		rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = d.Store.ReleaseLease(rctx, LeaseName, d.Owner)
	}()
	t := time.NewTicker(d.Poll)
	defer t.Stop()
	for {
		var n int
		err := panics.Contain(d.Log, "event decider", func() (err error) {
			n, err = d.RunOnce(ctx)
			return err
		})
		if err != nil && ctx.Err() == nil {
			d.Log.Warn("deciding events failed", "error", err)
		}
		if err == nil && n == d.Batch {
			continue // more are waiting
		}
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case <-t.C:
		}
	}
}

// RunOnce takes (or renews) the lease and decides one batch of undecided
// events. It returns how many it decided: 0 when there were none, or
// another replica holds the lease.
func (d *Decider) RunOnce(ctx context.Context) (int, error) {
	d.defaults()
	held, err := d.Store.AcquireLease(ctx, LeaseName, d.Owner, d.Lease, d.Now())
	if err != nil {
		return 0, err
	}
	if !held {
		d.engine = nil // another replica decides; what we remember goes stale
		return 0, nil
	}
	if d.engine == nil {
		e, err := d.warm(ctx)
		if err != nil {
			return 0, err
		}
		d.engine = e
	}
	pending, err := d.Store.UndecidedEvents(ctx, d.Batch)
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	decisions := make([]store.Decision, 0, len(pending))
	queued := false
	for _, rec := range pending {
		ev := events.FromRecord(rec, false)
		dec, wbs := d.engine.Decide(ev)
		body, err := json.Marshal(dec)
		if err != nil {
			return 0, fmt.Errorf("rules: encode decision on %s %s: %w", ev.Provider, ev.ID, err)
		}
		groupKey := ""
		if dec.Group != nil {
			groupKey = dec.Group.Key
		}
		decisions = append(decisions, store.Decision{Provider: rec.Provider, EventID: rec.ID, EventSeq: rec.Seq, DecidedAt: dec.Decided,
			Severity: dec.Severity.String(), Suspicious: dec.Suspicious, GroupKey: groupKey, Body: body, Deliveries: wbs})
		queued = queued || len(wbs) > 0
	}
	if err := d.engine.lookupErr; err != nil {
		d.engine = nil // it remembers a batch that is not stored
		return 0, fmt.Errorf("rules: read a group of repeats: %w", err)
	}
	if _, err := d.Store.RecordDecisions(ctx, store.DecisionLease{Name: LeaseName, Owner: d.Owner}, decisions); err != nil {
		// What the engine remembered of this batch is not what is stored:
		// start again from the store.
		d.engine = nil
		if errors.Is(err, store.ErrLeaseLost) {
			return 0, nil
		}
		return 0, err
	}
	if d.Observe != nil {
		for _, dec := range decisions {
			d.Observe(dec.Provider, dec.Severity, dec.Suspicious)
		}
	}
	if queued && d.Queued != nil {
		d.Queued()
	}
	return len(decisions), nil
}

// warm builds the engine of a replica that just became the decider: the
// detectors remember the decided events of their longest window, the rate
// limit counts the automated runs of its window, and groups are looked up
// in the store.
func (d *Decider) warm(ctx context.Context) (*Engine, error) {
	start := d.Now()
	e, err := NewEngine(d.Config, d.Directory)
	if err != nil {
		return nil, err
	}
	e.now = d.Now
	e.lookupGroup = func(key string, since time.Time) (*openGroup, error) { return d.lookupGroup(ctx, key, since) }
	n, err := rememberDecided(ctx, d.Store, e, start.Add(-d.Config.Detectors.memoryWindow()), time.Time{})
	if err != nil {
		return nil, err
	}
	if err := d.rememberRuns(ctx, e, start); err != nil {
		return nil, err
	}
	d.Log.Info("event decider took the lease", "owner", d.Owner, "remembered_events", n, "took", d.Now().Sub(start).Round(time.Millisecond))
	return e, nil
}

// rememberDecided feeds the decided events that happened in [since,
// until) (until zero: no end) into e's memory, in arrival order.
func rememberDecided(ctx context.Context, s store.Store, e *Engine, since, until time.Time) (int, error) {
	var after int64
	n := 0
	for {
		page, err := s.DecidedEvents(ctx, after, since, store.MaxDecisionsPerRecord)
		if err != nil {
			return n, err
		}
		for _, rec := range page {
			after = rec.Seq
			if !until.IsZero() && !rec.Time.Before(until) {
				continue
			}
			e.Remember(events.FromRecord(rec, false))
			n++
		}
		if len(page) < store.MaxDecisionsPerRecord {
			return n, nil
		}
	}
}

// rememberRuns counts the automated runs queued within the rate limit's
// window (held ones change nothing, and do not count).
func (d *Decider) rememberRuns(ctx context.Context, e *Engine, now time.Time) error {
	w := d.Config.Automation.RateLimit.Window
	if w <= 0 {
		return nil
	}
	since := now.Add(-w)
	cursor := ""
	var runs []store.WriteBack
	for {
		page, next, err := d.Store.ListWriteBacks(ctx, store.WriteBackFilter{Kind: KindResponse, Limit: 500, Cursor: cursor})
		if err != nil {
			return err
		}
		old := false
		for _, wb := range page {
			if wb.CreatedAt.Before(since) {
				old = true
				break
			}
			runs = append(runs, wb)
		}
		if old || next == "" {
			break
		}
		cursor = next
	}
	// The list is newest first; the engine wants them in time order.
	for i := len(runs) - 1; i >= 0; i-- {
		var p ResponsePayload
		if json.Unmarshal(runs[i].Payload, &p) == nil && p.Hold == "" {
			e.rememberRun(p.Action, runs[i].CreatedAt)
		}
	}
	return nil
}

// lookupGroup finds an open group in the store: its first decision and
// how many it holds.
func (d *Decider) lookupGroup(ctx context.Context, key string, since time.Time) (*openGroup, error) {
	rec, n, err := d.Store.GroupOf(ctx, key, since)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var first Decision
	if err := json.Unmarshal(rec.Body, &first); err != nil {
		return nil, err
	}
	g := &openGroup{Group: Group{Key: key, First: first.EventID, Count: n, Opened: first.Decided}}
	for _, r := range first.Routes {
		if r.To == ToXSOAR && r.Taken {
			g.xsoar = r.Delivery
		}
	}
	return g, nil
}
