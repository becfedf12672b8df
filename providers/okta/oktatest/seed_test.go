package oktatest

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSeedDemoFixtures(t *testing.T) {
	srv, _ := seeded(t)
	o := srv.Org()
	tests := []struct {
		login, status string
	}{
		{DemoActiveUser, StatusActive},
		{DemoAdminUser, StatusActive},
		{DemoSuspendedUser, StatusSuspended},
		{DemoLockedUser, StatusLockedOut},
		{DemoStagedUser, StatusStaged},
		{DemoProvisionedUser, StatusProvisioned},
		{DemoDeprovisionedUser, StatusDeprovisioned},
		{DemoPasswordExpiredUser, StatusPasswordExpired},
		{DemoRecoveryUser, StatusRecovery},
		{ServiceAccountLogin, StatusActive},
	}
	for _, tt := range tests {
		if got, ok := o.UserStatus(tt.login); !ok || got != tt.status {
			t.Errorf("UserStatus(%s) = %q, %v; want %q", tt.login, got, ok, tt.status)
		}
	}

	if n := o.SessionCount(DemoActiveUser); n != 3 {
		t.Errorf("DemoActiveUser sessions = %d, want 3", n)
	}
	if n := o.FactorCount(DemoActiveUser); n != 4 {
		t.Errorf("DemoActiveUser factors = %d, want 4", n)
	}
	if g := o.GroupNames(DemoActiveUser); !slices.Contains(g, "Engineering") || g[0] != "Everyone" {
		t.Errorf("DemoActiveUser groups = %v", g)
	}
	adminGroups := o.GroupNames(DemoAdminUser)
	if !slices.Contains(adminGroups, GroupSuperAdmins) {
		t.Errorf("DemoAdminUser groups = %v, want %s among them", adminGroups, GroupSuperAdmins)
	}
	if n := o.FactorCount(DemoStagedUser); n != 0 {
		t.Errorf("DemoStagedUser factors = %d, want 0", n)
	}
}

func TestSeedDemoShape(t *testing.T) {
	srv, clk := seeded(t)
	o := srv.Org()
	if n := o.UserCount(); n < 60 {
		t.Errorf("UserCount = %d, want at least 60", n)
	}
	statuses := map[string]int{}
	o.mu.RLock()
	for _, u := range o.users {
		statuses[u.status]++
	}
	o.mu.RUnlock()
	for _, s := range validStatuses {
		if statuses[s] == 0 {
			t.Errorf("no user in status %s", s)
		}
	}
	if statuses[StatusActive] < statuses[StatusSuspended]*5 {
		t.Errorf("statuses %v: want mostly ACTIVE", statuses)
	}

	events := o.Events()
	if len(events) < 1200 {
		t.Errorf("seeded %d events, want at least 1200", len(events))
	}
	now := clk.Now()
	types := map[string]int{}
	countries := map[string]bool{}
	for _, e := range events {
		if e.Published.After(now) || e.Published.Before(now.Add(-7*24*time.Hour)) {
			t.Fatalf("event %s published %v outside the 7 days before %v", e.UUID, e.Published, now)
		}
		types[e.EventType]++
		if e.Client != nil && e.Client.GeographicalContext != nil {
			countries[e.Client.GeographicalContext.Country] = true
		}
	}
	for _, et := range []string{
		"user.session.start", "user.authentication.sso", "user.authentication.auth_via_mfa",
		"user.mfa.factor.attempt_fail", "user.account.lock", "user.account.unlock", "user.lifecycle.create",
		"user.lifecycle.suspend", "user.lifecycle.unsuspend", "user.lifecycle.delete",
		"application.user_membership.add", "application.user_membership.remove", "policy.evaluate_sign_on",
		"security.threat.detected", "user.session.end",
	} {
		if types[et] == 0 {
			t.Errorf("no %s event", et)
		}
	}
	for _, c := range []string{"Russia", "North Korea", "Nigeria", "Brazil"} {
		if !countries[c] {
			t.Errorf("no event from %s", c)
		}
	}
}

func TestSeedDemoStories(t *testing.T) {
	srv, _ := seeded(t)
	jdoe := userIDOf(t, srv, DemoActiveUser)
	kpatel := userIDOf(t, srv, DemoLockedUser)
	var mfaFails int
	var lockedAfterSpray, signedInFromRU bool
	for _, e := range srv.Org().Events() {
		country := ""
		if e.Client != nil && e.Client.GeographicalContext != nil {
			country = e.Client.GeographicalContext.Country
		}
		switch {
		case e.EventType == "user.mfa.factor.attempt_fail" && e.Actor.ID == jdoe && country == "Russia":
			mfaFails++
		case e.EventType == "user.session.start" && e.Actor.ID == jdoe && country == "Russia" && e.Outcome.Result == "SUCCESS":
			signedInFromRU = mfaFails > 0
		case e.EventType == "user.account.lock" && e.Actor.ID == kpatel && country == "Nigeria":
			lockedAfterSpray = true
		}
	}
	if mfaFails < 5 || !signedInFromRU {
		t.Errorf("DemoActiveUser story: %d MFA failures from RU, then success = %v", mfaFails, signedInFromRU)
	}
	if !lockedAfterSpray {
		t.Error("DemoLockedUser story: no user.account.lock after the spray from NG")
	}
}

func TestSeedDemoIsDeterministic(t *testing.T) {
	snapshot := func() ([]LogEvent, []string) {
		o := newOrg(func() time.Time { return testNow })
		SeedDemo(o, testNow)
		var users []string
		for _, id := range o.userIDs {
			u := o.users[id]
			users = append(users, u.id+" "+u.login()+" "+u.status)
		}
		return o.Events(), users
	}
	e1, u1 := snapshot()
	e2, u2 := snapshot()
	if diff := cmp.Diff(u1, u2); diff != "" {
		t.Errorf("users differ between runs (-first +second):\n%s", diff)
	}
	if diff := cmp.Diff(e1, e2); diff != "" {
		t.Errorf("events differ between runs (-first +second):\n%s", diff)
	}
}
