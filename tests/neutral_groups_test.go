package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
)

// TestGroupMembershipNeutral: add-to-group and remove-from-group run the
// provider's membership command (recorded under its name, asked as the
// neutral one), answer in one shape for both IdPs, and keep the provider's
// rules: an unknown group names body.group, a privileged group waits for a
// second person, and a PingOne membership through a nested group is not
// removed by name.
func TestGroupMembershipNeutral(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true, configure: func(c *config.Config) { c.Approvals.PrivilegedGroups = oktatest.PrivilegedGroups() }})
	oktaUser, p1User := oktatest.DemoActiveUser, pingonetest.DemoActiveUser

	for _, c := range []struct {
		provider, user string
		member         func() bool
	}{
		{"okta", oktaUser, func() bool { return containsFold(e.okta.Org().GroupNames(oktaUser), "Quarantine") }},
		{"pingone", p1User, func() bool { return containsFold(e.pingone.Env().GroupNames(p1User), pingonetest.GroupQuarantine) }},
	} {
		body := fmt.Sprintf(`{"provider":%q,"user":%q,"group":"Quarantine"}`, c.provider, c.user)
		r := e.run("add-to-group", body)
		mustStatus(t, r, 200)
		res := r.json(t)
		o := res["outputs"].(map[string]any)
		if o["Provider"] != c.provider || o["GroupName"] != "Quarantine" || o["WasMember"] != false || o["IsMember"] != true ||
			o["Changed"] != true || o["Action"] != "add_to_group" || res["outputs_prefix"] != "Account" {
			t.Errorf("%s add-to-group: %s", c.provider, r.body)
		}
		if res["effective_command"] != c.provider+"-add-to-group" {
			t.Errorf("%s: effective_command %v", c.provider, res["effective_command"])
		}
		if rec := e.auditRecord(res["audit_id"]); rec["command"] != c.provider+"-add-to-group" || rec["requested_as"] != "add-to-group" {
			t.Errorf("%s: audit record %v", c.provider, rec)
		}
		if !c.member() {
			t.Errorf("%s: the user is not in Quarantine at the provider", c.provider)
		}

		r = e.run("remove-from-group", body)
		mustStatus(t, r, 200)
		if o := r.json(t)["outputs"].(map[string]any); o["WasMember"] != true || o["IsMember"] != false || o["Changed"] != true {
			t.Errorf("%s remove-from-group: %s", c.provider, r.body)
		}
		if c.member() {
			t.Errorf("%s: the user is still in Quarantine", c.provider)
		}

		r = e.run("add-to-group", fmt.Sprintf(`{"provider":%q,"user":%q,"group":"No Such Group"}`, c.provider, c.user))
		mustStatus(t, r, 404)
		if !problemAt(t, r, "body.group") {
			t.Errorf("%s: the unknown group is not named: %s", c.provider, r.body)
		}
	}

	// Okta accepts removing a non-member and changes nothing; PingOne refuses.
	r := e.run("remove-from-group", fmt.Sprintf(`{"provider":"okta","user":%q,"group":"Quarantine"}`, oktaUser))
	mustStatus(t, r, 200)
	if o := r.json(t)["outputs"].(map[string]any); o["Changed"] != false || !strings.Contains(string(r.body), "Nothing changed") {
		t.Errorf("okta no-op: %s", r.body)
	}
	r = e.run("remove-from-group", fmt.Sprintf(`{"provider":"pingone","user":%q,"group":"Quarantine"}`, p1User))
	mustStatus(t, r, 404)

	// The gate judges the provider command: a privileged group is held.
	r = e.run("add-to-group", fmt.Sprintf(`{"provider":"okta","user":%q,"group":%q}`, oktaUser, oktatest.GroupSuperAdmins))
	approvalOf(t, r)
	if containsFold(e.okta.Org().GroupNames(oktaUser), oktatest.GroupSuperAdmins) {
		t.Error("the user was made a Super Admin without approval")
	}

	// With both IdPs configured the provider must be named.
	r = e.run("add-to-group", fmt.Sprintf(`{"user":%q,"group":"Quarantine"}`, oktaUser))
	mustStatus(t, r, 400)
	if !strings.Contains(string(r.body), "body.provider") {
		t.Errorf("no provider: %s", r.body)
	}
}
