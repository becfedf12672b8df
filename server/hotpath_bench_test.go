package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/idcmd/idcmd/auth"
	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

const benchSecret = "bench-secret-0123456789abcdef0123456789"

// BenchmarkOktaGetUser runs okta-get-user through the whole in-process
// path: the Echo handler (token check, access log, command handler,
// Invoker, the read's audit record) and the Okta client over loopback HTTP
// to the fake org, with the log written to a file as idcmd writes stdout.
// 64 callers keep both cores busy, so ns/op × GOMAXPROCS is roughly the CPU
// of one call, the fake's included (see the direct sub-benchmark).
func BenchmarkOktaGetUser(b *testing.B) {
	fake := oktatest.NewServer(oktatest.Options{Seed: true})
	defer fake.Close()
	vars := map[string]string{"IDCMD_JWT_SECRET": benchSecret, "IDCMD_DATA_DIR": b.TempDir(),
		"OKTA_BASE_URL": fake.URL, "OKTA_API_TOKEN": fake.Token}
	cfg, err := config.Load("", func(k string) string { return vars[k] })
	if err != nil {
		b.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(b.TempDir(), "stdout.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer logFile.Close()
	logs, closeLogs := benchLogOutput(logFile)
	defer closeLogs()
	app, err := Build(context.Background(), cfg, NewLogger(logs, "info"), "bench")
	if err != nil {
		b.Fatal(err)
	}
	defer app.Close()
	tok, err := auth.Mint([]byte(benchSecret), "idcmd", "idcmd", "bench", []string{"commands:read"}, time.Hour, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	body := `{"user":"` + oktatest.DemoActiveUser + `"}`
	call := func(b *testing.B) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/commands/okta-get-user", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		app.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	b.Run("idcmd", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(32)
		start := processCPU(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				call(b)
			}
		})
		reportCPU(b, start)
	})
	// direct is the same user read straight from the fake with a plain
	// client: the part of idcmd's figure that is the fake's and the
	// loopback's.
	id, _ := fake.Org().UserID(oktatest.DemoActiveUser)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(32)
		start := processCPU(b)
		defer reportCPU(b, start)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				req, _ := http.NewRequest(http.MethodGet, fake.URL+"/api/v1/users/"+id, nil)
				req.Header.Set("Authorization", "SSWS "+fake.Token)
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	})
}

// processCPU is the CPU time (user and system) this process has used: less
// sensitive than wall time to the other work on a shared machine.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the process's CPU per operation since start, as
// cpu-µs/op: the fake's share included (it runs in this process).
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((processCPU(b)-start).Microseconds())/float64(b.N), "cpu-µs/op")
}
