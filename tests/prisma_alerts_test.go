package tests

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/providers/prisma/prismatest"
)

func alertIDs(t *testing.T, r response) []string {
	t.Helper()
	var out []string
	for _, a := range outputList(t, r) {
		out = append(out, a.(map[string]any)["ID"].(string))
	}
	return out
}

// TestPrismaListIdentityAlerts: the identity filter keeps IAM policy
// alerts only, the user filter the user's, the status filter defaults to
// open; an Okta login is resolved to the e-mail.
func TestPrismaListIdentityAlerts(t *testing.T) {
	e := newEnv(t, envOptions{prisma: true})
	for _, tc := range []struct {
		body string
		want []string
	}{
		{`{"user":"awong@example.com"}`, []string{prismatest.AlertAwongAdminShared, prismatest.AlertAwongAdminProd, prismatest.AlertAwongUnusedAdmin}},
		{`{"user":"awong"}`, []string{prismatest.AlertAwongAdminShared, prismatest.AlertAwongAdminProd, prismatest.AlertAwongUnusedAdmin}},
		{`{"user":"awong@example.com","hours":72}`, []string{prismatest.AlertAwongAdminShared, prismatest.AlertAwongAdminProd}},
		{`{"user":"awong@example.com","policy":"` + prismatest.PolicyOktaUnusedAdmin + `"}`, []string{prismatest.AlertAwongUnusedAdmin}},
		{`{"status":"dismissed"}`, []string{prismatest.AlertJdoeDismissed}},
		{`{"status":"snoozed"}`, []string{prismatest.AlertBwilsonSnoozed}},
		{`{"status":"resolved"}`, []string{prismatest.AlertKpatelResolved}},
		{`{"user":"nobody@example.com"}`, nil},
	} {
		r := e.run("prisma-list-identity-alerts", tc.body)
		mustStatus(t, r, 200)
		if got := alertIDs(t, r); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.body, got, tc.want)
		}
		if strings.Contains(string(r.body), prismatest.AlertAwongConfig) {
			t.Errorf("%s: the config alert is not an identity alert: %s", tc.body, r.body)
		}
	}
	all := e.run("prisma-list-identity-alerts", `{"status":"all"}`)
	mustStatus(t, all, 200)
	if got := alertIDs(t, all); len(got) != 6 {
		t.Errorf("status all: %v", got)
	}
	r := e.run("prisma-list-identity-alerts", `{"status":"snoozed"}`)
	if a := outputList(t, r)[0].(map[string]any); a["SnoozedUntil"] == nil || a["DismissalNote"] == "" {
		t.Errorf("snoozed alert: %v", a)
	}
}

// TestPrismaIdentityAlertsPaging: signed cursors over Prisma's
// nextPageToken, every alert once.
func TestPrismaIdentityAlertsPaging(t *testing.T) {
	e := newEnv(t, envOptions{prisma: true})
	var seen []string
	cursor := ""
	for range 10 {
		body := `{"status":"all","limit":2}`
		if cursor != "" {
			body = `{"status":"all","limit":2,"cursor":"` + cursor + `"}`
		}
		r := e.run("prisma-list-identity-alerts", body)
		mustStatus(t, r, 200)
		seen = append(seen, alertIDs(t, r)...)
		cursor, _ = r.json(t)["next_cursor"].(string)
		if cursor == "" {
			break
		}
	}
	if len(seen) != 6 || len(slices.Compact(slices.Sorted(slices.Values(seen)))) != 6 {
		t.Errorf("paged: %v", seen)
	}
	r := e.run("prisma-list-identity-alerts", `{"status":"all","limit":2}`)
	next := r.json(t)["next_cursor"].(string)
	// A cursor is bound to its arguments, and cannot be forged.
	for _, body := range []string{`{"status":"open","cursor":"` + next + `"}`, `{"status":"all","cursor":"c1.Zm9v:0.bad"}`} {
		bad := e.run("prisma-list-identity-alerts", body)
		mustStatus(t, bad, 400)
		if !problemAt(t, bad, "body.cursor") {
			t.Errorf("%s: %s", body, bad.body)
		}
	}
}

// TestPrismaAlertBadInput: 4xx naming the field, never a 500.
func TestPrismaAlertBadInput(t *testing.T) {
	e := newEnv(t, envOptions{prisma: true})
	for _, tc := range []struct{ cmd, body, loc string }{
		{"prisma-list-identity-alerts", `{"status":"closed"}`, "body.status"},
		{"prisma-list-identity-alerts", `{"hours":0.5}`, "body.hours"},
		{"prisma-list-identity-alerts", `{"hours":100000}`, "body.hours"},
		{"prisma-list-identity-alerts", `{"limit":5000}`, "body.limit"},
		{"prisma-dismiss-alert", `{"alert_ids":["I-1001"]}`, "body.note"},
		{"prisma-dismiss-alert", `{"alert_ids":[],"note":"x"}`, "body.alert_ids"},
		{"prisma-dismiss-alert", `{"alert_ids":["I-1001' OR 1=1"],"note":"x"}`, "body.alert_ids[0]"},
		{"prisma-dismiss-alert", `{"alert_ids":["I-1001","I-1001"],"note":"x"}`, "body.alert_ids[1]"},
		{"prisma-snooze-alert", `{"alert_ids":["I-1001"],"note":"x"}`, "body.hours"},
		{"prisma-snooze-alert", `{"alert_ids":["I-1001"],"note":"x","hours":9000}`, "body.hours"},
		{"prisma-reopen-alert", `{"alert_ids":["nope"]}`, "body.alert_ids[0]"},
	} {
		r := e.run(tc.cmd, tc.body)
		if r.status != 400 || !problemAt(t, r, tc.loc) {
			t.Errorf("%s %s: %d %s, want 400 at %s", tc.cmd, tc.body, r.status, r.body, tc.loc)
		}
	}
	r := e.run("prisma-dismiss-alert", `{"alert_ids":["I-999999"],"note":"x"}`)
	if r.status != 404 || !problemAt(t, r, "body.alert_ids[0]") {
		t.Errorf("unknown alert: %d %s", r.status, r.body)
	}
}

// TestPrismaDismissSnoozeReopen: the state rules, end to end.
func TestPrismaDismissSnoozeReopen(t *testing.T) {
	e := newEnv(t, envOptions{prisma: true})
	r := e.run("prisma-dismiss-alert", `{"alert_ids":["I-1001","I-1002"],"note":"Access approved in CHG-1042"}`)
	mustStatus(t, r, 200)
	for _, a := range outputList(t, r) {
		if a := a.(map[string]any); a["Status"] != "dismissed" || a["DismissalNote"] != "Access approved in CHG-1042" {
			t.Errorf("after dismiss: %v", a)
		}
	}
	// Dismissing a dismissed alert is a conflict naming it; nothing is sent.
	calls := e.prisma.DismissCalls()
	again := e.run("prisma-dismiss-alert", `{"alert_ids":["I-1003","I-1001"],"note":"again"}`)
	mustStatus(t, again, 409)
	if !problemAt(t, again, "body.alert_ids[1]") || !strings.Contains(string(again.body), "I-1001 is dismissed") {
		t.Errorf("dismiss twice: %s", again.body)
	}
	if st, _, _ := e.prisma.AlertStatus("I-1003"); st != "open" || e.prisma.DismissCalls() != calls {
		t.Errorf("a refused dismissal changed something: I-1003 %s, %d calls", st, e.prisma.DismissCalls()-calls)
	}
	s := e.run("prisma-snooze-alert", `{"alert_ids":["I-1003"],"note":"Owner on leave","hours":72}`)
	mustStatus(t, s, 200)
	if a := outputList(t, s)[0].(map[string]any); a["Status"] != "snoozed" || a["SnoozedUntil"] == nil {
		t.Errorf("after snooze: %v", a)
	}
	mustStatus(t, e.run("prisma-snooze-alert", `{"alert_ids":["I-1003"],"note":"again","hours":1}`), 409)
	ro := e.run("prisma-reopen-alert", `{"alert_ids":["I-1001","I-1003"]}`)
	mustStatus(t, ro, 200)
	for _, a := range outputList(t, ro) {
		if a.(map[string]any)["Status"] != "open" {
			t.Errorf("after reopen: %v", a)
		}
	}
	mustStatus(t, e.run("prisma-reopen-alert", `{"alert_ids":["I-1001"]}`), 409)
}

// TestPrismaDismissIdempotentAndAudited: a replay with the same
// Idempotency-Key answers the stored result without dismissing again, and
// the audit log records the dismissal.
func TestPrismaDismissIdempotentAndAudited(t *testing.T) {
	e := newEnv(t, envOptions{prisma: true})
	writer := token(t, "commands:read", "commands:write")
	body := `{"alert_ids":["I-1002"],"note":"Access approved in CHG-1042","incident":{"platform":"xsoar","id":"INC-12"}}`
	first := e.call("prisma-dismiss-alert", body, writer, "dismiss-i-1002")
	mustStatus(t, first, 200)
	calls := e.prisma.DismissCalls()
	replay := e.call("prisma-dismiss-alert", body, writer, "dismiss-i-1002")
	mustStatus(t, replay, 200)
	if e.prisma.DismissCalls() != calls {
		t.Errorf("the replay dismissed again")
	}
	if fmt.Sprint(replay.json(t)["outputs"]) != fmt.Sprint(first.json(t)["outputs"]) {
		t.Errorf("replay %s, first %s", replay.body, first.body)
	}
	recs := asList(e.get("/api/v1/audit?command=prisma-dismiss-alert", tokenFor(t, "auditor", "audit:read")).json(t)["records"])
	if len(recs) == 0 {
		t.Fatal("no audit record of the dismissal")
	}
	rec := recs[0].(map[string]any)
	if rec["outcome"] != "success" || rec["subject"] != "tester" || !strings.Contains(fmt.Sprint(rec), "I-1002") {
		t.Errorf("audit record: %v", rec)
	}
}

// TestPrismaCreateIdentityPolicy: a preset becomes a policy and its alert
// rule; the same name again is a 409 naming body.name; bad input is 400.
func TestPrismaCreateIdentityPolicy(t *testing.T) {
	e := newEnv(t, envOptions{prisma: true})
	body := `{"name":"idcmd: Okta users with AdministratorAccess","preset":"okta_admin_access","account_groups":["` + prismatest.AccountGroupAWSProduction + `"]}`
	r := e.run("prisma-create-identity-policy", body)
	mustStatus(t, r, 200)
	o := outputs(t, r)
	if o["PolicyID"] == "" || o["AlertRuleID"] == "" || o["Severity"] != "high" || !strings.Contains(o["Query"].(string), "AdministratorAccess") {
		t.Errorf("created: %v", o)
	}
	if q := e.prisma.PolicyQuery("idcmd: Okta users with AdministratorAccess"); !strings.HasPrefix(q, "config from iam where") {
		t.Errorf("saved search query %q", q)
	}
	dup := e.run("prisma-create-identity-policy", body)
	mustStatus(t, dup, 409)
	if !problemAt(t, dup, "body.name") {
		t.Errorf("duplicate: %s", dup.body)
	}
	if len(e.prisma.Policies()) != 1 || len(e.prisma.AlertRules()) != 1 {
		t.Errorf("policies %v rules %v", e.prisma.Policies(), e.prisma.AlertRules())
	}
	raw := e.run("prisma-create-identity-policy", `{"name":"raw","query":"config from iam where dest.cloud.type = 'AWS'","severity":"low","account_groups":["`+prismatest.AccountGroupAllAWS+`"]}`)
	mustStatus(t, raw, 200)
	for _, tc := range []struct{ body, loc string }{
		{`{"name":"x","account_groups":["g"]}`, "body.preset"},
		{`{"name":"x","preset":"okta_admin_access","query":"config from iam where x = 1","account_groups":["g"]}`, "body.query"},
		{`{"name":"x","query":"config from cloud.resource where api.name = 'x'","account_groups":["g"]}`, "body.query"},
		{`{"name":"x","preset":"everything","account_groups":["g"]}`, "body.preset"},
		{`{"name":"x","preset":"okta_admin_access"}`, "body.account_groups"},
		{`{"name":"x","preset":"okta_admin_access","severity":"critical","account_groups":["g"]}`, "body.severity"},
	} {
		bad := e.run("prisma-create-identity-policy", tc.body)
		if bad.status != 400 || !problemAt(t, bad, tc.loc) {
			t.Errorf("%s: %d %s, want 400 at %s", tc.body, bad.status, bad.body, tc.loc)
		}
	}
}

// TestPrismaWritesPassTheApprovalGate: approvals.providers.prisma holds
// every Prisma write for a second person, as for the identity providers;
// nothing reaches Prisma until it is approved.
func TestPrismaWritesPassTheApprovalGate(t *testing.T) {
	e := newEnv(t, envOptions{prisma: true, configure: func(c *config.Config) {
		c.Approvals.Providers = map[string]bool{"prisma": true}
	}})
	requester := tokenFor(t, "responder", "commands:read", "commands:write")
	approver := tokenFor(t, "lead", "approvals:decide")
	before := e.prisma.DismissCalls()
	ap := approvalOf(t, e.call("prisma-dismiss-alert", `{"alert_ids":["I-1001"],"note":"Access approved in CHG-1042"}`, requester, ""))
	if e.prisma.DismissCalls() != before {
		t.Fatal("prisma-dismiss-alert reached Prisma before it was approved")
	}
	if status, _, _ := e.prisma.AlertStatus("I-1001"); status != "open" {
		t.Fatalf("held dismissal changed the alert: %s", status)
	}
	// Reads are not held.
	mustStatus(t, e.call("prisma-list-identity-alerts", `{"user":"awong@example.com"}`, requester, ""), 200)

	d := e.post("/api/v1/approvals/"+ap["id"].(string)+"/approve", approver, `{}`)
	mustStatus(t, d, 200)
	if d.json(t)["status"] != "executed" {
		t.Fatalf("approve: %s", d.body)
	}
	if status, note, _ := e.prisma.AlertStatus("I-1001"); status != "dismissed" || note != "Access approved in CHG-1042" {
		t.Errorf("after approval: %s %q", status, note)
	}
}
