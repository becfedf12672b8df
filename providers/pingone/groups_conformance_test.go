package pingone_test

import (
	"context"
	"slices"
	"testing"

	"github.com/idcmd/idcmd/providers/pingone"
	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
	"github.com/idcmd/idcmd/providers/upstream"
)

func TestConformanceGetGroup(t *testing.T) {
	f := newFixture(t, nil, nil)
	ctx := context.Background()
	q, ok := f.srv.Env().GroupID(pingonetest.GroupQuarantine)
	if !ok {
		t.Fatal("no quarantine group")
	}
	for _, ref := range []string{q, pingonetest.GroupQuarantine} {
		g, err := f.client.GetGroup(ctx, ref)
		must(t, err)
		if g.ID != q || g.Name != pingonetest.GroupQuarantine || len(g.Raw) == 0 {
			t.Errorf("GetGroup(%q) = %+v", ref, g)
		}
	}
	_, err := f.client.GetGroup(ctx, "No Such Group")
	wantKind(t, "unknown name", err, upstream.NotFound)
	_, err = f.client.GetGroup(ctx, "00000000-0000-4000-8000-000000000000")
	wantKind(t, "unknown ID", err, upstream.NotFound)
	_, err = f.client.GetGroup(ctx, "")
	wantKind(t, "empty", err, upstream.Invalid)
	// A name with a quote cannot escape the filter.
	_, err = f.client.GetGroup(ctx, `x" or name sw "`)
	wantKind(t, "quoted", err, upstream.NotFound)
}

func TestConformanceGroupMembership(t *testing.T) {
	f := newFixture(t, nil, nil)
	ctx := context.Background()
	jdoe := f.id(t, pingonetest.DemoActiveUser)
	q, _ := f.srv.Env().GroupID(pingonetest.GroupQuarantine)

	m, err := f.client.AddUserToGroup(ctx, jdoe, q)
	must(t, err)
	if m.ID != q || m.Type != "DIRECT" || m.Name != pingonetest.GroupQuarantine {
		t.Errorf("membership = %+v", m)
	}
	if !slices.Contains(f.srv.Env().GroupNames(jdoe), pingonetest.GroupQuarantine) {
		t.Error("the fake did not record the membership")
	}
	_, err = f.client.AddUserToGroup(ctx, jdoe, q)
	wantKind(t, "already a member", err, upstream.Conflict)
	if ue := upstream.As(err); ue == nil || ue.Status != 400 || ue.Code != "INVALID_DATA" || len(ue.Causes) == 0 {
		t.Errorf("already a member: %+v", ue)
	}

	// A population group takes only its own population's users.
	off, _ := f.srv.Env().GroupID(pingonetest.GroupContractorOffboarding)
	_, err = f.client.AddUserToGroup(ctx, jdoe, off)
	wantKind(t, "other population", err, upstream.Conflict)
	_, err = f.client.AddUserToGroup(ctx, f.id(t, pingonetest.DemoDisabledUser), off)
	must(t, err)

	must(t, f.client.RemoveUserFromGroup(ctx, jdoe, q))
	if slices.Contains(f.srv.Env().GroupNames(jdoe), pingonetest.GroupQuarantine) {
		t.Error("still a member")
	}
	err = f.client.RemoveUserFromGroup(ctx, jdoe, q)
	wantKind(t, "not a member", err, upstream.NotFound)
	// An INDIRECT membership (All Staff, through Engineering) cannot be
	// removed on its own.
	all, _ := f.srv.Env().GroupID("All Staff")
	err = f.client.RemoveUserFromGroup(ctx, jdoe, all)
	wantKind(t, "indirect", err, upstream.NotFound)

	_, err = f.client.AddUserToGroup(ctx, "jdoe", q)
	wantKind(t, "username as ID", err, upstream.Invalid)
	err = f.client.RemoveUserFromGroup(ctx, jdoe, "../users")
	wantKind(t, "path", err, upstream.Invalid)
}

func TestConformanceGroupMembers(t *testing.T) {
	f := newFixture(t, nil, nil)
	ctx := context.Background()
	prod, _ := f.srv.Env().GroupID(pingonetest.GroupProdAccess)
	q := pingone.UserQuery{Filter: pingone.GroupMembersFilter(prod), Limit: 2}
	var names []string
	users, next, err := f.client.ListUsers(ctx, q)
	for {
		must(t, err)
		for _, u := range users {
			names = append(names, u.Username)
		}
		if next == "" {
			break
		}
		users, next, err = f.client.ListUsers(ctx, pingone.UserQuery{Cursor: next})
	}
	// jdoe is in Prod Access through SRE On-Call: members include INDIRECT ones.
	if !slices.Contains(names, pingonetest.DemoActiveUser) || len(names) < 3 {
		t.Errorf("members of Prod Access: %v", names)
	}
	users, _, err = f.client.ListUsers(ctx, pingone.UserQuery{Filter: pingone.GroupMembersFilter(mustGroup(t, f, pingonetest.GroupQuarantine))})
	must(t, err)
	if len(users) != 0 {
		t.Errorf("quarantine has members: %d", len(users))
	}
}

func mustGroup(t *testing.T, f *fixture, name string) string {
	t.Helper()
	id, ok := f.srv.Env().GroupID(name)
	if !ok {
		t.Fatalf("no group %s", name)
	}
	return id
}
