package tests

import (
	"fmt"
	"strings"
	"testing"

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
