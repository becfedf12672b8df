package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// pendingAppend is one AppendAudit waiting in the group commit.
type pendingAppend struct {
	// rec is the record as checked and cleaned by AppendAudit; the writer
	// gives a copy its Seq, PrevHash, Hash and (when zero) Time.
	rec AuditRecord
	// incidentID is incidentID(rec.Incident), parsed by the caller so the
	// single writer does not.
	incidentID string
	// wb is the write-back to queue with the record, already checked, or
	// nil.
	wb *WriteBack
	// out is the record as written, with its queued write-back; valid once
	// the batch has committed without an error for this append.
	out AuditRecord
}

// auditWriter writes the audit appends of a batch. It is used by the
// batcher's goroutine only.
//
// The chain head is read from audit_head in every transaction that appends,
// under that transaction's write lock (BEGIN IMMEDIATE on SQLite, SELECT …
// FOR UPDATE on PostgreSQL), never kept from one transaction to the next:
// another process on the same SQLite file, or another replica on the same
// PostgreSQL database, may have appended since, and only the database knows.
// A head cached in memory would have to be checked against the database on
// every batch anyway, which is the same one-row read by primary key, so it
// would save nothing. The read is one per batch, not one per record: the
// records' Seq, PrevHash and Hash are computed here, and audit_head is
// updated once.
type auditWriter struct {
	d       dialect
	stmts   writerStmts
	inserts *rowInserts
	// seq and hash are the head as this transaction has it: read by
	// readHead, advanced by each record written, stored by writeHead.
	seq   int64
	hash  string
	moved bool // the head advanced since readHead
	// args is reused for the arguments of each INSERT.
	args []any
}

// insertChunks are the row counts of the multi-row INSERTs: a batch of n
// records is written with n/64 INSERTs of 64 rows and one of each power of
// two that makes up the rest, so a batch takes a few statements whatever
// its size, and each table needs only len(insertChunks) prepared
// statements. 64 rows of the audit table are 1,344 parameters, well under
// both backends' limits (32,766 on SQLite, 65,535 on PostgreSQL).
var insertChunks = []int{64, 32, 16, 8, 4, 2, 1}

// rowInserts are the multi-row INSERTs of one backend, by row count (each of
// insertChunks).
type rowInserts struct {
	audit, writeBacks map[int]string
	// events end with ON CONFLICT DO NOTHING: the log's dedup.
	events map[int]string
	// decisions have no ON CONFLICT: an event is decided once, and a
	// second decision is an error.
	decisions map[int]string
}

var (
	sqliteInserts   = newRowInserts(sqliteDialect())
	postgresInserts = newRowInserts(postgresDialect())
)

func newRowInserts(d dialect) *rowInserts {
	r := &rowInserts{
		audit:      multiRowInserts(d, "audit", auditColumns),
		writeBacks: multiRowInserts(d, "writebacks", writeBackInsertColumns),
		events:     multiRowInserts(d, "events", eventInsertColumns),
		decisions:  multiRowInserts(d, "event_decisions", decisionColumns),
	}
	for rows, q := range r.events {
		r.events[rows] = q + eventConflict
	}
	return r
}

// inserts returns d's multi-row INSERTs.
func (d dialect) inserts() *rowInserts {
	if d.name == sqliteName {
		return sqliteInserts
	}
	return postgresInserts
}

// multiRowInserts returns the INSERT of each row count in insertChunks into
// table's columns (a comma-separated list). The placeholders are SQLite's anonymous ?
// and PostgreSQL's $1, $2, …: SQLite finds the name of a numbered parameter
// by a linear search, once per parameter when it binds, which over a
// thousand parameters would cost more than the insert.
func multiRowInserts(d dialect, table, columns string) map[int]string {
	n := strings.Count(columns, ",") + 1
	out := make(map[int]string, len(insertChunks))
	for _, rows := range insertChunks {
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + columns + ") VALUES ")
		p := 0
		for r := range rows {
			if r > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for c := range n {
				if c > 0 {
					b.WriteString(", ")
				}
				p++
				if d.name == sqliteName {
					b.WriteByte('?')
				} else {
					b.WriteString("$" + strconv.Itoa(p))
				}
			}
			b.WriteByte(')')
		}
		out[rows] = b.String()
	}
	return out
}

// inChunks calls fn with the bounds of consecutive chunks of [0, n), each a
// row count of insertChunks, largest first.
func inChunks(n int, fn func(lo, hi int) error) error {
	lo := 0
	for _, c := range insertChunks {
		for n-lo >= c {
			if err := fn(lo, lo+c); err != nil {
				return err
			}
			lo += c
		}
	}
	return nil
}

// readHead reads the chain head in tx, locking it on PostgreSQL until tx
// ends, so no other append, in this process or another, can take the same
// Seq or link to the same PrevHash.
func (w *auditWriter) readHead(ctx context.Context, tx *sql.Tx) error {
	w.moved = false
	err := w.stmts.queryRow(ctx, tx, auditHeadQuery+w.d.forUpdate).Scan(&w.seq, &w.hash)
	if err != nil {
		return fmt.Errorf("store: read audit head: %w", err)
	}
	return nil
}

// next returns app's record linked to the head, with its write-back: what
// writing it would store. The head does not move.
func (w *auditWriter) next(app *pendingAppend, now func() time.Time) AuditRecord {
	rec := app.rec
	rec.Seq = w.seq + 1
	rec.PrevHash = w.hash
	if w.seq == 0 {
		rec.PrevHash = genesisHash
	}
	if rec.Time.IsZero() {
		rec.Time = now()
	}
	rec.Hash = auditHash(rec)
	if app.wb != nil {
		queued := *app.wb
		queued.AuditSeq = rec.Seq
		queued.CreatedAt, queued.NextAttemptAt = rec.Time, rec.Time
		rec.WriteBack = &queued
		rec.WriteBackID = queued.ID
	}
	return rec
}

// advance makes rec, just written, the head.
func (w *auditWriter) advance(rec AuditRecord) {
	w.seq, w.hash, w.moved = rec.Seq, rec.Hash, true
}

// writeAll appends every op's record, in order, with their write-backs, and
// updates the head: the common path. On an error nothing is known about
// which record failed, and tx must be rolled back.
func (w *auditWriter) writeAll(ctx context.Context, tx *sql.Tx, ops []*batchOp) error {
	if err := w.readHead(ctx, tx); err != nil {
		return err
	}
	// One time for the batch: its records are written by one statement
	// (per chunk), as of one moment.
	var at time.Time
	now := func() time.Time {
		if at.IsZero() {
			at = dbNow()
		}
		return at
	}
	wbs := 0
	for _, op := range ops {
		op.app.out = w.next(op.app, now)
		w.advance(op.app.out)
		if op.app.wb != nil {
			wbs++
		}
	}
	err := inChunks(len(ops), func(lo, hi int) error {
		w.args = w.args[:0]
		for _, op := range ops[lo:hi] {
			w.args = appendAuditArgs(w.args, w.d, op.app.out, op.app.incidentID)
		}
		if _, err := w.stmts.exec(ctx, tx, w.inserts.audit[hi-lo], w.args...); err != nil {
			return fmt.Errorf("store: insert audit records: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if wbs > 0 {
		queued := make([]*WriteBack, 0, wbs)
		for _, op := range ops {
			if wb := op.app.out.WriteBack; wb != nil {
				queued = append(queued, wb)
			}
		}
		err := inChunks(len(queued), func(lo, hi int) error {
			w.args = w.args[:0]
			for _, wb := range queued[lo:hi] {
				w.args = appendWriteBackArgs(w.args, w.d, *wb)
			}
			if _, err := w.stmts.exec(ctx, tx, w.inserts.writeBacks[hi-lo], w.args...); err != nil {
				return fmt.Errorf("store: insert write-backs: %w", err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return w.writeHead(ctx, tx)
}

// writeOne appends app's record and its write-back after the head readHead
// read and the records written since: the re-run path, inside the op's
// savepoint. The head moves only when both are written, so a record rolled
// back to its savepoint leaves no gap.
func (w *auditWriter) writeOne(ctx context.Context, tx *sql.Tx, app *pendingAppend) error {
	rec := w.next(app, dbNow)
	args := appendAuditArgs(w.args[:0], w.d, rec, app.incidentID)
	if _, err := w.stmts.exec(ctx, tx, w.inserts.audit[1], args...); err != nil {
		return fmt.Errorf("store: insert audit record: %w", err)
	}
	if rec.WriteBack != nil {
		args = appendWriteBackArgs(args[:0], w.d, *rec.WriteBack)
		if _, err := w.stmts.exec(ctx, tx, w.inserts.writeBacks[1], args...); err != nil {
			return fmt.Errorf("store: insert write-back: %w", err)
		}
	}
	w.args = args
	app.out = rec
	w.advance(rec)
	return nil
}

// writeHead stores the head in audit_head, if it moved.
func (w *auditWriter) writeHead(ctx context.Context, tx *sql.Tx) error {
	if !w.moved {
		return nil
	}
	if _, err := w.stmts.exec(ctx, tx, auditHeadUpdate, w.seq, w.hash); err != nil {
		return fmt.Errorf("store: update audit head: %w", err)
	}
	return nil
}

// appendAuditArgs appends the auditColumns values of rec.
func appendAuditArgs(args []any, d dialect, rec AuditRecord, incidentID string) []any {
	return append(args,
		rec.Seq, d.ts(rec.Time), rec.RequestID, rec.Subject, rec.Command,
		textArg(rec.Args), textArg(rec.Incident), incidentID,
		rec.TargetUser, rec.Outcome, rec.ProviderStatus, rec.ProviderCode, rec.Detail, rec.DurationMS,
		rec.IdempotencyKey, rec.ApprovalID, rec.Approver, rec.PrevHash, rec.Hash, rec.WriteBackID, rec.RequestedAs)
}
