package oktatest

import (
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"
)

// numbered appends n events typed "e<from>" to "e<from+n-1>", published
// now, one millisecond apart on the clock.
func numbered(srv *Server, clk *fakeClock, from, n int) {
	for i := from; i < from+n; i++ {
		clk.Advance(time.Millisecond)
		srv.Org().AppendEvents(LogEvent{EventType: "e" + strconv.Itoa(i)})
	}
}

func eventTypes(evs []LogEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.EventType
	}
	return out
}

func typesFrom(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, "e"+strconv.Itoa(i))
	}
	return out
}

// TestSystemLogKeepsTheNewestMaxEvents: past MaxLogEvents the oldest
// events go first, and the log holds exactly the newest MaxLogEvents,
// whether the events come from AppendEvents or from API calls.
func TestSystemLogKeepsTheNewestMaxEvents(t *testing.T) {
	clk := newClock()
	srv := NewServer(Options{Now: clk.Now, MaxLogEvents: 50})
	t.Cleanup(srv.Close)
	numbered(srv, clk, 1, 80)
	if got := eventTypes(srv.Org().Events()); !slices.Equal(got, typesFrom(31, 80)) {
		t.Fatalf("after 80 events with a cap of 50 the log holds %v, want e31..e80", got)
	}
	// The same through the API: every DELETE sessions records an event.
	id := srv.Org().AddUser(UserSpec{Login: "cap@example.com"})
	for range 60 {
		if r := api(t, srv, "DELETE", "/api/v1/users/"+id+"/sessions"); r.status != 204 {
			t.Fatalf("clear sessions: %d %s", r.status, r.body)
		}
	}
	evs := srv.Org().Events()
	if len(evs) != 50 {
		t.Fatalf("the log holds %d events, want the cap of 50", len(evs))
	}
	for _, e := range evs {
		if e.EventType != "user.session.clear" {
			t.Fatalf("an older event %s outlived 60 newer ones", e.EventType)
		}
	}
	// What the API serves is what is kept: a bounded query over the whole
	// window returns the 50.
	r := api(t, srv, "GET", "/api/v1/logs?limit=1000&since="+url.QueryEscape(formatTime(clk.Now().Add(-time.Hour)))+
		"&until="+url.QueryEscape(formatTime(clk.Now().Add(time.Second))))
	var served []LogEvent
	r.decode(t, &served)
	if len(served) != 50 {
		t.Errorf("a bounded query served %d events, want 50", len(served))
	}
}

// TestSystemLogCapKeepsTheSeededHistory: the demo org's seeded week, which
// the sandbox's stories are told from, stays when API calls fill the log
// past the cap; the events the API recorded make room for each other.
func TestSystemLogCapKeepsTheSeededHistory(t *testing.T) {
	clk := newClock()
	probe := NewHandlerServer(Options{Seed: true, Now: clk.Now})
	seeded := probe.Org().Events()
	srv := NewServer(Options{Seed: true, Now: clk.Now, MaxLogEvents: len(seeded) + 20})
	t.Cleanup(srv.Close)
	jdoe := userIDOf(t, srv, DemoActiveUser)
	for range 100 {
		clk.Advance(time.Millisecond)
		if r := api(t, srv, "DELETE", "/api/v1/users/"+jdoe+"/sessions"); r.status != 204 {
			t.Fatalf("clear sessions: %d %s", r.status, r.body)
		}
	}
	evs := srv.Org().Events()
	if len(evs) != len(seeded)+20 {
		t.Fatalf("the log holds %d events, want the cap of %d", len(evs), len(seeded)+20)
	}
	for i, e := range seeded {
		if evs[i].UUID != e.UUID {
			t.Fatalf("seeded event %d (%s) is gone or moved", i, e.EventType)
		}
	}
	for _, e := range evs[len(seeded):] {
		if e.EventType != "user.session.clear" {
			t.Fatalf("after the seeded history: %s, want the 20 newest session clears", e.EventType)
		}
	}
}

// TestSystemLogPollingCursorIntoDroppedEvents: a polling collector that
// fell behind, whose next events were dropped by the cap, continues with
// the oldest event kept after its cursor, with no error and nothing twice.
func TestSystemLogPollingCursorIntoDroppedEvents(t *testing.T) {
	clk := newClock()
	srv := NewServer(Options{Now: clk.Now, MaxLogEvents: 20})
	t.Cleanup(srv.Close)
	since := url.QueryEscape(formatTime(clk.Now()))
	numbered(srv, clk, 1, 20)
	evs, links := logsPage(t, srv, srv.URL+"/api/v1/logs?limit=5&sortOrder=ASCENDING&since="+since)
	if got := eventTypes(evs); !slices.Equal(got, typesFrom(1, 5)) {
		t.Fatalf("first page %v", got)
	}
	// 30 more: e1..e30 are gone, e31..e50 kept; the cursor points after e5.
	numbered(srv, clk, 21, 30)
	var got []string
	next := links["next"]
	for range 10 {
		evs, links := logsPage(t, srv, next)
		if len(evs) == 0 {
			break
		}
		got = append(got, eventTypes(evs)...)
		next = links["next"]
	}
	if !slices.Equal(got, typesFrom(31, 50)) {
		t.Errorf("after the cap dropped what the cursor pointed at, polling delivered %v, want e31..e50", got)
	}
}

// TestSystemLogBoundedCursorIntoDroppedEvents: a bounded (published
// order) listing whose next page was dropped continues with the oldest
// event kept after the cursor's position.
func TestSystemLogBoundedCursorIntoDroppedEvents(t *testing.T) {
	clk := newClock()
	srv := NewServer(Options{Now: clk.Now, MaxLogEvents: 20})
	t.Cleanup(srv.Close)
	start := clk.Now()
	numbered(srv, clk, 1, 20)
	until := url.QueryEscape(formatTime(start.Add(time.Hour)))
	evs, links := logsPage(t, srv, srv.URL+"/api/v1/logs?limit=5&since="+url.QueryEscape(formatTime(start))+"&until="+until)
	if got := eventTypes(evs); !slices.Equal(got, typesFrom(1, 5)) || links["next"] == "" {
		t.Fatalf("first page %v, next %q", got, links["next"])
	}
	numbered(srv, clk, 21, 10) // e1..e10 dropped, e11..e30 kept
	var got []string
	for next := links["next"]; next != ""; {
		evs, links := logsPage(t, srv, next)
		got = append(got, eventTypes(evs)...)
		next = links["next"]
	}
	if !slices.Equal(got, typesFrom(11, 30)) {
		t.Errorf("the bounded listing continued with %v, want e11..e30", got)
	}
}

// TestSystemLogRetentionIsNinetyDays: an event is kept 90 days after it
// was published (Okta's retention) and then dropped, whether or not
// anything is written meanwhile; LogRetention changes the age.
func TestSystemLogRetentionIsNinetyDays(t *testing.T) {
	srv, clk := empty(t)
	srv.Org().AppendEvents(
		LogEvent{EventType: "old", Published: clk.Now().Add(-89 * 24 * time.Hour)},
		LogEvent{EventType: "late", Published: clk.Now().Add(-91 * 24 * time.Hour)},
		LogEvent{EventType: "new"},
	)
	if got := eventTypes(srv.Org().Events()); !slices.Equal(got, []string{"old", "new"}) {
		t.Fatalf("an event published 91 days ago was stored: %v", got)
	}
	clk.Advance(2 * 24 * time.Hour) // "old" is now 91 days old; no write since
	query := srv.URL + "/api/v1/logs?since=" + url.QueryEscape(formatTime(clk.Now().Add(-120*24*time.Hour))) +
		"&until=" + url.QueryEscape(formatTime(clk.Now().Add(time.Hour)))
	if evs, _ := logsPage(t, srv, query); !slices.Equal(eventTypes(evs), []string{"new"}) {
		t.Errorf("91 days after it was published an event is still served: %v", eventTypes(evs))
	}
	if n := srv.Org().EventCount(); n != 1 {
		t.Errorf("EventCount %d after the retention, want 1", n)
	}

	clk2 := newClock()
	short := NewServer(Options{Now: clk2.Now, LogRetention: time.Hour})
	t.Cleanup(short.Close)
	short.Org().AppendEvents(LogEvent{EventType: "a"})
	clk2.Advance(time.Hour + time.Millisecond)
	short.Org().AppendEvents(LogEvent{EventType: "b"})
	if got := eventTypes(short.Org().Events()); !slices.Equal(got, []string{"b"}) {
		t.Errorf("with a retention of an hour: %v, want only b", got)
	}
}
