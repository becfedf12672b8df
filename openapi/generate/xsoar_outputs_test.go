package generate

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/catalog"
	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/pingone"
	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
	"github.com/idcmd/idcmd/providers/prisma"
	"github.com/idcmd/idcmd/providers/prisma/prismatest"
	"github.com/idcmd/idcmd/providers/xdr"
	"github.com/idcmd/idcmd/providers/xdr/xdrtest"
	"github.com/idcmd/idcmd/store"
)

// outputSandbox is one fresh pair of seeded fakes (Okta org, PingOne
// environment) with an Invoker on them, so each case starts from the demo
// tenants' state and a case's changes cannot leak into the next.
type outputSandbox struct {
	okta    *oktatest.Server
	pingone *pingonetest.Server
	prisma  *prismatest.Server
	inv     *commands.Invoker
	// failSessionDelete makes PingOne refuse (403) the next session
	// delete, as it does for a session it will not end.
	failSessionDelete bool
	// incident is the incident context run sends, when a case sets it.
	incident *commands.Incident
}

func newOutputSandbox(t *testing.T) *outputSandbox {
	t.Helper()
	sb := &outputSandbox{
		okta:    oktatest.NewServer(oktatest.Options{Seed: true}),
		pingone: pingonetest.NewServer(pingonetest.Options{Seed: true}),
		prisma:  prismatest.NewServer(prismatest.Options{Seed: true}),
	}
	t.Cleanup(sb.okta.Close)
	t.Cleanup(sb.pingone.Close)
	t.Cleanup(sb.prisma.Close)
	prc, err := prisma.New(prisma.Config{APIURL: sb.prisma.URL, AccessKey: sb.prisma.AccessKey, SecretKey: sb.prisma.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	oc, err := okta.New(okta.Config{BaseURL: sb.okta.URL, APIToken: sb.okta.Token})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := pingone.New(pingone.Config{
		EnvironmentID: sb.pingone.EnvironmentID, ClientID: sb.pingone.ClientID, ClientSecret: sb.pingone.ClientSecret,
		APIURL: sb.pingone.URL, AuthURL: sb.pingone.AuthURL,
		HTTPClient: &http.Client{Transport: refuseSessionDelete{sb}},
	})
	if err != nil {
		t.Fatal(err)
	}
	sb.inv = commands.NewInvoker(catalog.Default, commands.Providers{Okta: oc, PingOne: pc, Prisma: prc,
		Hooks: commands.HookAuth{OktaHeader: "Authorization", OktaSecret: "outputs-test-secret",
			PingOneHeader: "Authorization", PingOneSecret: "Bearer sandbox-hook-secret"}})
	return sb
}

// refuseSessionDelete answers one DELETE of a session with PingOne's 403
// when the sandbox asks for it, and passes every other request through.
type refuseSessionDelete struct{ sb *outputSandbox }

func (r refuseSessionDelete) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.sb.failSessionDelete && req.Method == http.MethodDelete && strings.Contains(req.URL.Path, "/sessions/") {
		r.sb.failSessionDelete = false
		body := `{"id":"e1","code":"ACCESS_FAILED","message":"The request could not be completed. You do not have access to this resource."}`
		return &http.Response{StatusCode: http.StatusForbidden, Status: "403 Forbidden", Request: req,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body))}, nil
	}
	return http.DefaultTransport.RoundTrip(req)
}

// run runs a command through the Invoker as a caller with every scope.
func (sb *outputSandbox) run(t *testing.T, name, body string) *commands.Result {
	t.Helper()
	cmd, ok := catalog.Default.Lookup(name)
	if !ok {
		t.Fatalf("no command %s", name)
	}
	args, _, err := commands.Decode(cmd, []byte(body))
	if err != nil {
		t.Fatalf("%s %s: %v", name, body, err)
	}
	res, err := sb.inv.Invoke(context.Background(), commands.Request{Command: name, Args: args, Incident: sb.incident,
		Caller: commands.Caller{Subject: "outputs-test", Scopes: []string{commands.ScopeRead, commands.ScopeWrite}}})
	if err != nil {
		t.Fatalf("%s %s: %v", name, body, err)
	}
	return res
}

// zonedEvent copies the newest System Log event about the user and logs it
// again from a network zone, as Okta records sign-ins from a defined zone
// (client.zone); the seeded log has none.
func zonedEvent(t *testing.T, sb *outputSandbox, login string) {
	t.Helper()
	events := sb.okta.Org().Events()
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		if e.Actor.AlternateID != login || e.Client == nil || e.EventType != "user.session.start" {
			continue
		}
		client := *e.Client
		client.Zone = "Office network"
		e.Client, e.UUID, e.Published = &client, "", time.Now().Add(-time.Minute)
		sb.okta.Org().AppendEvents(e)
		return
	}
	t.Fatalf("no user.session.start event of %s to copy", login)
}

// failedSignIn appends, a minute ago, a copy of the latest seeded sign-in
// that failed with a reason: the seeded week's last hundred security events
// hold one or not depending on the hour the test runs.
func failedSignIn(t *testing.T, sb *outputSandbox) {
	t.Helper()
	events := sb.okta.Org().Events()
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		if e.EventType != "user.session.start" || e.Outcome == nil || e.Outcome.Reason == "" {
			continue
		}
		e.UUID, e.Published = "", time.Now().Add(-time.Minute)
		sb.okta.Org().AppendEvents(e)
		return
	}
	t.Fatal("no failed user.session.start with a reason to copy")
}

// outputCase is one run whose context outputs are collected: the command,
// its arguments, and what to do first on the fresh sandbox (not collected).
type outputCase struct {
	command, body string // "FACTOR" in body is replaced by a factor ID of jdoe's
	setup         func(t *testing.T, sb *outputSandbox)
}

func lockUntil(user string) func(*testing.T, *outputSandbox) {
	return func(t *testing.T, sb *outputSandbox) {
		sb.run(t, "pingone-lock-user", `{"user":"`+user+`","unlock_at":"`+time.Now().Add(2*time.Hour).UTC().Format(time.RFC3339)+`"}`)
	}
}

// outputCases exercise every command in the demo tenants' states that fill
// its outputs: an active, a locked and a timed-locked user, an e-mailed and
// a returned reset link, a session PingOne refuses to end.
var outputCases = []outputCase{
	{command: "okta-get-user", body: `{"user":"jdoe@example.com"}`},
	{command: "okta-search-users", body: `{"limit":200}`},
	{command: "okta-get-user-groups", body: `{"user":"jdoe@example.com"}`},
	{command: "okta-get-user-apps", body: `{"user":"jdoe@example.com"}`},
	{command: "okta-get-user-factors", body: `{"user":"jdoe@example.com"}`},
	// The last 50 events hold a failure with a reason or not depending on
	// the hour the test runs: one is appended, as for the security events.
	{command: "okta-get-logs", body: `{"sort_order":"DESCENDING","limit":50}`, setup: func(t *testing.T, sb *outputSandbox) {
		zonedEvent(t, sb, "jdoe@example.com")
		failedSignIn(t, sb)
	}},
	{command: "okta-get-user-events", body: `{"user":"jdoe@example.com","hours":168}`, setup: func(t *testing.T, sb *outputSandbox) { zonedEvent(t, sb, "jdoe@example.com") }},
	{command: "okta-get-security-events", body: `{"hours":1}`, setup: func(t *testing.T, sb *outputSandbox) {
		zonedEvent(t, sb, "jdoe@example.com")
		failedSignIn(t, sb)
	}},
	{command: "okta-get-security-events", body: `{"hours":168}`},
	{command: "okta-suspend-user", body: `{"user":"jdoe@example.com"}`},
	{command: "okta-unsuspend-user", body: `{"user":"bwilson@example.com"}`},
	{command: "okta-unlock-user", body: `{"user":"kpatel@example.com"}`},
	{command: "okta-deactivate-user", body: `{"user":"jdoe@example.com"}`},
	{command: "okta-reset-password", body: `{"user":"jdoe@example.com","send_email":false}`},
	{command: "okta-expire-password", body: `{"user":"jdoe@example.com"}`},
	{command: "okta-clear-sessions", body: `{"user":"jdoe@example.com","oauth_tokens":true}`},
	{command: "okta-reset-factors", body: `{"user":"jdoe@example.com"}`},
	{command: "okta-expire-password", body: `{"user":"jdoe@example.com","temp_password":true,"revoke_sessions":true}`},
	{command: "okta-reset-factor", body: `{"user":"jdoe@example.com","factor":"FACTOR"}`},
	{command: "okta-activate-user", body: `{"user":"lchen@example.com","send_email":false}`},
	{command: "okta-activate-user", body: `{"user":"mgarcia@example.com","send_email":false}`},
	{command: "okta-reactivate-user", body: `{"user":"rbrown@example.com","send_email":false}`},
	{command: "okta-add-to-group", body: `{"user":"jdoe@example.com","group":"Quarantine"}`},
	{command: "okta-remove-from-group", body: `{"user":"awong@example.com","group":"Super Admins"}`},
	{command: "okta-get-group-members", body: `{"group":"Engineering","limit":200}`},
	{command: "okta-verify-push", body: `{"user":"awong@example.com"}`, setup: func(t *testing.T, sb *outputSandbox) {
		sb.okta.SetPushBehavior("awong@example.com", oktatest.PushBehavior{Answer: oktatest.PushApprove})
	}},
	{command: "okta-verify-push", body: `{"user":"ejohnson@example.com"}`, setup: func(t *testing.T, sb *outputSandbox) {
		sb.okta.SetPushExpiry(time.Nanosecond)
	}},
	{command: "okta-list-zones", body: `{}`},
	{command: "okta-get-zone", body: `{"zone":"Corporate Offices"}`},
	{command: "okta-block-ip", body: `{"ips":["95.173.136.72","175.45.176.3"]}`},
	{command: "okta-block-ip", body: `{"ips":["95.173.136.72"],"mode":"override"}`},
	// Nothing listens on port 9: the hook is created and its verification
	// fails, so VerifyError is filled too.
	{command: "okta-create-event-hook", body: `{"url":"http://127.0.0.1:9/okta/webhook"}`},
	{command: "okta-unblock-ip", body: `{"ips":["192.0.2.200-192.0.2.210","175.45.176.3","203.0.113.9"]}`},
	{command: "okta-get-user-risk", body: `{"user":"jdoe@example.com"}`},
	{command: "okta-set-user-risk", body: `{"user":"jdoe@example.com","risk_level":"LOW","risk_reason":"Push fatigue ruled out, case 4711"}`},
	{command: "pingone-get-user", body: `{"user":"kpatel@example.com"}`},
	{command: "pingone-get-user", body: `{"user":"jdoe@example.com"}`, setup: lockUntil("jdoe@example.com")},
	{command: "pingone-list-users", body: `{"limit":200}`},
	{command: "pingone-list-users", body: `{"limit":200}`, setup: lockUntil("jdoe@example.com")},
	{command: "pingone-get-user-groups", body: `{"user":"jdoe@example.com"}`},
	{command: "pingone-get-user-roles", body: `{"user":"awong@example.com"}`},
	{command: "pingone-get-applications", body: `{}`},
	{command: "pingone-get-user-sessions", body: `{"user":"jdoe@example.com"}`},
	{command: "pingone-terminate-sessions", body: `{"user":"jdoe@example.com"}`, setup: func(t *testing.T, sb *outputSandbox) {
		if !sb.pingone.Env().AddSessions("jdoe@example.com", 2) {
			t.Fatal("no PingOne user jdoe@example.com")
		}
		lockUntil("jdoe@example.com")(t, sb)
		sb.failSessionDelete = true
	}},
	{command: "pingone-lock-user", body: `{"user":"jdoe@example.com","unlock_at":"` + time.Now().Add(2*time.Hour).UTC().Format(time.RFC3339) + `"}`},
	{command: "pingone-unlock-user", body: `{"user":"kpatel@example.com"}`},
	{command: "pingone-disable-user", body: `{"user":"jdoe@example.com"}`, setup: lockUntil("jdoe@example.com")},
	{command: "pingone-enable-user", body: `{"user":"bwilson@example.com"}`, setup: lockUntil("bwilson@example.com")},
	{command: "pingone-reset-password", body: `{"user":"jdoe@example.com","send_email":true}`, setup: lockUntil("jdoe@example.com")},
	{command: "pingone-get-user-events", body: `{"user":"kpatel@example.com","hours":168}`},
	{command: "pingone-get-security-events", body: `{"hours":168}`},
	{command: "pingone-get-risk-events", body: `{"user":"rbrown@example.com","hours":168}`},
	// PingOne recommends an action for HIGH risk only, which the seeded
	// history of the user lacks: evaluate a sign-in from a listed IP first.
	{command: "pingone-get-risk-events", body: `{"user":"jdoe@example.com","hours":1}`, setup: func(t *testing.T, sb *outputSandbox) {
		sb.run(t, "pingone-evaluate-risk", `{"user":"jdoe@example.com","ip":"45.155.205.233"}`)
	}},
	{command: "pingone-evaluate-risk", body: `{"user":"jdoe@example.com","ip":"45.155.205.233"}`},
	{command: "pingone-add-to-group", body: `{"user":"jdoe@example.com","group":"Quarantine"}`, setup: lockUntil("jdoe@example.com")},
	{command: "pingone-remove-from-group", body: `{"user":"jdoe@example.com","group":"VPN Users"}`, setup: lockUntil("jdoe@example.com")},
	{command: "pingone-get-group-members", body: `{"group":"Prod Access","limit":200}`, setup: lockUntil("jdoe@example.com")},
	{command: "pingone-set-password", body: `{"user":"ejohnson@example.com"}`, setup: lockUntil("ejohnson@example.com")},
	{command: "pingone-get-user-devices", body: `{"user":"jdoe@example.com"}`},
	{command: "pingone-delete-device", body: `{"user":"jdoe@example.com","device":"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"}`, setup: func(t *testing.T, sb *outputSandbox) {
		if _, err := sb.pingone.Env().AddDevice("jdoe@example.com", pingonetest.DeviceSpec{ID: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
			Type: pingonetest.DeviceMobile, Nickname: "Old iPhone", Model: "iPhone 12", OSType: "iOS", OSVersion: "16.1"}); err != nil {
			t.Fatal(err)
		}
	}},
	{command: "pingone-delete-device", body: `{"user":"jdoe@example.com","device":"0f3c2b1a-9d8e-4f70-8a6b-5c4d3e2f1a0b"}`, setup: func(t *testing.T, sb *outputSandbox) {
		if _, err := sb.pingone.Env().AddDevice("jdoe@example.com", pingonetest.DeviceSpec{ID: "0f3c2b1a-9d8e-4f70-8a6b-5c4d3e2f1a0b",
			Type: pingonetest.DeviceSMS, Nickname: "Old phone", Phone: "+12125550100"}); err != nil {
			t.Fatal(err)
		}
	}},
	{command: "pingone-create-subscription", body: `{"url":"https://idcmd.example.com/pingone/webhook"}`},
	{command: "pingone-create-subscription", body: `{"url":"http://127.0.0.1:8080/pingone/webhook","events":["MFA_VERIFY_FAILED","USER.LOCKED"]}`},
	{command: "prisma-get-user-cloud-access", body: `{"user":"awong@example.com","limit":10}`},
	{command: "prisma-get-user-cloud-access", body: `{"user":"dlee@example.com","idp":"pingone"}`},
	{command: "prisma-get-idp-integration", body: `{"test":true}`},
	{command: "prisma-get-idp-integration", body: `{"test":true}`, setup: func(t *testing.T, sb *outputSandbox) {
		sb.prisma.BreakIntegration(prismatest.SandboxOktaIntegration, "Okta API token revoked")
	}},
	{command: "prisma-list-identity-alerts", body: `{"status":"all"}`},
	{command: "prisma-list-identity-alerts", body: `{"user":"awong@example.com","limit":2}`},
	{command: "prisma-dismiss-alert", body: `{"alert_ids":["I-1001"],"note":"Access approved in CHG-1042"}`},
	{command: "prisma-snooze-alert", body: `{"alert_ids":["I-1002","I-1003"],"note":"Owner on leave","hours":72}`},
	{command: "prisma-reopen-alert", body: `{"alert_ids":["I-1004","I-1005"]}`},
	{command: "prisma-create-identity-policy", body: `{"name":"idcmd: Okta users with AdministratorAccess","preset":"okta_admin_access","account_groups":["` + prismatest.AccountGroupAWSProduction + `"]}`},
	{command: "get-user", body: `{"provider":"okta","user":"jdoe@example.com"}`},
	{command: "get-user", body: `{"provider":"pingone","user":"jdoe@example.com"}`},
	{command: "get-user-groups", body: `{"provider":"okta","user":"jdoe@example.com"}`},
	{command: "get-user-groups", body: `{"provider":"pingone","user":"jdoe@example.com"}`},
	{command: "get-user-events", body: `{"provider":"okta","user":"jdoe@example.com","hours":168}`},
	{command: "get-user-events", body: `{"provider":"pingone","user":"kpatel@example.com","hours":168}`},
	{command: "enrich-user", body: `{"provider":"okta","user":"awong@example.com","hours":72}`},
	{command: "enrich-user", body: `{"provider":"pingone","user":"rbrown@example.com","hours":48}`},
	{command: "investigate-user", body: `{"provider":"okta","user":"awong@example.com"}`},
	{command: "investigate-user", body: `{"provider":"pingone","user":"rbrown@example.com","hours":48}`},
	{command: "lock-user", body: `{"provider":"okta","user":"jdoe@example.com"}`},
	{command: "lock-user", body: `{"provider":"pingone","user":"jdoe@example.com"}`},
	{command: "unlock-user", body: `{"provider":"okta","user":"kpatel@example.com"}`},
	{command: "unlock-user", body: `{"provider":"pingone","user":"kpatel@example.com"}`},
	{command: "clear-sessions", body: `{"provider":"okta","user":"jdoe@example.com"}`},
	{command: "clear-sessions", body: `{"provider":"pingone","user":"jdoe@example.com"}`},
	{command: "reset-password", body: `{"provider":"okta","user":"jdoe@example.com"}`},
	{command: "reset-password", body: `{"provider":"pingone","user":"jdoe@example.com"}`},
	{command: "block-ip", body: `{"provider":"okta","ips":["95.173.136.72","175.45.176.3"]}`},
	{command: "unblock-ip", body: `{"provider":"okta","ips":["175.45.176.0/24","203.0.113.9"]}`},
	{command: "add-to-group", body: `{"provider":"okta","user":"jdoe@example.com","group":"Quarantine"}`},
	{command: "add-to-group", body: `{"provider":"pingone","user":"jdoe@example.com","group":"Quarantine"}`},
	{command: "remove-from-group", body: `{"provider":"okta","user":"awong@example.com","group":"Okta Admins"}`},
	{command: "remove-from-group", body: `{"provider":"pingone","user":"dlee@example.com","group":"Finance Approvers"}`},
	{command: "contain-user", body: `{"provider":"okta","user":"jdoe@example.com","reset_factors":true}`, setup: withAuditStore},
	{command: "contain-user", body: `{"provider":"pingone","user":"jdoe@example.com","reset_factors":true}`, setup: withAuditStore},
	{command: "release-user", body: `{"provider":"okta","user":"jdoe@example.com"}`, setup: func(t *testing.T, sb *outputSandbox) {
		withAuditStore(t, sb)
		sb.run(t, "contain-user", `{"provider":"okta","user":"jdoe@example.com"}`)
	}},
	{command: "release-user", body: `{"provider":"pingone","user":"kpatel@example.com"}`, setup: withAuditStore},
	{command: "respond-to-incident", body: `{}`, setup: withXDRIncident("critical", "jdoe@example.com")},
	{command: "respond-to-incident", body: `{}`, setup: withXDRIncident("high", "jdoe@example.com", "awong@example.com")},
	{command: "correlate-incident", body: `{}`, setup: func(t *testing.T, sb *outputSandbox) {
		if _, err := sb.okta.EmitBurst(oktatest.BurstMFAFatigue); err != nil {
			t.Fatal(err)
		}
		withXDRIncident("high", "jdoe@example.com")(t, sb)
	}},
	{command: "correlate-incident", body: `{}`, setup: withXDRIncident("high", "jdoe@example.com", "awong@example.com")},
}

// withXDRIncident adds a fake XDR tenant with one incident whose identity
// alerts name users (one, or two for a case idcmd does not guess in), and
// makes it the incident context of the case's call.
func withXDRIncident(severity string, users ...string) func(*testing.T, *outputSandbox) {
	return func(t *testing.T, sb *outputSandbox) {
		t.Helper()
		withAuditStore(t, sb)
		srv := xdrtest.NewServer(xdrtest.Options{APIKey: "outputs-xdr-key", APIKeyID: "7"})
		t.Cleanup(srv.Close)
		c, err := xdr.New(xdr.Config{BaseURL: srv.URL, APIKey: "outputs-xdr-key", APIKeyID: "7"})
		if err != nil {
			t.Fatal(err)
		}
		sb.inv.Providers.XDR = c
		id := srv.AddIncident("Okta: suspicious sign-in", severity)
		for _, u := range users {
			srv.AddAlert(id, xdrtest.Alert{Name: "Okta sign-in failures", Source: "Okta", Category: "Credential Access", UserName: u})
		}
		sb.incident = &commands.Incident{Platform: "xdr", ID: id}
	}
}

// withAuditStore gives the sandbox's Invoker a store, so a workflow's
// steps have audit records and report their ids (AuditID).
func withAuditStore(t *testing.T, sb *outputSandbox) {
	t.Helper()
	st, err := store.Open(context.Background(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	sb.inv.Store = st
}

// cannotAppear are declared outputs that no real result of that command
// holds, and why. Each comes from a result type that several commands
// share, where the field belongs to the others; the test fails when an
// entry does appear, so the list cannot go stale.
var cannotAppear = map[string]string{
	// workflows/enrich.go: the enrichment's Account is the neutral one,
	// whose action fields belong to the state-changing commands; Okta's
	// user risk (the reason) is not wired in this build, and the PingOne
	// demo's evaluations recommend no action; the severity raise needs an
	// XSOAR incident, which tests/enrich_test.go sends.
	"enrich-user Identity.Enrichment.Account.Action":                            "set by the state-changing neutral commands only",
	"enrich-user Identity.Enrichment.Account.PreviousStatus":                    "set by the state-changing neutral commands only",
	"enrich-user Identity.Enrichment.ProviderRisk.Reason":                       "Okta user risk not wired yet; no recommended action in the PingOne demo",
	"investigate-user Identity.Investigation.Enrichment.Account.Action":         "set by the state-changing neutral commands only",
	"investigate-user Identity.Investigation.Enrichment.Account.PreviousStatus": "set by the state-changing neutral commands only",
	"investigate-user Identity.Investigation.Enrichment.ProviderRisk.Reason":    "Okta user risk not wired yet; no recommended action in the PingOne demo",
	"investigate-user Identity.Investigation.Severity.Detail":                   "needs an XSOAR incident (tests/enrich_test.go)",
	"investigate-user Identity.Investigation.Severity.Status":                   "needs an XSOAR incident (tests/enrich_test.go)",
	// commands/neutral.go: Account is both get-user's result and the write
	// commands' (which add what they did).
	"get-user Account.Action":         "set by the state-changing neutral commands only",
	"get-user Account.PreviousStatus": "set by the state-changing neutral commands only",
	// commands/pingone_users.go: the list reads no password states (one
	// call per user); pingone-get-user does.
	"pingone-list-users PingOne.User.PasswordStatus": "read by pingone-get-user, not per listed user",
	// commands/pingone_groups.go: the members are a user listing too.
	"pingone-get-group-members PingOne.Group.Member.PasswordStatus": "read by pingone-get-user, not per listed member",
	// After an unlock there is no lock, so no lock times.
	"pingone-unlock-user PingOne.User.LockedAt": "no lock after an unlock",
	"pingone-unlock-user PingOne.User.UnlockAt": "no lock after an unlock",
	// commands/okta_zones.go: OktaZone is also okta-get-zone's result; a
	// blocklist zone has no trusted proxies in the demo org (nor, as a
	// rule, in a real one).
	"okta-block-ip Okta.Zone.Proxies":   "a blocklist zone has no proxies in the demo org",
	"okta-unblock-ip Okta.Zone.Proxies": "a blocklist zone has no proxies in the demo org",
	// commands/prisma_alerts.go: PrismaAlert is every alert command's
	// result; a dismissed alert is not snoozed, a reopened one neither.
	"prisma-dismiss-alert PrismaCloud.Alert.SnoozedUntil": "a dismissed alert has no snooze end",
	"prisma-reopen-alert PrismaCloud.Alert.SnoozedUntil":  "a reopened alert has no snooze end",
	"prisma-reopen-alert PrismaCloud.Alert.DismissalNote": "reopening clears the dismissal",
	"prisma-reopen-alert PrismaCloud.Alert.DismissedBy":   "reopening clears the dismissal",
	// workflows/contain.go, release.go: commands.StepResult is every
	// workflow's step; its approval is set only for a step held or run
	// under an approval, and contain-user runs provider commands only.
	"contain-user Identity.Containment.Step.ApprovalID":       "set only under an approval; the sandbox approves nothing",
	"contain-user Identity.Containment.Step.EffectiveCommand": "contain-user runs provider commands, never a neutral one",
	"release-user Identity.Release.Step.ApprovalID":           "set only under an approval; the sandbox approves nothing",
	// workflows/correlate.go, respond.go: Missing and Truncated need a
	// failing or flooded provider; the fakes' events carry no HIGH risk
	// level within two hours of an incident; an approval is needed for a
	// held step's ApprovalID and Detail.
	"correlate-incident Identity.Correlation.Missing.Error":         "set only when a part fails",
	"correlate-incident Identity.Correlation.Missing.Part":          "set only when a part fails",
	"correlate-incident Identity.Correlation.Truncated":             "set only past 1000 events in the window",
	"respond-to-incident Identity.IncidentResponse.Step.ApprovalID": "set only for an action held for approval; the sandbox holds nothing",
	"respond-to-incident Identity.IncidentResponse.Step.Detail":     "set only for an action not done",
	"correlate-incident Identity.Correlation.RiskEvents.Actor":      "the Okta case: its events near an incident carry no HIGH risk level (the PingOne evaluations are tested in tests/correlate_test.go)",
	"correlate-incident Identity.Correlation.RiskEvents.ActorID":    "the Okta case: its events near an incident carry no HIGH risk level (the PingOne evaluations are tested in tests/correlate_test.go)",
	"correlate-incident Identity.Correlation.RiskEvents.ID":         "the Okta case: its events near an incident carry no HIGH risk level (the PingOne evaluations are tested in tests/correlate_test.go)",
	"correlate-incident Identity.Correlation.RiskEvents.IP":         "the Okta case: its events near an incident carry no HIGH risk level (the PingOne evaluations are tested in tests/correlate_test.go)",
	"correlate-incident Identity.Correlation.RiskEvents.Location":   "the Okta case: its events near an incident carry no HIGH risk level (the PingOne evaluations are tested in tests/correlate_test.go)",
	"correlate-incident Identity.Correlation.RiskEvents.Outcome":    "the Okta case: its events near an incident carry no HIGH risk level (the PingOne evaluations are tested in tests/correlate_test.go)",
	"correlate-incident Identity.Correlation.RiskEvents.Provider":   "the Okta case: its events near an incident carry no HIGH risk level (the PingOne evaluations are tested in tests/correlate_test.go)",
	"correlate-incident Identity.Correlation.RiskEvents.Reason":     "the Okta case: its events near an incident carry no HIGH risk level (the PingOne evaluations are tested in tests/correlate_test.go)",
	"correlate-incident Identity.Correlation.RiskEvents.Target":     "the Okta case: its events near an incident carry no HIGH risk level (the PingOne evaluations are tested in tests/correlate_test.go)",
	"correlate-incident Identity.Correlation.RiskEvents.TargetID":   "the Okta case: its events near an incident carry no HIGH risk level (the PingOne evaluations are tested in tests/correlate_test.go)",
	"correlate-incident Identity.Correlation.RiskEvents.Time":       "the Okta case: its events near an incident carry no HIGH risk level (the PingOne evaluations are tested in tests/correlate_test.go)",
	"correlate-incident Identity.Correlation.RiskEvents.Type":       "the Okta case: its events near an incident carry no HIGH risk level (the PingOne evaluations are tested in tests/correlate_test.go)",
	"correlate-incident Identity.Correlation.RiskEvents.UserAgent":  "the Okta case: its events near an incident carry no HIGH risk level (the PingOne evaluations are tested in tests/correlate_test.go)",
}

// contextLeaves adds the path of every value in v, as XSOAR context holds
// it under prefix: objects add their keys, lists their items' paths.
func contextLeaves(prefix string, v any, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			contextLeaves(prefix+"."+k, e, out)
		}
	case []any:
		for _, e := range x {
			contextLeaves(prefix, e, out)
		}
	case nil:
	default:
		out[prefix] = true
	}
}

// TestXsoarOutputsMatchRealResults runs every command against the seeded
// fakes and compares the context leaves of its real results with the
// outputs the integration declares for it: a leaf that is not declared is
// context a playbook author cannot find, and a declared output that never
// appears is one a playbook waits for in vain.
func TestXsoarOutputsMatchRealResults(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every command against fresh fakes")
	}
	doc := parseXsoar(t, xsoarYAML(t))
	declared := map[string]map[string]bool{}
	for _, c := range doc.Script.Commands {
		declared[c.Name] = map[string]bool{}
		for _, o := range c.Outputs {
			// IDCMD.* (approval, next cursor) come from the script, whose
			// own tests check them.
			if !strings.HasPrefix(o.ContextPath, "IDCMD.") {
				declared[c.Name][o.ContextPath] = true
			}
		}
	}

	seen := map[string]map[string]bool{}
	// Reads without a set-up change nothing: they share one sandbox.
	shared := newOutputSandbox(t)
	for _, tc := range outputCases {
		sb := shared
		if cmd, _ := catalog.Default.Lookup(tc.command); tc.setup != nil || cmd.Info().Risk.ChangesState() {
			sb = newOutputSandbox(t)
		}
		if tc.setup != nil {
			tc.setup(t, sb)
		}
		body := tc.body
		if strings.Contains(body, `"FACTOR"`) { // the user's first factor, whose ID the seed draws
			res := sb.run(t, "okta-get-user-factors", `{"user":"jdoe@example.com"}`)
			f := res.Outputs.(commands.OktaUserFactors).Factors[0]
			body = strings.ReplaceAll(body, `"FACTOR"`, `"`+f.ID+`"`)
		}
		res := sb.run(t, tc.command, body)
		b, err := json.Marshal(res.Outputs)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		contextLeaves(res.OutputsPrefix, v, got)
		if seen[tc.command] == nil {
			seen[tc.command] = map[string]bool{}
		}
		var undeclared []string
		for p := range got {
			seen[tc.command][p] = true
			if !declared[tc.command][p] {
				undeclared = append(undeclared, p)
			}
		}
		if len(undeclared) > 0 {
			sort.Strings(undeclared)
			t.Errorf("%s %s puts %d leaves into context that the integration does not declare, among them:\n  %s",
				tc.command, tc.body, len(undeclared), strings.Join(undeclared[:min(len(undeclared), 8)], "\n  "))
		}
	}

	for _, cmd := range catalog.Default.All() {
		name := cmd.Info().Name
		if seen[name] == nil {
			t.Errorf("%s: no case runs it", name)
			continue
		}
		var never []string
		for p := range declared[name] {
			_, excused := cannotAppear[name+" "+p]
			switch {
			case !seen[name][p] && !excused:
				never = append(never, p)
			case seen[name][p] && excused:
				t.Errorf("%s: %s appeared; drop it from cannotAppear", name, p)
			}
		}
		sort.Strings(never)
		if len(never) > 0 {
			t.Errorf("%s declares outputs that no real result holds: fill them or stop declaring them:\n  %s", name, strings.Join(never, "\n  "))
		}
	}
	for key := range cannotAppear {
		name, path, _ := strings.Cut(key, " ")
		if !declared[name][path] {
			t.Errorf("cannotAppear names %s, which %s does not declare", path, name)
		}
	}
}
