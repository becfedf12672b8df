package server

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkAccessLogLine logs one access-log line (the fields api's
// accessLog writes) to a file from 64 goroutines: straight to the file, as
// idcmd did, and through a LogWriter, as it does now.
func BenchmarkAccessLogLine(b *testing.B) {
	line := func(log *slog.Logger) {
		log.LogAttrs(context.Background(), slog.LevelInfo, "request",
			slog.String("request_id", "6f1c2d0e-6d1b-4c53-9a4e-2b9f0c1e7a10"), slog.String("method", "POST"),
			slog.String("path", "/api/v1/commands/okta-get-user"), slog.Int("status", 200), slog.Float64("latency_ms", 1.234),
			slog.String("remote_ip", "127.0.0.1"), slog.String("subject", "xsoar"), slog.String("command", "okta-get-user"))
	}
	for _, variant := range []struct {
		name string
		out  func(f *os.File) (io.Writer, func())
	}{
		{"direct", func(f *os.File) (io.Writer, func()) { return f, func() {} }},
		{"logwriter", func(f *os.File) (io.Writer, func()) { l := NewLogWriter(f); return l, func() { _ = l.Close() } }},
	} {
		b.Run(variant.name, func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "stdout.log"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			w, done := variant.out(f)
			log := NewLogger(w, "info")
			b.ReportAllocs()
			b.SetParallelism(32)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					line(log)
				}
			})
			done()
		})
	}
}
