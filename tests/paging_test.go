package tests

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/internal/logbuf"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
	"github.com/idcmd/idcmd/server"
)

// pagingFakes are the fake tenants a paging test runs against; the fakes
// send short pages as the vendors do.
type pagingFakes struct {
	okta    *oktatest.Server
	pingone *pingonetest.Server
}

func newPagingFakes(t *testing.T) pagingFakes {
	t.Helper()
	// A System Log page examines 100 events, a PingOne users page holds
	// 20 users: short pages with next links on the demo tenants.
	o := oktatest.NewServer(oktatest.Options{Seed: true, LogScanLimit: 100})
	t.Cleanup(o.Close)
	p := pingonetest.NewServer(pingonetest.Options{Seed: true, UserPageSize: 20})
	t.Cleanup(p.Close)
	return pagingFakes{okta: o, pingone: p}
}

// serve starts one idcmd (a replica) on the fakes, with extra config.
func (f pagingFakes) serve(t *testing.T, extra map[string]string) *env {
	t.Helper()
	vars := map[string]string{
		"IDCMD_JWT_SECRET": testSecret, "IDCMD_DATA_DIR": t.TempDir(),
		"OKTA_BASE_URL": f.okta.URL, "OKTA_API_TOKEN": f.okta.Token,
		"PINGONE_ENVIRONMENT_ID": f.pingone.EnvironmentID, "PINGONE_CLIENT_ID": f.pingone.ClientID,
		"PINGONE_CLIENT_SECRET": f.pingone.ClientSecret, "PINGONE_API_URL": f.pingone.URL, "PINGONE_AUTH_URL": f.pingone.AuthURL,
	}
	for k, v := range extra {
		vars[k] = v
	}
	cfg, err := config.Load("", func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	noRoster(&cfg)
	logs := &logbuf.Buffer{}
	app, err := server.Build(context.Background(), cfg, server.NewLogger(logs, "error"), "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Close() })
	srv := httptest.NewServer(app.Handler)
	t.Cleanup(srv.Close)
	return &env{t: t, okta: f.okta, pingone: f.pingone, url: srv.URL, logs: logs}
}

// page is one answer of a paged command.
type page struct {
	ids    []string
	cursor string
}

// call runs a paged command with args (a JSON object without braces'
// closing) plus limit and cursor, and returns the IDs it answered.
func (e *env) page(name, args string, limit int, cursor string) page {
	e.t.Helper()
	body := fmt.Sprintf(`{%s"limit":%d`, withComma(args), limit)
	if cursor != "" {
		body += fmt.Sprintf(`,"cursor":%q`, cursor)
	}
	r := e.run(name, body+"}")
	mustStatus(e.t, r, 200)
	var out struct {
		Outputs    []map[string]any `json:"outputs"`
		NextCursor string           `json:"next_cursor"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		e.t.Fatal(err)
	}
	p := page{cursor: out.NextCursor}
	for _, o := range out.Outputs {
		id, _ := o["uuid"].(string) // Okta events
		for _, k := range []string{"ID", "EvaluationID"} {
			if v, ok := o[k].(string); ok && id == "" {
				id = v
			}
		}
		if id == "" {
			e.t.Fatalf("%s: an output without an ID: %v", name, o)
		}
		p.ids = append(p.ids, id)
	}
	if len(p.ids) > limit {
		e.t.Fatalf("%s: %d items for a limit of %d", name, len(p.ids), limit)
	}
	return p
}

func withComma(args string) string {
	if args == "" {
		return ""
	}
	return args + ","
}

// walk follows next_cursor to the end and returns every ID in order. Each
// answer but the last is full.
func (e *env) walk(name, args string, limit int) []string {
	e.t.Helper()
	var all []string
	cursor := ""
	for calls := 0; ; calls++ {
		if calls > 200 {
			e.t.Fatalf("%s: next_cursor never ends", name)
		}
		p := e.page(name, args, limit, cursor)
		if p.cursor != "" && len(p.ids) < limit {
			e.t.Fatalf("%s call %d: %d items of %d, and a next_cursor", name, calls, len(p.ids), limit)
		}
		all = append(all, p.ids...)
		if p.cursor == "" {
			return all
		}
		cursor = p.cursor
	}
}

// checkSamePages walks a command with a small limit and with a large one,
// and checks that both give the same items, each once.
func checkSamePages(t *testing.T, e *env, name, args string, small int) []string {
	t.Helper()
	large := 1000
	if name == "pingone-get-risk-events" {
		large = 200
	}
	few, many := e.walk(name, args, small), e.walk(name, args, large)
	seen := map[string]bool{}
	for _, id := range few {
		if seen[id] {
			t.Errorf("%s: %s returned twice", name, id)
		}
		seen[id] = true
	}
	if strings.Join(few, ",") != strings.Join(many, ",") {
		t.Errorf("%s: pages of %d gave %d items, pages of %d gave %d, or not in the same order", name, small, len(few), large, len(many))
	}
	return many
}

// TestOktaPagedCommandsFillTheLimit: Okta's System Log sends short pages
// with next links, and a users page holds at most 200; every paged Okta
// command still answers limit items while more remain, and its cursors
// lead through every item once.
func TestOktaPagedCommandsFillTheLimit(t *testing.T) {
	f := newPagingFakes(t)
	e := f.serve(t, nil)
	now := time.Now().UTC()
	window := fmt.Sprintf(`"since":%q,"until":%q`, now.Add(-7*24*time.Hour).Format(time.RFC3339), now.Format(time.RFC3339))

	// The call: 150 events, not the 100 of Okta's first page.
	all := checkSamePages(t, e, "okta-get-logs", window, 150)
	if len(all) < 300 {
		t.Fatalf("only %d events in the demo week", len(all))
	}
	if p := e.page("okta-get-logs", window, 150, ""); len(p.ids) != 150 || p.cursor == "" {
		t.Errorf("okta-get-logs limit 150: %d events, cursor %q", len(p.ids), p.cursor)
	}
	sessions := window + `,"filter":"eventType eq \"user.session.start\""`
	checkSamePages(t, e, "okta-get-logs", sessions, 7)
	// A polling query (no until) keeps a cursor even at the end: new
	// events arrive on it.
	if p := e.page("okta-get-logs", `"filter":"eventType eq \"user.account.lock\""`, 1000, ""); p.cursor == "" || len(p.ids) == 0 {
		t.Errorf("polling query: %d events, cursor %q", len(p.ids), p.cursor)
	}

	user := fmt.Sprintf(`"user":%q,"hours":168`, oktatest.DemoActiveUser)
	events := checkSamePages(t, e, "okta-get-user-events", user, 9)
	if len(events) < 10 {
		t.Errorf("%d events of the demo user", len(events))
	}
	checkSamePages(t, e, "okta-get-security-events", `"hours":168,"failures_only":true`, 11)
	if neutral := checkSamePages(t, e, "get-user-events", fmt.Sprintf(`"provider":"okta","user":%q,"hours":168`, oktatest.DemoActiveUser), 9); len(neutral) != len(events) {
		t.Errorf("get-user-events gave %d events, okta-get-user-events %d", len(neutral), len(events))
	}

	// okta-search-users {"limit":300} was refused; Okta pages hold 200.
	for i := range 260 {
		f.okta.Org().AddUser(oktatest.UserSpec{Login: fmt.Sprintf("paging%03d@example.com", i), FirstName: "Pag", LastName: fmt.Sprint(i)})
	}
	active := `"search":"status eq \"ACTIVE\""`
	if p := e.page("okta-search-users", active, 300, ""); len(p.ids) != 300 || p.cursor == "" {
		t.Errorf("okta-search-users limit 300: %d users, cursor %q", len(p.ids), p.cursor)
	}
	if users := checkSamePages(t, e, "okta-search-users", active, 300); len(users) < 300 {
		t.Errorf("%d active users", len(users))
	}
}

// TestPingOnePagedCommandsFillTheLimit: PingOne's users pages hold fewer
// than asked; every paged PingOne command (and get-user-events on PingOne)
// takes cursor and leads through every item once.
func TestPingOnePagedCommandsFillTheLimit(t *testing.T) {
	f := newPagingFakes(t)
	e := f.serve(t, nil)
	total := f.pingone.Env().UserCount()
	if p := e.page("pingone-list-users", "", 150, ""); len(p.ids) != min(150, total) || p.cursor != "" {
		t.Errorf("pingone-list-users limit 150: %d users of %d, cursor %q", len(p.ids), total, p.cursor)
	}
	if p := e.page("pingone-list-users", "", 30, ""); len(p.ids) != 30 || p.cursor == "" {
		t.Errorf("pingone-list-users limit 30: %d users, cursor %q", len(p.ids), p.cursor)
	}
	if users := checkSamePages(t, e, "pingone-list-users", "", 7); len(users) != total {
		t.Errorf("%d users, want %d", len(users), total)
	}

	user := fmt.Sprintf(`"user":%q,"hours":168`, pingonetest.DemoActiveUser)
	events := checkSamePages(t, e, "pingone-get-user-events", user, 3)
	if len(events) < 4 {
		t.Errorf("%d events of the demo user", len(events))
	}
	if neutral := checkSamePages(t, e, "get-user-events", fmt.Sprintf(`"provider":"pingone","user":%q,"hours":168`, pingonetest.DemoActiveUser), 3); len(neutral) != len(events) {
		t.Errorf("get-user-events gave %d events, pingone-get-user-events %d", len(neutral), len(events))
	}
	checkSamePages(t, e, "pingone-get-security-events", `"hours":168,"failures_only":true`, 5)
	risky := fmt.Sprintf(`"user":%q`, pingonetest.DemoRiskyUser)
	if evals := checkSamePages(t, e, "pingone-get-risk-events", risky, 1); len(evals) < 2 {
		t.Errorf("%d risk evaluations", len(evals))
	}
}

// TestCursorsAreBoundToTheirQuery: a cursor works only with the command
// and arguments that produced it; anything else is a 400 naming
// body.cursor, before any call to the provider.
func TestCursorsAreBoundToTheirQuery(t *testing.T) {
	f := newPagingFakes(t)
	e := f.serve(t, nil)
	filter := `"filter":"eventType eq \"user.session.start\""`
	p := e.page("okta-get-logs", filter, 5, "")
	if p.cursor == "" {
		t.Fatal("no cursor to test with")
	}
	// Same arguments, another limit: fine.
	if q := e.page("okta-get-logs", filter, 50, p.cursor); len(q.ids) != 50 || q.ids[0] == p.ids[0] {
		t.Errorf("resumed with another limit: %d events", len(q.ids))
	}
	cut := strings.LastIndexByte(p.cursor, '.')
	altered := p.cursor[:cut-1] + "9" + p.cursor[cut:] // another skip count
	if altered == p.cursor {
		altered = p.cursor[:cut-1] + "8" + p.cursor[cut:]
	}
	evil := base64.RawURLEncoding.EncodeToString([]byte("/api/v1/logs?after=1 /api/v1/users?q=x"))
	refused := map[string]struct{ name, body string }{
		"another command":   {"okta-get-security-events", fmt.Sprintf(`{"cursor":%q}`, p.cursor)},
		"another filter":    {"okta-get-logs", fmt.Sprintf(`{"filter":"eventType eq \"user.session.end\"","cursor":%q}`, p.cursor)},
		"no filter":         {"okta-get-logs", fmt.Sprintf(`{"cursor":%q}`, p.cursor)},
		"neutral command":   {"get-user-events", fmt.Sprintf(`{"provider":"okta","user":%q,"cursor":%q}`, oktatest.DemoActiveUser, p.cursor)},
		"altered":           {"okta-get-logs", fmt.Sprintf(`{%s,"cursor":%q}`, filter, altered)},
		"a provider cursor": {"okta-get-logs", fmt.Sprintf(`{%s,"cursor":%q}`, filter, evil)},
		"spaces and a query": {"okta-get-logs", fmt.Sprintf(`{%s,"cursor":%q}`, filter,
			"c1."+evil+":0"+p.cursor[cut:])},
		"another provider": {"pingone-list-users", fmt.Sprintf(`{"cursor":%q}`, p.cursor)},
	}
	for name, tc := range refused {
		t.Run(name, func(t *testing.T) {
			before := f.okta.Requests() + f.pingone.Requests()
			r := e.run(tc.name, tc.body)
			mustStatus(t, r, 400)
			errs, _ := r.json(t)["errors"].([]any)
			if len(errs) != 1 || errs[0].(map[string]any)["location"] != "body.cursor" {
				t.Errorf("problem: %s", r.body)
			}
			if after := f.okta.Requests() + f.pingone.Requests(); after != before {
				t.Errorf("%d provider requests for a refused cursor", after-before)
			}
		})
	}
}

// TestCursorSecretIsShared: replicas with the same server.cursor_secret
// (or, without one, the same JWT secret) accept each other's cursors; a
// replica with another secret refuses them.
func TestCursorSecretIsShared(t *testing.T) {
	f := newPagingFakes(t)
	secret := map[string]string{"IDCMD_CURSOR_SECRET": strings.Repeat("s", 40)}
	a, b := f.serve(t, secret), f.serve(t, secret)
	other := f.serve(t, map[string]string{"IDCMD_CURSOR_SECRET": strings.Repeat("o", 40)})
	plain1, plain2 := f.serve(t, nil), f.serve(t, nil)

	p := a.page("pingone-list-users", "", 10, "")
	if q := b.page("pingone-list-users", "", 10, p.cursor); len(q.ids) != 10 || q.ids[0] == p.ids[0] {
		t.Errorf("a replica with the same cursor secret: %v", q.ids)
	}
	r := other.run("pingone-list-users", fmt.Sprintf(`{"limit":10,"cursor":%q}`, p.cursor))
	mustStatus(t, r, 400)
	if r := plain1.run("pingone-list-users", fmt.Sprintf(`{"limit":10,"cursor":%q}`, p.cursor)); r.status != 400 {
		t.Errorf("a replica without the cursor secret accepted its cursor: %d", r.status)
	}
	p = plain1.page("pingone-list-users", "", 10, "")
	if q := plain2.page("pingone-list-users", "", 10, p.cursor); len(q.ids) != 10 {
		t.Errorf("replicas sharing only the JWT secret: %v", q.ids)
	}
}
