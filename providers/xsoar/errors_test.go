package xsoar_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcmd/idcmd/providers/upstream"
	"github.com/idcmd/idcmd/providers/xsoar"
)

// answer replies with a fixed status, headers and body.
func answer(status int, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    upstream.Error // Provider, Err are not compared
	}{
		{"XSOAR 6 bad key", answer(403, `{"id":"forbidden","status":403,"title":"Forbidden","detail":"Issue with CSRF code","error":"http: named cookie not present","encrypted":false,"multires":null}`),
			upstream.Error{Kind: upstream.Unauthorized, Status: 403, Code: "forbidden", Message: "Issue with CSRF code", Causes: []string{"http: named cookie not present"}}},
		{"XSOAR 8 gateway refusal", answer(401, `{"reply":{"err_code":401,"err_msg":"Public API request unauthorized","err_extra":null}}`),
			upstream.Error{Kind: upstream.Unauthorized, Status: 401, Code: "401", Message: "Public API request unauthorized"}},
		{"gateway extra", answer(403, `{"reply":{"err_code":"403","err_msg":"no RBAC","err_extra":{"role":"viewer"}}}`),
			upstream.Error{Kind: upstream.Unauthorized, Status: 403, Code: "403", Message: "no RBAC", Causes: []string{`{"role":"viewer"}`}}},
		{"bad request", answer(400, `{"id":"bad_request","status":400,"title":"Bad request","detail":"Request body is not well-formed. It must be JSON.","error":"unexpected EOF"}`),
			upstream.Error{Kind: upstream.Invalid, Status: 400, Code: "bad_request", Message: "Request body is not well-formed. It must be JSON.", Causes: []string{"unexpected EOF"}}},
		{"closed investigation", answer(412, `{"id":"x","detail":"whatever"}`),
			upstream.Error{Kind: upstream.Conflict, Status: 412, Code: xsoar.CodeInvestigationClosed,
				Message: "the incident's investigation is closed; XSOAR accepts no more entries for it"}},
		{"closed investigation, empty body", answer(412, ``),
			upstream.Error{Kind: upstream.Conflict, Status: 412, Code: xsoar.CodeInvestigationClosed,
				Message: "the incident's investigation is closed; XSOAR accepts no more entries for it"}},
		{"not found", answer(404, `{"id":"not_found","status":404,"title":"Not found","detail":"The page you requested is not found"}`),
			upstream.Error{Kind: upstream.NotFound, Status: 404, Code: "not_found", Message: "The page you requested is not found"}},
		{"HTML from a proxy", answer(502, `<html><body>bad gateway <script>x</script></body></html>`, "Content-Type", "text/html"),
			upstream.Error{Kind: upstream.Unavailable, Status: 502, Message: "Bad Gateway"}},
		{"internal error", answer(500, `{"id":"internal_server_error","status":500,"title":"Internal Server Error","detail":"Something went wrong."}`),
			upstream.Error{Kind: upstream.Unavailable, Status: 500, Code: "internal_server_error", Message: "Something went wrong."}},
		{"rate limited with Retry-After", answer(429, `{}`, "Retry-After", "7"),
			upstream.Error{Kind: upstream.RateLimited, Status: 429, Message: "Too Many Requests", RetryAfter: 7 * time.Second}},
		{"rate limited without Retry-After", answer(429, ``),
			upstream.Error{Kind: upstream.RateLimited, Status: 429, Message: "Too Many Requests", RetryAfter: time.Minute}},
		{"teapot", answer(418, `null`),
			upstream.Error{Kind: upstream.Unknown, Status: 418, Message: "I'm a teapot"}},
		{"key echoed back", answer(401, `{"id":"unauthorized","detail":"bad key `+testKey+`","error":"Authorization: `+testKey+`"}`),
			upstream.Error{Kind: upstream.Unauthorized, Status: 401, Code: "unauthorized", Message: "bad key [redacted]", Causes: []string{"Authorization: [redacted]"}}},
		{"long cause", answer(400, `{"id":"bad_request","detail":"d","error":"`+strings.Repeat("x", 600)+`"}`),
			upstream.Error{Kind: upstream.Invalid, Status: 400, Code: "bad_request", Message: "d", Causes: []string{strings.Repeat("x", 500) + "…"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestClient(t, tt.handler, func(c *xsoar.Config) { c.MaxRetries = -1 })
			_, err := c.AddEntry(context.Background(), xsoar.Entry{InvestigationID: "7", Markdown: "x"})
			ue := upstream.As(err)
			if ue == nil {
				t.Fatalf("err = %v, want an *upstream.Error", err)
			}
			if ue.Provider != "xsoar" {
				t.Errorf("provider %q", ue.Provider)
			}
			got := *ue
			got.Provider, got.Err = "", nil
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if strings.Contains(err.Error(), "<") {
				t.Errorf("error quotes a non-JSON body: %v", err)
			}
			noSecret(t, err, testKey)
		})
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	calls := 0
	c, clk := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls++; calls == 1 {
			answer(429, ``, "Retry-After", "3")(w, r)
			return
		}
		okReply(w, r)
	}), nil)
	if _, err := c.AddEntry(context.Background(), xsoar.Entry{InvestigationID: "7", Markdown: "x"}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{3 * time.Second}, clk.Sleeps()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
}

func TestFlagFailureAfterEntryIsReported(t *testing.T) {
	for _, step := range []string{"note", "tags"} {
		t.Run(step, func(t *testing.T) {
			var paths []string
			c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				paths = append(paths, r.URL.Path)
				if r.URL.Path == "/entry/"+step {
					answer(400, `{"id":"bad_request","detail":"DB version conflict"}`)(w, r)
					return
				}
				okReply(w, r)
			}), nil)
			id, err := c.AddEntry(context.Background(), xsoar.Entry{InvestigationID: "7", Markdown: "x", Note: true, Tags: []string{"idcmd"}})
			if id != "1@7" {
				t.Errorf("id = %q, want the written entry's", id)
			}
			flagErr, ok := errors.AsType[*xsoar.EntryFlagError](err)
			if !ok || flagErr.EntryID != "1@7" || flagErr.Step != step {
				t.Fatalf("err = %v, want an *EntryFlagError for %s", err, step)
			}
			if !xsoar.Permanent(err) || !upstream.IsKind(err, upstream.Invalid) {
				t.Errorf("err = %v: permanent %v", err, xsoar.Permanent(err))
			}
			if paths[0] != "/entry" || strings.Count(strings.Join(paths, " "), "/entry ") != 1 {
				t.Errorf("requests %v, want exactly one POST /entry", paths)
			}
		})
	}
}

func TestUnexpectedSuccessBodies(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		body string
		call func(*xsoar.Client) error
		want string // substring of the message
	}{
		{"entry not JSON", `<html>`, func(c *xsoar.Client) error {
			_, err := c.AddEntry(ctx, xsoar.Entry{InvestigationID: "7", Markdown: "x"})
			return err
		}, "unexpected response body"},
		{"entry without id", `{}`, func(c *xsoar.Client) error {
			_, err := c.AddEntry(ctx, xsoar.Entry{InvestigationID: "7", Markdown: "x"})
			return err
		}, "unexpected response body"},
		{"incident dropped", `{}`, func(c *xsoar.Client) error {
			_, err := c.CreateIncident(ctx, xsoar.NewIncident{Name: "n"})
			return err
		}, "pre-process rule"},
		{"incident dropped, null", `null`, func(c *xsoar.Client) error {
			_, err := c.CreateIncident(ctx, xsoar.NewIncident{Name: "n"})
			return err
		}, "pre-process rule"},
		{"search ignored the id", `{"data":[{"id":"8"}],"total":1}`, func(c *xsoar.Client) error {
			_, err := c.GetIncident(ctx, "7")
			return err
		}, "unexpected response body"},
		{"search data not objects", `{"data":[1],"total":1}`, func(c *xsoar.Client) error {
			_, err := c.GetIncident(ctx, "7")
			return err
		}, "unexpected response body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestClient(t, answer(200, tt.body), nil)
			err := tt.call(c)
			ue := wantKind(t, err, upstream.Unknown)
			if !strings.Contains(ue.Message, tt.want) || xsoar.Permanent(err) {
				t.Errorf("err = %v, want %q, not permanent", err, tt.want)
			}
		})
	}
	c, _ := newTestClient(t, answer(200, `{"data":null,"total":0}`), nil)
	_, err := c.GetIncident(ctx, "7")
	if wantKind(t, err, upstream.NotFound); !xsoar.Permanent(err) {
		t.Error("NotFound not permanent")
	}
}

func TestConnectionRefusedIsUnavailable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + l.Addr().String()
	l.Close()
	c := newClient(t, xsoar.Config{BaseURL: base, APIKey: testKey, APIKeyID: "5", Advanced: true}, newClock())
	for name, call := range map[string]func() error{
		"Ping": func() error { return c.Ping(context.Background()) },
		"AddEntry": func() error {
			_, err := c.AddEntry(context.Background(), xsoar.Entry{InvestigationID: "7", Markdown: "x"})
			return err
		},
	} {
		err := call()
		ue := wantKind(t, err, upstream.Unavailable)
		if ue.Status != 0 || ue.Err == nil || xsoar.Permanent(err) {
			t.Errorf("%s: err = %#v", name, ue)
		}
		noSecret(t, err, testKey)
	}
}

func TestPermanentOnlyForXSOARErrors(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("plain"), false},
		{&upstream.Error{Provider: "okta", Kind: upstream.Conflict}, false},
		{&upstream.Error{Provider: "xsoar", Kind: upstream.Conflict}, true},
		{&upstream.Error{Provider: "xsoar", Kind: upstream.Contended, Code: xsoar.CodeVersionConflict}, false},
		{fmt.Errorf("wrapped: %w", &upstream.Error{Provider: "xsoar", Kind: upstream.NotFound}), true},
		{&upstream.Error{Provider: "xsoar", Kind: upstream.RateLimited}, false},
		{&upstream.Error{Provider: "xsoar", Kind: upstream.Timeout}, false},
		{&upstream.Error{Provider: "xsoar", Kind: upstream.Unknown}, false},
	} {
		if got := xsoar.Permanent(tt.err); got != tt.want {
			t.Errorf("Permanent(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestClientPrintsNoSecret(t *testing.T) {
	c, err := xsoar.New(xsoar.Config{BaseURL: "https://xsoar.example.com", APIKey: testKey, APIKeyID: "5"})
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		if s := fmt.Sprintf(verb, c); strings.Contains(s, testKey) || !strings.Contains(s, "xsoar.example.com") {
			t.Errorf("%s: %s", verb, s)
		}
	}
}
