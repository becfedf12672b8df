package pingonetest

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestGetUser(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	id := userID(t, srv, DemoActiveUser)
	var u map[string]any
	must(t, c.get("/users/"+id), 200).decode(t, &u)
	if u["id"] != id || u["username"] != DemoActiveUser || u["enabled"] != true || u["mfaEnabled"] != true {
		t.Errorf("user %v", u)
	}
	acct := u["account"].(map[string]any)
	if acct["status"] != "OK" || acct["canAuthenticate"] != true {
		t.Errorf("account %v", acct)
	}
	for _, k := range []string{"createdAt", "updatedAt", "lastSignOn", "lifecycle", "population", "_links", "name"} {
		if _, ok := u[k]; !ok {
			t.Errorf("no %s in %v", k, u)
		}
	}
	if _, ok := u["memberOfGroupIDs"]; ok {
		t.Error("memberOfGroupIDs without include")
	}

	var withGroups struct {
		MemberOfGroupIDs   []string
		MemberOfGroupNames []string
	}
	must(t, c.get("/users/"+id+"?include=memberOfGroupIDs&include=memberOfGroupNames"), 200).decode(t, &withGroups)
	if len(withGroups.MemberOfGroupIDs) != 5 || !slices.Contains(withGroups.MemberOfGroupNames, GroupProdAccess) {
		t.Errorf("groups %+v", withGroups)
	}

	var lchen struct {
		Lifecycle  struct{ Status string }
		LastSignOn *struct{}
	}
	must(t, c.get("/users/"+userID(t, srv, DemoNoPasswordUser)), 200).decode(t, &lchen)
	if lchen.Lifecycle.Status != "VERIFICATION_REQUIRED" || lchen.LastSignOn != nil {
		t.Errorf("new user %+v", lchen)
	}
	e := must(t, c.get("/users/"+id+"?include=password"), 400).p1Error(t)
	if e.Code != "INVALID_DATA" || e.Details[0].Target != "include" {
		t.Errorf("bad include: %+v", e)
	}
}

func TestListUsersPaging(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	total := srv.Env().UserCount()
	seen := map[string]bool{}
	next := c.envURL("/users?limit=20")
	pages := 0
	for next != "" {
		pages++
		r := must(t, send(t, "GET", next, authHeader(c), ""), 200)
		p, users := decodePage(t, r, "users")
		if p.Count != total {
			t.Errorf("count %d, want %d", p.Count, total)
		}
		for _, u := range users {
			id := u["id"].(string)
			if seen[id] {
				t.Fatalf("user %s on two pages", id)
			}
			seen[id] = true
		}
		next = ""
		if p.Links.Next != nil {
			next = p.Links.Next.Href
			if !strings.Contains(next, "limit=20") {
				t.Errorf("next link %s lost the limit", next)
			}
		}
	}
	if len(seen) != total || pages != (total+19)/20 {
		t.Errorf("saw %d users in %d pages, want %d", len(seen), pages, total)
	}

	// A user added while paging does not shift the pages already served.
	r := must(t, c.get("/users?limit=10"), 200)
	p, _ := decodePage(t, r, "users")
	srv.Env().AddUser(UserSpec{Username: "newcomer@example.com"})
	r = must(t, send(t, "GET", p.Links.Next.Href, authHeader(c), ""), 200)
	_, second := decodePage(t, r, "users")
	if len(second) != 10 {
		t.Errorf("second page has %d users", len(second))
	}

	// Tampered and foreign cursors are refused.
	u, _ := url.Parse(p.Links.Next.Href)
	cur := u.Query().Get("cursor")
	for _, bad := range []string{cur[:len(cur)-2] + "AA", "garbage", cur + "x"} {
		q := u.Query()
		q.Set("cursor", bad)
		e := must(t, c.get("/users?"+q.Encode()), 400).p1Error(t)
		if e.Code != "INVALID_DATA" || e.Details[0].Target != "cursor" {
			t.Errorf("cursor %q: %+v", bad, e)
		}
	}
	other, _ := empty(t)
	oc := newClient(t, other)
	must(t, oc.get("/users?cursor="+url.QueryEscape(cur)), 400)

	for _, limit := range []string{"0", "1001", "-1", "ten"} {
		must(t, c.get("/users?limit="+limit), 400)
	}
}

func authHeader(c *client) map[string][]string {
	return map[string][]string{"Authorization": {"Bearer " + c.tok}}
}

func TestUserFilter(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	env := srv.Env()
	employees := populationIDOf(t, env, PopulationEmployees)
	adminsID := groupIDOf(t, env, GroupPingOneAdmins)
	tests := []struct {
		filter  string
		want    []string // usernames that must match
		notWant []string // usernames that must not
		exactly bool     // want is the whole result
	}{
		{`username eq "jdoe@example.com"`, []string{DemoActiveUser}, nil, true},
		{`USERNAME EQ "JDOE@EXAMPLE.COM"`, []string{DemoActiveUser}, nil, true},
		{`username sw "jdo"`, []string{DemoActiveUser}, nil, true},
		{`email eq "kpatel@example.com"`, []string{DemoLockedUser}, nil, true},
		{`name.given eq "Robert" and name.family eq "Brown"`, []string{DemoRiskyUser}, nil, true},
		{`name.family sw "Wo"`, []string{DemoAdminUser}, []string{DemoActiveUser}, false},
		{`account.status eq "LOCKED"`, []string{DemoLockedUser, DemoPasswordLockedUser}, nil, true},
		{`enabled eq false`, []string{DemoDisabledUser}, []string{DemoActiveUser}, false},
		{`enabled eq false and population.id eq "` + employees + `"`, nil, []string{DemoDisabledUser}, false},
		{`username eq "jdoe@example.com" or username eq "awong@example.com"`, []string{DemoActiveUser, DemoAdminUser}, nil, true},
		{`(username sw "jdoe" or username sw "awong") and mfaEnabled eq true`, []string{DemoActiveUser, DemoAdminUser}, nil, true},
		{`id eq "` + userID(t, srv, DemoHelpDeskUser) + `"`, []string{DemoHelpDeskUser}, nil, true},
		{`memberOfGroups[id eq "` + adminsID + `"]`, []string{DemoAdminUser}, []string{DemoActiveUser}, false},
		{`memberOfGroups[name eq "` + GroupProdAccess + `" and type eq "INDIRECT"]`, []string{DemoActiveUser}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			r := must(t, c.get("/users?limit=1000&filter="+url.QueryEscape(tt.filter)), 200)
			p, users := decodePage(t, r, "users")
			var got []string
			for _, u := range users {
				got = append(got, u["username"].(string))
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("%s not in %v", w, got)
				}
			}
			for _, w := range tt.notWant {
				if slices.Contains(got, w) {
					t.Errorf("%s in %v", w, got)
				}
			}
			if tt.exactly && len(got) != len(tt.want) {
				t.Errorf("got %v, want exactly %v", got, tt.want)
			}
			if p.Count != len(got) {
				t.Errorf("count %d for %d users", p.Count, len(got))
			}
		})
	}

	for _, bad := range []string{
		`username`, `username eq`, `username eq "x" and`, `(username eq "x"`, `username zz "x"`,
		`title eq "x"`, `username gt "a"`, `enabled eq "yes"`, `username eq 5`, `username eq "unterminated`,
		`memberOfGroups[color eq "red"]`, `email[id eq "x"]`,
	} {
		t.Run("bad "+bad, func(t *testing.T) {
			e := must(t, c.get("/users?filter="+url.QueryEscape(bad)), 400).p1Error(t)
			if e.Code != "INVALID_DATA" || len(e.Details) != 1 || e.Details[0].Code != "INVALID_VALUE" ||
				e.Details[0].Target != "filter" || e.Details[0].Message == "" {
				t.Errorf("error %+v", e)
			}
		})
	}
}

func TestListUsersExpandPopulation(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	r := must(t, c.get("/users?limit=3&expand=population"), 200)
	_, users := decodePage(t, r, "users")
	for _, u := range users {
		emb, _ := u["_embedded"].(map[string]any)
		pop, _ := emb["population"].(map[string]any)
		if pop["name"] == nil || pop["id"] != u["population"].(map[string]any)["id"] {
			t.Errorf("user %v: embedded population %v", u["username"], emb)
		}
		if _, ok := u["memberOfGroupIDs"]; ok {
			t.Error("memberOfGroupIDs in a listing")
		}
	}
	must(t, c.get("/users?expand=groups"), 400)
}

// TestListUsersPageSizeCap checks PingOne's documented users page size
// limit: a limit above it gets a short page (size below limit) with a next
// link, and the links lead through every user once.
func TestListUsersPageSizeCap(t *testing.T) {
	clk := newClock()
	srv := NewServer(Options{Seed: true, Now: clk.Now, UserPageSize: 15})
	t.Cleanup(srv.Close)
	c := newClient(t, srv)
	total := srv.Env().UserCount()
	seen := map[string]bool{}
	next := c.envURL("/users?limit=40")
	for pages := 0; next != ""; pages++ {
		if pages > 20 {
			t.Fatal("the next links never end")
		}
		p, users := decodePage(t, must(t, send(t, "GET", next, authHeader(c), ""), 200), "users")
		if len(users) > 15 || p.Size != len(users) {
			t.Fatalf("page %d: %d users, size %d; want at most the page size of 15", pages, len(users), p.Size)
		}
		for _, u := range users {
			seen[u["id"].(string)] = true
		}
		next = ""
		if p.Links.Next != nil {
			next = p.Links.Next.Href
			if len(users) != 15 || !strings.Contains(next, "limit=40") {
				t.Errorf("page %d: %d users before a next link %s", pages, len(users), next)
			}
		}
	}
	if len(seen) != total {
		t.Errorf("saw %d users, want %d", len(seen), total)
	}
	if srv := NewServer(Options{}); srv.userPage != DefaultUserPageSize {
		t.Errorf("default page size %d", srv.userPage)
	} else {
		srv.Close()
	}
}
