package prisma_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/prisma"
	"github.com/idcmd/idcmd/providers/prisma/prismatest"
	"github.com/idcmd/idcmd/providers/upstream"
)

// Client conformance for integrations, alerts and IAM policies against
// the seeded fake.

func seededClient(t *testing.T) (*prisma.Client, *prismatest.Server) {
	t.Helper()
	srv := prismatest.NewServer(prismatest.Options{Seed: true})
	t.Cleanup(srv.Close)
	c, err := prisma.New(prisma.Config{APIURL: srv.URL, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func kindOf(err error) upstream.Kind {
	if ue := upstream.As(err); ue != nil {
		return ue.Kind
	}
	return -1
}

func TestIntegrationsOktaIDP(t *testing.T) {
	c, srv := seededClient(t)
	ctx := context.Background()
	srv.AddIntegration("Qualys", "qualys", "")
	all, err := c.ListIntegrations(ctx, prisma.IntegrationTypeOktaIDP)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].Name != prismatest.SandboxOktaIntegration || all[0].Status != "GREEN" || !all[0].Valid ||
		all[0].Domain != prismatest.SandboxOktaDomain || all[0].LastModified().IsZero() {
		t.Fatalf("okta_idp integrations = %+v", all)
	}
	if strings.Contains(string(all[0].Raw), "apiToken") {
		t.Errorf("Raw keeps the integration's token field: %s", all[0].Raw)
	}
	tr, err := c.TestIntegration(ctx, all[0])
	if err != nil || !tr.Success {
		t.Fatalf("test = %+v, %v", tr, err)
	}

	srv.BreakIntegration(prismatest.SandboxOktaIntegration, "Okta API token revoked")
	all, _ = c.ListIntegrations(ctx, prisma.IntegrationTypeOktaIDP)
	if all[0].Status != "RED" || all[0].Valid || !strings.Contains(all[0].Reason.Text(), "Okta API token revoked") || all[0].ReasonUpdated().IsZero() {
		t.Fatalf("broken integration = %+v reason %+v", all[0], all[0].Reason)
	}
	tr, err = c.TestIntegration(ctx, all[0])
	if err != nil || tr.Success || len(tr.Problems()) == 0 {
		t.Fatalf("test of a broken integration = %+v, %v", tr, err)
	}
	if _, err := c.ListIntegrations(ctx, "no_such_type"); kindOf(err) != upstream.Invalid {
		t.Errorf("unknown type: %v", err)
	}
	srv.RemoveIntegrations("okta_idp")
	if all, err := c.ListIntegrations(ctx, prisma.IntegrationTypeOktaIDP); err != nil || len(all) != 0 {
		t.Errorf("after removal: %v, %v", all, err)
	}
}

func ids(alerts []prisma.Alert) []string {
	out := []string{}
	for _, a := range alerts {
		out = append(out, a.ID)
	}
	return out
}

func TestListAlertsFilters(t *testing.T) {
	c, _ := seededClient(t)
	ctx := context.Background()
	iam := prisma.AlertFilter{Name: prisma.FilterPolicyType, Value: "iam"}
	open := prisma.AlertFilter{Name: prisma.FilterAlertStatus, Value: "open"}
	awong := prisma.AlertFilter{Name: prisma.FilterResourceName, Value: "awong@example.com"}
	for _, tc := range []struct {
		name string
		q    prisma.AlertQuery
		want []string
	}{
		{"awong open identity", prisma.AlertQuery{Filters: []prisma.AlertFilter{iam, open, awong}, TimeRange: prisma.LastHours(720)},
			[]string{prismatest.AlertAwongAdminShared, prismatest.AlertAwongAdminProd, prismatest.AlertAwongUnusedAdmin}},
		{"awong any type includes the config alert", prisma.AlertQuery{Filters: []prisma.AlertFilter{open, awong}, TimeRange: prisma.LastHours(720)},
			[]string{prismatest.AlertAwongAdminShared, prismatest.AlertAwongConfig, prismatest.AlertAwongAdminProd, prismatest.AlertAwongUnusedAdmin}},
		{"window", prisma.AlertQuery{Filters: []prisma.AlertFilter{iam, open, awong}, TimeRange: prisma.LastHours(72)},
			[]string{prismatest.AlertAwongAdminShared, prismatest.AlertAwongAdminProd}},
		{"statuses are ORed", prisma.AlertQuery{Filters: []prisma.AlertFilter{iam, {prisma.FilterAlertStatus, "dismissed"}, {prisma.FilterAlertStatus, "snoozed"}}, TimeRange: prisma.AllTime},
			[]string{prismatest.AlertBwilsonSnoozed, prismatest.AlertJdoeDismissed}},
		{"policy", prisma.AlertQuery{Filters: []prisma.AlertFilter{iam, open, {prisma.FilterPolicyName, prismatest.PolicyOktaUnusedAdmin}}, TimeRange: prisma.AllTime},
			[]string{prismatest.AlertAwongUnusedAdmin}},
	} {
		page, err := c.ListAlerts(ctx, tc.q)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := ids(page.Items); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if _, err := c.ListAlerts(ctx, prisma.AlertQuery{Filters: []prisma.AlertFilter{{Name: "no.such", Value: "x"}}}); kindOf(err) != upstream.Invalid {
		t.Errorf("unknown filter: %v", err)
	}
}

func TestListAlertsPaging(t *testing.T) {
	c, _ := seededClient(t)
	ctx := context.Background()
	q := prisma.AlertQuery{Filters: []prisma.AlertFilter{{Name: prisma.FilterPolicyType, Value: "iam"}}, TimeRange: prisma.AllTime, Limit: 2}
	var got []string
	for range 10 {
		page, err := c.ListAlerts(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if page.TotalRows != 6 {
			t.Errorf("totalRows = %d", page.TotalRows)
		}
		got = append(got, ids(page.Items)...)
		if page.NextPageToken == "" {
			break
		}
		q.PageToken = page.NextPageToken
	}
	if len(got) != 6 {
		t.Fatalf("paged %v", got)
	}
	// A token is bound to its query.
	q.Filters = append(q.Filters, prisma.AlertFilter{Name: prisma.FilterAlertStatus, Value: "open"})
	if _, err := c.ListAlerts(ctx, q); kindOf(err) != upstream.Invalid {
		t.Errorf("token of another query: %v", err)
	}
}

func TestAlertStatusRules(t *testing.T) {
	c, srv := seededClient(t)
	ctx := context.Background()
	if err := c.DismissAlerts(ctx, []string{prismatest.AlertAwongAdminProd}, ""); kindOf(err) != upstream.Invalid {
		t.Errorf("dismissal without the required note: %v", err)
	}
	if req, err := c.DismissalNoteRequired(ctx); err != nil || !req {
		t.Errorf("require note = %v, %v", req, err)
	}
	if err := c.DismissAlerts(ctx, []string{prismatest.AlertAwongAdminProd}, "approved"); err != nil {
		t.Fatal(err)
	}
	if st, note, _ := srv.AlertStatus(prismatest.AlertAwongAdminProd); st != "dismissed" || note != "approved" {
		t.Errorf("after dismiss: %s %q", st, note)
	}
	err := c.DismissAlerts(ctx, []string{prismatest.AlertAwongAdminProd}, "again")
	if ue := upstream.As(err); ue == nil || ue.Kind != upstream.Conflict || ue.Code != "alert_no_longer_in_expected_state" || ue.Status != 404 {
		t.Errorf("dismissing a dismissed alert: %+v", err)
	}
	// All or nothing: one alert in the wrong state holds the others back.
	if err := c.SnoozeAlerts(ctx, []string{prismatest.AlertAwongAdminShared, prismatest.AlertJdoeDismissed}, "x", 24); kindOf(err) != upstream.Conflict {
		t.Errorf("snooze with a dismissed alert: %v", err)
	}
	if st, _, _ := srv.AlertStatus(prismatest.AlertAwongAdminShared); st != "open" {
		t.Errorf("a refused change changed %s to %s", prismatest.AlertAwongAdminShared, st)
	}
	if err := c.SnoozeAlerts(ctx, []string{prismatest.AlertAwongAdminShared}, "leave", 48); err != nil {
		t.Fatal(err)
	}
	st, _, until := srv.AlertStatus(prismatest.AlertAwongAdminShared)
	if st != "snoozed" || time.Until(until) < 47*time.Hour || time.Until(until) > 49*time.Hour {
		t.Errorf("after snooze: %s until %v", st, until)
	}
	got, err := c.GetAlerts(ctx, []string{prismatest.AlertAwongAdminShared})
	if err != nil || len(got) != 1 || got[0].SnoozedUntil().IsZero() {
		t.Errorf("snoozed alert read back: %+v, %v", got, err)
	}
	if err := c.ReopenAlerts(ctx, []string{prismatest.AlertAwongAdminShared, prismatest.AlertAwongAdminProd}); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := srv.AlertStatus(prismatest.AlertAwongAdminProd); st != "open" {
		t.Errorf("after reopen: %s", st)
	}
	if err := c.ReopenAlerts(ctx, []string{prismatest.AlertAwongAdminProd}); kindOf(err) != upstream.Conflict {
		t.Errorf("reopening an open alert: %v", err)
	}
	if err := c.DismissAlerts(ctx, []string{"I-999999"}, "x"); kindOf(err) != upstream.Conflict {
		t.Errorf("unknown alert: %v", err)
	}
}

func TestCreateIdentityPolicy(t *testing.T) {
	c, srv := seededClient(t)
	ctx := context.Background()
	req := prisma.IdentityPolicyRequest{Name: "Okta admins", Severity: "high", AccountGroups: []string{prismatest.AccountGroupAWSProduction},
		Query: "config from iam where source.idp.service = 'Okta' AND grantedby.cloud.policy.name = 'AdministratorAccess'"}
	made, err := c.CreateIdentityPolicy(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if made.Policy.PolicyID == "" || made.Policy.PolicyType != "iam" || made.Policy.Rule.Criteria != made.SearchID || made.AlertRule.ID == "" ||
		!slices.Equal(made.AlertRule.Policies, []string{made.Policy.PolicyID}) {
		t.Fatalf("made %+v", made)
	}
	if srv.PolicyQuery("Okta admins") != req.Query {
		t.Errorf("saved search query = %q", srv.PolicyQuery("Okta admins"))
	}
	found, err := c.FindPolicy(ctx, "Okta admins")
	if err != nil || found == nil || found.PolicyID != made.Policy.PolicyID {
		t.Fatalf("find = %+v, %v", found, err)
	}
	if p, err := c.FindPolicy(ctx, "nope"); err != nil || p != nil {
		t.Errorf("find nope = %+v, %v", p, err)
	}
	// Prisma refuses a duplicate name (the saved search's, then the policy's).
	if _, err := c.CreateIdentityPolicy(ctx, req); kindOf(err) != upstream.Conflict {
		t.Errorf("duplicate: %v", err)
	}
	bad := req
	bad.Name, bad.Query = "bad", "config from cloud.resource where api.name = 'x'"
	if _, err := c.CreateIdentityPolicy(ctx, bad); kindOf(err) != upstream.Invalid {
		t.Errorf("non-IAM query: %v", err)
	}
	bad = req
	bad.Name, bad.AccountGroups = "bad group", []string{"no-such-group"}
	_, err = c.CreateIdentityPolicy(ctx, bad)
	if ue := upstream.As(err); ue == nil || !strings.Contains(strings.Join(ue.Causes, " "), "was created, its alert rule was not") {
		t.Errorf("alert rule refused: %+v", err)
	}
	if len(srv.Policies()) != 2 || len(srv.AlertRules()) != 1 {
		t.Errorf("policies %v rules %v", srv.Policies(), srv.AlertRules())
	}
}
