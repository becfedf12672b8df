package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/idcmd/idcmd/panics"
)

// errClosed is returned by writes that arrive after Close.
var errClosed = errors.New("store: closed")

// maxBatch bounds how many writes share one transaction, so one batch's
// latency stays bounded under a flood of callers.
const maxBatch = 256

// txFunc is one unit of work inside a transaction. It must not keep tx, and
// it may run more than once: when another write of its batch fails, the
// batch is rolled back and run again (see batcher), so each run must start
// from scratch and leave behind, in what it captures, only what that run
// found.
type txFunc func(ctx context.Context, tx *sql.Tx) error

// batcher is group commit. One goroutine owns the writes: it takes every
// write queued while the previous transaction was committing, runs them in
// one transaction, commits once, and only then tells each caller the
// outcome. Nothing is acknowledged before the commit that makes it durable,
// but one commit (one fsync) covers the whole batch, which is what lets
// SQLite with synchronous=FULL keep up with many concurrent callers.
//
// A batch is run optimistically, without savepoints: the writes first, in
// order, then the audit appends all together (auditWriter: one read of the
// chain head, one multi-row INSERT per chunk, one head UPDATE). Almost every
// batch commits like that. If one write fails or panics, its error is its
// outcome; the transaction is rolled back and the rest of the batch is run
// again, this time each write and each append in its own savepoint, so one
// failure never undoes the others and every caller still learns its own
// outcome. Nothing of the rolled-back run is kept: appends are linked to the
// head read again in the new transaction, and txFuncs run afresh.
//
// On SQLite every write goes through the batcher: SQLite has a single writer
// anyway, and queueing in Go is cheaper than contending for its lock. On
// PostgreSQL only audit appends do, because they serialize on the chain head.
type batcher struct {
	db *sql.DB
	// stmts are the statements prepared on the SQLite writer connection
	// (nil on PostgreSQL); the savepoints of a re-run use them.
	stmts writerStmts
	// audit writes the appends of a batch.
	audit *auditWriter
	// relaxBefore (SQLite, before BEGIN: the safety level cannot change
	// inside a transaction) and relaxInTx (PostgreSQL, SET LOCAL) switch a
	// batch between a full flush and a relaxed commit (see
	// WithRelaxedDurability); nil means always full.
	relaxBefore func(ctx context.Context, db *sql.DB, relaxed bool) error
	relaxInTx   func(ctx context.Context, tx *sql.Tx, relaxed bool) error
	ops         chan *batchOp
	urgent      chan struct{} // a write somebody waits for was queued (cap 1)
	quit        chan struct{}
	done        chan struct{}
	// reruns counts the batches that had to be run again with savepoints,
	// because one of their writes failed.
	reruns atomic.Int64
	// lingerFor is relaxedLinger (tests lengthen it); lingerTimer is
	// linger's, kept by the loop goroutine between batches.
	lingerFor   time.Duration
	lingerTimer *time.Timer

	mu     sync.RWMutex // held for reading while sending on ops, for writing by close
	closed bool
}

// batchOp is one queued write: fn, or an audit append (app), never both.
// Its caller learns the outcome from done, closed after the batch, or, for
// an append queued by appendLater, from report.
type batchOp struct {
	ctx    context.Context
	fn     txFunc
	app    *pendingAppend
	err    error
	done   chan struct{}
	report func(error)
}

func newBatcher(db *sql.DB, d dialect, stmts writerStmts) *batcher {
	b := &batcher{
		db:        db,
		stmts:     stmts,
		audit:     &auditWriter{d: d, stmts: stmts, inserts: d.inserts()},
		ops:       make(chan *batchOp, maxBatch),
		urgent:    make(chan struct{}, 1),
		lingerFor: relaxedLinger,
		quit:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	go b.loop()
	return b
}

// do runs fn in the next batch and returns once that batch has committed (or
// fn failed). A ctx cancelled while fn waits in the queue skips fn; once fn
// has started, do waits for the commit, because the caller must learn the
// outcome of a write that may be durable (an idempotency claim left behind
// unseen would block its key until it expires).
func (b *batcher) do(ctx context.Context, fn txFunc) error {
	return b.submit(&batchOp{ctx: ctx, fn: fn})
}

// append appends app's record in the next batch, as do runs a write; once
// it returns nil, app.out is the record as committed.
func (b *batcher) append(ctx context.Context, app *pendingAppend) error {
	return b.submit(&batchOp{ctx: ctx, app: app})
}

// relaxedBackground is the context of an append queued by appendLater: no
// caller waits on it, so nothing can cancel it, and no flush of its own.
var relaxedBackground = WithRelaxedDurability(context.Background())

// appendLater queues app for the next batch, with a relaxed flush, and
// returns without waiting for it; report is called with the outcome by the
// batcher's goroutine once the batch has committed or failed. It spares a
// read's audit record a goroutine parked on the batch. When the queue is
// full it waits in a goroutine of its own, so the caller never does. close
// commits every append queued before it.
func (b *batcher) appendLater(app *pendingAppend, report func(error)) error {
	op := &batchOp{ctx: relaxedBackground, app: app, report: report}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return errClosed
	}
	select {
	case b.ops <- op:
		b.mu.RUnlock()
	default:
		// The read lock goes with the send: close must not stop the loop
		// while an append it has accepted is still on its way.
		go func() {
			defer b.mu.RUnlock()
			b.ops <- op
		}()
	}
	return nil
}

func (b *batcher) submit(op *batchOp) error {
	ctx := op.ctx
	if err := ctx.Err(); err != nil {
		return err
	}
	op.done = make(chan struct{})
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return errClosed
	}
	select {
	case b.ops <- op:
	case <-ctx.Done():
		b.mu.RUnlock()
		return ctx.Err()
	}
	b.mu.RUnlock()
	select { // end a linger: this caller waits for the commit
	case b.urgent <- struct{}{}:
	default:
	}
	<-op.done
	return op.err
}

// call runs the op's fn in tx. A panic in fn is that op's error, so it is
// rolled back like any failed write and the loop, which owns every write of
// the process, goes on.
func (op *batchOp) call(tx *sql.Tx) error {
	return panics.Contain(nil, "store write", func() error { return op.fn(context.WithoutCancel(op.ctx), tx) })
}

// tell reports an appendLater's outcome. A panic in report is contained
// (and logged): it must not stop the loop, which owns every write of the
// process.
func (op *batchOp) tell() {
	_ = panics.Contain(nil, "store append report", func() error {
		op.report(op.err)
		return nil
	})
}

// close stops taking writes, commits the queued ones and stops the loop.
func (b *batcher) close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	b.mu.Unlock()
	close(b.quit)
	<-b.done
}

func (b *batcher) loop() {
	defer close(b.done)
	batch := make([]*batchOp, 0, maxBatch)
	for {
		select {
		case op := <-b.ops:
			batch = append(batch[:0], op)
		case <-b.quit:
			// close holds no more senders; commit what they left queued.
			for {
				batch = b.drain(batch[:0])
				if len(batch) == 0 {
					return
				}
				b.run(batch)
			}
		}
		// Let the callers the last commit woke up queue their next write
		// before the batch is taken: BEGIN, the head read, the commit's WAL
		// frames and the fsync are paid per batch, and at 64 callers this
		// doubles the batch (BenchmarkAppend*: about a quarter less CPU per
		// record). With nothing else runnable it returns at once, so a lone
		// caller waits for nothing.
		runtime.Gosched()
		b.run(b.linger(b.drain(batch)))
	}
}

// relaxedLinger is how long a batch of reads' audit records only (queued by
// appendLater: nobody waits for them) waits for more before it commits. A
// commit's fixed part (BEGIN, the chain head, the WAL frames of every index
// page it touches) is most of what a read's record costs, and reads come
// faster than that: at one caller a call every half millisecond, so a
// record per commit otherwise. The README's rule holds, committed within
// milliseconds of the answer, and a write somebody waits for ends the wait
// at once.
const relaxedLinger = 2 * time.Millisecond

// linger keeps a batch of appendLater records open for relaxedLinger, or
// until a write somebody waits for is queued (urgent) or the store closes,
// then adds what was queued meanwhile. It sleeps rather than taking each
// record as it comes, so only a batch's first record wakes the batcher.
func (b *batcher) linger(batch []*batchOp) []*batchOp {
	if len(batch) == 0 || len(batch) == maxBatch {
		return batch
	}
	for _, op := range batch {
		if op.report == nil {
			return batch
		}
	}
	if b.lingerTimer == nil {
		b.lingerTimer = time.NewTimer(b.lingerFor)
	} else {
		b.lingerTimer.Reset(b.lingerFor)
	}
	select {
	case <-b.lingerTimer.C:
	case <-b.urgent: // a stale token only cuts one linger short
		b.lingerTimer.Stop()
	case <-b.quit:
		b.lingerTimer.Stop()
	}
	return b.drain(batch)
}

// drain appends what is queued right now, without waiting for more: the
// batch is whatever arrived during the previous commit, so a lone caller is
// never delayed.
func (b *batcher) drain(batch []*batchOp) []*batchOp {
	for len(batch) < maxBatch {
		select {
		case op := <-b.ops:
			batch = append(batch, op)
		default:
			return batch
		}
	}
	return batch
}

// run executes one batch and reports to every caller.
func (b *batcher) run(batch []*batchOp) {
	defer func() {
		for _, op := range batch {
			if op.report != nil {
				op.tell()
				continue
			}
			close(op.done)
		}
	}()
	// A caller that gave up while queued is skipped; from here on every
	// op's caller learns the outcome of its write.
	live := make([]*batchOp, 0, len(batch))
	relaxedAll := true
	for _, op := range batch {
		if err := op.ctx.Err(); err != nil {
			op.err = err
			continue
		}
		live = append(live, op)
		relaxedAll = relaxedAll && relaxed(op.ctx)
	}
	if len(live) == 0 {
		return
	}
	// Writes before appends: every op of a batch was queued concurrently
	// with the others (each caller waits for its previous write), so any
	// order is one they could have had, and this one lets the appends go
	// together.
	slices.SortStableFunc(live, func(x, y *batchOp) int {
		return cmp.Compare(boolInt(x.app != nil), boolInt(y.app != nil))
	})
	rerun, err := b.attempt(live, relaxedAll, false)
	if rerun {
		b.reruns.Add(1)
		// The op that failed keeps its error, from a run that committed
		// nothing; the others run again. relaxedAll stays as it was: a
		// durable op that failed can only make the re-run flush more.
		live = slices.DeleteFunc(live, func(op *batchOp) bool { return op.err != nil })
		if len(live) == 0 {
			return
		}
		_, err = b.attempt(live, relaxedAll, true)
	}
	if err != nil {
		for _, op := range live {
			if op.err == nil {
				op.err = err
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The savepoint every op of a re-run runs in, prepared on SQLite.
const (
	savepointOp         = "SAVEPOINT op"
	savepointRollbackOp = "ROLLBACK TO SAVEPOINT op"
	savepointReleaseOp  = "RELEASE SAVEPOINT op"
)

// attempt runs ops, writes first then appends, in one transaction and
// commits it. Without savepoints it stops at the first failure, rolls back
// and returns rerun: the failed op's err is set when it is known (a write, or
// a lone append; appends written together fail together and are all run
// again). With savepoints, each op's err is its own outcome. err is a
// failure of the transaction itself, which no op's savepoint can contain.
func (b *batcher) attempt(ops []*batchOp, relaxedAll, savepoints bool) (rerun bool, err error) {
	// The transaction is not bound to any caller's context: one caller
	// giving up must not roll back the others' writes.
	ctx := context.Background()
	if b.relaxBefore != nil {
		if err := b.relaxBefore(ctx, b.db, relaxedAll); err != nil {
			return false, fmt.Errorf("store: durability: %w", err)
		}
	}
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("store: begin: %w", err)
	}
	if b.relaxInTx != nil {
		if err := b.relaxInTx(ctx, tx, relaxedAll); err != nil {
			_ = tx.Rollback()
			return false, fmt.Errorf("store: durability: %w", err)
		}
	}
	for _, op := range ops {
		op.err = nil
		if op.app != nil {
			op.app.out = AuditRecord{}
		}
	}
	ran := true
	if savepoints {
		ran, err = b.applyEach(ctx, tx, ops)
	} else {
		rerun = !b.applyAll(ctx, tx, ops)
	}
	if err != nil || rerun || !ran {
		_ = tx.Rollback()
		return rerun, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("store: commit: %w", err)
	}
	return false, nil
}

// applyAll is the common path: every op in tx as it comes, no savepoint. It
// reports whether all succeeded.
func (b *batcher) applyAll(ctx context.Context, tx *sql.Tx, ops []*batchOp) bool {
	first := len(ops) // the first append (appends come last)
	for i, op := range ops {
		if op.app != nil {
			first = i
			break
		}
		if op.err = op.call(tx); op.err != nil {
			return false
		}
	}
	appends := ops[first:]
	if len(appends) == 0 {
		return true
	}
	err := panics.Contain(nil, "store audit append", func() error { return b.audit.writeAll(ctx, tx, appends) })
	if err != nil {
		if len(appends) == 1 {
			appends[0].err = err
		}
		return false
	}
	return true
}

// applyEach is the re-run: every op in its own savepoint, so a failure rolls
// back only that op. ran is whether any op succeeded. The chain head is read
// before the first savepoint and written after the last: a row lock taken
// inside a savepoint that is rolled back would be released (PostgreSQL), and
// the head must stay locked until the commit.
func (b *batcher) applyEach(ctx context.Context, tx *sql.Tx, ops []*batchOp) (ran bool, err error) {
	each := func(op *batchOp, fn func() error) error {
		if _, err := b.stmts.exec(ctx, tx, savepointOp); err != nil {
			return fmt.Errorf("store: savepoint: %w", err)
		}
		if op.err = fn(); op.err != nil {
			if _, err := b.stmts.exec(ctx, tx, savepointRollbackOp); err != nil {
				return fmt.Errorf("store: rollback to savepoint: %w", err)
			}
		} else {
			ran = true
		}
		if _, err := b.stmts.exec(ctx, tx, savepointReleaseOp); err != nil {
			return fmt.Errorf("store: release savepoint: %w", err)
		}
		return nil
	}
	headRead := false
	for _, op := range ops {
		if op.app == nil {
			if err := each(op, func() error { return op.call(tx) }); err != nil {
				return false, err
			}
			continue
		}
		if !headRead {
			if err := b.audit.readHead(ctx, tx); err != nil {
				return false, err
			}
			headRead = true
		}
		err := each(op, func() error {
			return panics.Contain(nil, "store audit append", func() error { return b.audit.writeOne(ctx, tx, op.app) })
		})
		if err != nil {
			return false, err
		}
	}
	if headRead {
		if err := b.audit.writeHead(ctx, tx); err != nil {
			return false, err
		}
	}
	return ran, nil
}
