package pingonetest

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
)

type membershipView struct {
	ID       string
	Name     string
	Type     string
	Embedded *struct {
		Group struct {
			ID, Name string
		}
	} `json:"_embedded"`
}

func memberOf(t *testing.T, c *client, id, query string) (page, []membershipView) {
	t.Helper()
	r := must(t, c.get("/users/"+id+"/memberOfGroups"+query), 200)
	pg, _ := decodePage(t, r, "groupMemberships")
	var body struct {
		Embedded struct{ GroupMemberships []membershipView } `json:"_embedded"`
	}
	r.decode(t, &body)
	return pg, body.Embedded.GroupMemberships
}

func TestMemberOfGroups(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	id := userID(t, srv, DemoActiveUser)

	_, all := memberOf(t, c, id, "")
	got := map[string]string{}
	for _, m := range all {
		got[m.Name] = m.Type
		if m.Embedded != nil {
			t.Errorf("group embedded without expand=group: %+v", m)
		}
	}
	want := map[string]string{
		"Engineering": "DIRECT", "SRE On-Call": "DIRECT", "VPN Users": "DIRECT",
		"All Staff": "INDIRECT", GroupProdAccess: "INDIRECT",
	}
	if len(got) != len(want) {
		t.Errorf("memberships %v, want %v", got, want)
	}
	for name, typ := range want {
		if got[name] != typ {
			t.Errorf("%s: %q, want %s", name, got[name], typ)
		}
	}

	p, direct := memberOf(t, c, id, "?expand=group&filter="+url.QueryEscape(`type eq "DIRECT"`))
	if len(direct) != 3 || p.Count != 3 {
		t.Errorf("DIRECT memberships %+v (count %d)", direct, p.Count)
	}
	for _, m := range direct {
		if m.Embedded == nil || m.Embedded.Group.ID != m.ID || m.Embedded.Group.Name != m.Name {
			t.Errorf("expanded membership %+v", m)
		}
	}

	// Paged with limit, following next.
	var names []string
	next := c.envURL("/users/" + id + "/memberOfGroups?limit=2&expand=group")
	for next != "" {
		r := must(t, send(t, "GET", next, authHeader(c), ""), 200)
		pg, items := decodePage(t, r, "groupMemberships")
		for _, it := range items {
			names = append(names, it["name"].(string))
		}
		next = ""
		if pg.Links.Next != nil {
			next = pg.Links.Next.Href
		}
	}
	if len(names) != 5 {
		t.Errorf("paged memberships %v", names)
	}
	// A cursor from another user's listing is refused.
	r := must(t, c.get("/users/"+id+"/memberOfGroups?limit=1"), 200)
	pg, _ := decodePage(t, r, "groupMemberships")
	u, _ := url.Parse(pg.Links.Next.Href)
	must(t, c.get("/users/"+userID(t, srv, DemoAdminUser)+"/memberOfGroups?"+u.RawQuery), 400)

	must(t, c.get("/users/"+id+"/memberOfGroups?expand=users"), 400)
	must(t, c.get("/users/"+id+"/memberOfGroups?filter="+url.QueryEscape(`type eq`)), 400)
	must(t, c.get("/users/nope/memberOfGroups"), 404)
}

func TestPrivilegedAccessOfFixtures(t *testing.T) {
	srv, _ := seeded(t)
	env := srv.Env()
	tests := []struct {
		user   string
		groups []string // among GroupNames (DIRECT or INDIRECT)
		roles  []string
	}{
		{DemoActiveUser, []string{GroupProdAccess}, []string{RoleClientApplicationDeveloper}},
		{DemoAdminUser, []string{GroupPingOneAdmins}, []string{RoleEnvironmentAdmin, RoleIdentityDataAdmin}},
		{DemoRiskyUser, []string{GroupFinanceApprovers}, nil},
		{DemoEscalatedUser, []string{GroupFinanceApprovers}, []string{RoleEnvironmentAdmin}},
		{DemoHelpDeskUser, nil, []string{RoleHelpDeskAdmin}},
	}
	for _, tt := range tests {
		groups := env.GroupNames(tt.user)
		for _, g := range tt.groups {
			if !slices.Contains(groups, g) {
				t.Errorf("%s: not in %s (groups %v)", tt.user, g, groups)
			}
		}
		if roles := env.RoleNames(tt.user); !slices.Equal(roles, tt.roles) {
			t.Errorf("%s: roles %v, want %v", tt.user, roles, tt.roles)
		}
	}
}

func TestRoleAssignments(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	var p struct {
		Embedded struct {
			RoleAssignments []struct {
				ID       string
				Role     idRef
				Scope    scopeJSON
				ReadOnly *bool
			}
		} `json:"_embedded"`
	}
	must(t, c.get("/users/"+userID(t, srv, DemoAdminUser)+"/roleAssignments"), 200).decode(t, &p)
	ras := p.Embedded.RoleAssignments
	if len(ras) != 2 {
		t.Fatalf("role assignments %+v", ras)
	}
	envAdmin, _ := RoleID(RoleEnvironmentAdmin)
	if ras[0].Role.ID != envAdmin || ras[0].Scope != (scopeJSON{ID: srv.EnvironmentID, Type: ScopeEnvironment}) ||
		ras[0].ReadOnly == nil || ras[0].ID == "" {
		t.Errorf("assignment %+v", ras[0])
	}
	// The role's name is one lookup away, at the organization level.
	var role struct{ ID, Name string }
	r := send(t, "GET", srv.URL+"/roles/"+ras[0].Role.ID, http.Header{"Authorization": {"Bearer " + c.tok}}, "")
	must(t, r, 200).decode(t, &role)
	if role.Name != RoleEnvironmentAdmin {
		t.Errorf("role %+v", role)
	}

	must(t, c.get("/users/"+userID(t, srv, DemoHelpDeskUser)+"/roleAssignments"), 200).decode(t, &p)
	if ra := p.Embedded.RoleAssignments; len(ra) != 1 || ra[0].Scope.Type != ScopePopulation {
		t.Errorf("help desk assignments %+v", ra)
	}
	must(t, c.get("/users/"+userID(t, srv, DemoRiskyUser)+"/roleAssignments"), 200).decode(t, &p)
	if len(p.Embedded.RoleAssignments) != 0 {
		t.Errorf("DemoRiskyUser assignments %+v", p.Embedded.RoleAssignments)
	}
	must(t, c.get("/users/nope/roleAssignments"), 404)

	id := srv.Env().AssignRole(DemoRiskyUser, RoleIdentityDataReadOnly, ScopeEnvironment, srv.EnvironmentID)
	must(t, c.get("/users/"+userID(t, srv, DemoRiskyUser)+"/roleAssignments"), 200).decode(t, &p)
	if ra := p.Embedded.RoleAssignments; len(ra) != 1 || ra[0].ID != id {
		t.Errorf("after AssignRole: %+v", ra)
	}
}

func TestApplications(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	r := must(t, c.get("/applications"), 200)
	p, apps := decodePage(t, r, "applications")
	if p.Count != len(apps) || len(apps) < 8 {
		t.Fatalf("%d applications", len(apps))
	}
	worker := slices.IndexFunc(apps, func(a map[string]any) bool { return a["id"] == srv.ClientID })
	if worker < 0 || apps[worker]["type"] != "WORKER" || !slices.Contains(apps[worker]["grantTypes"].([]any), any("CLIENT_CREDENTIALS")) {
		t.Errorf("worker application %v", apps[worker])
	}
	var saml int
	for _, a := range apps {
		if a["protocol"] == "SAML" {
			saml++
		}
	}
	if saml < 3 {
		t.Errorf("%d SAML applications", saml)
	}
}
