package okta

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/upstream"
)

func TestNextLink(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"separate lines", []string{
			`<https://acme.okta.com/api/v1/users?limit=2>; rel="self"`,
			`<https://acme.okta.com/api/v1/users?after=00u2&limit=2>; rel="next"`,
		}, "https://acme.okta.com/api/v1/users?after=00u2&limit=2"},
		{"comma joined", []string{
			`<https://acme.okta.com/api/v1/users?limit=2>; rel="self", <https://acme.okta.com/api/v1/users?after=a,b&limit=2>; rel="next"`,
		}, "https://acme.okta.com/api/v1/users?after=a,b&limit=2"},
		{"unquoted and spaced", []string{`<https://x/api/v1/logs?after=1> ; rel=next`}, "https://x/api/v1/logs?after=1"},
		{"rel list", []string{`<https://x/a>; rel="self next"`}, "https://x/a"},
		{"quoted comma in params", []string{`<https://x/self>; title="a, b"; rel="self", <https://x/n>; rel="next"`}, "https://x/n"},
		{"only self", []string{`<https://x/api/v1/users?limit=2>; rel="self"`}, ""},
		{"none", nil, ""},
		{"garbage", []string{`rel="next"`, `<unterminated; rel="next"`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, l := range tt.lines {
				h.Add("Link", l)
			}
			if got := nextLink(h); got != tt.want {
				t.Errorf("nextLink = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestListUsersPagesWithOpaqueCursor(t *testing.T) {
	var queries []string
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.RawQuery)
		if r.URL.Query().Get("after") == "" {
			w.Header().Add("Link", `<https://acme.okta.com/api/v1/users?search=profile.department+eq+%22Eng%22&limit=1>; rel="self"`)
			w.Header().Add("Link", `<https://acme.okta.com/api/v1/users?after=00u1&limit=1&search=profile.department+eq+%22Eng%22>; rel="next"`)
			writeJSON(w, 200, `[`+userJSON+`]`)
			return
		}
		w.Header().Add("Link", `<https://acme.okta.com/api/v1/users?after=00u1&limit=1>; rel="self"`)
		writeJSON(w, 200, `[]`)
	}), nil)
	ctx := context.Background()

	users, next, err := c.ListUsers(ctx, UserQuery{Search: `profile.department eq "Eng"`, Limit: 1})
	if err != nil || len(users) != 1 || next == "" {
		t.Fatalf("page 1 = %d users, next %q, %v", len(users), next, err)
	}
	users, next2, err := c.ListUsers(ctx, UserQuery{Cursor: next, Search: "ignored"})
	if err != nil || len(users) != 0 || next2 != "" {
		t.Fatalf("page 2 = %d users, next %q, %v", len(users), next2, err)
	}
	want := []string{
		"limit=1&search=profile.department+eq+%22Eng%22",
		"after=00u1&limit=1&search=profile.department+eq+%22Eng%22", // verbatim
	}
	for i := range want {
		if queries[i] != want[i] {
			t.Errorf("query %d = %q, want %q", i, queries[i], want[i])
		}
	}
}

func TestCursorSafety(t *testing.T) {
	var hits atomic.Int32
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		writeJSON(w, 200, `[]`)
	}), nil)
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	bad := []struct{ name, cursor string }{
		{"not base64", "%%%"},
		{"other host", enc("https://evil.example/api/v1/users?after=1")},
		{"scheme-relative host", enc("//evil.example/api/v1/users?after=1")},
		{"other path", enc("/api/v1/logs?after=1")},
		{"path traversal", enc("/api/v1/users/../apps?after=1")},
		{"escaped path", enc("/api/v1/%75sers?after=1")},
		{"user info", enc("https://u@127.0.0.1/api/v1/users")},
		{"fragment", enc("/api/v1/users?after=1#x")},
		{"bad query", enc("/api/v1/users?after=%zz")},
		{"raw url not encoded", "/api/v1/users?after=1"},
		{"space in the query", enc("/api/v1/users?after=1 HTTP/1.1")},
		{"space before another query", enc("/api/v1/users?after=1 /api/v1/users?q=x")},
		{"tab in the query", enc("/api/v1/users?after=1\tx")},
		{"non-ASCII in the query", enc("/api/v1/users?after=é")},
	}
	for _, tt := range bad {
		if _, _, err := c.ListUsers(context.Background(), UserQuery{Cursor: tt.cursor}); !upstream.IsKind(err, upstream.Invalid) {
			t.Errorf("%s: err = %v, want Invalid", tt.name, err)
		}
	}
	if _, _, err := c.ListLogs(context.Background(), LogQuery{Cursor: enc("/api/v1/users?after=1")}); !upstream.IsKind(err, upstream.Invalid) {
		t.Errorf("users cursor on logs: err = %v, want Invalid", err)
	}
	if hits.Load() != 0 {
		t.Fatalf("%d requests sent for bad cursors, want none", hits.Load())
	}
	if _, _, err := c.ListLogs(context.Background(), LogQuery{Cursor: enc("/api/v1/logs?after=abc&limit=5")}); err != nil {
		t.Errorf("good cursor: %v", err)
	}
}

// TestFirstPageCursors checks that LogsCursor and UsersCursor name the
// first page of a query exactly: fetching by the cursor sends the query
// the plain call sends, and a users limit above Okta's 200 is sent as 200.
func TestFirstPageCursors(t *testing.T) {
	var queries []string
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.Path+"?"+r.URL.RawQuery)
		writeJSON(w, 200, `[]`)
	}), nil)
	ctx := context.Background()
	lq := LogQuery{Filter: `eventType eq "user.session.start"`, Since: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Limit: 150, SortOrder: "DESCENDING"}
	cur, err := c.LogsCursor(lq)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ListLogs(ctx, lq); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ListLogs(ctx, LogQuery{Cursor: cur}); err != nil {
		t.Fatal(err)
	}
	uq := UserQuery{Search: `status eq "ACTIVE"`, Limit: 300}
	ucur, err := c.UsersCursor(uq)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ListUsers(ctx, UserQuery{Cursor: ucur}); err != nil {
		t.Fatal(err)
	}
	if len(queries) != 3 || queries[0] != queries[1] || !strings.HasPrefix(queries[0], "/api/v1/logs?") {
		t.Errorf("queries = %q; want the first page twice", queries)
	}
	if want := "/api/v1/users?limit=200&search=status+eq+%22ACTIVE%22"; queries[2] != want {
		t.Errorf("users query = %q, want %q", queries[2], want)
	}
	if _, err := c.LogsCursor(LogQuery{Limit: 1001}); !upstream.IsKind(err, upstream.Invalid) {
		t.Errorf("LogsCursor with a bad query: err = %v", err)
	}
}
