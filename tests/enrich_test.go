package tests

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/xsoar/xsoartest"
	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
)

// The seeded stories are relative to the seed time; each assertion below
// holds at any time of day: a story's events lie inside the window asked
// for whatever the hour (jdoe's MFA fatigue is 24 to 50 hours back, so 72
// hours; kpatel's spray 20 hours back, so the default 24).

// factors maps an enrichment's fired factors to their evidence.
func factors(t *testing.T, enrichment map[string]any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range asList(enrichment["Risk"].(map[string]any)["Factors"]) {
		m := f.(map[string]any)
		out[m["Name"].(string)] = fmt.Sprintf("%v: %s", m["Points"], m["Evidence"])
	}
	return out
}

// missing lists an enrichment's missing parts as part: error.
func missing(enrichment map[string]any) map[string]string {
	out := map[string]string{}
	for _, m := range asList(enrichment["Missing"]) {
		out[m.(map[string]any)["Part"].(string)] = m.(map[string]any)["Error"].(string)
	}
	return out
}

func count(o map[string]any, key string) int { return len(asList(o[key])) }

func TestEnrichUserEveryPart(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})

	// Okta, by ID: the user is read beside everything else.
	id := outputs(t, e.run("okta-get-user", `{"user":"`+oktatest.DemoActiveUser+`"}`))["ID"].(string)
	r := e.run("enrich-user", `{"provider":"okta","user":"`+id+`","hours":72}`)
	mustStatus(t, r, 200)
	o := outputs(t, r)
	if o["UserID"] != id || o["Account"].(map[string]any)["Username"] != oktatest.DemoActiveUser || o["Hours"] != float64(72) {
		t.Fatalf("okta enrichment: %v %v", o["UserID"], o["Account"])
	}
	for _, part := range []string{"Groups", "Apps", "Factors", "Events"} {
		if count(o, part) == 0 {
			t.Errorf("okta: no %s", part)
		}
	}
	if m := missing(o); len(m) != 1 || !strings.Contains(m["sessions"], "no API") {
		t.Errorf("okta missing parts: %v", m)
	}
	// Okta's own verdict (GET /api/v1/users/{id}/risk): the sandbox rates jdoe HIGH.
	if pr := fmt.Sprint(o["ProviderRisk"]); !strings.Contains(pr, "HIGH") {
		t.Errorf("okta provider risk: %s", pr)
	}
	if body := r.json(t); body["outputs_prefix"] != "Identity.Enrichment" || body["outputs_key_field"] != "UserID" {
		t.Errorf("context: %v %v", body["outputs_prefix"], body["outputs_key_field"])
	}

	// PingOne, by username.
	r = e.run("enrich-user", `{"provider":"pingone","user":"`+pingonetest.DemoActiveUser+`","hours":48}`)
	mustStatus(t, r, 200)
	o = outputs(t, r)
	for _, part := range []string{"Groups", "Roles", "Factors", "Sessions", "Events"} {
		if count(o, part) == 0 {
			t.Errorf("pingone: no %s", part)
		}
	}
	if m := missing(o); len(m) != 1 || m["apps"] == "" {
		t.Errorf("pingone missing parts: %v", m)
	}
	readable := r.json(t)["readable_output"].(string)
	for _, want := range []string{"## Risk ", "Risk factors", "What was read", "Missing parts"} {
		if !strings.Contains(readable, want) {
			t.Errorf("readable lacks %q:\n%s", want, readable)
		}
	}
}

func TestEnrichUserScoresTheStories(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	cases := []struct {
		body     string
		factor   string
		evidence []string
		minScore float64
	}{
		// Password spraying, then the lock: 7 failures, LOCKED_OUT.
		{`{"provider":"okta","user":"kpatel@example.com"}`, "failed_sign_ins", []string{"7 failed sign-ins", "(more than 5)"}, 5},
		{`{"provider":"okta","user":"kpatel@example.com"}`, "account_state", []string{"LOCKED_OUT"}, 5},
		// MFA fatigue from Moscow at 03:12 US Eastern: nine rejected pushes,
		// then a sign-in off hours.
		// (an ordinary failed sign-in may fall in the window too, by the time of day)
		{`{"provider":"okta","user":"jdoe@example.com","hours":72}`, "failed_sign_ins", []string{" failed sign-ins in the window (more than 5)"}, 5},
		{`{"provider":"okta","user":"jdoe@example.com","hours":72}`, "off_hours", []string{"America/New_York", "outside business hours 08:00-18:00"}, 5},
		// The admin: Super Admins and admin roles.
		{`{"provider":"okta","user":"awong@example.com"}`, "privileged_access", []string{`group "Super Admins"`, "admin role SUPER_ADMIN"}, 3},
		// PingOne Protect's HIGH evaluations.
		{`{"provider":"pingone","user":"rbrown@example.com","hours":48}`, "provider_risk", []string{"HIGH ("}, 2},
		{`{"provider":"pingone","user":"kpatel@example.com"}`, "account_state", []string{"LOCKED"}, 2},
	}
	for _, c := range cases {
		r := e.run("enrich-user", c.body)
		mustStatus(t, r, 200)
		o := outputs(t, r)
		f := factors(t, o)
		ev, ok := f[c.factor]
		if !ok {
			t.Errorf("%s: %s did not fire: %v", c.body, c.factor, f)
			continue
		}
		for _, want := range c.evidence {
			if !strings.Contains(ev, want) {
				t.Errorf("%s: %s evidence %q lacks %q", c.body, c.factor, ev, want)
			}
		}
		rk := o["Risk"].(map[string]any)
		if rk["Score"].(float64) < c.minScore || rk["Score"].(float64) > 10 {
			t.Errorf("%s: score %v", c.body, rk["Score"])
		}
		if !strings.Contains(r.json(t)["readable_output"].(string), "|"+c.factor+"|+") {
			t.Errorf("%s: readable does not show %s", c.body, c.factor)
		}
	}
}

// failingProxy stands in front of a fake and answers 403, with Okta's
// error body, for every path ending in suffix.
func failingProxy(t *testing.T, target, suffix string) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, suffix) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action","errorLink":"E0000006","errorId":"oae1","errorCauses":[]}`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestEnrichUserPartialFailure(t *testing.T) {
	e := newEnv(t, envOptions{configure: func(c *config.Config) {
		c.Okta.BaseURL = failingProxy(t, c.Okta.BaseURL, "/roles")
	}})
	r := e.run("enrich-user", `{"user":"awong@example.com"}`)
	mustStatus(t, r, 200)
	o := outputs(t, r)
	if m := missing(o); !strings.Contains(m["roles"], "403") && !strings.Contains(m["roles"], "E0000006") {
		t.Fatalf("roles not reported missing: %v", m)
	}
	if count(o, "Roles") != 0 || count(o, "Groups") == 0 || count(o, "Apps") == 0 || count(o, "Events") == 0 {
		t.Errorf("the other parts: groups %d apps %d events %d roles %d", count(o, "Groups"), count(o, "Apps"), count(o, "Events"), count(o, "Roles"))
	}
	// The group still makes the admin privileged; the roles, unread, say nothing.
	if ev := factors(t, o)["privileged_access"]; !strings.Contains(ev, "Super Admins") || strings.Contains(ev, "admin role") {
		t.Errorf("privileged_access: %q", ev)
	}
	if !strings.Contains(r.json(t)["readable_output"].(string), "|roles|okta: You do not have permission") {
		t.Errorf("readable does not name the missing part:\n%s", r.json(t)["readable_output"])
	}
}

func TestEnrichUserBadInput(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	for body, at := range map[string]string{
		`{"provider":"okta"}`:                           "body.user",
		`{"provider":"okta","user":"jdoe","hours":337}`: "body.hours",
		`{"provider":"okta","user":"jdoe","hours":-1}`:  "body.hours",
		`{"provider":"azure","user":"jdoe"}`:            "body.provider",
		`{"user":"jdoe@example.com"}`:                   "body.provider", // both IdPs configured
		`{"provider":"okta","user":"jdoe","days":3}`:    "body.days",
	} {
		for _, cmd := range []string{"enrich-user", "investigate-user"} {
			r := e.run(cmd, body)
			if r.status != 400 || !problemAt(t, r, at) {
				t.Errorf("%s %s: %d %s, want 400 at %s", cmd, body, r.status, r.body, at)
			}
		}
	}
	for _, body := range []string{`{"provider":"okta","user":"nobody@example.com"}`, `{"provider":"okta","user":"00u00000000000000000"}`,
		`{"provider":"pingone","user":"nobody"}`, `{"provider":"pingone","user":"00000000-0000-4000-8000-000000000000"}`} {
		if r := e.run("enrich-user", body); r.status != 404 {
			t.Errorf("%s: %d %s, want 404", body, r.status, r.body)
		}
	}
}

func TestInvestigateUserWritesOneEntry(t *testing.T) {
	e := newEnv(t, envOptions{xsoar: true})
	inc := e.xsoar.AddIncident("Okta: password spray kpatel@example.com", 2)
	r := e.run("investigate-user", fmt.Sprintf(`{"user":%q,"incident":{"platform":"xsoar","id":%q}}`, oktatest.DemoLockedUser, inc))
	mustStatus(t, r, 200)
	o := outputs(t, r)
	// 5 = failures (3) and LOCKED_OUT (2): the password-reset tier.
	if o["Tier"] != "elevated" || o["Score"] != float64(5) {
		t.Fatalf("tier %v score %v", o["Tier"], o["Score"])
	}
	if sev := o["Severity"].(map[string]any); sev["Status"] != "not_needed" {
		t.Errorf("severity: %v", sev)
	}
	eventually(t, "the war-room entry", func() bool { return len(e.xsoar.Entries(inc)) >= 1 })
	entries := e.xsoar.Entries(inc)
	if len(entries) != 1 {
		t.Fatalf("%d entries, want 1", len(entries))
	}
	for _, want := range []string{"Investigation of kpatel@example.com", "Recommendations (elevated)", "1. Require a password reset", "failed_sign_ins", "LOCKED_OUT"} {
		if !strings.Contains(entries[0].Markdown, want) {
			t.Errorf("entry lacks %q:\n%s", want, entries[0].Markdown)
		}
	}
}

func TestInvestigateUserCriticalRaisesSeverity(t *testing.T) {
	e := newEnv(t, envOptions{xsoar: true, configure: func(c *config.Config) {
		c.Risk.Levels.High, c.Risk.Levels.Critical, c.Workflows.Investigate.CriticalScore = 4, 5, 5
	}})
	inc := e.xsoar.AddIncident("Okta: password spray kpatel@example.com", 2)
	r := e.run("investigate-user", fmt.Sprintf(`{"user":%q,"incident":{"platform":"xsoar","id":%q}}`, oktatest.DemoLockedUser, inc))
	mustStatus(t, r, 200)
	o := outputs(t, r)
	recs := asList(o["Recommendations"])
	if o["Tier"] != "immediate" || o["Level"] != "critical" || len(recs) == 0 || !strings.Contains(recs[0].(string), "Suspend") {
		t.Fatalf("tier %v level %v recommendations %v", o["Tier"], o["Level"], recs)
	}
	if sev := o["Severity"].(map[string]any); sev["Status"] != "raised" {
		t.Errorf("severity: %v", sev)
	}
	if inc2, _ := e.xsoar.Incident(inc); inc2.Severity != xsoartest.SeverityCritical {
		t.Errorf("incident severity = %v, want critical", inc2.Severity)
	}
	eventually(t, "the war-room entry", func() bool { return len(e.xsoar.Entries(inc)) == 1 })
	if entry := e.xsoar.Entries(inc)[0].Markdown; !strings.Contains(entry, "IMMEDIATE: Suspend") || !strings.Contains(entry, "Incident severity:") {
		t.Errorf("entry:\n%s", entry)
	}
	// Without incident context there is no severity to raise.
	r = e.run("investigate-user", `{"user":"kpatel@example.com"}`)
	mustStatus(t, r, 200)
	if _, ok := outputs(t, r)["Severity"]; ok {
		t.Errorf("severity without an incident: %v", outputs(t, r)["Severity"])
	}
}
