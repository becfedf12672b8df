package httpx

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeClock is a clock whose Sleep advances time instead of blocking, so the
// tests check how long the client would wait without ever waiting.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Now().Truncate(time.Second)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	f.now = f.now.Add(d)
	return nil
}

func (f *fakeClock) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// resetWait is an Okta-style WaitFunc: X-Rate-Limit-Reset − Date + 1s.
func resetWait(resp *http.Response, now time.Time) (time.Duration, bool) {
	reset, err := strconv.ParseInt(resp.Header.Get("X-Rate-Limit-Reset"), 10, 64)
	if err != nil {
		return 0, false
	}
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		date = now
	}
	return time.Unix(reset, 0).Sub(date) + time.Second, true
}

// serverDate is the server's clock in these tests: deliberately an hour
// off the client's, to prove waits come from the Date header.
var serverDate = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func write429(w http.ResponseWriter, resetIn time.Duration) {
	w.Header().Set("Date", serverDate.Format(http.TimeFormat))
	w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(serverDate.Add(resetIn).Unix(), 10))
	w.Header().Set("X-Rate-Limit-Remaining", "0")
	w.WriteHeader(http.StatusTooManyRequests)
	io.WriteString(w, `{"errorCode":"E0000047"}`)
}

// script answers the i-th request with steps[i] (the last one repeats) and
// counts requests.
type script struct {
	hits  atomic.Int32
	steps []http.HandlerFunc
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(s.hits.Add(1)) - 1
	s.steps[min(i, len(s.steps)-1)](w, r)
}

func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }
}

func newTestClient(t *testing.T, clock *fakeClock, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		Provider:      "test",
		MaxRetries:    2,
		RateLimitWait: resetWait,
		Now:           clock.Now,
		Sleep:         clock.Sleep,
		Jitter:        func() float64 { return 0.5 },
	}
	if mod != nil {
		mod(&cfg)
	}
	return New(cfg)
}

func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestRetries429AfterResetMinusDate(t *testing.T) {
	s := &script{steps: []http.HandlerFunc{
		func(w http.ResponseWriter, r *http.Request) { write429(w, 5*time.Second) },
		func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") },
	}}
	srv := serve(t, s)
	clock := newFakeClock()
	c := newTestClient(t, clock, nil)

	resp, err := c.Do(context.Background(), &Request{Operation: "get", Method: http.MethodGet, URL: srv.URL, Retry: RetryIdempotent})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "ok" {
		t.Fatalf("got %d %q, want 200 ok", resp.StatusCode, body)
	}
	if diff := cmp.Diff([]time.Duration{6 * time.Second}, clock.Sleeps()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
}

func TestPostRetriedOn429WithSameBody(t *testing.T) {
	var bodies []string
	var mu sync.Mutex
	record := func(r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
	}
	s := &script{steps: []http.HandlerFunc{
		func(w http.ResponseWriter, r *http.Request) { record(r); write429(w, time.Second) },
		func(w http.ResponseWriter, r *http.Request) { record(r); w.WriteHeader(200) },
	}}
	srv := serve(t, s)
	c := newTestClient(t, newFakeClock(), nil)

	resp, err := c.Do(context.Background(), &Request{Method: http.MethodPost, URL: srv.URL, Body: []byte("a=b"), Retry: RetryRateLimited})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("Do = %v, %v; want 200", resp, err)
	}
	if diff := cmp.Diff([]string{"a=b", "a=b"}, bodies); diff != "" {
		t.Errorf("bodies (-want +got):\n%s", diff)
	}
}

func TestUnsafePostNotRetriedOn5xx(t *testing.T) {
	for _, policy := range []Retry{NoRetry, RetryRateLimited} {
		s := &script{steps: []http.HandlerFunc{status(503), status(200)}}
		srv := serve(t, s)
		clock := newFakeClock()
		c := newTestClient(t, clock, nil)

		resp, err := c.Do(context.Background(), &Request{Method: http.MethodPost, URL: srv.URL, Retry: policy})
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 503 || s.hits.Load() != 1 || len(clock.Sleeps()) != 0 {
			t.Errorf("policy %d: status %d after %d requests, sleeps %v; want one 503, no sleep",
				policy, resp.StatusCode, s.hits.Load(), clock.Sleeps())
		}
	}
}

func TestNoRetryIgnores429(t *testing.T) {
	s := &script{steps: []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) { write429(w, time.Second) }, status(200)}}
	srv := serve(t, s)
	c := newTestClient(t, newFakeClock(), nil)
	resp, err := c.Do(context.Background(), &Request{Method: http.MethodPost, URL: srv.URL})
	if err != nil || resp.StatusCode != 429 || s.hits.Load() != 1 {
		t.Fatalf("Do = %v, %v after %d requests; want one 429", resp, err, s.hits.Load())
	}
}

func TestGivesUpBeforeDeadline(t *testing.T) {
	s := &script{steps: []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) { write429(w, 30*time.Second) }, status(200)}}
	srv := serve(t, s)
	clock := newFakeClock()
	c := newTestClient(t, clock, nil)
	ctx, cancel := context.WithDeadline(context.Background(), clock.Now().Add(10*time.Second))
	defer cancel()

	resp, err := c.Do(ctx, &Request{Method: http.MethodGet, URL: srv.URL, Retry: RetryIdempotent})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 429 || s.hits.Load() != 1 || len(clock.Sleeps()) != 0 {
		t.Fatalf("status %d after %d requests, sleeps %v; want the 429 back at once", resp.StatusCode, s.hits.Load(), clock.Sleeps())
	}
	// The caller gets the headers it needs to say when to retry.
	if d, ok := resetWait(resp, clock.Now()); !ok || d != 31*time.Second {
		t.Errorf("reset wait from returned response = %v, %v; want 31s", d, ok)
	}
}

func TestGivesUpBeyondMaxWait(t *testing.T) {
	s := &script{steps: []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) { write429(w, time.Hour) }, status(200)}}
	srv := serve(t, s)
	clock := newFakeClock()
	c := newTestClient(t, clock, func(c *Config) { c.MaxWait = time.Minute })
	resp, err := c.Do(context.Background(), &Request{Method: http.MethodGet, URL: srv.URL, Retry: RetryIdempotent})
	if err != nil || resp.StatusCode != 429 || len(clock.Sleeps()) != 0 {
		t.Fatalf("Do = %v, %v, sleeps %v; want the 429 without waiting", resp, err, clock.Sleeps())
	}
}

func TestBackoffIsBoundedAndExponential(t *testing.T) {
	s := &script{steps: []http.HandlerFunc{status(503)}}
	srv := serve(t, s)
	clock := newFakeClock()
	c := newTestClient(t, clock, func(c *Config) {
		c.MaxRetries = 5
		c.BaseBackoff = 100 * time.Millisecond
		c.MaxBackoff = 400 * time.Millisecond
		c.Jitter = func() float64 { return 0.999999 }
	})

	resp, err := c.Do(context.Background(), &Request{Method: http.MethodGet, URL: srv.URL, Retry: RetryIdempotent})
	if err != nil || resp.StatusCode != 503 {
		t.Fatalf("Do = %v, %v; want the last 503", resp, err)
	}
	if got := s.hits.Load(); got != 6 {
		t.Errorf("requests = %d, want 6 (1 + MaxRetries)", got)
	}
	sleeps := clock.Sleeps()
	steps := []time.Duration{100, 200, 400, 400, 400}
	if len(sleeps) != len(steps) {
		t.Fatalf("sleeps = %v, want %d of them", sleeps, len(steps))
	}
	for i, step := range steps {
		step *= time.Millisecond
		if sleeps[i] < step/2 || sleeps[i] > step {
			t.Errorf("sleep %d = %v, want within [%v, %v]", i, sleeps[i], step/2, step)
		}
	}
}

func TestRetryStatusesConfigurable(t *testing.T) {
	s := &script{steps: []http.HandlerFunc{status(500), status(200)}}
	srv := serve(t, s)
	c := newTestClient(t, newFakeClock(), nil)
	resp, _ := c.Do(context.Background(), &Request{Method: http.MethodGet, URL: srv.URL, Retry: RetryIdempotent})
	if resp.StatusCode != 500 {
		t.Fatalf("default: status %d, want 500 not retried", resp.StatusCode)
	}

	s2 := &script{steps: []http.HandlerFunc{status(500), status(200)}}
	srv2 := serve(t, s2)
	c2 := newTestClient(t, newFakeClock(), func(c *Config) { c.RetryStatuses = []int{500} })
	resp, _ = c2.Do(context.Background(), &Request{Method: http.MethodGet, URL: srv2.URL, Retry: RetryIdempotent})
	if resp.StatusCode != 200 {
		t.Fatalf("with 500 retryable: status %d, want 200", resp.StatusCode)
	}
}

// hangUp closes the connection without answering: a connection error.
func hangUp(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func TestConnectionErrorRetriedOnlyWhenIdempotent(t *testing.T) {
	s := &script{steps: []http.HandlerFunc{hangUp, status(200)}}
	srv := serve(t, s)
	c := newTestClient(t, newFakeClock(), nil)
	resp, err := c.Do(context.Background(), &Request{Method: http.MethodGet, URL: srv.URL, Retry: RetryIdempotent})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET: Do = %v, %v; want 200 after a retry", resp, err)
	}

	s2 := &script{steps: []http.HandlerFunc{hangUp, status(200)}}
	srv2 := serve(t, s2)
	_, err = c.Do(context.Background(), &Request{Method: http.MethodPost, URL: srv2.URL, Retry: RetryRateLimited})
	if err == nil || s2.hits.Load() != 1 {
		t.Fatalf("POST: err %v after %d requests; want the connection error, no retry", err, s2.hits.Load())
	}
}

func TestObserverCalledPerAttempt(t *testing.T) {
	type call struct {
		provider, op string
		status       int
	}
	var calls []call
	s := &script{steps: []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) { write429(w, 0) }, status(204)}}
	srv := serve(t, s)
	c := newTestClient(t, newFakeClock(), func(c *Config) {
		c.Observer = func(provider, op string, status int, _ time.Duration) {
			calls = append(calls, call{provider, op, status})
		}
	})
	if _, err := c.Do(context.Background(), &Request{Operation: "clear", Method: http.MethodDelete, URL: srv.URL, Retry: RetryIdempotent}); err != nil {
		t.Fatal(err)
	}
	// A dead port: every attempt fails to connect and is reported as 0.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + l.Addr().String()
	l.Close()
	if _, err := c.Do(context.Background(), &Request{Operation: "get", Method: http.MethodGet, URL: dead, Retry: RetryIdempotent}); err == nil {
		t.Fatal("want a connection error")
	}
	want := []call{{"test", "clear", 429}, {"test", "clear", 204}, {"test", "get", 0}, {"test", "get", 0}, {"test", "get", 0}}
	if diff := cmp.Diff(want, calls, cmp.AllowUnexported(call{})); diff != "" {
		t.Errorf("observer calls (-want +got):\n%s", diff)
	}
}

func TestCancelWhileSleeping(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &script{steps: []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) {
		cancel() // the caller gives up while the client would wait a minute
		write429(w, time.Minute)
	}}}
	srv := serve(t, s)
	// The real sleeper: it must return as soon as ctx is cancelled.
	c := New(Config{Provider: "test", MaxRetries: 2, RateLimitWait: resetWait})
	_, err := c.Do(ctx, &Request{Method: http.MethodGet, URL: srv.URL, Retry: RetryIdempotent})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestTokenBucket(t *testing.T) {
	srv := serve(t, &script{steps: []http.HandlerFunc{status(200)}})
	clock := newFakeClock()
	c := newTestClient(t, clock, func(c *Config) { c.RequestsPerSecond = 0.5 })
	get := &Request{Operation: "get", Method: http.MethodGet, URL: srv.URL}

	for range 2 {
		if _, err := c.Do(context.Background(), get); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]time.Duration{2 * time.Second}, clock.Sleeps()); diff != "" {
		t.Errorf("second request should wait one token (-want +got):\n%s", diff)
	}

	ctx, cancel := context.WithDeadline(context.Background(), clock.Now().Add(time.Second))
	defer cancel()
	_, err := c.Do(ctx, get)
	var te *ThrottledError
	if !errors.As(err, &te) || te.Wait != 2*time.Second {
		t.Fatalf("err = %v, want a ThrottledError waiting 2s", err)
	}
	// The refused request gave its token back.
	if _, err := c.Do(context.Background(), get); err != nil {
		t.Fatal(err)
	}
	if got := clock.Sleeps(); len(got) != 2 || got[1] != 2*time.Second {
		t.Errorf("sleeps = %v, want [2s 2s]", got)
	}
}

func TestSlowDownWaitsForResetPerOperation(t *testing.T) {
	spent := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", serverDate.Format(http.TimeFormat))
		w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(serverDate.Add(4*time.Second).Unix(), 10))
		w.Header().Set("X-Rate-Limit-Remaining", "0")
	}
	srv := serve(t, &script{steps: []http.HandlerFunc{spent, status(200)}})
	clock := newFakeClock()
	c := newTestClient(t, clock, func(c *Config) {
		c.SlowDown = func(resp *http.Response, now time.Time) (time.Duration, bool) {
			if resp.Header.Get("X-Rate-Limit-Remaining") != "0" {
				return 0, false
			}
			return resetWait(resp, now)
		}
	})
	do := func(op string) {
		t.Helper()
		if _, err := c.Do(context.Background(), &Request{Operation: op, Method: http.MethodGet, URL: srv.URL}); err != nil {
			t.Fatal(err)
		}
	}
	do("a")
	do("b") // another operation's quota is not affected
	if got := clock.Sleeps(); len(got) != 0 {
		t.Fatalf("sleeps = %v, want none yet", got)
	}
	do("a")
	if diff := cmp.Diff([]time.Duration{5 * time.Second}, clock.Sleeps()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
	do("a") // the last answer had quota left: no more waiting
	if got := clock.Sleeps(); len(got) != 1 {
		t.Errorf("sleeps = %v, want just one", got)
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	other := &script{steps: []http.HandlerFunc{status(200)}}
	otherSrv := serve(t, other)
	srv := serve(t, http.RedirectHandler(otherSrv.URL, http.StatusFound))
	c := newTestClient(t, newFakeClock(), nil)
	resp, err := c.Do(context.Background(), &Request{Method: http.MethodGet, URL: srv.URL, Header: http.Header{"Authorization": {"secret"}}})
	if err != nil || resp.StatusCode != http.StatusFound || other.hits.Load() != 0 {
		t.Fatalf("Do = %v, %v; redirect target hit %d times; want the 302 itself", resp, err, other.hits.Load())
	}
}

func TestEmptyPostSendsContentLengthZero(t *testing.T) {
	var got []string
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("Content-Length"))
	}))
	c := newTestClient(t, newFakeClock(), nil)
	for _, body := range [][]byte{nil, {}} {
		if _, err := c.Do(context.Background(), &Request{Method: http.MethodPost, URL: srv.URL, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]string{"0", "0"}, got); diff != "" {
		t.Errorf("Content-Length (-want +got):\n%s", diff)
	}
}

func TestNewBodyAndPrepareRunPerAttempt(t *testing.T) {
	var bodies, headers []string
	s := &script{steps: []http.HandlerFunc{
		func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			bodies, headers = append(bodies, string(b)), append(headers, r.Header.Get("X-N"))
			write429(w, 0)
		},
		func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			bodies, headers = append(bodies, string(b)), append(headers, r.Header.Get("X-N"))
		},
	}}
	srv := serve(t, s)
	c := newTestClient(t, newFakeClock(), nil)
	n, m := 0, 0
	_, err := c.Do(context.Background(), &Request{
		Method:  http.MethodPost,
		URL:     srv.URL,
		Retry:   RetryRateLimited,
		NewBody: func() ([]byte, error) { n++; return []byte(strconv.Itoa(n)), nil },
		Prepare: func(r *http.Request) error { m++; r.Header.Set("X-N", strconv.Itoa(m)); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1", "2"}, bodies); diff != "" {
		t.Errorf("bodies (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"1", "2"}, headers); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
}

func TestPerAttemptTimeoutRetried(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s := &script{steps: []http.HandlerFunc{
		func(w http.ResponseWriter, r *http.Request) {
			select { // hang until the client's attempt times out
			case <-r.Context().Done():
			case <-release:
			}
		},
		status(200),
	}}
	srv := serve(t, s)
	c := newTestClient(t, newFakeClock(), func(c *Config) { c.Timeout = 50 * time.Millisecond })
	resp, err := c.Do(context.Background(), &Request{Method: http.MethodGet, URL: srv.URL, Retry: RetryIdempotent})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("Do = %v, %v; want 200 on the second attempt", resp, err)
	}
}

// A Request's Header is copied into each attempt and never changed, even
// when Prepare adds to the attempt's headers, so concurrent Requests may
// share one Header (the Okta client sends one with every call).
func TestSharedHeaderNeverChanged(t *testing.T) {
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept") != "application/json" || r.Header.Get("Authorization") == "" {
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	c := newTestClient(t, newFakeClock(), nil)
	shared := http.Header{"Accept": {"application/json"}, "X-Two": {"a", "b"}}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.Do(context.Background(), &Request{Operation: "get", Method: http.MethodGet, URL: srv.URL, Header: shared,
				Prepare: func(r *http.Request) error {
					r.Header.Set("Authorization", "token "+strconv.Itoa(i))
					r.Header.Add("Accept", "text/plain")
					r.Header["X-Two"][0] = "changed"
					return nil
				}})
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Errorf("Do = %v, %v", resp, err)
			}
		}()
	}
	wg.Wait()
	want := http.Header{"Accept": {"application/json"}, "X-Two": {"a", "b"}}
	if diff := cmp.Diff(want, shared); diff != "" {
		t.Errorf("the shared Header changed (-want +got):\n%s", diff)
	}
}

func TestBusyWaitHonoursRetryAfterOn503(t *testing.T) {
	s := &script{steps: []http.HandlerFunc{
		func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusServiceUnavailable)
		},
		status(200),
	}}
	srv := serve(t, s)
	clock := newFakeClock()
	retryAfter := func(resp *http.Response, _ time.Time) (time.Duration, bool) {
		n, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		return time.Duration(n) * time.Second, err == nil
	}
	c := newTestClient(t, clock, func(c *Config) { c.BusyWait = retryAfter })
	resp, err := c.Do(context.Background(), &Request{Method: http.MethodGet, URL: srv.URL, Retry: RetryIdempotent})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("got %v %v, want 200 after the wait", resp, err)
	}
	if diff := cmp.Diff([]time.Duration{7 * time.Second}, clock.Sleeps()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
}
