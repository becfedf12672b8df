package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/idcmd/idcmd/store"
)

// The write-back purge must stay cheap however long the queue is: it reads
// the finished rows past the cutoff through writebacks_due, never the queued
// or delivering ones and never the whole table. The seed is the worst case
// for it: many queued rows due long ago (an XSOAR down for a day).
func TestWriteBackPurgeUsesIndex(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "idcmd.db")
		mustOpen(t, "sqlite:"+path, "")
		db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		long := time.Now().Add(-24 * time.Hour).UnixMicro()
		if _, err := db.ExecContext(t.Context(), `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
			INSERT INTO writebacks (id, platform, incident_id, markdown, status, attempts, next_attempt_at, created_at)
			SELECT 'wb_seed' || i, 'xsoar', 'inc' || (i % 100), 'x', CASE WHEN i % 100 = 0 THEN 'delivered' ELSE 'queued' END, 1, $2, $2 FROM n`,
			claimSeed, long); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(t.Context(), "ANALYZE"); err != nil {
			t.Fatal(err)
		}
		plan := sqlitePlan(t, db, store.PurgeQueryForTest("sqlite"), time.Now().UnixMicro(), 1000)
		checkPlan(t, plan, "writebacks_due (status=? AND next_attempt_at<?)", "SCAN writebacks")
	})
	t.Run("Postgres", func(t *testing.T) {
		postgresURL(t)
		dsn := freshSchema(t)
		mustOpen(t, dsn, "")
		conn, err := pgx.Connect(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		long := time.Now().Add(-24 * time.Hour)
		if _, err := conn.Exec(t.Context(), `INSERT INTO writebacks
			(id, platform, incident_id, markdown, status, attempts, next_attempt_at, created_at)
			SELECT 'wb_seed' || i, 'xsoar', 'inc' || (i % 100), 'x', CASE WHEN i % 100 = 0 THEN 'delivered' ELSE 'queued' END, 1, $2, $2
			FROM generate_series(1, $1::int) AS i`, claimSeed, long); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(t.Context(), "ANALYZE writebacks"); err != nil {
			t.Fatal(err)
		}
		plan := postgresPlan(t, conn, store.PurgeQueryForTest("postgres"), time.Now(), 1000)
		checkPlan(t, plan, "writebacks_due", "Seq Scan on writebacks")
		checkPlan(t, plan, "writebacks_pkey", "Seq Scan")
	})
}
