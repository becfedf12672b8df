package xdr_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcmd/idcmd/providers/upstream"
	"github.com/idcmd/idcmd/providers/xdr"
	"github.com/idcmd/idcmd/providers/xdr/xdrtest"
)

// These tests run every client method against xdrtest, the stateful fake
// tenant, over real HTTP: the conformance suite the client and its fake
// must both pass.

// clock is shared by the fake and the client, so the advanced key's
// timestamps, the fake's per-minute window and the client's pacing move
// together without anyone sleeping.
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
	if d <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sleeps)
}

type fixture struct {
	srv    *xdrtest.Server
	client *xdr.Client
	clock  *clock
}

// newFixture starts a seeded fake tenant and a client for it.
func newFixture(t *testing.T, opts xdrtest.Options, mod func(*xdr.Config)) *fixture {
	t.Helper()
	clk := &clock{now: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	opts.Now = clk.Now
	srv := xdrtest.NewServer(opts)
	t.Cleanup(srv.Close)
	xdrtest.SeedDemo(srv)
	cfg := xdr.Config{BaseURL: srv.URL, APIKey: srv.APIKey, APIKeyID: srv.APIKeyID, Advanced: srv.Advanced, Version: "conformance"}
	if mod != nil {
		mod(&cfg)
	}
	return &fixture{srv: srv, client: newClient(t, cfg, clk), clock: clk}
}

func newClient(t *testing.T, cfg xdr.Config, clk *clock) *xdr.Client {
	t.Helper()
	c, err := xdr.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	xdr.SetTestClock(c, clk.Now, clk.Sleep)
	return c
}

var keyModes = []struct {
	name     string
	advanced bool
}{{"standard", false}, {"advanced", true}}

func TestPingAndGetIncident(t *testing.T) {
	for _, mode := range keyModes {
		t.Run(mode.name, func(t *testing.T) {
			f := newFixture(t, xdrtest.Options{Advanced: mode.advanced}, nil)
			ctx := context.Background()
			if err := f.client.Ping(ctx); err != nil {
				t.Fatalf("Ping: %v", err)
			}
			inc, err := f.client.GetIncident(ctx, "1")
			if err != nil {
				t.Fatal(err)
			}
			if inc.ID != "1" || inc.Description != "Okta: MFA fatigue against jdoe@example.com" ||
				inc.Severity != "high" || inc.Status != "new" || !inc.Created.Equal(f.clock.Now()) ||
				!strings.HasPrefix(inc.URL, f.srv.URL) {
				t.Errorf("incident = %+v", inc)
			}
			resolved, err := f.client.GetIncident(ctx, "4")
			if err != nil || !resolved.Resolved() {
				t.Errorf("incident 4 = %+v, %v; want the resolved demo incident", resolved, err)
			}
			if _, err := f.client.GetIncident(ctx, "99"); !upstream.IsKind(err, upstream.NotFound) {
				t.Errorf("GetIncident(99) = %v, want NotFound", err)
			}
		})
	}
}

func TestAddIncidentComment(t *testing.T) {
	for _, mode := range keyModes {
		t.Run(mode.name, func(t *testing.T) {
			f := newFixture(t, xdrtest.Options{Advanced: mode.advanced}, nil)
			ctx := context.Background()
			for _, text := range []string{"idcmd: suspended jdoe@example.com", "idcmd: cleared 3 sessions"} {
				if err := f.client.AddIncidentComment(ctx, "1", text); err != nil {
					t.Fatal(err)
				}
				f.clock.Advance(time.Second)
			}
			start := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
			want := []xdrtest.Comment{
				{Text: "idcmd: suspended jdoe@example.com", Time: start},
				{Text: "idcmd: cleared 3 sessions", Time: start.Add(time.Second)},
			}
			if diff := cmp.Diff(want, f.srv.Comments("1")); diff != "" {
				t.Errorf("comments (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCommentOnResolvedIncidentIsAccepted(t *testing.T) {
	f := newFixture(t, xdrtest.Options{}, nil)
	if err := f.client.AddIncidentComment(context.Background(), "4", "late outcome"); err != nil {
		t.Fatalf("comment on the resolved incident: %v; XDR documents no refusal", err)
	}
	if got := f.srv.Comments("4"); len(got) != 1 {
		t.Errorf("comments = %v", got)
	}
}

func TestCommentOnUnknownIncidentIsNotFound(t *testing.T) {
	f := newFixture(t, xdrtest.Options{}, nil)
	err := f.client.AddIncidentComment(context.Background(), "404", "x")
	ue := upstream.As(err)
	if ue == nil || ue.Kind != upstream.NotFound || ue.Status != 404 || !strings.Contains(strings.Join(ue.Causes, " "), "404") {
		t.Fatalf("err = %#v, want NotFound naming the incident", err)
	}
}

func TestWrongCredentials(t *testing.T) {
	tests := []struct {
		name     string
		advanced bool
		mod      func(*xdr.Config)
	}{
		{"standard wrong key", false, func(c *xdr.Config) { c.APIKey = "wrong-secret-key-value" }},
		{"standard wrong key id", false, func(c *xdr.Config) { c.APIKeyID = "8" }},
		{"advanced wrong key", true, func(c *xdr.Config) { c.APIKey = "wrong-secret-key-value" }},
		{"advanced key sent as standard", true, func(c *xdr.Config) { c.Advanced = false }},
		{"standard key sent as advanced", false, func(c *xdr.Config) { c.Advanced = true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, xdrtest.Options{Advanced: tt.advanced}, tt.mod)
			err := f.client.AddIncidentComment(context.Background(), "1", "x")
			if !upstream.IsKind(err, upstream.Unauthorized) {
				t.Fatalf("err = %v, want Unauthorized", err)
			}
			for _, secret := range []string{f.srv.APIKey, "wrong-secret-key-value"} {
				if strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprintf("%#v", err), secret) {
					t.Errorf("error shows a key: %v", err)
				}
			}
			if len(f.srv.Comments("1")) != 0 || f.srv.Requests() != 1 {
				t.Errorf("comments %v after %d requests; want none after one", f.srv.Comments("1"), f.srv.Requests())
			}
		})
	}
}

func TestAdvancedKeyRefusesStaleTimestamp(t *testing.T) {
	f := newFixture(t, xdrtest.Options{Advanced: true}, nil)
	behind := &clock{now: f.clock.Now().Add(-10 * time.Minute)}
	c := newClient(t, xdr.Config{BaseURL: f.srv.URL, APIKey: f.srv.APIKey, APIKeyID: f.srv.APIKeyID, Advanced: true}, behind)
	if err := c.Ping(context.Background()); !upstream.IsKind(err, upstream.Unauthorized) {
		t.Fatalf("Ping with a clock 10 minutes behind = %v, want Unauthorized", err)
	}
}

func TestAdvancedKeyRefusesReplayedNonce(t *testing.T) {
	f := newFixture(t, xdrtest.Options{Advanced: true}, nil)
	fixed := strings.Repeat("N0nce", 12) + "abcd" // 64 characters
	xdr.SetTestNonce(f.client, func() (string, error) { return fixed, nil })
	ctx := context.Background()
	if err := f.client.AddIncidentComment(ctx, "1", "first"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Millisecond) // a new timestamp, hence a new hash, same nonce
	if err := f.client.AddIncidentComment(ctx, "1", "replayed"); !upstream.IsKind(err, upstream.Unauthorized) {
		t.Fatalf("second request with the same nonce = %v, want Unauthorized", err)
	}
	if got := f.srv.Comments("1"); len(got) != 1 || got[0].Text != "first" {
		t.Errorf("comments = %v, want only the first", got)
	}
}

func TestCommentRetriedOn429WithFreshNonce(t *testing.T) {
	f := newFixture(t, xdrtest.Options{Advanced: true}, nil)
	f.srv.InjectStatus(1, 429)
	if err := f.client.AddIncidentComment(context.Background(), "1", "once"); err != nil {
		t.Fatal(err)
	}
	// The 429 used up the first nonce: the retry only passed with a new one.
	if got := f.srv.Comments("1"); len(got) != 1 || f.srv.Requests() != 2 {
		t.Errorf("comments %v after %d requests; want one after two", got, f.srv.Requests())
	}
}

func TestComment5xxNotRetried(t *testing.T) {
	for _, status := range []int{500, 503} {
		f := newFixture(t, xdrtest.Options{}, nil)
		f.srv.InjectStatus(1, status)
		err := f.client.AddIncidentComment(context.Background(), "1", "x")
		if !upstream.IsKind(err, upstream.Unavailable) || f.srv.Requests() != 1 {
			t.Errorf("%d: err = %v after %d requests; want Unavailable after one", status, err, f.srv.Requests())
		}
	}
}

func TestDownTenant(t *testing.T) {
	f := newFixture(t, xdrtest.Options{}, nil)
	f.srv.SetDown(true)
	if err := f.client.AddIncidentComment(context.Background(), "1", "x"); !upstream.IsKind(err, upstream.Unavailable) || f.srv.Requests() != 1 {
		t.Fatalf("comment while down = %v after %d requests; want Unavailable after one", err, f.srv.Requests())
	}
	if err := f.client.Ping(context.Background()); !upstream.IsKind(err, upstream.Unavailable) || f.srv.Requests() != 4 {
		t.Fatalf("Ping while down = %v after %d requests; want Unavailable after three more", err, f.srv.Requests())
	}
	f.srv.SetDown(false)
	if err := f.client.Ping(context.Background()); err != nil {
		t.Fatalf("Ping after coming back: %v", err)
	}
}

// alerts returns n valid alerts numbered by name.
func alerts(n int, at time.Time) []xdr.ParsedAlert {
	out := make([]xdr.ParsedAlert, n)
	for i := range out {
		out[i] = xdr.ParsedAlert{
			Product: "idcmd", Vendor: "Okta", LocalIP: "0.0.0.0", RemoteIP: "198.51.100.9", RemotePort: 443,
			EventTimestamp: at.UnixMilli(), Severity: xdr.SeverityMedium,
			AlertName: fmt.Sprintf("alert %d", i), AlertDescription: "user.mfa.okta_verify.deny_push",
		}
	}
	return out
}

// requestSizes counts the fake's alerts per insert request.
func requestSizes(recs []xdrtest.ParsedAlertRecord) []int {
	var sizes []int
	for _, r := range recs {
		if r.Request > len(sizes) {
			sizes = append(sizes, 0)
		}
		sizes[r.Request-1]++
	}
	return sizes
}

func TestInsertParsedAlerts(t *testing.T) {
	for _, mode := range keyModes {
		t.Run(mode.name, func(t *testing.T) {
			f := newFixture(t, xdrtest.Options{Advanced: mode.advanced}, nil)
			in := alerts(3, f.clock.Now())
			in[1].RemoteIP, in[1].RemoteIPv6, in[1].Severity = "", "2001:db8::9", xdr.SeverityInformational
			if err := f.client.InsertParsedAlerts(context.Background(), in); err != nil {
				t.Fatal(err)
			}
			got := f.srv.Alerts()
			if len(got) != 3 {
				t.Fatalf("%d alerts in XDR, want 3", len(got))
			}
			want := xdrtest.ParsedAlertRecord{
				Product: "idcmd", Vendor: "Okta", LocalIP: "0.0.0.0", RemoteIPv6: "2001:db8::9", RemotePort: 443,
				EventTimestamp: f.clock.Now().UnixMilli(), Severity: "Informational", AlertName: "alert 1",
				AlertDescription: "user.mfa.okta_verify.deny_push", Request: 1, Received: f.clock.Now(),
			}
			if diff := cmp.Diff(want, got[1], cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Raw" }, cmp.Ignore())); diff != "" {
				t.Errorf("alert 1 (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInsert61AlertsSplitsInto60And1(t *testing.T) {
	f := newFixture(t, xdrtest.Options{}, nil)
	if err := f.client.InsertParsedAlerts(context.Background(), alerts(61, f.clock.Now())); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{60, 1}, requestSizes(f.srv.Alerts())); diff != "" {
		t.Errorf("alerts per request (-want +got):\n%s", diff)
	}
	// The first 60 use the bucket; the 61st waits for one token at 540 a
	// minute (see alertPacer).
	if got := f.clock.Sleeps(); len(got) != 1 || got[0].Round(time.Millisecond) != 111*time.Millisecond {
		t.Errorf("sleeps = %v, want one of 1/9 s", got)
	}
}

func TestInsertPacingPastDeadlineIsRateLimitedWithoutSleeping(t *testing.T) {
	f := newFixture(t, xdrtest.Options{}, nil)
	ctx := context.Background()
	if err := f.client.InsertParsedAlerts(ctx, alerts(60, f.clock.Now())); err != nil {
		t.Fatal(err)
	}
	before := f.srv.Requests()

	short, cancel := context.WithDeadline(ctx, f.clock.Now().Add(time.Second))
	defer cancel()
	err := f.client.InsertParsedAlerts(short, alerts(60, f.clock.Now()))
	ue := upstream.As(err)
	if ue == nil || ue.Kind != upstream.RateLimited || ue.RetryAfter != 7*time.Second {
		t.Fatalf("err = %#v, want RateLimited with RetryAfter 7s (60 alerts at 9 a second)", err)
	}
	if f.srv.Requests() != before || len(f.clock.Sleeps()) != 0 {
		t.Errorf("%d requests and sleeps %v after the refusal; want none", f.srv.Requests()-before, f.clock.Sleeps())
	}

	// The refused insert gave its tokens back: without a deadline the same
	// alerts wait 60/9 s, not twice that.
	if err := f.client.InsertParsedAlerts(ctx, alerts(60, f.clock.Now())); err != nil {
		t.Fatal(err)
	}
	if got := f.clock.Sleeps(); len(got) != 1 || got[0].Round(time.Millisecond) != 6667*time.Millisecond {
		t.Errorf("sleeps = %v, want one of 60/9 s", got)
	}
}

func TestInsertPacingNeverTripsTheLimit(t *testing.T) {
	// The fake counts a sliding 60 s window, the strictest reading of XDR's
	// limit; the client's pacing must never make it answer 429.
	f := newFixture(t, xdrtest.Options{}, func(c *xdr.Config) { c.MaxRetries = -1 })
	for range 3 {
		if err := f.client.InsertParsedAlerts(context.Background(), alerts(500, f.clock.Now())); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(f.srv.Alerts()); got != 1500 {
		t.Errorf("%d alerts in XDR, want 1500", got)
	}
}

func TestInsert429Retried(t *testing.T) {
	f := newFixture(t, xdrtest.Options{Advanced: true}, nil)
	f.srv.InjectStatus(1, 429)
	if err := f.client.InsertParsedAlerts(context.Background(), alerts(2, f.clock.Now())); err != nil {
		t.Fatal(err)
	}
	if got := len(f.srv.Alerts()); got != 2 || f.srv.Requests() != 2 {
		t.Errorf("%d alerts after %d requests; want 2 after 2", got, f.srv.Requests())
	}
}

func TestInsertFailingHalfWayReportsWhatWasInserted(t *testing.T) {
	// The tenant's quota is shared with another sender: the fake allows 100
	// a minute while this client paces to 600.
	f := newFixture(t, xdrtest.Options{AlertsPerMinute: 100}, func(c *xdr.Config) { c.MaxRetries = -1 })
	err := f.client.InsertParsedAlerts(context.Background(), alerts(120, f.clock.Now()))
	var ie *xdr.InsertError
	if !errors.As(err, &ie) || ie.Inserted != 60 || !upstream.IsKind(err, upstream.RateLimited) {
		t.Fatalf("err = %v, want an InsertError after 60 alerts wrapping RateLimited", err)
	}
	if got := len(f.srv.Alerts()); got != 60 {
		t.Errorf("%d alerts in XDR, want 60", got)
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	f := newFixture(t, xdrtest.Options{Advanced: true}, nil)
	ctx := context.Background()
	var errs []error
	f.srv.InjectStatus(1, 403)
	errs = append(errs, f.client.Ping(ctx))
	f.srv.InjectStatus(1, 500)
	errs = append(errs, f.client.AddIncidentComment(ctx, "1", "x"))
	f.srv.InjectStatus(1, 400)
	errs = append(errs, f.client.InsertParsedAlerts(ctx, alerts(1, f.clock.Now())))
	f.srv.Close()
	errs = append(errs, f.client.Ping(ctx))
	for _, err := range errs {
		if err == nil {
			t.Fatal("want an error")
		}
		for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if strings.Contains(s, f.srv.APIKey) {
				t.Errorf("error shows the key: %s", s)
			}
		}
	}
}
