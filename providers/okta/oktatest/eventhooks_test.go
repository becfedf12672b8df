package oktatest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const hookSecret = "s3cret-shared-value"

// receiver is an event hook endpoint for tests: it answers verification
// challenges and records every request.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
	// answer, when set, decides the response to a request (n counts
	// requests of that method from 1); nil answers like a good endpoint.
	answer func(r *http.Request, n int) (status int, body string)
	counts map[string]int
}

type recorded struct {
	method string
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	rc := &receiver{counts: map[string]int{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, recorded{r.Method, r.Header.Clone(), b})
		rc.counts[r.Method]++
		n, answer := rc.counts[r.Method], rc.answer
		rc.mu.Unlock()
		if answer != nil {
			status, body := answer(r, n)
			if status == 0 { // hang until the caller gives up
				<-r.Context().Done()
				return
			}
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
			return
		}
		if r.Method == http.MethodGet {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"verification":%q}`, r.Header.Get(challengeHeader))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests(method string) []recorded {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []recorded
	for _, r := range rc.reqs {
		if r.method == method {
			out = append(out, r)
		}
	}
	return out
}

// hookServer starts a seeded fake whose batch window only FlushHooks ends,
// so that what a test appends before flushing is one delivery.
func hookServer(t *testing.T, mutate ...func(*Options)) (*Server, *fakeClock) {
	t.Helper()
	clk := newClock()
	opts := Options{Seed: true, Now: clk.Now, HookBatchWindow: time.Hour, HookTimeout: 200 * time.Millisecond}
	for _, m := range mutate {
		m(&opts)
	}
	srv := NewServer(opts)
	t.Cleanup(srv.Close)
	return srv, clk
}

func hookBody(name, uri string, items ...string) []byte {
	b, _ := json.Marshal(map[string]any{
		"name":   name,
		"events": map[string]any{"type": "EVENT_TYPE", "items": items},
		"channel": map[string]any{"type": "HTTP", "version": "1.0.0", "config": map[string]any{
			"uri":        uri,
			"headers":    []map[string]string{{"key": "X-Other-Header", "value": "my-header-value"}},
			"authScheme": map[string]string{"type": "HEADER", "key": "Authorization", "value": hookSecret},
		}},
	})
	return b
}

func apiBody(t *testing.T, srv *Server, method, path string, body []byte) response {
	t.Helper()
	return sendBody(t, method, srv.URL+path, "SSWS "+srv.Token, body)
}

// createHook registers a hook and returns it decoded.
func createHook(t *testing.T, srv *Server, uri string, items ...string) hookJSON {
	t.Helper()
	r := apiBody(t, srv, "POST", eventHooksPath, hookBody("test hook", uri, items...))
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var h hookJSON
	r.decode(t, &h)
	return h
}

// verifiedHook registers a hook on rc and verifies it.
func verifiedHook(t *testing.T, srv *Server, rc *receiver, items ...string) hookJSON {
	t.Helper()
	h := createHook(t, srv, rc.URL+"/hook", items...)
	r := api(t, srv, "POST", eventHooksPath+"/"+h.ID+"/lifecycle/verify")
	if r.status != 200 {
		t.Fatalf("verify: %d %s", r.status, r.body)
	}
	r.decode(t, &h)
	return h
}

func flush(t *testing.T, srv *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.FlushHooks(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestEventHookCreateReadListNeverReturnTheSecret(t *testing.T) {
	srv, _ := hookServer(t)
	r := apiBody(t, srv, "POST", eventHooksPath, hookBody("test hook", "https://hooks.example.com/okta", "user.session.start"))
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var h hookJSON
	r.decode(t, &h)
	if h.Status != HookActive || h.VerificationStatus != HookUnverified || !strings.HasPrefix(h.ID, "who") || len(h.ID) != 20 {
		t.Errorf("created hook %+v", h)
	}
	if h.CreatedBy == "" || h.Channel.Config.Method != "POST" || h.Channel.Config.AuthScheme.Key != "Authorization" {
		t.Errorf("created hook %+v", h)
	}
	if h.Links["deactivate"].Href == "" || h.Links["verify"].Href == "" {
		t.Errorf("links %v", h.Links)
	}
	for _, got := range []response{r, api(t, srv, "GET", eventHooksPath+"/"+h.ID), api(t, srv, "GET", eventHooksPath)} {
		if got.status != 200 || bytes.Contains(got.body, []byte(hookSecret)) || bytes.Contains(got.body, []byte(`"value":"s3`)) {
			t.Errorf("%d, body returns the write-only authScheme.value: %s", got.status, got.body)
		}
	}
	var list []hookJSON
	api(t, srv, "GET", eventHooksPath).decode(t, &list)
	if len(list) != 1 || list[0].ID != h.ID {
		t.Errorf("list %+v", list)
	}
}

func TestEventHookValidation(t *testing.T) {
	srv, _ := hookServer(t)
	valid := func() map[string]any {
		var m map[string]any
		_ = json.Unmarshal(hookBody("n", "https://h.example.com/x", "user.session.start"), &m)
		return m
	}
	config := func(m map[string]any) map[string]any {
		return m["channel"].(map[string]any)["config"].(map[string]any)
	}
	cases := []struct {
		name, cause string
		edit        func(m map[string]any)
	}{
		{"no name", "name:", func(m map[string]any) { delete(m, "name") }},
		{"no events", "events:", func(m map[string]any) { delete(m, "events") }},
		{"events type", "events.type:", func(m map[string]any) { m["events"].(map[string]any)["type"] = "FLOW" }},
		{"no items", "events.items:", func(m map[string]any) { m["events"].(map[string]any)["items"] = []string{} }},
		{"not an event type", "events.items: Login", func(m map[string]any) { m["events"].(map[string]any)["items"] = []string{"Login"} }},
		{"delivery log", "events.items: event_hook.delivery", func(m map[string]any) {
			m["events"].(map[string]any)["items"] = []string{"event_hook.delivery"}
		}},
		{"channel type", "channel.type:", func(m map[string]any) { m["channel"].(map[string]any)["type"] = "SMTP" }},
		{"channel version", "channel.version:", func(m map[string]any) { m["channel"].(map[string]any)["version"] = "2.0.0" }},
		{"no uri", "channel.config.uri:", func(m map[string]any) { delete(config(m), "uri") }},
		{"http elsewhere", "channel.config.uri: The URI must use HTTPS", func(m map[string]any) { config(m)["uri"] = "http://hooks.example.com/x" }},
		{"ftp", "channel.config.uri:", func(m map[string]any) { config(m)["uri"] = "ftp://127.0.0.1/x" }},
		{"relative", "channel.config.uri:", func(m map[string]any) { config(m)["uri"] = "/hook" }},
		{"auth type", "channel.config.authScheme.type:", func(m map[string]any) { config(m)["authScheme"].(map[string]any)["type"] = "BASIC" }},
		{"auth value", "channel.config.authScheme.value:", func(m map[string]any) { delete(config(m)["authScheme"].(map[string]any), "value") }},
		{"header key", "channel.config.headers:", func(m map[string]any) { config(m)["headers"] = []map[string]string{{"value": "v"}} }},
	}
	for _, tc := range cases {
		m := valid()
		tc.edit(m)
		b, _ := json.Marshal(m)
		r := apiBody(t, srv, "POST", eventHooksPath, b)
		e := r.err(t)
		if r.status != 400 || e.ErrorCode != "E0000001" || e.ErrorSummary != "Api validation failed: eventHook" ||
			len(e.ErrorCauses) == 0 || !strings.HasPrefix(e.ErrorCauses[0].ErrorSummary, tc.cause) {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
	}
	if r := apiBody(t, srv, "POST", eventHooksPath, []byte(`{"name":`)); r.status != 400 || r.err(t).ErrorCode != "E0000003" {
		t.Errorf("malformed: %d %s", r.status, r.body)
	}
	for _, uri := range []string{"https://hooks.example.com/okta", "http://127.0.0.1:9/h", "http://localhost/h", "http://[::1]:8080/h"} {
		if r := apiBody(t, srv, "POST", eventHooksPath, hookBody("n", uri, "user.session.start")); r.status != 200 {
			t.Errorf("%s refused: %s", uri, r.body)
		}
	}
	var list []hookJSON
	api(t, srv, "GET", eventHooksPath).decode(t, &list)
	if len(list) != 4 {
		t.Errorf("%d hooks stored, want only the 4 valid ones", len(list))
	}
}

func TestEventHookUnknownIDAndDeleteRules(t *testing.T) {
	srv, _ := hookServer(t)
	for _, c := range []struct{ method, path string }{
		{"GET", "/whoNoSuchHook0000000"}, {"DELETE", "/whoNoSuchHook0000000"},
		{"POST", "/whoNoSuchHook0000000/lifecycle/activate"}, {"POST", "/whoNoSuchHook0000000/lifecycle/verify"},
	} {
		r := api(t, srv, c.method, eventHooksPath+c.path)
		if r.status != 404 || r.err(t).ErrorCode != "E0000007" {
			t.Errorf("%s %s: %d %s", c.method, c.path, r.status, r.body)
		}
	}
	if r := apiBody(t, srv, "PUT", eventHooksPath+"/whoNoSuchHook0000000", hookBody("n", "https://h.example.com", "user.session.start")); r.status != 404 {
		t.Errorf("PUT unknown: %d", r.status)
	}
	h := createHook(t, srv, "https://h.example.com/x", "user.session.start")
	if r := api(t, srv, "DELETE", eventHooksPath+"/"+h.ID); r.status != 403 {
		t.Errorf("delete ACTIVE: %d %s, want 403", r.status, r.body)
	}
	r := api(t, srv, "POST", eventHooksPath+"/"+h.ID+"/lifecycle/deactivate")
	var got hookJSON
	r.decode(t, &got)
	if got.Status != HookInactive || got.Links["activate"].Href == "" {
		t.Errorf("deactivated: %s", r.body)
	}
	if r := api(t, srv, "DELETE", eventHooksPath+"/"+h.ID); r.status != 204 {
		t.Errorf("delete INACTIVE: %d %s", r.status, r.body)
	}
	if r := api(t, srv, "GET", eventHooksPath+"/"+h.ID); r.status != 404 {
		t.Errorf("after delete: %d", r.status)
	}
}

func TestEventHookScopes(t *testing.T) {
	srv, clk := hookServer(t)
	read := "Bearer " + bearerToken(t, srv, clk, ScopeEventHooksRead)
	if r := send(t, "GET", srv.URL+eventHooksPath, read, nil); r.status != 200 {
		t.Errorf("list with read: %d", r.status)
	}
	r := sendBody(t, "POST", srv.URL+eventHooksPath, read, hookBody("n", "https://h.example.com", "user.session.start"))
	if r.status != 403 {
		t.Errorf("create with read only: %d %s", r.status, r.body)
	}
	other := "Bearer " + bearerToken(t, srv, clk, ScopeUsersRead)
	if r := send(t, "GET", srv.URL+eventHooksPath, other, nil); r.status != 403 {
		t.Errorf("list without eventHooks scope: %d", r.status)
	}
}

func TestEventHookVerification(t *testing.T) {
	srv, _ := hookServer(t)
	rc := newReceiver(t)
	h := verifiedHook(t, srv, rc, "user.session.start")
	if h.VerificationStatus != HookVerified {
		t.Fatalf("not verified: %+v", h)
	}
	gets := rc.requests("GET")
	if len(gets) != 1 {
		t.Fatalf("%d verification requests", len(gets))
	}
	hd := gets[0].header
	if hd.Get(challengeHeader) == "" || hd.Get("Authorization") != hookSecret || hd.Get("X-Other-Header") != "my-header-value" ||
		hd.Get("User-Agent") != hookUserAgent || hd.Get("Accept") != "application/json" {
		t.Errorf("verification headers %v", hd)
	}

	cases := []struct {
		name     string
		answer   func(r *http.Request, n int) (int, string)
		attempts int
	}{
		{"wrong value", func(*http.Request, int) (int, string) { return 200, `{"verification":"nope"}` }, 1},
		{"not json", func(*http.Request, int) (int, string) { return 200, `ok` }, 1},
		{"error twice", func(*http.Request, int) (int, string) { return 500, `` }, 2},
		{"unauthorized", func(*http.Request, int) (int, string) { return 401, `` }, 2},
		{"timeout", func(*http.Request, int) (int, string) { return 0, `` }, 2},
	}
	for _, tc := range cases {
		rc := newReceiver(t)
		rc.answer = tc.answer
		h := createHook(t, srv, rc.URL, "user.session.start")
		r := api(t, srv, "POST", eventHooksPath+"/"+h.ID+"/lifecycle/verify")
		e := r.err(t)
		if r.status != 400 || e.ErrorCode != "E0000001" || len(e.ErrorCauses) != 1 ||
			e.ErrorCauses[0].ErrorSummary != "Unable to verify event hook. Hook test hook execution failed" {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
		if n := len(rc.requests("GET")); n != tc.attempts {
			t.Errorf("%s: %d attempts, want %d", tc.name, n, tc.attempts)
		}
		var got hookJSON
		api(t, srv, "GET", eventHooksPath+"/"+h.ID).decode(t, &got)
		if got.VerificationStatus != HookUnverified {
			t.Errorf("%s: hook became %s", tc.name, got.VerificationStatus)
		}
	}

	// A retry after one error response succeeds.
	rc2 := newReceiver(t)
	rc2.answer = func(r *http.Request, n int) (int, string) {
		if n == 1 {
			return 503, ""
		}
		return 200, fmt.Sprintf(`{"verification":%q}`, r.Header.Get(challengeHeader))
	}
	h2 := createHook(t, srv, rc2.URL, "user.session.start")
	if r := api(t, srv, "POST", eventHooksPath+"/"+h2.ID+"/lifecycle/verify"); r.status != 200 {
		t.Errorf("verify after one 503: %d %s", r.status, r.body)
	}
}

func TestEventHookReplaceChannelNeedsVerifyingAgain(t *testing.T) {
	srv, _ := hookServer(t)
	rc := newReceiver(t)
	h := verifiedHook(t, srv, rc, "user.session.start")
	put := func(body []byte) hookJSON {
		r := apiBody(t, srv, "PUT", eventHooksPath+"/"+h.ID, body)
		if r.status != 200 {
			t.Fatalf("PUT: %d %s", r.status, r.body)
		}
		var got hookJSON
		r.decode(t, &got)
		return got
	}
	got := put(hookBody("renamed", rc.URL+"/hook", "user.session.start", "user.account.lock"))
	if got.VerificationStatus != HookVerified || got.Name != "renamed" || len(got.Events.Items) != 2 {
		t.Errorf("events change: %+v", got)
	}
	if got := put(hookBody("renamed", rc.URL+"/other", "user.session.start")); got.VerificationStatus != HookUnverified {
		t.Errorf("URI change kept %s", got.VerificationStatus)
	}
	if r := apiBody(t, srv, "PUT", eventHooksPath+"/"+h.ID, []byte(`{"name":"x"}`)); r.status != 400 {
		t.Errorf("invalid PUT: %d", r.status)
	}
}
