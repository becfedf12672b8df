package bench

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

// sandboxCalls is how many state-changing calls BenchmarkSandboxRSS makes
// after its warm-up; the RSS is also read halfway.
const (
	sandboxCalls   = 100_000
	sandboxWarmup  = 5_000
	sandboxCallers = 64
	// Every sandboxIncidentEvery-th call names XSOAR incident 1, so
	// write-backs flow into the fake XSOAR's war room too.
	sandboxIncidentEvery = 10
)

// sandboxUsers are the seeded Okta users the calls cycle over, one per
// lifecycle status: clearing sessions is allowed in every status.
var sandboxUsers = []string{
	oktatest.DemoActiveUser, oktatest.DemoAdminUser, oktatest.DemoSuspendedUser,
	oktatest.DemoLockedUser, oktatest.DemoStagedUser, oktatest.DemoProvisionedUser,
	oktatest.DemoDeprovisionedUser, oktatest.DemoPasswordExpiredUser, oktatest.DemoRecoveryUser,
}

// BenchmarkSandboxRSS builds the real binary (or takes IDCMD_BENCH_BINARY,
// to measure another build in the same session), starts serve --sandbox,
// and sends 100,000 okta-clear-sessions from 64 callers, one in ten
// naming XSOAR incident 1. It reports the resident memory after a warm-up
// of 5,000 calls, after 50,000 and after 100,000 more, and the growth per
// call over the second half: the sandbox's fakes keep bounded logs, so it
// should be near zero once their caps are reached.
func BenchmarkSandboxRSS(b *testing.B) {
	bin := benchBinary(b)
	for range b.N {
		sb := startSandboxBinary(b, bin)
		sb.run(b, sandboxWarmup)
		warm := rssMB(b, sb.pid)
		sb.run(b, sandboxCalls/2)
		half := rssMB(b, sb.pid)
		sb.run(b, sandboxCalls/2)
		full := rssMB(b, sb.pid)
		sb.stop()
		b.ReportMetric(warm, "warm-RSS-MB")
		b.ReportMetric(half, "50k-RSS-MB")
		b.ReportMetric(full, "100k-RSS-MB")
		b.ReportMetric((full-half)*1024*1024/(sandboxCalls/2), "growth-B/call")
	}
}

// sandboxProcess is a running idcmd serve --sandbox.
type sandboxProcess struct {
	cmd    *exec.Cmd
	pid    int
	url    string
	token  string
	client *http.Client
	calls  atomic.Int64 // calls made so far, to pick users and incidents
}

var announcedAddr = regexp.MustCompile(`Swagger UI:\s+http://([0-9.:]+)/`)

func startSandboxBinary(b *testing.B, bin string) *sandboxProcess {
	b.Helper()
	cmd := exec.Command(bin, "serve", "--sandbox", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "IDCMD_LOG_LEVEL=warn", "IDCMD_JWT_SECRET=", "IDCMD_DATA_DIR=", "IDCMD_STORE_URL=")
	cmd.Stderr = io.Discard
	p := &sandboxProcess{cmd: cmd}
	ready := make(chan struct{})
	cmd.Stdout = &announcement{ready: ready, p: p}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	p.pid = cmd.Process.Pid
	b.Cleanup(p.stop)
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		b.Fatal("the sandbox did not announce IDCMD_TOKEN within 30 s")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 2 * sandboxCallers
	p.client = &http.Client{Transport: tr, Timeout: time.Minute}
	return p
}

// run makes n okta-clear-sessions calls from sandboxCallers goroutines and
// fails the benchmark if any is not answered 200.
func (p *sandboxProcess) run(b *testing.B, n int) {
	b.Helper()
	var wg sync.WaitGroup
	var left atomic.Int64
	left.Store(int64(n))
	var failed atomic.Int64
	var firstErr atomic.Value
	for range sandboxCallers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				i := p.calls.Add(1)
				body := `{"user":"` + sandboxUsers[int(i)%len(sandboxUsers)] + `"`
				if i%sandboxIncidentEvery == 0 {
					body += `,"incident":{"platform":"xsoar","id":"1"}`
				}
				body += "}"
				if err := p.clearSessions(body); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d calls failed; first: %v", f, n, firstErr.Load())
	}
}

func (p *sandboxProcess) clearSessions(body string) error {
	req, _ := http.NewRequest(http.MethodPost, p.url+"/api/v1/commands/okta-clear-sessions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+p.token)
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("status %d: %s", resp.StatusCode, msg)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return nil
}

// announcement reads serve's standard output for the announced address
// and IDCMD_TOKEN, and discards the rest.
type announcement struct {
	ready   chan struct{}
	p       *sandboxProcess
	partial []byte
	done    bool
}

func (a *announcement) Write(b []byte) (int, error) {
	if a.done {
		return len(b), nil
	}
	a.partial = append(a.partial, b...)
	for {
		i := bytes.IndexByte(a.partial, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := string(a.partial[:i])
		a.partial = a.partial[i+1:]
		if m := announcedAddr.FindStringSubmatch(line); m != nil {
			a.p.url = "http://" + m[1]
		}
		if tok, ok := strings.CutPrefix(line, "export IDCMD_TOKEN="); ok {
			a.p.token = tok
			a.done, a.partial = true, nil
			close(a.ready)
			return len(b), nil
		}
	}
}

func (p *sandboxProcess) stop() { stopProcess(nil, p.cmd) }
