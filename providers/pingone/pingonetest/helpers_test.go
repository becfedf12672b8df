package pingonetest

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// testNow is the fixed instant tests start at: a Wednesday, 10:04 in the
// demo's US Eastern zone.
var testNow = time.Date(2026, 6, 10, 15, 4, 5, 0, time.UTC)

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: testNow} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// seeded starts a seeded server on a fake clock.
func seeded(t *testing.T) (*Server, *fakeClock) {
	t.Helper()
	clk := newClock()
	srv := NewServer(Options{Seed: true, Now: clk.Now})
	t.Cleanup(srv.Close)
	return srv, clk
}

// empty starts an unseeded server on a fake clock.
func empty(t *testing.T) (*Server, *fakeClock) {
	t.Helper()
	clk := newClock()
	srv := NewServer(Options{Now: clk.Now})
	t.Cleanup(srv.Close)
	return srv, clk
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

// p1Error decodes a PingOne error body and checks its invariants.
func (r response) p1Error(t *testing.T) errorBody {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type = %q", ct)
	}
	var e errorBody
	r.decode(t, &e)
	if e.ID == "" || e.Code == "" || e.Message == "" {
		t.Errorf("incomplete error body %s", r.body)
	}
	return e
}

// send sends a request and returns the whole response.
func send(t testing.TB, method, u string, hdr http.Header, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// fetchToken fetches an access token with HTTP Basic client authentication.
func fetchToken(t testing.TB, srv *Server) string {
	t.Helper()
	r := send(t, "POST", srv.TokenURL(), http.Header{
		"Content-Type":  {"application/x-www-form-urlencoded"},
		"Authorization": {"Basic " + basic(srv.ClientID, srv.ClientSecret)},
	}, "grant_type=client_credentials")
	if r.status != 200 {
		t.Fatalf("token: %d %s", r.status, r.body)
	}
	var tr tokenResponse
	r.decode(t, &tr)
	return tr.AccessToken
}

func basic(id, secret string) string {
	return base64Encode(url.QueryEscape(id) + ":" + url.QueryEscape(secret))
}

// client is an authenticated caller of one server's API.
type client struct {
	t   *testing.T
	srv *Server
	tok string
}

func newClient(t *testing.T, srv *Server) *client {
	return &client{t: t, srv: srv, tok: fetchToken(t, srv)}
}

// do calls path under the environment (e.g. "/users") with an optional
// content type and body.
func (c *client) do(method, path, contentType, body string) response {
	c.t.Helper()
	h := http.Header{"Authorization": {"Bearer " + c.tok}}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return send(c.t, method, c.envURL(path), h, body)
}

func (c *client) envURL(path string) string {
	return c.srv.URL + "/environments/" + c.srv.EnvironmentID + path
}

func (c *client) get(path string) response {
	c.t.Helper()
	return c.do("GET", path, "", "")
}

// must checks the status of r.
func must(t testing.TB, r response, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	return r
}

func userID(t *testing.T, srv *Server, username string) string {
	t.Helper()
	id, ok := srv.Env().UserID(username)
	if !ok {
		t.Fatalf("no user %s", username)
	}
	return id
}

func userState(t *testing.T, srv *Server, username string) UserState {
	t.Helper()
	st, ok := srv.Env().User(username)
	if !ok {
		t.Fatalf("no user %s", username)
	}
	return st
}

// page is a decoded HAL collection.
type page struct {
	Links struct {
		Self struct{ Href string }  `json:"self"`
		Next *struct{ Href string } `json:"next"`
	} `json:"_links"`
	Embedded map[string][]json.RawMessage `json:"_embedded"`
	Count    int                          `json:"count"`
	Size     int                          `json:"size"`
}

func decodePage(t *testing.T, r response, key string) (page, []map[string]any) {
	t.Helper()
	var p page
	r.decode(t, &p)
	raw, ok := p.Embedded[key]
	if !ok {
		t.Fatalf("no _embedded.%s in %.300s", key, r.body)
	}
	items := make([]map[string]any, len(raw))
	for i, b := range raw {
		if err := json.Unmarshal(b, &items[i]); err != nil {
			t.Fatal(err)
		}
	}
	if p.Size != len(items) {
		t.Errorf("size %d, but %d items", p.Size, len(items))
	}
	return p, items
}

// activityFilterFor is a recordedat range covering the last week plus
// extra conditions.
func activityFilterFor(now time.Time, extra string) string {
	f := `recordedat gt "` + now.Add(-7*24*time.Hour-time.Hour).Format(time.RFC3339) + `" AND recordedat lt "` + now.Add(time.Minute).Format(time.RFC3339) + `"`
	if extra != "" {
		f += " AND " + extra
	}
	return f
}

func base64Encode(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// setPasswordLocked locks the user's password out, as failed attempts
// would. For tests.
func (e *Env) setPasswordLocked(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.users[id].pwd.lockedOut = true
}

func compareStrings(a, b string) int { return strings.Compare(a, b) }

func groupIDOf(t *testing.T, env *Env, name string) string {
	t.Helper()
	id, ok := env.GroupID(name)
	if !ok {
		t.Fatalf("no group %s", name)
	}
	return id
}

func populationIDOf(t *testing.T, env *Env, name string) string {
	t.Helper()
	id, ok := env.PopulationID(name)
	if !ok {
		t.Fatalf("no population %s", name)
	}
	return id
}
