package okta_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/upstream"
)

// These tests run every client method against oktatest, the stateful fake
// org, over real HTTP: the conformance suite the client and its fake must
// both pass.

// clock is shared by the fake and the client, so rate-limit waits, token
// expiry and System Log windows move together without anyone sleeping.
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
	srv    *oktatest.Server
	client *okta.Client
	clock  *clock
}

// newFixture starts a seeded fake org and an SSWS client for it.
func newFixture(t *testing.T, mod func(*okta.Config)) *fixture {
	t.Helper()
	clk := &clock{now: time.Now().Truncate(time.Second)}
	srv := oktatest.NewServer(oktatest.Options{Seed: true, Now: clk.Now})
	t.Cleanup(srv.Close)
	cfg := okta.Config{BaseURL: srv.URL, APIToken: srv.Token, Version: "conformance"}
	if mod != nil {
		mod(&cfg)
	}
	return &fixture{srv: srv, client: newClient(t, cfg, clk), clock: clk}
}

func newClient(t *testing.T, cfg okta.Config, clk *clock) *okta.Client {
	t.Helper()
	c, err := okta.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	okta.SetTestClock(c, clk.Now, clk.Sleep)
	return c
}

func (f *fixture) userID(t *testing.T, login string) string {
	t.Helper()
	id, ok := f.srv.Org().UserID(login)
	if !ok {
		t.Fatalf("fake has no user %s", login)
	}
	return id
}

func (f *fixture) status(t *testing.T, user string) string {
	t.Helper()
	s, _ := f.srv.Org().UserStatus(user)
	return s
}

func wantKind(t *testing.T, err error, kind upstream.Kind, code string) {
	t.Helper()
	ue := upstream.As(err)
	if ue == nil || ue.Kind != kind || (code != "" && ue.Code != code) {
		t.Fatalf("err = %v, want %v %s", err, kind, code)
	}
}

func TestConformanceGetUser(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	id := f.userID(t, oktatest.DemoActiveUser)
	shortname, _, _ := strings.Cut(oktatest.DemoActiveUser, "@")

	for _, ref := range []string{id, oktatest.DemoActiveUser, shortname} {
		u, err := f.client.GetUser(ctx, ref)
		if err != nil {
			t.Fatalf("GetUser(%q): %v", ref, err)
		}
		if u.ID != id || u.Status != "ACTIVE" || u.Profile.Login != oktatest.DemoActiveUser || u.Created == nil {
			t.Errorf("GetUser(%q) = id %s, status %s, login %s, created %v", ref, u.ID, u.Status, u.Profile.Login, u.Created)
		}
		var raw map[string]any
		if err := json.Unmarshal(u.Raw, &raw); err != nil || raw["id"] != id || raw["_links"] == nil {
			t.Errorf("GetUser(%q).Raw = %s", ref, u.Raw)
		}
	}

	_, err := f.client.GetUser(ctx, "nobody@example.com")
	wantKind(t, err, upstream.NotFound, "E0000007")
}

// listAllUsers pages through ListUsers and checks each page's size.
func listAllUsers(t *testing.T, c *okta.Client, q okta.UserQuery) (users []okta.User, pages int) {
	t.Helper()
	for {
		page, next, err := c.ListUsers(context.Background(), q)
		if err != nil {
			t.Fatalf("ListUsers(%+v): %v", q, err)
		}
		if q.Limit > 0 && len(page) > q.Limit {
			t.Fatalf("page of %d users, limit %d", len(page), q.Limit)
		}
		users = append(users, page...)
		pages++
		if next == "" {
			return users, pages
		}
		if pages > 100 {
			t.Fatal("ListUsers never ends")
		}
		q = okta.UserQuery{Cursor: next}
	}
}

func TestConformanceListUsers(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()

	all, pages := listAllUsers(t, f.client, okta.UserQuery{Limit: 7})
	if pages < 3 {
		t.Errorf("%d users in %d pages; want several pages", len(all), pages)
	}
	seen := map[string]bool{}
	for _, u := range all {
		if seen[u.ID] {
			t.Errorf("user %s listed twice", u.ID)
		}
		seen[u.ID] = true
		if u.Status == "DEPROVISIONED" {
			t.Errorf("plain list returned DEPROVISIONED user %s", u.Profile.Login)
		}
		if len(u.Raw) == 0 {
			t.Errorf("user %s has no Raw", u.ID)
		}
	}

	jdoe, err := f.client.GetUser(ctx, oktatest.DemoActiveUser)
	if err != nil {
		t.Fatal(err)
	}
	dept := jdoe.Profile.Department
	found, pages := listAllUsers(t, f.client, okta.UserQuery{Search: `profile.department eq "` + dept + `"`, Limit: 2})
	if pages < 2 || !slices.ContainsFunc(found, func(u okta.User) bool { return u.ID == jdoe.ID }) {
		t.Errorf("search in %s: %d users over %d pages, jdoe not among them", dept, len(found), pages)
	}
	for _, u := range found {
		if u.Profile.Department != dept {
			t.Errorf("search returned %s of %q", u.Profile.Login, u.Profile.Department)
		}
	}

	suspended, _ := listAllUsers(t, f.client, okta.UserQuery{Filter: `status eq "SUSPENDED"`, Limit: 3})
	if !slices.ContainsFunc(suspended, func(u okta.User) bool { return u.Profile.Login == oktatest.DemoSuspendedUser }) {
		t.Errorf("filter status eq SUSPENDED misses %s", oktatest.DemoSuspendedUser)
	}
	for _, u := range suspended {
		if u.Status != "SUSPENDED" {
			t.Errorf("filter returned %s in %s", u.Profile.Login, u.Status)
		}
	}

	byQ, next, err := f.client.ListUsers(ctx, okta.UserQuery{Q: "jdoe"})
	if err != nil || next != "" || !slices.ContainsFunc(byQ, func(u okta.User) bool { return u.ID == jdoe.ID }) {
		t.Errorf("q=jdoe: %d users, next %q, %v", len(byQ), next, err)
	}
}

func TestConformanceListUsersBadInput(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()

	_, next, err := f.client.ListUsers(ctx, okta.UserQuery{Limit: 2})
	if err != nil || next == "" {
		t.Fatalf("first page: next %q, %v", next, err)
	}
	// Alter the after value inside an otherwise well-formed cursor: the
	// client sends it (same endpoint, same host) and Okta refuses it.
	raw, _ := base64.RawURLEncoding.DecodeString(next)
	u, _ := url.Parse(string(raw))
	q := u.Query()
	q.Set("after", q.Get("after")+"x")
	u.RawQuery = q.Encode()
	tampered := base64.RawURLEncoding.EncodeToString([]byte(u.String()))
	_, _, err = f.client.ListUsers(ctx, okta.UserQuery{Cursor: tampered})
	wantKind(t, err, upstream.Invalid, "E0000029")

	_, _, err = f.client.ListUsers(ctx, okta.UserQuery{Search: `profile.department ne "x"`})
	wantKind(t, err, upstream.Invalid, "")

	before := f.srv.Requests()
	_, _, err = f.client.ListUsers(ctx, okta.UserQuery{Cursor: base64.RawURLEncoding.EncodeToString([]byte("http://169.254.169.254/api/v1/users"))})
	wantKind(t, err, upstream.Invalid, "")
	if f.srv.Requests() != before {
		t.Error("a cursor for another host reached the network")
	}
}

func TestConformanceUserRelations(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	id := f.userID(t, oktatest.DemoActiveUser)

	groups, err := f.client.ListUserGroups(ctx, oktatest.DemoActiveUser)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range groups {
		names = append(names, g.Profile.Name)
		if g.ID == "" || g.Type == "" || len(g.Raw) == 0 {
			t.Errorf("group %q: id %q, type %q, raw %d bytes", g.Profile.Name, g.ID, g.Type, len(g.Raw))
		}
	}
	if want := f.srv.Org().GroupNames(id); !slices.Equal(names, want) {
		t.Errorf("groups = %v, want %v", names, want)
	}

	apps, err := f.client.ListAppLinks(ctx, oktatest.DemoActiveUser)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(apps, func(a okta.AppLink) bool { return a.Label == "Slack" && a.AppName != "" && len(a.Raw) > 0 }) {
		t.Errorf("%d app links, none Slack", len(apps))
	}

	factors, err := f.client.ListFactors(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(factors) != f.srv.Org().FactorCount(id) || !slices.ContainsFunc(factors, func(f okta.Factor) bool { return f.FactorType == "push" }) {
		t.Errorf("%d factors (fake has %d), push among them: false", len(factors), f.srv.Org().FactorCount(id))
	}

	_, err = f.client.ListUserGroups(ctx, "nobody@example.com")
	wantKind(t, err, upstream.NotFound, "E0000007")
}

func TestConformanceLogsBounded(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	now := f.clock.Now()

	q := okta.LogQuery{Since: now.Add(-7 * 24 * time.Hour), Until: now, Limit: 200}
	var events []okta.LogEvent
	for pages := 1; ; pages++ {
		page, next, err := f.client.ListLogs(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, page...)
		if next == "" {
			break
		}
		if pages > 50 {
			t.Fatal("bounded query never ends")
		}
		q = okta.LogQuery{Cursor: next}
	}
	if len(events) <= 200 {
		t.Fatalf("%d events; want several pages", len(events))
	}
	seen := map[string]bool{}
	for i, e := range events {
		if e.UUID == "" || e.EventType == "" || e.Published.IsZero() || len(e.Raw) == 0 {
			t.Fatalf("event %d: uuid %q, type %q, published %v, raw %d bytes", i, e.UUID, e.EventType, e.Published, len(e.Raw))
		}
		if seen[e.UUID] {
			t.Errorf("event %s twice", e.UUID)
		}
		seen[e.UUID] = true
		if i > 0 && e.Published.Before(events[i-1].Published) {
			t.Errorf("bounded events out of order at %d", i)
		}
	}

	_, _, err := f.client.ListLogs(ctx, okta.LogQuery{Filter: `eventType eq`})
	wantKind(t, err, upstream.Invalid, "")
}

func TestConformanceLogsPolling(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()

	// Catch up from an hour ago until an empty page; the cursor never ends.
	q := okta.LogQuery{Since: f.clock.Now().Add(-time.Hour), SortOrder: "ASCENDING", Limit: 50}
	var cursor string
	for pages := 0; ; pages++ {
		page, next, err := f.client.ListLogs(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if next == "" {
			t.Fatal("polling query returned no next cursor")
		}
		cursor = next
		if len(page) == 0 {
			break
		}
		if pages > 50 {
			t.Fatal("polling never caught up")
		}
		q = okta.LogQuery{Cursor: next}
	}

	f.clock.Sleep(ctx, time.Second)
	if err := f.client.SuspendUser(ctx, oktatest.DemoActiveUser); err != nil {
		t.Fatal(err)
	}
	f.clock.Sleep(ctx, time.Second)
	page, next, err := f.client.ListLogs(ctx, okta.LogQuery{Cursor: cursor})
	if err != nil || next == "" {
		t.Fatalf("poll: next %q, %v", next, err)
	}
	if !slices.ContainsFunc(page, func(e okta.LogEvent) bool {
		return e.EventType == "user.lifecycle.suspend" && len(e.Target) > 0 && e.Target[0].AlternateID == oktatest.DemoActiveUser
	}) {
		t.Errorf("poll after suspend: %d events, none the suspend of %s", len(page), oktatest.DemoActiveUser)
	}
}

func TestConformanceLifecycle(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	org := f.srv.Org()
	user := org.AddUser(oktatest.UserSpec{Login: "conformance@example.com", FirstName: "Con", LastName: "Formance",
		Factors: []string{oktatest.FactorPush, oktatest.FactorTOTP}, Sessions: 2})

	step := func(name string, err error, wantStatus string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := f.status(t, user); got != wantStatus {
			t.Fatalf("after %s: status %s, want %s", name, got, wantStatus)
		}
	}
	conflict := func(name string, err error, code string) {
		t.Helper()
		ue := upstream.As(err)
		if ue == nil || ue.Kind != upstream.Conflict || ue.Code != code {
			t.Fatalf("%s in the wrong state: err = %v, want Conflict %s", name, err, code)
		}
	}

	step("suspend", f.client.SuspendUser(ctx, "conformance@example.com"), "SUSPENDED")
	conflict("suspend", f.client.SuspendUser(ctx, user), "E0000038")
	conflict("unlock", f.client.UnlockUser(ctx, user), "E0000032")
	step("unsuspend", f.client.UnsuspendUser(ctx, user), "ACTIVE")
	conflict("unsuspend", f.client.UnsuspendUser(ctx, user), "E0000038")

	org.SetUserStatus(user, "LOCKED_OUT")
	step("unlock", f.client.UnlockUser(ctx, user), "ACTIVE")

	step("clear sessions", f.client.ClearSessions(ctx, user, true, false), "ACTIVE")
	if n := org.SessionCount(user); n != 0 {
		t.Errorf("sessions after ClearSessions = %d", n)
	}
	step("reset factors", f.client.ResetFactors(ctx, user), "ACTIVE")
	if n := org.FactorCount(user); n != 0 {
		t.Errorf("factors after ResetFactors = %d", n)
	}

	u, err := f.client.ExpirePassword(ctx, user)
	step("expire password", err, "PASSWORD_EXPIRED")
	if u.ID != user || u.Status != "PASSWORD_EXPIRED" || len(u.Raw) == 0 {
		t.Errorf("ExpirePassword returned id %s, status %s, raw %d bytes", u.ID, u.Status, len(u.Raw))
	}

	tok, err := f.client.ResetPassword(ctx, user, false, true)
	step("reset password", err, "RECOVERY")
	if !strings.HasPrefix(tok.ResetPasswordURL, f.srv.URL) {
		t.Errorf("reset URL %q", tok.ResetPasswordURL)
	}
	tok, err = f.client.ResetPassword(ctx, user, true, false)
	step("reset password by email", err, "RECOVERY")
	if tok.ResetPasswordURL != "" {
		t.Error("reset URL returned although it was mailed")
	}

	step("deactivate", f.client.DeactivateUser(ctx, user, false), "DEPROVISIONED")
	conflict("deactivate", f.client.DeactivateUser(ctx, user, false), "E0000038")
	conflict("suspend", f.client.SuspendUser(ctx, user), "E0000038")
	conflict("reset factors", f.client.ResetFactors(ctx, user), "E0000038")

	for name, err := range map[string]error{
		"suspend":        f.client.SuspendUser(ctx, "nobody@example.com"),
		"unsuspend":      f.client.UnsuspendUser(ctx, "nobody@example.com"),
		"unlock":         f.client.UnlockUser(ctx, "nobody@example.com"),
		"deactivate":     f.client.DeactivateUser(ctx, "nobody@example.com", false),
		"reset factors":  f.client.ResetFactors(ctx, "nobody@example.com"),
		"clear sessions": f.client.ClearSessions(ctx, "00unobody", false, false),
	} {
		if !upstream.IsKind(err, upstream.NotFound) {
			t.Errorf("%s of an unknown user: %v, want NotFound", name, err)
		}
	}
}

func TestConformanceInjectedFailures(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	id := f.userID(t, oktatest.DemoActiveUser)

	// A 429 is retried after X-Rate-Limit-Reset − Date + 1s (2s here).
	f.srv.InjectRateLimit(1)
	before := f.srv.Requests()
	if _, err := f.client.GetUser(ctx, id); err != nil {
		t.Fatalf("GetUser after one 429: %v", err)
	}
	if f.srv.Requests()-before != 2 || !slices.Equal(f.clock.Sleeps(), []time.Duration{2 * time.Second}) {
		t.Errorf("requests %d, sleeps %v; want 2 requests and a 2s wait", f.srv.Requests()-before, f.clock.Sleeps())
	}
	// A lifecycle POST is retried after a 429 too: Okta did nothing.
	f.srv.InjectRateLimit(1)
	if err := f.client.SuspendUser(ctx, id); err != nil {
		t.Fatalf("SuspendUser after one 429: %v", err)
	}
	f.srv.Org().SetUserStatus(id, "ACTIVE")

	// Past the deadline the client gives up at once and says when to retry.
	f.srv.InjectRateLimit(1)
	dctx, cancel := context.WithDeadline(ctx, f.clock.Now().Add(time.Second))
	defer cancel()
	before = f.srv.Requests()
	_, err := f.client.GetUser(dctx, id)
	ue := upstream.As(err)
	if ue == nil || ue.Kind != upstream.RateLimited || ue.RetryAfter < time.Second || ue.Code != "E0000047" {
		t.Fatalf("err = %#v, want RateLimited E0000047 with RetryAfter", err)
	}
	if f.srv.Requests()-before != 1 {
		t.Errorf("%d requests, want 1", f.srv.Requests()-before)
	}

	// A 500 is retried on a GET, never on a lifecycle POST.
	f.srv.InjectStatus(1, 500)
	before = f.srv.Requests()
	if _, err := f.client.GetUser(ctx, id); err != nil || f.srv.Requests()-before != 2 {
		t.Errorf("GetUser after one 500: %v after %d requests; want success after 2", err, f.srv.Requests()-before)
	}
	f.srv.InjectStatus(1, 500)
	before = f.srv.Requests()
	err = f.client.SuspendUser(ctx, id)
	wantKind(t, err, upstream.Unavailable, "E0000009")
	if f.srv.Requests()-before != 1 || f.status(t, id) != "ACTIVE" {
		t.Errorf("SuspendUser after a 500: %d requests, status %s; want 1 and ACTIVE", f.srv.Requests()-before, f.status(t, id))
	}
	// The sessions DELETE is safe to repeat, so it is retried.
	f.srv.InjectStatus(1, 503)
	if err := f.client.ClearSessions(ctx, id, false, false); err != nil {
		t.Errorf("ClearSessions after one 503: %v", err)
	}

	f.srv.InjectStatus(1, 401)
	err = f.client.Ping(ctx)
	wantKind(t, err, upstream.Unauthorized, "E0000011")
}

func TestConformanceTimeout(t *testing.T) {
	f := newFixture(t, func(cfg *okta.Config) { cfg.Timeout = 20 * time.Millisecond; cfg.MaxRetries = -1 })
	f.srv.SetLatency(time.Minute) // ends early when the client gives up
	_, err := f.client.GetUser(context.Background(), oktatest.DemoActiveUser)
	wantKind(t, err, upstream.Timeout, "")
}

func TestConformanceSSWSRefused(t *testing.T) {
	f := newFixture(t, nil)
	c := newClient(t, okta.Config{BaseURL: f.srv.URL, APIToken: "wrong-token"}, f.clock)
	err := c.Ping(context.Background())
	wantKind(t, err, upstream.Unauthorized, "")
	if strings.Contains(err.Error(), "wrong-token") {
		t.Errorf("error leaks the token: %v", err)
	}
}

func TestConformanceOAuth(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		ec          bool // ES256 rather than RS256 client assertion
		requireDPoP bool
		forceDPoP   bool
		// wantTokenCalls counts token requests for the first token:
		// negotiated DPoP costs a plain try, a proof without nonce and one
		// with the nonce.
		wantTokenCalls int
	}{
		{"private_key_jwt RS256", false, false, false, 1},
		{"private_key_jwt ES256", true, false, false, 1},
		{"DPoP negotiated", false, true, false, 3},
		{"DPoP forced", true, true, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			clientID := "0oaCONFORMANCE"
			var mu sync.Mutex
			tokenCalls := 0
			cfg := okta.Config{BaseURL: f.srv.URL, ClientID: clientID, KeyID: "k1", DPoP: tt.forceDPoP,
				Observer: func(_, op string, _ int, _ time.Duration) {
					if op == "token" {
						mu.Lock()
						tokenCalls++
						mu.Unlock()
					}
				}}
			if tt.ec {
				cfg.PrivateKey = ecKey
				f.srv.RegisterServiceApp(clientID, &ecKey.PublicKey, tt.requireDPoP)
			} else {
				cfg.PrivateKey = rsaKey
				f.srv.RegisterServiceApp(clientID, &rsaKey.PublicKey, tt.requireDPoP)
			}
			c := newClient(t, cfg, f.clock)
			ctx := context.Background()

			if err := c.Ping(ctx); err != nil {
				t.Fatalf("Ping: %v", err)
			}
			u, err := c.GetUser(ctx, oktatest.DemoActiveUser)
			if err != nil {
				t.Fatalf("GetUser: %v", err)
			}
			if _, _, err := c.ListLogs(ctx, okta.LogQuery{Since: f.clock.Now().Add(-time.Hour), Until: f.clock.Now(), Limit: 5}); err != nil {
				t.Fatalf("ListLogs: %v", err)
			}
			if err := c.SuspendUser(ctx, u.ID); err != nil {
				t.Fatalf("SuspendUser: %v", err)
			}
			if err := c.ClearSessions(ctx, u.ID, true, true); err != nil {
				t.Fatalf("ClearSessions: %v", err)
			}
			mu.Lock()
			if tokenCalls != tt.wantTokenCalls {
				t.Errorf("token requests = %d, want %d", tokenCalls, tt.wantTokenCalls)
			}
			mu.Unlock()
			// The token outlives many calls; after an hour it is renewed.
			f.clock.Sleep(ctx, time.Hour)
			if err := c.UnsuspendUser(ctx, u.ID); err != nil {
				t.Fatalf("UnsuspendUser with a renewed token: %v", err)
			}
		})
	}
}

func TestConformanceOAuthUnknownApp(t *testing.T) {
	f := newFixture(t, nil)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	c := newClient(t, okta.Config{BaseURL: f.srv.URL, ClientID: "0oaUNKNOWN", PrivateKey: key}, f.clock)
	err := c.Ping(context.Background())
	wantKind(t, err, upstream.Unauthorized, "")
}
