package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

// TestOktaUserRisk reads a user's Okta risk, sets it, and reads the change
// back; the set is audited and Okta's System Log records it.
func TestOktaUserRisk(t *testing.T) {
	e := newEnv(t)
	id, _ := e.okta.Org().UserID(oktatest.DemoAdminUser)

	// A user with no risk reads as NONE, by login as well as by ID.
	r := e.run("okta-get-user-risk", fmt.Sprintf(`{"user":%q}`, oktatest.DemoAdminUser))
	mustStatus(t, r, 200)
	o := outputs(t, r)
	if o["ID"] != id || o["Username"] != oktatest.DemoAdminUser || o["RiskLevel"] != "NONE" || o["RiskReason"] != nil {
		t.Errorf("outputs before: %v", o)
	}
	body := r.json(t)
	if body["outputs_prefix"] != "Okta.User" || body["outputs_key_field"] != "ID" ||
		!strings.Contains(body["readable_output"].(string), "|NONE|") {
		t.Errorf("result: %s", r.body)
	}

	r = e.run("okta-set-user-risk", fmt.Sprintf(`{"user":%q,"risk_level":"HIGH","risk_reason":"Off-hours Super Admins grant, case 4711"}`, id))
	mustStatus(t, r, 200)
	o = outputs(t, r)
	if o["PreviousRiskLevel"] != "NONE" || o["RiskLevel"] != "HIGH" || o["RiskReason"] != "Off-hours Super Admins grant, case 4711" ||
		o["RiskChanged"] != true || o["Username"] != oktatest.DemoAdminUser {
		t.Errorf("set outputs: %v", o)
	}
	if !strings.Contains(r.json(t)["readable_output"].(string), "|NONE|HIGH|") {
		t.Errorf("readable: %s", r.json(t)["readable_output"])
	}
	if raw := r.json(t)["raw_response"].(map[string]any); raw["riskLevel"] != "HIGH" {
		t.Errorf("raw_response: %v", raw)
	}

	r = e.run("okta-get-user-risk", fmt.Sprintf(`{"user":%q}`, oktatest.DemoAdminUser))
	mustStatus(t, r, 200)
	if o := outputs(t, r); o["RiskLevel"] != "HIGH" || o["RiskReason"] != "Off-hours Super Admins grant, case 4711" {
		t.Errorf("read back: %v", o)
	}

	// Setting the level it already has changes only the reason; Okta
	// stores Okta's default reason when none is given.
	r = e.run("okta-set-user-risk", fmt.Sprintf(`{"user":%q,"risk_level":"HIGH"}`, oktatest.DemoAdminUser))
	mustStatus(t, r, 200)
	if o := outputs(t, r); o["RiskChanged"] != false || o["PreviousRiskReason"] != "Off-hours Super Admins grant, case 4711" || o["RiskReason"] != "override.by.admin" {
		t.Errorf("same level: %v", o)
	}

	// Okta logged one change (NONE → HIGH), not the repeat.
	var changes int
	for _, ev := range e.okta.Org().Events() {
		if ev.EventType == "user.risk.change" && len(ev.Target) > 0 && ev.Target[0].ID == id {
			changes++
		}
	}
	if changes != 1 {
		t.Errorf("%d user.risk.change events, want 1", changes)
	}

	// The set is audited: who, what, whom, with which level.
	auditor := tokenFor(t, "auditor", "audit:read")
	recs := asList(e.get("/api/v1/audit?outcome=success&command=okta-set-user-risk", auditor).json(t)["records"])
	if len(recs) != 2 {
		t.Fatalf("%d success records of okta-set-user-risk, want 2", len(recs))
	}
	var levels []string
	for _, rec := range recs {
		m := rec.(map[string]any)
		if m["subject"] != "tester" {
			t.Errorf("record: %v", m)
		}
		args, _ := m["args"].(map[string]any)
		levels = append(levels, fmt.Sprint(args["risk_level"]))
	}
	if strings.Join(levels, ",") != "HIGH,HIGH" {
		t.Errorf("audited levels %v", levels)
	}
}

// The seeded compromised user carries Okta's own verdict.
func TestOktaUserRiskSeeded(t *testing.T) {
	e := newEnv(t)
	r := e.run("okta-get-user-risk", fmt.Sprintf(`{"user":%q}`, oktatest.DemoActiveUser))
	mustStatus(t, r, 200)
	if o := outputs(t, r); o["RiskLevel"] != "HIGH" || !strings.Contains(fmt.Sprint(o["RiskReason"]), "MFA fatigue") {
		t.Errorf("jdoe: %v", o)
	}
}

func TestOktaUserRiskBadInput(t *testing.T) {
	e := newEnv(t)
	before := e.okta.Requests()
	for _, tc := range []struct{ body, location string }{
		{`{"user":"jdoe@example.com","risk_level":"NONE"}`, "body.risk_level"},
		{`{"user":"jdoe@example.com","risk_level":"high"}`, "body.risk_level"},
		{`{"user":"jdoe@example.com","risk_level":"CRITICAL"}`, "body.risk_level"},
		{`{"user":"jdoe@example.com"}`, "body.risk_level"},
		{`{"user":"jdoe@example.com","risk_level":5}`, "body.risk_level"},
		{`{"risk_level":"HIGH"}`, "body.user"},
		{`{"user":"jdoe@example.com","risk_level":"HIGH","risk_reason":"50% sure: <b>"}`, "body.risk_reason"},
		{`{"user":"jdoe@example.com","risk_level":"HIGH","risk_reason":"` + strings.Repeat("a", 501) + `"}`, "body.risk_reason"},
	} {
		r := e.run("okta-set-user-risk", tc.body)
		mustStatus(t, r, 400) // idcmd's validation problem is a 400
		if !problemAt(t, r, tc.location) {
			t.Errorf("%.80s: problem does not name %s: %s", tc.body, tc.location, r.body)
		}
	}
	if n := e.okta.Requests() - before; n != 0 {
		t.Errorf("%d calls reached Okta for bad input", n)
	}
	if level, _, _ := e.okta.Org().UserRisk(oktatest.DemoActiveUser); level != "HIGH" {
		t.Errorf("jdoe's risk is now %s", level)
	}

	// An unknown user is Okta's 404, for both commands.
	for _, tc := range []struct{ name, body string }{
		{"okta-get-user-risk", `{"user":"nobody@example.com"}`},
		{"okta-set-user-risk", `{"user":"nobody@example.com","risk_level":"LOW"}`},
	} {
		r := e.run(tc.name, tc.body)
		mustStatus(t, r, 404)
		if p := r.json(t); p["provider"] != "okta" || p["provider_code"] != "E0000007" || p["provider_status"] != float64(404) {
			t.Errorf("%s: %s", tc.name, r.body)
		}
	}
}

// An approval policy naming okta-set-user-risk holds it: nothing reaches
// Okta until a second person approves, and then it runs once.
func TestOktaSetUserRiskHeldForApproval(t *testing.T) {
	e := newEnv(t, envOptions{configure: func(c *config.Config) {
		c.Approvals.Commands = map[string]bool{"okta-set-user-risk": true}
	}})
	requester := token(t, allScopes...)
	approver := tokenFor(t, "second-person", "commands:read", "approvals:decide")

	// Reads are not held.
	mustStatus(t, e.call("okta-get-user-risk", fmt.Sprintf(`{"user":%q}`, oktatest.DemoAdminUser), requester, ""), 200)

	ap := approvalOf(t, e.call("okta-set-user-risk", fmt.Sprintf(`{"user":%q,"risk_level":"HIGH"}`, oktatest.DemoAdminUser), requester, ""))
	if level, _, _ := e.okta.Org().UserRisk(oktatest.DemoAdminUser); level != "NONE" {
		t.Fatalf("the held set ran: Okta says %s", level)
	}
	d := e.post("/api/v1/approvals/"+ap["id"].(string)+"/approve", approver, `{}`)
	mustStatus(t, d, 200)
	if d.json(t)["status"] != "executed" {
		t.Fatalf("approve: %s", d.body)
	}
	if level, _, _ := e.okta.Org().UserRisk(oktatest.DemoAdminUser); level != "HIGH" {
		t.Errorf("after approval Okta says %s", level)
	}
}
