package store_test

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/idcmd/idcmd/store"
)

// cpuTime is the CPU time (user and system) this process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the process's CPU time per op since start as cpu-µs/op:
// the callers' share (the same for every store) and the store's, which on
// SQLite is mostly its single writer. On a shared machine it is steadier than
// the wall time, which other processes' load stretches.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((cpuTime(b)-start).Microseconds())/float64(b.N), "cpu-µs/op")
}

// benchCallers is the concurrency of the lead's target: at least 1,000 write
// commands per second at 64 concurrent callers on SQLite.
const benchCallers = 64

// benchWriteCall measures what the Invoker does for every write command with
// an Idempotency-Key: claim the key, append the audit record, store the
// response. Each is durable before it returns. The calls/s metric is the
// figure to compare with the target. With writeBack, every call also queues
// an incident write-back with its record, the worst case (only calls with
// incident context do).
func benchWriteCall(b *testing.B, s store.Store, writeBack bool) {
	var n atomic.Int64
	args := []byte(`{"user":"jdoe@example.com"}`)
	resp := store.StoredResponse{
		Status: 200,
		Header: map[string]string{"Content-Type": "application/json"},
		Body:   []byte(`{"command":"okta-suspend-user","outputs":{"id":"00u1","status":"SUSPENDED"}}`),
	}
	// A typical entry: a headline, a few table rows and a readable table.
	markdown := "#### idcmd: okta-suspend-user: done\n| | |\n|---|---|\n" +
		strings.Repeat("| User | jdoe@example.com |\n", 12)
	// RunParallel starts parallelism × GOMAXPROCS goroutines.
	b.SetParallelism((benchCallers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	start := cpuTime(b)
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
			r := store.AuditRecord{
				RequestID: fmt.Sprintf("req-%d", i), Subject: "soar", Command: "okta-suspend-user",
				Args: args, TargetUser: "jdoe@example.com", Outcome: "success", DurationMS: 12,
				IdempotencyKey: k.Key,
			}
			if writeBack {
				r.Incident = []byte(`{"platform":"xsoar","id":"4711"}`)
				r.WriteBack = &store.WriteBack{Platform: store.PlatformXSOAR, IncidentID: "4711", InvestigationID: "4711", Markdown: markdown}
			}
			rec, err := s.AppendAudit(ctx, r)
			if err != nil {
				b.Errorf("AppendAudit: %v", err)
				return
			}
			if rec.Seq == 0 || (writeBack && rec.WriteBackID == "") {
				b.Errorf("AppendAudit assigned no Seq or queued no write-back: %+v", rec)
				return
			}
			if err := s.CompleteIdempotent(ctx, k, resp); err != nil {
				b.Errorf("CompleteIdempotent: %v", err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	reportCPU(b, start)
}

func BenchmarkWriteCallSQLite(b *testing.B) {
	benchWriteCall(b, mustOpen(b, "", b.TempDir()), false)
}

func BenchmarkWriteCallPostgres(b *testing.B) {
	benchWriteCall(b, mustOpen(b, freshSchema(b), ""), false)
}

func BenchmarkWriteCallWithWriteBackSQLite(b *testing.B) {
	benchWriteCall(b, mustOpen(b, "", b.TempDir()), true)
}

func BenchmarkWriteCallWithWriteBackPostgres(b *testing.B) {
	benchWriteCall(b, mustOpen(b, freshSchema(b), ""), true)
}

// benchWriteBackDrain measures the store's share of delivering a write-back:
// the worker's claim (in batches of 32) and its outcome, each durable. The
// deliveries/s metric bounds how fast one replica can drain the queue when
// the platforms answer at once.
func benchWriteBackDrain(b *testing.B, s store.Store) {
	ctx := b.Context()
	for i := range b.N {
		if _, err := s.EnqueueWriteBack(store.WithRelaxedDurability(ctx), store.WriteBack{
			Platform: store.PlatformXDR, IncidentID: strconv.Itoa(i % 100), Markdown: "suspended jdoe",
		}); err != nil {
			b.Fatal(err)
		}
	}
	now := time.Now().Add(time.Second)
	b.ResetTimer()
	delivered := 0
	for delivered < b.N {
		claimed, err := s.ClaimWriteBacks(ctx, "bench", 32, time.Minute, now)
		if err != nil || len(claimed) == 0 {
			b.Fatalf("claim after %d of %d: %d claimed, %v", delivered, b.N, len(claimed), err)
		}
		for _, wb := range claimed {
			if _, err := s.FinishWriteBack(ctx, wb.ID, "bench", store.WriteBackOutcome{Delivered: true, RemoteID: "1"}, now); err != nil {
				b.Fatal(err)
			}
		}
		delivered += len(claimed)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
}

func BenchmarkWriteBackDrainSQLite(b *testing.B) {
	benchWriteBackDrain(b, mustOpen(b, "", b.TempDir()))
}

func BenchmarkWriteBackDrainPostgres(b *testing.B) {
	benchWriteBackDrain(b, mustOpen(b, freshSchema(b), ""))
}

// benchAppend measures the audit record alone, appended by benchCallers
// concurrent callers: with relaxed, a read-only call's record (idcmd marks
// it WithRelaxedDurability), otherwise a write's, flushed before it returns.
// The records/s metric is what the group commit sustains, cpu-µs/op what
// each record costs.
func benchAppend(b *testing.B, s store.Store, relaxed bool) {
	var n atomic.Int64
	args := []byte(`{"user":"jdoe@example.com"}`)
	b.SetParallelism((benchCallers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	start := cpuTime(b)
	b.RunParallel(func(pb *testing.PB) {
		ctx := b.Context()
		if relaxed {
			ctx = store.WithRelaxedDurability(ctx)
		}
		for pb.Next() {
			i := n.Add(1)
			rec, err := s.AppendAudit(ctx, store.AuditRecord{
				RequestID: fmt.Sprintf("req-%d", i), Subject: "soar", Command: "okta-get-user",
				Args: args, TargetUser: "jdoe@example.com", Outcome: "success", ProviderStatus: 200, DurationMS: 3,
			})
			if err != nil || rec.Seq == 0 {
				b.Errorf("AppendAudit = %d, %v", rec.Seq, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	reportCPU(b, start)
}

func BenchmarkAppendRelaxedSQLite(b *testing.B) {
	benchAppend(b, mustOpen(b, "", b.TempDir()), true)
}

func BenchmarkAppendDurableSQLite(b *testing.B) {
	benchAppend(b, mustOpen(b, "", b.TempDir()), false)
}

func BenchmarkAppendRelaxedPostgres(b *testing.B) {
	benchAppend(b, mustOpen(b, freshSchema(b), ""), true)
}

func BenchmarkAppendDurablePostgres(b *testing.B) {
	benchAppend(b, mustOpen(b, freshSchema(b), ""), false)
}
