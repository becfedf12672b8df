package oktatest

import (
	"net/http"
	"net/url"
	"testing"
)

func TestGroupMembershipRules(t *testing.T) {
	srv, _ := seeded(t)
	org := srv.Org()
	jdoe := userIDOf(t, srv, DemoActiveUser)
	quarantine, _ := org.GroupID(GroupQuarantine)
	domainAdmins, _ := org.GroupID(GroupDomainAdmins)
	everyone, _ := org.GroupID("Everyone")
	before := len(org.GroupNames(jdoe))

	for i := range 2 { // PUT is idempotent: the second one changes nothing
		if r := api(t, srv, "PUT", "/api/v1/groups/"+quarantine+"/users/"+jdoe); r.status != 204 {
			t.Fatalf("PUT %d: %d %s", i, r.status, r.body)
		}
	}
	if !org.IsMember(jdoe, GroupQuarantine) || len(org.GroupNames(jdoe)) != before+1 {
		t.Fatalf("after PUT: groups %v", org.GroupNames(jdoe))
	}
	for i := range 2 { // so is DELETE of a non-member
		if r := api(t, srv, "DELETE", "/api/v1/groups/"+quarantine+"/users/"+jdoe); r.status != 204 {
			t.Fatalf("DELETE %d: %d %s", i, r.status, r.body)
		}
	}
	if org.IsMember(jdoe, GroupQuarantine) {
		t.Fatal("still a member after DELETE")
	}

	// Directory-imported and built-in memberships are not the API's to change.
	for _, g := range []string{domainAdmins, everyone} {
		for _, m := range []string{"PUT", "DELETE"} {
			r := api(t, srv, m, "/api/v1/groups/"+g+"/users/"+jdoe)
			if r.status != http.StatusForbidden || r.err(t).ErrorCode != "E0000006" {
				t.Errorf("%s %s: %d %s, want 403 E0000006", m, g, r.status, r.body)
			}
		}
	}
	if !org.IsMember(jdoe, "Everyone") {
		t.Error("Everyone lost a member")
	}

	for path, kind := range map[string]string{
		"/api/v1/groups/00gnope/users/" + jdoe:                          "UserGroup",
		"/api/v1/groups/" + quarantine + "/users/00unope":               "User",
		"/api/v1/groups/" + quarantine + "/users/" + "jdoe@example.com": "User", // {userId}: ID only
	} {
		r := api(t, srv, "PUT", path)
		if r.status != 404 || r.err(t).ErrorCode != "E0000007" {
			t.Errorf("PUT %s: %d %s, want 404 E0000007 (%s)", path, r.status, r.body, kind)
		}
	}
}

func TestGroupMembersPaging(t *testing.T) {
	srv, _ := seeded(t)
	eng, _ := srv.Org().GroupID("Engineering")
	seen := map[string]bool{}
	next := srv.URL + "/api/v1/groups/" + eng + "/users?limit=3"
	pages := 0
	for next != "" {
		r := send(t, "GET", next, "SSWS "+srv.Token, nil)
		if r.status != 200 || r.header.Get("X-Rate-Limit-Limit") == "" {
			t.Fatalf("GET %s: %d %v", next, r.status, r.header)
		}
		var users []struct{ ID string }
		r.decode(t, &users)
		if len(users) > 3 {
			t.Fatalf("page of %d users, limit 3", len(users))
		}
		for _, u := range users {
			if seen[u.ID] {
				t.Fatalf("user %s twice", u.ID)
			}
			seen[u.ID] = true
			if !srv.Org().IsMember(u.ID, "Engineering") {
				t.Fatalf("%s is no member", u.ID)
			}
		}
		if r.links()["self"] == "" {
			t.Fatal("no self link")
		}
		next = r.links()["next"]
		pages++
	}
	if pages < 2 || len(seen) < 4 {
		t.Fatalf("%d members over %d pages", len(seen), pages)
	}
	// A cursor is bound to its group.
	sales, _ := srv.Org().GroupID("Sales")
	r := api(t, srv, "GET", "/api/v1/groups/"+eng+"/users?limit=1")
	u, _ := url.Parse(r.links()["next"])
	bad := api(t, srv, "GET", "/api/v1/groups/"+sales+"/users?"+u.RawQuery)
	if bad.status != 400 || bad.err(t).ErrorCode != "E0000029" {
		t.Fatalf("another group's cursor: %d %s", bad.status, bad.body)
	}
	if r := api(t, srv, "GET", "/api/v1/groups/00gnope/users"); r.status != 404 {
		t.Fatalf("unknown group: %d", r.status)
	}
}

func TestListGroupsSearch(t *testing.T) {
	srv, _ := seeded(t)
	var gs []struct {
		ID      string
		Type    string
		Profile struct{ Name string }
	}
	r := api(t, srv, "GET", "/api/v1/groups?search="+url.QueryEscape(`profile.name eq "super admins"`))
	r.decode(t, &gs)
	if r.status != 200 || len(gs) != 1 || gs[0].Profile.Name != GroupSuperAdmins {
		t.Fatalf("search: %d %+v", r.status, gs)
	}
	r = api(t, srv, "GET", "/api/v1/groups?search="+url.QueryEscape(`type eq "APP_GROUP"`))
	r.decode(t, &gs)
	if len(gs) != 2 {
		t.Fatalf("APP_GROUPs: %+v", gs)
	}
	r = api(t, srv, "GET", "/api/v1/groups?q=Su")
	r.decode(t, &gs)
	if len(gs) != 2 { // Super Admins, Support
		t.Fatalf("q=Su: %+v", gs)
	}
	if r := api(t, srv, "GET", "/api/v1/groups?search="+url.QueryEscape(`profile.name ne "x"`)); r.status != 400 || r.err(t).ErrorCode != "E0000031" {
		t.Fatalf("ne: %d %s", r.status, r.body)
	}
	if r := api(t, srv, "GET", "/api/v1/groups?limit=5"); r.links()["next"] == "" {
		t.Fatal("no next link on a short page")
	}
}
