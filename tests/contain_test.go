package tests

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
)

// containment is contain-user's or release-user's answer: the outcome and
// each step by purpose.
type containment struct {
	outcome string
	steps   []map[string]any
	byStep  map[string]map[string]any
}

func containmentOf(t *testing.T, r response) containment {
	t.Helper()
	mustStatus(t, r, 200)
	out := outputs(t, r)
	c := containment{outcome: fmt.Sprint(out["Outcome"]), byStep: map[string]map[string]any{}}
	for _, s := range asList(out["Step"]) {
		m := s.(map[string]any)
		c.steps = append(c.steps, m)
		c.byStep[fmt.Sprint(m["Step"])] = m
	}
	return c
}

func (c containment) status(t *testing.T, step string) string {
	t.Helper()
	s, ok := c.byStep[step]
	if !ok {
		t.Fatalf("no step %q in %v", step, c.steps)
	}
	return fmt.Sprint(s["Status"])
}

// auditOfUser returns the audit records about a user, newest first.
func (e *env) auditOfUser(user string) []map[string]any {
	e.t.Helper()
	r := e.get("/api/v1/audit?limit=100&user="+user, tokenFor(e.t, "auditor", "audit:read"))
	mustStatus(e.t, r, 200)
	var out []map[string]any
	for _, rec := range asList(r.json(e.t)["records"]) {
		out = append(out, rec.(map[string]any))
	}
	return out
}

// TestContainUserOkta: one call suspends the user, ends every session,
// revokes the OAuth tokens and (asked) resets the factors, each step its
// own audit record under contain-user.
func TestContainUserOkta(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	user := oktatest.DemoActiveUser
	e.okta.Org().AddOAuthTokens(user, 3)
	if e.okta.Org().SessionCount(user) == 0 || e.okta.Org().FactorCount(user) == 0 {
		t.Fatal("the demo user has no sessions or factors to contain")
	}
	r := e.run("contain-user", fmt.Sprintf(`{"provider":"okta","user":%q,"reset_factors":true}`, user))
	c := containmentOf(t, r)
	if c.outcome != "contained" {
		t.Fatalf("outcome %s: %s", c.outcome, r.body)
	}
	for _, step := range []string{"stop sign-in", "end sessions", "revoke OAuth tokens", "reset factors"} {
		if s := c.status(t, step); s != "done" {
			t.Errorf("%s: %s", step, s)
		}
	}
	org := e.okta.Org()
	if s, _ := org.UserStatus(user); s != "SUSPENDED" {
		t.Errorf("Okta says %s", s)
	}
	if org.SessionCount(user) != 0 || org.OAuthTokenCount(user) != 0 || org.FactorCount(user) != 0 {
		t.Errorf("left: %d sessions, %d tokens, %d factors", org.SessionCount(user), org.OAuthTokenCount(user), org.FactorCount(user))
	}
	out := outputs(t, r)
	if out["Status"] != "SUSPENDED" || out["CanSignIn"] != false || out["PreviousStatus"] != "ACTIVE" {
		t.Errorf("read back: %v", out)
	}
	readable := r.json(t)["readable_output"].(string)
	if strings.Count(readable, "\n|") < 5 || !strings.Contains(readable, "okta-reset-factors") {
		t.Errorf("readable is not one table of the steps:\n%s", readable)
	}

	// One record per step, plus the workflow's, all of one request.
	recs := e.auditOfUser(user)
	want := map[string]bool{"okta-suspend-user": true, "okta-clear-sessions": true, "okta-reset-factors": true, "contain-user": true}
	if len(recs) != len(want) {
		t.Fatalf("%d records: %v", len(recs), recs)
	}
	for _, rec := range recs {
		cmd := fmt.Sprint(rec["command"])
		if !want[cmd] || rec["outcome"] != "success" || rec["request_id"] != r.json(t)["request_id"] {
			t.Errorf("record %v", rec)
		}
		if cmd != "contain-user" && rec["requested_as"] != "contain-user" {
			t.Errorf("%s requested as %v", cmd, rec["requested_as"])
		}
	}
	if tokensRow := c.byStep["revoke OAuth tokens"]; tokensRow["AuditID"] != c.byStep["end sessions"]["AuditID"] {
		t.Errorf("Okta revokes tokens in the clear-sessions call: %v", tokensRow)
	}
}

// TestContainUserPingOne: lock, end every session, delete every MFA
// device; PingOne has no per-user token revocation, reported skipped.
func TestContainUserPingOne(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	user := pingonetest.DemoActiveUser
	devices := len(e.pingone.Env().Devices(user))
	if devices == 0 || e.pingone.Env().SessionCount(user) == 0 {
		t.Fatal("the demo user has no devices or sessions")
	}
	r := e.run("contain-user", fmt.Sprintf(`{"provider":"pingone","user":%q,"reset_factors":true}`, user))
	c := containmentOf(t, r)
	if c.outcome != "contained" {
		t.Fatalf("outcome %s: %s", c.outcome, r.body)
	}
	if s := c.status(t, "revoke OAuth tokens"); s != "skipped" || !strings.Contains(fmt.Sprint(c.byStep["revoke OAuth tokens"]["Detail"]), "no API") {
		t.Errorf("tokens: %v", c.byStep["revoke OAuth tokens"])
	}
	if len(c.steps) != 3+devices {
		t.Errorf("%d steps for %d devices: %v", len(c.steps), devices, c.steps)
	}
	u, _ := e.pingone.Env().User(user)
	if u.AccountStatus != "LOCKED" || u.CanAuthenticate || u.Sessions != 0 || !u.UnlockAt.IsZero() {
		t.Errorf("PingOne: %+v", u)
	}
	if left := e.pingone.Env().Devices(user); len(left) != 0 {
		t.Errorf("devices left: %v", left)
	}
	if n := len(e.auditOfUser(user)); n != 3+devices {
		t.Errorf("%d audit records, want one per step that ran and the workflow's", n)
	}

	// Already locked without an end: the lock is not repeated.
	c = containmentOf(t, e.run("contain-user", fmt.Sprintf(`{"provider":"pingone","user":%q}`, pingonetest.DemoLockedUser)))
	if c.status(t, "stop sign-in") != "skipped" || c.outcome != "contained" {
		t.Errorf("locked user: %s %v", c.outcome, c.steps)
	}
}

// TestContainUserAlreadyStopped: a user who cannot sign in is not
// suspended again (skipped, not failed); one Okta cannot suspend but who
// can still get in is reported with that step failed.
func TestContainUserAlreadyStopped(t *testing.T) {
	e := newEnv(t)
	for user, detail := range map[string]string{oktatest.DemoSuspendedUser: "already suspended", oktatest.DemoLockedUser: "already locked out"} {
		c := containmentOf(t, e.run("contain-user", fmt.Sprintf(`{"user":%q}`, user)))
		if c.status(t, "stop sign-in") != "skipped" || !strings.Contains(fmt.Sprint(c.byStep["stop sign-in"]["Detail"]), detail) || c.outcome != "contained" {
			t.Errorf("%s: %s %v", user, c.outcome, c.byStep["stop sign-in"])
		}
	}
	c := containmentOf(t, e.run("contain-user", fmt.Sprintf(`{"user":%q}`, oktatest.DemoPasswordExpiredUser)))
	stop := c.byStep["stop sign-in"]
	if stop["Status"] != "failed" || !strings.Contains(fmt.Sprint(stop["Detail"]), "okta-deactivate-user") || c.outcome != "partially_contained" {
		t.Errorf("PASSWORD_EXPIRED: %s %v", c.outcome, stop)
	}
	if s, _ := e.okta.Org().UserStatus(oktatest.DemoPasswordExpiredUser); s != "PASSWORD_EXPIRED" {
		t.Errorf("Okta says %s", s)
	}
}

// TestContainUserHeldForOneApproval: when policy holds one step, the whole
// containment waits for one approval and nothing changes until a second
// person approves; then every step runs under that approval.
func TestContainUserHeldForOneApproval(t *testing.T) {
	e := newEnv(t, envOptions{configure: func(c *config.Config) { c.Approvals.Commands = map[string]bool{"okta-suspend-user": true} }})
	user := oktatest.DemoActiveUser
	org := e.okta.Org()
	org.AddOAuthTokens(user, 2)
	sessions, factors := org.SessionCount(user), org.FactorCount(user)
	r := e.run("contain-user", fmt.Sprintf(`{"user":%q,"reset_factors":true}`, user))
	ap := approvalOf(t, r)
	if s, _ := org.UserStatus(user); s != "ACTIVE" || org.SessionCount(user) != sessions || org.FactorCount(user) != factors || org.OAuthTokenCount(user) != 2 {
		t.Fatalf("contain-user acted before approval: %s, %d sessions, %d factors", s, org.SessionCount(user), org.FactorCount(user))
	}
	approver := tokenFor(t, "second-person", "commands:read", "approvals:decide")
	list := asList(e.get("/api/v1/approvals?status=pending", approver).json(t)["approvals"])
	if len(list) != 1 {
		t.Fatalf("%d pending approvals: %v", len(list), list)
	}
	if reason := fmt.Sprint(list[0].(map[string]any)["reason"]); !strings.Contains(reason, "okta-suspend-user") {
		t.Errorf("reason %q", reason)
	}
	d := e.post("/api/v1/approvals/"+ap["id"].(string)+"/approve", approver, `{}`)
	mustStatus(t, d, 200)
	if d.json(t)["status"] != "executed" {
		t.Fatalf("approve: %s", d.body)
	}
	if s, _ := org.UserStatus(user); s != "SUSPENDED" || org.SessionCount(user) != 0 || org.FactorCount(user) != 0 || org.OAuthTokenCount(user) != 0 {
		t.Errorf("after approval: %s, %d sessions, %d factors, %d tokens", s, org.SessionCount(user), org.FactorCount(user), org.OAuthTokenCount(user))
	}
	for _, rec := range e.auditOfUser(user) {
		if rec["outcome"] == "success" && (rec["approval_id"] != ap["id"] || rec["approver"] != "second-person") {
			t.Errorf("record %v ran outside the approval", rec)
		}
	}
}

// TestContainUserPartialFailure: a step that fails leaves the others done,
// and the answer says partially contained.
func TestContainUserPartialFailure(t *testing.T) {
	e := newEnv(t)
	user := oktatest.DemoActiveUser
	e.okta.InjectStatusAt(http.MethodDelete, "/sessions", 1, http.StatusForbidden)
	c := containmentOf(t, e.run("contain-user", fmt.Sprintf(`{"user":%q,"reset_factors":true}`, user)))
	if c.outcome != "partially_contained" {
		t.Fatalf("outcome %s: %v", c.outcome, c.steps)
	}
	want := map[string]string{"stop sign-in": "done", "end sessions": "failed", "revoke OAuth tokens": "failed", "reset factors": "done"}
	for step, status := range want {
		if got := c.status(t, step); got != status {
			t.Errorf("%s: %s, want %s (%v)", step, got, status, c.byStep[step]["Detail"])
		}
	}
	if c.byStep["end sessions"]["AuditID"] == nil || c.byStep["end sessions"]["Detail"] == nil {
		t.Errorf("the failed step has no audit record or detail: %v", c.byStep["end sessions"])
	}
	org := e.okta.Org()
	if s, _ := org.UserStatus(user); s != "SUSPENDED" || org.SessionCount(user) == 0 || org.FactorCount(user) != 0 {
		t.Errorf("Okta: %s, %d sessions, %d factors", s, org.SessionCount(user), org.FactorCount(user))
	}
}

// TestReleaseUserAfterContain: release-user lets the user sign in again
// and reports what contain-user did that cannot be undone.
func TestReleaseUserAfterContain(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	for _, prov := range []string{"okta", "pingone"} {
		body := fmt.Sprintf(`{"provider":%q,"user":"jdoe@example.com"}`, prov)
		if c := containmentOf(t, e.run("contain-user", body)); c.outcome != "contained" {
			t.Fatalf("%s contain: %v", prov, c.steps)
		}
		r := e.run("release-user", body)
		c := containmentOf(t, r)
		if c.outcome != "released" || c.status(t, "let the user sign in again") != "done" {
			t.Errorf("%s release: %s %v", prov, c.outcome, c.steps)
		}
		for _, step := range []string{"end sessions", "revoke OAuth tokens", "reset factors"} {
			if c.status(t, step) != "skipped" {
				t.Errorf("%s %s: %v", prov, step, c.byStep[step])
			}
		}
		if out := outputs(t, r); out["CanSignIn"] != true {
			t.Errorf("%s after release: %v", prov, out)
		}
	}
	if s, _ := e.okta.Org().UserStatus(oktatest.DemoActiveUser); s != "ACTIVE" {
		t.Errorf("Okta says %s", s)
	}
	if u, _ := e.pingone.Env().User(pingonetest.DemoActiveUser); !u.CanAuthenticate {
		t.Errorf("PingOne: %+v", u)
	}
	// Okta's LOCKED_OUT user: contain leaves the lockout, release unlocks.
	body := fmt.Sprintf(`{"provider":"okta","user":%q}`, oktatest.DemoLockedUser)
	containmentOf(t, e.run("contain-user", body))
	c := containmentOf(t, e.run("release-user", body))
	if eff := c.byStep["let the user sign in again"]["EffectiveCommand"]; eff != "okta-unlock-user" || c.outcome != "released" {
		t.Errorf("LOCKED_OUT release: %v", c.steps)
	}
	// A PingOne user disabled by someone else stays disabled.
	c = containmentOf(t, e.run("release-user", fmt.Sprintf(`{"provider":"pingone","user":%q}`, pingonetest.DemoDisabledUser)))
	if c.outcome != "not_released" || c.status(t, "let the user sign in again") != "failed" {
		t.Errorf("disabled user: %s %v", c.outcome, c.steps)
	}
}

// TestContainUserWritesOneIncidentEntry: with incident context the
// incident gets one entry, listing every step; the steps write none.
func TestContainUserWritesOneIncidentEntry(t *testing.T) {
	e := newEnv(t, envOptions{xsoar: true})
	inc := e.xsoar.AddIncident("Okta: MFA fatigue jdoe@example.com", 3)
	r := e.run("contain-user", fmt.Sprintf(`{"user":%q,"incident":{"platform":"xsoar","id":%q}}`, oktatest.DemoActiveUser, inc))
	mustStatus(t, r, 200)
	wb := r.json(t)["writeback"].(map[string]any)
	eventually(t, "the war-room entry", func() bool { return e.writeback(wb["id"].(string))["status"] == "delivered" })
	entries := e.xsoar.Entries(inc)
	if len(entries) != 1 {
		t.Fatalf("%d entries", len(entries))
	}
	for _, want := range []string{"contain-user", "okta-suspend-user", "okta-clear-sessions", "stop sign-in", "revoke OAuth tokens", "contained"} {
		if !strings.Contains(entries[0].Markdown, want) {
			t.Errorf("entry lacks %q:\n%s", want, entries[0].Markdown)
		}
	}
	recs := asList(e.get("/api/v1/audit?incident="+inc, tokenFor(t, "auditor", "audit:read")).json(t)["records"])
	withEntry := 0
	for _, rec := range recs {
		if rec.(map[string]any)["writeback_id"] != nil {
			withEntry++
		}
	}
	if len(recs) != 3 || withEntry != 1 {
		t.Errorf("%d records for the incident, %d with an entry", len(recs), withEntry)
	}
}

// TestContainUserBadInput: bad arguments are a 4xx naming the field.
func TestContainUserBadInput(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	for body, field := range map[string]string{
		`{}`:                                  "body.user",
		`{"provider":"azure","user":"jdoe"}`:  "body.provider",
		`{"user":"jdoe@example.com"}`:         "body.provider", // both IdPs configured
		`{"user":"jdoe","reset_factors":"x"}`: "body.reset_factors",
	} {
		r := e.run("contain-user", body)
		if r.status != 400 || !problemAt(t, r, field) {
			t.Errorf("%s: %d %s", body, r.status, r.body)
		}
	}
	if r := e.run("contain-user", `{"provider":"okta","user":"nobody@example.com"}`); r.status != 404 {
		t.Errorf("unknown user: %d %s", r.status, r.body)
	}
}
