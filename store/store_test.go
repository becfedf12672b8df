package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/store"
	"github.com/idcmd/idcmd/store/storetest"
)

// postgresEnv names the PostgreSQL server the Postgres tests use;
// .ci/postgres.sh starts one and prints the line that sets it.
const postgresEnv = "IDCMD_TEST_POSTGRES_URL"

func mustOpen(t testing.TB, dsn, dataDir string) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dsn, dataDir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func openSQLiteFile(t *testing.T) store.Store { return mustOpen(t, "", t.TempDir()) }

func openSQLiteMemory(t *testing.T) store.Store { return mustOpen(t, "sqlite::memory:", "") }

func TestSQLite(t *testing.T) { storetest.Run(t, openSQLiteFile) }

func TestSQLiteMemory(t *testing.T) { storetest.Run(t, openSQLiteMemory) }

func TestPostgres(t *testing.T) {
	postgresURL(t)
	storetest.Run(t, func(t *testing.T) store.Store { return mustOpen(t, freshSchema(t), "") })
}

// Two Store instances on one SQLite file behave like two idcmd processes on
// one data directory.
func TestSQLiteShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (store.Store, store.Store) {
		dir := t.TempDir()
		return mustOpen(t, "", dir), mustOpen(t, "", dir)
	})
}

// Two Store instances on one PostgreSQL schema behave like two replicas.
func TestPostgresShared(t *testing.T) {
	postgresURL(t)
	storetest.RunShared(t, func(t *testing.T) (store.Store, store.Store) {
		dsn := freshSchema(t)
		return mustOpen(t, dsn, ""), mustOpen(t, dsn, "")
	})
}

// postgresURL returns the test server's URL, or skips the test and says why.
func postgresURL(t testing.TB) string {
	u := os.Getenv(postgresEnv)
	if u == "" {
		t.Skip(postgresEnv + " not set: PostgreSQL backend not tested")
	}
	return u
}

// freshSchema is storetest.PostgresURL: an empty schema for one test.
func freshSchema(t testing.TB) string { return storetest.PostgresURL(t) }

func TestOpenSQLiteCreatesPrivateDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "idcmd")
	s := mustOpen(t, "sqlite", dir)
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("data directory mode = %o, want 700", perm)
	}
	if _, err := os.Stat(filepath.Join(dir, "idcmd.db")); err != nil {
		t.Errorf("database file: %v", err)
	}
	if _, err := s.AppendAudit(t.Context(), store.AuditRecord{Command: "c", Outcome: "success"}); err != nil {
		t.Fatal(err)
	}
}

// Reopening runs the migrations again (a no-op) and continues the chain.
func TestReopenContinuesChain(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(t.Context(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.AppendAudit(t.Context(), store.AuditRecord{Command: "c", Outcome: "success"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendAudit(t.Context(), store.AuditRecord{Command: "c", Outcome: "success"}); err == nil {
		t.Error("AppendAudit after Close succeeded")
	}

	s = mustOpen(t, "sqlite:"+filepath.Join(dir, "idcmd.db"), "")
	second, err := s.AppendAudit(t.Context(), store.AuditRecord{Command: "c", Outcome: "success"})
	if err != nil {
		t.Fatal(err)
	}
	if second.Seq != 2 || second.PrevHash != first.Hash {
		t.Errorf("after reopening: Seq %d PrevHash %s, want 2 linked to %s", second.Seq, second.PrevHash, first.Hash)
	}
	if v, err := s.VerifyAudit(t.Context()); err != nil || !v.OK || v.Checked != 2 {
		t.Errorf("VerifyAudit = %+v, %v", v, err)
	}
}

func TestOpenRejectsBadDSN(t *testing.T) {
	for _, tt := range []struct{ dsn, dataDir, want string }{
		{"mysql://root:secret@localhost/idcmd", "", `unsupported DSN scheme "mysql"`},
		{"", "", "data directory is required"},
		{"postgres://user:secret@127.0.0.1:1/idcmd?connect_timeout=1", "", "postgres"},
	} {
		s, err := store.Open(t.Context(), tt.dsn, tt.dataDir)
		if err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", tt.dsn)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q) error = %q, want it to mention %q and not the password", tt.dsn, err, tt.want)
		}
	}
}

// A write queued by a caller that has given up is not run.
func TestCancelledContext(t *testing.T) {
	s := openSQLiteFile(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.AppendAudit(ctx, store.AuditRecord{Command: "c", Outcome: "success"}); !errors.Is(err, context.Canceled) {
		t.Errorf("AppendAudit with a cancelled context: error = %v, want context.Canceled", err)
	}
	r, err := s.AppendAudit(t.Context(), store.AuditRecord{Command: "c", Outcome: "success"})
	if err != nil || r.Seq != 1 {
		t.Errorf("next AppendAudit = Seq %d, %v; want 1", r.Seq, err)
	}
}
