package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/providers/prisma/prismatest"
)

// cloudAccess is the outputs of prisma-get-user-cloud-access.
type cloudAccess struct {
	Email, IdP, MatchedBy, Query, Note string
	Summary                            struct {
		Accounts, AdminAccounts, GrantedThrough []string
		AccountCount, Resources, Permissions    int
		AdminLevel, Complete                    bool
		LastUsed                                *string
	}
	Permission []struct {
		ID, Cloud, Account, Action, IdPGroup, GrantedBy, Policy, Identity string
		AdminLevel                                                        bool
		LastAccess                                                        *string
	}
}

func accessOf(t *testing.T, r response) (cloudAccess, string) {
	t.Helper()
	mustStatus(t, r, 200)
	var body struct {
		Outputs    cloudAccess `json:"outputs"`
		Prefix     string      `json:"outputs_prefix"`
		Key        string      `json:"outputs_key_field"`
		Readable   string      `json:"readable_output"`
		NextCursor string      `json:"next_cursor"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Prefix != "PrismaCloud.CloudAccess" || body.Key != "Email" {
		t.Errorf("context %s / %s", body.Prefix, body.Key)
	}
	return body.Outputs, body.NextCursor + "\x00" + body.Readable
}

func split(s string) (cursor, readable string) {
	cursor, readable, _ = strings.Cut(s, "\x00")
	return cursor, readable
}

func TestPrismaUserCloudAccessAdmin(t *testing.T) {
	e := newEnv(t, envOptions{prisma: true})
	out, rest := accessOf(t, e.run("prisma-get-user-cloud-access", `{"user":"awong@example.com"}`))
	cursor, readable := split(rest)
	want := []string{"AWS " + prismatest.AWSProdAccount, "AWS " + prismatest.AWSSecurityAccount}
	if out.Email != "awong@example.com" || out.MatchedBy != "okta_idp" || out.IdP != "okta" ||
		!slices.Equal(out.Summary.Accounts, want) || !out.Summary.AdminLevel || !slices.Equal(out.Summary.AdminAccounts, want) ||
		out.Summary.Permissions != 14 || len(out.Permission) != 14 || !out.Summary.Complete || cursor != "" || out.Summary.LastUsed == nil {
		t.Fatalf("awong: %+v cursor %q", out, cursor)
	}
	if !strings.Contains(out.Query, "source.idp.email = 'awong@example.com'") || !slices.Contains(out.Summary.GrantedThrough, prismatest.AdminGroup) {
		t.Errorf("query %q through %v", out.Query, out.Summary.GrantedThrough)
	}
	// A war room reads the summary first, then the table.
	adminAt, tableAt := strings.Index(readable, "Admin-level access:** **YES**"), strings.Index(readable, "|Cloud|Account|")
	if adminAt < 0 || tableAt < adminAt || !strings.Contains(readable, "AWS-Administrators → AWSReservedSSO_AdministratorAccess") {
		t.Errorf("readable:\n%s", readable)
	}

	// jdoe: read-only S3, no admin.
	out, _ = accessOf(t, e.run("prisma-get-user-cloud-access", `{"user":"jdoe"}`))
	if out.Summary.AdminLevel || out.Summary.AccountCount != 1 || len(out.Permission) != 3 || out.Permission[0].Policy != "AmazonS3ReadOnlyAccess" {
		t.Errorf("jdoe: %+v", out)
	}
	// The cloud filter narrows.
	out, _ = accessOf(t, e.run("prisma-get-user-cloud-access", `{"user":"awong@example.com","cloud":"azure"}`))
	if len(out.Permission) != 0 || out.Summary.AccountCount != 0 || out.Summary.AdminLevel {
		t.Errorf("awong in azure: %+v", out)
	}
	out, _ = accessOf(t, e.run("prisma-get-user-cloud-access", `{"user":"ejohnson@example.com","cloud":"azure"}`))
	if len(out.Permission) != 2 || out.Permission[0].Cloud != "AZURE" {
		t.Errorf("ejohnson in azure: %+v", out)
	}
}

func TestPrismaUserCloudAccessPaging(t *testing.T) {
	e := newEnv(t, envOptions{prisma: true})
	var ids []string
	cursor := ""
	for calls := 0; ; calls++ {
		body := `{"user":"awong@example.com","limit":4`
		if cursor != "" {
			body += fmt.Sprintf(`,"cursor":%q`, cursor)
		}
		out, rest := accessOf(t, e.run("prisma-get-user-cloud-access", body+"}"))
		next, _ := split(rest)
		for _, p := range out.Permission {
			ids = append(ids, p.ID)
		}
		if out.Summary.Complete != (next == "") {
			t.Errorf("call %d: Complete %v with next_cursor %q", calls, out.Summary.Complete, next)
		}
		if next == "" {
			break
		}
		if len(out.Permission) != 4 || calls > 5 {
			t.Fatalf("call %d: %d rows and a cursor", calls, len(out.Permission))
		}
		cursor = next
	}
	slices.Sort(ids)
	if len(slices.Compact(ids)) != 14 {
		t.Fatalf("%d distinct rows over the pages: %v", len(ids), ids)
	}
	// A cursor is bound to its user.
	r := e.run("prisma-get-user-cloud-access", fmt.Sprintf(`{"user":"jdoe@example.com","cursor":%q}`, firstCursor(t, e)))
	mustStatus(t, r, 400)
	if !problemAt(t, r, "body.cursor") {
		t.Errorf("foreign cursor: %s", r.body)
	}
}

func firstCursor(t *testing.T, e *env) string {
	t.Helper()
	_, rest := accessOf(t, e.run("prisma-get-user-cloud-access", `{"user":"awong@example.com","limit":10}`))
	c, _ := split(rest)
	if c == "" {
		t.Fatal("awong at limit 10: no next_cursor")
	}
	return c
}

func TestPrismaUserCloudAccessPingOne(t *testing.T) {
	e := newEnv(t, envOptions{prisma: true, pingone: true})
	out, rest := accessOf(t, e.run("prisma-get-user-cloud-access", `{"user":"dlee@example.com","idp":"pingone"}`))
	_, readable := split(rest)
	if out.MatchedBy != "cloud_identity_email" || out.IdP != "pingone" || !strings.Contains(out.Note, "no PingOne IdP integration") ||
		len(out.Permission) != 3 || out.Permission[0].Identity != prismatest.CloudOnlyUser || !strings.Contains(out.Query, "source.email = 'dlee@example.com'") {
		t.Fatalf("dlee: %+v", out)
	}
	if !strings.Contains(readable, "Prisma Cloud has no PingOne IdP integration") {
		t.Errorf("readable does not say it plainly:\n%s", readable)
	}
	// dlee is in no Okta org Prisma reads.
	r := e.run("prisma-get-user-cloud-access", `{"user":"dlee@example.com"}`)
	mustStatus(t, r, 404)
	if !problemAt(t, r, "body.user") {
		t.Errorf("dlee in Okta: %s", r.body)
	}
	r = e.run("prisma-get-user-cloud-access", `{"user":"nobody@example.com","idp":"pingone"}`)
	mustStatus(t, r, 404)
	if !problemAt(t, r, "body.user") {
		t.Errorf("unknown PingOne user: %s", r.body)
	}
}

func TestPrismaUserCloudAccessBadInput(t *testing.T) {
	e := newEnv(t, envOptions{prisma: true})
	for _, tc := range []struct {
		body, location string
		status         int
	}{
		{`{"user":"nobody@example.com"}`, "body.user", 404},
		{`{"user":"awong@example.com","cloud":"AWS' OR '1"}`, "body.cloud", 400},
		{`{"user":"awong@example.com","cloud":"digitalocean"}`, "body.cloud", 400},
		{`{"user":"awong@example.com","idp":"azure_ad"}`, "body.idp", 400},
		{`{"user":"awong@example.com","limit":0}`, "", 200},
		{`{"user":"awong@example.com","limit":1001}`, "body.limit", 400},
		{`{"user":"awong@example.com","cursor":"c1.Zmlyc3Q:0.forged"}`, "body.cursor", 400},
		{`{}`, "body.user", 400},
	} {
		r := e.run("prisma-get-user-cloud-access", tc.body)
		mustStatus(t, r, tc.status)
		if tc.location != "" && !problemAt(t, r, tc.location) {
			t.Errorf("%s: %s", tc.body, r.body)
		}
	}
}

func TestPrismaUserCloudAccessNotConfigured(t *testing.T) {
	e := newEnv(t)
	r := e.run("prisma-get-user-cloud-access", `{"user":"awong@example.com"}`)
	mustStatus(t, r, 503)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") || !strings.Contains(string(r.body), "PRISMA_API_URL") {
		t.Errorf("%s %s", ct, r.body)
	}
}

func TestPrismaUserCloudAccessProviderTrouble(t *testing.T) {
	e := newEnv(t, envOptions{prisma: true})
	run := func() cloudAccess {
		out, _ := accessOf(t, e.run("prisma-get-user-cloud-access", `{"user":"awong@example.com"}`))
		return out
	}
	run()
	// A 429 is waited out (X-RateLimit-Replenish-Rate), within the call.
	e.prisma.Inject(1, http.StatusTooManyRequests)
	if out := run(); len(out.Permission) != 14 {
		t.Errorf("after a 429: %d rows", len(out.Permission))
	}
	// Expired tokens are renewed without the caller noticing.
	logins := e.prisma.Logins()
	e.prisma.ExpireTokens()
	if out := run(); len(out.Permission) != 14 {
		t.Errorf("after token expiry: %d rows", len(out.Permission))
	}
	if e.prisma.Logins() != logins+1 {
		t.Errorf("logins %d, want %d", e.prisma.Logins(), logins+1)
	}
}
