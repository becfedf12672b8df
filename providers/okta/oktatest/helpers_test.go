package oktatest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// testNow is the fixed instant tests start at: a Wednesday.
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

// errBody decodes an Okta error body.
func (r response) err(t *testing.T) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	return e
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

// links returns the URLs of the Link headers by relation.
func (r response) links() map[string]string {
	out := map[string]string{}
	for _, l := range r.header.Values("Link") {
		u, rel, ok := strings.Cut(l, ">; rel=")
		if ok {
			out[strings.Trim(rel, `"`)] = strings.TrimPrefix(u, "<")
		}
	}
	return out
}

// call sends a request with the given Authorization header value ("" for
// none) and returns the whole response.
func send(t *testing.T, method, url, auth string, hdr http.Header) response {
	t.Helper()
	return sendWith(t, method, url, auth, hdr, nil)
}

// sendWith is send with a request body.
func sendWith(t *testing.T, method, url, auth string, hdr http.Header, body io.Reader) response {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
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

// api sends an SSWS-authenticated request to path under srv.
func api(t *testing.T, srv *Server, method, path string) response {
	t.Helper()
	return send(t, method, srv.URL+path, "SSWS "+srv.Token, nil)
}

func userIDOf(t *testing.T, srv *Server, login string) string {
	t.Helper()
	id, ok := srv.Org().UserID(login)
	if !ok {
		t.Fatalf("no user %s", login)
	}
	return id
}
