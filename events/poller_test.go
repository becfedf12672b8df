package events

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/pingone"
	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
	"github.com/idcmd/idcmd/store"
	"github.com/idcmd/idcmd/store/storetest"
)

// clock is a settable lease clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// counts tallies what the intake reports.
type counts struct {
	mu                  sync.Mutex
	stored, dup, reject int
}

func (c *counts) observe(_, _, result string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch result {
	case "stored":
		c.stored += n
	case "duplicate":
		c.dup += n
	case "rejected":
		c.reject += n
	}
}

func (c *counts) get() (stored, dup int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stored, c.dup
}

func openSQLite(t *testing.T) store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func openPostgres(t *testing.T, url string) store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), url, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func oktaClient(t *testing.T, fake *oktatest.Server, retries int) *okta.Client {
	t.Helper()
	c, err := okta.New(okta.Config{BaseURL: fake.URL, APIToken: fake.Token, MaxRetries: retries})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func oktaPoller(st store.Store, c *okta.Client, owner string, clk *clock, n *counts) *Poller {
	return &Poller{Provider: Okta, Name: "poll:okta:test", Owner: owner, Interval: time.Minute, Lease: time.Minute,
		Source: &OktaLog{Client: c, FirstFetch: 8 * 24 * time.Hour},
		Intake: &Intake{Store: st, Observe: n.observe}, Log: discard(), Now: clk.now}
}

// newEvents appends n fresh login events to the fake's System Log.
func newEvents(fake *oktatest.Server, n int) {
	evs := make([]oktatest.LogEvent, n)
	for i := range evs {
		evs[i] = oktatest.LogEvent{EventType: "user.session.start", Actor: oktatest.LogActor{ID: "00u1", Type: "User", AlternateID: "jdoe@example.com"}}
	}
	fake.Org().AppendEvents(evs...)
}

func countEvents(t *testing.T, st store.Store) int {
	t.Helper()
	n, cursor := 0, ""
	for {
		list, next, err := st.ListEvents(t.Context(), store.EventFilter{Limit: 500, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		n += len(list)
		if next == "" {
			return n
		}
		cursor = next
	}
}

// TestOktaPollerResumesWithoutGapOrDuplicate: the first poll reads the
// whole log page by page; a new poller on the same store (a restart)
// resumes at the stored next link and reads only what came since.
func TestOktaPollerResumesWithoutGapOrDuplicate(t *testing.T) {
	fake := oktatest.NewServer(oktatest.Options{Seed: true})
	defer fake.Close()
	st := openSQLite(t)
	clk := &clock{t: time.Now()}
	n := &counts{}
	first := oktaPoller(st, oktaClient(t, fake, 0), "r1", clk, n)
	var due time.Time
	if wait := first.step(t.Context(), &due); wait <= 0 || !first.State().Polling {
		t.Fatalf("first step: wait %v, state %+v", wait, first.State())
	}
	total := fake.Org().EventCount()
	if total <= pollPageSize {
		t.Fatalf("the seed has %d events; the test needs more than a page", total)
	}
	if got := countEvents(t, st); got != total {
		t.Fatalf("first poll stored %d events, the fake has %d", got, total)
	}
	newEvents(fake, 7)
	// Restart: a new poller, the old one's lease given back.
	if err := st.ReleaseLease(t.Context(), first.Name, "r1"); err != nil {
		t.Fatal(err)
	}
	again := oktaPoller(st, oktaClient(t, fake, 0), "r2", clk, n)
	due = time.Time{}
	again.step(t.Context(), &due)
	if got := countEvents(t, st); got != total+7 {
		t.Fatalf("after the restart %d events, want %d", got, total+7)
	}
	if stored, dup := n.get(); stored != total+7 || dup != 0 {
		t.Fatalf("intake stored %d and saw %d duplicates: the restart re-read events", stored, dup)
	}
	if s := again.State(); s.Failing != 0 || s.LastSuccess.IsZero() {
		t.Fatalf("state %+v", s)
	}
}

// TestOktaPollerWaitsOutRateLimit: a 429 fails the round without moving
// the cursor, the wait is Okta's reset, and the next round reads the page.
func TestOktaPollerWaitsOutRateLimit(t *testing.T) {
	fake := oktatest.NewServer(oktatest.Options{Seed: true})
	defer fake.Close()
	st := openSQLite(t)
	clk := &clock{t: time.Now()}
	p := oktaPoller(st, oktaClient(t, fake, -1), "r1", clk, &counts{})
	if held, err := p.takeLease(t.Context()); err != nil || !held {
		t.Fatalf("lease: %v %v", held, err)
	}
	// Two 503s (no retries in this client), then a 429.
	fake.InjectStatus(2, 503)
	p.poll(t.Context())
	p.poll(t.Context())
	fake.InjectRateLimit(1)
	if wait := p.poll(t.Context()); wait < time.Second || wait > 3*time.Second {
		t.Fatalf("the round after a 429 waits %v, want X-Rate-Limit-Reset's 1-3 s, not the backoff", wait)
	}
	if c, _ := st.PollCursor(t.Context(), p.Name); c != "" {
		t.Fatalf("a failed poll stored cursor %q", c)
	}
	if err := p.Check(t.Context()); err == nil {
		t.Fatalf("%d failed rounds in a row and the readiness check passes", FailingAfter)
	}
	p.poll(t.Context())
	if got := countEvents(t, st); got != fake.Org().EventCount() {
		t.Fatalf("after the 429s %d events stored, want %d", got, fake.Org().EventCount())
	}
	if err := p.Check(t.Context()); err != nil {
		t.Fatalf("check after a good round: %v", err)
	}
}

func TestOnePollerPerTenantSQLite(t *testing.T) {
	st := openSQLite(t)
	testOnePollerPerTenant(t, st, st)
}

func TestOnePollerPerTenantPostgres(t *testing.T) {
	url := storetest.PostgresURL(t)
	testOnePollerPerTenant(t, openPostgres(t, url), openPostgres(t, url))
}

// testOnePollerPerTenant: two replicas (a and b, each its own store on one
// database) poll one tenant; one polls and the other stands by, the
// standby takes over once the poller's lease runs out (it died), resumes at
// its cursor, and the old poller, back from a pause, stores nothing.
func testOnePollerPerTenant(t *testing.T, a, b store.Store) {
	fake := oktatest.NewServer(oktatest.Options{Seed: true})
	defer fake.Close()
	clk := &clock{t: time.Now()}
	n := &counts{}
	pa := oktaPoller(a, oktaClient(t, fake, 0), "replica-a", clk, n)
	pb := oktaPoller(b, oktaClient(t, fake, 0), "replica-b", clk, n)
	var dueA, dueB time.Time
	pa.step(t.Context(), &dueA)
	before := fake.Requests()
	pb.step(t.Context(), &dueB)
	if !pa.State().Polling || pb.State().Polling {
		t.Fatalf("a polling %v, b polling %v: want a only", pa.State().Polling, pb.State().Polling)
	}
	if fake.Requests() != before {
		t.Fatal("the standby replica called Okta")
	}
	total := fake.Org().EventCount()
	// a dies: no more steps; its lease runs out, b takes over.
	newEvents(fake, 5)
	clk.add(61 * time.Second)
	pb.step(t.Context(), &dueB)
	if !pb.State().Polling {
		t.Fatal("b did not take over a lease that ran out")
	}
	if got := countEvents(t, a); got != total+5 {
		t.Fatalf("%d events after the takeover, want %d", got, total+5)
	}
	if stored, dup := n.get(); stored != total+5 || dup != 0 {
		t.Fatalf("stored %d, %d duplicates: the takeover did not resume at the cursor", stored, dup)
	}
	// a comes back from a pause, mid-poll, with its page: nothing stored.
	newEvents(fake, 3)
	cursor, _ := a.PollCursor(t.Context(), pa.Name)
	page, err := pa.Source.Read(t.Context(), cursor)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pa.Intake.Add(context.Background(), store.SourcePoll, page.Events, &store.PollCheckpoint{Name: pa.Name, Owner: pa.Owner, Cursor: page.Cursor}); err == nil {
		t.Fatal("a stored a page without the lease")
	}
	pa.step(t.Context(), &dueA)
	if pa.State().Polling {
		t.Fatal("a polls again while b holds the lease")
	}
	// Concurrent steps of both, many rounds: never both polling.
	for range 10 {
		clk.add(10 * time.Second)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); pa.step(t.Context(), &dueA) }()
		go func() { defer wg.Done(); pb.step(t.Context(), &dueB) }()
		wg.Wait()
		if pa.State().Polling == pb.State().Polling {
			t.Fatalf("a polling %v, b polling %v: want exactly one", pa.State().Polling, pb.State().Polling)
		}
	}
}

func pingOneClient(t *testing.T, fake *pingonetest.Server) *pingone.Client {
	t.Helper()
	c, err := pingone.New(pingone.Config{EnvironmentID: fake.EnvironmentID, ClientID: fake.ClientID, ClientSecret: fake.ClientSecret,
		APIURL: fake.URL, AuthURL: fake.AuthURL, Region: "com"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPingOnePollerWindows: the first window reads the environment's
// history page by page; a restart in the middle of a window resumes at its
// stored page; the next window starts overlap before the last ended, and
// what it re-reads is dropped by id: every activity is stored once.
func TestPingOnePollerWindows(t *testing.T) {
	fake := pingonetest.NewServer(pingonetest.Options{Seed: true})
	defer fake.Close()
	st := openSQLite(t)
	clk := &clock{t: time.Now()}
	n := &counts{}
	newPoller := func(owner string) *Poller {
		return &Poller{Provider: PingOne, Name: "poll:pingone:test", Owner: owner, Interval: time.Minute, Lease: time.Minute,
			Source: &PingOneActivities{Client: pingOneClient(t, fake), FirstFetch: 8 * 24 * time.Hour, Overlap: 2 * time.Minute},
			Intake: &Intake{Store: st, Observe: n.observe}, Log: discard(), Now: clk.now}
	}
	total := fake.Env().ActivityCount()
	if total <= pollPageSize {
		t.Fatalf("the seed has %d activities; the test needs more than a page", total)
	}
	first := newPoller("r1")
	if held, err := first.takeLease(t.Context()); err != nil || !held {
		t.Fatal("no lease", err)
	}
	// One page, then the process dies in the middle of the window.
	more, err := first.readPage(t.Context())
	if err != nil || !more {
		t.Fatalf("first page: more %v, %v", more, err)
	}
	cursor, _ := st.PollCursor(t.Context(), first.Name)
	if !strings.Contains(cursor, `"page"`) {
		t.Fatalf("mid-window cursor %s names no page", cursor)
	}
	_ = st.ReleaseLease(t.Context(), first.Name, "r1")
	again := newPoller("r2")
	var due time.Time
	again.step(t.Context(), &due)
	if got := countEvents(t, st); got != total {
		t.Fatalf("%d activities stored, the fake has %d", got, total)
	}
	if _, dup := n.get(); dup != 0 {
		t.Fatalf("resuming mid-window re-read %d activities", dup)
	}
	// New activities, one of them recorded just inside the overlap: the
	// next window reads both, and what it re-reads is not stored twice.
	fake.Env().AppendActivities(
		pingonetest.Activity{Type: "USER.LOCKED", UserID: "jdoe@example.com"},
		pingonetest.Activity{Type: "OTP.CHECK_FAILED", UserID: "jdoe@example.com", Result: pingonetest.ResultFailed},
	)
	clk.add(time.Minute)
	due = time.Time{}
	again.step(t.Context(), &due)
	if got := countEvents(t, st); got != total+2 {
		t.Fatalf("after the next window %d activities, want %d", got, total+2)
	}
	if stored, _ := n.get(); stored != total+2 {
		t.Fatalf("stored %d, want %d: an activity was stored twice", stored, total+2)
	}
}
