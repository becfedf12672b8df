package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/xsoar/xsoartest"
)

// lateXSOAR stands between idcmd and the XSOAR fake: it forwards each
// request at once, so the fake commits the entry, and holds the answer for
// latency while hold is set. That is the worst case for a shutdown: XSOAR
// has the entry, idcmd does not know yet.
type lateXSOAR struct {
	target  string
	latency time.Duration
	hold    atomic.Bool
	held    atomic.Int64 // answers being held right now
}

func (p *lateXSOAR) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	out, err := http.NewRequestWithContext(context.WithoutCancel(r.Context()), r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if p.hold.Load() {
		p.held.Add(1)
		select {
		case <-time.After(p.latency):
		case <-r.Context().Done(): // idcmd gave up on the answer
		}
		p.held.Add(-1)
		if r.Context().Err() != nil {
			return
		}
	}
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(answer)
}

// shutdownRun is one measurement: calls with XSOAR incident context, a
// SIGTERM while their entries are being delivered, a restart on the same
// data directory, and what arrived in the war room.
type shutdownRun struct {
	calls int
	// perEntry counts the war-room entries of each acknowledged call, by
	// the audit record number in the entry's footer.
	perEntry map[int64]int
	// writebacks are the queue rows once all are delivered.
	writebacks []struct {
		ID        string `json:"id"`
		AuditSeq  int64  `json:"audit_seq"`
		Status    string `json:"status"`
		Attempts  int    `json:"attempts"`
		LastError string `json:"last_error"`
	}
	// inFlight is how many deliveries were held at XSOAR at SIGTERM.
	inFlight int64
}

func (r shutdownRun) duplicated() (n int) {
	for _, c := range r.perEntry {
		if c > 1 {
			n++
		}
	}
	return n
}

var footer = regexp.MustCompile(`idcmd audit record #(\d+)`)

// measureShutdown runs the measurement with the given config file contents.
func measureShutdown(t *testing.T, config string) shutdownRun {
	t.Helper()
	fake := oktatest.NewServer(oktatest.Options{Seed: true})
	defer fake.Close()
	xs := xsoartest.NewServer(xsoartest.Options{APIKey: "k"})
	defer xs.Close()
	inc := xs.AddIncident("shutdown", 2)
	proxy := &lateXSOAR{target: xs.URL, latency: 1500 * time.Millisecond}
	proxy.hold.Store(true)
	front := httptest.NewServer(proxy)
	defer front.Close()

	cfgPath := filepath.Join(t.TempDir(), "idcmd.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"IDCMD_JWT_SECRET": testSecret, "OKTA_BASE_URL": fake.URL, "OKTA_API_TOKEN": fake.Token,
		"IDCMD_DATA_DIR": t.TempDir(), "XSOAR_URL": front.URL, "XSOAR_API_KEY": "k"}
	p := startIdcmd(t, env, "--config", cfgPath)
	tok := token(t, allScopes...)

	const n = 24
	run := shutdownRun{calls: n, perEntry: map[int64]int{}}
	acked := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, m := p.post(t, "/api/v1/commands/okta-get-user", tok, "",
				fmt.Sprintf(`{"user":%q,"incident":{"platform":"xsoar","id":%q}}`, oktatest.DemoActiveUser, inc))
			if status != http.StatusOK || m["writeback"] == nil {
				t.Errorf("call %d: %d %v", i, status, m)
				return
			}
			acked[i] = int64(m["audit_id"].(float64))
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	// SIGTERM while a full set of deliveries (the worker's 8 in parallel)
	// is at XSOAR, committed there and waiting for its answer.
	eventually(t, "8 deliveries in flight", func() bool { return proxy.held.Load() == 8 })
	run.inFlight = proxy.held.Load()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("idcmd did not exit cleanly on SIGTERM: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("idcmd did not exit after SIGTERM")
	}

	// Restart on the same data directory; XSOAR answers at once now.
	proxy.hold.Store(false)
	q := startIdcmd(t, env, "--config", cfgPath)
	list := func() bool {
		m := q.get(t, "/api/v1/writebacks?limit=100&incident="+inc, tok)
		b, _ := json.Marshal(m["writebacks"])
		run.writebacks = run.writebacks[:0]
		if err := json.Unmarshal(b, &run.writebacks); err != nil {
			t.Fatal(err)
		}
		for _, wb := range run.writebacks {
			if wb.Status != "delivered" && wb.Status != "failed" {
				return false
			}
		}
		return len(run.writebacks) == n
	}
	eventually(t, "every write-back delivered after the restart", list)
	time.Sleep(300 * time.Millisecond) // let a duplicate, if any, arrive
	for _, e := range xs.Entries(inc) {
		if m := footer.FindStringSubmatch(e.Markdown); m != nil {
			seq, _ := strconv.ParseInt(m[1], 10, 64)
			run.perEntry[seq]++
		}
	}
	for i, seq := range acked {
		if run.perEntry[seq] == 0 {
			t.Errorf("call %d (audit record #%d) has no entry in the war room", i, seq)
		}
	}
	if len(run.perEntry) != n {
		t.Errorf("entries for %d audit records, want %d", len(run.perEntry), n)
	}
	return run
}

// countedAttempts checks that every write-back was delivered and counts
// exactly one attempt, the one that delivered: no attempt cut off by the
// shutdown counts against max_attempts.
func countedAttempts(t *testing.T, run shutdownRun) {
	t.Helper()
	for _, wb := range run.writebacks {
		if wb.Status != "delivered" || wb.Attempts != 1 || wb.LastError != "" {
			t.Errorf("write-back %s (audit #%d): %s after %d attempts, last error %q; want delivered, 1 attempt counted",
				wb.ID, wb.AuditSeq, wb.Status, wb.Attempts, wb.LastError)
		}
	}
}

// The write-back settings of both measurements: a lease long enough that
// an attempt (lease/2 = 5 s) outlasts XSOAR's 1.5 s, quick retries.
const shutdownWriteback = "writeback:\n  base_backoff: 50ms\n  max_backoff: 300ms\n  lease: 10s\n"

// TestSIGTERMDeliversEachWritebackOnce is the measurement: SIGTERM
// with 24 write-backs in flight to an XSOAR that takes the entry at once
// and answers in 1.5 s, then a restart. The deliveries in flight finish
// within the grace (server.shutdown_timeout, 25 s by default) and their
// outcomes are recorded; the rest wait in the queue, uncounted. Each entry
// is in the war room exactly once.
func TestSIGTERMDeliversEachWritebackOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and signals the real binary")
	}
	run := measureShutdown(t, shutdownWriteback)
	t.Logf("SIGTERM with %d deliveries in flight: %d of %d entries duplicated", run.inFlight, run.duplicated(), run.calls)
	for seq, c := range run.perEntry {
		if c != 1 {
			t.Errorf("audit record #%d is in the war room %d times, want once", seq, c)
		}
	}
	countedAttempts(t, run)
}

// TestShutdownGraceShorterThanXSOAR: with a grace shorter than XSOAR's
// latency, the deliveries in flight are cut off. Those attempts do not
// count: after the restart every write-back is delivered with one counted
// attempt. XSOAR had already taken the cut-off entries, so they are in the
// war room twice: delivery is at least once, and the grace exists to make
// this rare.
func TestShutdownGraceShorterThanXSOAR(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and signals the real binary")
	}
	run := measureShutdown(t, shutdownWriteback+"server:\n  shutdown_timeout: 300ms\n")
	t.Logf("grace 300 ms, SIGTERM with %d deliveries in flight: %d of %d entries duplicated (at least once)", run.inFlight, run.duplicated(), run.calls)
	countedAttempts(t, run)
	if d := run.duplicated(); int64(d) > run.inFlight {
		t.Errorf("%d entries duplicated, more than the %d cut off in flight", d, run.inFlight)
	}
}
