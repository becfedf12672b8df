package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
)

// This file is a minimal database/sql driver over a single pgx.Conn, so the
// PostgreSQL backend shares the SQL of the SQLite one and goose can migrate
// it (goose needs a *sql.DB).
//
// pgx ships such a driver, github.com/jackc/pgx/v5/stdlib, but it imports
// pgxpool and with it github.com/jackc/puddle/v2, which this module does not
// require. Once it does, pgConnector can be replaced by stdlib.GetConnector
// and this file deleted; nothing else changes.
//
// It handles exactly what the store uses: text, bytea, integer, boolean and
// timestamp values, transactions with an isolation level, and connection
// health checks. Statements are prepared and cached by pgx per connection.

// pgConnector opens connections for one parsed configuration. Used through
// sql.OpenDB, it needs no global driver registration.
type pgConnector struct {
	cfg *pgx.ConnConfig
}

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, c.cfg.Copy())
	if err != nil {
		return nil, err
	}
	return &pgConn{conn: conn}, nil
}

func (c pgConnector) Driver() driver.Driver { return pgDriver{} }

// pgDriver exists because driver.Connector must name one; sql.OpenDB never
// calls Open.
type pgDriver struct{}

func (pgDriver) Open(name string) (driver.Conn, error) {
	cfg, err := pgx.ParseConfig(name)
	if err != nil {
		return nil, err
	}
	return pgConnector{cfg: cfg}.Connect(context.Background())
}

type pgConn struct {
	conn *pgx.Conn
}

var (
	_ driver.ConnBeginTx                    = (*pgConn)(nil)
	_ driver.ExecerContext                  = (*pgConn)(nil)
	_ driver.QueryerContext                 = (*pgConn)(nil)
	_ driver.Pinger                         = (*pgConn)(nil)
	_ driver.SessionResetter                = (*pgConn)(nil)
	_ driver.Validator                      = (*pgConn)(nil)
	_ driver.StmtExecContext                = (*pgStmt)(nil)
	_ driver.StmtQueryContext               = (*pgStmt)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*pgRows)(nil)
)

func (c *pgConn) Prepare(query string) (driver.Stmt, error) {
	return &pgStmt{conn: c, query: query}, nil
}

func (c *pgConn) Close() error { return c.conn.Close(context.Background()) }

func (c *pgConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *pgConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	var txo pgx.TxOptions
	switch sql.IsolationLevel(opts.Isolation) {
	case sql.LevelDefault:
	case sql.LevelReadCommitted:
		txo.IsoLevel = pgx.ReadCommitted
	case sql.LevelRepeatableRead, sql.LevelSnapshot:
		txo.IsoLevel = pgx.RepeatableRead
	case sql.LevelSerializable:
		txo.IsoLevel = pgx.Serializable
	default:
		return nil, fmt.Errorf("store: isolation level %v is not supported", sql.IsolationLevel(opts.Isolation))
	}
	if opts.ReadOnly {
		txo.AccessMode = pgx.ReadOnly
	}
	tx, err := c.conn.BeginTx(ctx, txo)
	if err != nil {
		return nil, err
	}
	return pgTx{tx: tx}, nil
}

func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	tag, err := c.conn.Exec(ctx, query, pgArgs(args)...)
	if err != nil {
		return nil, err
	}
	return driver.RowsAffected(tag.RowsAffected()), nil
}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.conn.Query(ctx, query, pgArgs(args)...)
	if err != nil {
		return nil, err
	}
	return &pgRows{rows: rows}, nil
}

func (c *pgConn) Ping(ctx context.Context) error {
	if c.conn.IsClosed() {
		return driver.ErrBadConn
	}
	return c.conn.Ping(ctx)
}

// ResetSession runs before a pooled connection is reused: a connection pgx
// closed (for example after a cancelled query) is handed back as bad so
// database/sql opens a new one.
func (c *pgConn) ResetSession(context.Context) error {
	if c.conn.IsClosed() {
		return driver.ErrBadConn
	}
	return nil
}

func (c *pgConn) IsValid() bool { return !c.conn.IsClosed() }

// pgArgs passes database/sql's already converted values on to pgx.
func pgArgs(named []driver.NamedValue) []any {
	args := make([]any, len(named))
	for i, nv := range named {
		args[i] = nv.Value
	}
	return args
}

type pgTx struct {
	tx pgx.Tx
}

func (t pgTx) Commit() error   { return t.tx.Commit(context.Background()) }
func (t pgTx) Rollback() error { return t.tx.Rollback(context.Background()) }

// pgStmt is a statement "prepared" through database/sql's Prepare; pgx
// prepares and caches it on first use, so it only remembers the query.
type pgStmt struct {
	conn  *pgConn
	query string
}

func (s *pgStmt) Close() error  { return nil }
func (s *pgStmt) NumInput() int { return -1 }

func (s *pgStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), namedValues(args))
}

func (s *pgStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), namedValues(args))
}

func (s *pgStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.conn.ExecContext(ctx, s.query, args)
}

func (s *pgStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.conn.QueryContext(ctx, s.query, args)
}

func namedValues(args []driver.Value) []driver.NamedValue {
	named := make([]driver.NamedValue, len(args))
	for i, v := range args {
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return named
}

type pgRows struct {
	rows pgx.Rows
}

func (r *pgRows) Columns() []string {
	fields := r.rows.FieldDescriptions()
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	return names
}

func (r *pgRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.rows.Conn().TypeMap().TypeForOID(r.rows.FieldDescriptions()[i].DataTypeOID); ok {
		return t.Name
	}
	return ""
}

func (r *pgRows) Close() error {
	r.rows.Close()
	return r.rows.Err()
}

func (r *pgRows) Next(dest []driver.Value) error {
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return io.EOF
	}
	values, err := r.rows.Values()
	if err != nil {
		return err
	}
	for i, v := range values {
		if dest[i], err = driverValue(v); err != nil {
			return fmt.Errorf("store: column %s: %w", r.rows.FieldDescriptions()[i].Name, err)
		}
	}
	return nil
}

// driverValue narrows what pgx decodes to the types database/sql accepts.
func driverValue(v any) (driver.Value, error) {
	switch v := v.(type) {
	case nil, int64, float64, bool, []byte, string, time.Time:
		return v, nil
	case int32:
		return int64(v), nil
	case int16:
		return int64(v), nil
	case int8:
		return int64(v), nil
	case float32:
		return float64(v), nil
	default:
		return nil, fmt.Errorf("unsupported type %T", v)
	}
}
