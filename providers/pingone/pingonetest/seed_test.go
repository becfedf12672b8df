package pingonetest

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSeedDemoFixtures(t *testing.T) {
	srv, _ := seeded(t)
	tests := []struct {
		user     string
		enabled  bool
		account  string
		password string
		explicit bool // lockedAt set
	}{
		{DemoActiveUser, true, AccountOK, PasswordOK, false},
		{DemoAdminUser, true, AccountOK, PasswordOK, false},
		{DemoLockedUser, true, AccountLocked, PasswordOK, true},
		{DemoPasswordLockedUser, true, AccountLocked, PasswordLockedOut, false},
		{DemoDisabledUser, false, AccountOK, PasswordOK, false},
		{DemoMustChangePasswordUser, true, AccountOK, PasswordMustChange, false},
		{DemoRiskyUser, true, AccountOK, PasswordOK, false},
		{DemoNoPasswordUser, true, AccountOK, PasswordNone, false},
		{DemoHelpDeskUser, true, AccountOK, PasswordOK, false},
		{DemoEscalatedUser, true, AccountOK, PasswordOK, false},
	}
	for _, tt := range tests {
		st := userState(t, srv, tt.user)
		if st.Enabled != tt.enabled || st.AccountStatus != tt.account || st.PasswordStatus != tt.password ||
			st.LockedAt.IsZero() == tt.explicit || st.CanAuthenticate != (tt.enabled && tt.account == AccountOK) {
			t.Errorf("%s: %+v", tt.user, st)
		}
	}
	if n := srv.Env().SessionCount(DemoActiveUser); n < 3 {
		t.Errorf("DemoActiveUser has %d sessions, want several", n)
	}
	if n := srv.Env().SessionCount(DemoNoPasswordUser); n != 0 {
		t.Errorf("DemoNoPasswordUser has %d sessions", n)
	}
	if n := srv.Env().SessionCount(DemoDisabledUser); n == 0 {
		t.Error("DemoDisabledUser's sessions from before the offboarding are gone")
	}
}

func TestSeedDemoShape(t *testing.T) {
	srv, clk := seeded(t)
	env := srv.Env()
	now := clk.Now()
	if n := env.UserCount(); n < 55 {
		t.Errorf("%d users, want at least 55", n)
	}
	acts := env.Activities()
	if len(acts) < 1000 {
		t.Errorf("%d activities, want at least 1,000", len(acts))
	}
	types := map[string]int{}
	for _, a := range acts {
		if a.RecordedAt.Before(now.Add(-7*24*time.Hour)) || a.RecordedAt.After(now) {
			t.Fatalf("activity %s at %s, outside the week before %s", a.Type, a.RecordedAt, now)
		}
		types[a.Type]++
	}
	for _, want := range []string{
		"AUTHENTICATION.CREATED", "AUTHENTICATION.UPDATED", "PASSWORD.CHECK_SUCCEEDED", "PASSWORD.CHECK_FAILED",
		"OTP.CHECK_FAILED", "OTP.CHECK_INVALID", "ASSERTION.CHECK_FAILED", "USER.LOCKED", "USER.UNLOCKED",
		"SESSION.CREATED", "SESSION.DELETED", "USER.UPDATED", "PASSWORD.RESET", "RISK_EVALUATION.CREATED",
		"RISK_EVALUATION.UPDATED", "USER.CREATED", "MEMBER_OF_GROUP.CREATED", "ROLE_ASSIGNMENT.CREATED",
	} {
		if types[want] == 0 {
			t.Errorf("no %s activity", want)
		}
	}

	levels := map[string]int{}
	for _, re := range env.RiskEvaluations("") {
		levels[re.Level]++
	}
	for _, l := range []string{RiskLow, RiskMedium, RiskHigh} {
		if levels[l] == 0 {
			t.Errorf("no %s risk evaluation: %v", l, levels)
		}
	}
	risky := env.RiskEvaluations(DemoRiskyUser)
	if !slices.ContainsFunc(risky, func(r RiskSummary) bool { return r.Level == RiskHigh && r.IP == DemoTorExitIP }) {
		t.Errorf("DemoRiskyUser evaluations %+v: want a HIGH one from the Tor exit", risky)
	}

	sessions := map[int]int{}
	env.mu.RLock()
	for _, u := range env.users {
		if len(u.sessions) > maxSessions {
			t.Errorf("%s has %d sessions", u.username, len(u.sessions))
		}
		sessions[len(u.sessions)]++
	}
	env.mu.RUnlock()
	if sessions[0] == 0 || sessions[maxSessions] == 0 {
		t.Errorf("session counts %v: want users with none and users at the cap", sessions)
	}
}

// TestSeedDemoActivitiesReferenceEvaluations: every risk activity names an
// evaluation that can be read back.
func TestSeedDemoActivitiesReferenceEvaluations(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	checked := 0
	for _, a := range srv.Env().Activities() {
		if a.Type != "RISK_EVALUATION.CREATED" {
			continue
		}
		i := slices.IndexFunc(a.Resources, func(r ActivityResource) bool { return r.Type == "RISK_EVALUATION" })
		if i < 0 {
			t.Fatalf("activity %s names no evaluation", a.ID)
		}
		if checked < 20 || a.UserID == userID(t, srv, DemoRiskyUser) {
			must(t, c.get("/riskEvaluations/"+a.Resources[i].ID), 200)
			checked++
		}
	}
	if checked == 0 {
		t.Error("no RISK_EVALUATION.CREATED activities")
	}
}

func TestSeedDemoStories(t *testing.T) {
	srv, clk := seeded(t)
	c := newClient(t, srv)
	now := clk.Now()
	count := func(extra string) int {
		t.Helper()
		r, p := c.activities(activityFilterFor(now, extra), "&limit=1")
		must(t, r, 200)
		return p.page.Count
	}
	kpatel, jdoe, rbrown := userID(t, srv, DemoLockedUser), userID(t, srv, DemoActiveUser), userID(t, srv, DemoRiskyUser)
	awong, dlee := userID(t, srv, DemoAdminUser), userID(t, srv, DemoEscalatedUser)
	tests := []struct {
		story   string
		filter  string
		atLeast int
	}{
		{"spraying from the botnet address hits many users", `action.type eq "PASSWORD.CHECK_FAILED" and resources.type eq "USER"`, 15},
		{"the SOC locked DemoLockedUser through the worker", `action.type eq "USER.LOCKED" and resources.id eq "` + kpatel + `" and actors.client.id eq "` + srv.ClientID + `"`, 1},
		{"MFA fatigue against DemoActiveUser", `action.type eq "OTP.CHECK_FAILED" and actors.user.id eq "` + jdoe + `"`, 4},
		{"FIDO failures of DemoRiskyUser", `action.type eq "ASSERTION.CHECK_FAILED" and actors.user.id eq "` + rbrown + `"`, 3},
		{"Environment Admin granted to DemoEscalatedUser", `action.type eq "ROLE_ASSIGNMENT.CREATED" and resources.id eq "` + dlee + `" and actors.user.id eq "` + awong + `"`, 1},
		{"Finance Approvers membership added", `action.type eq "MEMBER_OF_GROUP.CREATED" and resources.id eq "` + groupIDOf(t, srv.Env(), GroupFinanceApprovers) + `"`, 1},
		{"help desk reset DemoMustChangePasswordUser", `action.type eq "PASSWORD.RESET" and resources.id eq "` + userID(t, srv, DemoMustChangePasswordUser) + `"`, 1},
		{"DemoDisabledUser disabled", `action.type eq "USER.UPDATED" and resources.id eq "` + userID(t, srv, DemoDisabledUser) + `"`, 1},
	}
	for _, tt := range tests {
		if n := count(tt.filter); n < tt.atLeast {
			t.Errorf("%s: %d activities, want at least %d", tt.story, n, tt.atLeast)
		}
	}
	// Odd hours: DemoAdminUser's session from the VPS started at 02:40
	// US Eastern.
	var vps []sessionView
	for _, s := range listSessionsOf(t, c, awong) {
		if s.LastSignOn.RemoteIP == DemoVPSIP {
			vps = append(vps, s)
		}
	}
	if len(vps) == 1 {
		at, _ := time.Parse(time.RFC3339, vps[0].CreatedAt)
		if h := at.In(demoZone).Hour(); h != 2 {
			t.Errorf("VPS session at %s (hour %d in US Eastern)", vps[0].CreatedAt, h)
		}
	}
}

func TestSeedDemoDeterministic(t *testing.T) {
	snapshot := func() ([]Activity, []RiskSummary, []string) {
		env := NewHandlerServer(Options{Seed: true, Now: func() time.Time { return testNow }}).Env()
		var ids []string
		for _, u := range []string{DemoActiveUser, DemoLockedUser, "sjones@example.com"} {
			id, _ := env.UserID(u)
			ids = append(ids, id)
		}
		return env.Activities(), env.RiskEvaluations(""), ids
	}
	a1, r1, u1 := snapshot()
	a2, r2, u2 := snapshot()
	if diff := cmp.Diff(u1, u2); diff != "" {
		t.Errorf("user IDs differ between seeds:\n%s", diff)
	}
	if diff := cmp.Diff(r1, r2); diff != "" {
		t.Errorf("risk evaluations differ between seeds:\n%s", diff)
	}
	if diff := cmp.Diff(a1, a2); diff != "" {
		t.Errorf("activities differ between seeds:\n%s", diff)
	}
}

// TestSeedDemoAnyTime seeds at awkward moments (just after midnight, on
// weekends, ...) since the sandbox seeds at whatever time it starts.
func TestSeedDemoAnyTime(t *testing.T) {
	for _, at := range []time.Time{
		time.Date(2026, 6, 8, 5, 30, 0, 0, time.UTC),    // Monday 00:30 US Eastern
		time.Date(2026, 6, 13, 4, 59, 59, 0, time.UTC),  // Friday 23:59
		time.Date(2026, 6, 14, 17, 0, 0, 0, time.UTC),   // Sunday noon
		time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC), // New Year's Eve
		time.Date(2027, 3, 1, 9, 17, 0, 123e6, time.UTC),
	} {
		t.Run(at.Format(time.RFC3339), func(t *testing.T) {
			env := NewHandlerServer(Options{Seed: true, Now: func() time.Time { return at }}).Env()
			if n := env.ActivityCount(); n < 1000 {
				t.Errorf("%d activities", n)
			}
			for _, a := range env.Activities() {
				if a.RecordedAt.After(at) || a.RecordedAt.Before(at.Add(-7*24*time.Hour)) {
					t.Fatalf("%s at %s", a.Type, a.RecordedAt)
				}
			}
			levels := map[string]bool{}
			for _, re := range env.RiskEvaluations("") {
				levels[re.Level] = true
			}
			if len(levels) != 3 {
				t.Errorf("risk levels %v", levels)
			}
			for user, want := range map[string]string{DemoLockedUser: AccountLocked, DemoPasswordLockedUser: AccountLocked, DemoActiveUser: AccountOK} {
				if st, _ := env.User(user); st.AccountStatus != want {
					t.Errorf("%s: %+v", user, st)
				}
			}
			if n := env.SessionCount(DemoActiveUser); n < 1 {
				t.Errorf("DemoActiveUser has no session")
			}
		})
	}
}

// TestSeedDemoNothingAfterNow: the seed is relative to the time of day (a
// persona signs in during business hours), so a sign-in planned just
// before the seed time must not record activities after it, whenever the
// seed runs. A poller reading up to now would miss those (it did, in CI).
func TestSeedDemoNothingAfterNow(t *testing.T) {
	day := time.Date(2026, 12, 3, 0, 0, 0, 0, demoZone)
	for m := 0; m < 24*60; m += 30 {
		now := day.Add(time.Duration(m) * time.Minute).UTC().Truncate(time.Millisecond)
		env := newEnv(DefaultEnvironmentID, DefaultClientID, func() time.Time { return now })
		SeedDemo(env, now)
		for _, a := range env.Activities() {
			if a.RecordedAt.After(now) {
				t.Errorf("seeded at %s: %s at %s, after the seed time", now.In(demoZone).Format("15:04"), a.Type, a.RecordedAt)
			}
		}
	}
}
