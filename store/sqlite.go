package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// sqliteReaders is the size of the read pool of a file database. WAL lets
// readers run beside the writer; a few are plenty for audit and approval
// listings.
const sqliteReaders = 4

// openSQLite opens the SQLite database name (a path or a "file:" URI).
//
// Durability: the writer uses journal_mode=WAL with synchronous=FULL, so every
// commit fsyncs the WAL before it returns. NORMAL would only sync at
// checkpoints and could lose the last acknowledged audit records on a power
// cut; the group commit in batcher is what pays for FULL.
//
// Concurrency: one write connection (SQLite allows one writer at a time, and
// BEGIN IMMEDIATE takes the write lock up front so a transaction never fails
// half-way to upgrade it) fed by the batcher, and a read-only pool beside it.
// busy_timeout makes another process on the same file wait its turn rather
// than fail. The writer keeps temporary files in memory (temp_store): the
// statement journal of a multi-row INSERT, and the sub-journals of a batch
// re-run with savepoints (see batcher), would otherwise be temporary files
// written page by page; they only serve a rollback within the open
// transaction, so memory costs no durability.
func openSQLite(ctx context.Context, name string) (Store, error) {
	memory := strings.Contains(name, ":memory:") || strings.Contains(name, "mode=memory")
	sep := "?"
	if strings.Contains(name, "?") {
		sep = "&"
	}
	common := name + sep + "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"

	writeDSN := common + "&_txlock=immediate&_pragma=synchronous(FULL)&_pragma=temp_store(MEMORY)"
	if !memory {
		writeDSN += "&_pragma=journal_mode(WAL)"
	}
	wdb, err := sql.Open("sqlite", writeDSN)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	// One connection, never recycled: it is the single writer, and for an
	// in-memory database it is the database.
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)
	s := &sqlStore{d: sqliteDialect(), closers: []func() error{wdb.Close}}
	if err := wdb.PingContext(ctx); err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	if err := migrate(ctx, wdb, s.d); err != nil {
		_ = wdb.Close()
		return nil, err
	}
	if err := s.prepareWriter(ctx, wdb); err != nil {
		_ = wdb.Close()
		return nil, err
	}

	// An in-memory database exists only on its one connection, so reads
	// share it; a file gets its own read-only pool.
	s.db = wdb
	if !memory {
		rdb, err := sql.Open("sqlite", common+"&_pragma=query_only(1)")
		if err != nil {
			_ = wdb.Close()
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		rdb.SetMaxOpenConns(sqliteReaders)
		rdb.SetMaxIdleConns(sqliteReaders)
		s.db = rdb
		s.closers = append(s.closers, rdb.Close)
	}
	s.batch = newBatcher(wdb, s.d, s.stmts)
	// The writer is one connection (SetMaxOpenConns(1)), so a PRAGMA run
	// just before the batch's BEGIN applies to its commit. Only the batcher
	// goroutine calls this, so full needs no lock.
	full := true
	s.batch.relaxBefore = func(ctx context.Context, db *sql.DB, relaxed bool) error {
		if relaxed == !full {
			return nil
		}
		mode := "FULL"
		if relaxed {
			mode = "NORMAL"
		}
		if _, err := db.ExecContext(ctx, "PRAGMA synchronous="+mode); err != nil {
			return err
		}
		full = !relaxed
		return nil
	}
	return s, nil
}

// prepareWriter prepares the statements every write command runs (claim the
// idempotency key, append the audit record and its write-back, store the
// response) and the group commit's own (the multi-row INSERTs of every
// chunk size, the savepoints of a re-run) on the writer connection, once;
// see writerStmts. They are closed before the connection.
func (s *sqlStore) prepareWriter(ctx context.Context, wdb *sql.DB) error {
	s.stmts = writerStmts{}
	queries := []string{auditHeadQuery, auditHeadUpdate, idemInsert, idemComplete,
		savepointOp, savepointRollbackOp, savepointReleaseOp, pollCursorUpsert}
	for _, rows := range insertChunks {
		queries = append(queries, s.d.inserts().audit[rows], s.d.inserts().writeBacks[rows], s.d.inserts().events[rows], s.d.inserts().decisions[rows])
	}
	for _, q := range queries {
		st, err := wdb.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("store: prepare writer statements: %w", err)
		}
		s.stmts[q] = st
	}
	s.closers = append(s.closers, func() error {
		var errs []error
		for _, st := range s.stmts {
			errs = append(errs, st.Close())
		}
		return errors.Join(errs...)
	})
	return nil
}
