package tests

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
)

// fieldErrors returns the locations a problem names.
func fieldErrors(t *testing.T, r response) []string {
	t.Helper()
	var locs []string
	for _, e := range asList(r.json(t)["errors"]) {
		locs = append(locs, e.(map[string]any)["location"].(string))
	}
	return locs
}

// mustNameField fails unless r is a problem of status naming location.
func mustNameField(t *testing.T, r response, status int, location string) {
	t.Helper()
	mustStatus(t, r, status)
	if locs := fieldErrors(t, r); !slices.Contains(locs, location) {
		t.Errorf("problem does not name %s: %s", location, r.body)
	}
	if !strings.Contains(r.header.Get("Content-Type"), "problem+json") {
		t.Errorf("not a problem: %s", r.header.Get("Content-Type"))
	}
}

func TestPingOneAddAndRemoveGroup(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	env := e.pingone.Env()
	user := pingonetest.DemoRiskyUser
	qid, _ := env.GroupID(pingonetest.GroupQuarantine)

	// By name: NONE -> DIRECT.
	r := e.run("pingone-add-to-group", fmt.Sprintf(`{"user":%q,"group":%q}`, user, pingonetest.GroupQuarantine))
	mustStatus(t, r, 200)
	o := outputs(t, r)
	if o["Action"] != "add_to_group" || o["GroupID"] != qid || o["GroupName"] != pingonetest.GroupQuarantine ||
		o["MembershipBefore"] != "NONE" || o["MembershipAfter"] != "DIRECT" || o["Username"] != user {
		t.Errorf("add: %v", o)
	}
	if !slices.Contains(env.GroupNames(user), pingonetest.GroupQuarantine) {
		t.Error("the fake has no membership")
	}
	// Already a member: PingOne's refusal, as a 409 naming body.group.
	r = e.run("pingone-add-to-group", fmt.Sprintf(`{"user":%q,"group":%q}`, user, qid))
	mustNameField(t, r, 409, "body.group")
	if p := r.json(t); p["provider_code"] != "INVALID_DATA" || p["provider_status"] != float64(400) || !strings.Contains(p["detail"].(string), "already a member") {
		t.Errorf("already a member: %s", r.body)
	}

	// By ID: DIRECT -> NONE.
	r = e.run("pingone-remove-from-group", fmt.Sprintf(`{"user":%q,"group":%q}`, user, qid))
	mustStatus(t, r, 200)
	if o := outputs(t, r); o["MembershipBefore"] != "DIRECT" || o["MembershipAfter"] != "NONE" || o["Action"] != "remove_from_group" {
		t.Errorf("remove: %v", o)
	}
	// Not a member: PingOne's 404, naming body.group.
	r = e.run("pingone-remove-from-group", fmt.Sprintf(`{"user":%q,"group":%q}`, user, qid))
	mustNameField(t, r, 404, "body.group")
	// Only an INDIRECT member (Finance Approvers through Payroll Admins):
	// the answer says how to end it.
	r = e.run("pingone-remove-from-group", fmt.Sprintf(`{"user":%q,"group":%q}`, user, pingonetest.GroupFinanceApprovers))
	mustNameField(t, r, 404, "body.group")
	if !strings.Contains(string(r.body), "nested group") {
		t.Errorf("indirect membership: %s", r.body)
	}
	// A privileged group: removing the escalated contractor from it.
	r = e.run("pingone-remove-from-group", fmt.Sprintf(`{"user":%q,"group":%q}`, pingonetest.DemoEscalatedUser, pingonetest.GroupFinanceApprovers))
	mustStatus(t, r, 200)
	if slices.Contains(env.GroupNames(pingonetest.DemoEscalatedUser), pingonetest.GroupFinanceApprovers) {
		t.Error("still in Finance Approvers")
	}

	// A population group refuses another population's user: 409.
	r = e.run("pingone-add-to-group", fmt.Sprintf(`{"user":%q,"group":%q}`, user, pingonetest.GroupContractorOffboarding))
	mustNameField(t, r, 409, "body.group")
}

func TestPingOneGroupArgumentErrors(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	user := pingonetest.DemoRiskyUser
	for _, name := range []string{"pingone-add-to-group", "pingone-remove-from-group"} {
		mustNameField(t, e.run(name, fmt.Sprintf(`{"user":%q,"group":"No Such Group"}`, user)), 404, "body.group")
		mustNameField(t, e.run(name, fmt.Sprintf(`{"user":%q,"group":"00000000-0000-4000-8000-000000000000"}`, user)), 404, "body.group")
		mustNameField(t, e.run(name, fmt.Sprintf(`{"user":%q}`, user)), 400, "body.group")
		mustNameField(t, e.run(name, fmt.Sprintf(`{"user":%q,"group":%q}`, user, strings.Repeat("g", 300))), 400, "body.group")
		mustStatus(t, e.run(name, `{"user":"nobody@example.com","group":"Quarantine"}`), 404)
	}
	mustNameField(t, e.run("pingone-get-group-members", `{"group":"No Such Group"}`), 404, "body.group")
	if n := len(e.pingone.Env().GroupNames(user)); n != 4 {
		t.Errorf("refused calls changed memberships: %v", e.pingone.Env().GroupNames(user))
	}
}

func TestPingOneGetGroupMembers(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		body := fmt.Sprintf(`{"group":%q,"limit":3}`, pingonetest.GroupProdAccess)
		if cursor != "" {
			body = fmt.Sprintf(`{"group":%q,"limit":3,"cursor":%q}`, pingonetest.GroupProdAccess, cursor)
		}
		r := e.run("pingone-get-group-members", body)
		mustStatus(t, r, 200)
		o := outputs(t, r)
		if o["Name"] != pingonetest.GroupProdAccess || o["ID"] == "" {
			t.Fatalf("group: %v", o)
		}
		for _, m := range asList(o["Member"]) {
			name := m.(map[string]any)["Username"].(string)
			if seen[name] {
				t.Errorf("%s on two pages", name)
			}
			seen[name] = true
		}
		pages++
		cursor, _ = r.json(t)["next_cursor"].(string)
		if cursor == "" || pages > 30 {
			break
		}
	}
	// jdoe is a member through SRE On-Call.
	if pages < 2 || !seen[pingonetest.DemoActiveUser] {
		t.Errorf("%d pages, members %v", pages, seen)
	}
	// A cursor is bound to its group.
	r := e.run("pingone-get-group-members", fmt.Sprintf(`{"group":%q,"limit":1}`, pingonetest.GroupProdAccess))
	c, _ := r.json(t)["next_cursor"].(string)
	mustNameField(t, e.run("pingone-get-group-members", fmt.Sprintf(`{"group":"VPN Users","cursor":%q}`, c)), 400, "body.cursor")

	r = e.run("pingone-get-group-members", fmt.Sprintf(`{"group":%q}`, pingonetest.GroupQuarantine))
	mustStatus(t, r, 200)
	if n := len(asList(outputs(t, r)["Member"])); n != 0 {
		t.Errorf("quarantine has %d members", n)
	}
}
