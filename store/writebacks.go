package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Bounds on what an attempt's outcome may store. Upstream errors can carry
// a whole HTML error page; the first few KiB say what went wrong.
const (
	maxWriteBackError    = 4 << 10
	maxWriteBackRemoteID = 1 << 10
	maxWriteBackResult   = 64 << 10
)

// NewWriteBackID returns a new write-back id, "wb_" and 20 random base32
// characters. A caller that queues deliveries which name each other (a
// response that waits for the incident it runs in) picks their ids first.
func NewWriteBackID() string { return newID("wb_") }

const writeBackColumns = `id, audit_seq, platform, incident_id, investigation_id, markdown, note, status,
	attempts, next_attempt_at, last_error, remote_id, created_at, delivered_at, kind, event_provider, event_id, payload, result`

// newWriteBack checks in and returns it as a new write-back to queue: a new
// ID (a decision's deliveries keep the ids their caller chose), status queued, text made storable and Markdown cut to its bound, and
// AuditSeq as given. The caller fills in CreatedAt and NextAttemptAt (and
// AppendAudit the AuditSeq of its record).
func newWriteBack(in WriteBack) (WriteBack, error) {
	switch in.Platform {
	case PlatformXSOAR, PlatformXDR, PlatformIdcmd, PlatformPrisma:
	default:
		return WriteBack{}, fmt.Errorf("store: write-back platform must be %s, %s, %s or %s, got %q", PlatformXSOAR, PlatformXDR, PlatformIdcmd, PlatformPrisma, in.Platform)
	}
	if in.Kind == "" {
		in.Kind = KindEntry
	}
	if len(in.Payload) > 0 {
		if err := checkJSON("write-back payload", in.Payload); err != nil {
			return WriteBack{}, err
		}
	}
	wb := WriteBack{
		ID:              NewWriteBackID(),
		Kind:            cleanText(in.Kind),
		EventProvider:   cleanText(in.EventProvider),
		EventID:         cleanText(in.EventID),
		Payload:         in.Payload,
		AuditSeq:        in.AuditSeq,
		Platform:        in.Platform,
		IncidentID:      cleanText(in.IncidentID),
		InvestigationID: cleanText(in.InvestigationID),
		// Cleaned before it is cut: cleaning can make it longer.
		Markdown: truncateText(cleanText(in.Markdown), MaxWriteBackMarkdown, WriteBackTruncatedNote),
		Note:     in.Note,
		Status:   WriteBackQueued,
	}
	if wb.IncidentID == "" && wb.Kind == KindEntry {
		return WriteBack{}, errors.New("store: a write-back entry needs an incident ID")
	}
	if wb.AuditSeq < 0 {
		return WriteBack{}, fmt.Errorf("store: write-back audit seq must not be negative, got %d", wb.AuditSeq)
	}
	return wb, nil
}

// truncateText returns s if it has at most limit bytes, and otherwise its
// longest prefix that, followed by note, fits in limit, cut at a character
// boundary so the result stays valid UTF-8.
func truncateText(s string, limit int, note string) string {
	if len(s) <= limit {
		return s
	}
	cut := max(limit-len(note), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + note
}

// writeBackInsertColumns are the columns a new write-back is inserted with
// (the INSERTs are rowInserts.writeBacks).
const writeBackInsertColumns = "id, audit_seq, platform, incident_id, investigation_id, markdown, note, status, next_attempt_at, created_at, kind, event_provider, event_id, payload"

// appendWriteBackArgs appends the writeBackInsertColumns values of wb.
func appendWriteBackArgs(args []any, d dialect, wb WriteBack) []any {
	return append(args, wb.ID, wb.AuditSeq, wb.Platform, wb.IncidentID, wb.InvestigationID, wb.Markdown, wb.Note,
		string(wb.Status), d.ts(wb.NextAttemptAt), d.ts(wb.CreatedAt), wb.Kind, wb.EventProvider, wb.EventID, string(wb.Payload))
}

func scanWriteBack(row rowScanner) (WriteBack, error) {
	var wb WriteBack
	var next, created, delivered scanTime
	var attempts int64
	var payload, result string
	err := row.Scan(&wb.ID, &wb.AuditSeq, &wb.Platform, &wb.IncidentID, &wb.InvestigationID, &wb.Markdown,
		&wb.Note, &wb.Status, &attempts, &next, &wb.LastError, &wb.RemoteID, &created, &delivered,
		&wb.Kind, &wb.EventProvider, &wb.EventID, &payload, &result)
	if err != nil {
		return WriteBack{}, err
	}
	if payload != "" {
		wb.Payload = json.RawMessage(payload)
	}
	if result != "" {
		wb.Result = json.RawMessage(result)
	}
	wb.Attempts = int(attempts)
	wb.NextAttemptAt = next.t
	wb.CreatedAt = created.t
	wb.DeliveredAt = delivered.ptr()
	return wb, nil
}

func (s *sqlStore) EnqueueWriteBack(ctx context.Context, in WriteBack) (WriteBack, error) {
	wb, err := newWriteBack(in)
	if err != nil {
		return WriteBack{}, err
	}
	wb.CreatedAt = dbNow()
	wb.NextAttemptAt = wb.CreatedAt
	if _, err := s.exec(ctx, s.d.inserts().writeBacks[1], appendWriteBackArgs(nil, s.d, wb)...); err != nil {
		return WriteBack{}, fmt.Errorf("store: enqueue write-back: %w", err)
	}
	return wb, nil
}

func (s *sqlStore) GetWriteBack(ctx context.Context, id string) (WriteBack, error) {
	wb, err := scanWriteBack(s.db.QueryRowContext(ctx, "SELECT "+writeBackColumns+" FROM writebacks WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return WriteBack{}, fmt.Errorf("store: write-back %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return WriteBack{}, fmt.Errorf("store: get write-back %s: %w", id, err)
	}
	return wb, nil
}

// ClaimWriteBacks is one statement: a CTE picks the due rows, the UPDATE
// leases them. While delivering, next_attempt_at is the end of the lease, so
// "queued and due" and "delivering with an expired lease" are the same
// condition, next_attempt_at ≤ now, over one index range per status.
//
// Two claimers never lease the same row. On PostgreSQL the CTE locks the
// rows it picks (FOR UPDATE SKIP LOCKED): a concurrent claimer skips them
// instead of waiting, and a row it read before the other's commit is checked
// again against the committed version (READ COMMITTED rechecks a locked row's
// WHERE), which is no longer due. The CTE is MATERIALIZED so it runs once. On
// SQLite the claim runs in the single writer, and BEGIN IMMEDIATE serializes
// it with the writers of other processes on the same file.
func (s *sqlStore) ClaimWriteBacks(ctx context.Context, owner string, limit int, lease time.Duration, now time.Time) ([]WriteBack, error) {
	switch {
	case owner == "":
		return nil, errors.New("store: claim write-backs: empty owner")
	case limit <= 0:
		return nil, fmt.Errorf("store: claim write-backs: limit must be positive, got %d", limit)
	case lease <= 0:
		return nil, fmt.Errorf("store: claim write-backs: lease must be positive, got %v", lease)
	}
	limit = min(limit, maxPageLimit)
	now = nowOr(now)
	until := dbTimeOf(now.Add(lease))
	// Most polls find nothing due. A read says so without a write
	// transaction (on SQLite, from the read pool beside the writer, so the
	// poll neither waits for nor joins a batch and its flush). A write-back
	// committed just after the read is claimed by the next poll, or at once
	// by the worker's wake-up from the call that queued it.
	var due int
	switch err := s.db.QueryRowContext(ctx, dueQuery, s.d.ts(now)).Scan(&due); {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("store: claim write-backs: %w", err)
	}
	query := claimQuery(s.d)
	var claimed []WriteBack
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		claimed = claimed[:0]
		rows, err := tx.QueryContext(ctx, query, s.d.ts(now), limit, owner, s.d.ts(until))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			wb, err := scanWriteBack(rows)
			if err != nil {
				return err
			}
			claimed = append(claimed, wb)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim write-backs: %w", err)
	}
	// RETURNING has no order.
	slices.SortFunc(claimed, func(a, b WriteBack) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return claimed, nil
}

// dueQuery finds whether any write-back is due at $1 (the rows claimQuery
// would lease), on the writebacks_due index.
const dueQuery = `SELECT 1 FROM writebacks
	WHERE status IN ('queued', 'delivering') AND next_attempt_at <= $1 LIMIT 1`

// claimQuery leases up to $2 write-backs due at $1 to $3 until $4.
func claimQuery(d dialect) string {
	return `WITH due AS MATERIALIZED (
			SELECT id FROM writebacks
			WHERE status IN ('queued', 'delivering') AND next_attempt_at <= $1
			ORDER BY created_at, id LIMIT $2` + d.skipLocked + `)
		UPDATE writebacks
		SET status = 'delivering', lease_owner = $3, lease_until = $4, next_attempt_at = $4, attempts = attempts + 1
		WHERE id IN (SELECT id FROM due)
		RETURNING ` + writeBackColumns
}

// FinishWriteBack is a compare-and-set on (status delivering, lease_owner
// owner): whoever took the write-back over after this owner's lease ran out
// has changed lease_owner, so the old holder's late outcome changes nothing.
// A holder whose lease ran out but was not taken over still may: its
// attempt is the latest one. Every outcome clears lease_until; lease_owner
// stays as the last holder, for the error that explains a refused outcome.
func (s *sqlStore) FinishWriteBack(ctx context.Context, id, owner string, o WriteBackOutcome, now time.Time) (WriteBack, error) {
	if o.Delivered && o.Permanent {
		return WriteBack{}, fmt.Errorf("store: finish write-back %s: an outcome cannot be both delivered and a permanent failure", id)
	}
	if o.Interrupted && (o.Delivered || o.Permanent || o.RemoteID != "" || len(o.Result) > 0) {
		return WriteBack{}, fmt.Errorf("store: finish write-back %s: an interrupted attempt is not delivered, failed or produced", id)
	}
	if len(o.Result) > 0 {
		if err := checkJSON("write-back result", o.Result); err != nil {
			return WriteBack{}, err
		}
		if len(o.Result) > maxWriteBackResult {
			return WriteBack{}, fmt.Errorf("store: finish write-back %s: result is %d bytes, at most %d", id, len(o.Result), maxWriteBackResult)
		}
	}
	now = nowOr(now)
	errText := truncateText(cleanText(o.Err), maxWriteBackError, "…")
	var set string
	args := []any{id, owner}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	// For delivered and failed, next_attempt_at becomes the time of the
	// outcome: there is no next attempt, and the lease end it held would
	// read as one.
	switch {
	case o.Interrupted:
		// The attempt is given back: the claim counted it, so the count
		// is undone (never below zero), and it is due at once.
		due := now
		if !o.RetryAt.IsZero() {
			due = dbTimeOf(o.RetryAt)
		}
		set = "status = 'queued', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, next_attempt_at = " + arg(s.d.ts(due))
		if o.Err != "" {
			set += ", last_error = " + arg(errText)
		}
	case o.Delivered:
		remoteID := truncateText(cleanText(o.RemoteID), maxWriteBackRemoteID, "")
		t := arg(s.d.ts(now))
		set = "status = 'delivered', remote_id = " + arg(remoteID) + ", delivered_at = " + t + ", next_attempt_at = " + t
	case o.Permanent:
		set = "status = 'failed', last_error = " + arg(errText) + ", next_attempt_at = " + arg(s.d.ts(now))
	default:
		retry := now
		if !o.RetryAt.IsZero() {
			retry = dbTimeOf(o.RetryAt)
		}
		set = "status = 'queued', last_error = " + arg(errText) + ", next_attempt_at = " + arg(s.d.ts(retry))
	}
	if len(o.Result) > 0 {
		// A result is what the attempt produced (the incident it created,
		// the audit record of a response), whatever its outcome.
		set += ", result = " + arg(string(o.Result))
	}
	query := "UPDATE writebacks SET " + set + ", lease_until = NULL" +
		" WHERE id = $1 AND status = 'delivering' AND lease_owner = $2 RETURNING " + writeBackColumns
	var out WriteBack
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		wb, err := scanWriteBack(tx.QueryRowContext(ctx, query, args...))
		if err == nil {
			out = wb
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: finish write-back %s: %w", id, err)
		}
		// Nothing changed; tell a wrong ID from a lost lease.
		var status WriteBackStatus
		var holder string
		err = tx.QueryRowContext(ctx, "SELECT status, lease_owner FROM writebacks WHERE id = $1", id).Scan(&status, &holder)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: write-back %s: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: finish write-back %s: %w", id, err)
		}
		return fmt.Errorf("store: write-back %s is %s (last leased to %q), not delivering for %q: %w",
			id, status, holder, owner, ErrNotPending)
	})
	if err != nil {
		return WriteBack{}, err
	}
	return out, nil
}

func (s *sqlStore) ListWriteBacks(ctx context.Context, f WriteBackFilter) ([]WriteBack, string, error) {
	var w where
	if f.Status != "" {
		w.add("status = ?", string(f.Status))
	}
	if f.IncidentID != "" {
		w.add("incident_id = ?", f.IncidentID)
	}
	if f.EventID != "" {
		w.add("event_id = ?", f.EventID)
		if f.EventProvider != "" {
			w.add("event_provider = ?", f.EventProvider)
		}
	}
	if f.Kind != "" {
		w.add("kind = ?", f.Kind)
	}
	if f.Cursor != "" {
		parts, err := decodeCursor("w", f.Cursor, 2)
		if err != nil {
			return nil, "", err
		}
		micros, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil {
			return nil, "", ErrInvalidCursor
		}
		w.add("(created_at, id) < (?, ?)", s.d.ts(time.UnixMicro(micros).UTC()), parts[1])
	}
	limit := pageLimit(f.Limit)
	query := "SELECT " + writeBackColumns + " FROM writebacks" + w.String() +
		" ORDER BY created_at DESC, id DESC LIMIT " + w.arg(limit+1)
	rows, err := s.db.QueryContext(ctx, query, w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("store: list write-backs: %w", err)
	}
	defer rows.Close()
	var list []WriteBack
	for rows.Next() {
		wb, err := scanWriteBack(rows)
		if err != nil {
			return nil, "", fmt.Errorf("store: list write-backs: %w", err)
		}
		list = append(list, wb)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("store: list write-backs: %w", err)
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		next = encodeCursor("w", strconv.FormatInt(last.CreatedAt.UnixMicro(), 10), last.ID)
	}
	return list, next, nil
}
