// Package bench measures idcmd against the fake Okta org: the latency idcmd
// adds to okta-get-user over the same request sent straight to the fake,
// throughput with 64 concurrent callers, and the idle memory of the real
// binary. Figures are reported as benchmark metrics; nothing here asserts
// wall-clock time.
package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idcmd/idcmd/auth"
	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
	"github.com/idcmd/idcmd/providers/xsoar/xsoartest"
	"github.com/idcmd/idcmd/server"
	"github.com/idcmd/idcmd/store/storetest"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for the schema set-up
)

const secret = "bench-secret-0123456789abcdef0123456789"

type rig struct {
	xsoar   *xsoartest.Server
	fake    *oktatest.Server
	pingone *pingonetest.Server
	idcmd   string
	token   string
	client  *http.Client
	userID  string // the Okta demo user's ID
	p1User  string // the PingOne demo user's ID
	p1Token string // a PingOne access token for the direct calls
}

func newRig(b *testing.B) *rig {
	b.Helper()
	return newRigStore(b, "")
}

// newRigStore is a rig whose idcmd keeps its store at storeURL (SQLite in a
// temporary directory when empty; a fresh PostgreSQL schema otherwise).
func newRigStore(b *testing.B, storeURL string) *rig {
	b.Helper()
	fake := oktatest.NewServer(oktatest.Options{Seed: true})
	b.Cleanup(fake.Close)
	p1 := pingonetest.NewServer(pingonetest.Options{Seed: true})
	b.Cleanup(p1.Close)
	xs := xsoartest.NewServer(xsoartest.Options{APIKey: "bench-xsoar-key"})
	b.Cleanup(xs.Close)
	vars := map[string]string{
		"IDCMD_JWT_SECRET": secret, "OKTA_BASE_URL": fake.URL, "OKTA_API_TOKEN": fake.Token, "IDCMD_DATA_DIR": b.TempDir(),
		"PINGONE_ENVIRONMENT_ID": p1.EnvironmentID, "PINGONE_CLIENT_ID": p1.ClientID, "PINGONE_CLIENT_SECRET": p1.ClientSecret,
		"PINGONE_API_URL": p1.URL, "PINGONE_AUTH_URL": p1.AuthURL,
		"XSOAR_URL": xs.URL, "XSOAR_API_KEY": "bench-xsoar-key",
	}
	if storeURL != "" {
		vars["IDCMD_STORE_URL"] = freshSchema(b, storeURL)
	}
	cfg, err := config.Load("", func(k string) string { return vars[k] })
	if err != nil {
		b.Fatal(err)
	}
	app, err := server.Build(context.Background(), cfg, server.NewLogger(io.Discard, "error"), "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = app.Close() })
	srv := httptest.NewServer(app.Handler)
	b.Cleanup(srv.Close)
	tok, err := auth.Mint([]byte(secret), "idcmd", "idcmd", "bench", []string{"commands:read", "commands:write"}, time.Hour, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	r := &rig{xsoar: xs, fake: fake, pingone: p1, idcmd: srv.URL, token: tok, client: &http.Client{Transport: tr}}
	var ok bool
	if r.userID, ok = fake.Org().UserID(oktatest.DemoActiveUser); !ok {
		b.Fatal("Okta demo user missing")
	}
	if r.p1User, ok = p1.Env().UserID(pingonetest.DemoActiveUser); !ok {
		b.Fatal("PingOne demo user missing")
	}
	r.p1Token = pingOneToken(b, r.client, p1)
	return r
}

// pingOneToken gets a worker token the way idcmd's client does.
func pingOneToken(b *testing.B, c *http.Client, p1 *pingonetest.Server) string {
	form := url.Values{"grant_type": {"client_credentials"}}
	req, _ := http.NewRequest(http.MethodPost, p1.TokenURL(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(p1.ClientID, p1.ClientSecret)
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var t struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&t); err != nil || t.AccessToken == "" {
		b.Fatalf("pingone token: %v", err)
	}
	return t.AccessToken
}

// target is one command measured through idcmd and, for comparison, the
// same provider requests sent straight to the fake.
type target struct {
	command string
	body    func(r *rig) string
	direct  func(r *rig) error
}

var targets = []target{
	{"okta-get-user", func(r *rig) string { return `{"user":"` + r.userID + `"}` }, (*rig).oktaDirect},
	// pingone-get-user reads the user and its password state: two requests.
	{"pingone-get-user", func(r *rig) string { return `{"user":"` + r.p1User + `"}` }, (*rig).pingOneDirect},
	{"get-user", func(r *rig) string { return `{"provider":"okta","user":"` + r.userID + `"}` }, (*rig).oktaDirect},
}

// via runs a command through idcmd.
func (r *rig) via(command, body string) error {
	req, _ := http.NewRequest(http.MethodPost, r.idcmd+"/api/v1/commands/"+command, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+r.token)
	return r.send(req)
}

// oktaDirect is the Okta request okta-get-user makes, sent straight to the fake.
func (r *rig) oktaDirect() error {
	req, _ := http.NewRequest(http.MethodGet, r.fake.URL+"/api/v1/users/"+r.userID, nil)
	req.Header.Set("Authorization", "SSWS "+r.fake.Token)
	req.Header.Set("Accept", "application/json")
	return r.send(req)
}

// pingOneDirect is the two PingOne requests pingone-get-user makes.
func (r *rig) pingOneDirect() error {
	for _, path := range []string{"", "/password"} {
		req, _ := http.NewRequest(http.MethodGet, r.pingone.URL+"/environments/"+r.pingone.EnvironmentID+"/users/"+r.p1User+path, nil)
		req.Header.Set("Authorization", "Bearer "+r.p1Token)
		req.Header.Set("Accept", "application/json")
		if err := r.send(req); err != nil {
			return err
		}
	}
	return nil
}

func (r *rig) send(req *http.Request) error {
	resp, err := r.client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[int(float64(len(s)-1)*p)]
}

// BenchmarkGetUserOverhead alternates the direct and the idcmd call with one
// caller, so both see the same machine state, and reports the medians, the
// p99s and idcmd's added latency (target: ≤0.3 ms median, ≤1 ms p99), for
// okta-get-user, pingone-get-user and the neutral get-user.
func BenchmarkGetUserOverhead(b *testing.B) {
	r := newRig(b)
	for _, tg := range targets {
		b.Run(tg.command, func(b *testing.B) {
			body := tg.body(r)
			for range 200 { // warm connections and caches
				_ = tg.direct(r)
				_ = r.via(tg.command, body)
			}
			direct := make([]time.Duration, 0, b.N)
			via := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				if err := tg.direct(r); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if err := r.via(tg.command, body); err != nil {
					b.Fatal(err)
				}
				direct = append(direct, t1.Sub(t0))
				via = append(via, time.Since(t1))
			}
			b.StopTimer()
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(percentile(direct, .5)), "direct-p50-ms")
			b.ReportMetric(ms(percentile(via, .5)), "idcmd-p50-ms")
			b.ReportMetric(ms(percentile(via, .5)-percentile(direct, .5)), "added-p50-ms")
			b.ReportMetric(ms(percentile(direct, .99)), "direct-p99-ms")
			b.ReportMetric(ms(percentile(via, .99)), "idcmd-p99-ms")
			b.ReportMetric(ms(percentile(via, .99)-percentile(direct, .99)), "added-p99-ms")
		})
	}
}

// BenchmarkGetUser64Callers runs each get-user command from 64 concurrent
// callers, through idcmd and, as its baseline in the same run, as the same
// provider requests straight to the fake, and reports calls per second of
// each (target through idcmd: ≥3,000).
func BenchmarkGetUser64Callers(b *testing.B) {
	r := newRig(b)
	for _, tg := range targets {
		body := tg.body(r)
		for _, path := range []struct {
			name string
			call func() error
		}{
			{"idcmd", func() error { return r.via(tg.command, body) }},
			{"direct", func() error { return tg.direct(r) }},
		} {
			b.Run(tg.command+"/"+path.name, func(b *testing.B) {
				_ = path.call()
				var failed atomic.Int64
				b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
				start := time.Now()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := path.call(); err != nil {
							failed.Add(1)
						}
					}
				})
				b.StopTimer()
				if n := failed.Load(); n > 0 {
					b.Fatalf("%d calls failed", n)
				}
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
			})
		}
	}
}

// BenchmarkWriteIdempotent64Callers runs okta-clear-sessions (three Okta
// calls) through idcmd from 64 concurrent callers, each call with its own
// Idempotency-Key, so every call claims a key, writes its durable audit
// record and stores its outcome. Target on SQLite: ≥1,000 calls/s. With
// IDCMD_TEST_POSTGRES_URL set it also runs on PostgreSQL.
func BenchmarkWriteIdempotent64Callers(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchWrites(b, "") })
	b.Run("postgres", func(b *testing.B) {
		url := os.Getenv("IDCMD_TEST_POSTGRES_URL")
		if url == "" {
			b.Skip("IDCMD_TEST_POSTGRES_URL not set")
		}
		benchWrites(b, url)
	})
}

func benchWrites(b *testing.B, storeURL string) {
	r := newRigStore(b, storeURL)
	var seq atomic.Int64
	var failed atomic.Int64
	body := `{"user":"` + r.userID + `"}`
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, r.idcmd+"/api/v1/commands/okta-clear-sessions", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+r.token)
			req.Header.Set("Idempotency-Key", "bench-"+strconv.FormatInt(seq.Add(1), 10))
			if err := r.send(req); err != nil {
				failed.Add(1)
			}
		}
	})
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d calls failed", n)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
}

// BenchmarkWritebackDrain queues 1,000 write-backs (okta-get-user calls with
// XSOAR incident context, from 64 callers) against an XSOAR that takes 10 ms
// per entry, and reports how fast the queue drains and the latency of
// okta-get-user calls without incident context made while it drains,
// next to the same calls on an idle server.
func BenchmarkWritebackDrain(b *testing.B) {
	for range b.N {
		r := newRig(b)
		r.xsoar.SetLatency(10 * time.Millisecond)
		inc := r.xsoar.AddIncident("bench", 1)
		plain := `{"user":"` + r.userID + `"}`
		idle := sampleLatency(b, r, plain, 300)

		withIncident := `{"user":"` + r.userID + `","incident":{"platform":"xsoar","id":"` + inc + `"}}`
		start := time.Now()
		var wg sync.WaitGroup
		var next atomic.Int64
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= 1000 {
					if err := r.via("okta-get-user", withIncident); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		queued := time.Since(start)
		busy := sampleLatency(b, r, plain, 300)
		for len(r.xsoar.Entries(inc)) < 1000 {
			time.Sleep(5 * time.Millisecond)
		}
		drained := time.Since(start)
		b.ReportMetric(1000/queued.Seconds(), "queued/s")
		b.ReportMetric(1000/drained.Seconds(), "delivered/s")
		b.ReportMetric(float64(percentile(idle, .5).Microseconds())/1000, "idle-p50-ms")
		b.ReportMetric(float64(percentile(busy, .5).Microseconds())/1000, "draining-p50-ms")
		b.ReportMetric(float64(percentile(busy, .99).Microseconds())/1000, "draining-p99-ms")
	}
}

func sampleLatency(b *testing.B, r *rig, body string, n int) []time.Duration {
	out := make([]time.Duration, 0, n)
	for range n {
		t0 := time.Now()
		if err := r.via("okta-get-user", body); err != nil {
			b.Fatal(err)
		}
		out = append(out, time.Since(t0))
	}
	return out
}

// BenchmarkIdleMemory builds the real binary, starts it against the fake,
// lets it settle, and reports its resident memory (target: <50 MB).
// IDCMD_BENCH_BINARY measures another build.
func BenchmarkIdleMemory(b *testing.B) {
	fake := oktatest.NewServer(oktatest.Options{Seed: true})
	defer fake.Close()
	bin := benchBinary(b)
	for range b.N {
		cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
		cmd.Env = []string{"IDCMD_JWT_SECRET=" + secret, "OKTA_BASE_URL=" + fake.URL, "OKTA_API_TOKEN=" + fake.Token, "IDCMD_LOG_LEVEL=warn", "IDCMD_DATA_DIR=" + b.TempDir()}
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		time.Sleep(2 * time.Second) // start-up done; idle from here
		rss := rssMB(b, cmd.Process.Pid)
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		b.ReportMetric(rss, "idle-RSS-MB")
	}
}

func rssMB(b *testing.B, pid int) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.Fields(rest)[0])
			return float64(kb) / 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

// freshSchema creates a schema for one benchmark run and returns a URL that
// uses it (base is IDCMD_TEST_POSTGRES_URL, which storetest reads itself).
func freshSchema(b *testing.B, _ string) string { return storetest.PostgresURL(b) }
