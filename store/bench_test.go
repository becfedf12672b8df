package store_test

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idcmd/idcmd/store"
)

// benchCallers is the concurrency of the lead's target: at least 1,000 write
// commands per second at 64 concurrent callers on SQLite.
const benchCallers = 64

// benchWriteCall measures what the Invoker does for every write command with
// an Idempotency-Key: claim the key, append the audit record, store the
// response. Each is durable before it returns. The calls/s metric is the
// figure to compare with the target.
func benchWriteCall(b *testing.B, s store.Store) {
	var n atomic.Int64
	args := []byte(`{"user":"jdoe@example.com"}`)
	resp := store.StoredResponse{
		Status: 200,
		Header: map[string]string{"Content-Type": "application/json"},
		Body:   []byte(`{"command":"okta-suspend-user","outputs":{"id":"00u1","status":"SUSPENDED"}}`),
	}
	// RunParallel starts parallelism × GOMAXPROCS goroutines.
	b.SetParallelism((benchCallers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := b.Context()
		for pb.Next() {
			i := n.Add(1)
			k := store.IdemKey{Subject: "soar", Key: fmt.Sprintf("bench-%d", i), Command: "okta-suspend-user"}
			claim, err := s.BeginIdempotent(ctx, k, "request-hash", 24*time.Hour)
			if err != nil || claim.State != store.IdemNew {
				b.Errorf("BeginIdempotent = %v, %v", claim.State, err)
				return
			}
			rec, err := s.AppendAudit(ctx, store.AuditRecord{
				RequestID: fmt.Sprintf("req-%d", i), Subject: "soar", Command: "okta-suspend-user",
				Args: args, TargetUser: "jdoe@example.com", Outcome: "success", DurationMS: 12,
				IdempotencyKey: k.Key,
			})
			if err != nil {
				b.Errorf("AppendAudit: %v", err)
				return
			}
			if rec.Seq == 0 {
				b.Errorf("AppendAudit assigned no Seq")
				return
			}
			if err := s.CompleteIdempotent(ctx, k, resp); err != nil {
				b.Errorf("CompleteIdempotent: %v", err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

func BenchmarkWriteCallSQLite(b *testing.B) {
	benchWriteCall(b, mustOpen(b, "", b.TempDir()))
}

func BenchmarkWriteCallPostgres(b *testing.B) {
	benchWriteCall(b, mustOpen(b, freshSchema(b), ""))
}
