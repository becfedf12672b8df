package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// defaultApprovalTTL is how long an approval stays pending when the caller
// sets no ExpiresAt.
const defaultApprovalTTL = time.Hour

// idEncoding is lower-case base32 without padding: URL-safe, easy to read
// aloud or paste, and case-insensitive.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newID returns prefix and 20 random base32 characters (100 bits), so IDs
// cannot be guessed or enumerated.
func newID(prefix string) string {
	var b [13]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never returns an error
	return prefix + idEncoding.EncodeToString(b[:])[:20]
}

// newApprovalID returns "apr_" and 20 random base32 characters.
func newApprovalID() string { return newID("apr_") }

const approvalColumns = `id, status, command, args, incident, requester, request_id, reason,
	created_at, expires_at, approver, comment, decided_at, result, audit_seq, finished_at, effective_command`

func scanApproval(row rowScanner) (Approval, error) {
	var a Approval
	var args, incident, result scanBytes
	var created, expires, decided, finished scanTime
	err := row.Scan(&a.ID, &a.Status, &a.Command, &args, &incident, &a.Requester, &a.RequestID, &a.Reason,
		&created, &expires, &a.Approver, &a.Comment, &decided, &result, &a.AuditSeq, &finished, &a.Effective)
	if err != nil {
		return Approval{}, err
	}
	a.Args = json.RawMessage(args)
	a.Incident = json.RawMessage(incident)
	a.Result = json.RawMessage(result)
	a.CreatedAt = created.t
	a.ExpiresAt = expires.t
	a.DecidedAt = decided.ptr()
	a.FinishedAt = finished.ptr()
	return a, nil
}

// getApproval reads one approval through q (the pool or a transaction);
// lock adds the dialect's row lock when q is a write transaction.
func (s *sqlStore) getApproval(ctx context.Context, q rowQuerier, id string, lock bool) (Approval, error) {
	query := "SELECT " + approvalColumns + " FROM approvals WHERE id = $1"
	if lock {
		query += s.d.forUpdate
	}
	a, err := scanApproval(q.QueryRowContext(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Approval{}, fmt.Errorf("store: approval %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Approval{}, fmt.Errorf("store: get approval %s: %w", id, err)
	}
	return a, nil
}

// rowQuerier is *sql.DB or *sql.Tx.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *sqlStore) CreateApproval(ctx context.Context, a Approval) (Approval, error) {
	if a.Command == "" || a.Requester == "" {
		return Approval{}, errors.New("store: an approval needs a command and a requester")
	}
	if err := checkJSON("approval args", a.Args); err != nil {
		return Approval{}, err
	}
	if err := checkJSON("approval incident", a.Incident); err != nil {
		return Approval{}, err
	}
	a = Approval{
		ID:        newApprovalID(),
		Status:    ApprovalPending,
		Command:   a.Command,
		Effective: cleanText(a.Effective),
		Args:      nilIfEmpty(a.Args),
		Incident:  nilIfEmpty(a.Incident),
		Requester: a.Requester,
		RequestID: a.RequestID,
		Reason:    cleanText(a.Reason),
		CreatedAt: dbNow(),
		ExpiresAt: dbTimeOf(a.ExpiresAt),
	}
	if a.ExpiresAt.IsZero() {
		a.ExpiresAt = a.CreatedAt.Add(defaultApprovalTTL)
	}
	if a.Effective == a.Command {
		a.Effective = ""
	}
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO approvals
			(id, status, command, args, incident, requester, request_id, reason, created_at, expires_at, effective_command)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			a.ID, string(a.Status), a.Command, textArg(a.Args), textArg(a.Incident), a.Requester,
			a.RequestID, a.Reason, s.d.ts(a.CreatedAt), s.d.ts(a.ExpiresAt), a.Effective)
		return err
	})
	if err != nil {
		return Approval{}, fmt.Errorf("store: create approval: %w", err)
	}
	return a, nil
}

func (s *sqlStore) GetApproval(ctx context.Context, id string) (Approval, error) {
	return s.getApproval(ctx, s.db, id, false)
}

func (s *sqlStore) ListApprovals(ctx context.Context, f ApprovalFilter) ([]Approval, string, error) {
	var w where
	if f.Status != "" {
		w.add("status = ?", string(f.Status))
	}
	if f.Requester != "" {
		w.add("requester = ?", f.Requester)
	}
	if f.Command != "" {
		// As asked or as resolved: okta-suspend-user finds lock-user's too.
		w.add("(command = ? OR effective_command = ?)", f.Command, f.Command)
	}
	if f.Cursor != "" {
		parts, err := decodeCursor("p", f.Cursor, 2)
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
	query := "SELECT " + approvalColumns + " FROM approvals" + w.String() +
		" ORDER BY created_at DESC, id DESC LIMIT " + w.arg(limit+1)
	rows, err := s.db.QueryContext(ctx, query, w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("store: list approvals: %w", err)
	}
	defer rows.Close()
	var list []Approval
	for rows.Next() {
		a, err := scanApproval(rows)
		if err != nil {
			return nil, "", fmt.Errorf("store: list approvals: %w", err)
		}
		list = append(list, a)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("store: list approvals: %w", err)
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		next = encodeCursor("p", strconv.FormatInt(last.CreatedAt.UnixMicro(), 10), last.ID)
	}
	return list, next, nil
}

// DecideApproval reads the approval with a row lock (PostgreSQL) or inside
// the single writer (SQLite) and updates it only if it is still pending, so
// of two deciders — goroutines or replicas — the second waits, then sees the
// first's decision and gets ErrNotPending.
func (s *sqlStore) DecideApproval(ctx context.Context, id, approver string, approve bool, comment string, now time.Time) (Approval, error) {
	if approver == "" {
		return Approval{}, errors.New("store: decide approval: empty approver")
	}
	now = nowOr(now)
	status := ApprovalRejected
	if approve {
		status = ApprovalApproved
	}
	var out Approval
	var expired bool
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		expired = false // from a run of this batch that was rolled back
		a, err := s.getApproval(ctx, tx, id, true)
		if err != nil {
			return err
		}
		switch {
		case a.Status != ApprovalPending:
			return fmt.Errorf("store: approval %s is %s: %w", id, a.Status, ErrNotPending)
		case SameSubject(approver, a.Requester):
			return fmt.Errorf("store: approval %s: %w", id, ErrSelfApproval)
		case !now.Before(a.ExpiresAt):
			// The expiry is committed even though the caller gets an error.
			expired = true
			out, err = s.setApprovalStatus(ctx, tx, id, ApprovalExpired, "", "", nil)
			return err
		}
		out, err = s.setApprovalStatus(ctx, tx, id, status, approver, cleanText(comment), &now)
		return err
	})
	if err != nil {
		return Approval{}, err
	}
	if expired {
		return out, fmt.Errorf("store: approval %s: %w", id, ErrExpired)
	}
	return out, nil
}

// setApprovalStatus moves a pending approval to status and returns it.
func (s *sqlStore) setApprovalStatus(ctx context.Context, tx *sql.Tx, id string, status ApprovalStatus,
	approver, comment string, decidedAt *time.Time) (Approval, error) {
	var decided any
	if decidedAt != nil {
		decided = s.d.ts(*decidedAt)
	}
	res, err := tx.ExecContext(ctx, `UPDATE approvals SET status = $2, approver = $3, comment = $4, decided_at = $5
		WHERE id = $1 AND status = 'pending'`, id, string(status), approver, comment, decided)
	if err != nil {
		return Approval{}, fmt.Errorf("store: update approval %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return Approval{}, fmt.Errorf("store: update approval %s: %w", id, err)
	} else if n != 1 {
		// Unreachable while the row is locked; kept so a change to the
		// locking cannot turn into a double decision.
		return Approval{}, fmt.Errorf("store: approval %s: %w", id, ErrNotPending)
	}
	return s.getApproval(ctx, tx, id, false)
}

func (s *sqlStore) ClaimApprovalRun(ctx context.Context, id string) (bool, error) {
	n, err := rowsAffected(s.exec(ctx,
		"UPDATE approvals SET status = 'running' WHERE id = $1 AND status = 'approved'", id))
	if err != nil {
		return false, fmt.Errorf("store: claim approval %s: %w", id, err)
	}
	if n == 1 {
		return true, nil
	}
	// Not claimable; tell a wrong ID from a lost race.
	if _, err := s.GetApproval(ctx, id); err != nil {
		return false, err
	}
	return false, nil
}

func (s *sqlStore) FinishApproval(ctx context.Context, id string, status ApprovalStatus, result []byte, auditSeq int64) (Approval, error) {
	if status != ApprovalExecuted && status != ApprovalFailed {
		return Approval{}, fmt.Errorf("store: finish approval %s: status must be executed or failed, got %q", id, status)
	}
	if err := checkJSON("approval result", result); err != nil {
		return Approval{}, err
	}
	var out Approval
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE approvals SET status = $2, result = $3, audit_seq = $4, finished_at = $5
			WHERE id = $1 AND status = 'running'`,
			id, string(status), textArg(result), auditSeq, s.d.ts(dbNow()))
		if err != nil {
			return fmt.Errorf("store: finish approval %s: %w", id, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("store: finish approval %s: %w", id, err)
		}
		if out, err = s.getApproval(ctx, tx, id, false); err != nil {
			return err
		}
		if n != 1 {
			return fmt.Errorf("store: approval %s is %s, not running: %w", id, out.Status, ErrNotPending)
		}
		return nil
	})
	if err != nil {
		return Approval{}, err
	}
	return out, nil
}

func (s *sqlStore) CancelApproval(ctx context.Context, id, requester string, now time.Time) (Approval, error) {
	now = nowOr(now)
	var out Approval
	var expired bool
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		expired = false // from a run of this batch that was rolled back
		a, err := s.getApproval(ctx, tx, id, true)
		if err != nil {
			return err
		}
		switch {
		case !SameSubject(requester, a.Requester):
			return fmt.Errorf("store: approval %s: %w", id, ErrNotRequester)
		case a.Status != ApprovalPending:
			return fmt.Errorf("store: approval %s is %s: %w", id, a.Status, ErrNotPending)
		case !now.Before(a.ExpiresAt):
			expired = true
			out, err = s.setApprovalStatus(ctx, tx, id, ApprovalExpired, "", "", nil)
			return err
		}
		out, err = s.setApprovalStatus(ctx, tx, id, ApprovalCancelled, "", "", &now)
		return err
	})
	if err != nil {
		return Approval{}, err
	}
	if expired {
		return out, fmt.Errorf("store: approval %s: %w", id, ErrExpired)
	}
	return out, nil
}

func (s *sqlStore) ExpireApprovals(ctx context.Context, now time.Time) (int64, error) {
	n, err := rowsAffected(s.exec(ctx,
		"UPDATE approvals SET status = 'expired' WHERE status = 'pending' AND expires_at <= $1", s.d.ts(nowOr(now))))
	if err != nil {
		return 0, fmt.Errorf("store: expire approvals: %w", err)
	}
	return n, nil
}

// nowOr is t as stored, or the current time when t is zero.
func nowOr(t time.Time) time.Time {
	if t.IsZero() {
		return dbNow()
	}
	return dbTimeOf(t)
}

func nilIfEmpty(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	return b
}
