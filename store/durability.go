package store

import "context"

type relaxedKey struct{}

// WithRelaxedDurability marks the writes made with ctx as ones that may
// skip the disk flush: they are committed (visible, and on SQLite written to
// the WAL file, so they survive a crash of idcmd itself) before the call
// returns, but a power loss or an operating-system crash in the next moments
// can lose them. idcmd uses it for the audit records of read-only calls,
// whose flush would otherwise dominate their latency; everything that
// changes state keeps the full flush.
//
// A batch of the group commit is relaxed only if every write in it is, so a
// durable write never waits on less than a flush, and its flush also makes
// every relaxed write before it durable (the WAL is sequential).
func WithRelaxedDurability(ctx context.Context) context.Context {
	return context.WithValue(ctx, relaxedKey{}, true)
}

func relaxed(ctx context.Context) bool {
	v, _ := ctx.Value(relaxedKey{}).(bool)
	return v
}
