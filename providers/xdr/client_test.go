package xdr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcmd/idcmd/providers/upstream"
)

func TestCommentRequestShape(t *testing.T) {
	var path, method, contentType, ua string
	var body []byte
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, method, contentType, ua = r.URL.Path, r.Method, r.Header.Get("Content-Type"), r.Header.Get("User-Agent")
		body, _ = io.ReadAll(r.Body)
		writeJSON(w, 200, `{"reply": true}`)
	}), nil)

	if err := c.AddIncidentComment(context.Background(), "1234", "**idcmd**: suspended <jdoe>"); err != nil {
		t.Fatal(err)
	}
	if method != http.MethodPost || path != "/public_api/v1/incidents/update_incident/" {
		t.Errorf("%s %s, want POST /public_api/v1/incidents/update_incident/", method, path)
	}
	if contentType != "application/json" || ua != "idcmd/test" {
		t.Errorf("Content-Type = %q, User-Agent = %q", contentType, ua)
	}
	var got any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"request_data": map[string]any{
		"incident_id": "1234",
		"update_data": map[string]any{"comment": map[string]any{"comment_action": "add", "value": "**idcmd**: suspended <jdoe>"}},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   upstream.Error
	}{
		{"400 invalid", 400, nil, `{"reply":{"err_code":400,"err_msg":"Bad Request. Got an invalid JSON.","err_extra":"update_data is required"}}`,
			upstream.Error{Kind: upstream.Invalid, Code: "400", Message: "Bad Request. Got an invalid JSON.", Causes: []string{"update_data is required"}}},
		{"401", 401, nil, `{"reply":{"err_code":401,"err_msg":"Public API request unauthorized","err_extra":null}}`,
			upstream.Error{Kind: upstream.Unauthorized, Code: "401", Message: "Public API request unauthorized"}},
		{"402 licence", 402, nil, `{"reply":{"err_msg":"Invalid license"}}`,
			upstream.Error{Kind: upstream.Unauthorized, Message: "Invalid license"}},
		{"403 rbac", 403, nil, `{"reply":{"err_code":"403","err_msg":"api permission exception"}}`,
			upstream.Error{Kind: upstream.Unauthorized, Code: "403", Message: "api permission exception"}},
		{"404", 404, nil, `{"reply":{"err_code":404,"err_msg":"Not found","err_extra":"Incident 9 does not exist"}}`,
			upstream.Error{Kind: upstream.NotFound, Code: "404", Message: "Not found", Causes: []string{"Incident 9 does not exist"}}},
		{"429 without Retry-After", 429, nil, `{"reply":{"err_code":429,"err_msg":"Too many requests"}}`,
			upstream.Error{Kind: upstream.RateLimited, Code: "429", Message: "Too many requests", RetryAfter: time.Minute}},
		{"429 with Retry-After", 429, http.Header{"Retry-After": {"7"}}, `{}`,
			upstream.Error{Kind: upstream.RateLimited, Message: "Too Many Requests", RetryAfter: 7 * time.Second}},
		{"500 object extra", 500, nil, `{"reply":{"err_code":500,"err_msg":"An error occurred while processing XDR public API","err_extra":{"parse_err":"x"}}}`,
			upstream.Error{Kind: upstream.Unavailable, Code: "500", Message: "An error occurred while processing XDR public API", Causes: []string{`{"parse_err":"x"}`}}},
		{"unwrapped body", 400, nil, `{"err_code":400,"err_msg":"bad filter"}`,
			upstream.Error{Kind: upstream.Invalid, Code: "400", Message: "bad filter"}},
		{"html from a proxy", 502, nil, `<html><body>Bad gateway secret-looking stuff</body></html>`,
			upstream.Error{Kind: upstream.Unavailable, Message: "Bad Gateway"}},
		{"teapot", 418, nil, ``, upstream.Error{Kind: upstream.Unknown, Message: "I'm a teapot"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header()[k] = v
				}
				writeJSON(w, tt.status, tt.body)
			}), func(cfg *Config) { cfg.MaxRetries = -1 })
			err := c.AddIncidentComment(context.Background(), "1", "x")
			got := upstream.As(err)
			if got == nil {
				t.Fatalf("err = %v, want an *upstream.Error", err)
			}
			tt.want.Provider, tt.want.Status = "xdr", tt.status
			if diff := cmp.Diff(tt.want, *got); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrExtraIsBounded(t *testing.T) {
	long := strings.Repeat("x", 5000)
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, `{"reply":{"err_code":400,"err_msg":"bad","err_extra":"`+long+`"}}`)
	}), nil)
	ue := upstream.As(c.AddIncidentComment(context.Background(), "1", "x"))
	if ue == nil || len(ue.Causes) != 1 || len(ue.Causes[0]) > maxExtra+len("…") {
		t.Fatalf("err = %#v, want one cause of at most %d bytes", ue, maxExtra)
	}
}

// counter answers each request with the next status of steps (the last
// repeats), with body for non-2xx and ok for 2xx.
type counter struct {
	hits  atomic.Int32
	steps []int
	ok    string
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(c.hits.Add(1)) - 1
	status := c.steps[min(i, len(c.steps)-1)]
	if status/100 == 2 {
		writeJSON(w, status, c.ok)
		return
	}
	writeJSON(w, status, fmt.Sprintf(`{"reply":{"err_code":%d,"err_msg":"failed"}}`, status))
}

const oneIncident = `{"reply":{"total_count":1,"result_count":1,"incidents":[{"incident_id":"5","status":"new","severity":"high","description":"d","creation_time":1767323045000,"modification_time":1767323046000,"assigned_user_mail":null,"alert_count":2,"xdr_url":"https://acme.xdr/incident-view?caseId=5"}]}}`

func TestRetryPolicies(t *testing.T) {
	tests := []struct {
		name     string
		steps    []int
		ok       string
		call     func(*Client) error
		wantHits int32
		wantKind upstream.Kind // 0 with wantOK
		wantOK   bool
	}{
		{"comment 429 retried", []int{429, 200}, `{"reply":true}`, comment, 2, 0, true},
		{"comment 500 not retried", []int{500, 200}, `{"reply":true}`, comment, 1, upstream.Unavailable, false},
		{"comment 503 not retried", []int{503, 200}, `{"reply":true}`, comment, 1, upstream.Unavailable, false},
		{"read 500 retried", []int{500, 200}, oneIncident, getIncident, 2, 0, true},
		{"read 503 twice retried", []int{503, 503, 200}, oneIncident, getIncident, 3, 0, true},
		{"read gives up after two retries", []int{503}, oneIncident, getIncident, 3, upstream.Unavailable, false},
		{"read 401 not retried", []int{401, 200}, oneIncident, getIncident, 1, upstream.Unauthorized, false},
		{"alerts 429 retried", []int{429, 200}, `true`, insertOne, 2, 0, true},
		{"alerts 503 not retried", []int{503, 200}, `true`, insertOne, 1, upstream.Unavailable, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &counter{steps: tt.steps, ok: tt.ok}
			c, _ := newTestClient(t, h, nil)
			err := tt.call(c)
			if tt.wantOK && err != nil {
				t.Fatalf("err = %v, want success", err)
			}
			if !tt.wantOK && !upstream.IsKind(err, tt.wantKind) {
				t.Fatalf("err = %v, want %v", err, tt.wantKind)
			}
			if got := h.hits.Load(); got != tt.wantHits {
				t.Errorf("%d requests, want %d", got, tt.wantHits)
			}
		})
	}
}

func comment(c *Client) error { return c.AddIncidentComment(context.Background(), "5", "x") }

func getIncident(c *Client) error {
	_, err := c.GetIncident(context.Background(), "5")
	return err
}

func insertOne(c *Client) error {
	return c.InsertParsedAlerts(context.Background(), []ParsedAlert{validAlert()})
}

func TestGetIncidentDecodes(t *testing.T) {
	var body []byte
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		// A numeric incident_id and nulls, as some tenants send them.
		writeJSON(w, 200, `{"reply":{"total_count":1,"result_count":1,"incidents":[{"incident_id":5,"incident_name":null,"status":"resolved_other","severity":"high","manual_severity":null,"description":"MFA fatigue","creation_time":1767323045000,"modification_time":null,"alert_count":2,"xdr_url":"u","extra_field":{"a":1}}]}}`)
	}), nil)

	inc, err := c.GetIncident(context.Background(), "5")
	if err != nil {
		t.Fatal(err)
	}
	want := &Incident{
		ID: "5", Description: "MFA fatigue", Status: "resolved_other", Severity: "high", AlertCount: 2,
		Created: time.UnixMilli(1767323045000).UTC(), URL: "u",
	}
	if diff := cmp.Diff(want, inc, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Raw" }, cmp.Ignore())); diff != "" {
		t.Errorf("incident (-want +got):\n%s", diff)
	}
	if !inc.Resolved() || !strings.Contains(string(inc.Raw), `"extra_field"`) {
		t.Errorf("Resolved() = %v, Raw = %s", inc.Resolved(), inc.Raw)
	}
	wantReq := `{"request_data":{"filters":[{"field":"incident_id_list","operator":"in","value":["5"]}],"search_from":0,"search_to":1}}`
	if string(body) != wantReq {
		t.Errorf("request body = %s\nwant %s", body, wantReq)
	}
}

func TestGetIncidentNotFoundAndBadBodies(t *testing.T) {
	tests := []struct {
		body string
		want upstream.Kind
	}{
		{`{"reply":{"total_count":0,"result_count":0,"incidents":[]}}`, upstream.NotFound},
		{`{"reply":{"incidents":[{"incident_id":"6"}]}}`, upstream.NotFound}, // not the one asked for
		{`not json`, upstream.Unknown},
		{`{"something":"else"}`, upstream.Unknown},
	}
	for _, tt := range tests {
		c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, tt.body) }), nil)
		if _, err := c.GetIncident(context.Background(), "5"); !upstream.IsKind(err, tt.want) {
			t.Errorf("body %s: err = %v, want %v", tt.body, err, tt.want)
		}
	}
}

func TestWritesAnsweredFalse(t *testing.T) {
	tests := []struct {
		body   string
		wantOK bool
	}{
		{`{"reply": true}`, true},
		{`true`, true},
		{`{"reply": {"updated": 1}}`, true}, // an unknown shape: XDR acted, so no error
		{`{"reply": false}`, false},
		{` false `, false},
	}
	for _, tt := range tests {
		c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, tt.body) }), nil)
		err := c.AddIncidentComment(context.Background(), "1", "x")
		if tt.wantOK != (err == nil) || (err != nil && !upstream.IsKind(err, upstream.Unknown)) {
			t.Errorf("body %s: err = %v, want ok=%v", tt.body, err, tt.wantOK)
		}
	}
}

func TestArgumentsRefusedLocally(t *testing.T) {
	var hits atomic.Int32
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }), nil)
	ctx := context.Background()
	for _, id := range []string{"", " 1", "1\n", strings.Repeat("9", 129)} {
		if err := c.AddIncidentComment(ctx, id, "x"); !upstream.IsKind(err, upstream.Invalid) {
			t.Errorf("AddIncidentComment(%q) = %v, want Invalid", id, err)
		}
		if _, err := c.GetIncident(ctx, id); !upstream.IsKind(err, upstream.Invalid) {
			t.Errorf("GetIncident(%q) = %v, want Invalid", id, err)
		}
	}
	if err := c.AddIncidentComment(ctx, "1", "  \n"); !upstream.IsKind(err, upstream.Invalid) {
		t.Errorf("empty comment: %v, want Invalid", err)
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests reached XDR, want none", hits.Load())
	}
}

func TestTimeoutAndUnreachable(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}), func(cfg *Config) { cfg.MaxRetries = -1 })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := c.AddIncidentComment(ctx, "1", "x")
	if !upstream.IsKind(err, upstream.Timeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want Timeout wrapping DeadlineExceeded", err)
	}

	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	c2, err := New(Config{BaseURL: dead.URL, APIKey: testKey, APIKeyID: testKeyID, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	err = c2.Ping(context.Background())
	if !upstream.IsKind(err, upstream.Unavailable) || strings.Contains(err.Error(), testKey) {
		t.Fatalf("err = %v, want Unavailable without the key", err)
	}
}
