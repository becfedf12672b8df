package xsoar_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcmd/idcmd/providers/upstream"
	"github.com/idcmd/idcmd/providers/xsoar"
)

const testKey = "TESTkey-0123456789-must-never-leak"

// captured is one request a test server received.
type captured struct {
	path   string
	header http.Header
	body   map[string]any
}

// recorder answers with reply and records every request.
type recorder struct {
	mu    sync.Mutex
	got   []captured
	reply func(w http.ResponseWriter, r *http.Request)
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(b, &body)
	rec.mu.Lock()
	rec.got = append(rec.got, captured{path: r.URL.Path, header: r.Header.Clone(), body: body})
	rec.mu.Unlock()
	rec.reply(w, r)
}

func (rec *recorder) requests() []captured {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]captured(nil), rec.got...)
}

// okReply answers like XSOAR for the calls the client makes.
func okReply(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.HasSuffix(r.URL.Path, "/incidents/search"):
		io.WriteString(w, `{"data":[{"id":"7","investigationId":"7","name":"n","status":1}],"total":1}`)
	case strings.HasSuffix(r.URL.Path, "/incident"):
		io.WriteString(w, `{"id":"7","investigationId":"7"}`)
	default:
		io.WriteString(w, `{"id":"1@7","investigationId":"7","version":1}`)
	}
}

// newTestClient points an XSOAR 6 client with testKey at handler, on a
// test clock.
func newTestClient(t *testing.T, handler http.Handler, mod func(*xsoar.Config)) (*xsoar.Client, *clock) {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	cfg := xsoar.Config{BaseURL: srv.URL, APIKey: testKey, Version: "test"}
	if mod != nil {
		mod(&cfg)
	}
	clk := newClock()
	return newClient(t, cfg, clk), clk
}

func TestAuthHeadersAndPaths(t *testing.T) {
	empty, public := "", "/xsoar/public/v1/"
	tests := []struct {
		name     string
		mod      func(*xsoar.Config)
		wantPath string
		wantID   string
		advanced bool
	}{
		{"XSOAR 6", nil, "/incidents/search", "", false},
		{"XSOAR 6 behind a proxy path", func(c *xsoar.Config) { c.PathPrefix = &public }, "/xsoar/public/v1/incidents/search", "", false},
		{"XSOAR 8 standard", func(c *xsoar.Config) { c.APIKeyID = "5" }, "/xsoar/incidents/search", "5", false},
		{"XSOAR 8 prefix forced off", func(c *xsoar.Config) { c.APIKeyID = "5"; c.PathPrefix = &empty }, "/incidents/search", "5", false},
		{"XSOAR 8 advanced", func(c *xsoar.Config) { c.APIKeyID = "6"; c.Advanced = true }, "/xsoar/incidents/search", "6", true},
		{"XSOAR 8 advanced public/v1", func(c *xsoar.Config) { c.APIKeyID = "6"; c.Advanced = true; c.PathPrefix = &public }, "/xsoar/public/v1/incidents/search", "6", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{reply: okReply}
			c, clk := newTestClient(t, rec, tt.mod)
			for range 2 {
				if err := c.Ping(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			got := rec.requests()
			for _, r := range got {
				h := r.header
				if r.path != tt.wantPath {
					t.Errorf("path %q, want %q", r.path, tt.wantPath)
				}
				if h.Get("User-Agent") != "idcmd/test" || h.Get("Accept") != "application/json" || h.Get("Content-Type") != "application/json" {
					t.Errorf("headers %v", h)
				}
				if h.Get("x-xdr-auth-id") != tt.wantID {
					t.Errorf("x-xdr-auth-id %q, want %q", h.Get("x-xdr-auth-id"), tt.wantID)
				}
				if !tt.advanced {
					if h.Get("Authorization") != testKey || h.Get("x-xdr-nonce") != "" || h.Get("x-xdr-timestamp") != "" {
						t.Errorf("standard key headers %v", h)
					}
					continue
				}
				nonce, ts := h.Get("x-xdr-nonce"), h.Get("x-xdr-timestamp")
				if len(nonce) != 64 || strings.Trim(nonce, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
					t.Errorf("nonce %q, want 64 characters from [A-Za-z0-9]", nonce)
				}
				if ts != strconv.FormatInt(clk.Now().UnixMilli(), 10) {
					t.Errorf("timestamp %q, want the clock in Unix ms", ts)
				}
				if h.Get("Authorization") != xsoar.AdvancedHash(testKey, nonce, ts) {
					t.Errorf("Authorization is not sha256(key+nonce+timestamp)")
				}
				for k, vs := range h {
					if strings.Contains(strings.Join(vs, " "), testKey) {
						t.Errorf("an advanced key was sent in %s", k)
					}
				}
			}
			if tt.advanced && got[0].header.Get("x-xdr-nonce") == got[1].header.Get("x-xdr-nonce") {
				t.Error("two requests shared a nonce")
			}
		})
	}
}

func TestAdvancedHashIsHexSHA256(t *testing.T) {
	// printf kn1 | sha256sum
	const want = "bf1d27bee1bfcf5e622f10c7e17d3625229c9b149783fce7a5d171ee3458d082"
	if got := xsoar.AdvancedHash("k", "n", "1"); got != want {
		t.Errorf("hash = %q, want %q", got, want)
	}
}

func TestAddEntryWire(t *testing.T) {
	rec := &recorder{reply: okReply}
	c, _ := newTestClient(t, rec, nil)
	id, err := c.AddEntry(context.Background(), xsoar.Entry{InvestigationID: "7", Markdown: "**done**", Note: true, Tags: []string{"idcmd"}})
	if err != nil || id != "1@7" {
		t.Fatalf("AddEntry = %q, %v", id, err)
	}
	want := []captured{
		{path: "/entry", body: map[string]any{"investigationId": "7", "data": "**done**", "markdown": true}},
		{path: "/entry/note", body: map[string]any{"id": "1@7", "version": -1.0, "investigationId": "7", "data": "true"}},
		{path: "/entry/tags", body: map[string]any{"id": "1@7", "version": -1.0, "investigationId": "7", "tags": []any{"idcmd"}}},
	}
	got := rec.requests()
	for i := range got {
		got[i].header = nil
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(captured{})); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestCreateIncidentWire(t *testing.T) {
	rec := &recorder{reply: okReply}
	c, _ := newTestClient(t, rec, nil)
	occurred := time.Date(2026, 1, 2, 4, 4, 5, 0, time.FixedZone("CET", 3600))
	id, err := c.CreateIncident(context.Background(), xsoar.NewIncident{
		Name: "n", Type: "Okta Identity", Severity: xsoar.SeverityInfo, Details: "d", Occurred: occurred,
		Labels: []xsoar.Label{{Type: "user", Value: "u"}}, CustomFields: map[string]any{"scanip": "10.0.0.1"},
		CreateInvestigation: true, PlaybookID: "pb", RawJSON: `{"a":1}`,
	})
	if err != nil || id != "7" {
		t.Fatalf("CreateIncident = %q, %v", id, err)
	}
	want := map[string]any{
		"name": "n", "type": "Okta Identity", "severity": 0.5, "details": "d", "occurred": "2026-01-02T03:04:05Z",
		"labels": []any{map[string]any{"type": "user", "value": "u"}}, "CustomFields": map[string]any{"scanip": "10.0.0.1"},
		"createInvestigation": true, "playbookId": "pb", "rawJSON": `{"a":1}`,
	}
	if diff := cmp.Diff(want, rec.requests()[0].body); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	// Severity 0 is a valid value and is sent, not dropped.
	if _, err := c.CreateIncident(context.Background(), xsoar.NewIncident{Name: "n"}); err != nil {
		t.Fatal(err)
	}
	if body := rec.requests()[1].body; body["severity"] != 0.0 || len(body) != 2 {
		t.Errorf("minimal body = %v, want name and severity only", body)
	}
}

func TestGetIncidentWire(t *testing.T) {
	rec := &recorder{reply: okReply}
	c, _ := newTestClient(t, rec, nil)
	in, err := c.GetIncident(context.Background(), "7")
	if err != nil || in.ID != "7" || in.Status != xsoar.StatusActive {
		t.Fatalf("GetIncident = %+v, %v", in, err)
	}
	want := map[string]any{"filter": map[string]any{"id": []any{"7"}, "page": 0.0, "size": 1.0}}
	if diff := cmp.Diff(want, rec.requests()[0].body); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

func TestInputValidatedBeforeSending(t *testing.T) {
	rec := &recorder{reply: okReply}
	c, _ := newTestClient(t, rec, nil)
	ctx := context.Background()
	calls := map[string]func() error{
		"entry without investigation": func() error { _, err := c.AddEntry(ctx, xsoar.Entry{Markdown: "x"}); return err },
		"entry without text": func() error {
			_, err := c.AddEntry(ctx, xsoar.Entry{InvestigationID: "7", Markdown: " \n"})
			return err
		},
		"blank tag": func() error {
			_, err := c.AddEntry(ctx, xsoar.Entry{InvestigationID: "7", Markdown: "x", Tags: []string{"a", " "}})
			return err
		},
		"incident without name": func() error { _, err := c.CreateIncident(ctx, xsoar.NewIncident{Severity: 1}); return err },
		"severity 5":            func() error { _, err := c.CreateIncident(ctx, xsoar.NewIncident{Name: "n", Severity: 5}); return err },
		"severity 2.5":          func() error { _, err := c.CreateIncident(ctx, xsoar.NewIncident{Name: "n", Severity: 2.5}); return err },
		"display-name field key": func() error {
			_, err := c.CreateIncident(ctx, xsoar.NewIncident{Name: "n", CustomFields: map[string]any{"Scan IP": "x"}})
			return err
		},
		"bad raw JSON": func() error { _, err := c.CreateIncident(ctx, xsoar.NewIncident{Name: "n", RawJSON: "{"}); return err },
		"label without type": func() error {
			_, err := c.CreateIncident(ctx, xsoar.NewIncident{Name: "n", Labels: []xsoar.Label{{Value: "v"}}})
			return err
		},
		"incident without id": func() error { _, err := c.GetIncident(ctx, ""); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			if wantKind(t, err, upstream.Invalid); !xsoar.Permanent(err) {
				t.Errorf("%v: not permanent", err)
			}
		})
	}
	if n := len(rec.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid input", n)
	}
	_, err := c.CreateIncident(ctx, xsoar.NewIncident{Name: "n", CustomFields: map[string]any{"Scan IP": "x"}})
	if !strings.Contains(fmt.Sprint(err), `"scanip"`) {
		t.Errorf("err = %v, want it to name the machine key scanip", err)
	}
}
