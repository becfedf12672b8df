package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// PostgresEnv names the test PostgreSQL (.ci/run starts one and sets it).
const PostgresEnv = "IDCMD_TEST_POSTGRES_URL"

// PostgresURL creates an empty schema on the test PostgreSQL for one test,
// drops it when the test ends (after the test's stores are closed), and
// returns a URL whose search_path points at it, so tests never see each
// other's rows; it skips the test when PostgresEnv is not set. Two stores
// opened on the URL are two replicas sharing one database.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip(PostgresEnv + " not set: PostgreSQL tests skipped (.ci/run sets it)")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "idcmd_test_" + hex.EncodeToString(b[:])
	exec := func(stmt string) error {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, stmt)
		return err
	}
	if err := exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if err := exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
