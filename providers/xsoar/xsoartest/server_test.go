package xsoartest

import (
	"bytes"
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

// clock is a settable clock shared with the fake.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// send posts body to path under the fake's prefix with the given headers.
func send(t *testing.T, srv *Server, path string, header http.Header, body string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+srv.PathPrefix+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header.Clone()
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// signed returns advanced-key headers for key at time at with nonce.
func signed(id, key, nonce string, at time.Time) http.Header {
	ts := strconv.FormatInt(at.UnixMilli(), 10)
	sum := sha256.Sum256([]byte(key + nonce + ts))
	return http.Header{
		"X-Xdr-Auth-Id":   {id},
		"X-Xdr-Nonce":     {nonce},
		"X-Xdr-Timestamp": {ts},
		"Authorization":   {hex.EncodeToString(sum[:])},
	}
}

const search = `{"filter":{"size":1}}`

func TestAuthXSOAR6(t *testing.T) {
	srv := NewServer(Options{APIKey: "k6"})
	defer srv.Close()
	if srv.PathPrefix != "" {
		t.Fatalf("XSOAR 6 prefix = %q, want none", srv.PathPrefix)
	}
	if r := send(t, srv, "/incidents/search", http.Header{"Authorization": {"k6"}}, search); r.status != 200 {
		t.Fatalf("right key: %d %s", r.status, r.body)
	}
	for name, h := range map[string]http.Header{
		"wrong key":    {"Authorization": {"nope"}},
		"no key":       {},
		"bearer":       {"Authorization": {"Bearer k6"}},
		"only auth id": {"X-Xdr-Auth-Id": {"k6"}},
	} {
		r := send(t, srv, "/incidents/search", h, search)
		var body serverError
		_ = json.Unmarshal(r.body, &body)
		if r.status != 403 || body.ID != "forbidden" || body.Detail != "Issue with CSRF code" {
			t.Errorf("%s: %d %s, want XSOAR 6's 403 forbidden", name, r.status, r.body)
		}
	}
}

func TestAuthXSOAR8Standard(t *testing.T) {
	srv := NewServer(Options{APIKey: "k8", APIKeyID: "12"})
	defer srv.Close()
	if srv.PathPrefix != DefaultV8Prefix {
		t.Fatalf("XSOAR 8 prefix = %q, want %q", srv.PathPrefix, DefaultV8Prefix)
	}
	ok := http.Header{"Authorization": {"k8"}, "X-Xdr-Auth-Id": {"12"}}
	if r := send(t, srv, "/incidents/search", ok, search); r.status != 200 {
		t.Fatalf("right key: %d %s", r.status, r.body)
	}
	for name, h := range map[string]http.Header{
		"wrong key": {"Authorization": {"k9"}, "X-Xdr-Auth-Id": {"12"}},
		"wrong id":  {"Authorization": {"k8"}, "X-Xdr-Auth-Id": {"13"}},
		"no id":     {"Authorization": {"k8"}},
	} {
		r := send(t, srv, "/incidents/search", h, search)
		if r.status != 401 || !strings.Contains(string(r.body), `"err_code":401`) {
			t.Errorf("%s: %d %s, want the gateway's 401", name, r.status, r.body)
		}
	}
	// Outside the prefix there is no API.
	r := send(t, srv, "/../incidents/search", ok, search)
	if r.status != 404 {
		t.Errorf("without the prefix: %d, want 404", r.status)
	}
}

func TestAuthXSOAR8Advanced(t *testing.T) {
	clk := &clock{now: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	srv := NewServer(Options{APIKey: "adv", Advanced: true, PathPrefix: "/xsoar/public/v1/", Now: clk.Now})
	defer srv.Close()
	if srv.APIKeyID != DefaultAPIKeyID || srv.PathPrefix != "/xsoar/public/v1" {
		t.Fatalf("id %q prefix %q", srv.APIKeyID, srv.PathPrefix)
	}
	nonce := strings.Repeat("aB3", 21) + "z"
	h := signed(srv.APIKeyID, "adv", nonce, clk.Now())
	if r := send(t, srv, "/incidents/search", h, search); r.status != 200 {
		t.Fatalf("signed: %d %s", r.status, r.body)
	}
	if r := send(t, srv, "/incidents/search", h, search); r.status != 401 {
		t.Errorf("replayed nonce: %d, want 401", r.status)
	}
	other := strings.Repeat("Q", 64)
	cases := map[string]http.Header{
		"stale":      signed(srv.APIKeyID, "adv", other, clk.Now().Add(-6*time.Minute)),
		"future":     signed(srv.APIKeyID, "adv", other, clk.Now().Add(6*time.Minute)),
		"wrong key":  signed(srv.APIKeyID, "nope", other, clk.Now()),
		"short":      signed(srv.APIKeyID, "adv", "abc", clk.Now()),
		"plain key":  {"Authorization": {"adv"}, "X-Xdr-Auth-Id": {srv.APIKeyID}},
		"bad nonce":  signed(srv.APIKeyID, "adv", strings.Repeat("-", 64), clk.Now()),
		"wrong id":   signed("99", "adv", other, clk.Now()),
		"no headers": {},
	}
	for name, h := range cases {
		if r := send(t, srv, "/incidents/search", h, search); r.status != 401 {
			t.Errorf("%s: %d %s, want 401", name, r.status, r.body)
		}
	}
	// None of the refused requests used the nonce up.
	if r := send(t, srv, "/incidents/search", signed(srv.APIKeyID, "adv", other, clk.Now()), search); r.status != 200 {
		t.Errorf("fresh nonce after refusals: %d %s", r.status, r.body)
	}
}

func TestEntriesLifecycle(t *testing.T) {
	clk := &clock{now: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	srv := NewServer(Options{Now: clk.Now})
	defer srv.Close()
	auth := http.Header{"Authorization": {srv.APIKey}}
	inv := srv.AddIncident("Okta: suspicious sign-in jdoe@example.com", SeverityHigh)

	r := send(t, srv, "/entry", auth, `{"investigationId":"`+inv+`","data":"# Done","markdown":true}`)
	if r.status != 200 {
		t.Fatalf("add: %d %s", r.status, r.body)
	}
	clk.Advance(time.Second)
	send(t, srv, "/entry", auth, `{"investigationId":"`+inv+`","data":"plain"}`)
	id := "1@" + inv
	if r := send(t, srv, "/entry/note", auth, `{"id":"`+id+`","version":1,"investigationId":"`+inv+`","data":"true"}`); r.status != 200 {
		t.Fatalf("note with the current version: %d %s", r.status, r.body)
	}
	if r := send(t, srv, "/entry/note", auth, `{"id":"`+id+`","version":1,"investigationId":"`+inv+`","data":"false"}`); r.status != 400 || !strings.Contains(string(r.body), "DB version conflict") {
		t.Errorf("stale version: %d %s, want 400 DB version conflict", r.status, r.body)
	}
	if r := send(t, srv, "/entry/tags", auth, `{"id":"`+id+`","version":-1,"investigationId":"`+inv+`","tags":["idcmd","okta"]}`); r.status != 200 {
		t.Fatalf("tags: %d %s", r.status, r.body)
	}
	if r := send(t, srv, "/entry/note", auth, `{"id":"`+id+`","version":-1,"investigationId":"`+inv+`","data":"yes"}`); r.status != 400 {
		t.Errorf("note data yes: %d, want 400", r.status)
	}
	if r := send(t, srv, "/entry/note", auth, `{"id":"9@`+inv+`","version":-1,"investigationId":"`+inv+`","data":"true"}`); r.status != 400 {
		t.Errorf("unknown entry: %d, want 400", r.status)
	}

	got := srv.Entries(inv)
	if len(got) != 2 {
		t.Fatalf("entries = %+v, want 2", got)
	}
	first, second := got[0], got[1]
	if first.ID != id || first.Markdown != "# Done" || first.Format != "markdown" || !first.Note ||
		strings.Join(first.Tags, ",") != "idcmd,okta" || first.Version != 3 || !first.Created.Equal(clk.Now().Add(-time.Second)) {
		t.Errorf("first entry = %+v", first)
	}
	if second.ID != "2@"+inv || second.Format != "text" || second.Note {
		t.Errorf("second entry = %+v", second)
	}

	srv.CloseIncident(inv)
	for path, body := range map[string]string{
		"/entry":      `{"investigationId":"` + inv + `","data":"late","markdown":true}`,
		"/entry/note": `{"id":"` + id + `","version":-1,"investigationId":"` + inv + `","data":"false"}`,
	} {
		if r := send(t, srv, path, auth, body); r.status != 412 {
			t.Errorf("%s on a closed investigation: %d %s, want 412", path, r.status, r.body)
		}
	}
	if n := len(srv.Entries(inv)); n != 2 {
		t.Errorf("closed investigation has %d entries, want 2", n)
	}
}

func TestBadRequests(t *testing.T) {
	srv := NewServer(Options{})
	defer srv.Close()
	auth := http.Header{"Authorization": {srv.APIKey}}
	inv := srv.AddIncident("x", SeverityLow)
	tests := []struct {
		name, path, body string
		header           http.Header
		want             int
	}{
		{"unknown investigation", "/entry", `{"investigationId":"999","data":"x"}`, auth, 400},
		{"no investigation", "/entry", `{"data":"x"}`, auth, 400},
		{"no data", "/entry", `{"investigationId":"` + inv + `"}`, auth, 400},
		{"not json", "/entry", `investigationId=1`, auth, 400},
		{"array", "/incident", `[{"name":"x"}]`, auth, 400},
		{"wrong type", "/incident", `{"name":"x","severity":"high"}`, auth, 400},
		{"severity out of range", "/incident", `{"name":"x","severity":7}`, auth, 400},
		{"bad rawJSON", "/incident", `{"name":"x","rawJSON":"{"}`, auth, 400},
		{"update", "/incident", `{"id":"1","name":"x"}`, auth, 400},
		{"bad query", "/incidents/search", `{"filter":{"query":"jdoe OR asmith","size":5}}`, auth, 400},
		{"bad sort", "/incidents/search", `{"filter":{"size":5,"sort":[{"field":"owner"}]}}`, auth, 400},
		{"unknown path", "/incident/batch", `{}`, auth, 404},
		{"form body", "/incident", `{}`, http.Header{"Authorization": {srv.APIKey}, "Content-Type": {"application/x-www-form-urlencoded"}}, 415},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, srv, tt.path, tt.header, tt.body)
			var body serverError
			if r.status != tt.want || json.Unmarshal(r.body, &body) != nil || body.Status != tt.want || body.ID == "" {
				t.Errorf("%d %s, want %d with an XSOAR error body", r.status, r.body, tt.want)
			}
		})
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/incidents/search", nil)
	req.Header.Set("Authorization", srv.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: %d Allow %q, want 405 POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestCreateIncident(t *testing.T) {
	srv := NewServer(Options{})
	defer srv.Close()
	auth := http.Header{"Authorization": {srv.APIKey}}
	r := send(t, srv, "/incident", auth, `{"name":"PingOne: password spraying","severity":2,"labels":[{"type":"ip","value":"198.51.100.23"}],
		"CustomFields":{"sourceip":"198.51.100.23"},"customFields":{"riskscore":70},"occurred":"2026-01-02T03:04:05+01:00"}`)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var created incidentWire
	if err := json.Unmarshal(r.body, &created); err != nil {
		t.Fatal(err)
	}
	in, ok := srv.Incident(created.ID)
	if !ok || in.InvestigationID != created.ID || in.Type != "Unclassified" || in.Status != StatusPending ||
		in.CustomFields["sourceip"] != "198.51.100.23" || in.CustomFields["riskscore"] != 70.0 ||
		!in.Occurred.Equal(time.Date(2026, 1, 2, 2, 4, 5, 0, time.UTC)) || len(in.Labels) != 1 {
		t.Errorf("stored %+v", in)
	}
	send(t, srv, "/incident", auth, `{"name":"active","severity":1,"createInvestigation":true}`)
	if got := srv.Incidents(); len(got) != 2 || got[1].Status != StatusActive {
		t.Errorf("createInvestigation: %+v", got)
	}
}

func TestSearch(t *testing.T) {
	srv := NewServer(Options{})
	defer srv.Close()
	SeedDemo(srv)
	auth := http.Header{"Authorization": {srv.APIKey}}
	ids := func(body string) (got []string, total int) {
		t.Helper()
		r := send(t, srv, "/incidents/search", auth, body)
		var out searchResponse
		if r.status != 200 || json.Unmarshal(r.body, &out) != nil {
			t.Fatalf("%s: %d %s", body, r.status, r.body)
		}
		for _, in := range out.Data {
			got = append(got, in.ID)
		}
		return got, out.Total
	}
	check := func(body, want string, wantTotal int) {
		t.Helper()
		got, total := ids(body)
		if strings.Join(got, ",") != want || total != wantTotal {
			t.Errorf("%s: %v total %d, want [%s] total %d", body, got, total, want, wantTotal)
		}
	}
	check(`{"filter":{}}`, "", 5)                                         // size 0 returns nothing
	check(`{"filter":{"size":2}}`, "5,4", 5)                              // newest first
	check(`{"filter":{"size":2,"page":2}}`, "1", 5)                       // last page
	check(`{"filter":{"size":2,"page":9}}`, "", 5)                        // past the end
	check(`{"filter":{"size":10,"status":[2]}}`, "5", 1)                  // closed
	check(`{"filter":{"size":10,"notStatus":[2],"level":[3]}}`, "3,1", 2) // open and high
	check(`{"filter":{"size":10,"query":"-status:closed type:\"PingOne Identity\""}}`, "4,2", 2)
	check(`{"filter":{"size":10,"query":"name:jdoe severity:high"}}`, "1", 1)
	check(`{"filter":{"size":10,"sort":[{"field":"severity","asc":true}]}}`, "4,5,2,3,1", 5)
	check(`{"filter":{"size":1,"id":["2"]}}`, "2", 1)
}

func TestInjectDownAndCount(t *testing.T) {
	srv := NewServer(Options{})
	defer srv.Close()
	auth := http.Header{"Authorization": {srv.APIKey}}
	inv := srv.AddIncident("x", SeverityLow)
	add := `{"investigationId":"` + inv + `","data":"x"}`

	srv.InjectStatus(1, 429)
	srv.InjectStatus(1, 503)
	for _, want := range []int{429, 503, 200} {
		if r := send(t, srv, "/entry", auth, add); r.status != want {
			t.Errorf("got %d, want %d", r.status, want)
		}
	}
	// An injected failure comes after authentication.
	srv.InjectStatus(1, 500)
	if r := send(t, srv, "/entry", http.Header{"Authorization": {"bad"}}, add); r.status != 403 {
		t.Errorf("bad key with a failure queued: %d, want 403", r.status)
	}
	if r := send(t, srv, "/entry", auth, add); r.status != 500 {
		t.Errorf("queued failure: %d, want 500", r.status)
	}
	srv.SetDown(true)
	if r := send(t, srv, "/entry", auth, add); r.status != 503 || strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Errorf("down: %d %q, want a plain 503", r.status, r.header.Get("Content-Type"))
	}
	srv.SetDown(false)
	if n := len(srv.Entries(inv)); n != 1 {
		t.Errorf("entries = %d, want only the one that succeeded", n)
	}
	if n := srv.Requests(); n != 6 {
		t.Errorf("Requests() = %d, want 6", n)
	}
}

func TestHandlerServer(t *testing.T) {
	srv := NewHandlerServer(Options{APIKeyID: "4"})
	srv.SetURL("http://127.0.0.1:9/")
	if srv.URL != "http://127.0.0.1:9" {
		t.Errorf("URL = %q", srv.URL)
	}
	srv.Close() // a no-op without a listener
	req, _ := http.NewRequest(http.MethodPost, "/xsoar/incidents/search", bytes.NewReader([]byte(search)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", srv.APIKey)
	req.Header.Set("x-xdr-auth-id", "4")
	rec := &recorder{header: http.Header{}}
	srv.Handler().ServeHTTP(rec, req)
	if rec.status != 200 {
		t.Errorf("handler: %d %s", rec.status, rec.body.String())
	}
}

// recorder is a minimal http.ResponseWriter.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(s int)           { r.status = s }

func TestSeedDemo(t *testing.T) {
	srv := NewHandlerServer(Options{})
	SeedDemo(srv)
	got := srv.Incidents()
	var open, closed int
	for _, in := range got {
		if in.IsClosed() {
			closed++
		} else {
			open++
		}
		if in.Name == "" || in.InvestigationID != in.ID || len(in.Labels) == 0 {
			t.Errorf("seeded %+v", in)
		}
	}
	if open != 4 || closed != 1 || got[0].Name != "Okta: suspicious sign-in jdoe@example.com" || got[1].Name != "PingOne: password spraying" {
		t.Errorf("seed: %d open, %d closed: %+v", open, closed, got)
	}
	defer func() {
		if recover() == nil {
			t.Error("CloseIncident of an unknown incident did not panic")
		}
	}()
	srv.CloseIncident("42")
}
