package pingonetest

import (
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"
)

// appendNumbered appends activities typed "TEST.N<from>" to
// "TEST.N<from+n-1>", recorded now, one millisecond apart on the clock.
func appendNumbered(srv *Server, clk *fakeClock, from, n int) {
	for i := from; i < from+n; i++ {
		clk.Advance(time.Millisecond)
		srv.Env().AppendActivities(Activity{Type: "TEST.N" + strconv.Itoa(i)})
	}
}

func numberedTypes(from, to int, newestFirst bool) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, "TEST.N"+strconv.Itoa(i))
	}
	if newestFirst {
		slices.Reverse(out)
	}
	return out
}

func typesOf(acts []Activity) []string {
	out := make([]string, len(acts))
	for i, a := range acts {
		out[i] = a.Type
	}
	return out
}

func viewTypes(items []activityView) []string {
	out := make([]string, len(items))
	for i, a := range items {
		out[i] = a.Action.Type
	}
	return out
}

// TestActivitiesKeepTheNewestMax: past MaxActivities the oldest activity
// goes first and the trail holds exactly the newest MaxActivities, which
// is what /activities serves.
func TestActivitiesKeepTheNewestMax(t *testing.T) {
	clk := newClock()
	srv := NewServer(Options{Now: clk.Now, MaxActivities: 30})
	t.Cleanup(srv.Close)
	appendNumbered(srv, clk, 1, 50)
	if got := typesOf(srv.Env().Activities()); !slices.Equal(got, numberedTypes(21, 50, false)) {
		t.Fatalf("after 50 activities with a cap of 30 the trail holds %v", got)
	}
	c := newClient(t, srv)
	_, p := c.activities(activityFilterFor(clk.Now(), ""), "&limit=1000")
	if p.page.Count != 30 || !slices.Equal(viewTypes(p.items), numberedTypes(21, 50, true)) {
		t.Errorf("/activities serves %d: %v", p.page.Count, viewTypes(p.items))
	}
}

// TestCapsKeepTheSeededHistory: API calls past the caps drop the
// activities and risk evaluations they made, oldest first, and leave the
// demo environment's seeded ones, which the sandbox's stories rely on.
func TestCapsKeepTheSeededHistory(t *testing.T) {
	probe := NewHandlerServer(Options{Seed: true, Now: newClock().Now})
	seededActs := probe.Env().Activities()
	seededRisk := probe.Env().RiskEvaluations("")
	if len(seededRisk) == 0 {
		t.Fatal("the demo environment has no risk evaluations")
	}
	clk := newClock()
	srv := NewServer(Options{Seed: true, Now: clk.Now, MaxActivities: len(seededActs) + 10, MaxRiskEvaluations: len(seededRisk) + 5})
	t.Cleanup(srv.Close)
	c := newClient(t, srv)
	var ids []string
	for i := range 40 {
		clk.Advance(time.Millisecond)
		var re riskView
		must(t, c.do("POST", "/riskEvaluations", "application/json", riskBody("93.184.216."+strconv.Itoa(i), "x", "EXTERNAL")), 201).decode(t, &re)
		ids = append(ids, re.ID)
	}

	acts := srv.Env().Activities()
	if len(acts) != len(seededActs)+10 {
		t.Fatalf("the trail holds %d activities, want the cap of %d", len(acts), len(seededActs)+10)
	}
	for i, a := range seededActs {
		if acts[i].ID != a.ID {
			t.Fatalf("seeded activity %d (%s) is gone or moved", i, a.Type)
		}
	}
	for _, a := range acts[len(seededActs):] {
		if a.Type != "RISK_EVALUATION.CREATED" {
			t.Fatalf("after the seeded history: %s, want the newest evaluations' activities", a.Type)
		}
	}

	risk := srv.Env().RiskEvaluations("")
	if len(risk) != len(seededRisk)+5 {
		t.Fatalf("%d risk evaluations kept, want the cap of %d", len(risk), len(seededRisk)+5)
	}
	kept := map[string]bool{}
	for _, r := range risk {
		kept[r.ID] = true
	}
	for _, r := range seededRisk {
		if !kept[r.ID] {
			t.Fatalf("seeded risk evaluation %s is gone", r.ID)
		}
	}
	for i, id := range ids {
		want := 404
		if i >= len(ids)-5 {
			want = 200
		}
		must(t, c.get("/riskEvaluations/"+id), want)
	}
}

// TestActivitiesCursorPastDroppedOnes: activities page newest first, so a
// cursor points at the last (oldest) activity returned. When the cap then
// drops older ones, the listing continues with the older activities still
// kept and ends there, as a positional cursor does; when it dropped the
// cursor's own activity too, the next page is empty and has no next link.
func TestActivitiesCursorPastDroppedOnes(t *testing.T) {
	clk := newClock()
	srv := NewServer(Options{Now: clk.Now, MaxActivities: 20})
	t.Cleanup(srv.Close)
	c := newClient(t, srv)
	appendNumbered(srv, clk, 1, 20)
	filter := activityFilterFor(clk.Now(), "")
	_, first := c.activities(filter, "&limit=5")
	if !slices.Equal(viewTypes(first.items), numberedTypes(16, 20, true)) || first.page.Links.Next == nil {
		t.Fatalf("first page %v", viewTypes(first.items))
	}
	next := first.page.Links.Next.Href

	appendNumbered(srv, clk, 21, 10) // N1..N10 dropped; N11..N30 kept
	var got []string
	for u := next; u != ""; {
		p := decodeActivities(t, must(t, send(t, "GET", u, authHeader(c), ""), 200))
		got = append(got, viewTypes(p.items)...)
		u = ""
		if p.page.Links.Next != nil {
			u = p.page.Links.Next.Href
		}
	}
	if !slices.Equal(got, numberedTypes(11, 15, true)) {
		t.Errorf("after the cap dropped N1..N10 the cursor's listing went on with %v, want N15..N11", got)
	}

	appendNumbered(srv, clk, 31, 20) // everything up to N30 dropped
	p := decodeActivities(t, must(t, send(t, "GET", next, authHeader(c), ""), 200))
	if len(p.items) != 0 || p.page.Links.Next != nil {
		t.Errorf("a cursor whose activities are all gone: %v, next %v", viewTypes(p.items), p.page.Links.Next)
	}
}

// TestActivitiesAgeOutAfterFourteenDays: an activity is kept as long as
// PingOne lets it be queried directly (14 days, plus the queries' grace)
// and then dropped, whether or not anything is written meanwhile.
func TestActivitiesAgeOutAfterFourteenDays(t *testing.T) {
	srv, clk := empty(t)
	srv.Env().AppendActivities(Activity{Type: "TEST.OLD"})
	id := srv.Env().Activities()[0].ID
	clk.Advance(activityRetention)
	srv.Env().AppendActivities(Activity{Type: "TEST.NEW"})
	if got := typesOf(srv.Env().Activities()); !slices.Equal(got, []string{"TEST.OLD", "TEST.NEW"}) {
		t.Fatalf("14 days on: %v, want both", got)
	}
	clk.Advance(retentionGrace + time.Millisecond)
	if got := typesOf(srv.Env().Activities()); !slices.Equal(got, []string{"TEST.NEW"}) {
		t.Errorf("past 14 days and the grace: %v, want only the newer one", got)
	}
	must(t, newClient(t, srv).get("/activities/"+url.PathEscape(id)), 404)
}
