package tests

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
	"github.com/idcmd/idcmd/server"
)

// holdProviderCommands is the policy: three provider commands need
// approval, and nothing else does.
func holdProviderCommands(c *config.Config) {
	c.Approvals.Commands = map[string]bool{"okta-suspend-user": true, "okta-reset-password": true, "pingone-lock-user": true}
}

func approvalOf(t *testing.T, r response) map[string]any {
	t.Helper()
	mustStatus(t, r, 202)
	ap, ok := r.json(t)["approval"].(map[string]any)
	if !ok {
		t.Fatalf("no approval in %s", r.body)
	}
	return ap
}

// TestNeutralCommandsPassTheGateOfTheProviderCommand: a neutral command is
// held by the policy of the provider command it runs; approving it runs
// that command once, and the audit log names both.
func TestNeutralCommandsPassTheGateOfTheProviderCommand(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true, configure: holdProviderCommands})
	requester := token(t, allScopes...)
	approver := tokenFor(t, "second-person", "commands:read", "approvals:decide")

	lockOkta := e.call("lock-user", fmt.Sprintf(`{"provider":"okta","user":%q}`, oktatest.DemoActiveUser), requester, "")
	ap := approvalOf(t, lockOkta)
	if got := lockOkta.json(t)["effective_command"]; got != "okta-suspend-user" {
		t.Errorf("effective_command %v", got)
	}
	if s, _ := e.okta.Org().UserStatus(oktatest.DemoActiveUser); s != "ACTIVE" {
		t.Fatalf("lock-user ran without approval: Okta says %s", s)
	}
	reset := e.call("reset-password", fmt.Sprintf(`{"provider":"okta","user":%q}`, oktatest.DemoPasswordExpiredUser), requester, "")
	approvalOf(t, reset)
	if s, _ := e.okta.Org().UserStatus(oktatest.DemoPasswordExpiredUser); s == "RECOVERY" {
		t.Fatal("reset-password ran without approval")
	}
	lockP1 := e.call("lock-user", fmt.Sprintf(`{"provider":"pingone","user":%q}`, pingonetest.DemoActiveUser), requester, "")
	approvalOf(t, lockP1)
	if u, _ := e.pingone.Env().User(pingonetest.DemoActiveUser); u.AccountStatus == "LOCKED" {
		t.Fatal("lock-user on PingOne ran without approval")
	}
	// A neutral command whose provider command is not held runs at once.
	mustStatus(t, e.call("clear-sessions", fmt.Sprintf(`{"provider":"okta","user":%q}`, oktatest.DemoActiveUser), requester, ""), 200)

	// The approval shows what will be done.
	id := ap["id"].(string)
	got := e.get("/api/v1/approvals/"+id, approver).json(t)
	if got["command"] != "lock-user" || got["effective_command"] != "okta-suspend-user" {
		t.Errorf("approval: %v", got)
	}
	d := e.post("/api/v1/approvals/"+id+"/approve", approver, `{}`)
	mustStatus(t, d, 200)
	if d.json(t)["status"] != "executed" {
		t.Fatalf("approve: %s", d.body)
	}
	if s, _ := e.okta.Org().UserStatus(oktatest.DemoActiveUser); s != "SUSPENDED" {
		t.Errorf("after approval Okta says %s", s)
	}

	// Both names are recorded, and either finds the records.
	auditor := tokenFor(t, "auditor", "audit:read")
	for _, name := range []string{"okta-suspend-user", "lock-user"} {
		recs := asList(e.get("/api/v1/audit?outcome=success&command="+name, auditor).json(t)["records"])
		if len(recs) != 1 {
			t.Fatalf("command=%s: %d success records", name, len(recs))
		}
		rec := recs[0].(map[string]any)
		if rec["command"] != "okta-suspend-user" || rec["requested_as"] != "lock-user" || rec["approver"] != "second-person" {
			t.Errorf("record: %v", rec)
		}
	}
	held := asList(e.get("/api/v1/audit?outcome=pending_approval&command=pingone-lock-user", auditor).json(t)["records"])
	if len(held) != 1 || held[0].(map[string]any)["requested_as"] != "lock-user" {
		t.Errorf("held PingOne lock: %v", held)
	}
	// The chain still verifies with the new field.
	mustStatus(t, e.get("/api/v1/audit?limit=1", auditor), 200)
}

// TestNeutralNamesInApprovalPolicyAreRefused: a neutral name in
// approvals.commands would never match (the gate judges provider commands),
// so the configuration is refused rather than silently ignored.
func TestNeutralNamesInApprovalPolicyAreRefused(t *testing.T) {
	cfg, err := config.Load("", func(k string) string {
		return map[string]string{"IDCMD_JWT_SECRET": testSecret, "IDCMD_DATA_DIR": t.TempDir()}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Approvals.Commands = map[string]bool{"lock-user": true}
	if _, err := buildApp(t, cfg); err == nil || !strings.Contains(err.Error(), "okta-suspend-user") {
		t.Fatalf("lock-user in approvals.commands: %v", err)
	}
}

// TestFourEyesComparesNormalizedSubjects: "Alice " may not approve alice's
// request, and ALICE may cancel it.
func TestFourEyesComparesNormalizedSubjects(t *testing.T) {
	e := newEnv(t)
	requester := tokenFor(t, "alice", allScopes...)
	body := fmt.Sprintf(`{"user":%q}`, oktatest.DemoSuspendedUser)
	id := approvalOf(t, e.call("okta-deactivate-user", body, requester, ""))["id"].(string)
	for _, same := range []string{"Alice", " alice", "ALICE \t"} {
		r := e.post("/api/v1/approvals/"+id+"/approve", tokenFor(t, same, "approvals:decide"), `{}`)
		mustStatus(t, r, 403)
	}
	mustStatus(t, e.post("/api/v1/approvals/"+id+"/cancel", tokenFor(t, "ALICE", allScopes...), ""), 200)
	if s, _ := e.okta.Org().UserStatus(oktatest.DemoSuspendedUser); s != "SUSPENDED" {
		t.Errorf("self-approved command ran: %s", s)
	}
}

// TestSecretForPrivilegedUserNeedsApproval: handing a reset link for a
// Super Admin to any write token is an account takeover; it is held, and
// the link goes only into the approve call's answer.
func TestSecretForPrivilegedUserNeedsApproval(t *testing.T) {
	e := newEnv(t)
	requester := token(t, allScopes...)
	body := fmt.Sprintf(`{"user":%q,"send_email":false}`, oktatest.DemoAdminUser)

	// The neutral name is held as the provider command it runs.
	r := e.call("reset-password", body, requester, "")
	approvalOf(t, r)
	if !strings.Contains(string(r.body), "privileged") {
		t.Errorf("reset-password: the answer does not say why it is held: %s", r.body)
	}
	secretAfterApproval(t, e, "okta-reset-password", body, "ResetPasswordURL",
		func() bool { s, _ := e.okta.Org().UserStatus(oktatest.DemoAdminUser); return s == "RECOVERY" })

	// An ordinary user's link comes back at once.
	r = e.call("okta-reset-password", fmt.Sprintf(`{"user":%q,"send_email":false}`, oktatest.DemoActiveUser), requester, "")
	mustStatus(t, r, 200)
	// With the e-mail, no secret reaches the caller: no approval needed.
	mustStatus(t, e.call("okta-reset-password", fmt.Sprintf(`{"user":%q}`, oktatest.DemoAdminUser), requester, ""), 200)
}

// TestPrivilegedSecretsPolicyIsConfigurable: approvals.privileged_secrets
// false lets the link through; approvals.privileged_groups names groups.
func TestPrivilegedSecretsPolicyIsConfigurable(t *testing.T) {
	off := false
	e := newEnv(t, envOptions{configure: func(c *config.Config) { c.Approvals.PrivilegedSecrets = &off }})
	mustStatus(t, e.run("okta-reset-password", fmt.Sprintf(`{"user":%q,"send_email":false}`, oktatest.DemoAdminUser)), 200)

	groups := newEnv(t, envOptions{configure: func(c *config.Config) { c.Approvals.PrivilegedGroups = []string{"vpn users"} }})
	grp := groups.okta.Org().GroupNames(oktatest.DemoActiveUser)
	if !containsFold(grp, "VPN Users") {
		t.Skipf("the demo user is not in VPN Users: %v", grp)
	}
	r := groups.run("okta-reset-password", fmt.Sprintf(`{"user":%q,"send_email":false}`, oktatest.DemoActiveUser))
	approvalOf(t, r)
	if !strings.Contains(string(r.body), "VPN Users") {
		t.Errorf("the reason does not name the group: %s", r.body)
	}
}

// TestOneTimeSecretIsStoredNowhere: the reset link is in the one answer of
// the call that ran; the idempotent replay says it was delivered once, and
// no byte of the store or the log holds it.
func TestOneTimeSecretIsStoredNowhere(t *testing.T) {
	e := newEnv(t, envOptions{xsoar: true})
	inc := e.xsoar.AddIncident("Okta: password spray", 2)
	tok := token(t, allScopes...)
	body := fmt.Sprintf(`{"user":%q,"send_email":false,"incident":{"platform":"xsoar","id":%q}}`, oktatest.DemoActiveUser, inc)
	secretDeliveredOnce(t, e, inc, "okta-reset-password", body, "ResetPasswordURL")
	// The neutral command's raw_response carries the link the same way.
	n := e.call("reset-password", fmt.Sprintf(`{"user":%q,"send_email":false}`, oktatest.DemoLockedUser), tok, "neutral-once")
	mustStatus(t, n, 200)
	raw, _ := n.json(t)["raw_response"].(map[string]any)
	nurl, _ := raw["resetPasswordUrl"].(string)
	if nurl == "" {
		t.Fatalf("neutral reset: %s", n.body)
	}
	if r := e.call("reset-password", fmt.Sprintf(`{"user":%q,"send_email":false}`, oktatest.DemoLockedUser), tok, "neutral-once"); strings.Contains(string(r.body), nurl) {
		t.Errorf("neutral replay holds the link: %s", r.body)
	}
	assertNowhere(t, e, nurl)
}

// buildApp builds the server from cfg, for configuration errors.
func buildApp(t *testing.T, cfg config.Config) (*server.App, error) {
	t.Helper()
	app, err := server.Build(context.Background(), cfg, server.NewLogger(io.Discard, "error"), "test")
	if err == nil {
		t.Cleanup(func() { _ = app.Close() })
	}
	return app, err
}

// assertNowhere fails if secret is in any file of the store or in the log.
func assertNowhere(t *testing.T, e *env, secret string) {
	t.Helper()
	err := filepath.Walk(e.dataDir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), secret) || strings.Contains(string(b), jsonEscaped(secret)) {
			t.Errorf("%s holds the one-time secret", filepath.Base(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(e.logs.String(), secret) {
		t.Error("the log holds the one-time secret")
	}
}

func jsonEscaped(s string) string {
	return strings.NewReplacer("&", `\u0026`, "<", `\u003c`, ">", `\u003e`).Replace(s)
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// TestRefusedCallRecordsLittleAndWritesNothing: a token with no scope can
// neither grow the audit log by what it sends nor write into an incident.
func TestRefusedCallRecordsLittleAndWritesNothing(t *testing.T) {
	e := newEnv(t, envOptions{xsoar: true})
	inc := e.xsoar.AddIncident("Okta: impossible travel", 3)
	noScope := tokenFor(t, "nobody")
	huge := strings.Repeat("A", 500_000)
	body := fmt.Sprintf(`{"user":%q,"incident":{"platform":"xsoar","id":%q}}`, huge, inc)
	mustStatus(t, e.call("okta-suspend-user", body, noScope, ""), 403)
	// Invalid arguments from a scoped token: refused, and not stored whole either.
	mustStatus(t, e.run("okta-suspend-user", fmt.Sprintf(`{"user":%q,"incident":{"platform":"xsoar","id":%q}}`, huge, inc)), 400)

	recs := asList(e.get("/api/v1/audit?outcome=rejected", tokenFor(t, "auditor", "audit:read")).json(t)["records"])
	if len(recs) != 2 {
		t.Fatalf("%d rejected records", len(recs))
	}
	for _, r := range recs {
		rec := r.(map[string]any)
		b := fmt.Sprint(rec)
		if len(b) > 8192 || !strings.Contains(b, "truncated") {
			t.Errorf("refused record is %d bytes, or not marked truncated: %.300s", len(b), b)
		}
		if rec["writeback_id"] != nil {
			t.Errorf("a refused call queued a write-back: %v", rec["writeback_id"])
		}
	}
	if n := len(e.xsoar.Entries(inc)); n != 0 {
		t.Errorf("a refused call wrote %d entries into the incident", n)
	}
}

// TestIncidentEntriesEscapeCallerText: what a caller types — the user
// argument, its token's subject, a rejection comment — shows in the war
// room as text, never as a link, an image or HTML.
func TestIncidentEntriesEscapeCallerText(t *testing.T) {
	e := newEnv(t, envOptions{xsoar: true})
	inc := e.xsoar.AddIncident("Okta: phishing", 3)
	subject := "eve <b>admin</b> [me](https://evil.example)"
	evilUser := "[click](https://evil.example/x)<img/src=x/onerror=alert(1)>"
	r := e.call("okta-suspend-user", fmt.Sprintf(`{"user":%q,"incident":{"platform":"xsoar","id":%q}}`, evilUser, inc), tokenFor(t, subject, allScopes...), "")
	if r.status < 400 || r.json(t)["writeback_id"] == nil {
		t.Fatalf("want a failed run with a write-back: %d %s", r.status, r.body)
	}
	// A held call rejected with a comment full of markup.
	body := fmt.Sprintf(`{"user":%q,"incident":{"platform":"xsoar","id":%q}}`, oktatest.DemoSuspendedUser, inc)
	id := approvalOf(t, e.call("okta-deactivate-user", body, token(t, allScopes...), ""))["id"].(string)
	mustStatus(t, e.post("/api/v1/approvals/"+id+"/reject", tokenFor(t, "second-person", "approvals:decide"),
		`{"comment":"no <script>alert(1)</script> see [docs](https://evil.example) ![x](https://evil.example/p.png)"}`), 200)

	eventually(t, "three entries", func() bool { return len(e.xsoar.Entries(inc)) == 3 })
	for _, entry := range e.xsoar.Entries(inc) {
		for _, line := range strings.Split(entry.Markdown, "\n") {
			if !strings.Contains(line, "evil.example") && !strings.Contains(line, "<") {
				continue
			}
			// Each such value is an inline code span: "| User | `` ... `` |".
			cells := strings.Split(strings.Trim(line, "| "), " | ")
			last := strings.TrimSpace(cells[len(cells)-1])
			if len(cells) != 2 || !strings.HasPrefix(last, "`") || !strings.HasSuffix(last, "`") {
				t.Errorf("caller text outside a code span: %q", line)
			}
		}
	}
}

// TestIntegrationCallsWriteNothingBack: a call from idcmd's XSOAR
// integration is audited with its incident, but XSOAR already shows its
// answer, so idcmd writes no second entry.
func TestIntegrationCallsWriteNothingBack(t *testing.T) {
	e := newEnv(t, envOptions{xsoar: true})
	inc := e.xsoar.AddIncident("Okta: MFA fatigue", 3)
	body := fmt.Sprintf(`{"user":%q,"incident":{"platform":"xsoar","id":%q}}`, oktatest.DemoActiveUser, inc)
	req, _ := http.NewRequest(http.MethodPost, e.url+"/api/v1/commands/okta-suspend-user", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token(t, allScopes...))
	req.Header.Set("X-Idcmd-Origin", "xsoar-integration")
	r := e.send(req, []byte(body))
	mustStatus(t, r, 200)
	if r.json(t)["writeback"] != nil {
		t.Errorf("an integration call queued a write-back: %s", r.body)
	}
	recs := asList(e.get("/api/v1/audit?incident="+inc, tokenFor(t, "auditor", "audit:read")).json(t)["records"])
	if len(recs) != 1 {
		t.Fatalf("%d records for the incident", len(recs))
	}
	// A call without the header still writes back.
	mustStatus(t, e.run("okta-unsuspend-user", body), 200)
	eventually(t, "the entry", func() bool { return len(e.xsoar.Entries(inc)) == 1 })
	if !strings.Contains(e.xsoar.Entries(inc)[0].Markdown, "okta-unsuspend-user") {
		t.Errorf("entry: %s", e.xsoar.Entries(inc)[0].Markdown)
	}
}

// TestApprovedCallMustStillResolveToWhatWasApproved: Okta's unlock-user
// picks unsuspend or unlock by the user's status; if the status changed
// while the call waited, the approval is for another action, and nothing
// runs.
func TestApprovedCallMustStillResolveToWhatWasApproved(t *testing.T) {
	e := newEnv(t, envOptions{configure: func(c *config.Config) {
		c.Approvals.Commands = map[string]bool{"okta-unsuspend-user": true, "okta-unlock-user": true}
	}})
	approver := tokenFor(t, "second-person", "commands:read", "approvals:decide")
	r := e.call("unlock-user", fmt.Sprintf(`{"user":%q}`, oktatest.DemoSuspendedUser), token(t, allScopes...), "")
	id := approvalOf(t, r)["id"].(string)
	if got := r.json(t)["effective_command"]; got != "okta-unsuspend-user" {
		t.Fatalf("effective_command %v", got)
	}
	e.okta.Org().SetUserStatus(oktatest.DemoSuspendedUser, "LOCKED_OUT")
	d := e.post("/api/v1/approvals/"+id+"/approve", approver, `{}`)
	mustStatus(t, d, 200)
	if a := d.json(t); a["status"] != "failed" || !strings.Contains(fmt.Sprint(a["result"]), "not to the approved okta-unsuspend-user") {
		t.Errorf("approve: %s", d.body)
	}
	if s, _ := e.okta.Org().UserStatus(oktatest.DemoSuspendedUser); s != "LOCKED_OUT" {
		t.Errorf("something ran: Okta says %s", s)
	}
}

// TestPrivilegedGroupsWithoutTheGateAreRefused: a key that would do nothing
// (both rules that read the groups are off) is an error, not a silent no-op.
func TestPrivilegedGroupsWithoutTheGateAreRefused(t *testing.T) {
	cfg, err := config.Load("", func(k string) string {
		return map[string]string{"IDCMD_JWT_SECRET": testSecret, "IDCMD_DATA_DIR": t.TempDir()}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	off := false
	cfg.Approvals.PrivilegedSecrets, cfg.Approvals.PrivilegedGrants, cfg.Approvals.PrivilegedGroups = &off, &off, []string{"Admins"}
	if _, err := buildApp(t, cfg); err == nil || !strings.Contains(err.Error(), "approvals.privileged_groups") {
		t.Fatalf("privileged_groups with neither privileged_secrets nor privileged_grants: %v", err)
	}
	// The groups still mean something while one of the two rules is on.
	cfg.Approvals.PrivilegedGrants = nil
	if _, err := buildApp(t, cfg); err != nil {
		t.Fatalf("privileged_groups with privileged_grants on by default: %v", err)
	}
}

// TestClearSessionsRefusesOktaOnlyArgumentsOnPingOne: oauth_tokens means
// nothing to PingOne, so it is refused rather than silently dropped.
func TestClearSessionsRefusesOktaOnlyArgumentsOnPingOne(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	r := e.run("clear-sessions", fmt.Sprintf(`{"provider":"pingone","user":%q,"oauth_tokens":true}`, pingonetest.DemoActiveUser))
	mustStatus(t, r, 400)
	if !strings.Contains(string(r.body), "body.oauth_tokens") {
		t.Errorf("the problem does not name the field: %s", r.body)
	}
	mustStatus(t, e.run("clear-sessions", fmt.Sprintf(`{"provider":"pingone","user":%q}`, pingonetest.DemoActiveUser)), 200)
}

// TestAddingToAPrivilegedGroupNeedsApproval: membership of a privileged
// group is its rights, so a write token alone cannot grant it, by name or
// by ID; an ordinary group is added at once, an unknown one fails at once
// (there is nothing to approve), and approvals.privileged_grants: false
// turns the rule off.
func TestAddingToAPrivilegedGroupNeedsApproval(t *testing.T) {
	admins := func(c *config.Config) { c.Approvals.PrivilegedGroups = []string{"pingone admins"} }
	e := newEnv(t, envOptions{pingone: true, configure: admins})
	user := pingonetest.DemoActiveUser
	adminsID, ok := e.pingone.Env().GroupID(pingonetest.GroupPingOneAdmins)
	if !ok {
		t.Fatal("the seed has no PingOne Admins group")
	}
	member := func() bool { return containsFold(e.pingone.Env().GroupNames(user), pingonetest.GroupPingOneAdmins) }
	for _, group := range []string{pingonetest.GroupPingOneAdmins, adminsID} {
		r := e.run("pingone-add-to-group", fmt.Sprintf(`{"user":%q,"group":%q}`, user, group))
		approvalOf(t, r)
		if !strings.Contains(string(r.body), "privileged group PingOne Admins") {
			t.Errorf("the reason does not name the group: %s", r.body)
		}
		if member() {
			t.Fatal("the membership was granted without approval")
		}
	}
	mustStatus(t, e.run("pingone-add-to-group", fmt.Sprintf(`{"user":%q,"group":%q}`, user, pingonetest.GroupQuarantine)), 200)
	r := e.run("pingone-add-to-group", fmt.Sprintf(`{"user":%q,"group":"No Such Group"}`, user))
	mustStatus(t, r, 404)
	if !strings.Contains(string(r.body), "body.group") {
		t.Errorf("the unknown group is not named: %s", r.body)
	}

	off := false
	open := newEnv(t, envOptions{pingone: true, configure: func(c *config.Config) { admins(c); c.Approvals.PrivilegedGrants = &off }})
	mustStatus(t, open.run("pingone-add-to-group", fmt.Sprintf(`{"user":%q,"group":%q}`, user, pingonetest.GroupPingOneAdmins)), 200)
	if !containsFold(open.pingone.Env().GroupNames(user), pingonetest.GroupPingOneAdmins) {
		t.Error("with privileged_grants false the membership was not granted")
	}
}
