package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresEnv names the test PostgreSQL (.ci/run starts one and sets it).
const PostgresEnv = "IDCMD_TEST_POSTGRES_URL"

// PostgresURL creates a fresh schema on the test PostgreSQL, dropped when
// the test ends, and returns a URL whose connections use it; it skips the
// test when PostgresEnv is not set. Two stores opened on the URL are two
// replicas sharing one database.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip(PostgresEnv + " not set: PostgreSQL tests skipped (.ci/run sets it)")
	}
	schema := fmt.Sprintf("t_%d", rand.Int64N(1<<40))
	exec := func(stmt string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, stmt)
		return err
	}
	if err := exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = exec("DROP SCHEMA " + schema + " CASCADE") })
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}
