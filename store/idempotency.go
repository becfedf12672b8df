package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

func (s *sqlStore) BeginIdempotent(ctx context.Context, k IdemKey, requestHash string, ttl time.Duration) (IdemClaim, error) {
	if k.Key == "" {
		return IdemClaim{}, errors.New("store: empty idempotency key")
	}
	if ttl <= 0 {
		return IdemClaim{}, fmt.Errorf("store: idempotency ttl must be positive, got %v", ttl)
	}
	// The common case, a key never seen, needs one statement; the
	// transaction below handles a key that exists.
	n, err := rowsAffected(s.exec(ctx, idemInsert, k.Subject, k.Key, k.Command, requestHash, s.d.ts(dbNow())))
	if err != nil {
		return IdemClaim{}, fmt.Errorf("store: begin idempotent %q: %w", k.Key, err)
	}
	if n == 1 {
		return IdemClaim{State: IdemNew}, nil
	}
	var claim IdemClaim
	err = s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		claim, err = s.beginIdempotentTx(ctx, tx, k, requestHash, ttl)
		return err
	})
	if err != nil {
		return IdemClaim{}, fmt.Errorf("store: begin idempotent %q: %w", k.Key, err)
	}
	return claim, nil
}

// idemInsert claims a key unless it is already claimed.
const idemInsert = `INSERT INTO idempotency (subject, idem_key, command, request_hash, state, created_at)
	VALUES ($1, $2, $3, $4, 'in_progress', $5)
	ON CONFLICT (subject, idem_key) DO NOTHING`

// idemComplete stores the response of a claim in progress.
const idemComplete = `UPDATE idempotency
	SET state = 'completed', status = $3, header = $4, body = $5, completed_at = $6
	WHERE subject = $1 AND idem_key = $2 AND state = 'in_progress'`

// beginIdempotentTx claims the key with an insert that does nothing when
// the key exists, then reads and locks the existing row to tell the caller
// why. On PostgreSQL the insert waits for a concurrent uncommitted claim of
// the same key to commit, so of two concurrent Begins exactly one inserts;
// on SQLite the writer runs them one after the other.
func (s *sqlStore) beginIdempotentTx(ctx context.Context, tx *sql.Tx, k IdemKey, requestHash string, ttl time.Duration) (IdemClaim, error) {
	// A claim can vanish between the insert and the read (released or
	// purged by another replica); then the insert is tried again.
	for range 3 {
		now := dbNow()
		n, err := rowsAffected(s.stmts.exec(ctx, tx, idemInsert, k.Subject, k.Key, k.Command, requestHash, s.d.ts(now)))
		if err != nil {
			return IdemClaim{}, err
		}
		if n == 1 {
			return IdemClaim{State: IdemNew}, nil
		}

		var command, hash, state string
		var status int64
		var header, body scanBytes
		var created scanTime
		err = tx.QueryRowContext(ctx, `SELECT command, request_hash, state, status, header, body, created_at
			FROM idempotency WHERE subject = $1 AND idem_key = $2`+s.d.forUpdate, k.Subject, k.Key).
			Scan(&command, &hash, &state, &status, &header, &body, &created)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return IdemClaim{}, err
		}

		switch {
		case now.Sub(created.t) >= ttl:
			// Expired: as if absent. The row lock makes one replacer win;
			// the others then read the new claim and see it in progress.
			_, err := tx.ExecContext(ctx, `UPDATE idempotency
				SET command = $3, request_hash = $4, state = 'in_progress', status = 0,
				    header = NULL, body = NULL, created_at = $5, completed_at = NULL
				WHERE subject = $1 AND idem_key = $2`,
				k.Subject, k.Key, k.Command, requestHash, s.d.ts(now))
			if err != nil {
				return IdemClaim{}, err
			}
			return IdemClaim{State: IdemNew}, nil
		case command != k.Command || hash != requestHash:
			return IdemClaim{State: IdemMismatch}, nil
		case state == "completed":
			resp := StoredResponse{Status: int(status)}
			if len(header) > 0 {
				if err := json.Unmarshal(header, &resp.Header); err != nil {
					return IdemClaim{}, fmt.Errorf("stored header: %w", err)
				}
			}
			if len(body) > 0 {
				resp.Body = body
			}
			return IdemClaim{State: IdemReplay, Response: resp}, nil
		default:
			return IdemClaim{State: IdemInProgress}, nil
		}
	}
	return IdemClaim{}, errors.New("the key changed hands too often, try again")
}

func (s *sqlStore) CompleteIdempotent(ctx context.Context, k IdemKey, resp StoredResponse) error {
	var header any
	if len(resp.Header) > 0 {
		b, err := json.Marshal(resp.Header)
		if err != nil {
			return fmt.Errorf("store: complete idempotent %q: header: %w", k.Key, err)
		}
		header = string(b)
	}
	var body any
	if len(resp.Body) > 0 {
		body = resp.Body
	}
	err := claimed(s.exec(ctx, idemComplete, k.Subject, k.Key, resp.Status, header, body, s.d.ts(dbNow())))
	if err != nil {
		return fmt.Errorf("store: complete idempotent %q: %w", k.Key, err)
	}
	return nil
}

func (s *sqlStore) ReleaseIdempotent(ctx context.Context, k IdemKey) error {
	err := claimed(s.exec(ctx,
		"DELETE FROM idempotency WHERE subject = $1 AND idem_key = $2 AND state = 'in_progress'",
		k.Subject, k.Key))
	if err != nil {
		return fmt.Errorf("store: release idempotent %q: %w", k.Key, err)
	}
	return nil
}

func (s *sqlStore) PurgeIdempotent(ctx context.Context, olderThan time.Time) (int64, error) {
	n, err := rowsAffected(s.exec(ctx, "DELETE FROM idempotency WHERE created_at < $1", s.d.ts(dbTimeOf(olderThan))))
	if err != nil {
		return 0, fmt.Errorf("store: purge idempotency keys: %w", err)
	}
	return n, nil
}

// claimed turns the result of a statement that changes an in-progress claim
// into ErrNotFound when there was none.
func claimed(res sql.Result, err error) error {
	n, err := rowsAffected(res, err)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("no claim in progress: %w", ErrNotFound)
	}
	return nil
}
