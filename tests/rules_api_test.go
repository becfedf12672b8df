package tests

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestEventShowsItsDecision: GET /api/v1/events/{id} carries the decision
// of the server's decider once it ran (the answer matches the document
// before and after), with its deliveries.
func TestEventShowsItsDecision(t *testing.T) {
	e := newEnv(t)
	ev := e.okta.Org().Events()[0]
	mustStatus(t, e.hook("/okta/webhook", "application/json", oktaHookSecret, oktaDelivery(t, ev)), http.StatusNoContent)
	tok := token(t, "events:read")
	var got map[string]any
	eventually(t, "the event's decision", func() bool {
		r := e.get("/api/v1/events/"+ev.UUID, tok)
		mustStatus(t, r, http.StatusOK)
		got = r.json(t)
		switch got["decision_status"] {
		case "pending":
			if got["decision"] != nil {
				t.Fatalf("a pending event with a decision: %v", got)
			}
			return false
		case "decided":
			return true
		}
		t.Fatalf("decision_status %v: %v", got["decision_status"], got)
		return false
	})
	d, _ := got["decision"].(map[string]any)
	if d["event_id"] != ev.UUID || d["severity"] == "" || d["severity_rule"] == "" || d["deliveries"] == nil {
		t.Fatalf("decision %v", got["decision"])
	}
	if got["ID"] != ev.UUID || got["Raw"] == nil {
		t.Errorf("the event itself is not in the answer: %v", got)
	}
}

// TestReplayEndpoint: POST /api/v1/rules/replay answers the report with
// the event log's scope; problems name the body member.
func TestReplayEndpoint(t *testing.T) {
	e := newEnv(t)
	evs := e.okta.Org().Events()
	mustStatus(t, e.hook("/okta/webhook", "application/json", oktaHookSecret, oktaDelivery(t, evs[len(evs)-3:]...)), http.StatusNoContent)
	tok := token(t, "events:read")
	eventually(t, "the decisions", func() bool {
		for _, ev := range evs[len(evs)-3:] {
			if e.get("/api/v1/events/"+ev.UUID, tok).json(t)["decision_status"] != "decided" {
				return false
			}
		}
		return true
	})
	now := time.Now().UTC()
	body := fmt.Sprintf(`{"since":%q,"until":%q,"limit":10}`, now.Add(-30*24*time.Hour).Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339))
	r := e.post("/api/v1/rules/replay", tok, body)
	mustStatus(t, r, http.StatusOK)
	if rep := r.json(t); rep["events"] != float64(3) || rep["decisions"] == nil {
		t.Errorf("replay: %s", r.body)
	}
	mustStatus(t, e.post("/api/v1/rules/replay", token(t, "commands:read"), body), http.StatusForbidden)
	mustStatus(t, e.post("/api/v1/rules/replay", "", body), http.StatusUnauthorized)

	for body, loc := range map[string]string{
		`{"until":"2026-11-23T11:00:00Z"}`:                                           "body.since",
		`{"since":"2026-11-23T11:00:00Z","until":"2026-11-23T10:00:00Z"}`:            "body.until",
		`{"since":"2026-10-01T00:00:00Z","until":"2026-11-23T10:00:00Z"}`:            "body.until",
		`{"since":"2026-11-23T09:00:00Z","until":"2026-11-23T10:00:00Z","limit":0}`:  "body.limit",
		`{"since":"2026-11-23T09:00:00Z","until":"2026-11-23T10:00:00Z","until2":1}`: "body.until2",
	} {
		r := e.post("/api/v1/rules/replay", tok, body)
		mustStatus(t, r, http.StatusBadRequest)
		if !problemAt(t, r, loc) {
			t.Errorf("%s: the problem does not name %s: %s", body, loc, r.body)
		}
	}
	r = e.do(http.MethodPost, "/api/v1/rules/replay", "text/plain", tok, []byte(body))
	mustStatus(t, r, http.StatusUnsupportedMediaType)
}
