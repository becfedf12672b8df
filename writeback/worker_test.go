package writeback_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/upstream"
	"github.com/idcmd/idcmd/store"
	"github.com/idcmd/idcmd/writeback"
)

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), "sqlite::memory:", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func enqueue(t *testing.T, st store.Store, platform string) store.WriteBack {
	t.Helper()
	wb, err := st.EnqueueWriteBack(t.Context(), store.WriteBack{Platform: platform, IncidentID: "7", Markdown: "#### idcmd: done"})
	if err != nil {
		t.Fatal(err)
	}
	return wb
}

func get(t *testing.T, st store.Store, id string) store.WriteBack {
	t.Helper()
	wb, err := st.GetWriteBack(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return wb
}

// eventually waits for cond, failing after a timeout that only guards
// against a hang.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// targetFunc adapts a function to writeback.Target.
type targetFunc func(ctx context.Context, wb store.WriteBack) (string, error)

func (f targetFunc) Deliver(ctx context.Context, wb store.WriteBack) (string, error) {
	return f(ctx, wb)
}

// delivered counts deliveries per write-back.
type delivered struct {
	mu sync.Mutex
	n  map[string]int
}

func (d *delivered) target() writeback.Target {
	return targetFunc(func(_ context.Context, wb store.WriteBack) (string, error) {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.n == nil {
			d.n = map[string]int{}
		}
		d.n[wb.ID]++
		return "1@7", nil
	})
}

func (d *delivered) count(id string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n[id]
}

var quiet = slog.New(slog.DiscardHandler)

// clock is a settable time for the worker's backoff.
type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time      { return time.Unix(0, c.t.Load()) }
func (c *clock) add(d time.Duration) { c.t.Add(int64(d)) }

// TestPanicInDeliveryIsAFailedAttempt: a target that panics fails that
// attempt, with the panic (and no stack) as the last error; the write-back
// is retried, and failed after MaxAttempts, like any other failure. The
// worker goes on delivering.
func TestPanicInDeliveryIsAFailedAttempt(t *testing.T) {
	st := openStore(t)
	var ok delivered
	c := &clock{}
	c.add(time.Duration(time.Now().Add(time.Minute).UnixNano())) // ahead of the rows it will enqueue
	w := &writeback.Worker{Store: st, Owner: "w", Log: quiet, MaxAttempts: 3, Now: c.now,
		Targets: map[string]writeback.Target{
			store.PlatformXSOAR: targetFunc(func(context.Context, store.WriteBack) (string, error) { panic("boom") }),
			store.PlatformXDR:   ok.target(),
		}}
	bad := enqueue(t, st, store.PlatformXSOAR)
	wantErr := "panic in delivery of " + bad.ID + " to xsoar: boom"
	for attempt := 1; attempt < 3; attempt++ {
		if n, err := w.RunOnce(t.Context()); n != 1 || err != nil {
			t.Fatalf("attempt %d: RunOnce = %d, %v", attempt, n, err)
		}
		got := get(t, st, bad.ID)
		if got.Status != store.WriteBackQueued || got.Attempts != attempt || got.LastError != wantErr {
			t.Fatalf("after attempt %d: %s, %d attempts, last error %q; want queued for a retry with %q",
				attempt, got.Status, got.Attempts, got.LastError, wantErr)
		}
		c.add(time.Hour) // past any backoff
	}
	if _, err := w.RunOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := get(t, st, bad.ID)
	if want := "gave up after 3 attempts: " + wantErr; got.Status != store.WriteBackFailed || got.LastError != want {
		t.Fatalf("after the last attempt: %s, last error %q; want failed with %q", got.Status, got.LastError, want)
	}
	if strings.Contains(got.LastError, "goroutine") || strings.Contains(got.LastError, ".go:") {
		t.Errorf("the last error carries a stack: %q", got.LastError)
	}

	// The loop itself keeps running through more panicking deliveries.
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	more := enqueue(t, st, store.PlatformXSOAR)
	good := enqueue(t, st, store.PlatformXDR)
	w.Notify()
	eventually(t, "the good write-back after a panicking one", func() bool { return get(t, st, good.ID).Status == store.WriteBackDelivered })
	eventually(t, "a retry of the panicking one", func() bool { return get(t, st, more.ID).Attempts >= 1 })
	cancel()
	<-done
	if ok.count(good.ID) != 1 {
		t.Errorf("good write-back delivered %d times, want once", ok.count(good.ID))
	}
}

// panicOnce is a store whose first claim panics.
type panicOnce struct {
	store.Store
	claims atomic.Int64
}

func (p *panicOnce) ClaimWriteBacks(ctx context.Context, owner string, limit int, lease time.Duration, now time.Time) ([]store.WriteBack, error) {
	if p.claims.Add(1) == 1 {
		panic("claim exploded")
	}
	return p.Store.ClaimWriteBacks(ctx, owner, limit, lease, now)
}

// TestPanicInClaimLoopDoesNotEndIt: a panic in one pass of the loop is
// logged, and the next pass delivers.
func TestPanicInClaimLoopDoesNotEndIt(t *testing.T) {
	st := &panicOnce{Store: openStore(t)}
	var ok delivered
	w := &writeback.Worker{Store: st, Owner: "w", Log: quiet, Poll: 10 * time.Millisecond,
		Targets: map[string]writeback.Target{store.PlatformXDR: ok.target()}}
	wb := enqueue(t, st, store.PlatformXDR)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go w.Run(ctx)
	eventually(t, "a delivery after the panicking claim", func() bool { return ok.count(wb.ID) == 1 })
	if st.claims.Load() < 2 {
		t.Errorf("%d claims, want the loop to have claimed again after the panic", st.claims.Load())
	}
}

// gate is a target that holds each delivery until released.
type gate struct {
	started chan string
	release chan struct{}
	// honour makes a held delivery end when its context does.
	honour bool
	mu     sync.Mutex
	ctxErr []error // the delivery context's error when each was released
}

func newGate(honour bool) *gate {
	return &gate{started: make(chan string, 100), release: make(chan struct{}), honour: honour}
}

func (g *gate) Deliver(ctx context.Context, wb store.WriteBack) (string, error) {
	g.started <- wb.ID
	if g.honour {
		select {
		case <-g.release:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	} else {
		<-g.release
	}
	g.mu.Lock()
	g.ctxErr = append(g.ctxErr, ctx.Err())
	g.mu.Unlock()
	return "1@7", nil
}

// TestStopLetsDeliveriesInFlightFinish: Stop claims no more, lets the
// delivery in flight finish on a context it has not cancelled, records it
// as delivered, and gives back the write-backs claimed but not started,
// without counting an attempt.
func TestStopLetsDeliveriesInFlightFinish(t *testing.T) {
	st := openStore(t)
	g := newGate(true)
	w := &writeback.Worker{Store: st, Owner: "w", Log: quiet, Parallel: 1, Batch: 3,
		Targets: map[string]writeback.Target{store.PlatformXSOAR: g}}
	first, second, third := enqueue(t, st, store.PlatformXSOAR), enqueue(t, st, store.PlatformXSOAR), enqueue(t, st, store.PlatformXSOAR)
	runDone := make(chan struct{})
	go func() { defer close(runDone); w.Run(context.Background()) }()
	if id := <-g.started; id != first.ID {
		t.Fatalf("first delivery is %s, want %s", id, first.ID)
	}
	stopped := make(chan struct{})
	go func() { defer close(stopped); w.Stop(context.Background()) }() // a grace that does not end
	// Give a wrong Stop the chance to return or cancel the delivery early.
	time.Sleep(50 * time.Millisecond)
	select {
	case <-stopped:
		t.Fatal("Stop returned while a delivery was in flight")
	default:
	}
	close(g.release)
	<-stopped
	<-runDone
	if len(g.ctxErr) != 1 || g.ctxErr[0] != nil {
		t.Fatalf("deliveries finished with context errors %v, want one, on a live context", g.ctxErr)
	}
	if got := get(t, st, first.ID); got.Status != store.WriteBackDelivered || got.Attempts != 1 {
		t.Errorf("in-flight write-back after Stop: %s with %d attempts, want delivered in 1", got.Status, got.Attempts)
	}
	for _, wb := range []store.WriteBack{second, third} {
		got := get(t, st, wb.ID)
		if got.Status != store.WriteBackQueued || got.Attempts != 0 || got.LastError != "" {
			t.Errorf("claimed, not started: %s with %d attempts, %q; want queued, no attempt counted", got.Status, got.Attempts, got.LastError)
		}
	}
	// Nothing is claimed after Stop: the released ones are due now, yet stay queued.
	late := enqueue(t, st, store.PlatformXSOAR)
	w.Notify()
	w.Run(context.Background()) // returns at once after Stop
	if got := get(t, st, late.ID); got.Status != store.WriteBackQueued || got.Attempts != 0 {
		t.Errorf("write-back queued after Stop: %s with %d attempts, want untouched", got.Status, got.Attempts)
	}
}

// TestStopCutsOffAtTheEndOfGrace: when Stop's grace ends, a delivery still
// in flight is cut off, and its attempt is given back: queued, due at once,
// attempts as before the claim, the last real error kept.
func TestStopCutsOffAtTheEndOfGrace(t *testing.T) {
	st := openStore(t)
	g := newGate(true)
	c := &clock{}
	c.add(time.Duration(time.Now().Add(time.Minute).UnixNano())) // ahead of the rows it will enqueue
	fail := true
	w := &writeback.Worker{Store: st, Owner: "w", Log: quiet, Now: c.now,
		Targets: map[string]writeback.Target{store.PlatformXSOAR: targetFunc(func(ctx context.Context, wb store.WriteBack) (string, error) {
			if fail {
				return "", context.DeadlineExceeded // a real failed attempt first: it counts
			}
			return g.Deliver(ctx, wb)
		})}}
	wb := enqueue(t, st, store.PlatformXSOAR)
	if _, err := w.RunOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	before := get(t, st, wb.ID)
	if before.Attempts != 1 || before.LastError == "" {
		t.Fatalf("after a failed attempt: %+v", before)
	}
	fail = false
	c.add(time.Hour)
	runDone := make(chan struct{})
	go func() { defer close(runDone); w.Run(context.Background()) }()
	<-g.started
	grace, cancel := context.WithCancel(context.Background())
	cancel() // the grace is over at once
	w.Stop(grace)
	<-runDone
	got := get(t, st, wb.ID)
	if got.Status != store.WriteBackQueued || got.Attempts != 1 || got.LastError != before.LastError || !got.NextAttemptAt.Equal(c.now().Truncate(time.Microsecond)) {
		t.Errorf("cut off: %s, %d attempts, %q, due %v; want queued, due now, 1 attempt (the cut-off one not counted), the earlier error kept",
			got.Status, got.Attempts, got.LastError, got.NextAttemptAt)
	}
}

// TestHardStopInterruptsToo: ending Run's context cuts deliveries off the
// same way: the attempt does not count.
func TestHardStopInterruptsToo(t *testing.T) {
	st := openStore(t)
	g := newGate(true)
	w := &writeback.Worker{Store: st, Owner: "w", Log: quiet, Targets: map[string]writeback.Target{store.PlatformXSOAR: g}}
	wb := enqueue(t, st, store.PlatformXSOAR)
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	go func() { defer close(runDone); w.Run(ctx) }()
	<-g.started
	cancel()
	<-runDone
	if got := get(t, st, wb.ID); got.Status != store.WriteBackQueued || got.Attempts != 0 {
		t.Errorf("after a hard stop: %s with %d attempts, want queued with none counted", got.Status, got.Attempts)
	}
}

// TestStopWithoutRun returns at once, and a later Run does nothing.
func TestStopWithoutRun(t *testing.T) {
	st := openStore(t)
	w := &writeback.Worker{Store: st, Owner: "w", Log: quiet}
	w.Stop(context.Background())
	wb := enqueue(t, st, store.PlatformXSOAR)
	w.Run(context.Background())
	if got := get(t, st, wb.ID); got.Attempts != 0 {
		t.Errorf("Run after Stop claimed %s", wb.ID)
	}
}

// countingStore counts the worker's claims.
type countingStore struct {
	store.Store
	claims atomic.Int64
}

func (c *countingStore) ClaimWriteBacks(ctx context.Context, owner string, limit int, lease time.Duration, now time.Time) ([]store.WriteBack, error) {
	c.claims.Add(1)
	return c.Store.ClaimWriteBacks(ctx, owner, limit, lease, now)
}

// TestNoTargetsNoPolling: with no platform configured the worker claims
// once at the start and then only when told something was queued (or after
// IdlePoll), not every Poll; a write-back queued for an unconfigured
// platform still fails at once, visibly. The same worker with a target
// claims every Poll, which is what the idle one is measured against.
func TestNoTargetsNoPolling(t *testing.T) {
	run := func(t *testing.T, targets map[string]writeback.Target) (*countingStore, *writeback.Worker) {
		st := &countingStore{Store: openStore(t)}
		w := &writeback.Worker{Store: st, Targets: targets, Owner: "w", Log: slog.New(slog.DiscardHandler), Poll: 5 * time.Millisecond}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); w.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		eventually(t, "the first claim", func() bool { return st.claims.Load() >= 1 })
		time.Sleep(200 * time.Millisecond) // forty Polls
		return st, w
	}

	t.Run("with a target", func(t *testing.T) {
		var d delivered
		st, _ := run(t, map[string]writeback.Target{store.PlatformXSOAR: d.target()})
		if n := st.claims.Load(); n < 5 {
			t.Fatalf("%d claims in forty Polls with a target configured; the comparison below means nothing", n)
		}
	})
	t.Run("without", func(t *testing.T) {
		st, w := run(t, nil)
		if n := st.claims.Load(); n != 1 {
			t.Fatalf("%d claims in forty Polls with no target configured, want the start's one", n)
		}
		wb := enqueue(t, st, store.PlatformXSOAR)
		w.Notify()
		eventually(t, "the write-back's failure", func() bool { return get(t, st, wb.ID).Status == store.WriteBackFailed })
		if got := get(t, st, wb.ID); got.Attempts != 1 || !strings.Contains(got.LastError, "xsoar is not configured") {
			t.Errorf("write-back for an unconfigured platform: %d attempts, last error %q", got.Attempts, got.LastError)
		}
		if n := st.claims.Load(); n != 2 {
			t.Errorf("%d claims, want 2: the start's and the Notify's", n)
		}
	})
}

// TestContendedIsRetriedConflictIsNot: a provider refusal that a retry
// cannot heal (Conflict: the state forbids it) fails the write-back at
// once; an edit that lost a race (Contended: XSOAR's version conflict, read
// again and lost again) is retried.
func TestContendedIsRetriedConflictIsNot(t *testing.T) {
	for _, tt := range []struct {
		kind       upstream.Kind
		wantStatus store.WriteBackStatus
	}{
		{upstream.Conflict, store.WriteBackFailed},
		{upstream.Contended, store.WriteBackQueued},
	} {
		st := openStore(t)
		var ok delivered
		w := &writeback.Worker{Store: st, Owner: "w", Log: quiet, MaxAttempts: 3,
			Targets: map[string]writeback.Target{
				store.PlatformXSOAR: targetFunc(func(context.Context, store.WriteBack) (string, error) {
					return "", &upstream.Error{Provider: "xsoar", Kind: tt.kind, Status: 400, Message: "refused"}
				}),
				store.PlatformXDR: ok.target(),
			}}
		wb := enqueue(t, st, store.PlatformXSOAR)
		if n, err := w.RunOnce(t.Context()); n != 1 || err != nil {
			t.Fatalf("%v: RunOnce = %d, %v", tt.kind, n, err)
		}
		if got := get(t, st, wb.ID); got.Status != tt.wantStatus || got.Attempts != 1 {
			t.Errorf("%v: %s after %d attempts, want %s", tt.kind, got.Status, got.Attempts, tt.wantStatus)
		}
	}
}
