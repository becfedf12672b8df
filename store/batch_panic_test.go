package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/idcmd/idcmd/panics"
)

// A panic in one write is that write's error: it is rolled back, the other
// writes of its batch commit, and the group commit goes on.
func TestBatchContainsAPanickingWrite(t *testing.T) {
	st, err := Open(t.Context(), "", filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := st.(*sqlStore)
	if _, err := s.batch.db.ExecContext(t.Context(), "CREATE TABLE scratch (k TEXT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	insert := func(key string) txFunc {
		return func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO scratch (k) VALUES ($1)", key)
			return err
		}
	}
	boom := func(ctx context.Context, tx *sql.Tx) error {
		if err := insert("rolled-back")(ctx, tx); err != nil {
			return err
		}
		panic("boom")
	}
	// One batch of three, the middle one panicking (the savepoint path).
	ops := []*batchOp{
		{ctx: t.Context(), fn: insert("a"), done: make(chan struct{})},
		{ctx: t.Context(), fn: boom, done: make(chan struct{})},
		{ctx: t.Context(), fn: insert("b"), done: make(chan struct{})},
	}
	s.batch.run(ops)
	var pe *panics.Error
	if ops[0].err != nil || !errors.As(ops[1].err, &pe) || ops[2].err != nil {
		t.Fatalf("batch errors = %v, %v, %v; want nil, a contained panic, nil", ops[0].err, ops[1].err, ops[2].err)
	}
	// A lone write that panics, through the loop.
	if err := s.batch.do(t.Context(), boom); !errors.As(err, &pe) {
		t.Fatalf("do(panicking write) = %v, want a contained panic", err)
	}
	if err := s.batch.do(t.Context(), insert("c")); err != nil {
		t.Fatalf("a write after the panics: %v", err)
	}
	var keys []string
	rows, err := s.db.QueryContext(t.Context(), "SELECT k FROM scratch ORDER BY k")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if len(keys) != 3 || keys[0] != "a" || keys[1] != "b" || keys[2] != "c" {
		t.Errorf("committed keys = %v, want [a b c]: the panicking writes rolled back, the others kept", keys)
	}
}
