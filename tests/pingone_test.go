package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
)

func TestPingOneReadCommands(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	user := fmt.Sprintf(`{"user":%q}`, pingonetest.DemoActiveUser)

	r := e.run("pingone-get-user", user)
	mustStatus(t, r, 200)
	o := outputs(t, r)
	if o["Username"] != pingonetest.DemoActiveUser || o["Status"] != "ACTIVE" || o["AccountStatus"] != "OK" || o["PasswordStatus"] == "" {
		t.Errorf("get user: %v", o)
	}
	id := o["ID"].(string)
	mustStatus(t, e.run("pingone-get-user", fmt.Sprintf(`{"user":%q}`, id)), 200)

	groups := outputs(t, e.run("pingone-get-user-groups", fmt.Sprintf(`{"user":%q}`, pingonetest.DemoRiskyUser)))
	kinds := map[string]bool{}
	for _, g := range asList(groups["Group"]) {
		kinds[g.(map[string]any)["MembershipType"].(string)] = true
	}
	if !kinds["DIRECT"] || !kinds["INDIRECT"] {
		t.Errorf("memberships: %v", groups)
	}
	roles := outputs(t, e.run("pingone-get-user-roles", fmt.Sprintf(`{"user":%q}`, pingonetest.DemoAdminUser)))
	if len(asList(roles["Role"])) == 0 {
		t.Errorf("roles: %v", roles)
	}
	if apps := outputList(t, e.run("pingone-get-applications", `{}`)); len(apps) == 0 {
		t.Error("no applications")
	}
	sessions := outputs(t, e.run("pingone-get-user-sessions", user))
	if n := len(asList(sessions["Session"])); n == 0 || n > 10 {
		t.Errorf("%d sessions", n)
	}

	// Paging across several pages with a small limit; no user twice.
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		body := `{"limit":9}`
		if cursor != "" {
			body = fmt.Sprintf(`{"limit":9,"cursor":%q}`, cursor)
		}
		r := e.run("pingone-list-users", body)
		mustStatus(t, r, 200)
		for _, u := range outputList(t, r) {
			id := u.(map[string]any)["ID"].(string)
			if seen[id] {
				t.Errorf("user %s on two pages", id)
			}
			seen[id] = true
		}
		pages++
		cursor, _ = r.json(t)["next_cursor"].(string)
		if cursor == "" || pages > 20 {
			break
		}
	}
	if pages < 3 || len(seen) < 50 {
		t.Errorf("%d pages, %d users", pages, len(seen))
	}
	if r := e.run("pingone-list-users", `{"filter":"enabled eq false"}`); r.status == 200 {
		for _, u := range outputList(t, r) {
			if u.(map[string]any)["Enabled"] != false {
				t.Errorf("filter returned an enabled user")
			}
		}
	} else {
		t.Errorf("filter: %d %s", r.status, r.body)
	}
}

// TestPingOneEventsAndSOPAliases: the SOP's event names are translated, the
// result says which real types were queried, and the events are the user's.
func TestPingOneEventsAndSOPAliases(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	id, _ := e.pingone.Env().UserID(pingonetest.DemoActiveUser)
	r := e.run("pingone-get-user-events", fmt.Sprintf(`{"user":%q,"hours":168,"event_types":["MFA_VERIFY_FAILED"],"limit":1000}`, pingonetest.DemoActiveUser))
	mustStatus(t, r, 200)
	events := outputList(t, r)
	if len(events) == 0 {
		t.Fatal("no MFA failures for the MFA-fatigue story")
	}
	for _, ev := range events {
		ev := ev.(map[string]any)
		if !strings.HasPrefix(ev["Type"].(string), "OTP.") && !strings.HasPrefix(ev["Type"].(string), "ASSERTION.") && !strings.HasPrefix(ev["Type"].(string), "DEVICE.") {
			t.Errorf("MFA_VERIFY_FAILED returned %v", ev["Type"])
		}
		if ev["ActorUserID"] != id && ev["TargetID"] != id {
			t.Errorf("event %v is neither by nor on the user", ev["ID"])
		}
	}
	m := r.json(t)
	if !strings.Contains(m["readable_output"].(string), "OTP.CHECK_FAILED") {
		t.Error("the readable output does not say which action types were queried")
	}
	if types := asList(m["raw_response"].(map[string]any)["action_types"]); len(types) < 2 {
		t.Errorf("raw_response.action_types = %v", types)
	}
	// Real action types work too, and an unknown name is refused naming the field.
	mustStatus(t, e.run("pingone-get-user-events", fmt.Sprintf(`{"user":%q,"event_types":["USER.LOCKED"]}`, pingonetest.DemoLockedUser)), 200)
	bad := e.run("pingone-get-user-events", fmt.Sprintf(`{"user":%q,"event_types":["user locked"]}`, pingonetest.DemoLockedUser))
	mustStatus(t, bad, 400)
	if !strings.Contains(string(bad.body), "body.event_types[0]") {
		t.Errorf("bad event type: %s", bad.body)
	}
	// Outside PingOne's 14-day window.
	mustStatus(t, e.run("pingone-get-security-events", `{"since":"2020-01-01T00:00:00Z"}`), 400)

	sec := outputList(t, e.run("pingone-get-security-events", `{"hours":168,"limit":500}`))
	if len(sec) == 0 {
		t.Fatal("no security events")
	}
	fails := outputList(t, e.run("pingone-get-security-events", `{"hours":168,"event_types":["USER_LOGIN_FAILED"],"failures_only":true}`))
	for _, ev := range fails {
		if ev.(map[string]any)["Result"] == "SUCCESS" {
			t.Error("failures_only returned a success")
		}
	}
}

func TestPingOneRisk(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	r := e.run("pingone-get-risk-events", fmt.Sprintf(`{"user":%q,"hours":336}`, pingonetest.DemoRiskyUser))
	mustStatus(t, r, 200)
	evs := outputList(t, r)
	high := false
	for _, ev := range evs {
		ev := ev.(map[string]any)
		if ev["Level"] == "HIGH" {
			high = true
		}
		if ev["EvaluationID"] == "" || ev["Level"] == "" {
			t.Errorf("risk event: %v", ev)
		}
	}
	if !high {
		t.Errorf("no HIGH evaluation for the risky user: %s", r.body)
	}
	onlyHigh := outputList(t, e.run("pingone-get-risk-events", fmt.Sprintf(`{"user":%q,"hours":336,"min_level":"HIGH"}`, pingonetest.DemoRiskyUser)))
	for _, ev := range onlyHigh {
		if ev.(map[string]any)["Level"] != "HIGH" {
			t.Error("min_level HIGH returned a lower level")
		}
	}
	ev := e.run("pingone-evaluate-risk", fmt.Sprintf(`{"user":%q,"ip":%q}`, pingonetest.DemoActiveUser, pingonetest.DemoTorExitIP))
	mustStatus(t, ev, 200)
	if o := outputs(t, ev); o["ID"] == "" || o["Level"] == "" {
		t.Errorf("evaluate: %v", o)
	}
	mustStatus(t, e.run("pingone-evaluate-risk", fmt.Sprintf(`{"user":%q,"ip":"not-an-ip"}`, pingonetest.DemoActiveUser)), 400)
}

func TestPingOneStateChanges(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	user := fmt.Sprintf(`{"user":%q}`, pingonetest.DemoActiveUser)
	env := e.pingone.Env()

	r := e.run("pingone-lock-user", user)
	mustStatus(t, r, 200)
	if o := outputs(t, r); o["Status"] != "LOCKED" || o["PreviousStatus"] != "ACTIVE" || o["CanAuthenticate"] != false {
		t.Errorf("lock: %v", o)
	}
	// An explicit lock survives a forced password change.
	mustStatus(t, e.run("pingone-reset-password", fmt.Sprintf(`{"user":%q,"send_email":false}`, pingonetest.DemoActiveUser)), 200)
	if st, _ := env.User(pingonetest.DemoActiveUser); st.AccountStatus != "LOCKED" || st.PasswordStatus != "MUST_CHANGE_PASSWORD" {
		t.Errorf("after force change: %+v", st)
	}
	r = e.run("pingone-unlock-user", user)
	mustStatus(t, r, 200)
	if outputs(t, r)["Status"] != "ACTIVE" {
		t.Errorf("unlock: %s", r.body)
	}
	r = e.run("pingone-lock-user", fmt.Sprintf(`{"user":%q,"unlock_at":"2099-01-01T00:00:00Z"}`, pingonetest.DemoAdminUser))
	mustStatus(t, r, 200)
	if outputs(t, r)["UnlockAt"] == nil {
		t.Errorf("timed lock: %s", r.body)
	}
	mustStatus(t, e.run("pingone-lock-user", fmt.Sprintf(`{"user":%q,"unlock_at":"2001-01-01T00:00:00Z"}`, pingonetest.DemoAdminUser)), 400)

	// Terminate every session, one at a time, reporting each.
	before, _ := env.User(pingonetest.DemoActiveUser)
	r = e.run("pingone-terminate-sessions", user)
	mustStatus(t, r, 200)
	o := outputs(t, r)
	if int(o["Terminated"].(float64)) != before.Sessions || len(asList(o["Session"])) != before.Sessions {
		t.Errorf("terminated %v of %d: %v", o["Terminated"], before.Sessions, o)
	}
	if st, _ := env.User(pingonetest.DemoActiveUser); st.Sessions != 0 {
		t.Errorf("%d sessions left", st.Sessions)
	}

	r = e.run("pingone-disable-user", user)
	mustStatus(t, r, 200)
	if o := outputs(t, r); o["Status"] != "DISABLED" || o["Enabled"] != false {
		t.Errorf("disable: %v", o)
	}
	// A disabled user cannot receive a recovery code: a state conflict.
	conflict := e.run("pingone-reset-password", user)
	if conflict.status != 409 && conflict.status != 400 {
		t.Errorf("recovery code to a disabled user: %d %s", conflict.status, conflict.body)
	}
	if p := conflict.json(t); p["provider"] != "pingone" || p["provider_code"] == nil {
		t.Errorf("problem: %s", conflict.body)
	}
	r = e.run("pingone-enable-user", user)
	mustStatus(t, r, 200)
	if outputs(t, r)["Enabled"] != true {
		t.Errorf("enable: %s", r.body)
	}
	r = e.run("pingone-reset-password", user)
	mustStatus(t, r, 200)
	if st, _ := env.User(pingonetest.DemoActiveUser); st.RecoveryCodesSent == 0 {
		t.Error("no recovery code sent")
	}
	mustStatus(t, e.run("pingone-get-user", `{"user":"nobody@example.com"}`), 404)
}

func TestPingOneProviderErrors(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	user := fmt.Sprintf(`{"user":%q}`, pingonetest.DemoActiveUser)
	e.pingone.InjectRateLimit(1)
	mustStatus(t, e.run("pingone-get-user", user), 200)
	// Expired tokens are refreshed, not surfaced.
	e.pingone.ExpireTokens()
	mustStatus(t, e.run("pingone-get-user", user), 200)
	e.pingone.InjectStatus(3, 503)
	r := e.run("pingone-get-user", user)
	mustStatus(t, r, 502)
	if p := r.json(t); p["provider"] != "pingone" || p["provider_status"] != float64(503) {
		t.Errorf("problem: %s", r.body)
	}
}

// TestNeutralCommands: one playbook shape for both IdPs.
func TestNeutralCommands(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	for _, prov := range []string{"okta", "pingone"} {
		t.Run(prov, func(t *testing.T) {
			e.t = t
			user := "jdoe@example.com" // both demo tenants have one
			r := e.run("get-user", fmt.Sprintf(`{"provider":%q,"user":%q}`, prov, user))
			mustStatus(t, r, 200)
			m := r.json(t)
			a := m["outputs"].(map[string]any)
			if m["outputs_prefix"] != "Account" || a["Provider"] != prov || a["Username"] != user || a["Status"] != "ACTIVE" || a["CanSignIn"] != true {
				t.Errorf("account: %s", r.body)
			}
			groups := outputs(t, e.run("get-user-groups", fmt.Sprintf(`{"provider":%q,"user":%q}`, prov, user)))
			if len(asList(groups["Group"])) == 0 {
				t.Errorf("groups: %v", groups)
			}
			er := e.run("get-user-events", fmt.Sprintf(`{"provider":%q,"user":%q,"hours":168}`, prov, user))
			events := outputList(t, er)
			if len(events) == 0 {
				t.Fatal("no events")
			}
			for _, ev := range events {
				ev := ev.(map[string]any)
				if ev["Provider"] != prov || ev["Type"] == "" || ev["Time"] == "" {
					t.Errorf("event shape: %v", ev)
				}
				if _, inContext := ev["Raw"]; inContext {
					t.Errorf("the raw event is in the outputs (context); it belongs in raw_response: %v", ev)
				}
			}
			// The vendor's events, as sent, are in raw_response, one per event.
			if raws, _ := er.json(t)["raw_response"].([]any); len(raws) != len(events) || raws[0] == nil {
				t.Errorf("raw_response has %d events for %d outputs", len(raws), len(events))
			}
			lock := outputs(t, e.run("lock-user", fmt.Sprintf(`{"provider":%q,"user":%q}`, prov, user)))
			if lock["CanSignIn"] != false || lock["PreviousStatus"] != "ACTIVE" {
				t.Errorf("lock-user: %v", lock)
			}
			unlock := outputs(t, e.run("unlock-user", fmt.Sprintf(`{"provider":%q,"user":%q}`, prov, user)))
			if unlock["CanSignIn"] != true {
				t.Errorf("unlock-user: %v", unlock)
			}
			mustStatus(t, e.run("clear-sessions", fmt.Sprintf(`{"provider":%q,"user":%q}`, prov, user)), 200)
			mustStatus(t, e.run("reset-password", fmt.Sprintf(`{"provider":%q,"user":%q}`, prov, user)), 200)
		})
	}
	e.t = t
	// With both configured, the provider is required and named in the problem.
	r := e.run("get-user", `{"user":"jdoe@example.com"}`)
	mustStatus(t, r, 400)
	if !strings.Contains(string(r.body), "body.provider") {
		t.Errorf("missing provider: %s", r.body)
	}
	mustStatus(t, e.run("get-user", `{"provider":"azure","user":"x"}`), 400)
	// With only Okta configured, provider may be omitted.
	only := newEnv(t)
	mustStatus(t, only.run("get-user", `{"user":"jdoe@example.com"}`), 200)
	mustStatus(t, only.run("get-user", `{"provider":"pingone","user":"jdoe@example.com"}`), 503)
}
