package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// postgresConns bounds the connections one idcmd process opens. Writes other
// than audit appends run concurrently, each in a short transaction, so a
// pool of this size keeps up with many callers while several replicas stay
// well under PostgreSQL's default max_connections (100).
const postgresConns = 16

// openPostgres opens the PostgreSQL database named by the pgx connection URL
// dsn.
//
// Durability: a commit returns once PostgreSQL has flushed its WAL
// (synchronous_commit=on, the server default); the store does not lower it.
//
// Concurrency across replicas: audit appends lock audit_head's single row
// (SELECT … FOR UPDATE) in the appending transaction, so the chain is linear
// whichever replica appends; idempotency claims and approval decisions lock
// the row they decide on; write-back claims lock the rows they lease and skip
// those another replica is leasing. Every rule therefore holds between
// processes, not only between goroutines.
func openPostgres(ctx context.Context, dsn string) (Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: postgres DSN: %w", err)
	}
	db := sql.OpenDB(pgConnector{cfg: cfg})
	db.SetMaxOpenConns(postgresConns)
	db.SetMaxIdleConns(postgresConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("store: connect to postgres: %w", err), db.Close())
	}
	d := postgresDialect()
	if err := migrate(ctx, db, d); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	b := newBatcher(db, d, nil)
	b.relaxInTx = func(ctx context.Context, tx *sql.Tx, relaxed bool) error {
		if !relaxed {
			return nil
		}
		// The commit returns before the WAL is flushed; PostgreSQL flushes it
		// within wal_writer_delay. Only this transaction is affected.
		_, err := tx.ExecContext(ctx, "SET LOCAL synchronous_commit TO OFF")
		return err
	}
	return &sqlStore{d: d, db: db, batch: b, closers: []func() error{db.Close}}, nil
}
