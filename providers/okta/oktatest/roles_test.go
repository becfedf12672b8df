package oktatest

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// roleKinds lists a user's roles as type/assignmentType/assignee path,
// the parts a privilege check and a reviewer look at.
func roleKinds(t *testing.T, srv *Server, userID string) []string {
	t.Helper()
	r := api(t, srv, "GET", "/api/v1/users/"+userID+"/roles")
	if r.status != 200 {
		t.Fatalf("roles of %s: %d %s", userID, r.status, r.body)
	}
	var roles []roleJSON
	r.decode(t, &roles)
	out := []string{}
	for _, ro := range roles {
		if ro.ID == "" || ro.Label == "" || ro.Status != "ACTIVE" {
			t.Errorf("role %+v: id, label or status missing", ro)
		}
		out = append(out, ro.Type+"/"+ro.AssignmentType+"/"+strings.TrimPrefix(ro.Links["assignee"].Href, srv.URL))
	}
	return out
}

func TestSeededRoles(t *testing.T) {
	srv, _ := seeded(t)
	o := srv.Org()
	admin := userIDOf(t, srv, DemoAdminUser)
	oktaAdmins := o.groupByName[strings.ToLower(GroupOktaAdmins)].id

	tests := []struct {
		login string
		want  []string
	}{
		{DemoAdminUser, []string{
			"SUPER_ADMIN/USER//api/v1/users/" + admin,
			"ORG_ADMIN/GROUP//api/v1/groups/" + oktaAdmins,
		}},
		{ServiceAccountLogin, []string{"ORG_ADMIN/GROUP//api/v1/groups/" + oktaAdmins}},
		{DemoActiveUser, []string{}},
		{DemoDeprovisionedUser, []string{}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, roleKinds(t, srv, userIDOf(t, srv, tt.login))); diff != "" {
			t.Errorf("roles of %s (-want +got):\n%s", tt.login, diff)
		}
	}

	// An empty list is [], never null, as Okta sends it.
	if r := api(t, srv, "GET", "/api/v1/users/"+userIDOf(t, srv, DemoActiveUser)+"/roles"); string(r.body) != "[]" {
		t.Errorf("no roles: body %s, want []", r.body)
	}
	// A group-assigned role is one assignment: every member sees its ID.
	var a, b []roleJSON
	api(t, srv, "GET", "/api/v1/users/"+admin+"/roles").decode(t, &a)
	api(t, srv, "GET", "/api/v1/users/"+userIDOf(t, srv, ServiceAccountLogin)+"/roles").decode(t, &b)
	if a[1].ID != b[0].ID || !strings.HasPrefix(a[1].ID, prefixGroupRole) || !strings.HasPrefix(a[0].ID, prefixUserRole) {
		t.Errorf("assignment IDs: admin %s, %s; service account %s", a[0].ID, a[1].ID, b[0].ID)
	}
}

func TestSeededRolesAreDeterministic(t *testing.T) {
	one, _ := seeded(t)
	two, _ := seeded(t)
	id := userIDOf(t, one, DemoAdminUser)
	body := func(srv *Server) string {
		return strings.ReplaceAll(string(api(t, srv, "GET", "/api/v1/users/"+id+"/roles").body), srv.URL, "")
	}
	if diff := cmp.Diff(body(one), body(two)); diff != "" {
		t.Errorf("two seeds differ:\n%s", diff)
	}
}

func TestAssignRole(t *testing.T) {
	srv, _ := seeded(t)
	o := srv.Org()
	jdoe := userIDOf(t, srv, DemoActiveUser)

	if !o.AssignRole(DemoActiveUser, RoleHelpDeskAdmin) || !o.AssignRole(jdoe, RoleHelpDeskAdmin) {
		t.Fatal("AssignRole reported no such user")
	}
	// Engineering is one of jdoe's groups; a role on it reaches jdoe.
	if !o.AssignGroupRole("engineering", RoleReadOnlyAdmin) {
		t.Fatal("AssignGroupRole reported no such group")
	}
	eng := o.groupByName["engineering"].id
	want := []string{
		"HELP_DESK_ADMIN/USER//api/v1/users/" + jdoe, // assigned twice, held once
		"READ_ONLY_ADMIN/GROUP//api/v1/groups/" + eng,
	}
	if diff := cmp.Diff(want, roleKinds(t, srv, jdoe)); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
	if o.AssignRole("nobody@example.com", RoleSuperAdmin) || o.AssignGroupRole("No Such Group", RoleSuperAdmin) {
		t.Error("assigning to an unknown user or group reported success")
	}
	defer func() {
		if recover() == nil {
			t.Error("AssignRole with an unknown role type did not panic")
		}
	}()
	o.AssignRole(jdoe, "MOBILE_ADMIN")
}

func TestListUserRolesErrors(t *testing.T) {
	srv, clk := seeded(t)
	admin := userIDOf(t, srv, DemoAdminUser)

	// {userId} takes the ID only, like every {userId} path: a login is an
	// unknown user.
	for _, ref := range []string{DemoAdminUser, "00u0000000000000none"} {
		r := api(t, srv, "GET", "/api/v1/users/"+ref+"/roles")
		if e := r.err(t); r.status != 404 || e.ErrorCode != "E0000007" || !strings.Contains(e.ErrorSummary, ref) {
			t.Errorf("roles of %s: %d %+v, want 404 E0000007", ref, r.status, e)
		}
	}
	if r := send(t, "GET", srv.URL+"/api/v1/users/"+admin+"/roles", "SSWS wrong", nil); r.status != 401 || r.err(t).ErrorCode != "E0000011" {
		t.Errorf("bad token: %d %s", r.status, r.body)
	}
	// The operation needs okta.roles.read; okta.users.read is not enough.
	usersOnly := "Bearer " + bearerToken(t, srv, clk, ScopeUsersRead)
	r := send(t, "GET", srv.URL+"/api/v1/users/"+admin+"/roles", usersOnly, nil)
	if r.status != 403 || r.err(t).ErrorCode != "E0000006" || !strings.Contains(r.header.Get("Www-Authenticate"), ScopeRolesRead) {
		t.Errorf("without okta.roles.read: %d %s %q", r.status, r.body, r.header.Get("Www-Authenticate"))
	}
	rolesRead := "Bearer " + bearerToken(t, srv, clk, ScopeRolesRead)
	if r := send(t, "GET", srv.URL+"/api/v1/users/"+admin+"/roles", rolesRead, nil); r.status != 200 {
		t.Errorf("with okta.roles.read: %d %s", r.status, r.body)
	}
}

func TestSpecConformanceRoles(t *testing.T) {
	srv, clk := seeded(t)
	auth := "SSWS " + srv.Token
	srv.Org().AssignRole(DemoActiveUser, RoleAPIAccessManagementAdmin)
	for _, login := range []string{DemoAdminUser, ServiceAccountLogin, DemoActiveUser, DemoStagedUser} {
		conform(t, srv, "GET", "/api/v1/users/"+userIDOf(t, srv, login)+"/roles", auth, 200)
	}
	conform(t, srv, "GET", "/api/v1/users/"+DemoAdminUser+"/roles", auth, 404) // {userId}: ID only
	srv.InjectRateLimit(1)
	conform(t, srv, "GET", "/api/v1/users/"+userIDOf(t, srv, DemoAdminUser)+"/roles", auth, 429)
	usersOnly := "Bearer " + bearerToken(t, srv, clk, ScopeUsersRead)
	conform(t, srv, "GET", "/api/v1/users/"+userIDOf(t, srv, DemoAdminUser)+"/roles", usersOnly, 403)
}
