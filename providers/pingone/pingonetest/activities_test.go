package pingonetest

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// activityView is what the tests read from an activity; the shape follows
// PingOne's activity data model (the spec leaves it untyped).
type activityView struct {
	Links         map[string]struct{ Href string } `json:"_links"`
	ID            string
	RecordedAt    string
	CreatedAt     string
	CorrelationID string
	Actors        struct {
		Client *actorJSON
		User   *actorJSON
	}
	Action    struct{ Type, Description string }
	Resources []resourceJSON
	Result    struct{ Status, Description string }
	Source    *sourceJSON
}

func (a activityView) recorded(t *testing.T) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, a.RecordedAt)
	if err != nil {
		t.Fatalf("recordedAt %q: %v", a.RecordedAt, err)
	}
	return ts
}

type activityPage struct {
	page  page
	items []activityView
}

func decodeActivities(t *testing.T, r response) activityPage {
	t.Helper()
	pg, _ := decodePage(t, r, "activities")
	var body struct {
		Embedded struct{ Activities []activityView } `json:"_embedded"`
	}
	r.decode(t, &body)
	return activityPage{page: pg, items: body.Embedded.Activities}
}

// activities runs a GET query and returns its first page.
func (c *client) activities(filter, extra string) (response, activityPage) {
	c.t.Helper()
	r := c.get("/activities?filter=" + url.QueryEscape(filter) + extra)
	if r.status != 200 {
		return r, activityPage{}
	}
	return r, decodeActivities(c.t, r)
}

func TestActivitiesShapeAndOrder(t *testing.T) {
	srv, clk := seeded(t)
	c := newClient(t, srv)
	_, p := c.activities(activityFilterFor(clk.Now(), ""), "&limit=1000")
	if p.page.Count < 1000 || len(p.items) != 1000 || p.page.Links.Next == nil {
		t.Fatalf("count %d, page %d, next %v: want over 1,000 seeded activities", p.page.Count, len(p.items), p.page.Links.Next)
	}
	for i, a := range p.items {
		if i > 0 && a.recorded(t).After(p.items[i-1].recorded(t)) {
			t.Fatalf("not newest first at %d", i)
		}
		if a.ID == "" || a.CorrelationID == "" || a.CreatedAt == "" || a.Action.Type == "" || a.Action.Description == "" ||
			a.Links["self"].Href == "" || (a.Result.Status != ResultSuccess && a.Result.Status != ResultFailed) ||
			len(a.Resources) == 0 || a.Actors.Client == nil && a.Actors.User == nil {
			t.Fatalf("incomplete activity %+v", a)
		}
		if u := a.Actors.User; u != nil && (u.Type != "USER" || u.Environment.ID != srv.EnvironmentID || u.Href == "") {
			t.Fatalf("actor user %+v", u)
		}
		if cl := a.Actors.Client; cl != nil && (cl.Type != "CLIENT" || cl.Name == "") {
			t.Fatalf("actor client %+v", cl)
		}
		for _, r := range a.Resources {
			if r.Type == "" || r.ID == "" || r.Environment.ID != srv.EnvironmentID {
				t.Fatalf("resource %+v", r)
			}
		}
	}
}

func TestActivitiesPaging(t *testing.T) {
	srv, clk := seeded(t)
	c := newClient(t, srv)
	filter := activityFilterFor(clk.Now(), `action.type eq "PASSWORD.CHECK_FAILED"`)
	_, first := c.activities(filter, "&limit=7")
	total := first.page.Count
	if total < 30 {
		t.Fatalf("only %d failed password checks seeded", total)
	}

	collect := func(next string, post bool) []string {
		var ids []string
		for next != "" {
			var r response
			if post {
				r = must(t, send(t, "POST", next, withJSON(authHeader(c)), `{}`), 200)
			} else {
				r = must(t, send(t, "GET", next, authHeader(c), ""), 200)
			}
			p := decodeActivities(t, r)
			if p.page.Count != total {
				t.Fatalf("count %d on a later page, want %d", p.page.Count, total)
			}
			for _, a := range p.items {
				ids = append(ids, a.ID)
			}
			next = ""
			if p.page.Links.Next != nil {
				next = p.page.Links.Next.Href
			}
		}
		return ids
	}
	viaGET := collect(c.envURL("/activities?limit=7&filter="+url.QueryEscape(filter)), false)
	if len(viaGET) != total {
		t.Errorf("GET paging saw %d activities, want %d", len(viaGET), total)
	}
	seen := map[string]bool{}
	for _, id := range viaGET {
		if seen[id] {
			t.Fatalf("activity %s twice", id)
		}
		seen[id] = true
	}

	// POST keeps the filter out of the URL; its next link carries it in
	// the cursor, and can be POSTed again (or followed with GET).
	r := must(t, c.do("POST", "/activities?limit=7", "application/json", `{"filter":`+quoteJSON(filter)+`}`), 200)
	p := decodeActivities(t, r)
	next := p.page.Links.Next.Href
	if strings.Contains(next, "filter=") || strings.Contains(next, "PASSWORD") {
		t.Errorf("POST next link exposes the filter: %s", next)
	}
	viaPOST := append(idsOf(p.items), collect(next, true)...)
	if !slices.Equal(viaPOST, viaGET) {
		t.Errorf("POST paging differs from GET paging")
	}
	if got := collect(next, false); !slices.Equal(got, viaGET[7:]) {
		t.Errorf("following a POST next link with GET differs")
	}

	// A cursor is bound to its filter and to this server.
	u, _ := url.Parse(next)
	cur := u.Query().Get("cursor")
	other := activityFilterFor(clk.Now(), `action.type eq "USER.LOCKED"`)
	must(t, c.get("/activities?cursor="+url.QueryEscape(cur)+"&filter="+url.QueryEscape(other)), 400)
	must(t, c.get("/activities?cursor="+url.QueryEscape(cur[:len(cur)-3])+"xyz"), 400)
}

func idsOf(items []activityView) []string {
	var ids []string
	for _, a := range items {
		ids = append(ids, a.ID)
	}
	return ids
}

func withJSON(h map[string][]string) map[string][]string {
	h["Content-Type"] = []string{"application/json"}
	return h
}

func quoteJSON(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func TestActivitiesFilter(t *testing.T) {
	srv, clk := seeded(t)
	c := newClient(t, srv)
	now := clk.Now()
	kpatel := userID(t, srv, DemoLockedUser)
	jdoe := userID(t, srv, DemoActiveUser)
	employees := populationIDOf(t, srv.Env(), PopulationEmployees)
	rangeOnly := activityFilterFor(now, "")

	tests := []struct {
		name  string
		extra string
		check func(a activityView) bool
	}{
		{"action.type", `action.type eq "USER.LOCKED"`, func(a activityView) bool { return a.Action.Type == "USER.LOCKED" }},
		{"action.type in", `action.type in ["OTP.CHECK_FAILED", "OTP.CHECK_INVALID"]`,
			func(a activityView) bool {
				return strings.HasPrefix(a.Action.Type, "OTP.CHECK_") && a.Result.Status == ResultFailed
			}},
		{"actors.user.id", `actors.user.id eq "` + kpatel + `"`, func(a activityView) bool { return a.Actors.User.ID == kpatel }},
		{"actors.user.name", `actors.user.name eq "` + DemoActiveUser + `"`, func(a activityView) bool { return a.Actors.User.ID == jdoe }},
		{"actors.client.id", `actors.client.id eq "` + srv.ClientID + `"`, func(a activityView) bool { return a.Actors.Client.ID == srv.ClientID }},
		{"resources.id", `resources.id eq "` + kpatel + `"`, func(a activityView) bool { return hasResource(a, "USER", kpatel) }},
		{"resources.type", `resources.type eq "RISK_EVALUATION"`, func(a activityView) bool { return strings.HasPrefix(a.Action.Type, "RISK_EVALUATION.") }},
		{"resources.population.id", `resources.population.id eq "` + employees + `" and action.type eq "USER.UPDATED"`,
			func(a activityView) bool { return a.Action.Type == "USER.UPDATED" }},
		{"or with parentheses", `(action.type eq "USER.LOCKED" OR action.type eq "USER.UNLOCKED") and resources.type eq "USER"`,
			func(a activityView) bool { return a.Action.Type == "USER.LOCKED" || a.Action.Type == "USER.UNLOCKED" }},
		{"sessions", `action.type eq "SESSION.CREATED"`,
			func(a activityView) bool { return a.Action.Type == "SESSION.CREATED" && a.Source != nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, p := c.activities(strings.ReplaceAll(rangeOnly, " AND ", " and ")+" and "+tt.extra, "&limit=1000")
			must(t, r, 200)
			if len(p.items) == 0 {
				t.Fatalf("no activities for %s", tt.extra)
			}
			for _, a := range p.items {
				if !tt.check(a) {
					t.Fatalf("activity %s %s does not match %s", a.Action.Type, a.ID, tt.extra)
				}
			}
		})
	}

	// correlationid ties a sign-on flow together.
	_, locked := c.activities(activityFilterFor(now, `action.type eq "OTP.CHECK_INVALID" and actors.user.id eq "`+jdoe+`"`), "")
	if len(locked.items) != 1 {
		t.Fatalf("MFA fatigue OTP.CHECK_INVALID: %d", len(locked.items))
	}
	_, flow := c.activities(activityFilterFor(now, `correlationid eq "`+locked.items[0].CorrelationID+`"`), "")
	var types []string
	for _, a := range flow.items {
		types = append(types, a.Action.Type)
		if a.Source == nil || a.Source.IPAddress != DemoMoscowIP {
			t.Errorf("flow activity source %+v", a.Source)
		}
	}
	for _, want := range []string{"AUTHENTICATION.CREATED", "PASSWORD.CHECK_SUCCEEDED", "RISK_EVALUATION.CREATED", "OTP.CHECK_FAILED", "OTP.CHECK_SUCCESS", "SESSION.CREATED"} {
		if !slices.Contains(types, want) {
			t.Errorf("MFA fatigue flow lacks %s: %v", want, types)
		}
	}

	// A narrow time range.
	from, to := now.Add(-6*time.Hour-time.Minute), now.Add(-4*time.Hour)
	f := `recordedat ge "` + from.Format(time.RFC3339) + `" and recordedat le "` + to.Format(time.RFC3339) + `"`
	_, narrow := c.activities(f, "&limit=1000")
	for _, a := range narrow.items {
		if ts := a.recorded(t); ts.Before(from) || ts.After(to) {
			t.Fatalf("activity at %s outside [%s, %s]", ts, from, to)
		}
	}
	if len(narrow.items) == 0 {
		t.Error("nothing in the last hours' window")
	}
}

func hasResource(a activityView, typ, id string) bool {
	return slices.ContainsFunc(a.Resources, func(r resourceJSON) bool { return r.Type == typ && r.ID == id })
}

func TestActivitiesRules(t *testing.T) {
	srv, clk := seeded(t)
	c := newClient(t, srv)
	now := clk.Now()
	ts := func(d time.Duration) string { return `"` + now.Add(d).Format(time.RFC3339) + `"` }
	day := 24 * time.Hour
	tests := []struct {
		name   string
		filter string
		status int
	}{
		{"no filter", "", 400},
		{"no range", `action.type eq "USER.LOCKED"`, 400},
		{"lower bound only", `recordedat gt ` + ts(-day), 400},
		{"upper bound only", `recordedat lt ` + ts(0), 400},
		{"range inside or", `recordedat gt ` + ts(-day) + ` or recordedat lt ` + ts(0), 400},
		{"13 days", `recordedat gt ` + ts(-13*day) + ` and recordedat lt ` + ts(0), 200},
		{"exactly 14 days", `recordedat ge ` + ts(-14*day) + ` and recordedat lt ` + ts(0), 200},
		{"15 days", `recordedat gt ` + ts(-15*day) + ` and recordedat lt ` + ts(0), 400},
		{"old window", `recordedat gt ` + ts(-20*day) + ` and recordedat lt ` + ts(-16*day), 400},
		{"bad time", `recordedat gt "yesterday" and recordedat lt ` + ts(0), 400},
		{"eq on recordedat", `recordedat eq ` + ts(0), 400},
		{"unsupported attribute", activityFilterFor(now, `result.status eq "FAILED"`), 400},
		{"unsupported operator", activityFilterFor(now, `actors.user.id sw "a"`), 400},
		{"syntax", activityFilterFor(now, `action.type eq`), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := c.activities(tt.filter, "")
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.status == 400 {
				if e := r.p1Error(t); e.Code != "INVALID_DATA" || e.Details[0].Target != "filter" {
					t.Errorf("error %+v", e)
				}
			}
		})
	}

	// An activity older than the retention window is not served by ID
	// either.
	old := now.Add(-15 * day)
	srv.Env().AppendActivities(Activity{ID: "old-one", Type: "USER.UPDATED", RecordedAt: old, UserID: DemoActiveUser})
	must(t, c.get("/activities/old-one"), 404)
}

func TestActivitiesPOSTBodies(t *testing.T) {
	srv, clk := seeded(t)
	c := newClient(t, srv)
	filter := activityFilterFor(clk.Now(), `action.type eq "USER.LOCKED"`)
	r := must(t, c.do("POST", "/activities", "application/json", `{"filter":`+quoteJSON(filter)+`}`), 200)
	viaJSON := decodeActivities(t, r)
	r = must(t, c.do("POST", "/activities", "application/x-www-form-urlencoded", "filter="+url.QueryEscape(filter)), 200)
	viaForm := decodeActivities(t, r)
	if len(viaJSON.items) == 0 || !slices.Equal(idsOf(viaJSON.items), idsOf(viaForm.items)) {
		t.Errorf("JSON and form bodies disagree: %d vs %d", len(viaJSON.items), len(viaForm.items))
	}
	r = must(t, c.do("POST", "/activities", "application/json", `{"filter":`+quoteJSON(filter)+`,"limit":1}`), 200)
	if p := decodeActivities(t, r); len(p.items) != 1 {
		t.Errorf("body limit ignored: %d items", len(p.items))
	}
	must(t, c.do("POST", "/activities", "text/plain", filter), 415)
	// A next link can be POSTed again without a body.
	sessions := activityFilterFor(clk.Now(), `action.type eq "SESSION.CREATED"`)
	r = must(t, c.do("POST", "/activities?limit=1", "application/json", `{"filter":`+quoteJSON(sessions)+`}`), 200)
	next := decodeActivities(t, r).page.Links.Next.Href
	must(t, send(t, "POST", next, authHeader(c), ""), 200)
	must(t, c.do("POST", "/activities", "application/json", `{"filter":`), 400)
	must(t, c.do("POST", "/activities", "application/json", `{}`), 400)
}

func TestActionsAreAudited(t *testing.T) {
	srv, clk := seeded(t)
	c := newClient(t, srv)
	id := userID(t, srv, DemoActiveUser)
	must(t, c.do("POST", "/users/"+id, ctAccountLock, ""), 200)
	r := must(t, c.do("POST", "/users/"+id, ctAccountUnlock, ""), 200)
	corr := r.header.Get("Correlation-Id")

	_, p := c.activities(activityFilterFor(clk.Now(), `resources.id eq "`+id+`" and actors.client.id eq "`+srv.ClientID+`"`), "")
	if len(p.items) != 2 || p.items[0].Action.Type != "USER.UNLOCKED" || p.items[1].Action.Type != "USER.LOCKED" {
		t.Fatalf("audit %+v", p.items)
	}
	a := p.items[0]
	if a.CorrelationID != corr || a.Actors.User != nil || a.Source == nil || a.Source.IPAddress != "127.0.0.1" ||
		a.Actors.Client.Name != "idcmd Worker" || a.Resources[0].Name != DemoActiveUser {
		t.Errorf("activity %+v (correlation %s)", a, corr)
	}
	var one activityView
	must(t, c.get("/activities/"+a.ID), 200).decode(t, &one)
	if one.ID != a.ID || one.Action.Type != "USER.UNLOCKED" {
		t.Errorf("by ID: %+v", one)
	}
}
