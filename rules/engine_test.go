package rules

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/store"
)

// fires is a detector that fires on the events whose ID it lists.
type fires struct {
	name   string
	ids    map[string]bool
	raises Severity
}

func (f fires) Name() string { return f.name }

func (f fires) Detect(ev events.Event, _ *Memory) *Finding {
	if !f.ids[ev.ID] {
		return nil
	}
	return &Finding{Detector: f.name, Summary: f.name + " fired", Raises: f.raises}
}

var clock = time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)

// testEngine is an engine over cfg with the detectors given, at a clock the
// test moves.
func testEngine(t *testing.T, cfg Config, ds ...Detector) (*Engine, *time.Time) {
	t.Helper()
	e, err := NewEngine(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := clock
	e.now = func() time.Time { return now }
	e.detectors = ds
	return e, &now
}

func oktaEvent(id, typ string) events.Event {
	return events.Event{ID: id, Provider: events.Okta, Type: typ, UserID: "00u1", User: "jdoe@example.com", IP: "198.51.100.7", Time: clock}
}

func on() Integration { return Integration{Configured: true, AutoCreate: true, Threshold: Low} }

func routesOf(d Decision) map[string]Route {
	out := map[string]Route{}
	for _, r := range d.Routes {
		out[r.To] = r
	}
	return out
}

func kinds(wbs []store.WriteBack) string {
	var k []string
	for _, wb := range wbs {
		k = append(k, wb.Kind)
	}
	return strings.Join(k, ",")
}

// TestSeverityTables: the SOPs' tables, a configured override, PingOne's
// SOP names and a risk event's level.
func TestSeverityTables(t *testing.T) {
	cfg := Defaults()
	cfg.Severity = map[string]map[string]Severity{"okta": {"user.session.start": Low}}
	e, _ := testEngine(t, cfg)
	for _, tc := range []struct {
		ev   events.Event
		want Severity
	}{
		{oktaEvent("1", "user.account.lock"), Critical},
		{oktaEvent("2", "user.mfa.factor.attempt_fail"), High},
		{oktaEvent("3", "user.session.start"), Low}, // configured
		{oktaEvent("4", "user.authentication.sso"), Medium},
		{oktaEvent("5", "system.api_token.create"), Low}, // not in the table
		{events.Event{ID: "6", Provider: events.PingOne, Type: "USER.LOCKED", SOPTypes: []string{"USER_LOCKED"}}, Critical},
		{events.Event{ID: "7", Provider: events.PingOne, Type: "USER.CREATED", SOPTypes: []string{"USER_CREATED"}}, High},
		{events.Event{ID: "8", Provider: events.PingOne, Type: "SESSION.CREATED", SOPTypes: []string{"USER_LOGIN"}}, Medium},
		{events.Event{ID: "9", Provider: events.PingOne, Type: "RISK_EVALUATION.CREATED", SOPTypes: []string{"RISK_EVENT"}, RiskLevel: "HIGH"}, High},
		{events.Event{ID: "10", Provider: events.PingOne, Type: "RISK_EVALUATION.CREATED", SOPTypes: []string{"RISK_EVENT"}, RiskLevel: "LOW"}, Low},
	} {
		d, _ := e.Decide(tc.ev)
		if d.Severity != tc.want || d.SeverityRule == "" {
			t.Errorf("%s %s: severity %s (%s), want %s", tc.ev.Provider, tc.ev.Type, d.Severity, d.SeverityRule, tc.want)
		}
	}
}

// TestRoutesConditionsAndGates: "only if suspicious", "only if HIGH or
// CRITICAL", the integrations' severity_threshold and
// auto_create_incidents, an unconfigured integration.
func TestRoutesConditionsAndGates(t *testing.T) {
	cfg := Defaults()
	cfg.GroupWindow = 0
	cfg.XDR, cfg.XSOAR = on(), on()
	cfg.XSOAR.Threshold = High
	cfg.Routing = map[string][]RouteRule{
		"USER_LOGIN":         {{To: ToXDR, Suspicious: true}},
		"RISK_EVENT":         {{To: ToXDR, Risk: []string{"HIGH", "CRITICAL"}}},
		"user.account.lock":  {{To: ToXDR}, {To: ToXSOAR}, {To: ToPrisma}},
		"user.session.start": {{To: ToXSOAR}},
	}
	e, _ := testEngine(t, cfg, fires{name: "off_hours", ids: map[string]bool{"p2": true}, raises: Medium})
	login := func(id string) events.Event {
		return events.Event{ID: id, Provider: events.PingOne, Type: "SESSION.CREATED", SOPTypes: []string{"USER_LOGIN"}, UserID: "u1"}
	}
	d, wbs := e.Decide(login("p1"))
	if r := routesOf(d)[ToXDR]; r.Taken || !strings.Contains(r.Why, "only if suspicious") || len(wbs) != 0 {
		t.Errorf("ordinary login: %+v, %d deliveries", r, len(wbs))
	}
	d, wbs = e.Decide(login("p2"))
	if r := routesOf(d)[ToXDR]; !r.Taken || r.Delivery == "" || kinds(wbs) != KindXDRAlert || wbs[0].ID != r.Delivery {
		t.Errorf("suspicious login: %+v, %s", r, kinds(wbs))
	}
	risk := func(id, level string) events.Event {
		return events.Event{ID: id, Provider: events.PingOne, Type: "RISK_EVALUATION.CREATED", SOPTypes: []string{"RISK_EVENT"}, RiskLevel: level, UserID: "u1"}
	}
	if d, _ := e.Decide(risk("r1", "MEDIUM")); routesOf(d)[ToXDR].Taken {
		t.Errorf("MEDIUM risk routed: %+v", d.Routes)
	}
	if d, _ := e.Decide(risk("r2", "CRITICAL")); !routesOf(d)[ToXDR].Taken {
		t.Errorf("CRITICAL risk not routed: %+v", d.Routes)
	}
	// Prisma is not configured; xsoar's threshold is high and a lock is critical.
	d, wbs = e.Decide(oktaEvent("o1", "user.account.lock"))
	rs := routesOf(d)
	if !rs[ToXDR].Taken || !rs[ToXSOAR].Taken || rs[ToPrisma].Taken || rs[ToPrisma].Why != "prisma_cloud is not configured" {
		t.Errorf("lock routes: %+v", d.Routes)
	}
	if kinds(wbs) != KindXDRAlert+","+KindXSOARIncident {
		t.Errorf("lock deliveries: %s", kinds(wbs))
	}
	// A sign-in is medium: below xsoar's threshold.
	if d, _ := e.Decide(oktaEvent("o2", "user.session.start")); routesOf(d)[ToXSOAR].Taken ||
		!strings.Contains(routesOf(d)[ToXSOAR].Why, "below integrations.xsoar.severity_threshold") {
		t.Errorf("sign-in to xsoar: %+v", d.Routes)
	}
	cfg.XDR.AutoCreate = false
	e2, _ := testEngine(t, cfg)
	if d, _ := e2.Decide(oktaEvent("o3", "user.account.lock")); routesOf(d)[ToXDR].Why != "integrations.cortex_xdr.auto_create_incidents is false" {
		t.Errorf("auto_create_incidents false: %+v", d.Routes)
	}
}

// TestRepeatsGroupIntoOneIncident: repeats of one cause for one user
// within the window count in the first one's incident; after the window a
// new group opens; another user is another group.
func TestRepeatsGroupIntoOneIncident(t *testing.T) {
	cfg := Defaults()
	cfg.XDR, cfg.XSOAR = on(), on()
	cfg.Routing = map[string][]RouteRule{"user.mfa.factor.attempt_fail": {{To: ToXDR}, {To: ToXSOAR}}}
	e, now := testEngine(t, cfg)
	first, wbs := e.Decide(oktaEvent("m1", "user.mfa.factor.attempt_fail"))
	if first.Group == nil || first.Group.Count != 1 || kinds(wbs) != KindXDRAlert+","+KindXSOARIncident {
		t.Fatalf("first: group %+v, %s", first.Group, kinds(wbs))
	}
	incident := routesOf(first)[ToXSOAR].Delivery
	*now = now.Add(20 * time.Minute)
	second, wbs := e.Decide(oktaEvent("m2", "user.mfa.factor.attempt_fail"))
	if second.Group == nil || second.Group.Count != 2 || second.Group.First != "m1" {
		t.Fatalf("second: group %+v", second.Group)
	}
	if kinds(wbs) != KindXSOARRepeat || routesOf(second)[ToXDR].Taken {
		t.Errorf("second: %s, routes %+v", kinds(wbs), second.Routes)
	}
	var p RepeatPayload
	if err := json.Unmarshal(wbs[0].Payload, &p); err != nil || p.Incident != incident || p.Count != 2 {
		t.Errorf("repeat payload = %+v, %v; want incident %s, count 2", p, err, incident)
	}
	other := oktaEvent("m3", "user.mfa.factor.attempt_fail")
	other.UserID = "00u2"
	if d, _ := e.Decide(other); d.Group.Count != 1 {
		t.Errorf("another user joined the group: %+v", d.Group)
	}
	*now = now.Add(time.Hour)
	if d, wbs := e.Decide(oktaEvent("m4", "user.mfa.factor.attempt_fail")); d.Group.Count != 1 || kinds(wbs) != KindXDRAlert+","+KindXSOARIncident {
		t.Errorf("after the window: group %+v, %s", d.Group, kinds(wbs))
	}
}

func automation(actions map[string]Action) Automation {
	return Automation{Enabled: true, WaitForIncident: time.Minute, RateLimit: RateLimit{Max: 2, Window: 10 * time.Minute}, Actions: actions}
}

func responsesOf(d Decision) map[string]Response {
	out := map[string]Response{}
	for _, r := range d.Responses {
		out[r.Action] = r
	}
	return out
}

// TestResponses: trigger severities at or above, the provider's command,
// scope, protected users, dry run, the kill switch, and the incident the
// response runs in.
func TestResponses(t *testing.T) {
	cfg := Defaults()
	cfg.XSOAR = on()
	cfg.Routing = map[string][]RouteRule{"user.session.start": {{To: ToXSOAR}}}
	cfg.Automation = automation(map[string]Action{
		"suspend_user": {Trigger: Critical, RequireApproval: true}, "clear_sessions": {Trigger: High}, "lock_user": {Trigger: High},
	})
	cfg.Automation.Protected = []string{"BreakGlass@example.com"}
	spray := fires{name: "new_country", ids: map[string]bool{"s1": true, "s2": true, "s3": true, "s4": true}, raises: High}
	e, _ := testEngine(t, cfg, spray)
	d, wbs := e.Decide(oktaEvent("s1", "user.session.start"))
	rs := responsesOf(d)
	if _, ok := rs["lock_user"]; ok {
		t.Errorf("a PingOne action was considered for an Okta event: %+v", rs)
	}
	if rs["suspend_user"].Taken || !strings.Contains(rs["suspend_user"].Why, "below its trigger_severity (critical)") {
		t.Errorf("suspend_user on a high event: %+v", rs["suspend_user"])
	}
	cs := rs["clear_sessions"]
	if !cs.Taken || cs.Command != "okta-clear-sessions" || kinds(wbs) != KindXSOARIncident+","+KindResponse {
		t.Fatalf("clear_sessions: %+v, %s", cs, kinds(wbs))
	}
	var p ResponsePayload
	_ = json.Unmarshal(wbs[1].Payload, &p)
	if p.User != "00u1" || p.Command != "okta-clear-sessions" || p.Incident != routesOf(d)[ToXSOAR].Delivery || p.Hold != "" {
		t.Errorf("response payload = %+v", p)
	}
	// Not suspicious: no response (scope suspicious).
	if d, _ := e.Decide(oktaEvent("n1", "user.account.lock")); responsesOf(d)["suspend_user"].Taken {
		t.Errorf("an unflagged event was answered: %+v", d.Responses)
	}
	protected := oktaEvent("s2", "user.session.start")
	protected.UserID, protected.User = "00u9", "breakglass@example.com"
	if d, _ := e.Decide(protected); responsesOf(d)["clear_sessions"].Taken || !strings.Contains(responsesOf(d)["clear_sessions"].Why, "protected_users") {
		t.Errorf("protected account: %+v", d.Responses)
	}
	cfg.Automation.DryRun = true
	dry, _ := testEngine(t, cfg, spray)
	if d, wbs := dry.Decide(oktaEvent("s3", "user.session.start")); !responsesOf(d)["clear_sessions"].DryRun || strings.Contains(kinds(wbs), KindResponse) {
		t.Errorf("dry run: %+v, %s", d.Responses, kinds(wbs))
	}
	cfg.Automation.DryRun, cfg.Automation.Enabled = false, false
	off, _ := testEngine(t, cfg, spray)
	if d, wbs := off.Decide(oktaEvent("s4", "user.session.start")); responsesOf(d)["clear_sessions"].Taken || strings.Contains(kinds(wbs), KindResponse) {
		t.Errorf("kill switch: %+v, %s", d.Responses, kinds(wbs))
	}
}

// TestResponseRateLimit: past max runs of an action in the window, a
// response is held for a person and one alert is raised per window.
func TestResponseRateLimit(t *testing.T) {
	cfg := Defaults()
	cfg.GroupWindow = 0
	cfg.XSOAR = on()
	cfg.Automation = automation(map[string]Action{"clear_sessions": {Trigger: High}})
	ids := map[string]bool{}
	for i := range 6 {
		ids["e"+string(rune('0'+i))] = true
	}
	e, now := testEngine(t, cfg, fires{name: "mfa_fatigue", ids: ids, raises: High})
	var held, alerts int
	for i := range 5 {
		ev := oktaEvent("e"+string(rune('0'+i)), "user.mfa.factor.attempt_fail")
		ev.UserID = "00u" + string(rune('a'+i))
		d, wbs := e.Decide(ev)
		r := responsesOf(d)["clear_sessions"]
		if !r.Taken {
			t.Fatalf("event %d: not taken: %+v", i, r)
		}
		if r.Hold != "" {
			held++
		}
		alerts += strings.Count(kinds(wbs), KindAutomationAlert)
		*now = now.Add(time.Minute)
	}
	if held != 3 || alerts != 1 {
		t.Errorf("5 runs with max 2: %d held, %d alerts; want 3 held, 1 alert", held, alerts)
	}
	*now = now.Add(10 * time.Minute)
	ev := oktaEvent("e5", "user.mfa.factor.attempt_fail")
	if d, _ := e.Decide(ev); responsesOf(d)["clear_sessions"].Hold != "" {
		t.Errorf("after the window: still held: %+v", d.Responses)
	}
}

// TestRejectedEventsAreNotRouted: an unreadable event is kept as info.
func TestRejectedEventsAreNotRouted(t *testing.T) {
	cfg := Defaults()
	cfg.XDR = on()
	cfg.Routing = map[string][]RouteRule{"unreadable": {{To: ToXDR}}}
	e, _ := testEngine(t, cfg)
	d, wbs := e.Decide(events.Event{ID: "rejected-1", Provider: events.Okta, Type: "unreadable", Rejected: "not JSON"})
	if d.Severity != Info || len(wbs) != 0 || len(d.Routes) != 0 {
		t.Errorf("rejected event: %+v, %d deliveries", d, len(wbs))
	}
}
