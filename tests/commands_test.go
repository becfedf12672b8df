package tests

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/catalog"
	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

func outputs(t *testing.T, r response) map[string]any {
	t.Helper()
	m := r.json(t)
	o, ok := m["outputs"].(map[string]any)
	if !ok {
		t.Fatalf("outputs is not an object: %s", r.body)
	}
	return o
}

func outputList(t *testing.T, r response) []any {
	t.Helper()
	o, ok := r.json(t)["outputs"].([]any)
	if !ok {
		t.Fatalf("outputs is not a list: %s", r.body)
	}
	return o
}

func mustStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d:\n%.2000s", r.status, want, r.body)
	}
}

// TestReadCommands runs every read command against the seeded org.
func TestReadCommands(t *testing.T) {
	e := newEnv(t)
	user := fmt.Sprintf(`{"user":%q}`, oktatest.DemoActiveUser)

	r := e.run("okta-get-user", user)
	mustStatus(t, r, 200)
	m := r.json(t)
	if m["command"] != "okta-get-user" || m["outputs_prefix"] != "Okta.User" || m["outputs_key_field"] != "ID" || m["request_id"] == "" {
		t.Errorf("envelope: %s", r.body)
	}
	if r.header.Get("X-Request-Id") != m["request_id"] {
		t.Errorf("request id header %q, body %q", r.header.Get("X-Request-Id"), m["request_id"])
	}
	o := outputs(t, r)
	if o["Username"] != oktatest.DemoActiveUser || o["Status"] != "ACTIVE" || o["ID"] == "" {
		t.Errorf("outputs: %v", o)
	}
	if !strings.Contains(m["readable_output"].(string), "|"+oktatest.DemoActiveUser+"|") {
		t.Errorf("readable output lacks the user row: %s", m["readable_output"])
	}
	raw := m["raw_response"].(map[string]any)
	if raw["id"] != o["ID"] {
		t.Errorf("raw_response is not Okta's user: %v", raw)
	}
	id := o["ID"].(string)

	// By ID and by shortname too.
	mustStatus(t, e.run("okta-get-user", fmt.Sprintf(`{"user":%q}`, id)), 200)
	short := strings.Split(oktatest.DemoActiveUser, "@")[0]
	mustStatus(t, e.run("okta-get-user", fmt.Sprintf(`{"user":%q}`, short)), 200)

	groups := outputs(t, e.run("okta-get-user-groups", user))
	if gs, _ := groups["Group"].([]any); len(gs) == 0 || groups["ID"] != id {
		t.Errorf("groups: %v", groups)
	}
	apps := outputs(t, e.run("okta-get-user-apps", user))
	if as, _ := apps["App"].([]any); len(as) == 0 {
		t.Errorf("apps: %v", apps)
	}
	factors := outputs(t, e.run("okta-get-user-factors", user))
	if fs, _ := factors["Factor"].([]any); len(fs) == 0 {
		t.Errorf("factors: %v", factors)
	}

	events := outputList(t, e.run("okta-get-user-events", fmt.Sprintf(`{"user":%q,"hours":168,"limit":1000}`, oktatest.DemoActiveUser)))
	if len(events) == 0 {
		t.Fatal("no events for the demo user over 7 days")
	}
	for _, ev := range events {
		ev := ev.(map[string]any)
		actor := ev["actor"].(map[string]any)["id"]
		hit := actor == id
		for _, tg := range asList(ev["target"]) {
			if tg.(map[string]any)["id"] == id {
				hit = true
			}
		}
		if !hit {
			t.Errorf("event %v is neither by nor on the user", ev["uuid"])
		}
	}

	sec := outputList(t, e.run("okta-get-security-events", `{"hours":168,"limit":1000}`))
	if len(sec) == 0 {
		t.Fatal("no security events")
	}
	allowed := map[string]bool{}
	for _, et := range commands.SecurityEventTypes {
		allowed[et] = true
	}
	for _, ev := range sec {
		if et := ev.(map[string]any)["eventType"].(string); !allowed[et] {
			t.Errorf("security events include %s", et)
		}
	}
	fails := outputList(t, e.run("okta-get-security-events", `{"hours":168,"event_types":["user.mfa.factor.attempt_fail"],"failures_only":true}`))
	for _, ev := range fails {
		if r := ev.(map[string]any)["outcome"].(map[string]any)["result"]; r != "FAILURE" && r != "DENY" {
			t.Errorf("failures_only returned outcome %v", r)
		}
	}

	logs := outputList(t, e.run("okta-get-logs", `{"filter":"eventType eq \"user.session.start\" and outcome.result eq \"FAILURE\"","limit":5}`))
	if len(logs) == 0 || len(logs) > 5 {
		t.Errorf("okta-get-logs returned %d events", len(logs))
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// TestSearchUsersPages follows next_cursor across several pages and checks
// that no user repeats.
func TestSearchUsersPages(t *testing.T) {
	e := newEnv(t)
	seen := map[string]bool{}
	cursor := ""
	pages := 0
	for {
		body := `{"search":"status eq \"ACTIVE\"","limit":7}`
		if cursor != "" {
			body = fmt.Sprintf(`{"search":"status eq \"ACTIVE\"","limit":7,"cursor":%q}`, cursor)
		}
		r := e.run("okta-search-users", body)
		mustStatus(t, r, 200)
		for _, u := range outputList(t, r) {
			u := u.(map[string]any)
			if u["Status"] != "ACTIVE" {
				t.Errorf("search returned %v", u["Status"])
			}
			if seen[u["ID"].(string)] {
				t.Errorf("user %v on two pages", u["ID"])
			}
			seen[u["ID"].(string)] = true
		}
		pages++
		cursor, _ = r.json(t)["next_cursor"].(string)
		if cursor == "" || pages > 50 {
			break
		}
	}
	if pages < 3 {
		t.Errorf("only %d pages of 7 for the active users", pages)
	}
	// A cursor that points elsewhere is refused, not followed.
	r := e.run("okta-search-users", `{"cursor":"aHR0cHM6Ly9ldmlsLmV4YW1wbGUuY29tL2FwaS92MS91c2Vycw"}`)
	if r.status != 400 {
		t.Errorf("forged cursor: status %d", r.status)
	}
	q := e.run("okta-search-users", `{"q":"j"}`)
	mustStatus(t, q, 200)
}

// TestStateChangingCommands walks the lifecycle rules through idcmd and
// checks the fake org's state after each action.
func TestStateChangingCommands(t *testing.T) {
	e := newEnv(t)
	active := fmt.Sprintf(`{"user":%q}`, oktatest.DemoActiveUser)

	r := e.run("okta-suspend-user", active)
	mustStatus(t, r, 200)
	o := outputs(t, r)
	if o["Status"] != "SUSPENDED" || o["PreviousStatus"] != "ACTIVE" || o["Action"] != "suspend" {
		t.Errorf("suspend outputs: %v", o)
	}
	if s, _ := e.okta.Org().UserStatus(oktatest.DemoActiveUser); s != "SUSPENDED" {
		t.Errorf("fake org says %s", s)
	}

	// Suspending a suspended user is a state conflict, with Okta's code.
	r = e.run("okta-suspend-user", active)
	mustStatus(t, r, 409)
	p := r.json(t)
	if p["provider"] != "okta" || p["provider_code"] != "E0000038" || p["provider_status"] != float64(403) {
		t.Errorf("conflict problem: %s", r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("content type %q", ct)
	}

	r = e.run("okta-unsuspend-user", active)
	mustStatus(t, r, 200)
	if outputs(t, r)["Status"] != "ACTIVE" {
		t.Errorf("unsuspend: %s", r.body)
	}

	r = e.run("okta-unlock-user", fmt.Sprintf(`{"user":%q}`, oktatest.DemoLockedUser))
	mustStatus(t, r, 200)
	if o := outputs(t, r); o["Status"] != "ACTIVE" || o["PreviousStatus"] != "LOCKED_OUT" {
		t.Errorf("unlock: %v", o)
	}

	r = e.run("okta-clear-sessions", fmt.Sprintf(`{"user":%q,"oauth_tokens":true}`, oktatest.DemoActiveUser))
	mustStatus(t, r, 200)
	o = outputs(t, r)
	if o["OAuthTokensRevoked"] != true || o["DevicesForgotten"] != true {
		t.Errorf("clear sessions: %v", o)
	}
	if n := e.okta.Org().SessionCount(o["ID"].(string)); n != 0 {
		t.Errorf("%d sessions left", n)
	}

	r = e.run("okta-reset-factors", active)
	mustStatus(t, r, 200)
	factors := outputs(t, e.run("okta-get-user-factors", active))
	for _, f := range asList(factors["Factor"]) {
		if st := f.(map[string]any)["Status"]; st == "ACTIVE" {
			t.Errorf("factor still ACTIVE after reset: %v", f)
		}
	}

	r = e.run("okta-expire-password", active)
	mustStatus(t, r, 200)
	if outputs(t, r)["Status"] != "PASSWORD_EXPIRED" {
		t.Errorf("expire password: %s", r.body)
	}

	// A reset link goes to the caller only: in outputs, not in the
	// readable text, and never in the logs.
	r = e.run("okta-reset-password", fmt.Sprintf(`{"user":%q,"send_email":false}`, oktatest.DemoActiveUser))
	mustStatus(t, r, 200)
	o = outputs(t, r)
	link, _ := o["ResetPasswordURL"].(string)
	if link == "" || o["Status"] != "RECOVERY" || o["EmailSent"] != false {
		t.Fatalf("reset password: %v", o)
	}
	if strings.Contains(r.json(t)["readable_output"].(string), link) {
		t.Error("the reset link is in readable_output")
	}
	if strings.Contains(e.logs.String(), link) {
		t.Error("the reset link is in the logs")
	}
	r = e.run("okta-reset-password", fmt.Sprintf(`{"user":%q}`, oktatest.DemoAdminUser))
	mustStatus(t, r, 200)
	if o := outputs(t, r); o["EmailSent"] != true || o["ResetPasswordURL"] != nil {
		t.Errorf("reset with e-mail: %v", o)
	}

	// Unsuspending a user who is not suspended is refused.
	mustStatus(t, e.run("okta-unsuspend-user", fmt.Sprintf(`{"user":%q}`, oktatest.DemoStagedUser)), 409)
}

// TestProviderErrors maps each kind of Okta failure to its HTTP answer.
func TestProviderErrors(t *testing.T) {
	e := newEnv(t)
	active := fmt.Sprintf(`{"user":%q}`, oktatest.DemoActiveUser)

	r := e.run("okta-get-user", `{"user":"nobody@example.com"}`)
	mustStatus(t, r, 404)
	if p := r.json(t); p["provider_code"] != "E0000007" || p["provider_status"] != float64(404) {
		t.Errorf("not found problem: %s", r.body)
	}

	// One 429 is waited out within the deadline and the call succeeds.
	e.okta.InjectRateLimit(1)
	mustStatus(t, e.run("okta-get-user", active), 200)

	// Okta failing: a read is retried, then reported as 502 with Okta's status.
	e.okta.InjectStatus(3, 500) // the first try and both retries
	r = e.run("okta-get-user", active)
	mustStatus(t, r, 502)
	if p := r.json(t); p["provider_status"] != float64(500) || p["provider"] != "okta" {
		t.Errorf("upstream failure problem: %s", r.body)
	}
	mustStatus(t, e.run("okta-get-user", active), 200)

	// A filter Okta refuses is the caller's to fix: 400 naming Okta's code.
	r = e.run("okta-get-logs", `{"filter":"published gt \"2026-01-01\""}`)
	mustStatus(t, r, 400)
	if p := r.json(t); p["provider_code"] == nil {
		t.Errorf("rejected filter problem: %s", r.body)
	}
}

// TestRateLimitPastDeadline: when Okta's reset is further away than the
// request deadline, idcmd answers 429 with Retry-After instead of waiting.
func TestRateLimitPastDeadline(t *testing.T) {
	e := newEnv(t, envOptions{requestTimeout: 400e6})
	e.okta.InjectRateLimit(100)
	r := e.run("okta-get-user", fmt.Sprintf(`{"user":%q}`, oktatest.DemoActiveUser))
	mustStatus(t, r, 429)
	if r.header.Get("Retry-After") == "" {
		t.Error("no Retry-After header")
	}
	if p := r.json(t); p["provider_code"] != "E0000047" || p["provider_status"] != float64(429) {
		t.Errorf("rate limit problem: %s", r.body)
	}
}

// TestProviderTimeout: a slow Okta becomes 504 at the request deadline.
func TestProviderTimeout(t *testing.T) {
	e := newEnv(t, envOptions{requestTimeout: 300e6})
	e.okta.SetLatency(3e9)
	r := e.run("okta-get-user", fmt.Sprintf(`{"user":%q}`, oktatest.DemoActiveUser))
	mustStatus(t, r, 504)
}

func TestProviderNotConfigured(t *testing.T) {
	e := newEnv(t, envOptions{noOkta: true})
	r := e.run("okta-get-user", `{"user":"a"}`)
	mustStatus(t, r, 503)
}

func TestCatalog(t *testing.T) {
	e := newEnv(t)
	r := e.do(http.MethodGet, "/api/v1/commands", "", token(t, "commands:read"), nil)
	mustStatus(t, r, 200)
	list := asList(r.json(t)["commands"])
	if len(list) != len(catalog.Default.All()) {
		t.Fatalf("catalog lists %d commands", len(list))
	}
	first := list[0].(map[string]any)
	if first["name"] == "" || first["risk"] == "" || len(asList(first["arguments"])) == 0 || len(asList(first["outputs"])) == 0 {
		t.Errorf("catalog entry: %v", first)
	}
	mustStatus(t, e.do(http.MethodGet, "/api/v1/commands", "", token(t, "audit:read"), nil), 403)
}
