package pingone

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcmd/idcmd/providers/upstream"
)

func TestListUsersPagesWithOpaqueCursor(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	var base string
	c, _, e := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		if r.URL.Query().Get("cursor") == "" {
			// A cursor with characters that must survive verbatim.
			writeJSON(w, 200, hal("users", base+envPath+"/users?limit=1&filter=enabled%20eq%20true&cursor=a%2Bb%3D", userJSON))
			return
		}
		writeJSON(w, 200, hal("users", ""))
	}), nil)
	base = e.srv.URL
	ctx := context.Background()

	users, next, err := c.ListUsers(ctx, UserQuery{Filter: "enabled eq true", Limit: 1})
	if err != nil || len(users) != 1 || next == "" {
		t.Fatalf("page 1 = %d users, next %q, %v", len(users), next, err)
	}
	if strings.Contains(next, "127.0.0.1") {
		t.Errorf("cursor %q is not opaque", next)
	}
	users, next2, err := c.ListUsers(ctx, UserQuery{Cursor: next, Filter: "ignored"})
	if err != nil || len(users) != 0 || next2 != "" {
		t.Fatalf("page 2 = %d users, next %q, %v", len(users), next2, err)
	}
	want := []string{
		"filter=enabled%20eq%20true&limit=1",
		"limit=1&filter=enabled%20eq%20true&cursor=a%2Bb%3D", // verbatim
	}
	if diff := cmp.Diff(want, queries); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}
}

func TestCursorSafety(t *testing.T) {
	c, _, e := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, hal("users", ""))
	}), nil)
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	users := envPath + "/users"
	bad := []struct{ name, cursor string }{
		{"not base64", "%%%"},
		{"other host", enc("https://evil.example" + users + "?cursor=1")},
		{"scheme-relative host", enc("//evil.example" + users + "?cursor=1")},
		{"other environment", enc("/v1/environments/00000000-0000-4000-8000-000000000000/users?cursor=1")},
		{"other collection", enc(envPath + "/activities?cursor=1")},
		{"path traversal", enc(users + "/../applications?cursor=1")},
		{"escaped path", enc(envPath + "/%75sers?cursor=1")},
		{"user info", enc("https://u@127.0.0.1" + users)},
		{"fragment", enc(users + "?cursor=1#x")},
		{"bad query", enc(users + "?cursor=%zz")},
		{"raw path not encoded", users + "?cursor=1"},
		{"space in the query", enc(users + "?cursor=1 HTTP/1.1")},
		{"space before another query", enc(users + "?cursor=1 " + users + "?filter=x")},
		{"non-ASCII in the query", enc(users + "?cursor=é")},
	}
	before := e.APIHits()
	for _, tt := range bad {
		if _, _, err := c.ListUsers(context.Background(), UserQuery{Cursor: tt.cursor}); !upstream.IsKind(err, upstream.Invalid) {
			t.Errorf("%s: err = %v, want Invalid", tt.name, err)
		}
	}
	if _, _, err := c.ListActivities(context.Background(), ActivityQuery{Cursor: enc(users + "?cursor=1")}); !upstream.IsKind(err, upstream.Invalid) {
		t.Errorf("users cursor on activities: err = %v, want Invalid", err)
	}
	if n := e.APIHits() - before; n != 0 {
		t.Fatalf("%d requests sent for bad cursors, want none", n)
	}
	if _, _, err := c.ListUsers(context.Background(), UserQuery{Cursor: enc(users + "?cursor=abc&limit=5")}); err != nil {
		t.Errorf("good cursor: %v", err)
	}
}

func TestNextLinkToAnotherHostRefused(t *testing.T) {
	links := []struct{ name, link string }{
		{"other host", "https://elsewhere.example" + envPath + "/users/" + testUserID + "/memberOfGroups?cursor=2"},
		{"scheme-relative", "//elsewhere.example" + envPath + "/users/" + testUserID + "/memberOfGroups?cursor=2"},
		{"other environment", "/v1/environments/00000000-0000-4000-8000-000000000000/users?cursor=2"},
		{"traversal", envPath + "/users/../../x?cursor=2"},
	}
	for _, tt := range links {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			membership := `{"id":"g1","name":"A","type":"DIRECT"}`
			c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				writeJSON(w, 200, hal("groupMemberships", tt.link, membership))
			}), nil)
			_, err := c.ListGroupMemberships(context.Background(), testUserID)
			if !upstream.IsKind(err, upstream.Unknown) || !strings.Contains(err.Error(), "not followed") {
				t.Errorf("err = %v, want the link refused", err)
			}
			if hits.Load() != 1 {
				t.Errorf("%d requests, want 1", hits.Load())
			}

			// The same link as a ListUsers next page is refused too.
			c2, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, hal("users", tt.link, userJSON))
			}), nil)
			if _, next, err := c2.ListUsers(context.Background(), UserQuery{}); err == nil {
				t.Errorf("ListUsers accepted the link as cursor %q", next)
			}
		})
	}
}

func TestListAllFollowsNextLinks(t *testing.T) {
	var mu sync.Mutex
	var got []string
	var base string
	c, _, e := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.URL.RawQuery)
		mu.Unlock()
		switch r.URL.Query().Get("cursor") {
		case "":
			writeJSON(w, 200, hal("groupMemberships", base+r.URL.Path+"?expand=group&limit=100&cursor=2",
				`{"id":"g1","name":"A","type":"DIRECT","_embedded":{"group":{"id":"g1","name":"A","description":"d","custom":1}}}`))
		case "2":
			// A relative next link is resolved against the API origin.
			writeJSON(w, 200, hal("groupMemberships", r.URL.Path+"?expand=group&limit=100&cursor=3",
				`{"id":"g2","name":"B","type":"INDIRECT"}`))
		default:
			// A link back to the first page ends the list.
			writeJSON(w, 200, hal("groupMemberships", base+r.URL.Path+"?expand=group&limit=100"))
		}
	}), nil)
	base = e.srv.URL
	ms, err := c.ListGroupMemberships(context.Background(), testUserID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Type != "DIRECT" || ms[1].Type != "INDIRECT" || ms[1].Group != nil {
		t.Fatalf("memberships = %+v", ms)
	}
	g := ms[0].Group
	if g == nil || g.ID != "g1" || g.Description != "d" || string(g.Raw) != `{"id":"g1","name":"A","description":"d","custom":1}` {
		t.Errorf("embedded group = %+v", g)
	}
	if !strings.Contains(string(ms[0].Raw), `"_embedded"`) {
		t.Errorf("membership Raw = %s, want the whole object", ms[0].Raw)
	}
	want := []string{"expand=group&limit=100", "expand=group&limit=100&cursor=2", "expand=group&limit=100&cursor=3"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}
}

// TestFirstPageCursors checks that UsersCursor and ActivitiesCursor name
// the first page of a query exactly: fetching by the cursor sends the
// query the plain call sends.
func TestFirstPageCursors(t *testing.T) {
	var queries []string
	c, clk, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.Path+"?"+r.URL.RawQuery)
		key := "users"
		if strings.HasSuffix(r.URL.Path, "/activities") {
			key = "activities"
		}
		writeJSON(w, 200, hal(key, ""))
	}), nil)
	ctx := context.Background()
	uq := UserQuery{Filter: `username sw "j"`, Limit: 150}
	ucur, err := c.UsersCursor(uq)
	if err != nil {
		t.Fatal(err)
	}
	aq := ActivityQuery{Since: clk.Now().Add(-time.Hour), Until: clk.Now(), ActorUserID: testUserID, Limit: 10}
	acur, err := c.ActivitiesCursor(aq)
	if err != nil {
		t.Fatal(err)
	}
	for _, call := range []func() error{
		func() error { _, _, err := c.ListUsers(ctx, uq); return err },
		func() error { _, _, err := c.ListUsers(ctx, UserQuery{Cursor: ucur}); return err },
		func() error { _, _, err := c.ListActivities(ctx, aq); return err },
		func() error { _, _, err := c.ListActivities(ctx, ActivityQuery{Cursor: acur}); return err },
	} {
		if err := call(); err != nil {
			t.Fatal(err)
		}
	}
	if len(queries) != 4 || queries[0] != queries[1] || queries[2] != queries[3] || queries[0] == queries[2] {
		t.Errorf("queries = %q; want each first page twice", queries)
	}
	if _, err := c.ActivitiesCursor(ActivityQuery{}); !upstream.IsKind(err, upstream.Invalid) {
		t.Errorf("ActivitiesCursor without a range: err = %v", err)
	}
}
