package store

import (
	"context"
	"database/sql"
	"fmt"
)

// The methods in this file exist only in test builds. They let the shared
// suite (storetest.Tamperer) change the audit table behind the store's back,
// the way someone with write access to the database could, to prove that
// VerifyAudit notices.

// tamperableColumns are the audit columns a test may overwrite.
var tamperableColumns = map[string]bool{
	"detail": true, "subject": true, "command": true, "outcome": true, "args": true,
	"target_user": true, "hash": true, "prev_hash": true, "incident_id": true,
}

func (s *sqlStore) TamperAuditForTest(ctx context.Context, seq int64, column, value string) error {
	if !tamperableColumns[column] {
		return fmt.Errorf("column %q cannot be tampered with", column)
	}
	return s.bypassAuditTriggers(ctx, "audit", "UPDATE audit SET "+column+" = $1 WHERE seq = $2", value, seq)
}

func (s *sqlStore) DeleteAuditForTest(ctx context.Context, seq int64) error {
	return s.bypassAuditTriggers(ctx, "audit", "DELETE FROM audit WHERE seq = $1", seq)
}

func (s *sqlStore) SetAuditAnchorForTest(ctx context.Context, seq int64, hash string) error {
	return s.bypassAuditTriggers(ctx, "audit_anchor", "UPDATE audit_anchor SET seq = $1, hash = $2 WHERE id = 1", seq, hash)
}

func (s *sqlStore) ExecForTest(ctx context.Context, statement string) error {
	return s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, statement)
		return err
	})
}

// bypassAuditTriggers runs one statement against table (audit or
// audit_anchor) with its triggers out of the way, in one transaction that puts them back: on
// PostgreSQL by disabling them (what a table owner can do), on SQLite by
// dropping and recreating them (what anyone who can write the file can do).
func (s *sqlStore) bypassAuditTriggers(ctx context.Context, table, statement string, args ...any) error {
	return s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if s.d.name == postgresName {
			if _, err := tx.ExecContext(ctx, "ALTER TABLE "+table+" DISABLE TRIGGER USER"); err != nil {
				return err
			}
			if err := execOne(ctx, tx, statement, args...); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "ALTER TABLE "+table+" ENABLE TRIGGER USER")
			return err
		}

		rows, err := tx.QueryContext(ctx, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = $1", table)
		if err != nil {
			return err
		}
		triggers := map[string]string{}
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				rows.Close()
				return err
			}
			triggers[name] = def
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for name := range triggers {
			if _, err := tx.ExecContext(ctx, "DROP TRIGGER "+name); err != nil {
				return err
			}
		}
		if err := execOne(ctx, tx, statement, args...); err != nil {
			return err
		}
		for _, def := range triggers {
			if _, err := tx.ExecContext(ctx, def); err != nil {
				return err
			}
		}
		return nil
	})
}

func execOne(ctx context.Context, tx *sql.Tx, statement string, args ...any) error {
	res, err := tx.ExecContext(ctx, statement, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("%s: %d rows affected, want 1 (%v)", statement, n, err)
	}
	return nil
}
