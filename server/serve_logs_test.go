package server

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idcmd/idcmd/config"
)

// slowOutput takes a while for each write, as a terminal or a log shipper
// under load does, so lines are still queued when the server stops.
type slowOutput struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (s *slowOutput) Write(p []byte) (int, error) {
	time.Sleep(5 * time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *slowOutput) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// TestServeWritesTheWholeLog: when Serve returns after its shutdown (the
// SIGTERM path), every access-log line of the calls it answered and its
// last line, "stopped", are in the output, without closing the log writer.
func TestServeWritesTheWholeLog(t *testing.T) {
	cfg := config.Defaults()
	cfg.Auth.JWTSecret = "serve-logs-secret-0123456789abcdef0123"
	cfg.Store.DataDir = t.TempDir()
	out := &slowOutput{}
	logs := NewLogWriter(out)
	defer logs.Close()
	app, err := Build(t.Context(), cfg, NewLogger(logs, "info"), "test")
	if err != nil {
		t.Fatal(err)
	}
	app.Logs = logs
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- app.Serve(ctx, app.Handler, ln) }()
	const calls = 200
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range calls / 8 {
				resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	stop()
	select {
	case err := <-served:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Serve did not return")
	}
	requests, last := 0, ""
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var rec struct{ Msg, Path string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON log line: %q", line)
		}
		if rec.Msg == "request" && rec.Path == "/healthz" {
			requests++
		}
		last = rec.Msg
	}
	if requests != calls || last != "stopped" {
		t.Fatalf("after Serve: %d access-log lines of %d calls, last line %q (want \"stopped\")", requests, calls, last)
	}
}
