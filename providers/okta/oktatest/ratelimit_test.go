package oktatest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func rateHeaders(t *testing.T, r response) (limit, remaining int, reset int64) {
	t.Helper()
	var err error
	if limit, err = strconv.Atoi(r.header.Get("X-Rate-Limit-Limit")); err != nil {
		t.Fatalf("X-Rate-Limit-Limit %q", r.header.Get("X-Rate-Limit-Limit"))
	}
	if remaining, err = strconv.Atoi(r.header.Get("X-Rate-Limit-Remaining")); err != nil {
		t.Fatalf("X-Rate-Limit-Remaining %q", r.header.Get("X-Rate-Limit-Remaining"))
	}
	if reset, err = strconv.ParseInt(r.header.Get("X-Rate-Limit-Reset"), 10, 64); err != nil {
		t.Fatalf("X-Rate-Limit-Reset %q", r.header.Get("X-Rate-Limit-Reset"))
	}
	return limit, remaining, reset
}

func TestRateLimitHeadersEverywhere(t *testing.T) {
	srv, clk := seeded(t)
	for _, tc := range []struct{ path, auth string }{
		{"/api/v1/users/" + DemoActiveUser, "SSWS " + srv.Token},
		{"/api/v1/users/nobody", "SSWS " + srv.Token},
		{"/api/v1/logs?limit=1", "SSWS " + srv.Token},
		{"/api/v1/users", ""},
		{"/api/v1/nosuch", "SSWS " + srv.Token},
	} {
		r := send(t, "GET", srv.URL+tc.path, tc.auth, nil)
		limit, remaining, reset := rateHeaders(t, r)
		if limit <= 0 || remaining <= 0 || reset <= clk.Now().Unix() {
			t.Errorf("%s: limit %d remaining %d reset %d", tc.path, limit, remaining, reset)
		}
		if date, err := http.ParseTime(r.header.Get("Date")); err != nil || !date.Equal(clk.Now().Truncate(time.Second)) {
			t.Errorf("%s: Date %q, want the fake clock", tc.path, r.header.Get("Date"))
		}
	}
}

func TestInjectRateLimit(t *testing.T) {
	srv, clk := seeded(t)
	srv.InjectRateLimit(2)
	path := "/api/v1/users/" + DemoActiveUser
	for i := range 2 {
		r := api(t, srv, "GET", path)
		if r.status != 429 {
			t.Fatalf("call %d: %d, want 429", i, r.status)
		}
		e := r.err(t)
		if e.ErrorCode != "E0000047" || e.ErrorSummary != "API call exceeded rate limit due to too many requests." {
			t.Errorf("429 body %+v", e)
		}
		_, remaining, reset := rateHeaders(t, r)
		date, err := http.ParseTime(r.header.Get("Date"))
		if err != nil {
			t.Fatalf("Date %q: %v", r.header.Get("Date"), err)
		}
		// Okta's SDKs wait X-Rate-Limit-Reset - Date (+1 s).
		if remaining != 0 || reset-date.Unix() != 1 || date.Unix() != clk.Now().Unix() {
			t.Errorf("429 headers: remaining %d, reset %d, Date %v", remaining, reset, date)
		}
	}
	if r := api(t, srv, "GET", path); r.status != 200 {
		t.Errorf("after the injected 429s: %d", r.status)
	}
}

func TestInjectStatus(t *testing.T) {
	srv, _ := seeded(t)
	srv.InjectStatus(1, 500)
	srv.InjectRateLimit(1)
	srv.InjectStatus(1, 503)
	want := []struct {
		status int
		code   string
	}{{500, "E0000009"}, {429, "E0000047"}, {503, "E0000009"}, {200, ""}}
	for i, w := range want {
		r := api(t, srv, "GET", "/api/v1/users/"+DemoActiveUser)
		if r.status != w.status {
			t.Fatalf("call %d: %d, want %d", i, r.status, w.status)
		}
		if w.code != "" {
			if e := r.err(t); e.ErrorCode != w.code || r.header.Get("Content-Type") != "application/json" {
				t.Errorf("call %d: %+v", i, e)
			}
		}
	}
	// Injected failures never reach state.
	srv.InjectStatus(1, 500)
	id := userIDOf(t, srv, DemoActiveUser)
	api(t, srv, "POST", "/api/v1/users/"+id+"/lifecycle/suspend")
	if s, _ := srv.Org().UserStatus(id); s != StatusActive {
		t.Errorf("user %s after a failed suspend", s)
	}
}

func TestEnforcedRateLimit(t *testing.T) {
	clk := newClock()
	srv := NewServer(Options{Seed: true, Now: clk.Now, RateLimitPerMinute: 3})
	defer srv.Close()
	path := "/api/v1/users/" + DemoActiveUser
	for i := range 3 {
		r := api(t, srv, "GET", path)
		_, remaining, _ := rateHeaders(t, r)
		if r.status != 200 || remaining != 2-i {
			t.Fatalf("call %d: %d remaining %d", i, r.status, remaining)
		}
	}
	r := api(t, srv, "GET", path)
	if r.status != 429 || r.err(t).ErrorCode != "E0000047" {
		t.Fatalf("4th call: %d %s", r.status, r.body)
	}
	// Other families have their own bucket.
	if r := api(t, srv, "GET", "/api/v1/logs?limit=1"); r.status != 200 {
		t.Errorf("logs while users is exhausted: %d", r.status)
	}
	if r := api(t, srv, "GET", "/api/v1/groups?limit=1"); r.status != 200 {
		t.Errorf("groups while users is exhausted: %d", r.status)
	}
	clk.Advance(time.Minute)
	if r := api(t, srv, "GET", path); r.status != 200 {
		t.Errorf("after the window: %d", r.status)
	}
}

func TestUnenforcedRemainingNeverZero(t *testing.T) {
	srv, _ := empty(t)
	var remaining int
	for range 700 { // more than the nominal 600/min users limit
		remaining = srv.limiter.take("users", testNow).remaining
	}
	if remaining < 1 {
		t.Errorf("remaining %d without enforcement", remaining)
	}
}

func TestLatencyRespectsCancellation(t *testing.T) {
	srv, _ := seeded(t)
	srv.SetLatency(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/users/"+DemoActiveUser, nil)
	req.Header.Set("Authorization", "SSWS "+srv.Token)
	errc := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	// Wait until the request is inside the fake, then give up on it.
	for srv.Requests() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("request error %v, want context.Canceled", err)
	}
	srv.SetLatency(0)
	if r := api(t, srv, "GET", "/api/v1/users/"+DemoActiveUser); r.status != 200 {
		t.Errorf("after latency off: %d", r.status)
	}
	// Close must not hang on the abandoned request.
	srv.Close()
}

func TestRequestsCountsCalls(t *testing.T) {
	srv, _ := seeded(t)
	if n := srv.Requests(); n != 0 {
		t.Fatalf("fresh server counted %d requests", n)
	}
	api(t, srv, "GET", "/api/v1/users/"+DemoActiveUser)
	send(t, "GET", srv.URL+"/api/v1/users", "", nil)
	if n := srv.Requests(); n != 2 {
		t.Errorf("Requests() = %d, want 2", n)
	}
}

func TestRouting(t *testing.T) {
	srv, _ := seeded(t)
	tests := []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/api/v1/nosuch", 404, "E0000007"},
		{"GET", "/api/v1/users/" + DemoActiveUser + "/nosuch", 404, "E0000007"},
		{"GET", "/nothing/here", 404, "E0000007"},
		{"DELETE", "/api/v1/users", 405, "E0000022"},
		{"PUT", "/api/v1/logs", 405, "E0000022"},
		{"POST", "/api/v1/users/" + DemoActiveUser + "/groups", 405, "E0000022"},
	}
	for _, tt := range tests {
		r := api(t, srv, tt.method, tt.path)
		if r.status != tt.status || r.err(t).ErrorCode != tt.code {
			t.Errorf("%s %s: %d %s, want %d %s", tt.method, tt.path, r.status, r.body, tt.status, tt.code)
		}
		if tt.status == 405 && r.header.Get("Allow") == "" {
			t.Errorf("%s %s: 405 without Allow", tt.method, tt.path)
		}
	}
}

func TestHandlerServerOnOwnListener(t *testing.T) {
	srv := NewHandlerServer(Options{Seed: true, Token: "sandbox-token"})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	srv.SetURL(ts.URL + "/")
	if srv.URL != ts.URL {
		t.Errorf("URL %q, want %q", srv.URL, ts.URL)
	}
	r := send(t, "GET", ts.URL+"/api/v1/users?limit=2", "SSWS sandbox-token", nil)
	if r.status != 200 || !strings.HasPrefix(r.links()["next"], ts.URL+"/api/v1/users?") {
		t.Errorf("%d, next link %q", r.status, r.links()["next"])
	}
	srv.Close() // a no-op for a handler server
}

func TestConcurrentUse(t *testing.T) {
	srv, _ := seeded(t)
	ids := []string{}
	o := srv.Org()
	o.mu.RLock()
	for _, id := range o.userIDs[:20] {
		ids = append(ids, id)
	}
	o.mu.RUnlock()
	// status sends an SSWS request without t.Fatal, which must not be
	// called off the test goroutine.
	status := func(method, path string) int {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		req.Header.Set("Authorization", "SSWS "+srv.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 25 {
				id := ids[(w*25+i)%len(ids)]
				switch i % 5 {
				case 0:
					status("POST", "/api/v1/users/"+id+"/lifecycle/suspend")
				case 1:
					status("POST", "/api/v1/users/"+id+"/lifecycle/unsuspend")
				case 2:
					status("GET", "/api/v1/logs?limit=50")
				case 3:
					status("GET", "/api/v1/users?limit=10")
				default:
					if got := status("GET", "/api/v1/users/"+id); got != 200 {
						t.Errorf("GET %s: %d", id, got)
					}
				}
			}
		})
	}
	wg.Wait()
}

// TestGroupsHaveTheirOwnBucket: /api/v1/groups is counted apart from the
// users and default families, with its own nominal limit.
func TestGroupsHaveTheirOwnBucket(t *testing.T) {
	srv, _ := seeded(t)
	r := api(t, srv, "GET", "/api/v1/groups?limit=1")
	if limit, _, _ := rateHeaders(t, r); r.status != 200 || limit != familyLimits["groups"] {
		t.Errorf("groups: %d, X-Rate-Limit-Limit %d, want %d", r.status, limit, familyLimits["groups"])
	}
}
