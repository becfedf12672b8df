package oktatest

import (
	"net/http"
	"strings"
	"testing"
)

func riskPath(id string) string { return "/api/v1/users/" + id + "/risk" }

func putRisk(t *testing.T, srv *Server, id, body string) response {
	t.Helper()
	return apiBody(t, srv, http.MethodPut, riskPath(id), []byte(body))
}

// riskEvents are the user.risk.change events about userID, oldest first.
func riskEvents(srv *Server, userID string) []LogEvent {
	var out []LogEvent
	for _, e := range srv.Org().Events() {
		if e.EventType == "user.risk.change" && len(e.Target) > 0 && e.Target[0].ID == userID {
			out = append(out, e)
		}
	}
	return out
}

func TestUserRiskNoneUntilSet(t *testing.T) {
	srv, _ := empty(t)
	id := srv.Org().AddUser(UserSpec{Login: "plain@example.com", FirstName: "P", LastName: "Lain"})

	var got riskJSON
	r := api(t, srv, http.MethodGet, riskPath(id))
	if r.status != 200 {
		t.Fatalf("GET: %d %s", r.status, r.body)
	}
	r.decode(t, &got)
	if got.RiskLevel != RiskNone || got.Reason != "" || strings.Contains(string(r.body), `"reason"`) {
		t.Errorf("never set: %s, want riskLevel NONE and no reason", r.body)
	}
	if got.Links["self"].Href != srv.URL+riskPath(id) || got.Links["user"].Href != srv.URL+"/api/v1/users/"+id {
		t.Errorf("_links = %+v", got.Links)
	}

	// The first PUT creates (201) with Okta's default reason, the next
	// replaces (200) with the caller's.
	r = putRisk(t, srv, id, `{"riskLevel":"HIGH"}`)
	r.decode(t, &got)
	if r.status != 201 || got.RiskLevel != RiskHigh || got.Reason != "override.by.admin" {
		t.Errorf("first PUT: %d %s, want 201 HIGH override.by.admin", r.status, r.body)
	}
	r = putRisk(t, srv, id, `{"riskLevel":"MEDIUM","riskReason":"Elevated risk, see case 42."}`)
	r.decode(t, &got)
	if r.status != 200 || got.RiskLevel != RiskMedium || got.Reason != "Elevated risk, see case 42." {
		t.Errorf("second PUT: %d %s, want 200 MEDIUM with the reason", r.status, r.body)
	}
	if level, reason, _ := srv.Org().UserRisk(id); level != RiskMedium || reason != "Elevated risk, see case 42." {
		t.Errorf("stored %s %q", level, reason)
	}
	api(t, srv, http.MethodGet, riskPath(id)).decode(t, &got)
	if got.RiskLevel != RiskMedium {
		t.Errorf("GET after PUT: %+v", got)
	}
}

// A level change is in the System Log as user.risk.change, with both
// levels; re-sending the same level changes nothing and logs nothing.
func TestUserRiskChangeIsLogged(t *testing.T) {
	srv, _ := empty(t)
	id := srv.Org().AddUser(UserSpec{Login: "logged@example.com", FirstName: "L", LastName: "Ogged"})

	putRisk(t, srv, id, `{"riskLevel":"HIGH"}`)
	putRisk(t, srv, id, `{"riskLevel":"HIGH","riskReason":"again"}`)
	putRisk(t, srv, id, `{"riskLevel":"LOW"}`)
	evs := riskEvents(srv, id)
	if len(evs) != 2 {
		t.Fatalf("%d user.risk.change events, want 2 (NONE→HIGH, HIGH→LOW)", len(evs))
	}
	want := []string{"{previousLevel=NONE, level=HIGH, reasons=override.by.admin}", "{previousLevel=HIGH, level=LOW, reasons=override.by.admin}"}
	for i, e := range evs {
		if got := e.DebugContext.DebugData["risk"]; got != want[i] {
			t.Errorf("event %d risk = %v, want %s", i, got, want[i])
		}
		if e.Actor.AlternateID != ServiceAccountLogin || e.Target[0].AlternateID != "logged@example.com" || e.Outcome.Result != "SUCCESS" {
			t.Errorf("event %d: actor %+v target %+v", i, e.Actor, e.Target)
		}
	}
	// Arranging risk as Okta's detection would logs nothing.
	srv.Org().SetUserRisk(id, RiskMedium, "test")
	if n := len(riskEvents(srv, id)); n != 2 {
		t.Errorf("SetUserRisk logged: %d events", n)
	}
}

func TestUserRiskErrors(t *testing.T) {
	srv, clk := seeded(t)
	jdoe := userIDOf(t, srv, DemoActiveUser)

	tests := []struct {
		name   string
		method string
		path   string
		body   string
		status int
		code   string
		cause  string
	}{
		{"GET by login", "GET", riskPath(DemoActiveUser), "", 404, "E0000007", ""},
		{"GET unknown", "GET", riskPath("00u0000000000000none"), "", 404, "E0000007", ""},
		{"PUT unknown", "PUT", riskPath("00u0000000000000none"), `{"riskLevel":"LOW"}`, 404, "E0000007", ""},
		{"PUT NONE", "PUT", riskPath(jdoe), `{"riskLevel":"NONE"}`, 400, "E0000001", "riskLevel"},
		{"PUT lower case", "PUT", riskPath(jdoe), `{"riskLevel":"high"}`, 400, "E0000001", "riskLevel"},
		{"PUT no level", "PUT", riskPath(jdoe), `{"riskReason":"x"}`, 400, "E0000001", "riskLevel"},
		{"PUT bad reason", "PUT", riskPath(jdoe), `{"riskLevel":"LOW","riskReason":"<script>"}`, 400, "E0000001", "riskReason"},
		{"PUT long reason", "PUT", riskPath(jdoe), `{"riskLevel":"LOW","riskReason":"` + strings.Repeat("a", 501) + `"}`, 400, "E0000001", "riskReason"},
		{"PUT not JSON", "PUT", riskPath(jdoe), `riskLevel=LOW`, 400, "E0000003", ""},
		{"PUT wrong type", "PUT", riskPath(jdoe), `{"riskLevel":3}`, 400, "E0000003", ""},
		{"DELETE", "DELETE", riskPath(jdoe), "", 405, "E0000022", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r response
			if tt.body == "" {
				r = api(t, srv, tt.method, tt.path)
			} else {
				r = apiBody(t, srv, tt.method, tt.path, []byte(tt.body))
			}
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			e := r.err(t)
			if e.ErrorCode != tt.code {
				t.Errorf("errorCode %s, want %s", e.ErrorCode, tt.code)
			}
			if tt.cause != "" && (len(e.ErrorCauses) != 1 || !strings.HasPrefix(e.ErrorCauses[0].ErrorSummary, tt.cause+":")) {
				t.Errorf("errorCauses %+v, want one about %s", e.ErrorCauses, tt.cause)
			}
		})
	}
	// A refused PUT changed nothing.
	if level, _, _ := srv.Org().UserRisk(jdoe); level != RiskHigh {
		t.Errorf("jdoe's risk after refused PUTs: %s, want the seeded HIGH", level)
	}

	// OAuth: the user risk scopes, not the users scopes.
	users := "Bearer " + bearerToken(t, srv, clk, ScopeUsersManage)
	if r := send(t, "GET", srv.URL+riskPath(jdoe), users, nil); r.status != 403 || r.err(t).ErrorCode != "E0000006" {
		t.Errorf("GET with okta.users.manage: %d %s", r.status, r.body)
	}
	read := "Bearer " + bearerToken(t, srv, clk, ScopeUserRiskRead)
	if r := send(t, "GET", srv.URL+riskPath(jdoe), read, nil); r.status != 200 {
		t.Errorf("GET with okta.userRisk.read: %d %s", r.status, r.body)
	}
	if r := sendBody(t, "PUT", srv.URL+riskPath(jdoe), read, []byte(`{"riskLevel":"LOW"}`)); r.status != 403 {
		t.Errorf("PUT with okta.userRisk.read: %d %s", r.status, r.body)
	}
	manage := "Bearer " + bearerToken(t, srv, clk, ScopeUserRiskManage)
	if r := sendBody(t, "PUT", srv.URL+riskPath(jdoe), manage, []byte(`{"riskLevel":"LOW"}`)); r.status != 200 {
		t.Errorf("PUT with okta.userRisk.manage: %d %s", r.status, r.body)
	}
}

// The demo org's compromised users carry ITP risk with the story's reason;
// everyone else has none.
func TestSeedRisk(t *testing.T) {
	srv, _ := seeded(t)
	want := map[string]string{DemoActiveUser: RiskHigh, DemoSuspendedUser: RiskHigh, DemoLockedUser: RiskMedium}
	for _, login := range []string{DemoActiveUser, DemoSuspendedUser, DemoLockedUser, DemoAdminUser, DemoStagedUser, ServiceAccountLogin} {
		level, reason, ok := srv.Org().UserRisk(login)
		w := want[login]
		if w == "" {
			w = RiskNone
		}
		if !ok || level != w || (w != RiskNone) != (reason != "") {
			t.Errorf("%s: %s %q, want %s", login, level, reason, w)
		}
		if reason != "" && !riskReasonPattern.MatchString(reason) {
			t.Errorf("%s: seeded reason %q is one Okta would refuse in a PUT", login, reason)
		}
	}
	if n := len(riskEvents(srv, userIDOf(t, srv, DemoActiveUser))); n != 0 {
		t.Errorf("the seed logged %d risk changes", n)
	}
}

func TestSpecConformanceUserRisk(t *testing.T) {
	srv, _ := seeded(t)
	auth := "SSWS " + srv.Token
	jdoe := userIDOf(t, srv, DemoActiveUser)
	plain := userIDOf(t, srv, DemoAdminUser)

	conform(t, srv, "GET", riskPath(jdoe), auth, 200)
	conform(t, srv, "GET", riskPath(plain), auth, 200) // NONE
	conform(t, srv, "GET", riskPath("00u0000000000000none"), auth, 404)

	for _, tc := range []struct {
		id, body string
		status   int
	}{
		{plain, `{"riskLevel":"MEDIUM"}`, 201},
		{plain, `{"riskLevel":"LOW","riskReason":"Cleared after review, ticket 7."}`, 200},
		{jdoe, `{"riskLevel":"HIGH","riskReason":"Risk level changed due to external risk signal"}`, 200},
	} {
		conformRequest(t, srv, "PUT", riskPath(tc.id), []byte(tc.body))
		conformBody(t, srv, "PUT", riskPath(tc.id), auth, []byte(tc.body), tc.status)
	}
	conformBody(t, srv, "PUT", riskPath(jdoe), auth, []byte(`{"riskLevel":"NONE"}`), 400)
	conformBody(t, srv, "PUT", riskPath("00u0000000000000none"), auth, []byte(`{"riskLevel":"LOW"}`), 404)
	srv.InjectRateLimit(1)
	conform(t, srv, "GET", riskPath(jdoe), auth, 429)
}
