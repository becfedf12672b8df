package pingone

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testEnvID    = "5f2a8c1e-0b7d-4c3a-9e61-2d4b8f7a1c90"
	testClientID = "7d1e0c4b-worker"
	testSecret   = "S3cret-value_that/must+never=leak"
	testUserID   = "8e3f5a2b-1c4d-4e6f-9a0b-7c8d9e0f1a2b"
)

// fakeClock advances on Sleep instead of blocking.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
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

// tokenRequest is what the fake token endpoint received.
type tokenRequest struct {
	auth, contentType, userAgent, accept string
	form                                 map[string]string
}

// testEnv is one loopback server playing both PingOne hosts: the token
// endpoint under /auth and the API under /v1. Tokens are "tok-1",
// "tok-2", ...; the API handler is called only with the current token,
// anything else gets PingOne's 401.
type testEnv struct {
	srv *httptest.Server

	mu        sync.Mutex
	tokenReqs []tokenRequest
	issued    int
	expiresIn int
	revoked   map[string]bool
	apiHits   int
}

func (e *testEnv) TokenRequests() []tokenRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]tokenRequest(nil), e.tokenReqs...)
}

func (e *testEnv) APIHits() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.apiHits
}

// Revoke makes the API refuse tok from now on.
func (e *testEnv) Revoke(tok string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.revoked[tok] = true
}

func (e *testEnv) serveToken(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	tr := tokenRequest{
		auth:        r.Header.Get("Authorization"),
		contentType: r.Header.Get("Content-Type"),
		userAgent:   r.Header.Get("User-Agent"),
		accept:      r.Header.Get("Accept"),
		form:        map[string]string{},
	}
	for k := range r.PostForm {
		tr.form[k] = r.PostForm.Get(k)
	}
	e.mu.Lock()
	e.tokenReqs = append(e.tokenReqs, tr)
	e.issued++
	tok := fmt.Sprintf("tok-%d", e.issued)
	expires := e.expiresIn
	e.mu.Unlock()
	writeJSON(w, 200, fmt.Sprintf(`{"access_token":%q,"token_type":"Bearer","expires_in":%d,"scope":"openid"}`, tok, expires))
}

// newTestClient starts api (mounted under /v1/environments/<env>) on
// loopback and returns a client for it with a fake clock.
func newTestClient(t *testing.T, api http.Handler, mod func(*Config)) (*Client, *fakeClock, *testEnv) {
	t.Helper()
	e := &testEnv{expiresIn: 3600, revoked: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /auth/"+testEnvID+"/as/token", e.serveToken)
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		e.mu.Lock()
		e.apiHits++
		ok := tok == fmt.Sprintf("tok-%d", e.issued) && !e.revoked[tok]
		e.mu.Unlock()
		if !ok {
			writeJSON(w, 401, `{"id":"e1","code":"ACCESS_FAILED","message":"The request could not be completed. You do not have access to this resource."}`)
			return
		}
		api.ServeHTTP(w, r)
	})
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	cfg := Config{
		EnvironmentID: testEnvID,
		ClientID:      testClientID,
		ClientSecret:  testSecret,
		APIURL:        e.srv.URL + "/v1",
		AuthURL:       e.srv.URL + "/auth",
		Version:       "test",
	}
	if mod != nil {
		mod(&cfg)
	}
	c, clock := newClient(t, cfg)
	return c, clock, e
}

// newClient returns a client for cfg with a fake clock.
func newClient(t *testing.T, cfg Config) (*Client, *fakeClock) {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Now().Truncate(time.Second)}
	SetTestClock(c, clock.Now, clock.Sleep)
	return c, clock
}

// envPath is where the API handler finds this environment's resources.
const envPath = "/v1/environments/" + testEnvID

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func writeRateLimited(w http.ResponseWriter, retryAfter string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	writeJSON(w, 429, `{"id":"e2","code":"REQUEST_LIMITED","message":"The request could not be completed. Too many requests."}`)
}

// hal wraps items (JSON objects) as a PingOne collection page.
func hal(key, next string, items ...string) string {
	links := `{"self":{"href":"x"}}`
	if next != "" {
		links = fmt.Sprintf(`{"self":{"href":"x"},"next":{"href":%q}}`, next)
	}
	return fmt.Sprintf(`{"_links":%s,"_embedded":{%q:[%s]},"count":%d,"size":%d}`,
		links, key, strings.Join(items, ","), len(items), len(items))
}

const userJSON = `{"_links":{"self":{"href":"x"}},"id":"` + testUserID + `","username":"jdoe","email":"jdoe@example.com","name":{"given":"J","family":"Doe"},"enabled":true,"account":{"status":"LOCKED","canAuthenticate":false,"lockedAt":"2026-01-02T03:04:05.000Z","unlockAt":"2026-01-03T03:04:05.000Z","secondsUntilUnlock":60},"lifecycle":{"status":"ACCOUNT_OK"},"mfaEnabled":true,"population":{"id":"p1"},"lastSignOn":{"at":"2026-01-01T00:00:00.000Z","remoteIp":"192.0.2.1"},"createdAt":"2025-01-02T03:04:05.000Z","updatedAt":"2025-02-02T03:04:05.000Z","custom":{"x":1}}`
