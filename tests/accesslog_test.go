package tests

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

// TestSIGTERMWritesTheWholeAccessLog runs the real binary, whose log lines
// are queued and written to stdout by one writer goroutine, sends calls
// from many callers, stops it with SIGTERM and reads stdout to its end:
// every call has its access-log line, in today's format, and the last line
// is "stopped".
func TestSIGTERMWritesTheWholeAccessLog(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and signals the real binary")
	}
	fake := oktatest.NewServer(oktatest.Options{Seed: true})
	defer fake.Close()
	cmd := exec.Command(idcmdBinary(t), "serve", "--addr", "127.0.0.1:0")
	cmd.Env = []string{"IDCMD_JWT_SECRET=" + testSecret, "OKTA_BASE_URL=" + fake.URL, "OKTA_API_TOKEN=" + fake.Token,
		"IDCMD_DATA_DIR=" + t.TempDir(), "IDCMD_LOG_LEVEL=info"}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd}
	t.Cleanup(p.kill)
	var lines []string
	addr, eof := make(chan string, 1), make(chan struct{})
	go func() {
		defer close(eof)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			var l struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "idcmd listening" {
				addr <- l.Addr
			}
		}
	}()
	select {
	case a := <-addr:
		p.url = "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatal("idcmd did not start")
	}

	tok := token(t, "commands:read")
	const callers, each = 16, 25
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if status, m := p.post(t, "/api/v1/commands/okta-get-user", tok, "", `{"user":"`+oktatest.DemoActiveUser+`"}`); status != http.StatusOK {
					t.Errorf("okta-get-user: %d %v", status, m)
				}
			}
		}()
	}
	wg.Wait()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-eof:
	case <-time.After(60 * time.Second):
		t.Fatal("idcmd's stdout did not end after SIGTERM")
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("idcmd did not exit cleanly: %v", err)
	}

	// The access log's fields, as api.accessLog writes them.
	want := []string{"command", "latency_ms", "level", "method", "msg", "path", "remote_ip", "request_id", "status", "subject", "time"}
	calls := 0
	for _, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON log line: %q", line)
		}
		if rec["msg"] != "request" || rec["path"] != "/api/v1/commands/okta-get-user" {
			continue
		}
		calls++
		keys := make([]string, 0, len(rec))
		for k := range rec {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, want) || rec["status"] != float64(200) || rec["subject"] != "tester" || rec["command"] != "okta-get-user" {
			t.Fatalf("access-log line %s: fields %v, want %v", line, keys, want)
		}
	}
	if calls != callers*each {
		t.Errorf("%d access-log lines for %d calls", calls, callers*each)
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, `"msg":"stopped"`) {
		t.Errorf("last line %q, want the shutdown's \"stopped\"", last)
	}
}
