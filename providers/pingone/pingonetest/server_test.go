package pingonetest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRouting(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	jdoe := userID(t, srv, DemoActiveUser)
	auth := http.Header{"Authorization": {"Bearer " + c.tok}}
	tests := []struct {
		name      string
		method    string
		url       string
		status    int
		code      string
		wantAllow string
	}{
		{"unknown collection", "GET", c.envURL("/widgets"), 404, "NOT_FOUND", ""},
		{"other environment", "GET", srv.URL + "/environments/00000000-0000-4000-8000-000000000000/users", 404, "NOT_FOUND", ""},
		{"environment itself", "GET", srv.URL + "/environments/" + srv.EnvironmentID, 404, "NOT_FOUND", ""},
		{"SOP path without environments", "GET", srv.URL + "/" + srv.EnvironmentID + "/users", 404, "NOT_FOUND", ""},
		{"outside the API", "GET", srv.AuthURL + "/api/v1/users", 404, "NOT_FOUND", ""},
		{"trailing slash", "GET", c.envURL("/users/"), 404, "NOT_FOUND", ""},
		{"unknown user", "GET", c.envURL("/users/00000000-0000-4000-8000-000000000000"), 404, "NOT_FOUND", ""},
		{"username is not an ID", "GET", c.envURL("/users/" + DemoActiveUser), 404, "NOT_FOUND", ""},
		{"bulk session delete", "DELETE", c.envURL("/users/" + jdoe + "/sessions"), 405, "METHOD_NOT_ALLOWED", "GET"},
		{"delete a user", "DELETE", c.envURL("/users/" + jdoe), 405, "METHOD_NOT_ALLOWED", "GET, POST"},
		{"PUT activities", "PUT", c.envURL("/activities"), 405, "METHOD_NOT_ALLOWED", "GET, POST"},
		{"list risk evaluations", "GET", c.envURL("/riskEvaluations"), 405, "METHOD_NOT_ALLOWED", "POST"},
		{"SOP account path", "PUT", c.envURL("/users/" + jdoe + "/account"), 404, "NOT_FOUND", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, tt.method, tt.url, auth, "")
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if e := r.p1Error(t); e.Code != tt.code {
				t.Errorf("code %s, want %s", e.Code, tt.code)
			}
			if got := r.header.Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow %q, want %q", got, tt.wantAllow)
			}
			if r.header.Get("Correlation-Id") == "" {
				t.Error("no Correlation-Id header")
			}
		})
	}
}

func TestInjectedFailures(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	srv.InjectRateLimit(2)
	srv.InjectStatus(1, http.StatusServiceUnavailable)
	want := []struct {
		status int
		code   string
	}{{429, "REQUEST_LIMITED"}, {429, "REQUEST_LIMITED"}, {503, "UNEXPECTED_ERROR"}, {200, ""}}
	for i, w := range want {
		r := c.get("/users?limit=1")
		if r.status != w.status {
			t.Fatalf("call %d: status %d, want %d", i, r.status, w.status)
		}
		if w.status == 200 {
			continue
		}
		if e := r.p1Error(t); e.Code != w.code {
			t.Errorf("call %d: code %s, want %s", i, e.Code, w.code)
		}
		if w.status == 429 && r.header.Get("Retry-After") != "1" {
			t.Errorf("call %d: Retry-After %q, want 1", i, r.header.Get("Retry-After"))
		}
	}

	// Token requests are not API calls: they are never failed by
	// injection.
	srv.InjectRateLimit(1)
	_ = fetchToken(t, srv)
	must(t, c.get("/users?limit=1"), 429)
}

func TestRequestsCounter(t *testing.T) {
	srv, _ := empty(t)
	before := srv.Requests()
	c := newClient(t, srv) // one token request
	c.get("/users")
	c.get("/nope")
	if got := srv.Requests() - before; got != 3 {
		t.Errorf("Requests grew by %d, want 3", got)
	}
}

func TestLatencyHonoursCancellation(t *testing.T) {
	srv, _ := empty(t)
	srv.SetLatency(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/environments/"+srv.EnvironmentID+"/users", nil)
	done := make(chan error, 1)
	go func() {
		_, err := http.DefaultClient.Do(req)
		done <- err
	}()
	cancel()
	if err := <-done; err == nil {
		t.Fatal("request returned without error despite an hour of latency")
	}
	srv.SetLatency(0)
	must(t, newClient(t, srv).get("/users"), 200)
}

func TestHandlerServer(t *testing.T) {
	srv := NewHandlerServer(Options{Seed: true})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	srv.SetURL(ts.URL + "/v1/")
	if srv.URL != ts.URL+"/v1" || srv.AuthURL != ts.URL {
		t.Fatalf("URL %q AuthURL %q", srv.URL, srv.AuthURL)
	}
	c := newClient(t, srv)
	r := must(t, c.get("/users?limit=2"), 200)
	p, _ := decodePage(t, r, "users")
	if p.Links.Next == nil || !strings.HasPrefix(p.Links.Next.Href, ts.URL+"/v1/environments/") {
		t.Errorf("next link %+v does not point at the handler's URL", p.Links.Next)
	}
	srv.Close() // a no-op for a handler server
}

func TestDefaults(t *testing.T) {
	srv := NewHandlerServer(Options{})
	if srv.EnvironmentID != DefaultEnvironmentID || srv.ClientID != DefaultClientID || srv.ClientSecret != DefaultClientSecret {
		t.Errorf("defaults: %q %q %q", srv.EnvironmentID, srv.ClientID, srv.ClientSecret)
	}
	if srv.Env().ID() != DefaultEnvironmentID || srv.Env().UserCount() != 0 {
		t.Errorf("unseeded environment: %s with %d users", srv.Env().ID(), srv.Env().UserCount())
	}
	custom := NewHandlerServer(Options{EnvironmentID: "e1", ClientID: "c1", ClientSecret: "s1"})
	if custom.EnvironmentID != "e1" || custom.ClientID != "c1" || custom.ClientSecret != "s1" {
		t.Errorf("custom: %q %q %q", custom.EnvironmentID, custom.ClientID, custom.ClientSecret)
	}
}
