package store_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/store"
)

// growthRecords is how many rows BenchmarkStoreGrowth writes per phase.
const growthRecords = 10_000

// BenchmarkStoreGrowth measures what the audit log and the write-back queue
// cost on disk with SQLite, rows and indexes included: the size of
// idcmd.db (closed, so the WAL is checkpointed into it) after writing
// growthRecords rows of the shape a write command with incident context
// writes, minus the empty store's size. Then it prunes (or purges) every
// row and writes as many again: SQLite reuses the freed pages, so the file
// grows by about nothing, which is what bounds it under a retention. Run:
//
//	go test ./store/ -run '^$' -bench StoreGrowth -benchtime 1x
func BenchmarkStoreGrowth(b *testing.B) {
	b.Run("audit", func(b *testing.B) {
		for range b.N {
			benchGrowth(b, appendCalls, func(s store.Store) error {
				_, err := store.ExportAndPruneAudit(b.Context(), s, store.PruneOptions{Dir: b.TempDir(), Before: time.Now().Add(time.Hour)})
				return err
			})
		}
	})
	b.Run("writeback", func(b *testing.B) {
		for range b.N {
			benchGrowth(b, deliverWriteBacks, func(s store.Store) error {
				_, err := s.PurgeWriteBacks(b.Context(), time.Now().Add(time.Hour))
				return err
			})
		}
	})
}

func benchGrowth(b *testing.B, write func(*testing.B, store.Store, int), remove func(store.Store) error) {
	dir := b.TempDir()
	size := func() int64 {
		fi, err := os.Stat(filepath.Join(dir, "idcmd.db"))
		if err != nil {
			b.Fatal(err)
		}
		return fi.Size()
	}
	phase := func(f func(store.Store)) int64 {
		s, err := store.Open(b.Context(), "", dir)
		if err != nil {
			b.Fatal(err)
		}
		f(s)
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		return size()
	}
	empty := phase(func(store.Store) {})
	full := phase(func(s store.Store) { write(b, s, 0) })
	var took time.Duration
	again := phase(func(s store.Store) {
		start := time.Now()
		if err := remove(s); err != nil {
			b.Fatal(err)
		}
		took = time.Since(start)
		write(b, s, growthRecords)
	})
	b.ReportMetric(float64(full-empty)/growthRecords, "bytes/row")
	b.ReportMetric(float64(again-full)/growthRecords, "bytes/row-after-removal")
	b.Logf("empty %d bytes; %d rows: %d bytes; all removed (in %v) and %d written again: %d bytes", empty, growthRecords, full, took.Round(time.Millisecond), growthRecords, again)
}

// appendCalls appends the audit records of n write commands, from 64
// callers: a UUID request ID and idempotency key, arguments and an XSOAR
// incident as the Invoker records them.
func appendCalls(b *testing.B, s store.Store, from int) {
	concurrentlyB(b, func(i int) error {
		i += from
		_, err := s.AppendAudit(b.Context(), store.AuditRecord{
			RequestID: fmt.Sprintf("6f1c2b9e-8d4a-4c3e-9b7f-%012d", i), Subject: "xsoar-integration",
			Command: "okta-suspend-user", Args: []byte(fmt.Sprintf(`{"user":"user%06d@example.com"}`, i%5000)),
			Incident:   []byte(`{"platform":"xsoar","id":"4711","investigation_id":"4711"}`),
			TargetUser: fmt.Sprintf("user%06d@example.com", i%5000), Outcome: "success", DurationMS: 183,
			IdempotencyKey: fmt.Sprintf("c0ffee00-1234-4abc-8def-%012d", i),
		})
		return err
	})
}

// deliverWriteBacks queues n war-room entries and delivers them.
func deliverWriteBacks(b *testing.B, s store.Store, _ int) {
	markdown := "#### idcmd: okta-suspend-user: success\n| | |\n|---|---|\n| User | jdoe@example.com |\n| Status | SUSPENDED |\n" +
		strings.Repeat("| Field | value of a typical width |\n", 6) + "\n*idcmd audit record #12345 (GET /api/v1/audit)*\n"
	concurrentlyB(b, func(int) error {
		_, err := s.EnqueueWriteBack(b.Context(), store.WriteBack{Platform: store.PlatformXSOAR, IncidentID: "4711", InvestigationID: "4711", Markdown: markdown})
		return err
	})
	var claimed []store.WriteBack
	for len(claimed) < growthRecords {
		got, err := s.ClaimWriteBacks(b.Context(), "bench", 500, time.Minute, time.Now().Add(time.Second))
		if err != nil || len(got) == 0 {
			b.Fatalf("claimed %d of %d: %v", len(claimed), growthRecords, err)
		}
		claimed = append(claimed, got...)
	}
	concurrentlyB(b, func(i int) error {
		_, err := s.FinishWriteBack(b.Context(), claimed[i].ID, "bench", store.WriteBackOutcome{Delivered: true, RemoteID: "12@4711"}, time.Now())
		return err
	})
}

// concurrentlyB runs fn(i) for i in [0, growthRecords) from 64 goroutines.
func concurrentlyB(b *testing.B, fn func(i int) error) {
	next := make(chan int)
	errs := make(chan error, 64)
	for range 64 {
		go func() {
			var first error
			for i := range next {
				if err := fn(i); err != nil && first == nil {
					first = err
				}
			}
			errs <- first
		}()
	}
	for i := range growthRecords {
		next <- i
	}
	close(next)
	for range 64 {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
}
