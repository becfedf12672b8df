package pingone_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/pingone"
	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
	"github.com/idcmd/idcmd/providers/upstream"
)

// These tests run every client method against pingonetest, the stateful
// fake environment, over real HTTP: the conformance suite the client and
// its fake must both pass.

// clock is shared by the fake and the client, so rate-limit waits, token
// expiry, automatic unlocks and activity windows move together without
// anyone sleeping. It starts at the real time because the oauth2 package
// judges token expiry by the real clock.
type clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sleeps)
}

type fixture struct {
	srv    *pingonetest.Server
	client *pingone.Client
	clock  *clock
}

// newFixture starts a seeded fake environment and a client for it.
func newFixture(t *testing.T, opts func(*pingonetest.Options), mod func(*pingone.Config)) *fixture {
	t.Helper()
	clk := &clock{now: time.Now().Truncate(time.Second)}
	o := pingonetest.Options{Seed: true, Now: clk.Now}
	if opts != nil {
		opts(&o)
	}
	srv := pingonetest.NewServer(o)
	t.Cleanup(srv.Close)
	cfg := pingone.Config{
		EnvironmentID: srv.EnvironmentID,
		ClientID:      srv.ClientID,
		ClientSecret:  srv.ClientSecret,
		APIURL:        srv.URL,
		AuthURL:       srv.AuthURL,
		Version:       "conformance",
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := pingone.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pingone.SetTestClock(c, clk.Now, clk.Sleep)
	return &fixture{srv: srv, client: c, clock: clk}
}

// id is the ID of a seeded user.
func (f *fixture) id(t *testing.T, username string) string {
	t.Helper()
	id, ok := f.srv.Env().UserID(username)
	if !ok {
		t.Fatalf("no seeded user %s", username)
	}
	return id
}

// state is what the fake knows about a user.
func (f *fixture) state(t *testing.T, user string) pingonetest.UserState {
	t.Helper()
	st, ok := f.srv.Env().User(user)
	if !ok {
		t.Fatalf("no user %s", user)
	}
	return st
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantKind(t *testing.T, what string, err error, k upstream.Kind) {
	t.Helper()
	if !upstream.IsKind(err, k) {
		t.Errorf("%s: err = %v, want %v", what, err, k)
	}
}

func TestConformancePing(t *testing.T) {
	f := newFixture(t, nil, nil)
	must(t, f.client.Ping(context.Background()))

	for _, style := range []string{"basic", "post"} {
		g := newFixture(t, nil, func(c *pingone.Config) { c.AuthStyle = style })
		if err := g.client.Ping(context.Background()); err != nil {
			t.Errorf("AuthStyle %s: %v", style, err)
		}
	}

	bad := newFixture(t, nil, func(c *pingone.Config) { c.ClientSecret = "not-the-secret" })
	err := bad.client.Ping(context.Background())
	wantKind(t, "wrong secret", err, upstream.Unauthorized)
	if err != nil && (!strings.Contains(err.Error(), bad.srv.ClientID) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), "not-the-secret")) {
		t.Errorf("wrong secret: %v should name the client and never the secret", err)
	}
}

func TestConformanceGetUser(t *testing.T) {
	f := newFixture(t, nil, nil)
	ctx := context.Background()
	jdoe := f.id(t, pingonetest.DemoActiveUser)

	byName, err := f.client.GetUser(ctx, pingonetest.DemoActiveUser)
	must(t, err)
	byID, err := f.client.GetUser(ctx, jdoe)
	must(t, err)
	for _, u := range []*pingone.User{byName, byID} {
		if u.ID != jdoe || u.Username != pingonetest.DemoActiveUser || !u.Enabled || u.Account.Status != "OK" ||
			!u.Account.CanAuthenticate || !u.MFAEnabled || u.Population.ID == "" || u.CreatedAt == nil || len(u.Raw) == 0 {
			t.Errorf("user = %+v", u)
		}
	}
	// Usernames are matched by PingOne's eq, which ignores case.
	if u, err := f.client.GetUser(ctx, strings.ToUpper(pingonetest.DemoActiveUser)); err != nil || u.ID != jdoe {
		t.Errorf("upper-case username: %+v, %v", u, err)
	}

	locked, err := f.client.GetUser(ctx, pingonetest.DemoLockedUser)
	must(t, err)
	if locked.Account.Status != "LOCKED" || locked.Account.CanAuthenticate || locked.Account.LockedAt == nil {
		t.Errorf("locked user account = %+v", locked.Account)
	}
	disabled, err := f.client.GetUser(ctx, pingonetest.DemoDisabledUser)
	must(t, err)
	if disabled.Enabled || disabled.Account.CanAuthenticate {
		t.Errorf("disabled user = enabled %v, canAuthenticate %v", disabled.Enabled, disabled.Account.CanAuthenticate)
	}

	_, err = f.client.GetUser(ctx, "nobody@example.com")
	wantKind(t, "unknown username", err, upstream.NotFound)
	_, err = f.client.GetUser(ctx, "00000000-0000-4000-8000-000000000000")
	wantKind(t, "unknown ID", err, upstream.NotFound)
	_, err = f.client.GetUser(ctx, `x" or username sw "`)
	wantKind(t, "filter injection", err, upstream.NotFound)

	// A username that looks like a UUID is found by the fallback.
	odd := "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
	oddID := f.srv.Env().AddUser(pingonetest.UserSpec{Username: odd})
	if u, err := f.client.GetUser(ctx, odd); err != nil || u.ID != oddID {
		t.Errorf("UUID-shaped username: %+v, %v", u, err)
	}
}

func TestConformanceListUsersPages(t *testing.T) {
	f := newFixture(t, nil, nil)
	ctx := context.Background()
	want := f.srv.Env().UserCount()
	seen := map[string]bool{}
	pages := 0
	q := pingone.UserQuery{Limit: 7}
	for {
		users, next, err := f.client.ListUsers(ctx, q)
		must(t, err)
		pages++
		if len(users) > 7 {
			t.Fatalf("page of %d users with limit 7", len(users))
		}
		for _, u := range users {
			if seen[u.ID] {
				t.Errorf("user %s listed twice", u.Username)
			}
			seen[u.ID] = true
		}
		if next == "" {
			break
		}
		q = pingone.UserQuery{Cursor: next}
	}
	if len(seen) != want || pages < 3 {
		t.Errorf("listed %d users in %d pages, want %d users over several pages", len(seen), pages, want)
	}

	// A filter is kept across pages by the cursor.
	var disabled []string
	q = pingone.UserQuery{Filter: "enabled eq false", Limit: 1}
	for {
		users, next, err := f.client.ListUsers(ctx, q)
		must(t, err)
		for _, u := range users {
			if u.Enabled {
				t.Errorf("enabled user %s matched enabled eq false", u.Username)
			}
			disabled = append(disabled, u.Username)
		}
		if next == "" {
			break
		}
		q = pingone.UserQuery{Cursor: next}
	}
	if !slices.Contains(disabled, pingonetest.DemoDisabledUser) {
		t.Errorf("disabled users = %v, want %s among them", disabled, pingonetest.DemoDisabledUser)
	}

	_, _, err := f.client.ListUsers(ctx, pingone.UserQuery{Filter: "nonsense ~~ 1"})
	wantKind(t, "bad filter", err, upstream.Invalid)
}

func TestConformanceGroupsRolesApplications(t *testing.T) {
	f := newFixture(t, nil, nil)
	ctx := context.Background()
	jdoe := f.id(t, pingonetest.DemoActiveUser)

	ms, err := f.client.ListGroupMemberships(ctx, jdoe)
	must(t, err)
	got := map[string]string{}
	for _, m := range ms {
		got[m.Name] = m.Type
		if m.Group == nil || m.Group.ID != m.ID || m.Group.Name != m.Name || len(m.Group.Raw) == 0 {
			t.Errorf("membership %s: embedded group = %+v", m.Name, m.Group)
		}
	}
	for name, typ := range map[string]string{
		"Engineering": "DIRECT", "SRE On-Call": "DIRECT", "VPN Users": "DIRECT",
		"All Staff": "INDIRECT", pingonetest.GroupProdAccess: "INDIRECT",
	} {
		if got[name] != typ {
			t.Errorf("membership %s = %q, want %s (all: %v)", name, got[name], typ, got)
		}
	}

	roles, err := f.client.ListRoleAssignments(ctx, f.id(t, pingonetest.DemoAdminUser))
	must(t, err)
	if len(roles) != 2 {
		t.Errorf("admin has %d role assignments, want 2: %+v", len(roles), roles)
	}
	for _, r := range roles {
		if r.ID == "" || r.Role.ID == "" || r.Scope.Type != "ENVIRONMENT" || r.Scope.ID != f.srv.EnvironmentID {
			t.Errorf("role assignment = %+v", r)
		}
	}
	helpDesk, err := f.client.ListRoleAssignments(ctx, f.id(t, pingonetest.DemoHelpDeskUser))
	must(t, err)
	if len(helpDesk) != 1 || helpDesk[0].Scope.Type != "POPULATION" {
		t.Errorf("help desk role assignments = %+v", helpDesk)
	}

	apps, err := f.client.ListApplications(ctx)
	must(t, err)
	if len(apps) == 0 {
		t.Fatal("no applications")
	}
	for _, a := range apps {
		if a.ID == "" || a.Name == "" || a.Protocol == "" || len(a.Raw) == 0 {
			t.Errorf("application = %+v", a)
		}
	}

	_, err = f.client.ListGroupMemberships(ctx, "00000000-0000-4000-8000-000000000000")
	wantKind(t, "unknown user", err, upstream.NotFound)
}

func TestConformanceSessions(t *testing.T) {
	f := newFixture(t, nil, nil)
	ctx := context.Background()
	jdoe := f.id(t, pingonetest.DemoActiveUser)

	sessions, err := f.client.ListSessions(ctx, jdoe)
	must(t, err)
	if len(sessions) == 0 || len(sessions) > 10 || len(sessions) != f.srv.Env().SessionCount(jdoe) {
		t.Fatalf("%d sessions, fake has %d", len(sessions), f.srv.Env().SessionCount(jdoe))
	}
	for i, s := range sessions {
		if s.ID == "" || s.CreatedAt == nil || len(s.Raw) == 0 {
			t.Errorf("session = %+v", s)
		}
		if i > 0 && s.CreatedAt != nil && sessions[i-1].CreatedAt != nil && s.CreatedAt.After(*sessions[i-1].CreatedAt) {
			t.Errorf("sessions not newest first")
		}
	}
	for _, s := range sessions {
		must(t, f.client.DeleteSession(ctx, jdoe, s.ID))
	}
	if n := f.srv.Env().SessionCount(jdoe); n != 0 {
		t.Errorf("%d sessions left", n)
	}
	// Deleting again (a retry whose first attempt went through) is done.
	must(t, f.client.DeleteSession(ctx, jdoe, sessions[0].ID))
	left, err := f.client.ListSessions(ctx, jdoe)
	if err != nil || len(left) != 0 {
		t.Errorf("after deleting all: %d sessions, %v", len(left), err)
	}
}

func TestConformanceLockUnlock(t *testing.T) {
	f := newFixture(t, nil, nil)
	ctx := context.Background()
	jdoe := f.id(t, pingonetest.DemoActiveUser)

	must(t, f.client.LockUser(ctx, jdoe, nil))
	must(t, f.client.LockUser(ctx, jdoe, nil)) // same end state
	if st := f.state(t, jdoe); st.AccountStatus != "LOCKED" || st.CanAuthenticate || !st.UnlockAt.IsZero() {
		t.Errorf("after lock: %+v", st)
	}
	u, err := f.client.GetUser(ctx, jdoe)
	must(t, err)
	if u.Account.Status != "LOCKED" || u.Account.LockedAt == nil || u.Account.UnlockAt != nil {
		t.Errorf("locked account = %+v", u.Account)
	}
	must(t, f.client.UnlockUser(ctx, jdoe))
	must(t, f.client.UnlockUser(ctx, jdoe))
	if st := f.state(t, jdoe); st.AccountStatus != "OK" || !st.CanAuthenticate {
		t.Errorf("after unlock: %+v", st)
	}

	// A lock with unlockAt ends by itself.
	at := f.clock.Now().Add(time.Hour)
	must(t, f.client.LockUser(ctx, jdoe, &at))
	u, err = f.client.GetUser(ctx, jdoe)
	must(t, err)
	if u.Account.Status != "LOCKED" || u.Account.UnlockAt == nil || !u.Account.UnlockAt.Equal(at) {
		t.Errorf("timed lock = %+v, want unlockAt %v", u.Account, at)
	}
	// Two hours on, the fake's tokens have expired too: the client sees a
	// 401, fetches a new token and carries on.
	f.clock.Advance(2 * time.Hour)
	u, err = f.client.GetUser(ctx, jdoe)
	must(t, err)
	if u.Account.Status != "OK" {
		t.Errorf("after unlockAt: %+v", u.Account)
	}

	past := f.clock.Now().Add(-time.Minute)
	wantKind(t, "past unlockAt", f.client.LockUser(ctx, jdoe, &past), upstream.Invalid)

	// The seeded locked user is unlocked by an admin.
	must(t, f.client.UnlockUser(ctx, f.id(t, pingonetest.DemoLockedUser)))
	if st := f.state(t, pingonetest.DemoLockedUser); st.AccountStatus != "OK" {
		t.Errorf("seeded locked user after unlock: %+v", st)
	}
	wantKind(t, "lock unknown user", f.client.LockUser(ctx, "00000000-0000-4000-8000-000000000000", nil), upstream.NotFound)
}

func TestConformanceEnableDisableAndPasswords(t *testing.T) {
	f := newFixture(t, nil, nil)
	ctx := context.Background()
	jdoe := f.id(t, pingonetest.DemoActiveUser)

	must(t, f.client.SetEnabled(ctx, jdoe, false))
	must(t, f.client.SetEnabled(ctx, jdoe, false))
	if st := f.state(t, jdoe); st.Enabled || st.CanAuthenticate {
		t.Errorf("after disable: %+v", st)
	}
	// A disabled user gets no recovery code: a state conflict.
	wantKind(t, "recovery code for a disabled user", f.client.SendRecoveryCode(ctx, jdoe), upstream.Conflict)
	must(t, f.client.SetEnabled(ctx, jdoe, true))
	if st := f.state(t, jdoe); !st.Enabled || !st.CanAuthenticate {
		t.Errorf("after enable: %+v", st)
	}
	must(t, f.client.SendRecoveryCode(ctx, jdoe))
	if st := f.state(t, jdoe); st.RecoveryCodesSent != 1 {
		t.Errorf("recovery codes sent = %d, want 1", st.RecoveryCodesSent)
	}

	must(t, f.client.ForcePasswordChange(ctx, jdoe))
	ps, err := f.client.GetPasswordState(ctx, jdoe)
	must(t, err)
	if ps.Status != "MUST_CHANGE_PASSWORD" || len(ps.Raw) == 0 {
		t.Errorf("password state = %+v", ps)
	}

	noPassword := f.id(t, pingonetest.DemoNoPasswordUser)
	wantKind(t, "force change without a password", f.client.ForcePasswordChange(ctx, noPassword), upstream.Conflict)
	wantKind(t, "recovery code without a password", f.client.SendRecoveryCode(ctx, noPassword), upstream.Conflict)
	if ps, err := f.client.GetPasswordState(ctx, noPassword); err != nil || ps.Status != "NO_PASSWORD" {
		t.Errorf("no-password state = %+v, %v", ps, err)
	}

	// A password lockout: no recovery code, but a forced change clears it.
	pwLocked := f.id(t, pingonetest.DemoPasswordLockedUser)
	if ps, err := f.client.GetPasswordState(ctx, pwLocked); err != nil || ps.Status != "PASSWORD_LOCKED_OUT" {
		t.Errorf("password-locked state = %+v, %v", ps, err)
	}
	wantKind(t, "recovery code for a locked-out password", f.client.SendRecoveryCode(ctx, pwLocked), upstream.Conflict)
	must(t, f.client.ForcePasswordChange(ctx, pwLocked))
	if st := f.state(t, pwLocked); st.AccountStatus != "OK" || st.PasswordStatus != "MUST_CHANGE_PASSWORD" {
		t.Errorf("after force change: %+v", st)
	}

	disabled := f.id(t, pingonetest.DemoDisabledUser)
	wantKind(t, "recovery code for the seeded disabled user", f.client.SendRecoveryCode(ctx, disabled), upstream.Conflict)
	if st := f.state(t, disabled); st.RecoveryCodesSent != 0 {
		t.Errorf("a refused recovery code was counted: %+v", st)
	}
}

func TestConformanceActivities(t *testing.T) {
	f := newFixture(t, nil, nil)
	ctx := context.Background()
	jdoe := f.id(t, pingonetest.DemoActiveUser)
	// Leave a trail.
	must(t, f.client.LockUser(ctx, jdoe, nil))
	f.clock.Advance(time.Second)
	must(t, f.client.UnlockUser(ctx, jdoe))
	f.clock.Advance(time.Second)

	now := f.clock.Now()
	since := now.Add(-3 * 24 * time.Hour)
	all := listAllActivities(t, f, pingone.ActivityQuery{Since: since, Until: now, Limit: 50})
	if len(all) < 60 {
		t.Fatalf("%d activities over three days, want a seeded history", len(all))
	}
	ids := map[string]bool{}
	for i, a := range all {
		if ids[a.ID] {
			t.Errorf("activity %s listed twice", a.ID)
		}
		ids[a.ID] = true
		if a.RecordedAt.Before(since) || a.RecordedAt.After(now) || a.Action.Type == "" || len(a.Raw) == 0 {
			t.Errorf("activity = %+v", a)
		}
		if i > 0 && a.RecordedAt.After(all[i-1].RecordedAt) {
			t.Errorf("activities not newest first at %d", i)
		}
	}

	// The lock and unlock, by action type, two per page at most.
	mine := listAllActivities(t, f, pingone.ActivityQuery{Since: now.Add(-time.Minute), Until: now, Limit: 1,
		ActionTypes: []string{"USER.LOCKED", "user.unlocked"}, ResourceID: jdoe})
	var types []string
	for _, a := range mine {
		types = append(types, a.Action.Type)
		if !slices.ContainsFunc(a.Resources, func(r pingone.Resource) bool { return r.ID == jdoe }) {
			t.Errorf("activity %s is not about the user: %+v", a.Action.Type, a.Resources)
		}
		if a.Actors.Client == nil || a.Actors.Client.ID != f.srv.ClientID {
			t.Errorf("activity %s was not done by the worker app: %+v", a.Action.Type, a.Actors)
		}
	}
	if want := []string{"USER.UNLOCKED", "USER.LOCKED"}; !slices.Equal(types, want) {
		t.Errorf("action types = %v, want %v", types, want)
	}

	// By actor: the admin's own doings over the week.
	admin := f.id(t, pingonetest.DemoAdminUser)
	byAdmin := listAllActivities(t, f, pingone.ActivityQuery{Since: now.Add(-7 * 24 * time.Hour), Until: now, Limit: 20, ActorUserID: admin})
	if len(byAdmin) == 0 {
		t.Error("no activities by the admin")
	}
	for _, a := range byAdmin {
		if a.Actors.User == nil || a.Actors.User.ID != admin {
			t.Errorf("activity by someone else: %+v", a.Actors)
		}
	}

	// The failed checks of the password-locked user, by type and resource.
	failed := listAllActivities(t, f, pingone.ActivityQuery{Since: now.Add(-24 * time.Hour), Until: now,
		ActionTypes: []string{"PASSWORD.CHECK_FAILED"}, ResourceID: f.id(t, pingonetest.DemoPasswordLockedUser)})
	if len(failed) < 5 {
		t.Errorf("%d failed password checks for the locked-out user, want at least 5", len(failed))
	}

	_, _, err := f.client.ListActivities(ctx, pingone.ActivityQuery{Since: now.Add(-15 * 24 * time.Hour), Until: now})
	wantKind(t, "older than 14 days", err, upstream.Invalid)
}

// listAllActivities pages through a query.
func listAllActivities(t *testing.T, f *fixture, q pingone.ActivityQuery) []pingone.Activity {
	t.Helper()
	var all []pingone.Activity
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("too many pages")
		}
		page, next, err := f.client.ListActivities(context.Background(), q)
		must(t, err)
		if q.Limit > 0 && len(page) > q.Limit {
			t.Fatalf("page of %d with limit %d", len(page), q.Limit)
		}
		all = append(all, page...)
		if next == "" {
			return all
		}
		q = pingone.ActivityQuery{Cursor: next}
	}
}

func TestConformanceRiskEvaluation(t *testing.T) {
	f := newFixture(t, nil, nil)
	ctx := context.Background()
	jdoe := f.id(t, pingonetest.DemoActiveUser)

	re, err := f.client.CreateRiskEvaluation(ctx, pingone.RiskEvaluationRequest{
		IP: pingonetest.DemoMoscowIP, UserID: jdoe, UserName: pingonetest.DemoActiveUser, TargetResourceName: "Portal",
	})
	must(t, err)
	if re.ID == "" || re.CreatedAt == nil || re.Event.IP != pingonetest.DemoMoscowIP || re.Event.User.ID != jdoe ||
		re.Event.User.Type != "PING_ONE" || re.Event.Flow.Type != "AUTHENTICATION" || re.Result.Level == "" || len(re.Details) == 0 {
		t.Errorf("evaluation = %+v", re)
	}
	got, err := f.client.GetRiskEvaluation(ctx, re.ID)
	must(t, err)
	if got.ID != re.ID || got.Result != re.Result {
		t.Errorf("read back %+v, created %+v", got, re)
	}
	office, err := f.client.CreateRiskEvaluation(ctx, pingone.RiskEvaluationRequest{IP: pingonetest.DemoOfficeIP, UserID: "ext-42", UserType: "EXTERNAL"})
	must(t, err)
	if office.Event.User.Type != "EXTERNAL" || office.Result.Level == "" {
		t.Errorf("external evaluation = %+v", office)
	}

	_, err = f.client.GetRiskEvaluation(ctx, "00000000-0000-4000-8000-000000000000")
	wantKind(t, "unknown evaluation", err, upstream.NotFound)
	_, err = f.client.CreateRiskEvaluation(ctx, pingone.RiskEvaluationRequest{IP: "192.0.2.1", UserID: jdoe, RiskPolicySetID: "no-such-set"})
	wantKind(t, "unknown policy set", err, upstream.Invalid)
}

func TestConformanceTokens(t *testing.T) {
	t.Run("refreshed before expiry", func(t *testing.T) {
		// Tokens shorter-lived than the client's refresh margin are
		// renewed before every call; an hour-long one serves many.
		for _, tt := range []struct {
			ttl  time.Duration
			want int64 // requests for three calls
		}{{time.Hour, 4}, {30 * time.Second, 6}} {
			f := newFixture(t, func(o *pingonetest.Options) { o.TokenTTL = tt.ttl }, nil)
			for range 3 {
				must(t, f.client.Ping(context.Background()))
			}
			if got := f.srv.Requests(); got != tt.want {
				t.Errorf("TTL %v: %d requests for 3 calls, want %d", tt.ttl, got, tt.want)
			}
		}
	})
	t.Run("expired tokens replaced after a 401", func(t *testing.T) {
		f := newFixture(t, nil, nil)
		ctx := context.Background()
		must(t, f.client.Ping(ctx))
		f.srv.ExpireTokens()
		before := f.srv.Requests()
		// Even the send-once call: PingOne did nothing on the 401.
		must(t, f.client.SendRecoveryCode(ctx, f.id(t, pingonetest.DemoActiveUser)))
		if got := f.srv.Requests() - before; got != 3 {
			t.Errorf("%d requests, want 3 (refused, token, retried)", got)
		}
		if st := f.state(t, pingonetest.DemoActiveUser); st.RecoveryCodesSent != 1 {
			t.Errorf("recovery codes sent = %d, want 1", st.RecoveryCodesSent)
		}
	})
	t.Run("refused twice", func(t *testing.T) {
		f := newFixture(t, nil, nil)
		f.srv.InjectStatus(2, http.StatusUnauthorized)
		err := f.client.Ping(context.Background())
		wantKind(t, "two 401s", err, upstream.Unauthorized)
	})
}

func TestConformanceRateLimitsAndFailures(t *testing.T) {
	t.Run("429 retried after Retry-After", func(t *testing.T) {
		f := newFixture(t, nil, nil)
		jdoe := f.id(t, pingonetest.DemoActiveUser)
		f.srv.InjectRateLimit(2)
		u, err := f.client.GetUser(context.Background(), jdoe)
		if err != nil || u.ID != jdoe {
			t.Fatalf("GetUser = %+v, %v", u, err)
		}
		if got := f.clock.Sleeps(); !slices.Equal(got, []time.Duration{time.Second, time.Second}) {
			t.Errorf("sleeps = %v, want two of Retry-After's 1s", got)
		}
		// The send-once call is retried after a 429 too: PingOne did nothing.
		f.srv.InjectRateLimit(1)
		must(t, f.client.SendRecoveryCode(context.Background(), jdoe))
		if st := f.state(t, jdoe); st.RecoveryCodesSent != 1 {
			t.Errorf("recovery codes sent = %d, want 1", st.RecoveryCodesSent)
		}
	})
	t.Run("429 past the deadline", func(t *testing.T) {
		f := newFixture(t, nil, nil)
		f.srv.InjectRateLimit(1)
		// The client judges waits on the shared clock, the context ends on
		// the real one: with the shared clock an hour ahead, the 1s wait
		// passes a deadline that in real time is still ten seconds away.
		f.clock.Advance(time.Hour)
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(10*time.Second))
		defer cancel()
		_, err := f.client.GetUser(ctx, f.id(t, pingonetest.DemoActiveUser))
		ue := upstream.As(err)
		if ue == nil || ue.Kind != upstream.RateLimited || ue.RetryAfter != time.Second || ue.Code != "REQUEST_LIMITED" {
			t.Errorf("err = %#v, want RateLimited with RetryAfter 1s", err)
		}
	})
	t.Run("5xx retried only when safe", func(t *testing.T) {
		f := newFixture(t, nil, nil)
		ctx := context.Background()
		jdoe := f.id(t, pingonetest.DemoActiveUser)
		must(t, f.client.Ping(ctx))

		f.srv.InjectStatus(1, http.StatusServiceUnavailable)
		must(t, f.client.ForcePasswordChange(ctx, jdoe))

		f.srv.InjectStatus(1, http.StatusServiceUnavailable)
		wantKind(t, "recovery code after a 503", f.client.SendRecoveryCode(ctx, jdoe), upstream.Unavailable)
		if st := f.state(t, jdoe); st.RecoveryCodesSent != 0 {
			t.Errorf("recovery codes sent = %d, want 0", st.RecoveryCodesSent)
		}

		f.srv.InjectStatus(1, http.StatusInternalServerError)
		_, err := f.client.CreateRiskEvaluation(ctx, pingone.RiskEvaluationRequest{IP: "192.0.2.1", UserID: jdoe})
		wantKind(t, "risk evaluation after a 500", err, upstream.Unavailable)

		f.srv.InjectStatus(1, http.StatusForbidden)
		_, err = f.client.ListApplications(ctx)
		wantKind(t, "403", err, upstream.Unauthorized)
	})
}
