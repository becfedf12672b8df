package oktatest

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func logsPage(t *testing.T, srv *Server, rawURL string) ([]LogEvent, map[string]string) {
	t.Helper()
	r := send(t, "GET", rawURL, "SSWS "+srv.Token, nil)
	if r.status != 200 {
		t.Fatalf("GET %s: %d %s", rawURL, r.status, r.body)
	}
	var evs []LogEvent
	r.decode(t, &evs)
	return evs, r.links()
}

func TestLogsPollingAlwaysHasNext(t *testing.T) {
	srv, clk := seeded(t)
	since := url.QueryEscape(formatTime(clk.Now().Add(-7 * 24 * time.Hour)))
	next := srv.URL + "/api/v1/logs?limit=1000&sortOrder=ASCENDING&since=" + since
	seen := map[string]bool{}
	var pages int
	for {
		evs, links := logsPage(t, srv, next)
		pages++
		if links["next"] == "" {
			t.Fatalf("polling page %d has no next link", pages)
		}
		for _, e := range evs {
			if seen[e.UUID] {
				t.Fatalf("event %s delivered twice", e.UUID)
			}
			seen[e.UUID] = true
		}
		next = links["next"]
		if len(evs) == 0 {
			break
		}
		if pages > 10 {
			t.Fatal("polling never drains")
		}
	}
	if want := srv.Org().EventCount(); len(seen) != want {
		t.Errorf("polling delivered %d events, want all %d", len(seen), want)
	}
	if strings.Contains(next, "since=") {
		t.Errorf("next link %s carries since, which Okta refuses alongside after", next)
	}

	// The empty page's next link stays valid: new events, including a late
	// one published an hour ago, arrive on it.
	clk.Advance(time.Minute)
	srv.Org().AppendEvents(
		LogEvent{EventType: "user.session.start", Actor: LogActor{ID: "00uNEW"}},
		LogEvent{EventType: "user.session.end", Published: clk.Now().Add(-time.Hour)},
	)
	evs, links := logsPage(t, srv, next)
	if len(evs) != 2 || links["next"] == "" {
		t.Fatalf("after appending: %d events, next %q", len(evs), links["next"])
	}
	evs, links = logsPage(t, srv, links["next"])
	if len(evs) != 0 || links["next"] == "" {
		t.Errorf("drained again: %d events, next %q", len(evs), links["next"])
	}
}

func TestLogsBoundedIsFinite(t *testing.T) {
	srv, clk := seeded(t)
	now := clk.Now()
	since, until := now.Add(-3*24*time.Hour), now.Add(-1*24*time.Hour)
	var want []string
	for _, e := range srv.Org().Events() {
		if !e.Published.Before(since) && e.Published.Before(until) {
			want = append(want, e.UUID)
		}
	}
	for _, order := range []string{"ASCENDING", "DESCENDING"} {
		next := srv.URL + "/api/v1/logs?limit=100&sortOrder=" + order +
			"&since=" + url.QueryEscape(formatTime(since)) + "&until=" + url.QueryEscape(formatTime(until))
		var got []string
		var last time.Time
		for pages := 0; next != ""; pages++ {
			evs, links := logsPage(t, srv, next)
			for _, e := range evs {
				if !last.IsZero() && (order == "ASCENDING" && e.Published.Before(last) || order == "DESCENDING" && e.Published.After(last)) {
					t.Fatalf("%s: %s out of published order", order, e.UUID)
				}
				last = e.Published
				got = append(got, e.UUID)
			}
			next = links["next"]
			if pages > 50 {
				t.Fatalf("%s: bounded query does not end", order)
			}
		}
		slices.Sort(got)
		w := slices.Clone(want)
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Errorf("%s: got %d events, want %d", order, len(got), len(w))
		}
	}
}

func TestLogsDescendingWithoutUntilIsBounded(t *testing.T) {
	srv, _ := seeded(t)
	evs, links := logsPage(t, srv, srv.URL+"/api/v1/logs?sortOrder=DESCENDING&limit=1000")
	if len(evs) == 0 || links["next"] == "" {
		t.Fatalf("first page: %d events, next %q", len(evs), links["next"])
	}
	if !evs[0].Published.After(evs[len(evs)-1].Published) {
		t.Error("DESCENDING page is not newest first")
	}
	evs, links = logsPage(t, srv, links["next"])
	if links["next"] != "" {
		t.Errorf("last DESCENDING page (%d events) has a next link", len(evs))
	}
}

func TestLogsFilterAndQuery(t *testing.T) {
	srv, _ := seeded(t)
	jdoe := userIDOf(t, srv, DemoActiveUser)
	// A polling query over the whole week: follow next links until an
	// empty page, as pages are short when the filter is selective.
	get := func(params string) []LogEvent {
		t.Helper()
		var all []LogEvent
		next := srv.URL + "/api/v1/logs?limit=1000&" + params
		for range 100 {
			evs, links := logsPage(t, srv, next)
			if len(evs) == 0 {
				break
			}
			all, next = append(all, evs...), links["next"]
		}
		return all
	}
	evs := get("filter=" + url.QueryEscape(`eventType eq "user.mfa.factor.attempt_fail" and actor.id eq "`+jdoe+`"`))
	if len(evs) < 5 {
		t.Errorf("MFA failures for DemoActiveUser: %d", len(evs))
	}
	for _, e := range evs {
		if e.EventType != "user.mfa.factor.attempt_fail" || e.Actor.ID != jdoe {
			t.Fatalf("filter let through %s by %s", e.EventType, e.Actor.ID)
		}
	}
	evs = get("filter=" + url.QueryEscape(`(eventType eq "user.account.lock" or eventType eq "user.account.unlock") and outcome.result eq "SUCCESS"`))
	types := map[string]bool{}
	for _, e := range evs {
		types[e.EventType] = true
	}
	if !types["user.account.lock"] || !types["user.account.unlock"] || len(types) != 2 {
		t.Errorf("lock/unlock filter gave types %v", types)
	}
	evs = get("filter=" + url.QueryEscape(`target.id eq "`+jdoe+`"`))
	for _, e := range evs {
		if !slices.ContainsFunc(e.Target, func(tg LogTarget) bool { return tg.ID == jdoe }) {
			t.Fatalf("target.id filter let through %+v", e.Target)
		}
	}
	evs = get("q=" + url.QueryEscape("moscow JDOE@example.com"))
	if len(evs) == 0 {
		t.Error("q found nothing for DemoActiveUser in Moscow")
	}
	for _, e := range evs {
		if e.Client.GeographicalContext.City != "Moscow" || e.Actor.ID != jdoe {
			t.Fatalf("q let through %s from %s", e.Actor.AlternateID, e.Client.GeographicalContext.City)
		}
	}
}

func TestLogsErrors(t *testing.T) {
	srv, clk := seeded(t)
	r := api(t, srv, "GET", "/api/v1/logs?limit=1")
	after, _ := url.Parse(r.links()["next"])
	cursor := after.Query().Get("after")
	old := url.QueryEscape(formatTime(clk.Now().Add(-181 * 24 * time.Hour)))
	tests := []struct {
		name, query, code string
	}{
		{"unparsable filter", "filter=" + url.QueryEscape(`eventType eq`), "E0000053"},
		{"unsupported operator", "filter=" + url.QueryEscape(`eventType gt "a"`), "E0000031"},
		{"unsupported field", "filter=" + url.QueryEscape(`published gt "2024-01-01T00:00:00Z"`), "E0000031"},
		{"eleven keywords", "q=" + url.QueryEscape("a b c d e f g h i j k"), "E0000001"},
		{"keyword over 40 chars", "q=" + strings.Repeat("x", 41), "E0000001"},
		{"limit too high", "limit=1001", "E0000001"},
		{"limit negative", "limit=-1", "E0000001"},
		{"bad sortOrder", "sortOrder=NEWEST", "E0000001"},
		{"bad since", "since=yesterday", "E0000001"},
		{"since over 180 days", "since=" + old, "E0000053"},
		{"since with after", "since=" + url.QueryEscape(formatTime(clk.Now())) + "&after=" + cursor, "E0000001"},
		{"altered cursor", "after=" + cursor[:len(cursor)-2] + "xx", "E0000029"},
	}
	for _, tt := range tests {
		r := api(t, srv, "GET", "/api/v1/logs?"+tt.query)
		if r.status != 400 || r.err(t).ErrorCode != tt.code {
			t.Errorf("%s: %d %s, want 400 %s", tt.name, r.status, r.body, tt.code)
		}
	}
	for _, ok := range []string{"q=" + url.QueryEscape("a b c d e f g h i j"), "q=" + strings.Repeat("x", 40), "limit=0", "limit=1000"} {
		if r := api(t, srv, "GET", "/api/v1/logs?"+ok); r.status != 200 {
			t.Errorf("%s: %d %s", ok, r.status, r.body)
		}
	}
}

func TestLogsDefaultWindowIsSevenDays(t *testing.T) {
	srv, clk := empty(t)
	srv.Org().AppendEvents(
		LogEvent{EventType: "old", Published: clk.Now().Add(-8 * 24 * time.Hour)},
		LogEvent{EventType: "recent", Published: clk.Now().Add(-6 * 24 * time.Hour)},
	)
	// A bounded query (until set) selects on published.
	evs, _ := logsPage(t, srv, srv.URL+"/api/v1/logs?until="+url.QueryEscape(formatTime(clk.Now())))
	if len(evs) != 1 || evs[0].EventType != "recent" {
		t.Errorf("default since kept %+v", evs)
	}
}

// TestLogsShortPagesHaveNextLinks checks the System Log's short pages: a
// selective bounded query answers pages with fewer events than limit
// (some empty) that still have a next link, and following the links to
// the end yields every match once, whatever the page size; a polling page
// is short but empty only once the client has caught up.
func TestLogsShortPagesHaveNextLinks(t *testing.T) {
	clk := newClock()
	srv := NewServer(Options{Seed: true, Now: clk.Now, LogScanLimit: 50})
	t.Cleanup(srv.Close)
	jdoe := userIDOf(t, srv, DemoActiveUser)
	query := "&filter=" + url.QueryEscape(`actor.id eq "`+jdoe+`"`) +
		"&since=" + url.QueryEscape(formatTime(clk.Now().Add(-7*24*time.Hour))) + "&until=" + url.QueryEscape(formatTime(clk.Now()))
	walk := func(limit int) (ids []string, short, empty int) {
		t.Helper()
		next := srv.URL + "/api/v1/logs?limit=" + strconv.Itoa(limit) + query
		for pages := 0; next != ""; pages++ {
			if pages > 500 {
				t.Fatal("the next links never end")
			}
			evs, links := logsPage(t, srv, next)
			if links["next"] != "" && len(evs) < limit {
				short++
				if len(evs) == 0 {
					empty++
				}
			}
			for _, e := range evs {
				if e.Actor.ID != jdoe {
					t.Fatalf("filter let through an event by %s", e.Actor.ID)
				}
				ids = append(ids, e.UUID)
			}
			next = links["next"]
		}
		return ids, short, empty
	}
	small, short, empty := walk(20)
	if short == 0 || empty == 0 {
		t.Errorf("%d short pages with a next link, %d of them empty; want both", short, empty)
	}
	large, _, _ := walk(1000)
	if len(small) < 20 || !slices.Equal(small, large) {
		t.Errorf("pages of 20 gave %d events, pages of 1000 gave %d, or not the same ones", len(small), len(large))
	}

	next := srv.URL + "/api/v1/logs?limit=1000&since=" + url.QueryEscape(formatTime(clk.Now().Add(-7*24*time.Hour)))
	total := 0
	for pages := 0; ; pages++ {
		evs, links := logsPage(t, srv, next)
		if len(evs) == 0 {
			break
		}
		if len(evs) > 50 || pages > 1000 {
			t.Fatalf("polling page %d has %d events; want short pages of at most the scan limit", pages, len(evs))
		}
		total += len(evs)
		next = links["next"]
	}
	if want := srv.Org().EventCount(); total != want {
		t.Errorf("polling delivered %d events before its first empty page, want all %d", total, want)
	}
}
