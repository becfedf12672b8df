package handlers_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/handlers"
	"github.com/idcmd/idcmd/rules"
	"github.com/idcmd/idcmd/store"
	"github.com/labstack/echo/v4"
)

// The events of these tests happen at a fixed time; every detector is
// off, so nothing depends on the time of day the test runs. The decider
// runs on the real clock: the store checks its lease by its own.
var eventTime = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// deciding is the config the events are decided by: a locked account goes
// to XSOAR (configured, auto-creating) and gets suspend_user; a sign-in
// goes there only at high or above. Every detector is off, so nothing
// depends on the clock or on sign-in history.
func deciding() rules.Config {
	cfg := rules.Defaults()
	cfg.Detectors = rules.Detectors{}
	cfg.GroupWindow = 0
	high := rules.High
	cfg.Routing = map[string][]rules.RouteRule{
		"user.account.lock":  {{To: rules.ToXSOAR}},
		"user.session.start": {{To: rules.ToXSOAR, MinSeverity: &high}},
	}
	cfg.XSOAR = rules.Integration{Configured: true, AutoCreate: true, Threshold: rules.Low}
	cfg.Automation.Enabled, cfg.Automation.AllEvents = true, true
	cfg.Automation.Actions = map[string]rules.Action{"suspend_user": {Trigger: rules.High}}
	return cfg
}

type fixture struct {
	t   *testing.T
	st  store.Store
	dir string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(t.Context(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return &fixture{t: t, st: st, dir: dir}
}

// store adds one Okta event of typ for user, at eventTime plus offset.
func (f *fixture) store(id, typ, user string, offset time.Duration) {
	f.t.Helper()
	ev := events.Event{ID: id, Provider: events.Okta, Type: typ, Time: eventTime.Add(offset), Outcome: "SUCCESS",
		User: user + "@example.com", UserID: "00u" + user, IP: "198.51.100.7"}
	rec, err := ev.Record(store.SourceHook, eventTime.Add(offset+time.Second))
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.st.AppendEvents(f.t.Context(), []store.Event{rec}, nil); err != nil {
		f.t.Fatal(err)
	}
}

// decide runs the decider once with cfg, as the server's would.
func (f *fixture) decide(cfg rules.Config) int {
	f.t.Helper()
	d := &rules.Decider{Store: f.st, Config: cfg, Owner: "test", Log: slog.New(slog.DiscardHandler)}
	n, err := d.RunOnce(f.t.Context())
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// markDecidedWithoutDecision makes an event look like one stored before
// the rules existed: migration 00007 marks those decided, with no
// decision.
func (f *fixture) markDecidedWithoutDecision(id string) {
	f.t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(f.dir, "idcmd.db"))
	if err != nil {
		f.t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("UPDATE events SET decided = 1 WHERE event_id = ?", id); err != nil {
		f.t.Fatal(err)
	}
}

// get calls GET /api/v1/events/{id}.
func (f *fixture) get(id string) handlers.EventDetail {
	f.t.Helper()
	e := echo.New()
	rec := httptest.NewRecorder()
	c := e.NewContext(httptest.NewRequest(http.MethodGet, "/api/v1/events/"+id, nil), rec)
	c.SetParamNames("id")
	c.SetParamValues(id)
	if err := (&handlers.Events{Store: f.st}).Get(c); err != nil {
		f.t.Fatalf("GET event %s: %v", id, err)
	}
	var out handlers.EventDetail
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		f.t.Fatal(err)
	}
	if !strings.Contains(rec.Body.String(), `"decision":`) {
		f.t.Errorf("the answer has no decision member: %s", rec.Body)
	}
	return out
}

// replay calls POST /api/v1/rules/replay with body and cfg.
func (f *fixture) replay(cfg rules.Config, body string) (rules.ReplayReport, error) {
	f.t.Helper()
	e := echo.New()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/rules/replay", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h := &handlers.Rules{Store: f.st, RulesOptions: handlers.RulesOptions{Config: cfg}}
	if err := h.Replay(e.NewContext(req, rec)); err != nil {
		return rules.ReplayReport{}, err
	}
	var rep rules.ReplayReport
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
		f.t.Fatal(err)
	}
	return rep, nil
}

// deliver claims the queued deliveries and finishes each as its target
// would: the XSOAR incident is created, the response ran and was held for
// an approval (the result another part of idcmd writes).
func (f *fixture) deliver() {
	f.t.Helper()
	ctx := f.t.Context()
	now := time.Now()
	claimed, err := f.st.ClaimWriteBacks(ctx, "worker", 100, time.Minute, now)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, wb := range claimed {
		o := store.WriteBackOutcome{Delivered: true}
		switch wb.Kind {
		case rules.KindXSOARIncident:
			o.RemoteID, o.Result = "42", json.RawMessage(`{"incident_id":"42"}`)
		case rules.KindResponse:
			o.Result = json.RawMessage(`{"audit_id":7,"approval_id":"apr_123","status":"pending_approval"}`)
		}
		if _, err := f.st.FinishWriteBack(ctx, wb.ID, "worker", o, now); err != nil {
			f.t.Fatal(err)
		}
	}
}

// TestEventDecisionView: GET /api/v1/events/{id} shows the stored decision
// (severity and its rule, routes and responses with why) with every
// delivery of the event, and the audit record and approval of a response
// from its delivery's result.
func TestEventDecisionView(t *testing.T) {
	f := newFixture(t)
	f.store("ev-lock", "user.account.lock", "jdoe", 0)
	f.store("ev-signin", "user.session.start", "kpatel", time.Minute)
	if n := f.decide(deciding()); n != 2 {
		t.Fatalf("decided %d events, want 2", n)
	}
	got := f.get("ev-lock")
	d := got.Decision
	if got.DecisionStatus != handlers.DecisionDecided || d == nil {
		t.Fatalf("status %q, decision %v", got.DecisionStatus, d)
	}
	if got.ID != "ev-lock" || got.Type != "user.account.lock" {
		t.Errorf("the event is not the one asked for: %+v", got.Event)
	}
	if d.Severity != rules.Critical || d.BaseSeverity != rules.Critical || !strings.Contains(d.SeverityRule, "user.account.lock") {
		t.Errorf("severity %s (base %s, rule %q), want critical from the table", d.Severity, d.BaseSeverity, d.SeverityRule)
	}
	if len(d.Routes) != 1 || d.Routes[0].To != rules.ToXSOAR || !d.Routes[0].Taken || d.Routes[0].Why == "" || d.Routes[0].Delivery == "" {
		t.Fatalf("routes %+v, want xsoar taken with why and its delivery", d.Routes)
	}
	if len(d.Responses) != 1 || d.Responses[0].Action != "suspend_user" || !d.Responses[0].Taken || d.Responses[0].Delivery == "" {
		t.Fatalf("responses %+v, want suspend_user taken", d.Responses)
	}
	if d.Responses[0].AuditID != nil || d.Responses[0].ApprovalID != "" {
		t.Errorf("a response not run yet shows a run: %+v", d.Responses[0])
	}
	if len(d.Deliveries) != 2 {
		t.Fatalf("%d deliveries, want the incident and the response: %+v", len(d.Deliveries), d.Deliveries)
	}
	for _, wb := range d.Deliveries {
		if wb.Status != string(store.WriteBackQueued) || wb.Attempts != 0 || wb.CreatedAt.IsZero() || wb.NextAttemptAt.IsZero() {
			t.Errorf("delivery before the worker ran: %+v", wb)
		}
	}

	f.deliver()
	d = f.get("ev-lock").Decision
	byKind := map[string]handlers.EventDelivery{}
	for _, wb := range d.Deliveries {
		byKind[wb.Kind] = wb
	}
	inc, resp := byKind[rules.KindXSOARIncident], byKind[rules.KindResponse]
	if inc.ID != d.Routes[0].Delivery || inc.Platform != store.PlatformXSOAR || inc.Status != "delivered" || inc.RemoteID != "42" ||
		inc.Attempts != 1 || inc.DeliveredAt == nil || string(inc.Result) != `{"incident_id":"42"}` {
		t.Errorf("incident delivery %+v", inc)
	}
	if resp.ID != d.Responses[0].Delivery || resp.Platform != store.PlatformIdcmd || resp.Status != "delivered" {
		t.Errorf("response delivery %+v", resp)
	}
	r := d.Responses[0]
	if r.AuditID == nil || *r.AuditID != 7 || r.ApprovalID != "apr_123" || r.RunStatus != "pending_approval" {
		t.Errorf("response run %+v, want audit 7, approval apr_123, pending_approval", r)
	}

	// The sign-in was decided too: below the route's condition, with why.
	d = f.get("ev-signin").Decision
	if d == nil || d.Severity != rules.Medium || len(d.Routes) != 1 || d.Routes[0].Taken || !strings.Contains(d.Routes[0].Why, "high or above") ||
		len(d.Deliveries) != 0 || d.Deliveries == nil {
		t.Errorf("sign-in decision %+v", d)
	}
}

// TestEventDecisionStatus: an event the decider has not reached is
// pending; one stored before the rules existed (decided, no decision) is
// none, whether or not other events wait.
func TestEventDecisionStatus(t *testing.T) {
	f := newFixture(t)
	f.store("ev-old", "user.session.start", "jdoe", 0)
	f.markDecidedWithoutDecision("ev-old")
	f.store("ev-new", "user.session.start", "jdoe", time.Minute)
	f.store("ev-newer", "user.session.start", "kpatel", 2*time.Minute)
	for id, want := range map[string]string{"ev-old": handlers.DecisionNone, "ev-new": handlers.DecisionPending, "ev-newer": handlers.DecisionPending} {
		if got := f.get(id); got.DecisionStatus != want || got.Decision != nil {
			t.Errorf("%s: status %q, decision %v; want %s and none", id, got.DecisionStatus, got.Decision, want)
		}
	}
	if n := f.decide(deciding()); n != 2 {
		t.Fatalf("decided %d, want the 2 new events", n)
	}
	if got := f.get("ev-old"); got.DecisionStatus != handlers.DecisionNone {
		t.Errorf("ev-old with nothing undecided: %q, want none", got.DecisionStatus)
	}
	if got := f.get("ev-newer"); got.DecisionStatus != handlers.DecisionDecided || got.Decision == nil {
		t.Errorf("ev-newer after the decider ran: %q", got.DecisionStatus)
	}
}

// snapshot is everything a replay must not change.
type snapshot struct {
	writeBacks []store.WriteBack
	decisions  map[string]string
	undecided  []string
	audit      store.AuditVerification
}

func (f *fixture) snapshot(ids ...string) snapshot {
	f.t.Helper()
	ctx := context.Background()
	var s snapshot
	var err error
	if s.writeBacks, _, err = f.st.ListWriteBacks(ctx, store.WriteBackFilter{Limit: 500}); err != nil {
		f.t.Fatal(err)
	}
	s.decisions = map[string]string{}
	for _, id := range ids {
		d, err := f.st.GetDecision(ctx, events.Okta, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			f.t.Fatal(err)
		}
		s.decisions[id] = string(d.Body)
	}
	pending, err := f.st.UndecidedEvents(ctx, 100)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, e := range pending {
		s.undecided = append(s.undecided, e.ID)
	}
	if s.audit, err = f.st.VerifyAudit(ctx); err != nil {
		f.t.Fatal(err)
	}
	return s
}

// TestReplay: the replay counts what the rules it is given would do with
// the decided events of the range, not what the decider did, and changes
// nothing: no write-back, no decision, no audit record, undecided events
// stay undecided.
func TestReplay(t *testing.T) {
	f := newFixture(t)
	f.store("ev-lock", "user.account.lock", "jdoe", 0)
	f.store("ev-signin", "user.session.start", "kpatel", time.Minute)
	f.store("ev-out", "user.account.lock", "mgarcia", 2*time.Hour) // after until
	f.decide(deciding())
	f.store("ev-undecided", "user.account.lock", "rbrown", 3*time.Minute)
	ids := []string{"ev-lock", "ev-signin", "ev-out", "ev-undecided"}
	before := f.snapshot(ids...)
	body := `{"since":"2026-11-23T09:00:00Z","until":"2026-11-23T11:00:00Z"}`

	rep, err := f.replay(deciding(), body)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Events != 2 || rep.Routed[rules.ToXSOAR] != 1 || rep.Responses["suspend_user"] != 1 || rep.BySeverity["critical"] != 1 ||
		rep.BySeverity["medium"] != 1 || len(rep.Decisions) != 1 || rep.Decisions[0].EventID != "ev-lock" {
		t.Errorf("replay with the deciding rules: %+v", rep)
	}

	// Other rules: the kill switch thrown, and every sign-in routed.
	other := deciding()
	other.Automation.Enabled = false
	other.Routing["user.session.start"] = []rules.RouteRule{{To: rules.ToXSOAR}}
	rep, err = f.replay(other, body)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Events != 2 || rep.Routed[rules.ToXSOAR] != 2 || rep.Responses["suspend_user"] != 0 || len(rep.Decisions) != 2 {
		t.Errorf("replay with other rules: %+v", rep)
	}
	for _, d := range rep.Decisions {
		for _, r := range d.Routes {
			if r.Delivery != "" {
				t.Errorf("a replayed route names a delivery: %+v", r)
			}
		}
	}
	// limit bounds the decisions listed, not the counts.
	rep, err = f.replay(other, `{"since":"2026-11-23T09:00:00Z","until":"2026-11-23T11:00:00Z","limit":1}`)
	if err != nil || len(rep.Decisions) != 1 || rep.Routed[rules.ToXSOAR] != 2 {
		t.Errorf("replay with limit 1: %+v, %v", rep, err)
	}

	after := f.snapshot(ids...)
	if len(after.writeBacks) != len(before.writeBacks) || len(before.writeBacks) != 4 {
		t.Errorf("write-backs %d before, %d after the replays, want the decider's 4 both times", len(before.writeBacks), len(after.writeBacks))
	}
	for i := range after.writeBacks {
		if i < len(before.writeBacks) && (after.writeBacks[i].ID != before.writeBacks[i].ID || after.writeBacks[i].Status != before.writeBacks[i].Status) {
			t.Errorf("write-back %d changed: %+v → %+v", i, before.writeBacks[i], after.writeBacks[i])
		}
	}
	if len(after.decisions) != 3 || len(after.decisions) != len(before.decisions) {
		t.Errorf("decisions %d before, %d after", len(before.decisions), len(after.decisions))
	}
	for id, body := range before.decisions {
		if after.decisions[id] != body {
			t.Errorf("decision on %s changed", id)
		}
	}
	if strings.Join(after.undecided, ",") != "ev-undecided" || strings.Join(before.undecided, ",") != "ev-undecided" {
		t.Errorf("undecided %v before, %v after", before.undecided, after.undecided)
	}
	if after.audit.Checked != before.audit.Checked || after.audit.Checked != 0 {
		t.Errorf("audit records %d before, %d after", before.audit.Checked, after.audit.Checked)
	}
}

// TestReplayValidation: problems name the body member.
func TestReplayValidation(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ body, location string }{
		{`{"until":"2026-11-23T11:00:00Z"}`, "body.since"},
		{`{"since":"yesterday","until":"2026-11-23T11:00:00Z"}`, "body.since"},
		{`{"since":"2026-11-23T09:00:00Z"}`, "body.until"},
		{`{"since":"2026-11-23T09:00:00Z","until":"2026-11-23T09:00:00Z"}`, "body.until"},
		{`{"since":"2026-11-23T09:00:00Z","until":"2026-11-22T09:00:00Z"}`, "body.until"},
		{`{"since":"2026-10-01T00:00:00Z","until":"2026-11-01T00:00:01Z"}`, "body.until"},
		{`{"since":"2026-11-23T09:00:00Z","until":"2026-11-23T11:00:00Z","limit":0}`, "body.limit"},
		{`{"since":"2026-11-23T09:00:00Z","until":"2026-11-23T11:00:00Z","limit":1001}`, "body.limit"},
		{`{"since":"2026-11-23T09:00:00Z","until":"2026-11-23T11:00:00Z","limit":"ten"}`, "body.limit"},
		{`{"since":"2026-11-23T09:00:00Z","until":"2026-11-23T11:00:00Z","dry_run":true}`, "body.dry_run"},
		{``, "body.since"},
	} {
		_, err := f.replay(deciding(), c.body)
		var ie *commands.InputError
		if !errors.As(err, &ie) || len(ie.Errors) == 0 || ie.Errors[0].Location != c.location {
			t.Errorf("%s: %v, want a problem at %s", c.body, err, c.location)
		}
	}
	// 31 days exactly is allowed.
	if _, err := f.replay(deciding(), `{"since":"2026-10-01T00:00:00Z","until":"2026-11-01T00:00:00Z","limit":1000}`); err != nil {
		t.Errorf("31 days: %v", err)
	}
}
