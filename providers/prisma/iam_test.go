package prisma_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/prisma"
	"github.com/idcmd/idcmd/providers/prisma/prismatest"
	"github.com/idcmd/idcmd/providers/upstream"
)

// readAll follows nextPageToken to the end and returns every row.
func readAll(t *testing.T, c *prisma.Client, query string, limit int) ([]prisma.Permission, int) {
	t.Helper()
	ctx := context.Background()
	page, err := c.SearchPermissions(ctx, query, limit)
	if err != nil {
		t.Fatal(err)
	}
	rows, pages := page.Items, 1
	for page.NextPageToken != "" {
		if len(page.Items) != limit {
			t.Fatalf("page %d: %d rows of %d and a next page", pages, len(page.Items), limit)
		}
		if page, err = c.NextPermissions(ctx, page.NextPageToken, limit); err != nil {
			t.Fatal(err)
		}
		rows, pages = append(rows, page.Items...), pages+1
	}
	return rows, pages
}

func query(t *testing.T, q prisma.AccessQuery) string {
	t.Helper()
	s, err := q.RQL()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAccessQueryRQL(t *testing.T) {
	for _, tc := range []struct {
		q    prisma.AccessQuery
		want string
	}{
		{prisma.AccessQuery{Email: "awong@example.com"}, awongQuery},
		{prisma.AccessQuery{Email: "awong@example.com", Cloud: "aws"}, awongQuery + " AND dest.cloud.type = 'AWS'"},
		{prisma.AccessQuery{Source: prisma.SourceCloudEmail, Email: "dlee@example.com", Cloud: "alibaba_cloud"},
			"config from iam where source.email = 'dlee@example.com' AND dest.cloud.type = 'ALIBABA_CLOUD'"},
		{prisma.AccessQuery{Email: "first.last+tag@sub.example.co.uk"},
			"config from iam where source.idp.service = 'Okta' AND source.idp.email = 'first.last+tag@sub.example.co.uk'"},
	} {
		if got := query(t, tc.q); got != tc.want {
			t.Errorf("%+v:\n got %s\nwant %s", tc.q, got, tc.want)
		}
	}
}

func TestSearchPermissionsPages(t *testing.T) {
	f := newFixture(t)
	rows, pages := readAll(t, f.client, awongQuery, 5)
	if len(rows) != 14 || pages != 3 {
		t.Fatalf("%d rows in %d pages, want 14 in 3", len(rows), pages)
	}
	seen := map[string]bool{}
	accounts := map[string]bool{}
	for _, p := range rows {
		if seen[p.ID] {
			t.Errorf("row %s twice", p.ID)
		}
		seen[p.ID] = true
		accounts[p.DestCloudAccount] = true
		if p.SourceIdPEmail != "awong@example.com" || p.SourceIdPService != "OKTA" || p.GrantedByCloudPolicyName != "AdministratorAccess" || len(p.Raw) == 0 {
			t.Errorf("row %+v", p)
		}
	}
	if !accounts[prismatest.AWSProdAccount] || !accounts[prismatest.AWSSecurityAccount] || len(accounts) != 2 {
		t.Errorf("accounts %v", accounts)
	}
	// One page of everything gives the same rows in the same order.
	all, pages := readAll(t, f.client, awongQuery, 100)
	if pages != 1 || !slices.EqualFunc(all, rows, func(a, b prisma.Permission) bool { return a.ID == b.ID }) {
		t.Fatalf("one page: %d rows in %d pages", len(all), pages)
	}
}

func TestSearchPermissionsCloudFilter(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		q    prisma.AccessQuery
		rows int
	}{
		{prisma.AccessQuery{Email: "awong@example.com", Cloud: "aws"}, 14},
		{prisma.AccessQuery{Email: "awong@example.com", Cloud: "azure"}, 0},
		{prisma.AccessQuery{Email: "ejohnson@example.com", Cloud: "azure"}, 2},
		{prisma.AccessQuery{Email: "jdoe@example.com"}, 3},
		{prisma.AccessQuery{Email: "JDOE@example.com"}, 3}, // Prisma compares without case
		{prisma.AccessQuery{Email: "dlee@example.com"}, 0}, // no Okta user
		{prisma.AccessQuery{Source: prisma.SourceCloudEmail, Email: "dlee@example.com"}, 3},
		{prisma.AccessQuery{Source: prisma.SourceCloudEmail, Email: "awong@example.com"}, 0},
	} {
		rows, _ := readAll(t, f.client, query(t, tc.q), 10)
		if len(rows) != tc.rows {
			t.Errorf("%+v: %d rows, want %d", tc.q, len(rows), tc.rows)
		}
		if tc.q.Cloud != "" {
			for _, r := range rows {
				if !strings.EqualFold(r.DestCloudType, tc.q.Cloud) {
					t.Errorf("%+v: row in %s", tc.q, r.DestCloudType)
				}
			}
		}
	}
	if _, err := (prisma.AccessQuery{Email: "awong@example.com", Cloud: "AWS; DROP"}).RQL(); !upstream.IsKind(err, upstream.Invalid) {
		t.Errorf("unknown cloud: %v", err)
	}
}

// TestAccessQueryInjection: an e-mail can never change the query's
// structure. Every attempt is refused before anything is sent; and the
// fake shows what sending it naively would have done.
func TestAccessQueryInjection(t *testing.T) {
	f := newFixture(t)
	for _, email := range []string{
		"o'brien@example.com",
		"x' OR source.idp.email != '",
		"a@b.com' AND dest.cloud.type = 'AWS",
		`awong\@example.com`,
		`awong@example.com\`,
		`\' OR 1=1`,
		"awong@example.com\n",
		"awong@example.com\nAND dest.cloud.type = 'AWS'",
		"awong@example.com\x00",
		"awong@example.com ",
		`"awong"@example.com`,
		"awong@example.com) OR (source.idp.email != ''",
		"Alice Wong <awong@example.com>",
		"awong(comment)@example.com",
		"",
		"not-an-address",
		strings.Repeat("a", 250) + "@example.com",
	} {
		for _, src := range []prisma.Source{prisma.SourceOkta, prisma.SourceCloudEmail} {
			before := f.srv.Requests()
			q, err := prisma.AccessQuery{Source: src, Email: email}.RQL()
			var ue *upstream.Error
			if !errors.As(err, &ue) || ue.Kind != upstream.Invalid {
				t.Errorf("%q: built %q, err %v", email, q, err)
				continue
			}
			if f.srv.Requests() != before {
				t.Errorf("%q: the fake was called", email)
			}
		}
	}
	// Pasted in by hand, the widening attempts are parse errors at the
	// fake (its literals end at the next quote, as the client assumes)…
	for _, naive := range []string{
		"config from iam where source.idp.service = 'Okta' AND source.idp.email = 'x' OR source.idp.email != ''",
		"config from iam where source.idp.service = 'Okta' AND source.idp.email = 'o'brien@example.com'",
		`config from iam where source.idp.service = 'Okta' AND source.idp.email = '\' OR 1=1'`,
	} {
		if _, err := f.client.SearchPermissions(context.Background(), naive, 10); !upstream.IsKind(err, upstream.Invalid) {
			t.Errorf("%s: %v", naive, err)
		}
	}
	// …and what parses only narrows: a@b.com has no rows, in AWS or not.
	rows, _ := readAll(t, f.client, "config from iam where source.idp.service = 'Okta' AND source.idp.email = 'a@b.com' AND dest.cloud.type = 'AWS'", 10)
	if len(rows) != 0 {
		t.Errorf("%d rows", len(rows))
	}
	// Characters that are harmless inside a closed literal are accepted
	// and stay in the value: the address exactly, no more rows.
	rows, _ = readAll(t, f.client, query(t, prisma.AccessQuery{Email: "and.or@example.com"}), 10)
	if len(rows) != 0 {
		t.Errorf("and.or: %d rows", len(rows))
	}
}

func TestNextPermissionsBadToken(t *testing.T) {
	f := newFixture(t)
	page, err := f.client.SearchPermissions(context.Background(), awongQuery, 5)
	if err != nil || page.NextPageToken == "" {
		t.Fatalf("%v %+v", err, page)
	}
	ctx := context.Background()
	for _, tok := range []string{"bm90IGEgdG9rZW4=", page.NextPageToken[:len(page.NextPageToken)-4] + "AAA=", "%%%"} {
		_, err := f.client.NextPermissions(ctx, tok, 5)
		var ue *upstream.Error
		if !errors.As(err, &ue) || ue.Kind != upstream.Invalid || ue.Code != "BadArgument" {
			t.Errorf("%q: %v", tok, err)
		}
	}
	if _, err := f.client.NextPermissions(ctx, "", 5); !upstream.IsKind(err, upstream.Invalid) {
		t.Errorf("empty token: %v", err)
	}
	// A token is good for PageTokenTTL, then refused.
	if _, err := f.client.NextPermissions(ctx, page.NextPageToken, 5); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(prismatest.PageTokenTTL + time.Second)
	if _, err := f.client.NextPermissions(ctx, page.NextPageToken, 5); !upstream.IsKind(err, upstream.Invalid) {
		t.Errorf("expired token: %v", err)
	}
}

func TestSearchPermissionsRefusesBadArguments(t *testing.T) {
	f := newFixture(t)
	before := f.srv.Requests()
	for _, tc := range []struct {
		q     string
		limit int
	}{
		{"select * from users", 10},
		{awongQuery, 0},
		{awongQuery, prisma.MaxPermissionLimit + 1},
	} {
		if _, err := f.client.SearchPermissions(context.Background(), tc.q, tc.limit); !upstream.IsKind(err, upstream.Invalid) {
			t.Errorf("%q %d: %v", tc.q, tc.limit, err)
		}
	}
	if f.srv.Requests() != before {
		t.Error("refused arguments reached the fake")
	}
}

func TestPermissionLastAccess(t *testing.T) {
	want := time.Date(2020, 7, 2, 12, 9, 45, 0, time.UTC)
	for _, tc := range []struct {
		s  string
		ok bool
	}{
		{"1593691785", true},
		{"1593691785000", true},
		{"2020-07-02T12:09:45Z", true},
		{"", false},
		{"0", false},
		{"yesterday", false},
	} {
		got, ok := prisma.Permission{LastAccessDate: tc.s}.LastAccess()
		if ok != tc.ok || ok && !got.Equal(want) {
			t.Errorf("%q: %v %v", tc.s, got, ok)
		}
	}
}
