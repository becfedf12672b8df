package tests

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/xsoar/xsoartest"
)

// TestCorrelateIncidentWithTheUsersEvents: an XSOAR incident raised during
// an MFA fatigue attack correlates with the attack's events, with a score
// and its reasons, written to the war room.
func TestCorrelateIncidentWithTheUsersEvents(t *testing.T) {
	e := newEnv(t, envOptions{xsoar: true})
	if _, err := e.okta.EmitBurst(oktatest.BurstMFAFatigue); err != nil {
		t.Fatal(err)
	}
	inc := e.xsoar.AddIncidentWith(xsoartest.Incident{Name: "Okta: MFA fatigue", Severity: xsoartest.SeverityHigh, Status: xsoartest.StatusActive,
		Labels: []xsoartest.Label{{Type: "user", Value: oktatest.DemoActiveUser}}})

	r := e.run("correlate-incident", fmt.Sprintf(`{"incident":{"platform":"xsoar","id":%q}}`, inc))
	mustStatus(t, r, 200)
	out := r.json(t)["outputs"].(map[string]any)
	related := out["RelatedEvents"].([]any)
	if len(related) < 4 || out["Score"].(float64) < 0.4 {
		t.Fatalf("score %v with %d related events: %v", out["Score"], len(related), out["Reasons"])
	}
	if u := out["User"].(map[string]any); u["Login"] != oktatest.DemoActiveUser {
		t.Errorf("user: %v", u)
	}
	if reasons := fmt.Sprint(out["Reasons"]); !strings.Contains(reasons, "security event(s) of the user within an hour") {
		t.Errorf("reasons: %s", reasons)
	}
	eventually(t, "the war-room entry", func() bool { return len(e.xsoar.Entries(inc)) == 1 })
	if m := e.xsoar.Entries(inc)[0].Markdown; !strings.Contains(m, "Related events") {
		t.Errorf("entry: %s", m)
	}
}

// TestCorrelateScoresALockedAccount: the account's state counts even with
// no events around the incident.
func TestCorrelateScoresALockedAccount(t *testing.T) {
	e := newEnv(t, envOptions{xsoar: true})
	inc := e.xsoar.AddIncidentWith(xsoartest.Incident{Name: "Okta: lockout", Severity: xsoartest.SeverityMedium, Status: xsoartest.StatusActive})
	r := e.run("correlate-incident", fmt.Sprintf(`{"user":%q,"incident":{"platform":"xsoar","id":%q}}`, oktatest.DemoLockedUser, inc))
	mustStatus(t, r, 200)
	out := r.json(t)["outputs"].(map[string]any)
	ctx := out["Context"].(map[string]any)
	if ctx["Locked"] != true || !strings.Contains(fmt.Sprint(out["Reasons"]), "+0.1: the account is locked") {
		t.Fatalf("outputs: %v", out)
	}
}

// TestCorrelateCountsPingOneRiskEvaluations: PingOne's risk is in Protect's
// evaluations, which its audit activities name; a HIGH one in the two hours
// before the incident is a risk event of the correlation.
func TestCorrelateCountsPingOneRiskEvaluations(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true, xsoar: true})
	r := e.run("pingone-get-risk-events", `{"user":"rbrown@example.com","hours":48,"min_level":"HIGH"}`)
	mustStatus(t, r, 200)
	evals := r.json(t)["outputs"].([]any)
	if len(evals) == 0 {
		t.Fatal("the seed has no HIGH evaluation of rbrown in 48 hours")
	}
	first := evals[0].(map[string]any)
	at, err := time.Parse(time.RFC3339, first["Time"].(string))
	if err != nil {
		t.Fatal(err)
	}
	inc := e.xsoar.AddIncidentWith(xsoartest.Incident{Name: "PingOne: risky sign-in", Severity: xsoartest.SeverityHigh, Status: xsoartest.StatusActive,
		Occurred: at.Add(30 * time.Minute), Labels: []xsoartest.Label{{Type: "user", Value: "rbrown@example.com"}}})

	r = e.run("correlate-incident", fmt.Sprintf(`{"provider":"pingone","incident":{"platform":"xsoar","id":%q}}`, inc))
	mustStatus(t, r, 200)
	out := r.json(t)["outputs"].(map[string]any)
	var found bool
	for _, ev := range out["RiskEvents"].([]any) {
		if ev.(map[string]any)["ID"] == first["EvaluationID"] {
			found = true
		}
	}
	if !found || !strings.Contains(fmt.Sprint(out["Reasons"]), "high or critical risk event(s)") {
		t.Fatalf("evaluation %v not among the risk events: %v %v", first["EvaluationID"], out["RiskEvents"], out["Reasons"])
	}
}
