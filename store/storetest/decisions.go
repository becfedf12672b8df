package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/idcmd/idcmd/store"
)

var decisionTests = []struct {
	name string
	fn   func(*testing.T, store.Store)
}{
	{"DecisionsOncePerEvent", testDecisionsOncePerEvent},
	{"DecisionsNeedLease", testDecisionsNeedLease},
	{"DecisionsQueueDeliveries", testDecisionsQueueDeliveries},
	{"DecisionsGroup", testDecisionsGroup},
	{"WriteBackPutOff", testWriteBackPutOff},
}

const decisionLeaseName = "rules"

func decisionLease(t *testing.T, s store.Store, owner string) store.DecisionLease {
	t.Helper()
	ok, err := s.AcquireLease(ctx(t), decisionLeaseName, owner, time.Minute, time.Now())
	if err != nil || !ok {
		t.Fatalf("AcquireLease(%s) = %v, %v", owner, ok, err)
	}
	return store.DecisionLease{Name: decisionLeaseName, Owner: owner}
}

func decisionOn(e store.Event, severity string) store.Decision {
	return store.Decision{Provider: e.Provider, EventID: e.ID, EventSeq: e.Seq, Severity: severity, Body: json.RawMessage(`{"severity":"` + severity + `"}`)}
}

// testDecisionsOncePerEvent: undecided events come in arrival order, a
// decided one leaves the list, and deciding it again is refused.
func testDecisionsOncePerEvent(t *testing.T, s store.Store) {
	appendEvents(t, s, event("okta", "e1", 3), event("okta", "e2", 1), event("pingone", "e3", 2))
	lease := decisionLease(t, s, "a")
	pending, err := s.UndecidedEvents(ctx(t), 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := eventIDs(pending); len(got) != 3 || got[0] != "okta/e1" || got[1] != "okta/e2" || got[2] != "pingone/e3" {
		t.Fatalf("undecided = %v, want arrival order", got)
	}
	if _, err := s.RecordDecisions(ctx(t), lease, []store.Decision{decisionOn(pending[0], "high")}); err != nil {
		t.Fatal(err)
	}
	pending, _ = s.UndecidedEvents(ctx(t), 10)
	if got := eventIDs(pending); len(got) != 2 || got[0] != "okta/e2" {
		t.Fatalf("undecided after one = %v", got)
	}
	first, _ := s.GetEvent(ctx(t), "okta", "e1")
	if _, err := s.RecordDecisions(ctx(t), lease, []store.Decision{decisionOn(first, "low")}); err == nil {
		t.Fatal("a second decision on e1 was stored")
	}
	d, err := s.GetDecision(ctx(t), "okta", "e1")
	if err != nil || d.Severity != "high" || d.EventSeq != first.Seq {
		t.Fatalf("GetDecision = %+v, %v", d, err)
	}
	decided, err := s.DecidedEvents(ctx(t), 0, eventBase.Add(-time.Hour), 10)
	if err != nil || len(decided) != 1 || decided[0].ID != "e1" {
		t.Fatalf("DecidedEvents = %v, %v", eventIDs(decided), err)
	}
	if _, err := s.GetDecision(ctx(t), "okta", "e2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("undecided e2: %v, want ErrNotFound", err)
	}
	if _, err := s.RecordDecisions(ctx(t), lease, []store.Decision{{Provider: "okta", EventID: "e2", EventSeq: pending[0].Seq, Severity: "severe", Body: json.RawMessage(`{}`)}}); err == nil {
		t.Fatal("severity severe accepted")
	}
}

// testDecisionsNeedLease: only the lease holder records decisions.
func testDecisionsNeedLease(t *testing.T, s store.Store) {
	appendEvents(t, s, event("okta", "e1", 0))
	decisionLease(t, s, "a")
	pending, _ := s.UndecidedEvents(ctx(t), 10)
	_, err := s.RecordDecisions(ctx(t), store.DecisionLease{Name: decisionLeaseName, Owner: "b"}, []store.Decision{decisionOn(pending[0], "low")})
	if !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("decision by a non-holder: %v, want ErrLeaseLost", err)
	}
	if left, _ := s.UndecidedEvents(ctx(t), 10); len(left) != 1 {
		t.Fatalf("a refused decision marked the event decided")
	}
}

// testDecisionsQueueDeliveries: the deliveries of a decision are queued
// with it, tied to its event, with the ids the caller chose, and a
// delivery's result is kept when it is finished.
func testDecisionsQueueDeliveries(t *testing.T, s store.Store) {
	appendEvents(t, s, event("okta", "e1", 0))
	lease := decisionLease(t, s, "a")
	pending, _ := s.UndecidedEvents(ctx(t), 10)
	incident := store.NewWriteBackID()
	d := decisionOn(pending[0], "critical")
	d.Deliveries = []store.WriteBack{
		{ID: incident, Platform: store.PlatformXSOAR, Kind: "xsoar_incident"},
		{Platform: store.PlatformIdcmd, Kind: "response", Payload: json.RawMessage(`{"after":"` + incident + `"}`), NextAttemptAt: time.Now().Add(time.Hour)},
	}
	stored, err := s.RecordDecisions(ctx(t), lease, []store.Decision{d})
	if err != nil {
		t.Fatal(err)
	}
	if got := stored[0].Deliveries; len(got) != 2 || got[0].ID != incident || got[1].ID == "" || got[1].EventID != "e1" {
		t.Fatalf("stored deliveries = %+v", got)
	}
	list, _, err := s.ListWriteBacks(ctx(t), store.WriteBackFilter{EventProvider: "okta", EventID: "e1"})
	if err != nil || len(list) != 2 {
		t.Fatalf("ListWriteBacks(event) = %d, %v", len(list), err)
	}
	// Only the incident is due; the response waits until its time.
	claimed, err := s.ClaimWriteBacks(ctx(t), "w", 10, time.Minute, time.Now())
	if err != nil || len(claimed) != 1 || claimed[0].ID != incident || claimed[0].Kind != "xsoar_incident" {
		t.Fatalf("claimed = %+v, %v", claimed, err)
	}
	done, err := s.FinishWriteBack(ctx(t), incident, "w", store.WriteBackOutcome{Delivered: true, RemoteID: "42", Result: json.RawMessage(`{"incident":"42"}`)}, time.Now())
	if err != nil || string(done.Result) != `{"incident":"42"}` || done.RemoteID != "42" {
		t.Fatalf("finished = %+v, %v", done, err)
	}
	if _, err := s.RecordDecisions(ctx(t), lease, []store.Decision{{Provider: "okta", EventID: "x", EventSeq: 99, Severity: "low", Body: json.RawMessage(`{}`),
		Deliveries: []store.WriteBack{{Platform: store.PlatformXSOAR, Kind: "entry"}}}}); err == nil {
		t.Fatal("an entry without an incident was queued")
	}
}

// testDecisionsGroup: a group's decisions come first decided first.
func testDecisionsGroup(t *testing.T, s store.Store) {
	appendEvents(t, s, event("okta", "e1", 0), event("okta", "e2", 1), event("okta", "e3", 2))
	lease := decisionLease(t, s, "a")
	pending, _ := s.UndecidedEvents(ctx(t), 10)
	for _, e := range pending {
		d := decisionOn(e, "high")
		if e.ID != "e2" {
			d.GroupKey = "okta|00u1|mfa_fatigue"
		}
		if _, err := s.RecordDecisions(ctx(t), lease, []store.Decision{d}); err != nil {
			t.Fatal(err)
		}
	}
	first, n, err := s.GroupOf(ctx(t), "okta|00u1|mfa_fatigue", time.Now().Add(-time.Hour))
	if err != nil || n != 2 || first.EventID != "e1" {
		t.Fatalf("GroupOf = %+v, %d, %v; want e1 first, 2 in all", first, n, err)
	}
	if _, _, err := s.GroupOf(ctx(t), "okta|00u1|mfa_fatigue", time.Now().Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GroupOf after the window: %v, want ErrNotFound", err)
	}
}
