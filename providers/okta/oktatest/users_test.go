package oktatest

import (
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type listedUser struct {
	ID      string            `json:"id"`
	Status  string            `json:"status"`
	Profile map[string]any    `json:"profile"`
	Links   map[string]any    `json:"_links"`
	Creds   map[string]any    `json:"credentials"`
	Type    map[string]string `json:"type"`
}

func TestGetUserByIDLoginAndShortname(t *testing.T) {
	srv, _ := seeded(t)
	id := userIDOf(t, srv, DemoActiveUser)
	for _, ref := range []string{id, DemoActiveUser, "JDoe@Example.com", "jdoe", url.PathEscape(DemoActiveUser)} {
		r := api(t, srv, "GET", "/api/v1/users/"+ref)
		if r.status != 200 {
			t.Fatalf("GET user %s: %d %s", ref, r.status, r.body)
		}
		var u listedUser
		r.decode(t, &u)
		if u.ID != id || u.Profile["login"] != DemoActiveUser {
			t.Errorf("GET user %s = %s %v", ref, u.ID, u.Profile["login"])
		}
		if len(id) != 20 || !strings.HasPrefix(id, "00u") {
			t.Errorf("user ID %q is not an Okta user ID", id)
		}
		if _, ok := u.Links["suspend"]; !ok {
			t.Errorf("ACTIVE user _links lack suspend: %v", u.Links)
		}
		if r.header.Get("Etag") == "" {
			t.Error("no Etag header")
		}
	}
}

func TestGetUserNotFound(t *testing.T) {
	srv, _ := seeded(t)
	// "j" is no one's shortname; ambiguous shortnames resolve to nobody.
	srv.Org().AddUser(UserSpec{Login: "dup@example.com"})
	srv.Org().AddUser(UserSpec{Login: "dup@example.org"})
	for _, ref := range []string{"nobody@example.com", "00u00000000000000000", "dup"} {
		r := api(t, srv, "GET", "/api/v1/users/"+ref)
		if r.status != 404 {
			t.Fatalf("GET %s: %d", ref, r.status)
		}
		e := r.err(t)
		want := errorBody{
			ErrorCode:    "E0000007",
			ErrorSummary: "Not found: Resource not found: " + ref + " (User)",
			ErrorLink:    "E0000007",
			ErrorID:      e.ErrorID,
			ErrorCauses:  []errorCause{},
		}
		if diff := cmp.Diff(want, e); diff != "" {
			t.Errorf("GET %s error (-want +got):\n%s", ref, diff)
		}
		if !strings.HasPrefix(e.ErrorID, "oae") || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("errorId %q, Content-Type %q", e.ErrorID, r.header.Get("Content-Type"))
		}
	}
}

// walk follows next links from path and returns every user seen, failing
// on duplicates.
func walk(t *testing.T, srv *Server, path string) (ids []string, pages int) {
	t.Helper()
	next := srv.URL + path
	for next != "" {
		r := send(t, "GET", next, "SSWS "+srv.Token, nil)
		if r.status != 200 {
			t.Fatalf("GET %s: %d %s", next, r.status, r.body)
		}
		if got := len(r.header.Values("Link")); got < 1 || got > 2 {
			t.Fatalf("want separate self/next Link lines, got %q", r.header.Values("Link"))
		}
		var page []listedUser
		r.decode(t, &page)
		for _, u := range page {
			if slices.Contains(ids, u.ID) {
				t.Fatalf("user %s returned twice", u.ID)
			}
			ids = append(ids, u.ID)
		}
		links := r.links()
		if links["self"] == "" {
			t.Fatal("no self link")
		}
		next = links["next"]
		pages++
		if pages > 100 {
			t.Fatal("pagination does not end")
		}
	}
	return ids, pages
}

func TestListUsersPagination(t *testing.T) {
	srv, _ := seeded(t)
	o := srv.Org()
	o.mu.RLock()
	var want []string
	for _, id := range o.userIDs {
		if o.users[id].status != StatusDeprovisioned {
			want = append(want, id)
		}
	}
	o.mu.RUnlock()

	got, pages := walk(t, srv, "/api/v1/users?limit=7")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paged listing differs from all non-DEPROVISIONED users (-want +got):\n%s", diff)
	}
	if wantPages := (len(want) + 6) / 7; pages != wantPages {
		t.Errorf("%d pages, want %d", pages, wantPages)
	}
	all, _ := walk(t, srv, "/api/v1/users")
	if len(all) != len(want) {
		t.Errorf("default page size: %d users, want %d in one page", len(all), len(want))
	}
}

func TestListUsersRejectsAlteredCursor(t *testing.T) {
	srv, _ := seeded(t)
	r := api(t, srv, "GET", "/api/v1/users?limit=3")
	next, err := url.Parse(r.links()["next"])
	if err != nil || next.Query().Get("after") == "" {
		t.Fatalf("next link %q", r.links()["next"])
	}
	after := next.Query().Get("after")
	raw, _ := base64.RawURLEncoding.DecodeString(after)
	raw[len(raw)/2] ^= 1
	for _, bad := range []string{
		base64.RawURLEncoding.EncodeToString(raw),
		"00uYGx8xdERYuGdNdEjE", // a bare user ID, as a guessing client might send
		"garbage!",
	} {
		r := api(t, srv, "GET", "/api/v1/users?limit=3&after="+url.QueryEscape(bad))
		if r.status != 400 || r.err(t).ErrorCode != "E0000029" {
			t.Errorf("after=%q: %d %s, want 400 E0000029", bad, r.status, r.body)
		}
	}
}

func TestListUsersQueries(t *testing.T) {
	srv, _ := seeded(t)
	o := srv.Org()
	o.AddUser(UserSpec{Login: "zed.one@example.com", FirstName: "Zedediah", LastName: "One"})
	o.AddUser(UserSpec{Login: "zed.two@example.com", FirstName: "Zedekiah", LastName: "Two", Status: StatusDeprovisioned})
	o.AddUser(UserSpec{Login: "other@example.com", FirstName: "Amy", LastName: "Zedd"})

	logins := func(r response) []string {
		var us []listedUser
		r.decode(t, &us)
		var out []string
		for _, u := range us {
			out = append(out, u.Profile["login"].(string))
		}
		slices.Sort(out)
		return out
	}
	tests := []struct {
		name, query string
		want        []string
	}{
		{"q startsWith first/last/email, no DEPROVISIONED", "q=zed", []string{"other@example.com", "zed.one@example.com"}},
		{"q case-insensitive", "q=ZEDE", []string{"zed.one@example.com"}},
		{"search includes DEPROVISIONED", `search=profile.firstName sw "Zede"`, []string{"zed.one@example.com", "zed.two@example.com"}},
		{"search co on login", `search=profile.login co "zed.t"`, []string{"zed.two@example.com"}},
		{"search values ignore case", `search=profile.lastName eq "zEdD"`, []string{"other@example.com"}},
		{"search and/or", `search=profile.lastName eq "One" or (profile.lastName eq "Two" and status eq "DEPROVISIONED")`, []string{"zed.one@example.com", "zed.two@example.com"}},
		{"filter eq", `filter=profile.login eq "zed.two@example.com"`, []string{"zed.two@example.com"}},
		{"filter is case-sensitive", `filter=profile.login eq "ZED.TWO@example.com"`, nil},
		{"filter status", `filter=status eq "STAGED"`, nil}, // checked below against the org
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := api(t, srv, "GET", "/api/v1/users?"+encodeQuery(tt.query))
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			got := logins(r)
			if tt.name == "filter status" {
				for _, l := range got {
					if s, _ := o.UserStatus(l); s != StatusStaged {
						t.Errorf("%s is %s", l, s)
					}
				}
				if len(got) == 0 {
					t.Error("no STAGED users listed")
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// encodeQuery encodes "k=v" with v URL-escaped.
func encodeQuery(kv string) string {
	k, v, _ := strings.Cut(kv, "=")
	return k + "=" + url.QueryEscape(v)
}

func TestListUsersQHasNoPagination(t *testing.T) {
	srv, _ := empty(t)
	for i := range 15 {
		srv.Org().AddUser(UserSpec{Login: "ann" + string(rune('a'+i)) + "@example.com", FirstName: "Ann"})
	}
	r := api(t, srv, "GET", "/api/v1/users?q=ann")
	var us []listedUser
	r.decode(t, &us)
	if len(us) != 10 {
		t.Errorf("q returned %d users, want the default limit of 10", len(us))
	}
	if next := r.links()["next"]; next != "" {
		t.Errorf("q response has a next link %q; q does not paginate", next)
	}
	r = api(t, srv, "GET", "/api/v1/users?q=ann&limit=12")
	r.decode(t, &us)
	if len(us) != 12 {
		t.Errorf("q with limit=12 returned %d", len(us))
	}
}

func TestListUsersErrors(t *testing.T) {
	srv, _ := seeded(t)
	tests := []struct {
		query, code string
	}{
		{`search=status eq "ACTIVE"&filter=status eq "ACTIVE"`, "E0000033"},
		{`q=jo&search=status eq "ACTIVE"`, "E0000033"},
		{`search=status eq`, "E0000031"},
		{`search=status ne "ACTIVE"`, "E0000031"},
		{`search=profile.title co "Engineer"`, "E0000031"},
		{`search=nosuch eq "x"`, "E0000031"},
		{`filter=profile.department eq "Sales"`, "E0000031"},
		{`filter=status sw "ACT"`, "E0000031"},
		{`filter=status gt "A"`, "E0000031"},
		{`filter=lastUpdated gt "yesterday"`, "E0000031"},
		{`limit=abc`, "E0000001"},
		{`limit=0`, "E0000001"},
	}
	for _, tt := range tests {
		var parts []string
		for _, kv := range strings.Split(tt.query, "&") {
			parts = append(parts, encodeQuery(kv))
		}
		r := api(t, srv, "GET", "/api/v1/users?"+strings.Join(parts, "&"))
		if r.status != 400 || r.err(t).ErrorCode != tt.code {
			t.Errorf("%s: %d %s, want 400 %s", tt.query, r.status, r.body, tt.code)
		}
	}
}

func TestListUsersFilterLastUpdated(t *testing.T) {
	srv, clk := empty(t)
	o := srv.Org()
	old := o.AddUser(UserSpec{Login: "old@example.com"})
	clk.Advance(48 * 3600e9)
	recent := o.AddUser(UserSpec{Login: "recent@example.com"})
	cut := formatTime(clk.Now().Add(-3600e9))
	for _, tt := range []struct {
		op   string
		want string
	}{{"gt", recent}, {"lt", old}} {
		r := api(t, srv, "GET", "/api/v1/users?filter="+url.QueryEscape(`lastUpdated `+tt.op+` "`+cut+`"`))
		var us []listedUser
		r.decode(t, &us)
		if len(us) != 1 || us[0].ID != tt.want {
			t.Errorf("lastUpdated %s: %+v", tt.op, us)
		}
	}
}

func TestUserResources(t *testing.T) {
	srv, _ := seeded(t)
	var groups []struct {
		Type    string            `json:"type"`
		Profile map[string]string `json:"profile"`
	}
	api(t, srv, "GET", "/api/v1/users/"+DemoAdminUser+"/groups").decode(t, &groups)
	types := map[string]bool{}
	var names []string
	for _, g := range groups {
		types[g.Type] = true
		names = append(names, g.Profile["name"])
	}
	for _, want := range []string{"BUILT_IN", "OKTA_GROUP", "APP_GROUP"} {
		if !types[want] {
			t.Errorf("admin groups %v: no %s group", names, want)
		}
	}

	var links []appLinkJSON
	api(t, srv, "GET", "/api/v1/users/"+DemoActiveUser+"/appLinks").decode(t, &links)
	var labels []string
	for _, l := range links {
		labels = append(labels, l.Label)
	}
	for _, want := range []string{"Slack", "GitHub", "AWS"} {
		if !slices.Contains(labels, want) {
			t.Errorf("appLinks %v lack %s", labels, want)
		}
	}
	api(t, srv, "GET", "/api/v1/users/"+DemoDeprovisionedUser+"/appLinks").decode(t, &links)
	if len(links) != 0 {
		t.Errorf("DEPROVISIONED user has %d app links", len(links))
	}

	id := userIDOf(t, srv, DemoActiveUser)
	var factors []factorJSON
	api(t, srv, "GET", "/api/v1/users/"+id+"/factors").decode(t, &factors)
	var kinds []string
	for _, f := range factors {
		kinds = append(kinds, f.FactorType+"/"+f.Provider)
	}
	if diff := cmp.Diff([]string{"push/OKTA", "sms/OKTA", "token:software:totp/GOOGLE", "webauthn/FIDO"}, kinds); diff != "" {
		t.Errorf("factors (-want +got):\n%s", diff)
	}
	// {userId} paths take the ID only, like Okta.
	if r := api(t, srv, "GET", "/api/v1/users/"+DemoActiveUser+"/factors"); r.status != 404 {
		t.Errorf("factors by login: %d, want 404", r.status)
	}
	if r := api(t, srv, "GET", "/api/v1/users/"+id+"/factors/"+factors[0].ID); r.status != 200 {
		t.Errorf("get factor: %d", r.status)
	}
	if r := api(t, srv, "DELETE", "/api/v1/users/"+id+"/factors/"+factors[0].ID); r.status != 204 {
		t.Errorf("unenroll factor: %d %s", r.status, r.body)
	}
	if n := srv.Org().FactorCount(id); n != 3 {
		t.Errorf("after unenroll: %d factors, want 3", n)
	}
}
