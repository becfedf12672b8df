package okta

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcmd/idcmd/providers/upstream"
)

func TestRequestHeadersAndUserEscaping(t *testing.T) {
	var got *http.Request
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		writeJSON(w, 200, userJSON)
	}), nil)

	u, err := c.GetUser(context.Background(), "j doe+x@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got.Header.Get("Authorization") != "SSWS "+testToken {
		t.Errorf("Authorization = %q", got.Header.Get("Authorization"))
	}
	if got.Header.Get("Accept") != "application/json" || got.Header.Get("User-Agent") != "idcmd/test" {
		t.Errorf("Accept = %q, User-Agent = %q", got.Header.Get("Accept"), got.Header.Get("User-Agent"))
	}
	if want := "/api/v1/users/j%20doe+x@example.com"; got.URL.EscapedPath() != want {
		t.Errorf("path = %q, want %q", got.URL.EscapedPath(), want)
	}
	if u.ID != "00u1" || u.Profile.Login != "jdoe@example.com" || u.Created == nil {
		t.Errorf("user = %+v", u)
	}
	if string(u.Raw) != userJSON {
		t.Errorf("Raw = %s, want the exact JSON", u.Raw)
	}
}

func TestUserArgumentsRefusedLocally(t *testing.T) {
	var hits atomic.Int32
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }), nil)
	for _, user := range []string{"", "a/b@example.com", "..", "."} {
		if _, err := c.GetUser(context.Background(), user); !upstream.IsKind(err, upstream.Invalid) {
			t.Errorf("GetUser(%q) = %v, want Invalid", user, err)
		}
	}
	if err := c.SuspendUser(context.Background(), "x/y"); !upstream.IsKind(err, upstream.Invalid) {
		t.Errorf("SuspendUser = %v, want Invalid", err)
	}
	if _, _, err := c.ListUsers(context.Background(), UserQuery{Search: "a", Filter: "b"}); !upstream.IsKind(err, upstream.Invalid) {
		t.Errorf("ListUsers(search+filter) = %v, want Invalid", err)
	}
	if _, _, err := c.ListLogs(context.Background(), LogQuery{Limit: 1001}); !upstream.IsKind(err, upstream.Invalid) {
		t.Errorf("ListLogs(limit 1001) = %v, want Invalid", err)
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests reached Okta, want none", hits.Load())
	}
}

func TestRateLimitedGetRetriedAfterReset(t *testing.T) {
	var hits atomic.Int32
	c, clock, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			writeRateLimited(w, 5*time.Second)
			return
		}
		writeJSON(w, 200, userJSON)
	}), nil)

	if _, err := c.GetUser(context.Background(), "00u1"); err != nil {
		t.Fatal(err)
	}
	// X-Rate-Limit-Reset − Date + 1s, from the server's clock.
	if diff := cmp.Diff([]time.Duration{6 * time.Second}, clock.Sleeps()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
}

func TestRateLimitedPastDeadline(t *testing.T) {
	var hits atomic.Int32
	c, clock, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		writeRateLimited(w, 30*time.Second)
	}), nil)
	ctx, cancel := context.WithDeadline(context.Background(), clock.Now().Add(10*time.Second))
	defer cancel()

	err := c.SuspendUser(ctx, "00u1")
	ue := upstream.As(err)
	if ue == nil || ue.Kind != upstream.RateLimited || ue.RetryAfter != 31*time.Second || ue.Code != "E0000047" || ue.Status != 429 {
		t.Fatalf("err = %#v, want RateLimited, E0000047, RetryAfter 31s", ue)
	}
	if hits.Load() != 1 || len(clock.Sleeps()) != 0 {
		t.Errorf("%d requests, sleeps %v; want one request and no wait", hits.Load(), clock.Sleeps())
	}
}

func TestLifecyclePostRetriedOn429Only(t *testing.T) {
	tests := []struct {
		name     string
		first    func(http.ResponseWriter)
		wantHits int32
		wantKind upstream.Kind
		wantOK   bool
	}{
		{"429 retried", func(w http.ResponseWriter) { writeRateLimited(w, time.Second) }, 2, 0, true},
		{"500 not retried", func(w http.ResponseWriter) { writeJSON(w, 500, `{"errorCode":"E0000009"}`) }, 1, upstream.Unavailable, false},
		{"503 not retried", func(w http.ResponseWriter) { writeJSON(w, 503, `<html>down</html>`) }, 1, upstream.Unavailable, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			var lengths []string
			var mu sync.Mutex
			c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				lengths = append(lengths, r.Header.Get("Content-Length"))
				mu.Unlock()
				if r.Method != http.MethodPost || r.URL.Path != "/api/v1/users/00u1/lifecycle/suspend" {
					t.Errorf("got %s %s", r.Method, r.URL.Path)
				}
				if hits.Add(1) == 1 {
					tt.first(w)
					return
				}
				writeJSON(w, 200, `{}`)
			}), nil)
			err := c.SuspendUser(context.Background(), "00u1")
			if tt.wantOK != (err == nil) || (!tt.wantOK && !upstream.IsKind(err, tt.wantKind)) {
				t.Fatalf("err = %v, want ok=%v kind=%v", err, tt.wantOK, tt.wantKind)
			}
			if hits.Load() != tt.wantHits {
				t.Errorf("requests = %d, want %d", hits.Load(), tt.wantHits)
			}
			for _, l := range lengths {
				if l != "0" {
					t.Errorf("Content-Length = %q, want 0", l)
				}
			}
		})
	}
}

func TestGetRetriedOn500(t *testing.T) {
	var hits atomic.Int32
	c, clock, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			writeJSON(w, 500, `{"errorCode":"E0000009","errorSummary":"Internal Server Error"}`)
			return
		}
		writeJSON(w, 200, userJSON)
	}), nil)
	if _, err := c.GetUser(context.Background(), "00u1"); err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 2 || len(clock.Sleeps()) != 1 {
		t.Errorf("requests = %d, sleeps %v; want a retry after one backoff", hits.Load(), clock.Sleeps())
	}
}

func TestLifecycleBodiesAndQueries(t *testing.T) {
	type req struct{ method, path, query string }
	var got []req
	var mu sync.Mutex
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, req{r.Method, r.URL.Path, r.URL.RawQuery})
		mu.Unlock()
		switch r.URL.Path {
		case "/api/v1/users/00u1/lifecycle/reset_password":
			writeJSON(w, 200, `{"resetPasswordUrl":"https://acme.okta.com/reset_password/XE6wE17zmphl3KqAPFxO"}`)
		case "/api/v1/users/00u1/lifecycle/expire_password":
			writeJSON(w, 200, userJSON)
		case "/api/v1/users/00u1/sessions":
			w.WriteHeader(http.StatusNoContent)
		case "/api/v1/users/00u1/lifecycle/unlock":
			w.WriteHeader(200) // no body at all
		default:
			writeJSON(w, 200, `{}`)
		}
	}), nil)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.SuspendUser(ctx, "00u1"))
	must(c.UnsuspendUser(ctx, "00u1"))
	must(c.UnlockUser(ctx, "00u1"))
	must(c.DeactivateUser(ctx, "00u1", false))
	tok, err := c.ResetPassword(ctx, "00u1", false, true)
	must(err)
	if tok.ResetPasswordURL == "" {
		t.Error("ResetPasswordURL is empty")
	}
	u, err := c.ExpirePassword(ctx, "00u1")
	must(err)
	if u.ID != "00u1" {
		t.Errorf("ExpirePassword user = %+v", u)
	}
	must(c.ClearSessions(ctx, "00u1", true, false))
	must(c.ResetFactors(ctx, "00u1"))

	want := []req{
		{"POST", "/api/v1/users/00u1/lifecycle/suspend", ""},
		{"POST", "/api/v1/users/00u1/lifecycle/unsuspend", ""},
		{"POST", "/api/v1/users/00u1/lifecycle/unlock", ""},
		{"POST", "/api/v1/users/00u1/lifecycle/deactivate", "sendEmail=false"},
		{"POST", "/api/v1/users/00u1/lifecycle/reset_password", "revokeSessions=true&sendEmail=false"},
		{"POST", "/api/v1/users/00u1/lifecycle/expire_password", ""},
		{"DELETE", "/api/v1/users/00u1/sessions", "forgetDevices=false&oauthTokens=true"},
		{"POST", "/api/v1/users/00u1/lifecycle/reset_factors", ""},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(req{})); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestListsDecodeRawPerElement(t *testing.T) {
	groups := `[{"id":"00g1","type":"OKTA_GROUP","profile":{"name":"Everyone"},"_embedded":{"stats":{}}},{"id":"00g2","type":"APP_GROUP","profile":{"name":"Eng","description":"d"}}]`
	apps := `[{"id":"0oa1","appName":"slack","label":"Slack","hidden":false,"sortOrder":0,"credentialsSetup":true}]`
	factors := `[{"id":"mbl1","factorType":"push","provider":"OKTA","status":"ACTIVE","profile":{"name":"Pixel"}}]`
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/users/jdoe/groups":
			writeJSON(w, 200, groups)
		case "/api/v1/users/jdoe/appLinks":
			writeJSON(w, 200, apps)
		case "/api/v1/users/00u1/factors":
			writeJSON(w, 200, factors)
		default:
			http.NotFound(w, r)
		}
	}), nil)
	ctx := context.Background()
	gs, err := c.ListUserGroups(ctx, "jdoe")
	if err != nil {
		t.Fatal(err)
	}
	var want []json.RawMessage
	json.Unmarshal([]byte(groups), &want)
	if len(gs) != 2 || gs[1].Profile.Description != "d" || string(gs[0].Raw) != string(want[0]) || string(gs[1].Raw) != string(want[1]) {
		t.Errorf("groups = %+v", gs)
	}
	as, err := c.ListAppLinks(ctx, "jdoe")
	if err != nil || len(as) != 1 || !as[0].CredentialsSetup || string(as[0].Raw) == "" {
		t.Errorf("ListAppLinks = %+v, %v", as, err)
	}
	fs, err := c.ListFactors(ctx, "00u1")
	if err != nil || len(fs) != 1 || fs[0].FactorType != "push" || string(fs[0].Profile) != `{"name":"Pixel"}` {
		t.Errorf("ListFactors = %+v, %v", fs, err)
	}
}

func TestListUserGroupsFollowsNextLinks(t *testing.T) {
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("after") == "" {
			// Okta may name the user by ID in the next link, and the link
			// names another host: the client keeps its own origin.
			w.Header().Add("Link", `<https://elsewhere.example/api/v1/users/00u1/groups?after=g1>; rel="next"`)
			writeJSON(w, 200, `[{"id":"g1","profile":{"name":"a"}}]`)
			return
		}
		writeJSON(w, 200, `[{"id":"g2","profile":{"name":"b"}}]`)
	}), nil)
	gs, err := c.ListUserGroups(context.Background(), "jdoe@example.com")
	if err != nil || len(gs) != 2 || gs[1].ID != "g2" {
		t.Fatalf("ListUserGroups = %+v, %v", gs, err)
	}
}

func TestPing(t *testing.T) {
	var query string
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query = r.URL.Path + "?" + r.URL.RawQuery
		if r.Header.Get("Authorization") != "SSWS "+testToken {
			writeJSON(w, 401, `{"errorCode":"E0000011","errorSummary":"Invalid token provided"}`)
			return
		}
		writeJSON(w, 200, `[]`)
	}), nil)
	if err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if query != "/api/v1/users?limit=1" {
		t.Errorf("ping request = %s", query)
	}

	bad, err := New(Config{BaseURL: c.base.String(), APIToken: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	if err := bad.Ping(context.Background()); !upstream.IsKind(err, upstream.Unauthorized) {
		t.Errorf("Ping with a bad token = %v, want Unauthorized", err)
	}
	dead, _ := New(Config{BaseURL: "http://127.0.0.1:1", APIToken: "t", MaxRetries: -1})
	if err := dead.Ping(context.Background()); !upstream.IsKind(err, upstream.Unavailable) {
		t.Errorf("Ping to a closed port = %v, want Unavailable", err)
	}
}

func TestTimeoutKind(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}), func(cfg *Config) { cfg.MaxRetries = -1; cfg.Timeout = 20 * time.Millisecond })
	_, err := c.GetUser(context.Background(), "00u1")
	if !upstream.IsKind(err, upstream.Timeout) {
		t.Fatalf("err = %v, want Timeout", err)
	}
}

func TestObserverSeesOperations(t *testing.T) {
	type obs struct {
		op     string
		status int
	}
	var mu sync.Mutex
	var got []obs
	var hits atomic.Int32
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			writeRateLimited(w, 0)
			return
		}
		writeJSON(w, 200, userJSON)
	}), func(cfg *Config) {
		cfg.Observer = func(provider, op string, status int, _ time.Duration) {
			if provider != "okta" {
				t.Errorf("provider = %q", provider)
			}
			mu.Lock()
			got = append(got, obs{op, status})
			mu.Unlock()
		}
	})
	if _, err := c.GetUser(context.Background(), "00u1"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]obs{{"getUser", 429}, {"getUser", 200}}, got, cmp.AllowUnexported(obs{})); diff != "" {
		t.Errorf("observations (-want +got):\n%s", diff)
	}
}
