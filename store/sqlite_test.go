package store

import (
	"path/filepath"
	"testing"
)

// The durability promise rests on these settings; a typo in a DSN pragma
// would silently drop them, so they are read back from the connections.
func TestSQLiteDurabilitySettings(t *testing.T) {
	st, err := Open(t.Context(), "", filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := st.(*sqlStore)

	var journal string
	var synchronous, busy, tempStore int
	w := s.batch.db
	if err := w.QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&journal); err != nil {
		t.Fatal(err)
	}
	if err := w.QueryRowContext(t.Context(), "PRAGMA synchronous").Scan(&synchronous); err != nil {
		t.Fatal(err)
	}
	if err := w.QueryRowContext(t.Context(), "PRAGMA busy_timeout").Scan(&busy); err != nil {
		t.Fatal(err)
	}
	if err := w.QueryRowContext(t.Context(), "PRAGMA temp_store").Scan(&tempStore); err != nil {
		t.Fatal(err)
	}
	if journal != "wal" || synchronous != 2 || busy < 1000 || tempStore != 2 {
		t.Errorf("writer: journal_mode=%s synchronous=%d busy_timeout=%d temp_store=%d; want wal, 2 (FULL), ≥1000 ms, 2 (MEMORY)",
			journal, synchronous, busy, tempStore)
	}
	if stats := w.Stats(); stats.MaxOpenConnections != 1 {
		t.Errorf("writer pool allows %d connections, want 1", stats.MaxOpenConnections)
	}
	if _, err := s.db.ExecContext(t.Context(), "DELETE FROM idempotency"); err == nil {
		t.Error("the read pool accepted a write; want query_only")
	}
}
