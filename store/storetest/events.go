package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcmd/idcmd/store"
)

var eventTests = []struct {
	name string
	fn   func(*testing.T, store.Store)
}{
	{"EventsDedup", testEventsDedup},
	{"EventsKeepFieldsExactly", testEventsKeepFieldsExactly},
	{"EventsRefuseInvalid", testEventsRefuseInvalid},
	{"EventsListFilters", testEventsListFilters},
	{"EventsListPaging", testEventsListPaging},
	{"EventsPurge", testEventsPurge},
	{"LeaseAcquireRenewTakeover", testLeaseAcquireRenewTakeover},
	{"PollCursorWithPage", testPollCursorWithPage},
	{"PollCursorNeedsLease", testPollCursorNeedsLease},
}

var eventBase = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

func event(provider, id string, minute int) store.Event {
	return store.Event{
		Provider: provider, ID: id, Type: "user.session.start", Source: store.SourceHook, Outcome: "SUCCESS",
		UserID: "00u1", UserName: "jdoe@example.com", ActorID: "00u1", ActorName: "jdoe@example.com", IP: "198.51.100.7",
		Time: eventBase.Add(time.Duration(minute) * time.Minute), Body: json.RawMessage(`{"ID":"` + id + `"}`),
		Raw: []byte(`{"uuid":"` + id + `"}`),
	}
}

func appendEvents(t *testing.T, s store.Store, events ...store.Event) int {
	t.Helper()
	n, err := s.AppendEvents(ctx(t), events, nil)
	if err != nil {
		t.Fatalf("AppendEvents: %v", err)
	}
	return n
}

func eventIDs(list []store.Event) []string {
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = e.Provider + "/" + e.ID
	}
	return out
}

func testEventsDedup(t *testing.T, s store.Store) {
	if n := appendEvents(t, s, event("okta", "a", 1), event("okta", "b", 2)); n != 2 {
		t.Fatalf("first batch stored %d, want 2", n)
	}
	// A redelivery of the batch, then an overlapping one: each event once.
	if n := appendEvents(t, s, event("okta", "a", 1), event("okta", "b", 2)); n != 0 {
		t.Fatalf("redelivered batch stored %d, want 0", n)
	}
	if n := appendEvents(t, s, event("okta", "b", 2), event("okta", "c", 3), event("okta", "c", 3)); n != 1 {
		t.Fatalf("overlapping batch stored %d, want 1", n)
	}
	// The same id from the other provider is another event.
	if n := appendEvents(t, s, event("pingone", "a", 4)); n != 1 {
		t.Fatalf("pingone a stored %d, want 1", n)
	}
	list, _, err := s.ListEvents(ctx(t), store.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := eventIDs(list), []string{"pingone/a", "okta/c", "okta/b", "okta/a"}; !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	// Concurrent deliveries of one batch (two replicas, a retry racing the
	// original) store it once.
	var total atomic.Int64
	concurrently(8, func(int) {
		n, err := s.AppendEvents(ctx(t), []store.Event{event("okta", "x", 5), event("okta", "y", 6)}, nil)
		if err != nil {
			t.Error(err)
		}
		total.Add(int64(n))
	})
	if total.Load() != 2 {
		t.Fatalf("concurrent deliveries stored %d events, want 2", total.Load())
	}
}

func testEventsKeepFieldsExactly(t *testing.T, s store.Store) {
	in := event("pingone", "7f0c1d2e-0000-4000-8000-000000000001", 0)
	in.Source = store.SourcePoll
	in.Rejected = "data.events[3] is not a JSON object"
	in.Raw = []byte{0xff, 0x00, 'x'} // a malformed delivery is kept as it came
	in.Time = time.Date(2026, 11, 30, 9, 0, 0, 123456789, time.FixedZone("X", 3600))
	appendEvents(t, s, in)
	got, err := s.GetEvent(ctx(t), "", in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Seq == 0 || got.ReceivedAt.IsZero() {
		t.Fatalf("seq %d, received %v: want both set", got.Seq, got.ReceivedAt)
	}
	want := in
	want.Seq, want.ReceivedAt = got.Seq, got.ReceivedAt
	want.Time = in.Time.UTC().Truncate(time.Microsecond)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("event as stored (-want +got):\n%s", diff)
	}
	if _, err := s.GetEvent(ctx(t), "okta", in.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetEvent with the other provider: %v, want ErrNotFound", err)
	}
}

func testEventsRefuseInvalid(t *testing.T, s store.Store) {
	long := make([]byte, store.MaxEventID+1)
	for i := range long {
		long[i] = 'a'
	}
	bad := map[string]func(*store.Event){
		"provider": func(e *store.Event) { e.Provider = "azure" },
		"source":   func(e *store.Event) { e.Source = "email" },
		"empty id": func(e *store.Event) { e.ID = "" },
		"long id":  func(e *store.Event) { e.ID = string(long) },
		"body":     func(e *store.Event) { e.Body = json.RawMessage(`{`) },
	}
	for name, mutate := range bad {
		e := event("okta", "ok", 0)
		mutate(&e)
		// The good event of the batch is not stored either: a batch is
		// stored whole or not at all.
		if _, err := s.AppendEvents(ctx(t), []store.Event{event("okta", "good", 0), e}, nil); err == nil {
			t.Errorf("%s: AppendEvents accepted an invalid event", name)
		}
	}
	if list, _, _ := s.ListEvents(ctx(t), store.EventFilter{}); len(list) != 0 {
		t.Fatalf("invalid batches stored %v", eventIDs(list))
	}
	if _, err := s.AppendEvents(ctx(t), make([]store.Event, store.MaxEventsPerAppend+1), nil); err == nil {
		t.Fatal("AppendEvents accepted more than MaxEventsPerAppend events")
	}
}

func testEventsListFilters(t *testing.T, s store.Store) {
	a := event("okta", "a", 1)
	b := event("okta", "b", 2)
	b.Type, b.Outcome, b.Source = "user.account.lock", "FAILURE", store.SourcePoll
	b.UserID, b.UserName, b.ActorID, b.ActorName = "00u2", "BWilson@example.com", "sys", "system"
	c := event("pingone", "c", 3)
	c.Type, c.Rejected = "USER.LOCKED", "unreadable"
	appendEvents(t, s, a, b, c)
	yes, no := true, false
	cases := map[string]struct {
		f    store.EventFilter
		want []string
	}{
		"provider":      {store.EventFilter{Provider: "okta"}, []string{"okta/b", "okta/a"}},
		"user by name":  {store.EventFilter{User: "bwilson@EXAMPLE.com"}, []string{"okta/b"}},
		"user by id":    {store.EventFilter{User: "00u1"}, []string{"pingone/c", "okta/a"}},
		"user as actor": {store.EventFilter{User: "system"}, []string{"okta/b"}},
		"types":         {store.EventFilter{Types: []string{"USER.LOCKED", "user.account.lock"}}, []string{"pingone/c", "okta/b"}},
		"outcome":       {store.EventFilter{Outcome: "FAILURE"}, []string{"okta/b"}},
		"source":        {store.EventFilter{Source: store.SourcePoll}, []string{"okta/b"}},
		"since":         {store.EventFilter{Since: eventBase.Add(2 * time.Minute)}, []string{"pingone/c", "okta/b"}},
		"until":         {store.EventFilter{Until: eventBase.Add(2 * time.Minute)}, []string{"okta/a"}},
		"rejected":      {store.EventFilter{Rejected: &yes}, []string{"pingone/c"}},
		"readable":      {store.EventFilter{Rejected: &no}, []string{"okta/b", "okta/a"}},
	}
	for name, tc := range cases {
		list, _, err := s.ListEvents(ctx(t), tc.f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := eventIDs(list); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}

func testEventsListPaging(t *testing.T, s store.Store) {
	var batch []store.Event
	for i := range 7 {
		// Two events share each minute: the cursor must tell them apart.
		batch = append(batch, event("okta", fmt.Sprintf("e%d", i), i/2))
	}
	appendEvents(t, s, batch...)
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 7 {
			t.Fatal("paging does not end")
		}
		list, next, err := s.ListEvents(ctx(t), store.EventFilter{Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, eventIDs(list)...)
		if next == "" {
			break
		}
		cursor = next
	}
	want := []string{"okta/e6", "okta/e5", "okta/e4", "okta/e3", "okta/e2", "okta/e1", "okta/e0"}
	if !slices.Equal(got, want) {
		t.Fatalf("pages gave %v, want %v", got, want)
	}
	if _, _, err := s.ListEvents(ctx(t), store.EventFilter{Cursor: "bm90LWEtY3Vyc29y"}); !errors.Is(err, store.ErrInvalidCursor) {
		t.Fatalf("foreign cursor: %v, want ErrInvalidCursor", err)
	}
}

func testEventsPurge(t *testing.T, s store.Store) {
	old, recent := event("okta", "old", 0), event("okta", "recent", 1)
	old.ReceivedAt = time.Now().Add(-48 * time.Hour)
	appendEvents(t, s, old, recent)
	n, err := s.PurgeEvents(ctx(t), time.Now().Add(-24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("PurgeEvents = %d, %v; want 1", n, err)
	}
	list, _, _ := s.ListEvents(ctx(t), store.EventFilter{})
	if got := eventIDs(list); !slices.Equal(got, []string{"okta/recent"}) {
		t.Fatalf("after purge: %v", got)
	}
}

func acquire(t *testing.T, s store.Store, owner string, at time.Time) bool {
	t.Helper()
	ok, err := s.AcquireLease(ctx(t), "poll:okta", owner, time.Minute, at)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func testLeaseAcquireRenewTakeover(t *testing.T, s store.Store) {
	now := time.Now()
	if !acquire(t, s, "r1", now) {
		t.Fatal("r1 could not take a free lease")
	}
	if acquire(t, s, "r2", now.Add(30*time.Second)) {
		t.Fatal("r2 took a lease r1 holds")
	}
	if !acquire(t, s, "r1", now.Add(50*time.Second)) {
		t.Fatal("r1 could not renew its lease")
	}
	// The renewal moved the expiry: at +70 s r1 still holds it.
	if acquire(t, s, "r2", now.Add(70*time.Second)) {
		t.Fatal("r2 took the lease before the renewed expiry")
	}
	if !acquire(t, s, "r2", now.Add(111*time.Second)) {
		t.Fatal("r2 could not take over an expired lease")
	}
	if err := s.ReleaseLease(ctx(t), "poll:okta", "r1"); err != nil {
		t.Fatal(err)
	}
	if acquire(t, s, "r1", now.Add(112*time.Second)) {
		t.Fatal("a release by a former owner freed r2's lease")
	}
	if err := s.ReleaseLease(ctx(t), "poll:okta", "r2"); err != nil {
		t.Fatal(err)
	}
	if !acquire(t, s, "r1", now.Add(113*time.Second)) {
		t.Fatal("r1 could not take a released lease")
	}
}

func testPollCursorWithPage(t *testing.T, s store.Store) {
	if c, err := s.PollCursor(ctx(t), "poll:okta"); err != nil || c != "" {
		t.Fatalf("PollCursor before any page = %q, %v", c, err)
	}
	if !acquire(t, s, "r1", time.Now()) {
		t.Fatal("no lease")
	}
	cp := &store.PollCheckpoint{Name: "poll:okta", Owner: "r1", Cursor: "/api/v1/logs?after=1"}
	if n, err := s.AppendEvents(ctx(t), []store.Event{event("okta", "a", 0)}, cp); err != nil || n != 1 {
		t.Fatalf("AppendEvents with checkpoint = %d, %v", n, err)
	}
	// An empty page still moves the cursor (Okta's next link after it).
	cp.Cursor = "/api/v1/logs?after=2"
	if _, err := s.AppendEvents(ctx(t), nil, cp); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.PollCursor(ctx(t), "poll:okta"); c != "/api/v1/logs?after=2" {
		t.Fatalf("cursor %q, want the last page's", c)
	}
}

func testPollCursorNeedsLease(t *testing.T, s store.Store) {
	now := time.Now()
	if !acquire(t, s, "r1", now.Add(-2*time.Minute)) { // expired a minute ago
		t.Fatal("no lease")
	}
	cp := &store.PollCheckpoint{Name: "poll:okta", Owner: "r1", Cursor: "c1"}
	if _, err := s.AppendEvents(ctx(t), []store.Event{event("okta", "a", 0)}, cp); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("append under an expired lease: %v, want ErrLeaseLost", err)
	}
	if !acquire(t, s, "r2", now) {
		t.Fatal("r2 could not take the expired lease")
	}
	cp.Owner = "r1"
	if _, err := s.AppendEvents(ctx(t), []store.Event{event("okta", "a", 0)}, cp); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("append under r2's lease by r1: %v, want ErrLeaseLost", err)
	}
	if list, _, _ := s.ListEvents(ctx(t), store.EventFilter{}); len(list) != 0 {
		t.Fatalf("a page without the lease was stored: %v", eventIDs(list))
	}
	if c, _ := s.PollCursor(ctx(t), "poll:okta"); c != "" {
		t.Fatalf("a page without the lease moved the cursor to %q", c)
	}
}

// testSharedLease: two replicas racing for one expired lease, many times;
// exactly one wins each round.
func testSharedLease(t *testing.T, a, b store.Store) {
	now := time.Now()
	for round := range 20 {
		at := now.Add(time.Duration(round) * 2 * time.Minute)
		var wins atomic.Int64
		concurrently(2, func(i int) {
			s, owner := a, "ra"
			if i == 1 {
				s, owner = b, "rb"
			}
			ok, err := s.AcquireLease(ctx(t), "poll:shared", owner+fmt.Sprint(round), time.Minute, at)
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		})
		if wins.Load() != 1 {
			t.Fatalf("round %d: %d replicas hold the lease, want 1", round, wins.Load())
		}
	}
}
