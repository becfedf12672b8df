package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/idcmd/idcmd/panics"
	"github.com/idcmd/idcmd/store"
)

// The group commit's rules, checked on every backend by running batches
// exactly as its writer goroutine does (store.RunBatchForTest).

// onEachBackend runs fn on a fresh store of each backend; at is a time
// argument the backend's time columns take (SQLite's are INTEGER
// microseconds, PostgreSQL's timestamptz), for statements a test runs itself.
func onEachBackend(t *testing.T, fn func(t *testing.T, s store.Store, at any)) {
	t.Run("SQLite", func(t *testing.T) { fn(t, openSQLiteFile(t), time.Now().UnixMicro()) })
	t.Run("SQLiteMemory", func(t *testing.T) { fn(t, openSQLiteMemory(t), time.Now().UnixMicro()) })
	t.Run("Postgres", func(t *testing.T) {
		postgresURL(t)
		fn(t, mustOpen(t, freshSchema(t), ""), time.Now())
	})
}

func batchRecord(i int, writeBack bool) *store.AuditRecord {
	r := &store.AuditRecord{
		RequestID: fmt.Sprintf("req-%d", i), Subject: "soar", Command: "okta-get-user",
		Args: []byte(fmt.Sprintf(`{"user":"u%d"}`, i)), TargetUser: fmt.Sprintf("u%d", i), Outcome: "success",
	}
	if writeBack {
		r.Incident = []byte(fmt.Sprintf(`{"platform":"xsoar","id":"%d"}`, i))
		r.WriteBack = &store.WriteBack{Platform: store.PlatformXSOAR, IncidentID: fmt.Sprint(i), Markdown: "done"}
	}
	return r
}

func runBatch(t *testing.T, s store.Store, ops []store.BatchOpForTest) ([]store.BatchResultForTest, bool) {
	t.Helper()
	res, rerun, err := store.RunBatchForTest(s, ops)
	if err != nil {
		t.Fatal(err)
	}
	return res, rerun
}

// checkAppended checks that the appends of ops that succeeded are the whole
// chain after the first seq: consecutive, in batch order, each linked to the
// one before, and that each write-back was queued with its record.
func checkAppended(t *testing.T, s store.Store, ops []store.BatchOpForTest, res []store.BatchResultForTest, first int64) {
	t.Helper()
	want := first
	prev := ""
	for i, op := range ops {
		if op.Append == nil || res[i].Err != nil {
			continue
		}
		r := res[i].Record
		if r.Seq != want {
			t.Fatalf("op %d: seq %d, want %d: appends of a batch are consecutive, in order, without gaps", i, r.Seq, want)
		}
		if prev != "" && r.PrevHash != prev {
			t.Fatalf("op %d: record %d does not link to the one before", i, r.Seq)
		}
		got, err := s.GetAudit(t.Context(), r.Seq)
		if err != nil || got.Hash != r.Hash || got.RequestID != op.Append.RequestID {
			t.Fatalf("op %d: stored record %d = %+v, %v; want the returned one", i, r.Seq, got, err)
		}
		if op.Append.WriteBack != nil {
			wb, err := s.GetWriteBack(t.Context(), r.WriteBackID)
			if err != nil || wb.AuditSeq != r.Seq || r.WriteBack == nil || r.WriteBack.ID != wb.ID {
				t.Fatalf("op %d: write-back %q = %+v, %v; want it queued for record %d", i, r.WriteBackID, wb, err, r.Seq)
			}
		} else if r.WriteBackID != "" {
			t.Fatalf("op %d: write-back %q queued for a record without one", i, r.WriteBackID)
		}
		prev = r.Hash
		want++
	}
	v, err := s.VerifyAudit(t.Context())
	if err != nil || !v.OK || v.Checked != want-1 {
		t.Fatalf("VerifyAudit = %+v, %v; want OK with %d records", v, err, want-1)
	}
}

// Batches of every chunk boundary are written on the common path (no
// re-run) as one chain, write-backs with their records, writes beside them.
func TestBatchAppendsTogether(t *testing.T) {
	onEachBackend(t, func(t *testing.T, s store.Store, at any) {
		next := int64(1)
		for _, n := range []int{1, 2, 7, 63, 64, 65, 129, 256} {
			var ops []store.BatchOpForTest
			for i := range n {
				ops = append(ops, store.BatchOpForTest{Append: batchRecord(i, i%3 == 1)})
			}
			// A write among them, on the same transaction.
			key := fmt.Sprintf("k-%d", n)
			ops = slices.Insert(ops, n/2, store.BatchOpForTest{Fn: func(ctx context.Context, tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO idempotency (subject, idem_key, command, request_hash, state, created_at)
					VALUES ('soar', $1, 'c', 'h', 'in_progress', $2)`, key, at)
				return err
			}})
			res, rerun := runBatch(t, s, ops)
			for i, r := range res {
				if r.Err != nil {
					t.Fatalf("batch of %d: op %d: %v", n, i, r.Err)
				}
			}
			if rerun {
				t.Errorf("batch of %d appends was re-run with savepoints; the common path needs none", n)
			}
			checkAppended(t, s, ops, res, next)
			if c, err := s.BeginIdempotent(t.Context(), store.IdemKey{Subject: "soar", Key: key, Command: "c"}, "h", time24h); err != nil || c.State != store.IdemInProgress {
				t.Fatalf("the write of the batch of %d: claim = %v, %v; want it committed (in progress)", n, c.State, err)
			}
			next += int64(n)
		}
	})
}

const time24h = 24 * time.Hour

// failingWrite changes the chain head and queues a write-back, then fails:
// if anything of it were kept, the chain would not verify or the queue would
// hold an entry nobody asked for.
func failingWrite(at any, fail func()) func(ctx context.Context, tx *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE audit_head SET seq = seq + 1000, hash = 'forged' WHERE id = 1"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO writebacks (id, audit_seq, platform, incident_id, markdown, status, next_attempt_at, created_at)
			VALUES ('wb_rolled_back', 0, 'xdr', '1', 'x', 'queued', $1, $1)`, at); err != nil {
			return err
		}
		fail()
		return errors.New("this write fails")
	}
}

// One failing (or panicking) write in a batch of appends: it alone fails,
// with its own error and nothing of it kept; every append commits, and the
// chain verifies.
func TestBatchFailingWriteAmongAppends(t *testing.T) {
	for _, panicking := range []bool{false, true} {
		t.Run(map[bool]string{false: "Error", true: "Panic"}[panicking], func(t *testing.T) {
			onEachBackend(t, func(t *testing.T, s store.Store, at any) {
				var ops []store.BatchOpForTest
				for i := range 40 {
					ops = append(ops, store.BatchOpForTest{Append: batchRecord(i, i%4 == 0)})
				}
				fail := func() {}
				if panicking {
					fail = func() { panic("boom") }
				}
				ops = slices.Insert(ops, 17, store.BatchOpForTest{Fn: failingWrite(at, fail)})
				res, rerun := runBatch(t, s, ops)
				var pe *panics.Error
				switch err := res[17].Err; {
				case err == nil:
					t.Fatal("the failing write succeeded")
				case panicking && !errors.As(err, &pe):
					t.Fatalf("the panicking write's error = %v, want a contained panic", err)
				case !panicking && err.Error() != "this write fails":
					t.Fatalf("the failing write's error = %v, want its own", err)
				}
				for i, r := range res {
					if i != 17 && r.Err != nil {
						t.Fatalf("op %d: %v; one failing write must not fail the others", i, r.Err)
					}
				}
				if !rerun {
					t.Error("the batch was not re-run")
				}
				checkAppended(t, s, ops, res, 1)
				if _, err := s.GetWriteBack(t.Context(), "wb_rolled_back"); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("the failing write's write-back: %v, want ErrNotFound (rolled back)", err)
				}
			})
		})
	}
}

// An append whose write-back cannot be inserted (its ID is taken) fails
// alone, in the re-run, without taking a Seq: the others are one gapless
// chain.
func TestBatchFailingAppendAmongAppends(t *testing.T) {
	onEachBackend(t, func(t *testing.T, s store.Store, at any) {
		taken, err := s.EnqueueWriteBack(t.Context(), store.WriteBack{Platform: store.PlatformXDR, IncidentID: "1", Markdown: "x"})
		if err != nil {
			t.Fatal(err)
		}
		var ops []store.BatchOpForTest
		for i := range 30 {
			ops = append(ops, store.BatchOpForTest{Append: batchRecord(i, i%2 == 0)})
		}
		ops[10].Append.WriteBack.ID = taken.ID
		ops[20].Append.WriteBack = nil
		res, rerun := runBatch(t, s, ops)
		if res[10].Err == nil {
			t.Fatal("the append whose write-back collides succeeded")
		}
		for i, r := range res {
			if i != 10 && r.Err != nil {
				t.Fatalf("op %d: %v; one failing append must not fail the others", i, r.Err)
			}
		}
		if !rerun {
			t.Error("the batch was not re-run")
		}
		checkAppended(t, s, ops, res, 1)

		// A lone append that fails does not need the re-run to learn why.
		res, _ = runBatch(t, s, []store.BatchOpForTest{{Append: &store.AuditRecord{
			Command: "c", Outcome: "success",
			WriteBack: &store.WriteBack{ID: taken.ID, Platform: store.PlatformXDR, IncidentID: "1"},
		}}})
		if res[0].Err == nil {
			t.Fatal("a lone append whose write-back collides succeeded")
		}
		if v, err := s.VerifyAudit(t.Context()); err != nil || !v.OK || v.Checked != 29 {
			t.Fatalf("VerifyAudit = %+v, %v; want OK with 29 records", v, err)
		}
	})
}

// A write of a batch that is re-run runs again from scratch, and what the
// caller learns is what the committed run did.
func TestBatchRerunRunsWritesAgain(t *testing.T) {
	onEachBackend(t, func(t *testing.T, s store.Store, at any) {
		runs := 0
		var inserted int64
		ops := []store.BatchOpForTest{
			{Fn: func(ctx context.Context, tx *sql.Tx) error {
				runs++
				res, err := tx.ExecContext(ctx, `INSERT INTO idempotency (subject, idem_key, command, request_hash, state, created_at)
					VALUES ('soar', 'rerun', 'c', 'h', 'in_progress', $1) ON CONFLICT DO NOTHING`, at)
				if err != nil {
					return err
				}
				inserted, err = res.RowsAffected()
				return err
			}},
			{Append: batchRecord(1, false)},
			{Fn: failingWrite(at, func() {})},
		}
		res, rerun := runBatch(t, s, ops)
		if res[0].Err != nil || res[1].Err != nil || res[2].Err == nil || !rerun {
			t.Fatalf("errors %v, %v, %v, re-run %v; want nil, nil, the write's, true", res[0].Err, res[1].Err, res[2].Err, rerun)
		}
		if runs != 2 || inserted != 1 {
			t.Errorf("the write ran %d times and last inserted %d rows; want 2 runs, the committed one inserting 1", runs, inserted)
		}
		c, err := s.BeginIdempotent(t.Context(), store.IdemKey{Subject: "soar", Key: "rerun", Command: "c"}, "h", time24h)
		if err != nil || c.State != store.IdemInProgress {
			t.Errorf("claim = %v, %v; want the re-run's insert committed", c.State, err)
		}
		checkAppended(t, s, ops, res, 1)
	})
}

// A batch is relaxed only if every write in it is, on the common path and
// when it is re-run.
func TestBatchRelaxedOnlyIfEveryWriteIs(t *testing.T) {
	onEachBackend(t, func(t *testing.T, s store.Store, at any) {
		seen := store.RecordDurabilityForTest(s)
		relaxed := store.WithRelaxedDurability(t.Context())
		batch := func(durable int, failing bool) []store.BatchOpForTest {
			var ops []store.BatchOpForTest
			for i := range 5 {
				ctx := relaxed
				if i == durable {
					ctx = t.Context()
				}
				ops = append(ops, store.BatchOpForTest{Append: batchRecord(i, false), Ctx: ctx})
			}
			if failing {
				ops = append(ops, store.BatchOpForTest{Fn: failingWrite(at, func() {}), Ctx: relaxed})
			}
			return ops
		}
		runBatch(t, s, batch(-1, false))
		runBatch(t, s, batch(3, false))
		runBatch(t, s, batch(-1, true))
		runBatch(t, s, batch(0, true))
		got := seen()
		want := []bool{true, false, true, true, false, false}
		if len(got) != len(want) || !slices.Equal(got, want) {
			t.Errorf("relaxed per transaction = %v, want %v (a batch is relaxed only if all its writes are; a re-run as its batch)", got, want)
		}
	})
}

// Close commits every record queued by AppendAuditLater, also the ones
// that found the queue full (more than a batch), and calls their done; the
// records are in the file when it is opened again. Their batches are
// relaxed: nothing waits on them.
func TestAppendLaterCommittedByClose(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(context.Background(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := store.RecordDurabilityForTest(s)
	const n = 1000 // several times the queue
	var mu sync.Mutex
	var errs []error
	for i := range n {
		err := s.AppendAuditLater(*batchRecord(i, false), func(err error) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		})
		if err != nil {
			t.Fatalf("AppendAuditLater %d: %v", i, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(errs) != n {
		t.Errorf("%d dones called by Close, want %d", len(errs), n)
	}
	for _, err := range errs {
		if err != nil {
			t.Errorf("done(%v), want nil", err)
		}
	}
	mu.Unlock()
	for _, relaxed := range seen() {
		if !relaxed {
			t.Errorf("a batch of records appended later flushed: %v, want every batch relaxed", seen())
			break
		}
	}
	if err := s.AppendAuditLater(*batchRecord(n, false), func(error) { t.Error("done called after Close") }); err == nil {
		t.Error("AppendAuditLater after Close succeeded, want an error")
	}
	again := mustOpen(t, "", dir)
	if v, err := again.VerifyAudit(t.Context()); err != nil || !v.OK || v.Checked != n {
		t.Errorf("after reopening: VerifyAudit = %+v, %v; want %d records OK", v, err, n)
	}
}

// A batch of reads' records lingers for more (store.relaxedLinger), but a
// write somebody waits for ends the linger at once: with the linger made an
// hour long, a durable append still returns, the record queued before it is
// committed in the same batch and told first, and both are in the chain.
// Close ends a linger too.
func TestDurableWriteEndsTheLinger(t *testing.T) {
	onEachBackend(t, func(t *testing.T, s store.Store, _ any) {
		store.SetLingerForTest(s, time.Hour)
		told := make(chan error, 1)
		if err := s.AppendAuditLater(*batchRecord(1, false), func(err error) { told <- err }); err != nil {
			t.Fatal(err)
		}
		// Wait until the batcher holds the record (lingering), so the
		// durable append below arrives during the linger.
		eventuallyTrue(t, func() bool { return store.QueuedForTest(s) == 0 })
		rec, err := s.AppendAudit(t.Context(), *batchRecord(2, false))
		if err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-told:
			if err != nil {
				t.Fatalf("the lingering record: %v", err)
			}
		default:
			t.Fatal("the durable append returned before the lingering record was told its outcome")
		}
		if rec.Seq != 2 {
			t.Errorf("durable record seq %d, want 2 (after the lingering one)", rec.Seq)
		}
		if v, err := s.VerifyAudit(t.Context()); err != nil || !v.OK || v.Checked != 2 {
			t.Errorf("VerifyAudit = %+v, %v; want 2 records OK", v, err)
		}

		if err := s.AppendAuditLater(*batchRecord(3, false), func(err error) { told <- err }); err != nil {
			t.Fatal(err)
		}
		eventuallyTrue(t, func() bool { return store.QueuedForTest(s) == 0 })
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-told; err != nil {
			t.Fatalf("the record lingering at Close: %v", err)
		}
	})
}

// eventuallyTrue polls cond for up to 10 s.
func eventuallyTrue(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 10 s")
}
