package server

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

// A panic in a supervised loop (housekeeping) is logged and the loop starts
// again; the loop ends when its context does.
func TestSuperviseRestartsAfterAPanic(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var runs atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		supervise(ctx, slog.New(slog.DiscardHandler), "housekeeping", time.Millisecond, func(ctx context.Context) {
			if runs.Add(1) <= 2 {
				panic("a task failed")
			}
			<-ctx.Done()
		})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for runs.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the loop ran %d times, want it restarted after each panic", runs.Load())
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
}
