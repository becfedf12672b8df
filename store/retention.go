package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Retention: what the store deletes, and how it proves what it deleted.
//
// Finished write-backs (delivered or failed) are deleted once their outcome
// is older than the configured retention (PurgeWriteBacks); queued and
// delivering ones never are.
//
// The audit log is kept forever unless pruning is configured. Pruning removes
// records from the start of the chain only, and only after they were
// exported (ExportAndPruneAudit): the anchor, one row, keeps the Seq and Hash
// of the last pruned record, so the kept chain still verifies (its first
// record's PrevHash is the anchor's Hash) and the export files verify up to
// the anchor (VerifyAuditHistory). audit_head is never reset, so Seq keeps
// counting and a pruned Seq is never reused.

// AuditAnchor names one record of the chain by its Seq and Hash. As the
// store's anchor it is the last pruned record: {0, ""} before any prune.
type AuditAnchor struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash,omitempty"`
}

// prevHash is the PrevHash the record after a must carry.
func (a AuditAnchor) prevHash() string {
	if a.Seq == 0 {
		return genesisHash
	}
	return a.Hash
}

// Errors of PruneAudit, possibly wrapped: test with errors.Is. Either means
// nothing was deleted.
var (
	// ErrAnchorMoved: the anchor is not where the export started, so
	// another prune ran in between; the export's records are not the ones
	// that would be deleted.
	ErrAnchorMoved = errors.New("store: the audit anchor has moved since the export")
	// ErrPruneMismatch: the records to delete are not exactly the exported
	// ones: the last one's hash differs, or one of them is missing.
	ErrPruneMismatch = errors.New("store: the audit records to prune are not the exported ones")
	// ErrStopScan, returned by ScanAudit's fn, ends the scan without an error.
	ErrStopScan = errors.New("store: stop scan")
)

// MaxPruneRecords bounds one PruneAudit (and one export file written by
// ExportAndPruneAudit). Deleting 10,000 records with their index entries
// holds SQLite's single writer for a fraction of a second; a larger backlog
// is pruned in several files, each with its own transaction.
const MaxPruneRecords = 10_000

// purgeChunk bounds one write-back purge transaction, for the same reason.
const purgeChunk = 1000

// purgeQuery deletes up to $2 write-backs finished before $1. The rows are
// picked over writebacks_due on both backends. On PostgreSQL they are
// collected into an array first (an InitPlan run once), so the DELETE finds
// them by primary key: with IN (subquery) the planner may join against a
// sequential scan of the whole queue instead.
func purgeQuery(d dialect) string {
	const pick = `SELECT id FROM writebacks
		WHERE status IN ('delivered', 'failed') AND next_attempt_at < $1
		LIMIT $2`
	if d.name == postgresName {
		return "DELETE FROM writebacks WHERE id = ANY(ARRAY(" + pick + "))"
	}
	return "DELETE FROM writebacks WHERE id IN (" + pick + ")"
}

const (
	anchorQuery  = "SELECT seq, hash FROM audit_anchor WHERE id = 1"
	anchorUpdate = "UPDATE audit_anchor SET seq = $1, hash = $2 WHERE id = 1"
)

func (s *sqlStore) AuditAnchor(ctx context.Context) (AuditAnchor, error) {
	var a AuditAnchor
	if err := s.db.QueryRowContext(ctx, anchorQuery).Scan(&a.Seq, &a.Hash); err != nil {
		return AuditAnchor{}, fmt.Errorf("store: read audit anchor: %w", err)
	}
	return a, nil
}

// ScanAudit reads by primary key from after+1 on. The LIMIT keeps an early
// stop cheap: PostgreSQL would otherwise send every remaining row.
func (s *sqlStore) ScanAudit(ctx context.Context, after int64, limit int, fn func(AuditRecord) error) error {
	if limit <= 0 {
		return fmt.Errorf("store: scan audit: limit must be positive, got %d", limit)
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+auditColumns+" FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2", after, limit)
	if err != nil {
		return fmt.Errorf("store: scan audit: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, _, err := scanAudit(rows)
		if err != nil {
			return fmt.Errorf("store: scan audit: %w", err)
		}
		if err := fn(r); err != nil {
			if errors.Is(err, ErrStopScan) {
				return nil
			}
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: scan audit: %w", err)
	}
	return nil
}

// PruneAudit checks, moves the anchor and deletes in one transaction. The
// anchor row is locked first (FOR UPDATE on PostgreSQL; SQLite's writer lock
// covers everything), so two prunes from two replicas serialize and the
// second sees the anchor moved. Appends are not blocked: they lock
// audit_head and insert after it, never touching the anchor or the records
// being deleted. The append-only trigger lets the DELETE through because the
// anchor has already moved past those records in this transaction.
func (s *sqlStore) PruneAudit(ctx context.Context, from, to AuditAnchor) (int64, error) {
	want := to.Seq - from.Seq
	switch {
	case from.Seq < 0 || want <= 0:
		return 0, fmt.Errorf("store: prune audit: nothing to prune from %d to %d", from.Seq, to.Seq)
	case want > MaxPruneRecords:
		return 0, fmt.Errorf("store: prune audit: %d records at once, at most %d", want, MaxPruneRecords)
	case to.Hash == "":
		return 0, errors.New("store: prune audit: the hash of the last record to prune is required")
	}
	var deleted int64
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var cur AuditAnchor
		if err := tx.QueryRowContext(ctx, anchorQuery+s.d.forUpdate).Scan(&cur.Seq, &cur.Hash); err != nil {
			return fmt.Errorf("store: prune audit: read anchor: %w", err)
		}
		if cur != from {
			return fmt.Errorf("store: prune audit: the anchor is at %d, the export starts after %d: %w", cur.Seq, from.Seq, ErrAnchorMoved)
		}
		var hash string
		err := tx.QueryRowContext(ctx, "SELECT hash FROM audit WHERE seq = $1"+s.d.forUpdate, to.Seq).Scan(&hash)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: prune audit: record %d does not exist: %w", to.Seq, ErrPruneMismatch)
		}
		if err != nil {
			return fmt.Errorf("store: prune audit: read record %d: %w", to.Seq, err)
		}
		if hash != to.Hash {
			return fmt.Errorf("store: prune audit: record %d's hash is not the exported one: %w", to.Seq, ErrPruneMismatch)
		}
		if _, err := tx.ExecContext(ctx, anchorUpdate, to.Seq, to.Hash); err != nil {
			return fmt.Errorf("store: prune audit: move anchor: %w", err)
		}
		n, err := rowsAffected(tx.ExecContext(ctx, "DELETE FROM audit WHERE seq > $1 AND seq <= $2", from.Seq, to.Seq))
		if err != nil {
			return fmt.Errorf("store: prune audit: delete: %w", err)
		}
		if n != want {
			// Returning an error rolls back the anchor and the delete.
			return fmt.Errorf("store: prune audit: %d of the %d records %d to %d exist: %w", n, want, from.Seq+1, to.Seq, ErrPruneMismatch)
		}
		deleted = n
		return nil
	})
	if err != nil {
		return 0, err
	}
	return deleted, nil
}

// PurgeWriteBacks deletes by next_attempt_at, which FinishWriteBack sets to
// the time of the outcome for delivered (equal to delivered_at) and failed
// write-backs, over the writebacks_due index: one range per finished
// status, and queued or delivering rows are not even read.
func (s *sqlStore) PurgeWriteBacks(ctx context.Context, finishedBefore time.Time) (int64, error) {
	before := s.d.ts(dbTimeOf(finishedBefore))
	query := purgeQuery(s.d)
	var total int64
	for {
		n, err := rowsAffected(s.exec(ctx, query, before, purgeChunk))
		total += n
		if err != nil {
			return total, fmt.Errorf("store: purge write-backs: %w", err)
		}
		if n < purgeChunk {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("store: purge write-backs: %w", err)
		}
	}
}
