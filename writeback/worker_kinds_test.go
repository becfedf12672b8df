package writeback_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idcmd/idcmd/store"
	"github.com/idcmd/idcmd/writeback"
)

func enqueueKind(t *testing.T, st store.Store, platform, kind string) store.WriteBack {
	t.Helper()
	wb, err := st.EnqueueWriteBack(t.Context(), store.WriteBack{Platform: platform, Kind: kind, EventProvider: "okta", EventID: "e1"})
	if err != nil {
		t.Fatal(err)
	}
	return wb
}

// aheadClock is a clock a minute ahead of the rows the test queues.
func aheadClock() *clock {
	c := &clock{}
	c.add(time.Duration(time.Now().Add(time.Minute).UnixNano()))
	return c
}

// resultTarget is a ResultTarget answering made and err.
type resultTarget struct {
	made  writeback.Produced
	err   error
	calls int
}

func (r *resultTarget) Deliver(context.Context, store.WriteBack) (string, error) {
	panic("the worker must call DeliverResult")
}

func (r *resultTarget) DeliverResult(context.Context, store.WriteBack) (writeback.Produced, error) {
	r.calls++
	return r.made, r.err
}

// batchTarget records each DeliverBatch call and answers with answer.
type batchTarget struct {
	mu     sync.Mutex
	calls  [][]string
	answer func(wbs []store.WriteBack) []writeback.Attempt
}

func (b *batchTarget) Deliver(context.Context, store.WriteBack) (string, error) {
	panic("the worker must call DeliverBatch")
}

func (b *batchTarget) DeliverBatch(_ context.Context, wbs []store.WriteBack) []writeback.Attempt {
	b.mu.Lock()
	ids := make([]string, len(wbs))
	for i, wb := range wbs {
		ids[i] = wb.ID
	}
	b.calls = append(b.calls, ids)
	b.mu.Unlock()
	return b.answer(wbs)
}

// TestKindsRouting: a kind goes to its Kinds target, an entry to its
// platform's Targets target, and a kind without a target fails at once,
// naming the platform and kind.
func TestKindsRouting(t *testing.T) {
	st := openStore(t)
	var entries, alerts delivered
	w := &writeback.Worker{Store: st, Owner: "w", Log: quiet, Now: aheadClock().now,
		Targets: map[string]writeback.Target{store.PlatformXDR: entries.target()},
		Kinds:   map[string]writeback.Target{"xdr_alert": alerts.target()}}
	entry := enqueue(t, st, store.PlatformXDR)
	alert := enqueueKind(t, st, store.PlatformXDR, "xdr_alert")
	orphan := enqueueKind(t, st, store.PlatformXSOAR, "xsoar_incident")
	if n, err := w.RunOnce(t.Context()); n != 3 || err != nil {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	if entries.count(entry.ID) != 1 || entries.count(alert.ID) != 0 || alerts.count(alert.ID) != 1 || alerts.count(entry.ID) != 0 {
		t.Fatalf("entry went to entries %d, alerts %d; alert to entries %d, alerts %d",
			entries.count(entry.ID), alerts.count(entry.ID), entries.count(alert.ID), alerts.count(alert.ID))
	}
	got := get(t, st, orphan.ID)
	if got.Status != store.WriteBackFailed || !strings.Contains(got.LastError, "xsoar xsoar_incident is not configured in idcmd") {
		t.Fatalf("kind without a target: %s %q", got.Status, got.LastError)
	}
}

// TestResultTargetResultStored: a ResultTarget's remote id and result are
// kept with the delivered write-back; a result that comes with an error is
// kept too, the remote id not.
func TestResultTargetResultStored(t *testing.T) {
	st := openStore(t)
	ok := &resultTarget{made: writeback.Produced{RemoteID: "42", Result: json.RawMessage(`{"incident_id":"42"}`)}}
	bad := &resultTarget{made: writeback.Produced{RemoteID: "x", Result: json.RawMessage(`{"audit_id":7}`)},
		err: errors.Join(errors.New("boom"))}
	w := &writeback.Worker{Store: st, Owner: "w", Log: quiet, Now: aheadClock().now,
		Kinds: map[string]writeback.Target{"ok": ok, "bad": bad}}
	good := enqueueKind(t, st, store.PlatformXSOAR, "ok")
	failed := enqueueKind(t, st, store.PlatformIdcmd, "bad")
	if _, err := w.RunOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := get(t, st, good.ID)
	if got.Status != store.WriteBackDelivered || got.RemoteID != "42" || string(got.Result) != `{"incident_id":"42"}` || ok.calls != 1 {
		t.Fatalf("delivered: %s remote %q result %s", got.Status, got.RemoteID, got.Result)
	}
	got = get(t, st, failed.ID)
	if got.Status != store.WriteBackQueued || got.RemoteID != "" || string(got.Result) != `{"audit_id":7}` {
		t.Fatalf("failed: %s remote %q result %s; want queued with the result and no remote id", got.Status, got.RemoteID, got.Result)
	}
}

// TestBatchTargetOneCallPerClaim: the write-backs of a BatchTarget's kind
// that one claim brought go in one call, in order, each outcome recorded;
// the other kinds go one by one; RunOnce counts them all.
func TestBatchTargetOneCallPerClaim(t *testing.T) {
	st := openStore(t)
	bt := &batchTarget{answer: func(wbs []store.WriteBack) []writeback.Attempt {
		out := make([]writeback.Attempt, len(wbs))
		for i := range out {
			out[i].RemoteID = "r" + wbs[i].ID
		}
		out[1].Err = errors.New("second refused")
		return out
	}}
	var single delivered
	w := &writeback.Worker{Store: st, Owner: "w", Log: quiet, Now: aheadClock().now,
		Kinds: map[string]writeback.Target{"xdr_alert": bt, "other": single.target()}}
	var ids []string
	for range 4 {
		ids = append(ids, enqueueKind(t, st, store.PlatformXDR, "xdr_alert").ID)
	}
	other := enqueueKind(t, st, store.PlatformXSOAR, "other")
	if n, err := w.RunOnce(t.Context()); n != 5 || err != nil {
		t.Fatalf("RunOnce = %d, %v; want all 5 claimed counted", n, err)
	}
	if len(bt.calls) != 1 || strings.Join(bt.calls[0], ",") != strings.Join(ids, ",") {
		t.Fatalf("DeliverBatch calls = %v, want one with %v", bt.calls, ids)
	}
	if single.count(other.ID) != 1 {
		t.Fatal("the other kind was not delivered")
	}
	for i, id := range ids {
		got := get(t, st, id)
		want := store.WriteBackDelivered
		if i == 1 {
			want = store.WriteBackQueued
		}
		if got.Status != want || (i != 1 && got.RemoteID != "r"+id) {
			t.Errorf("write-back %d: %s %q, want %s", i, got.Status, got.RemoteID, want)
		}
	}
}

// TestLaterDoesNotCountAnAttempt: a delivery put off with Later is due
// again at Later.At, says why, and however often it waits, it never
// reaches MaxAttempts.
func TestLaterDoesNotCountAnAttempt(t *testing.T) {
	st := openStore(t)
	c := aheadClock()
	var calls int
	target := targetFunc(func(context.Context, store.WriteBack) (string, error) {
		calls++
		if calls <= 3 {
			return "", &writeback.Later{At: c.now().Add(5 * time.Second), Why: "the incident is not created yet"}
		}
		return "done", nil
	})
	w := &writeback.Worker{Store: st, Owner: "w", Log: quiet, Now: c.now, MaxAttempts: 2,
		Kinds: map[string]writeback.Target{"xsoar_repeat": target}}
	wb := enqueueKind(t, st, store.PlatformXSOAR, "xsoar_repeat")
	for i := 1; i <= 3; i++ {
		if n, _ := w.RunOnce(t.Context()); n != 1 {
			t.Fatalf("wait %d: claimed %d", i, n)
		}
		got := get(t, st, wb.ID)
		if got.Status != store.WriteBackQueued || got.Attempts != 0 || got.NextAttemptAt.Sub(c.now().Add(5*time.Second)).Abs() > time.Millisecond ||
			got.LastError != "waiting: the incident is not created yet" {
			t.Fatalf("wait %d: %s, %d attempts, due %v (now %v), %q", i, got.Status, got.Attempts, got.NextAttemptAt, c.now(), got.LastError)
		}
		if n, _ := w.RunOnce(t.Context()); n != 0 {
			t.Fatalf("wait %d: claimed again before Later.At", i)
		}
		c.add(5 * time.Second)
	}
	w.RunOnce(t.Context())
	if got := get(t, st, wb.ID); got.Status != store.WriteBackDelivered || got.RemoteID != "done" {
		t.Fatalf("after the waits: %s %q", got.Status, got.LastError)
	}
}

// TestBatchWrongCountFailsEvery: a BatchTarget that returns a wrong number
// of outcomes fails the attempt of every write-back of the batch (retried
// as usual), none delivered.
func TestBatchWrongCountFailsEvery(t *testing.T) {
	st := openStore(t)
	bt := &batchTarget{answer: func([]store.WriteBack) []writeback.Attempt { return make([]writeback.Attempt, 1) }}
	w := &writeback.Worker{Store: st, Owner: "w", Log: quiet, Now: aheadClock().now, Kinds: map[string]writeback.Target{"xdr_alert": bt}}
	var wbs []store.WriteBack
	for range 3 {
		wbs = append(wbs, enqueueKind(t, st, store.PlatformXDR, "xdr_alert"))
	}
	if _, err := w.RunOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	for i, wb := range wbs {
		got := get(t, st, wb.ID)
		if got.Status != store.WriteBackQueued || got.Attempts != 1 || !strings.Contains(got.LastError, "returned 1 outcomes for 3 write-backs") {
			t.Errorf("write-back %d: %s, %d attempts, %q", i, got.Status, got.Attempts, got.LastError)
		}
	}
}
