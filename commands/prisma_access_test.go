package commands

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/prisma"
	"github.com/idcmd/idcmd/providers/prisma/prismatest"
)

// TestCloudAccessExpiredPageToken: Prisma's page tokens expire; a cursor
// holding one is then the caller's to drop (400 body.cursor), not a
// provider failure.
func TestCloudAccessExpiredPageToken(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	pf := prismatest.NewServer(prismatest.Options{Seed: true, Now: clock})
	t.Cleanup(pf.Close)
	of := oktatest.NewServer(oktatest.Options{Seed: true})
	t.Cleanup(of.Close)
	oc, err := okta.New(okta.Config{BaseURL: of.URL, APIToken: of.Token})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := prisma.New(prisma.Config{APIURL: pf.URL, AccessKey: pf.AccessKey, SecretKey: pf.SecretKey, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	p := Providers{Okta: oc, Prisma: pc}
	ctx := context.Background()
	first, err := runPrismaUserCloudAccess(ctx, p, PrismaUserCloudAccessArgs{User: "awong@example.com", Limit: 10})
	if err != nil || first.NextCursor == "" {
		t.Fatalf("%v %q", err, first.NextCursor)
	}
	mu.Lock()
	now = now.Add(prismatest.PageTokenTTL + time.Minute)
	mu.Unlock()
	_, err = runPrismaUserCloudAccess(ctx, p, PrismaUserCloudAccessArgs{User: "awong@example.com", Limit: 10, Cursor: first.NextCursor})
	var ae *ArgumentError
	if !errors.As(err, &ae) || ae.Location != "body.cursor" {
		t.Fatalf("expired token: %v", err)
	}
}

func TestSummarizeCloudAccess(t *testing.T) {
	t1, t2 := time.Unix(1_700_000_000, 0).UTC(), time.Unix(1_700_100_000, 0).UTC()
	rows := CloudPermissions([]prisma.Permission{
		{ID: "1", DestCloudType: "AWS", DestCloudAccount: "111", DestCloudServiceName: "iam", DestResourceName: "*", EffectiveActionName: "iam:CreateUser",
			SourceIdPEmail: "a@example.com", SourceIdPGroup: "G", GrantedByCloudEntityName: "R", GrantedByCloudPolicyName: "AdministratorAccess", LastAccessDate: "1700000000"},
		{ID: "2", DestCloudType: "AWS", DestCloudAccount: "111", DestCloudServiceName: "iam", DestResourceName: "*", EffectiveActionName: "iam:DeleteUser",
			SourceIdPEmail: "a@example.com", SourceIdPGroup: "G", GrantedByCloudEntityName: "R", GrantedByCloudPolicyName: "AdministratorAccess"},
		{ID: "3", DestCloudType: "AZURE", DestCloudAccount: "sub", DestCloudServiceName: "Microsoft.Compute", DestResourceName: "vm1", EffectiveActionName: "Microsoft.Compute/virtualMachines/read",
			SourceResourceName: "a@example.com", GrantedByCloudEntityName: "Readers", GrantedByCloudPolicyName: "Reader", LastAccessDate: "1700100000"},
		{ID: "4", DestCloudType: "GCP", DestCloudAccount: "proj", DestCloudServiceName: "storage", DestResourceName: "b", EffectiveActionName: "*",
			SourceIdPEmail: "a@example.com", GrantedByCloudPolicyName: "custom"},
	})
	s := SummarizeCloudAccess(rows, true)
	if s.AccountCount != 3 || !s.AdminLevel || len(s.AdminAccounts) != 2 || s.AdminAccounts[0] != "AWS 111" || s.AdminAccounts[1] != "GCP proj" ||
		s.Resources != 3 || s.Permissions != 4 || s.LastUsed == nil || !s.LastUsed.Equal(t2) || len(s.GrantedThrough) != 3 || !s.Complete {
		t.Fatalf("%+v", s)
	}
	if rows[2].Identity != "a@example.com" || rows[0].Identity != "" || rows[2].AdminLevel || !rows[0].LastAccess.Equal(t1) {
		t.Errorf("rows %+v", rows)
	}
	for _, admin := range []string{"Owner", "User Access Administrator", "roles/owner", "administratoraccess"} {
		if !IsAdminLevel(prisma.Permission{GrantedByCloudPolicyName: admin}) {
			t.Errorf("%s is admin-level", admin)
		}
	}
	for _, not := range []string{"Contributor", "roles/editor", "ReadOnlyAccess", "PowerUserAccess"} {
		if IsAdminLevel(prisma.Permission{GrantedByCloudPolicyName: not, EffectiveActionName: "s3:GetObject"}) {
			t.Errorf("%s is not admin-level", not)
		}
	}
	if e := SummarizeCloudAccess(nil, false); e.AdminLevel || e.AccountCount != 0 || e.Accounts == nil || e.Complete {
		t.Errorf("empty %+v", e)
	}
}
