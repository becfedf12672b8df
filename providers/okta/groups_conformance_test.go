package okta_test

import (
	"context"
	"testing"

	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/upstream"
)

func TestConformanceGroups(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	org := f.srv.Org()
	jdoe := f.userID(t, oktatest.DemoActiveUser)

	gs, err := f.client.FindGroupsByName(ctx, "super admins")
	if err != nil || len(gs) != 1 || gs[0].Profile.Name != oktatest.GroupSuperAdmins || len(gs[0].Raw) == 0 {
		t.Fatalf("FindGroupsByName = %+v, %v", gs, err)
	}
	if gs, err := f.client.FindGroupsByName(ctx, `No "such" group \ here`); err != nil || len(gs) != 0 {
		t.Fatalf("FindGroupsByName(quotes) = %+v, %v", gs, err)
	}
	g, err := f.client.GetGroup(ctx, gs[0].ID)
	if err != nil || g.ID != gs[0].ID || !g.MembershipManaged() {
		t.Fatalf("GetGroup = %+v, %v", g, err)
	}
	_, err = f.client.GetGroup(ctx, "00gnope")
	wantKind(t, err, upstream.NotFound, "E0000007")
	ad, _ := org.GroupID(oktatest.GroupDomainAdmins)
	if g, _ := f.client.GetGroup(ctx, ad); g.MembershipManaged() {
		t.Fatal("an APP_GROUP's membership is managed by the API")
	}

	q, _ := org.GroupID(oktatest.GroupQuarantine)
	if err := f.client.AddUserToGroup(ctx, q, jdoe); err != nil {
		t.Fatal(err)
	}
	if err := f.client.AddUserToGroup(ctx, q, jdoe); err != nil { // idempotent
		t.Fatal(err)
	}
	if !org.IsMember(jdoe, q) {
		t.Fatal("not added")
	}
	if err := f.client.RemoveUserFromGroup(ctx, q, jdoe); err != nil {
		t.Fatal(err)
	}
	if org.IsMember(jdoe, q) {
		t.Fatal("not removed")
	}
	wantKind(t, f.client.AddUserToGroup(ctx, ad, jdoe), upstream.Unauthorized, "E0000006")
	wantKind(t, f.client.AddUserToGroup(ctx, "00gnope", jdoe), upstream.NotFound, "E0000007")
	wantKind(t, f.client.RemoveUserFromGroup(ctx, q, "00unope"), upstream.NotFound, "E0000007")
	wantKind(t, f.client.AddUserToGroup(ctx, q, "a/b"), upstream.Invalid, "")
}

func TestConformanceGroupMembers(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	eng, _ := f.srv.Org().GroupID("Engineering")
	first, err := f.client.GroupMembersCursor(okta.GroupMembersQuery{GroupID: eng, Limit: 4})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	pages := 0
	for cur := first; cur != ""; pages++ {
		users, next, err := f.client.ListGroupMembers(ctx, okta.GroupMembersQuery{GroupID: eng, Cursor: cur})
		if err != nil {
			t.Fatal(err)
		}
		if len(users) > 4 {
			t.Fatalf("page of %d", len(users))
		}
		for _, u := range users {
			if seen[u.ID] {
				t.Fatalf("%s twice", u.ID)
			}
			seen[u.ID] = true
		}
		cur = next
	}
	if pages < 2 || len(seen) < 5 {
		t.Fatalf("%d members in %d pages", len(seen), pages)
	}
	// A cursor of one group's members is refused for another group.
	sales, _ := f.srv.Org().GroupID("Sales")
	_, _, err = f.client.ListGroupMembers(ctx, okta.GroupMembersQuery{GroupID: sales, Cursor: first})
	wantKind(t, err, upstream.Invalid, "")
	_, _, err = f.client.ListGroupMembers(ctx, okta.GroupMembersQuery{GroupID: "00gnope"})
	wantKind(t, err, upstream.NotFound, "E0000007")
}

func TestConformanceFactorsAndPush(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	org := f.srv.Org()
	id := org.AddUser(oktatest.UserSpec{Login: "push.conf@example.com", Factors: []string{oktatest.FactorPush, oktatest.FactorSMS}})
	fs, err := f.client.ListFactors(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var push, sms string
	for _, fc := range fs {
		switch fc.FactorType {
		case "push":
			push = fc.ID
		case "sms":
			sms = fc.ID
		}
	}
	got, err := f.client.GetFactor(ctx, id, push)
	if err != nil || got.ID != push || got.Status != "ACTIVE" {
		t.Fatalf("GetFactor = %+v, %v", got, err)
	}
	_, err = f.client.GetFactor(ctx, id, "opfnope")
	wantKind(t, err, upstream.NotFound, "E0000007")

	for _, answer := range []string{oktatest.PushApprove, oktatest.PushReject, ""} {
		tx, err := f.client.VerifyPush(ctx, id, push)
		if err != nil || tx.FactorResult != okta.PushWaiting || tx.Links.Poll.Href == "" || tx.ExpiresAt == nil {
			t.Fatalf("VerifyPush = %+v, %v", tx, err)
		}
		p, err := f.client.PollPush(ctx, id, push, tx.Links.Poll.Href)
		if err != nil || p.Done() {
			t.Fatalf("first poll = %+v, %v", p, err)
		}
		want := answer
		if answer == "" {
			f.clock.mu.Lock()
			f.clock.now = f.clock.now.Add(oktatest.DefaultPushExpiry)
			f.clock.mu.Unlock()
			want = okta.PushTimeout
		} else {
			f.srv.AnswerPush(id, answer)
		}
		p, err = f.client.PollPush(ctx, id, push, tx.Links.Poll.Href)
		if err != nil || p.FactorResult != want || !p.Done() {
			t.Fatalf("poll after %q = %+v, %v; want %s", answer, p, err, want)
		}
	}
	// A poll link outside this user's factor is never followed.
	for _, bad := range []string{
		"https://evil.example/api/v1/users/" + id + "/factors/" + sms + "/transactions/x",
		f.srv.URL + "/api/v1/users/" + id + "/factors/" + sms + "/transactions/x",
		f.srv.URL + "/api/v1/users/" + id + "/factors/" + push + "/transactions/",
		f.srv.URL + "/api/v1/users/" + id + "/factors/" + push + "/transactions/a/../../../x",
	} {
		before := f.srv.Requests()
		if _, err := f.client.PollPush(ctx, id, push, bad); err == nil || f.srv.Requests() != before {
			t.Errorf("PollPush(%s) was followed: %v", bad, err)
		}
	}

	if err := f.client.UnenrollFactor(ctx, id, sms); err != nil {
		t.Fatal(err)
	}
	wantKind(t, f.client.UnenrollFactor(ctx, id, sms), upstream.NotFound, "E0000007")
	if n := org.FactorCount(id); n != 1 {
		t.Fatalf("factors = %d", n)
	}
}

func TestConformanceActivation(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	staged := f.userID(t, oktatest.DemoStagedUser)
	tok, err := f.client.ActivateUser(ctx, staged, false)
	if err != nil || tok.ActivationToken == "" || tok.ActivationURL == "" {
		t.Fatalf("ActivateUser = %+v, %v", tok, err)
	}
	if s := f.status(t, staged); s != "PROVISIONED" {
		t.Fatalf("after activate: %s", s)
	}
	tok, err = f.client.ReactivateUser(ctx, staged, true)
	if err != nil || tok.ActivationURL != "" {
		t.Fatalf("ReactivateUser(email) = %+v, %v", tok, err)
	}
	_, err = f.client.ActivateUser(ctx, oktatest.DemoActiveUser, false)
	wantKind(t, err, upstream.Conflict, "E0000016")
	_, err = f.client.ReactivateUser(ctx, oktatest.DemoActiveUser, false)
	wantKind(t, err, upstream.Conflict, "E0000038")

	jdoe := f.userID(t, oktatest.DemoActiveUser)
	tp, err := f.client.ExpirePasswordWithTempPassword(ctx, jdoe, true)
	if err != nil || tp.TempPassword == "" {
		t.Fatalf("ExpirePasswordWithTempPassword = %+v, %v", tp, err)
	}
	if s := f.status(t, jdoe); s != "PASSWORD_EXPIRED" || f.srv.Org().SessionCount(jdoe) != 0 {
		t.Fatalf("after temp password: %s, %d sessions", s, f.srv.Org().SessionCount(jdoe))
	}
	_, err = f.client.ExpirePasswordWithTempPassword(ctx, oktatest.DemoSuspendedUser, false)
	wantKind(t, err, upstream.Conflict, "E0000038")
}
