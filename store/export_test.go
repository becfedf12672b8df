package store

import (
	"context"
	"database/sql"
	"slices"
	"sync"
	"time"
)

// ClaimQueryForTest is the statement ClaimWriteBacks runs on the backend
// named backend ("sqlite" or "postgres"), so tests outside the package can
// ask the database how it would run it.
func ClaimQueryForTest(backend string) string {
	if backend == postgresName {
		return claimQuery(postgresDialect())
	}
	return claimQuery(sqliteDialect())
}

// BatchOpForTest is one write of a batch RunBatchForTest runs: the audit
// append of Append, checked as AppendAudit checks it, except that its
// write-back keeps the ID it is given, if any (so a test can make the
// write-back's insert fail); or else Fn, a write. Ctx is the caller's
// context (WithRelaxedDurability, say); nil is context.Background().
type BatchOpForTest struct {
	Append *AuditRecord
	Fn     func(ctx context.Context, tx *sql.Tx) error
	Ctx    context.Context
}

// BatchResultForTest is what the caller of one BatchOpForTest learns: its
// error and, for an append, the record as stored.
type BatchResultForTest struct {
	Record AuditRecord
	Err    error
}

// RunBatchForTest runs ops as one batch of s's group commit, as its writer
// goroutine would, and returns each op's outcome and whether the batch had
// to be run again with savepoints. No other write of s may be in flight.
func RunBatchForTest(s Store, ops []BatchOpForTest) ([]BatchResultForTest, bool, error) {
	ss := s.(*sqlStore)
	batch := make([]*batchOp, len(ops))
	for i, o := range ops {
		op := &batchOp{ctx: o.Ctx, fn: o.Fn, done: make(chan struct{})}
		if op.ctx == nil {
			op.ctx = context.Background()
		}
		if o.Append != nil {
			app, err := newPendingAppend(*o.Append)
			if err != nil {
				return nil, false, err
			}
			if o.Append.WriteBack != nil && o.Append.WriteBack.ID != "" {
				app.wb.ID = o.Append.WriteBack.ID
			}
			op.app, op.fn = app, nil
		}
		batch[i] = op
	}
	before := ss.batch.reruns.Load()
	ss.batch.run(batch)
	out := make([]BatchResultForTest, len(batch))
	for i, op := range batch {
		out[i].Err = op.err
		if op.app != nil && op.err == nil {
			out[i].Record = op.app.out
		}
	}
	return out, ss.batch.reruns.Load() > before, nil
}

// RecordDurabilityForTest makes s record, for every transaction its group
// commit begins from now on, whether it was relaxed (see
// WithRelaxedDurability); the returned func reads the record so far. Call it
// before any concurrent write.
func RecordDurabilityForTest(s Store) func() []bool {
	b := s.(*sqlStore).batch
	var mu sync.Mutex
	var seen []bool
	note := func(relaxed bool) {
		mu.Lock()
		seen = append(seen, relaxed)
		mu.Unlock()
	}
	if before := b.relaxBefore; before != nil {
		b.relaxBefore = func(ctx context.Context, db *sql.DB, relaxed bool) error {
			note(relaxed)
			return before(ctx, db, relaxed)
		}
	}
	if inTx := b.relaxInTx; inTx != nil {
		b.relaxInTx = func(ctx context.Context, tx *sql.Tx, relaxed bool) error {
			note(relaxed)
			return inTx(ctx, tx, relaxed)
		}
	}
	return func() []bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

// SetLingerForTest sets how long s's group commit keeps a batch of
// AppendAuditLater records open (relaxedLinger). Call it before s's first
// write.
func SetLingerForTest(s Store, d time.Duration) {
	s.(*sqlStore).batch.lingerFor = d
}

// QueuedForTest is how many writes wait in s's queue, not yet taken by
// its group commit.
func QueuedForTest(s Store) int { return len(s.(*sqlStore).batch.ops) }
