package tests

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

// factorsOf lists the user's factors through idcmd: type → ID.
func factorsOf(t *testing.T, e *env, user string) map[string]string {
	t.Helper()
	r := e.run("okta-get-user-factors", fmt.Sprintf(`{"user":%q}`, user))
	mustStatus(t, r, 200)
	out := map[string]string{}
	for _, f := range asList(r.json(t)["outputs"].(map[string]any)["Factor"]) {
		m := f.(map[string]any)
		out[m["FactorType"].(string)] = m["ID"].(string)
	}
	return out
}

func pushOutcome(t *testing.T, r response) map[string]any {
	t.Helper()
	mustStatus(t, r, 200)
	return r.json(t)["outputs"].(map[string]any)
}

// TestOktaVerifyPushOutcomes: accepted, rejected, timed out at Okta, and
// timed out because idcmd's wait ended first.
func TestOktaVerifyPushOutcomes(t *testing.T) {
	e := newEnv(t)
	e.okta.SetPushBehavior(oktatest.DemoAdminUser, oktatest.PushBehavior{Answer: oktatest.PushApprove})
	out := pushOutcome(t, e.run("okta-verify-push", fmt.Sprintf(`{"user":%q}`, oktatest.DemoAdminUser)))
	if out["Outcome"] != "accepted" || out["FactorResult"] != "SUCCESS" || out["TimedOutBy"] != nil || out["Device"] == "" {
		t.Errorf("accepted: %v", out)
	}

	e.okta.SetPushBehavior(oktatest.DemoPushRejectUser, oktatest.PushBehavior{Answer: oktatest.PushReject})
	r := e.run("okta-verify-push", fmt.Sprintf(`{"user":%q}`, oktatest.DemoPushRejectUser))
	if out := pushOutcome(t, r); out["Outcome"] != "rejected" || out["FactorResult"] != "REJECTED" {
		t.Errorf("rejected: %v", out)
	}
	if !strings.Contains(r.json(t)["readable_output"].(string), "rejected") {
		t.Errorf("readable: %s", r.body)
	}

	e.okta.SetPushExpiry(time.Nanosecond) // Okta gives up before anyone answers
	out = pushOutcome(t, e.run("okta-verify-push", fmt.Sprintf(`{"user":%q}`, oktatest.DemoPushSilentUser)))
	if out["Outcome"] != "timed_out" || out["TimedOutBy"] != "okta" || out["FactorResult"] != "TIMEOUT" {
		t.Errorf("Okta's timeout: %v", out)
	}

	e.okta.SetPushExpiry(0)
	out = pushOutcome(t, e.run("okta-verify-push", fmt.Sprintf(`{"user":%q,"wait_seconds":1}`, oktatest.DemoPushSilentUser)))
	if out["Outcome"] != "timed_out" || out["TimedOutBy"] != "idcmd" || out["FactorResult"] != "WAITING" || out["Polls"].(float64) < 2 {
		t.Errorf("idcmd's timeout: %v", out)
	}
	if n := e.okta.PushesSent(oktatest.DemoPushSilentUser); n != 2 {
		t.Errorf("%d pushes sent for two calls", n)
	}
}

func TestOktaVerifyPushRefusals(t *testing.T) {
	e := newEnv(t)
	fs := factorsOf(t, e, oktatest.DemoActiveUser)
	cases := []struct {
		body, field string
		status      int
	}{
		{fmt.Sprintf(`{"user":%q,"factor":"opf0000000000000none"}`, oktatest.DemoActiveUser), "body.factor", 404},
		{fmt.Sprintf(`{"user":%q,"factor":%q}`, oktatest.DemoActiveUser, fs["sms"]), "body.factor", 400},
		{fmt.Sprintf(`{"user":%q}`, oktatest.DemoRecoveryUser), "body.user", 400}, // sms only, no push
		{fmt.Sprintf(`{"user":%q,"wait_seconds":26}`, oktatest.DemoActiveUser), "body.wait_seconds", 400},
		{fmt.Sprintf(`{"user":%q,"wait_seconds":0.5}`, oktatest.DemoActiveUser), "body.wait_seconds", 400},
	}
	for _, c := range cases {
		r := e.run("okta-verify-push", c.body)
		mustStatus(t, r, c.status)
		if got := fieldOf(t, r); got != c.field {
			t.Errorf("%s: field %s, want %s: %s", c.body, got, c.field, r.body)
		}
	}
	if n := e.okta.PushesSent(oktatest.DemoActiveUser); n != 0 {
		t.Errorf("a refused call sent %d pushes", n)
	}
	mustStatus(t, e.run("okta-verify-push", `{"user":"nobody@example.com"}`), 404)
	// A push to the phone is a Write: a read-only token may not send one.
	mustStatus(t, e.call("okta-verify-push", fmt.Sprintf(`{"user":%q}`, oktatest.DemoActiveUser), token(t, "commands:read"), ""), 403)
}

func TestOktaResetOneFactor(t *testing.T) {
	e := newEnv(t)
	fs := factorsOf(t, e, oktatest.DemoActiveUser)
	before := e.okta.Org().FactorCount(oktatest.DemoActiveUser)
	r := e.run("okta-reset-factor", fmt.Sprintf(`{"user":%q,"factor":%q}`, oktatest.DemoActiveUser, fs["sms"]))
	mustStatus(t, r, 200)
	out := r.json(t)["outputs"].(map[string]any)
	removed := asList(out["RemovedFactor"])
	if len(removed) != 1 || removed[0].(map[string]any)["ID"] != fs["sms"] || len(asList(out["Factor"])) != before-1 {
		t.Fatalf("reset sms: %s", r.body)
	}
	if n := e.okta.Org().FactorCount(oktatest.DemoActiveUser); n != before-1 {
		t.Fatalf("Okta has %d factors, want %d", n, before-1)
	}
	// The same factor again, and one that never existed: 404 naming body.factor.
	for _, f := range []string{fs["sms"], "nope"} {
		r := e.run("okta-reset-factor", fmt.Sprintf(`{"user":%q,"factor":%q}`, oktatest.DemoActiveUser, f))
		mustStatus(t, r, 404)
		if fieldOf(t, r) != "body.factor" {
			t.Errorf("%s: %s", f, r.body)
		}
	}
	// A deactivated user's factors cannot be unenrolled: Okta's E0000038, 409.
	gone := factorsOf(t, e, oktatest.DemoDeprovisionedUser)
	r = e.run("okta-reset-factor", fmt.Sprintf(`{"user":%q,"factor":%q}`, oktatest.DemoDeprovisionedUser, gone["push"]))
	mustStatus(t, r, 409)
	if r.json(t)["provider_code"] != "E0000038" {
		t.Errorf("deprovisioned: %s", r.body)
	}
	mustStatus(t, e.run("okta-reset-factor", fmt.Sprintf(`{"user":%q}`, oktatest.DemoActiveUser)), 400)
}
