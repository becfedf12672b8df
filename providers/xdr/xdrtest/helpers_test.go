package xdrtest

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testClock is a settable clock for the fake.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newTestServer starts a fake with a test clock.
func newTestServer(t *testing.T, opts Options) (*Server, *testClock) {
	t.Helper()
	clk := &testClock{now: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	opts.Now = clk.Now
	s := NewServer(opts)
	t.Cleanup(s.Close)
	return s, clk
}

// auth is how a test request authenticates.
type auth struct {
	key, keyID string
	advanced   bool
	nonce      string    // "" makes a fresh one
	at         time.Time // the advanced timestamp
}

func (a auth) apply(h http.Header) {
	h.Set("x-xdr-auth-id", a.keyID)
	if !a.advanced {
		h.Set("Authorization", a.key)
		return
	}
	nonce := a.nonce
	if nonce == "" {
		nonce = (rand.Text() + rand.Text() + rand.Text())[:64] // base32: [A-Z2-7]
	}
	ts := strconv.FormatInt(a.at.UnixMilli(), 10)
	sum := sha256.Sum256([]byte(a.key + nonce + ts))
	h.Set("x-xdr-nonce", nonce)
	h.Set("x-xdr-timestamp", ts)
	h.Set("Authorization", hex.EncodeToString(sum[:]))
}

// goodAuth is the server's own key, signed at the server's time.
func goodAuth(s *Server) auth {
	return auth{key: s.APIKey, keyID: s.APIKeyID, advanced: s.Advanced, at: s.now()}
}

// post sends body to path and returns the status and decoded JSON body.
func post(t *testing.T, s *Server, path string, a auth, body string) (int, any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	a.apply(req.Header)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return resp.StatusCode, string(raw)
	}
	return resp.StatusCode, v
}

// errReply returns the reply object of an XDR error body, or nil.
func errReply(v any) map[string]any {
	m, _ := v.(map[string]any)
	r, _ := m["reply"].(map[string]any)
	if _, ok := r["err_code"]; !ok {
		return nil
	}
	return r
}

const (
	pathGet    = "/public_api/v1/incidents/get_incidents/"
	pathUpdate = "/public_api/v1/incidents/update_incident/"
	pathInsert = "/public_api/v1/alerts/insert_parsed_alerts/"
)

// alertJSON is one valid alert; override fields with extra (a JSON
// object's members, without braces, appended last).
func alertJSON(extra string) string {
	base := `"product":"idcmd","vendor":"Okta","local_ip":"0.0.0.0","local_port":0,"remote_ip":"203.0.113.7","remote_port":"443","event_timestamp":1772600767000,"severity":"Low","alert_name":"n","alert_description":"d"`
	if extra != "" {
		base += "," + extra
	}
	return "{" + base + "}"
}

// alertsBody wraps n copies of alert in an insert_parsed_alerts body.
func alertsBody(n int, alert string) string {
	var b bytes.Buffer
	b.WriteString(`{"request_data":{"alerts":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(alert)
	}
	b.WriteString(`]}}`)
	return b.String()
}
