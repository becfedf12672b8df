package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idcmd/idcmd/auth"
)

// BenchmarkProcess measures idcmd as users run it: the real binary in its
// own process (SQLite on disk, logging at its default level to a file),
// against minfake, the smallest Okta there is, in a second process, with
// this test process as the load generator. Each figure is read beside the
// same load sent straight to minfake in the same round, and a round is
// repeated (IDCMD_BENCH_ROUNDS, default 5); the metrics are the medians over
// rounds, and each round is logged (go test -v) with the machine's load.
//
//   - one caller: okta-get-user through idcmd alternated with the same GET
//     straight to minfake; the medians, p99s and what idcmd adds (targets:
//     +0.3 ms p50, +1 ms p99);
//   - 64 callers: okta-get-user calls/s through idcmd and straight to
//     minfake, and their ratio (target ≥ 0.30);
//   - CPU: user+system time from /proc of idcmd per call, over minfake's
//     per request while it serves idcmd's (target ≤ 2.5 ×);
//   - writes: okta-clear-sessions (GET, DELETE, GET to minfake) each with its
//     own Idempotency-Key, claimed, audited and flushed before the answer,
//     from 64 callers (target ≥ 1,500/s), beside the reads' calls/s.
//
// The same round measures bareproxy, the floor: a Go net/http server that
// makes the same Okta request and sends its body back, doing nothing else
// (floor-* metrics). What idcmd costs above it is idcmd's own work; what
// the floor costs above the direct call, Go's HTTP server and client.
//
// IDCMD_BENCH_BINARY measures another build of idcmd in the same way, and
// IDCMD_BENCH_GOGC runs idcmd (and the floor) with that GOGC.
func BenchmarkProcess(b *testing.B) {
	bin := benchBinary(b)
	fakeBin := buildPackage(b, "./minfake")
	floorBin := buildPackage(b, "./bareproxy")
	rounds := benchRounds()
	for range b.N {
		fake := startMinfake(b, fakeBin)
		idc := startServe(b, bin, fake, "")
		floor := startServe(b, floorBin, fake, "")
		client := loadClient()
		pr := &processRig{client: client, fake: fake, idcmd: idc, floor: floor,
			token: mintToken(b), userBody: `{"user":"` + fake.userID + `"}`}
		pr.warm(b)
		var all []processRound
		for i := range rounds {
			r := pr.round(b)
			all = append(all, r)
			b.Logf("round %d (load %s): %s", i+1, loadAverage(), r)
		}
		med := func(f func(processRound) float64) float64 {
			v := make([]float64, len(all))
			for i, r := range all {
				v[i] = f(r)
			}
			return median(v)
		}
		b.ReportMetric(med(func(r processRound) float64 { return ms(r.directP50) }), "direct-p50-ms")
		b.ReportMetric(med(func(r processRound) float64 { return ms(r.viaP50 - r.directP50) }), "added-p50-ms")
		b.ReportMetric(med(func(r processRound) float64 { return ms(r.directP99) }), "direct-p99-ms")
		b.ReportMetric(med(func(r processRound) float64 { return ms(r.viaP99 - r.directP99) }), "added-p99-ms")
		b.ReportMetric(med(func(r processRound) float64 { return r.directRate }), "direct-calls/s")
		b.ReportMetric(med(func(r processRound) float64 { return r.viaRate }), "idcmd-calls/s")
		b.ReportMetric(med(func(r processRound) float64 { return r.viaRate / r.directRate }), "throughput-ratio")
		b.ReportMetric(med(func(r processRound) float64 { return r.fakeCPU }), "fake-cpu-µs/call")
		b.ReportMetric(med(func(r processRound) float64 { return r.idcmdCPU }), "idcmd-cpu-µs/call")
		b.ReportMetric(med(func(r processRound) float64 { return r.fakeCPUBehind }), "fake-behind-cpu-µs/call")
		b.ReportMetric(med(func(r processRound) float64 { return r.idcmdCPU / r.fakeCPU }), "cpu-ratio-direct")
		b.ReportMetric(med(func(r processRound) float64 { return r.idcmdCPU / r.fakeCPUBehind }), "cpu-ratio")
		b.ReportMetric(med(func(r processRound) float64 { return r.writeRate }), "write-calls/s")
		b.ReportMetric(med(func(r processRound) float64 { return ms(r.floorP50 - r.directP50) }), "floor-added-p50-ms")
		b.ReportMetric(med(func(r processRound) float64 { return ms(r.floorP99 - r.directP99) }), "floor-added-p99-ms")
		b.ReportMetric(med(func(r processRound) float64 { return r.floorRate / r.directRate }), "floor-throughput-ratio")
		b.ReportMetric(med(func(r processRound) float64 { return r.floorCPU }), "floor-cpu-µs/call")
		b.ReportMetric(med(func(r processRound) float64 { return r.floorCPU / r.fakeCPUBehindFloor }), "floor-cpu-ratio")
		floor.stop(b)
		idc.stop(b)
		fake.stop(b)
	}
}

// BenchmarkProcessSyncReadAudit measures what store.sync_read_audit costs
// a read: two idcmd processes against one minfake, one as configured by
// default (a read's audit record is committed after its answer) and one
// with sync_read_audit (the answer waits for the record's flush), called in
// turn by one caller with the direct GET between them. The metrics are the
// medians over IDCMD_BENCH_ROUNDS rounds of 2,000 calls each.
func BenchmarkProcessSyncReadAudit(b *testing.B) {
	bin := benchBinary(b)
	fakeBin := buildPackage(b, "./minfake")
	rounds := benchRounds()
	for range b.N {
		fake := startMinfake(b, fakeBin)
		async := startServe(b, bin, fake, "")
		sync := startServe(b, bin, fake, "store:\n  sync_read_audit: true\n")
		client := loadClient()
		token := mintToken(b)
		body := `{"user":"` + fake.userID + `"}`
		rigs := []*processRig{
			{client: client, fake: fake, idcmd: async, token: token, userBody: body},
			{client: client, fake: fake, idcmd: sync, token: token, userBody: body},
		}
		for _, pr := range rigs {
			pr.warm(b)
		}
		var asyncP50, syncP50, asyncP99, syncP99, directP50 []float64
		for i := range rounds {
			var d, a, s []time.Duration
			for range latencyPairs {
				for _, step := range []struct {
					call func() error
					into *[]time.Duration
				}{{rigs[0].direct, &d}, {rigs[0].getUser, &a}, {rigs[1].getUser, &s}} {
					t0 := time.Now()
					if err := step.call(); err != nil {
						b.Fatal(err)
					}
					*step.into = append(*step.into, time.Since(t0))
				}
			}
			directP50 = append(directP50, ms(percentile(d, .5)))
			asyncP50 = append(asyncP50, ms(percentile(a, .5)))
			syncP50 = append(syncP50, ms(percentile(s, .5)))
			asyncP99 = append(asyncP99, ms(percentile(a, .99)))
			syncP99 = append(syncP99, ms(percentile(s, .99)))
			b.Logf("round %d (load %s): p50 direct %.3f ms, default %.3f ms, sync_read_audit %.3f ms (+%.3f); p99 default %.3f ms, sync_read_audit %.3f ms",
				i+1, loadAverage(), directP50[i], asyncP50[i], syncP50[i], syncP50[i]-asyncP50[i], asyncP99[i], syncP99[i])
		}
		b.ReportMetric(median(directP50), "direct-p50-ms")
		b.ReportMetric(median(asyncP50), "default-p50-ms")
		b.ReportMetric(median(syncP50), "sync-p50-ms")
		b.ReportMetric(median(asyncP99), "default-p99-ms")
		b.ReportMetric(median(syncP99), "sync-p99-ms")
		diffs := make([]float64, rounds)
		for i := range diffs {
			diffs[i] = syncP50[i] - asyncP50[i]
		}
		b.ReportMetric(median(diffs), "sync-added-p50-ms")
		async.stop(b)
		sync.stop(b)
		fake.stop(b)
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// benchRounds is IDCMD_BENCH_ROUNDS, 5 by default.
func benchRounds() int {
	if n, err := strconv.Atoi(os.Getenv("IDCMD_BENCH_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 5
}

// Phase lengths of one round. The 64-caller phases are long enough for
// /proc's 10 ms CPU ticks to be well under 1% of what they measure.
const (
	latencyPairs   = 2000
	loadPhase      = 2 * time.Second
	processCallers = 64
)

type processRound struct {
	directP50, directP99, viaP50, viaP99 time.Duration
	directRate, viaRate, writeRate       float64
	// The floor's (bareproxy's) latency, rate, CPU per call and minfake's
	// CPU per request behind it.
	floorP50, floorP99                      time.Duration
	floorRate, floorCPU, fakeCPUBehindFloor float64
	// CPU in µs per call: minfake's under the direct load, minfake's
	// behind idcmd (the same requests at idcmd's rate), idcmd's.
	fakeCPU, fakeCPUBehind, idcmdCPU float64
}

func (r processRound) String() string {
	return r.idcmdString() + fmt.Sprintf("; floor +%.3f ms p50, +%.3f ms p99, %.2f of direct, %.0f µs (%.2f ×)",
		ms(r.floorP50-r.directP50), ms(r.floorP99-r.directP99), r.floorRate/r.directRate, r.floorCPU, r.floorCPU/r.fakeCPUBehindFloor)
}

func (r processRound) idcmdString() string {
	return fmt.Sprintf("1 caller p50 %.3f→%.3f ms (+%.3f), p99 %.3f→%.3f ms (+%.3f); 64 callers %.0f→%.0f calls/s (%.2f); CPU/call minfake %.0f µs (behind idcmd %.0f µs), idcmd %.0f µs (%.2f ×, %.2f ×); writes %.0f/s",
		ms(r.directP50), ms(r.viaP50), ms(r.viaP50-r.directP50), ms(r.directP99), ms(r.viaP99), ms(r.viaP99-r.directP99),
		r.directRate, r.viaRate, r.viaRate/r.directRate, r.fakeCPU, r.fakeCPUBehind, r.idcmdCPU, r.idcmdCPU/r.fakeCPU, r.idcmdCPU/r.fakeCPUBehind, r.writeRate)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

type processRig struct {
	client   *http.Client
	fake     *minfakeProcess
	idcmd    *serveProcess
	floor    *serveProcess // bareproxy; nil where not measured
	token    string
	userBody string
	keys     atomic.Int64 // Idempotency-Keys used so far
}

func (pr *processRig) direct() error {
	req, _ := http.NewRequest(http.MethodGet, pr.fake.url+"/api/v1/users/"+pr.fake.userID, nil)
	req.Header.Set("Authorization", "SSWS "+pr.fake.token)
	req.Header.Set("Accept", "application/json")
	return sendOK(pr.client, req)
}

func (pr *processRig) getUser() error {
	return sendOK(pr.client, pr.command(pr.idcmd, "okta-get-user", ""))
}

func (pr *processRig) floorGetUser() error {
	return sendOK(pr.client, pr.command(pr.floor, "okta-get-user", ""))
}

func (pr *processRig) clearSessions() error {
	return sendOK(pr.client, pr.command(pr.idcmd, "okta-clear-sessions", "bench-"+strconv.FormatInt(pr.keys.Add(1), 10)))
}

func (pr *processRig) command(to *serveProcess, name, idemKey string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, to.url+"/api/v1/commands/"+name, strings.NewReader(pr.userBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+pr.token)
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	return req
}

// warm opens the connections and fills the caches both paths use.
func (pr *processRig) warm(b *testing.B) {
	calls := []func() error{pr.direct, pr.getUser, pr.clearSessions}
	if pr.floor != nil {
		calls = append(calls, pr.floorGetUser)
	}
	for _, f := range calls {
		if n, err := parallel(processCallers, 300*time.Millisecond, f); err != nil {
			b.Fatalf("warm-up: %v (after %d calls)", err, n)
		}
	}
}

func (pr *processRig) round(b *testing.B) processRound {
	var r processRound
	direct := make([]time.Duration, 0, latencyPairs)
	via := make([]time.Duration, 0, latencyPairs)
	var floor []time.Duration
	for range latencyPairs {
		t0 := time.Now()
		if err := pr.direct(); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := pr.getUser(); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		direct = append(direct, t1.Sub(t0))
		via = append(via, t2.Sub(t1))
		if pr.floor != nil {
			if err := pr.floorGetUser(); err != nil {
				b.Fatal(err)
			}
			floor = append(floor, time.Since(t2))
		}
	}
	r.directP50, r.directP99 = percentile(direct, .5), percentile(direct, .99)
	r.viaP50, r.viaP99 = percentile(via, .5), percentile(via, .99)
	if pr.floor != nil {
		r.floorP50, r.floorP99 = percentile(floor, .5), percentile(floor, .99)
	}

	fake0 := cpuTime(b, pr.fake.pid())
	n, elapsed := pr.load(b, pr.direct)
	r.directRate = float64(n) / elapsed.Seconds()
	r.fakeCPU = float64((cpuTime(b, pr.fake.pid()) - fake0).Microseconds()) / float64(n)

	idcmd0, fake0 := cpuTime(b, pr.idcmd.pid()), cpuTime(b, pr.fake.pid())
	n, elapsed = pr.load(b, pr.getUser)
	r.viaRate = float64(n) / elapsed.Seconds()
	r.idcmdCPU = float64((cpuTime(b, pr.idcmd.pid()) - idcmd0).Microseconds()) / float64(n)
	r.fakeCPUBehind = float64((cpuTime(b, pr.fake.pid()) - fake0).Microseconds()) / float64(n)

	n, elapsed = pr.load(b, pr.clearSessions)
	r.writeRate = float64(n) / elapsed.Seconds()

	if pr.floor != nil {
		floor0, fake0 := cpuTime(b, pr.floor.pid()), cpuTime(b, pr.fake.pid())
		n, elapsed = pr.load(b, pr.floorGetUser)
		r.floorRate = float64(n) / elapsed.Seconds()
		r.floorCPU = float64((cpuTime(b, pr.floor.pid()) - floor0).Microseconds()) / float64(n)
		r.fakeCPUBehindFloor = float64((cpuTime(b, pr.fake.pid()) - fake0).Microseconds()) / float64(n)
	}
	return r
}

func (pr *processRig) load(b *testing.B, f func() error) (int64, time.Duration) {
	start := time.Now()
	n, err := parallel(processCallers, loadPhase, f)
	if err != nil {
		b.Fatalf("%v (after %d calls)", err, n)
	}
	return n, time.Since(start)
}

// parallel calls f from callers goroutines until d has passed and returns
// how many calls were answered, or the first failure.
func parallel(callers int, d time.Duration, f func() error) (int64, error) {
	deadline := time.Now().Add(d)
	var n atomic.Int64
	var first atomic.Value
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && first.Load() == nil {
				if err := f(); err != nil {
					first.CompareAndSwap(nil, err)
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	if err, _ := first.Load().(error); err != nil {
		return n.Load(), err
	}
	return n.Load(), nil
}

func sendOK(c *http.Client, req *http.Request) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s %s: status %d: %s", req.Method, req.URL.Path, resp.StatusCode, msg)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// loadClient keeps a connection per caller open to each server.
func loadClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 2 * processCallers
	tr.MaxIdleConns = 0 // no cap: the default 100 would close some of them at every switch of server
	return &http.Client{Transport: tr, Timeout: time.Minute}
}

func mintToken(b *testing.B) string { return mintTokenScopes(b, "commands:read", "commands:write") }

func mintTokenScopes(b *testing.B, scopes ...string) string {
	tok, err := auth.Mint([]byte(secret), "idcmd", "idcmd", "bench", scopes, 24*time.Hour, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	return tok
}

// cpuTime is the user+system CPU time the process has used, from
// /proc/<pid>/stat (fields 14 and 15, in clock ticks of 10 ms).
func cpuTime(b *testing.B, pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The command name (field 2) may hold spaces; the fields after it
	// start after its closing parenthesis.
	fields := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("/proc/%d/stat: %q", pid, raw)
	}
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	return time.Duration(utime+stime) * tick
}

func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(raw))[:3], " ")
}

// benchBinary is IDCMD_BENCH_BINARY, or idcmd built from this tree.
func benchBinary(b *testing.B) string {
	if bin := os.Getenv("IDCMD_BENCH_BINARY"); bin != "" {
		return bin
	}
	return buildPackage(b, "../../cmd/idcmd")
}

// buildPackage builds the main package at pkg (relative to this directory)
// as users build it (make build: no cgo) and returns the binary's path.
func buildPackage(b testing.TB, pkg string) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), filepath.Base(pkg))
	build := exec.Command("go", "build", "-trimpath", "-o", bin, pkg)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// minfakeProcess is a running minfake.
type minfakeProcess struct {
	cmd                *exec.Cmd
	url, userID, token string
}

func (m *minfakeProcess) pid() int { return m.cmd.Process.Pid }

func startMinfake(b testing.TB, bin string) *minfakeProcess {
	b.Helper()
	cmd := exec.Command(bin)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	m := &minfakeProcess{cmd: cmd}
	b.Cleanup(func() { m.stop(b) })
	line, err := bufio.NewReader(out).ReadString('\n')
	if _, scanErr := fmt.Sscanf(line, "listening %s %s %s", &m.url, &m.userID, &m.token); err != nil || scanErr != nil {
		b.Fatalf("minfake did not start: %q: %v %v", line, err, scanErr)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return m
}

func (m *minfakeProcess) stop(b testing.TB) { stopProcess(b, m.cmd) }

// serveProcess is a running idcmd serve, logging to a file as it would to
// a terminal or journald: at its default level, each request's line.
type serveProcess struct {
	cmd *exec.Cmd
	url string
}

func (s *serveProcess) pid() int { return s.cmd.Process.Pid }

// startServe starts bin serve against fake, with configYAML as its config
// file when it is not empty.
func startServe(b *testing.B, bin string, fake *minfakeProcess, configYAML string, extraEnv ...string) *serveProcess {
	b.Helper()
	dir := b.TempDir()
	args := []string{"serve", "--addr", "127.0.0.1:0"}
	if configYAML != "" {
		path := filepath.Join(dir, "idcmd.yaml")
		if err := os.WriteFile(path, []byte(configYAML), 0o600); err != nil {
			b.Fatal(err)
		}
		args = append(args, "--config", path)
	}
	logFile, err := os.Create(filepath.Join(dir, "idcmd.log"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = logFile.Close() })
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir,
		"IDCMD_JWT_SECRET=" + secret, "IDCMD_DATA_DIR=" + dir,
		"OKTA_BASE_URL=" + fake.url, "OKTA_API_TOKEN=" + fake.token}
	cmd.Env = append(cmd.Env, extraEnv...)
	if gogc := os.Getenv("IDCMD_BENCH_GOGC"); gogc != "" {
		// What idcmd serve's own GC target (cmd/idcmd/gc.go) is worth:
		// the same build with the operator's GOGC instead.
		cmd.Env = append(cmd.Env, "GOGC="+gogc)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	s := &serveProcess{cmd: cmd}
	b.Cleanup(func() { s.stop(b) })
	deadline := time.Now().Add(30 * time.Second)
	for s.url == "" {
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logFile.Name())
			b.Fatalf("idcmd did not log its address within 30 s:\n%s", log)
		}
		time.Sleep(20 * time.Millisecond)
		log, _ := os.ReadFile(logFile.Name())
		for _, line := range strings.Split(string(log), "\n") {
			if strings.Contains(line, `"msg":"idcmd listening"`) {
				if _, rest, ok := strings.Cut(line, `"addr":"`); ok {
					addr, _, _ := strings.Cut(rest, `"`)
					s.url = "http://" + addr
				}
			}
		}
	}
	return s
}

func (s *serveProcess) stop(b *testing.B) { stopProcess(b, s.cmd) }

// stopProcess interrupts cmd and waits for it to exit (20 s, then kills it
// and says so in b's log, when b is not nil).
func stopProcess(b testing.TB, cmd *exec.Cmd) {
	if cmd.ProcessState != nil {
		return
	}
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		if b != nil {
			b.Logf("%s did not stop within 20 s; killed", filepath.Base(cmd.Path))
		}
		_ = cmd.Process.Kill()
		<-done
	}
}
