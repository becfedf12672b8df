package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

const (
	sqliteName   = "sqlite"
	postgresName = "postgres"
)

// dialect is what differs between the backends. The rest of the SQL is
// shared: both speak $n placeholders, INSERT … ON CONFLICT DO NOTHING,
// savepoints and row values.
type dialect struct {
	name string
	// forUpdate is appended to a SELECT that reads rows the transaction is
	// about to change, so that a concurrent transaction (another replica)
	// waits instead of deciding on the same old row. SQLite needs none: all
	// its writes are serialized by the single writer.
	forUpdate string
	// skipLocked ends the SELECT that picks write-backs to claim: a row
	// another replica is claiming is skipped rather than waited for, so
	// concurrent claimers split the queue. SQLite needs none, as above.
	skipLocked string
}

func sqliteDialect() dialect { return dialect{name: sqliteName} }

func postgresDialect() dialect {
	return dialect{name: postgresName, forUpdate: " FOR UPDATE", skipLocked: " FOR UPDATE SKIP LOCKED"}
}

// ts is t as the backend stores it: INTEGER microseconds since the epoch on
// SQLite, timestamptz (also microseconds) on PostgreSQL.
func (d dialect) ts(t time.Time) any {
	if d.name == sqliteName {
		return t.UnixMicro()
	}
	return t
}

// sqlStore implements Store on database/sql for both backends.
type sqlStore struct {
	d dialect
	// db serves reads and, on PostgreSQL, the writes other than audit
	// appends, each in a transaction of its own.
	db *sql.DB
	// batch is the group committer: every write on SQLite, audit appends on
	// PostgreSQL.
	batch *batcher
	// closers release the connection pools, last opened first.
	closers []func() error
	// stmts are the group commit's hot statements, prepared once on the
	// SQLite writer connection (see writerStmts). nil on PostgreSQL, where
	// pgx prepares and caches statements per connection by itself.
	stmts writerStmts
}

// writeTx runs fn in a write transaction and commits it before returning.
func (s *sqlStore) writeTx(ctx context.Context, fn txFunc) error {
	if s.d.name == sqliteName {
		return s.batch.do(ctx, fn)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(ctx, tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// writerStmts are statements prepared once on the SQLite writer connection,
// by their text. Parsing an INSERT of twenty columns costs SQLite (C
// compiled to Go) more than running it, and the single writer's time per
// write is what bounds the group commit's throughput. tx.StmtContext reuses
// the statement already prepared on the writer connection rather than
// preparing it again. A nil writerStmts (PostgreSQL) runs every query as is.
type writerStmts map[string]*sql.Stmt

// exec runs query in tx, as its prepared statement if there is one.
func (ws writerStmts) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st, ok := ws[query]; ok {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// queryRow is exec for a query that returns one row.
func (ws writerStmts) queryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st, ok := ws[query]; ok {
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// exec runs one write statement and returns once it is committed. On
// PostgreSQL a single statement is its own transaction, which saves the
// BEGIN and COMMIT round trips; on SQLite it joins the writer's next batch.
func (s *sqlStore) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s.d.name == postgresName {
		return s.db.ExecContext(ctx, query, args...)
	}
	var res sql.Result
	err := s.batch.do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		res, err = s.stmts.exec(ctx, tx, query, args...)
		return err
	})
	return res, err
}

// rowsAffected is how many rows the statement that returned res, err changed.
func rowsAffected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (s *sqlStore) Close() error {
	s.batch.close()
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	return errors.Join(errs...)
}

// dbTimeOf is t as the store keeps it: UTC, truncated to microseconds, the
// precision both backends store. Truncating before hashing or returning
// means what a caller gets back is exactly what a later read returns.
func dbTimeOf(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

func dbNow() time.Time { return dbTimeOf(time.Now()) }

// scanTime scans a time column of either backend; valid is false for NULL.
type scanTime struct {
	t     time.Time
	valid bool
}

func (x *scanTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*x = scanTime{}
	case int64:
		*x = scanTime{t: time.UnixMicro(v).UTC(), valid: true}
	case time.Time:
		*x = scanTime{t: dbTimeOf(v), valid: true}
	default:
		return fmt.Errorf("store: cannot scan %T as a time", v)
	}
	return nil
}

func (x scanTime) ptr() *time.Time {
	if !x.valid {
		return nil
	}
	t := x.t
	return &t
}

// scanBytes scans a nullable TEXT or BLOB column into a fresh byte slice;
// NULL gives nil.
type scanBytes []byte

func (x *scanBytes) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*x = nil
	case string:
		*x = []byte(v)
	case []byte:
		*x = append([]byte(nil), v...)
	default:
		return fmt.Errorf("store: cannot scan %T as bytes", v)
	}
	return nil
}

// textArg is b as a nullable TEXT argument: NULL when empty, so that nil and
// empty JSON read back the same on both backends.
func textArg(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// where builds a WHERE clause with numbered placeholders.
type where struct {
	conds []string
	args  []any
}

// add appends cond, whose ? marks are replaced in order by placeholders for
// args.
func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

// arg adds one argument and returns its placeholder.
func (w *where) arg(a any) string {
	w.args = append(w.args, a)
	return "$" + strconv.Itoa(len(w.args))
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// Paging limits shared by ListAudit and ListApprovals.
const (
	defaultPageLimit = 50
	maxPageLimit     = 500
)

func pageLimit(n int) int {
	switch {
	case n <= 0:
		return defaultPageLimit
	case n > maxPageLimit:
		return maxPageLimit
	}
	return n
}

// Cursors are opaque to callers: a kind letter (so an audit cursor is not
// accepted by ListApprovals) and the key of the last row of the page, in
// URL-safe base64 so a cursor can go into a query string as is.
func encodeCursor(kind string, parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + "|" + strings.Join(parts, "|")))
}

func decodeCursor(kind, cursor string, n int) ([]string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, ErrInvalidCursor
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != n+1 || parts[0] != kind {
		return nil, ErrInvalidCursor
	}
	return parts[1:], nil
}
