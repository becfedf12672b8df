package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/idcmd/idcmd/store"
)

// A queued write-back survives a restart, and so does one a crashed replica
// was delivering: it is claimable again once its lease runs out.
func TestWriteBacksSurviveReopen(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		testWriteBacksSurviveReopen(t, "sqlite:"+filepath.Join(t.TempDir(), "idcmd.db"))
	})
	t.Run("Postgres", func(t *testing.T) {
		postgresURL(t)
		testWriteBacksSurviveReopen(t, freshSchema(t))
	})
}

func testWriteBacksSurviveReopen(t *testing.T, dsn string) {
	s, err := store.Open(t.Context(), dsn, "")
	if err != nil {
		t.Fatal(err)
	}
	inc := &store.WriteBack{Platform: store.PlatformXSOAR, IncidentID: "4711", Markdown: "suspended jdoe"}
	rec, err := s.AppendAudit(t.Context(), store.AuditRecord{Command: "okta-suspend-user", Outcome: "success", WriteBack: inc})
	if err != nil {
		t.Fatal(err)
	}
	alone, err := s.EnqueueWriteBack(t.Context(), store.WriteBack{Platform: store.PlatformXDR, IncidentID: "12", Markdown: "approved"})
	if err != nil {
		t.Fatal(err)
	}
	orphan, err := s.EnqueueWriteBack(t.Context(), store.WriteBack{Platform: store.PlatformXDR, IncidentID: "13", Markdown: "x"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Add(time.Second)
	const lease = time.Minute
	// The claim takes all three; the process then "dies" before any outcome.
	if got, err := s.ClaimWriteBacks(t.Context(), "old-process", 10, lease, now); err != nil || len(got) != 3 {
		t.Fatalf("claim before the restart = %d, %v; want 3", len(got), err)
	}
	for _, id := range []string{rec.WriteBackID, alone.ID} {
		if _, err := s.FinishWriteBack(t.Context(), id, "old-process", store.WriteBackOutcome{Err: "HTTP 503", RetryAt: now}, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = mustOpen(t, dsn, "")
	for id, want := range map[string]store.WriteBackStatus{
		rec.WriteBackID: store.WriteBackQueued, alone.ID: store.WriteBackQueued, orphan.ID: store.WriteBackDelivering,
	} {
		wb, err := s.GetWriteBack(t.Context(), id)
		if err != nil || wb.Status != want {
			t.Errorf("after the restart %s is %q, %v; want %q", id, wb.Status, err, want)
		}
	}
	got, err := s.ClaimWriteBacks(t.Context(), "new-process", 10, time.Hour, now)
	if err != nil || len(got) != 2 {
		t.Fatalf("claim after the restart = %d, %v; want the 2 queued ones", len(got), err)
	}
	got, err = s.ClaimWriteBacks(t.Context(), "new-process", 10, lease, now.Add(lease))
	if err != nil || len(got) != 1 || got[0].ID != orphan.ID || got[0].Attempts != 2 {
		t.Fatalf("claim after the lease = %+v, %v; want %s on its second attempt", got, err, orphan.ID)
	}
}

// claimSeed is how many finished write-backs the claim must look past.
const claimSeed = 10000

// The claim must stay cheap however many delivered rows the queue keeps: the
// database must find due rows through writebacks_due, not by a full scan.
func TestWriteBackClaimUsesIndex(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "idcmd.db")
		s := mustOpen(t, "sqlite:"+path, "")
		db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		long := time.Now().Add(-24 * time.Hour).UnixMicro()
		if _, err := db.ExecContext(t.Context(), `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
			INSERT INTO writebacks (id, platform, incident_id, markdown, status, attempts, next_attempt_at, created_at, delivered_at)
			SELECT 'wb_seed' || i, 'xsoar', 'inc' || (i % 100), 'done', 'delivered', 1, $2, $2, $2 FROM n`,
			claimSeed, long); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(t.Context(), "ANALYZE"); err != nil {
			t.Fatal(err)
		}
		plan := sqlitePlan(t, db, store.ClaimQueryForTest("sqlite"), time.Now().UnixMicro(), 32, "w", time.Now().UnixMicro())
		checkPlan(t, plan, "writebacks_due", "SCAN writebacks")
		checkClaimCost(t, s)
	})
	t.Run("Postgres", func(t *testing.T) {
		postgresURL(t)
		dsn := freshSchema(t)
		s := mustOpen(t, dsn, "")
		conn, err := pgx.Connect(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		long := time.Now().Add(-24 * time.Hour)
		if _, err := conn.Exec(t.Context(), `INSERT INTO writebacks
			(id, platform, incident_id, markdown, status, attempts, next_attempt_at, created_at, delivered_at)
			SELECT 'wb_seed' || i, 'xsoar', 'inc' || (i % 100), 'done', 'delivered', 1, $2, $2, $2
			FROM generate_series(1, $1::int) AS i`, claimSeed, long); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(t.Context(), "ANALYZE writebacks"); err != nil {
			t.Fatal(err)
		}
		plan := postgresPlan(t, conn, store.ClaimQueryForTest("postgres"), time.Now(), 32, "w", time.Now())
		checkPlan(t, plan, "writebacks_due", "Seq Scan on writebacks")
		checkClaimCost(t, s)
	})
}

// sqlitePlan is EXPLAIN QUERY PLAN of query with args: one detail line per
// step.
func sqlitePlan(t *testing.T, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// postgresPlan is PostgreSQL's EXPLAIN of query with args, a line per row.
func postgresPlan(t *testing.T, conn *pgx.Conn, query string, args ...any) []string {
	t.Helper()
	rows, err := conn.Query(t.Context(), "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func checkPlan(t *testing.T, plan []string, want, refuse string) {
	t.Helper()
	text := strings.Join(plan, "\n")
	t.Logf("claim plan:\n%s", text)
	if !strings.Contains(text, want) || strings.Contains(text, refuse) {
		t.Errorf("the claim does not use %s, or does %q:\n%s", want, refuse, text)
	}
}

// checkClaimCost claims a few due write-backs past the seeded delivered ones
// and logs how long it took; the plan check above is what the test relies
// on, timings on a shared machine are not.
func checkClaimCost(t *testing.T, s store.Store) {
	t.Helper()
	var want []string
	for range 5 {
		wb, err := s.EnqueueWriteBack(t.Context(), store.WriteBack{Platform: store.PlatformXDR, IncidentID: "1", Markdown: "x"})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, wb.ID)
	}
	now := time.Now().Add(time.Second)
	start := time.Now()
	got, err := s.ClaimWriteBacks(t.Context(), "w", 32, time.Minute, now)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, wb := range got {
		ids = append(ids, wb.ID)
	}
	slices.Sort(ids)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("claimed %v, want the 5 queued %v", ids, want)
	}
	start = time.Now()
	if again, err := s.ClaimWriteBacks(t.Context(), "w", 32, time.Minute, now); err != nil || len(again) != 0 {
		t.Errorf("empty claim = %d, %v", len(again), err)
	}
	t.Logf("with %d delivered rows: claim of 5 took %v, an empty claim %v", claimSeed, took, time.Since(start))
}

// A poll that finds nothing due costs no write transaction: the worker
// polls every second, and on SQLite each write transaction is a turn of the
// single writer and a flush.
func TestClaimWithNothingDueBeginsNoTransaction(t *testing.T) {
	s := mustOpen(t, "sqlite:"+filepath.Join(t.TempDir(), "idcmd.db"), "")
	now := time.Now()
	wb, err := s.EnqueueWriteBack(t.Context(), store.WriteBack{Platform: store.PlatformXSOAR, IncidentID: "4711", Markdown: "later"})
	if err != nil {
		t.Fatal(err)
	}
	began := store.RecordDurabilityForTest(s)
	// Queued "now" by the store's clock: not yet due a second earlier.
	if got, err := s.ClaimWriteBacks(t.Context(), "w", 10, time.Minute, now.Add(-time.Second)); err != nil || len(got) != 0 {
		t.Fatalf("claim before it is due = %v, %v; want none", got, err)
	}
	if n := len(began()); n != 0 {
		t.Fatalf("a claim with nothing due began %d write transactions; want 0", n)
	}
	got, err := s.ClaimWriteBacks(t.Context(), "w", 10, time.Minute, now.Add(time.Second))
	if err != nil || len(got) != 1 || got[0].ID != wb.ID {
		t.Fatalf("claim once due = %v, %v; want %s", got, err, wb.ID)
	}
	if n := len(began()); n != 1 {
		t.Fatalf("a claim that leases began %d write transactions; want 1", n)
	}
}
