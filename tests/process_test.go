package tests

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/xsoar/xsoartest"
	"github.com/idcmd/idcmd/store/storetest"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// idcmdBinary builds cmd/idcmd once per test run.
func idcmdBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "idcmd-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "idcmd")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/idcmd").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// proc is one running idcmd process.
type proc struct {
	cmd *exec.Cmd
	url string
}

// startIdcmd runs the real binary with env and waits until it listens.
func startIdcmd(t *testing.T, env map[string]string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(idcmdBinary(t), append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, "IDCMD_LOG_LEVEL=info")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "idcmd listening" {
				addr <- line.Addr
			}
		}
	}()
	p := &proc{cmd: cmd}
	t.Cleanup(func() { p.kill() })
	select {
	case a := <-addr:
		p.url = "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatal("idcmd did not start")
	}
	return p
}

func (p *proc) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_ = p.cmd.Wait()
	}
}

// post sends a command to a process.
func (p *proc) post(t *testing.T, path, tok, key, body string) (int, map[string]any) {
	req, _ := http.NewRequest(http.MethodPost, p.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

func (p *proc) get(t *testing.T, path, tok string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, p.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestKillNineLosesNoAcknowledgedAudit kills idcmd with SIGKILL under a
// stream of write commands, restarts it on the same data directory, and
// checks that every acknowledged call's audit record is there and that the
// chain verifies.
func TestKillNineLosesNoAcknowledgedAudit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	fake := oktatest.NewServer(oktatest.Options{Seed: true})
	defer fake.Close()
	env := map[string]string{"IDCMD_JWT_SECRET": testSecret, "OKTA_BASE_URL": fake.URL, "OKTA_API_TOKEN": fake.Token, "IDCMD_DATA_DIR": t.TempDir()}
	p := startIdcmd(t, env)
	tok := token(t, allScopes...)
	body := fmt.Sprintf(`{"user":%q}`, oktatest.DemoActiveUser)

	type ack struct {
		seq   int64
		reqID string
	}
	var (
		mu    sync.Mutex
		acks  []ack
		count atomic.Int64
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				status, m := p.post(t, "/api/v1/commands/okta-clear-sessions", tok, fmt.Sprintf("w%d-%d", w, i), body)
				if status != 200 {
					continue // the process died under this call: not acknowledged
				}
				mu.Lock()
				acks = append(acks, ack{int64(m["audit_id"].(float64)), m["request_id"].(string)})
				mu.Unlock()
				count.Add(1)
			}
		}()
	}
	deadline := time.Now().Add(60 * time.Second)
	for count.Load() < 150 {
		if time.Now().After(deadline) {
			close(stop)
			wg.Wait()
			t.Fatalf("only %d calls acknowledged in a minute", count.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.kill() // SIGKILL mid-stream
	close(stop)
	wg.Wait()

	p2 := startIdcmd(t, env)
	auditor := tokenFor(t, "auditor", "audit:read")
	stored := map[int64]string{}
	cursor := ""
	for {
		m := p2.get(t, "/api/v1/audit?limit=500&cursor="+cursor, auditor)
		for _, r := range asList(m["records"]) {
			r := r.(map[string]any)
			stored[int64(r["seq"].(float64))] = r["request_id"].(string)
		}
		cursor, _ = m["next_cursor"].(string)
		if cursor == "" {
			break
		}
	}
	for _, a := range acks {
		if stored[a.seq] != a.reqID {
			t.Errorf("acknowledged call %s (audit %d) has no record after the crash", a.reqID, a.seq)
		}
	}
	p2.kill()
	verify := exec.Command(idcmdBinary(t), "audit", "verify")
	verify.Env = []string{"IDCMD_DATA_DIR=" + env["IDCMD_DATA_DIR"]}
	out, err := verify.CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"ok": true`) {
		t.Errorf("idcmd audit verify after the crash: %v\n%s", err, out)
	}
	t.Logf("%d calls acknowledged before SIGKILL; %d records after restart", len(acks), len(stored))
}

// postgresSchema creates a fresh schema on the test PostgreSQL and returns a
// URL whose connections use it, or skips when there is no PostgreSQL.
func postgresSchema(t *testing.T) string { return storetest.PostgresURL(t) }

// TestTwoReplicasOnPostgres: two idcmd processes sharing one PostgreSQL
// honour one idempotency key and run one approval once.
func TestTwoReplicasOnPostgres(t *testing.T) {
	dsn := postgresSchema(t)
	fake := oktatest.NewServer(oktatest.Options{Seed: true})
	defer fake.Close()
	env := map[string]string{"IDCMD_JWT_SECRET": testSecret, "OKTA_BASE_URL": fake.URL, "OKTA_API_TOKEN": fake.Token, "IDCMD_STORE_URL": dsn}
	a, b := startIdcmd(t, env), startIdcmd(t, env)
	tok := token(t, allScopes...)

	// One key, sent to both replicas at once: Okta sees one suspension.
	fake.SetLatency(150 * time.Millisecond)
	before := fake.Org().EventCount()
	body := fmt.Sprintf(`{"user":%q}`, oktatest.DemoActiveUser)
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := []*proc{a, b}[i%2]
			statuses[i], _ = p.post(t, "/api/v1/commands/okta-suspend-user", tok, "one-key", body)
		}()
	}
	wg.Wait()
	if n := fake.Org().EventCount() - before; n != 1 {
		t.Errorf("two replicas ran one idempotency key %d times (statuses %v)", n, statuses)
	}
	fake.SetLatency(0)

	// One approval, approved on both replicas at once: it runs once.
	status, m := a.post(t, "/api/v1/commands/okta-deactivate-user", tok, "", fmt.Sprintf(`{"user":%q}`, oktatest.DemoSuspendedUser))
	if status != 202 {
		t.Fatalf("deactivate: %d %v", status, m)
	}
	id := m["approval"].(map[string]any)["id"].(string)
	before = fake.Org().EventCount()
	ok := atomic.Int64{}
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := []*proc{a, b}[i%2]
			if s, _ := p.post(t, "/api/v1/approvals/"+id+"/approve", tokenFor(t, fmt.Sprintf("approver-%d", i), "approvals:decide"), "", ""); s == 200 {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Errorf("%d approvals succeeded across two replicas", ok.Load())
	}
	if n := fake.Org().EventCount() - before; n != 1 {
		t.Errorf("the approved command ran %d times", n)
	}
}

// fastRetryConfig writes a config file that retries write-backs quickly,
// so the tests wait for deliveries rather than for backoff.
func fastRetryConfig(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "idcmd.yaml")
	if err := os.WriteFile(path, []byte("writeback:\n  base_backoff: 50ms\n  max_backoff: 300ms\n  max_attempts: 1000\n  lease: 2s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestWritebacksSurviveRestart: entries queued while XSOAR is down survive
// a kill -9 of idcmd and are delivered once by the restarted process.
func TestWritebacksSurviveRestart(t *testing.T) {
	fake := oktatest.NewServer(oktatest.Options{Seed: true})
	defer fake.Close()
	xs := xsoartest.NewServer(xsoartest.Options{APIKey: "k"})
	defer xs.Close()
	inc := xs.AddIncident("restart", 1)
	xs.SetDown(true)
	env := map[string]string{"IDCMD_JWT_SECRET": testSecret, "OKTA_BASE_URL": fake.URL, "OKTA_API_TOKEN": fake.Token,
		"IDCMD_DATA_DIR": t.TempDir(), "XSOAR_URL": xs.URL, "XSOAR_API_KEY": "k"}
	cfg := fastRetryConfig(t)
	p := startIdcmd(t, env, "--config", cfg)
	tok := token(t, allScopes...)
	const n = 20
	for i := range n {
		status, m := p.post(t, "/api/v1/commands/okta-get-user", tok, "", fmt.Sprintf(`{"user":%q,"incident":{"platform":"xsoar","id":%q}}`, oktatest.DemoActiveUser, inc))
		if status != 200 || m["writeback"] == nil {
			t.Fatalf("call %d: %d %v", i, status, m)
		}
	}
	p.kill()
	if got := len(xs.Entries(inc)); got != 0 {
		t.Fatalf("%d entries delivered while XSOAR was down", got)
	}
	xs.SetDown(false)
	startIdcmd(t, env, "--config", cfg)
	eventually(t, "every queued entry", func() bool { return len(xs.Entries(inc)) >= n })
	time.Sleep(300 * time.Millisecond) // let a duplicate, if any, arrive
	if got := len(xs.Entries(inc)); got != n {
		t.Errorf("%d entries for %d calls", got, n)
	}
}

// TestTwoReplicasDeliverEachWritebackOnce: two idcmd processes on one
// PostgreSQL share the queue; each entry reaches XSOAR once.
func TestTwoReplicasDeliverEachWritebackOnce(t *testing.T) {
	dsn := postgresSchema(t)
	fake := oktatest.NewServer(oktatest.Options{Seed: true})
	defer fake.Close()
	xs := xsoartest.NewServer(xsoartest.Options{APIKey: "k"})
	defer xs.Close()
	inc := xs.AddIncident("replicas", 1)
	xs.SetLatency(20 * time.Millisecond)
	env := map[string]string{"IDCMD_JWT_SECRET": testSecret, "OKTA_BASE_URL": fake.URL, "OKTA_API_TOKEN": fake.Token,
		"IDCMD_STORE_URL": dsn, "XSOAR_URL": xs.URL, "XSOAR_API_KEY": "k"}
	cfg := fastRetryConfig(t)
	a, b := startIdcmd(t, env, "--config", cfg), startIdcmd(t, env, "--config", cfg)
	tok := token(t, allScopes...)
	const n = 60
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := []*proc{a, b}[i%2]
			if status, m := p.post(t, "/api/v1/commands/okta-get-user", tok, "", fmt.Sprintf(`{"user":%q,"incident":{"platform":"xsoar","id":%q}}`, oktatest.DemoActiveUser, inc)); status != 200 {
				t.Errorf("call %d: %d %v", i, status, m)
			}
		}()
	}
	wg.Wait()
	eventually(t, "every entry", func() bool { return len(xs.Entries(inc)) >= n })
	time.Sleep(300 * time.Millisecond)
	if got := len(xs.Entries(inc)); got != n {
		t.Errorf("%d entries for %d calls", got, n)
	}
}
