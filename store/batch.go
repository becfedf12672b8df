package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/idcmd/idcmd/panics"
)

// errClosed is returned by writes that arrive after Close.
var errClosed = errors.New("store: closed")

// maxBatch bounds how many writes share one transaction, so one batch's
// latency stays bounded under a flood of callers.
const maxBatch = 256

// txFunc is one unit of work inside a transaction. It must not keep tx.
type txFunc func(ctx context.Context, tx *sql.Tx) error

// batcher is group commit. One goroutine owns the writes: it takes every
// txFunc queued while the previous transaction was committing, runs them in
// one transaction, each inside its own savepoint so one failure does not undo
// the others, commits once, and only then tells each caller the outcome.
// Nothing is acknowledged before the commit that makes it durable, but one
// commit (one fsync) covers the whole batch, which is what lets SQLite with
// synchronous=FULL keep up with many concurrent callers.
//
// On SQLite every write goes through the batcher: SQLite has a single writer
// anyway, and queueing in Go is cheaper than contending for its lock. On
// PostgreSQL only audit appends do, because they serialize on the chain head.
type batcher struct {
	db *sql.DB
	// relaxBefore (SQLite, before BEGIN: the safety level cannot change
	// inside a transaction) and relaxInTx (PostgreSQL, SET LOCAL) switch a
	// batch between a full flush and a relaxed commit (see
	// WithRelaxedDurability); nil means always full.
	relaxBefore func(ctx context.Context, db *sql.DB, relaxed bool) error
	relaxInTx   func(ctx context.Context, tx *sql.Tx, relaxed bool) error
	ops         chan *batchOp
	quit        chan struct{}
	done        chan struct{}

	mu     sync.RWMutex // held for reading while sending on ops, for writing by close
	closed bool
}

type batchOp struct {
	ctx  context.Context
	fn   txFunc
	err  error
	done chan struct{}
}

func newBatcher(db *sql.DB) *batcher {
	b := &batcher{
		db:   db,
		ops:  make(chan *batchOp, maxBatch),
		quit: make(chan struct{}),
		done: make(chan struct{}),
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
	if err := ctx.Err(); err != nil {
		return err
	}
	op := &batchOp{ctx: ctx, fn: fn, done: make(chan struct{})}
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
	<-op.done
	return op.err
}

// call runs the op's fn in tx. A panic in fn is that op's error, so it is
// rolled back like any failed write and the loop, which owns every write of
// the process, goes on.
func (op *batchOp) call(tx *sql.Tx) error {
	return panics.Contain(nil, "store write", func() error { return op.fn(context.WithoutCancel(op.ctx), tx) })
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
		b.run(b.drain(batch))
	}
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

// run executes one batch as one transaction and reports to every caller.
func (b *batcher) run(batch []*batchOp) {
	defer func() {
		for _, op := range batch {
			close(op.done)
		}
	}()
	fail := func(err error) {
		for _, op := range batch {
			if op.err == nil {
				op.err = err
			}
		}
	}
	// The transaction is not bound to any caller's context: one caller
	// giving up must not roll back the others' writes.
	ctx := context.Background()
	all := true
	for _, op := range batch {
		all = all && relaxed(op.ctx)
	}
	if b.relaxBefore != nil {
		if err := b.relaxBefore(ctx, b.db, all); err != nil {
			fail(fmt.Errorf("store: durability: %w", err))
			return
		}
	}
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		fail(fmt.Errorf("store: begin: %w", err))
		return
	}
	if b.relaxInTx != nil {
		if err := b.relaxInTx(ctx, tx, all); err != nil {
			_ = tx.Rollback()
			fail(fmt.Errorf("store: durability: %w", err))
			return
		}
	}
	ran := false
	// A lone write needs no savepoint: if it fails, the whole transaction
	// (only its own) is rolled back. This saves two statements on the
	// common, uncontended path.
	single := len(batch) == 1
	for _, op := range batch {
		if err := op.ctx.Err(); err != nil {
			op.err = err
			continue
		}
		if single {
			if op.err = op.call(tx); op.err != nil {
				_ = tx.Rollback()
				return
			}
			ran = true
			continue
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT op"); err != nil {
			_ = tx.Rollback()
			fail(fmt.Errorf("store: savepoint: %w", err))
			return
		}
		if op.err = op.call(tx); op.err != nil {
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT op"); err != nil {
				_ = tx.Rollback()
				fail(fmt.Errorf("store: rollback to savepoint: %w", err))
				return
			}
		} else {
			ran = true
		}
		if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT op"); err != nil {
			_ = tx.Rollback()
			fail(fmt.Errorf("store: release savepoint: %w", err))
			return
		}
	}
	if !ran {
		_ = tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("store: commit: %w", err))
	}
}
