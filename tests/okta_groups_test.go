package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

// fieldOf returns the location of a problem's first field error.
func fieldOf(t *testing.T, r response) string {
	t.Helper()
	errs, _ := r.json(t)["errors"].([]any)
	if len(errs) == 0 {
		t.Fatalf("problem names no field: %s", r.body)
	}
	return errs[0].(map[string]any)["location"].(string)
}

func TestOktaAddRemoveGroupByName(t *testing.T) {
	e := newEnv(t)
	org := e.okta.Org()
	body := fmt.Sprintf(`{"user":%q,"group":%q}`, oktatest.DemoActiveUser, oktatest.GroupQuarantine)

	r := e.run("okta-add-to-group", body)
	mustStatus(t, r, 200)
	out := r.json(t)["outputs"].(map[string]any)
	if out["WasMember"] != false || out["IsMember"] != true || out["Changed"] != true || out["GroupName"] != oktatest.GroupQuarantine ||
		out["Action"] != "add_to_group" || out["Username"] != oktatest.DemoActiveUser {
		t.Fatalf("add: %v", out)
	}
	if !org.IsMember(oktatest.DemoActiveUser, oktatest.GroupQuarantine) {
		t.Fatal("not added at Okta")
	}
	// Again: Okta accepts it and nothing changes, and the answer says so.
	r = e.run("okta-add-to-group", body)
	mustStatus(t, r, 200)
	out = r.json(t)["outputs"].(map[string]any)
	if out["WasMember"] != true || out["Changed"] != false || !strings.Contains(r.json(t)["readable_output"].(string), "already was a member") {
		t.Fatalf("second add: %s", r.body)
	}

	// By group ID, removal; then removal of a non-member.
	qid, _ := org.GroupID(oktatest.GroupQuarantine)
	byID := fmt.Sprintf(`{"user":%q,"group":%q}`, oktatest.DemoActiveUser, qid)
	r = e.run("okta-remove-from-group", byID)
	mustStatus(t, r, 200)
	if out := r.json(t)["outputs"].(map[string]any); out["Changed"] != true || out["IsMember"] != false {
		t.Fatalf("remove: %s", r.body)
	}
	r = e.run("okta-remove-from-group", byID)
	mustStatus(t, r, 200)
	if out := r.json(t)["outputs"].(map[string]any); out["Changed"] != false || !strings.Contains(r.json(t)["readable_output"].(string), "was no member") {
		t.Fatalf("second remove: %s", r.body)
	}

	// Containment: out of a privileged group.
	r = e.run("okta-remove-from-group", fmt.Sprintf(`{"user":%q,"group":"super admins"}`, oktatest.DemoAdminUser))
	mustStatus(t, r, 200)
	if org.IsMember(oktatest.DemoAdminUser, oktatest.GroupSuperAdmins) {
		t.Fatal("still in Super Admins")
	}
}

func TestOktaGroupRefusals(t *testing.T) {
	e := newEnv(t)
	org := e.okta.Org()

	// Unknown group, by name and by a well-formed ID: 404 naming body.group.
	for _, g := range []string{"No Such Group", "00g0000000000000none"} {
		r := e.run("okta-add-to-group", fmt.Sprintf(`{"user":%q,"group":%q}`, oktatest.DemoActiveUser, g))
		mustStatus(t, r, 404)
		if fieldOf(t, r) != "body.group" {
			t.Errorf("%s: %s", g, r.body)
		}
	}
	r := e.run("okta-get-group-members", `{"group":"No Such Group"}`)
	mustStatus(t, r, 404)

	// Ambiguous name: 400 listing both IDs.
	a := org.AddGroup("Incident Response", "", "")
	b := org.AddGroup("Incident Response", "", "")
	r = e.run("okta-add-to-group", fmt.Sprintf(`{"user":%q,"group":"Incident Response"}`, oktatest.DemoActiveUser))
	mustStatus(t, r, 400)
	if fieldOf(t, r) != "body.group" || !strings.Contains(string(r.body), a) || !strings.Contains(string(r.body), b) {
		t.Errorf("ambiguous: %s", r.body)
	}

	// Directory-imported and built-in groups: Okta refuses, idcmd says why.
	for _, g := range []string{oktatest.GroupDomainAdmins, "Everyone"} {
		for _, cmd := range []string{"okta-add-to-group", "okta-remove-from-group"} {
			r := e.run(cmd, fmt.Sprintf(`{"user":%q,"group":%q}`, oktatest.DemoAdminUser, g))
			mustStatus(t, r, 400)
			if fieldOf(t, r) != "body.group" || !strings.Contains(string(r.body), "OKTA_GROUP") {
				t.Errorf("%s %s: %s", cmd, g, r.body)
			}
		}
	}
	if !org.IsMember(oktatest.DemoAdminUser, oktatest.GroupDomainAdmins) {
		t.Fatal("membership of an APP_GROUP changed")
	}

	// Unknown user: 404, and the group is not touched.
	mustStatus(t, e.run("okta-add-to-group", `{"user":"nobody@example.com","group":"Quarantine"}`), 404)
	// Missing group: 400 naming it.
	r = e.run("okta-add-to-group", fmt.Sprintf(`{"user":%q}`, oktatest.DemoActiveUser))
	mustStatus(t, r, 400)
	if fieldOf(t, r) != "body.group" {
		t.Errorf("missing group: %s", r.body)
	}
}

func TestOktaGetGroupMembersPages(t *testing.T) {
	e := newEnv(t)
	ids := e.walk("okta-get-group-members", `"group":"Engineering"`, 3)
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("%s twice", id)
		}
		seen[id] = true
		if !e.okta.Org().IsMember(id, "Engineering") {
			t.Fatalf("%s is no member", id)
		}
	}
	if len(ids) < 5 {
		t.Fatalf("%d members", len(ids))
	}
	// A cursor is bound to its group.
	p := e.page("okta-get-group-members", `"group":"Engineering"`, 2, "")
	if p.cursor == "" {
		t.Fatal("no next_cursor")
	}
	r := e.run("okta-get-group-members", fmt.Sprintf(`{"group":"Sales","cursor":%q}`, p.cursor))
	mustStatus(t, r, 400)
	if fieldOf(t, r) != "body.cursor" {
		t.Errorf("foreign cursor: %s", r.body)
	}
}
