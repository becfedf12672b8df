package pingonetest

import (
	"slices"
	"testing"
	"time"
)

// sessionView is what the tests read from a session.
type sessionView struct {
	ID         string
	CreatedAt  string
	ExpiresAt  string
	User       idRef
	Browser    struct{ Name, Version string }
	Device     struct{ Type string }
	OS         struct{ Name string } `json:"operatingSystem"`
	LastSignOn struct {
		At       string
		RemoteIP string `json:"remoteIp"`
	}
	Locations []locationJSON
}

func listSessionsOf(t *testing.T, c *client, id string) []sessionView {
	t.Helper()
	var p struct {
		Embedded struct{ Sessions []sessionView } `json:"_embedded"`
		Count    int
	}
	must(t, c.get("/users/"+id+"/sessions"), 200).decode(t, &p)
	if p.Count != len(p.Embedded.Sessions) {
		t.Errorf("count %d for %d sessions", p.Count, len(p.Embedded.Sessions))
	}
	return p.Embedded.Sessions
}

func TestSessionsCapAndOrder(t *testing.T) {
	srv, clk := empty(t)
	c := newClient(t, srv)
	id := srv.Env().AddUser(UserSpec{Username: "sam@example.com", LastSignOnIP: DemoOfficeIP})
	srv.Env().AddSessions(id, 4)
	if n := len(listSessionsOf(t, c, id)); n != 4 {
		t.Fatalf("%d sessions, want 4", n)
	}
	clk.Advance(time.Hour)
	c.tok = fetchToken(t, srv) // the first one just expired
	srv.Env().AddSessions(id, 9)
	got := listSessionsOf(t, c, id)
	if len(got) != maxSessions || srv.Env().SessionCount(id) != maxSessions {
		t.Fatalf("%d sessions, want the cap of %d", len(got), maxSessions)
	}
	if !slices.IsSortedFunc(got, func(a, b sessionView) int { return -compareStrings(a.CreatedAt, b.CreatedAt) }) {
		t.Errorf("sessions not newest first: %v", got)
	}
	// Of the first batch (a minute apart from testNow) only the newest
	// is kept.
	if got[len(got)-1].CreatedAt != formatTime(testNow.Add(3*time.Minute)) {
		t.Errorf("oldest kept session created %s", got[len(got)-1].CreatedAt)
	}
	s := got[0]
	if s.User.ID != id || s.Browser.Name == "" || s.Device.Type == "" || s.OS.Name == "" ||
		s.LastSignOn.RemoteIP != DemoOfficeIP || len(s.Locations) == 0 || s.Locations[0].Country != "United States" {
		t.Errorf("session shape %+v", s)
	}

	// Expired sessions are still listed.
	clk.Advance(sessionLifetime + time.Hour)
	c.tok = fetchToken(t, srv)
	if n := len(listSessionsOf(t, c, id)); n != maxSessions {
		t.Errorf("%d sessions after expiry, want %d", n, maxSessions)
	}
}

func TestDeleteSession(t *testing.T) {
	srv, clk := seeded(t)
	c := newClient(t, srv)
	id := userID(t, srv, DemoActiveUser)
	sessions := listSessionsOf(t, c, id)
	if len(sessions) < 3 {
		t.Fatalf("DemoActiveUser has %d sessions", len(sessions))
	}
	// The MFA-fatigue attacker's session from Moscow is among them.
	i := slices.IndexFunc(sessions, func(s sessionView) bool { return s.LastSignOn.RemoteIP == DemoMoscowIP })
	if i < 0 {
		t.Fatalf("no Moscow session in %+v", sessions)
	}
	victim := sessions[i].ID
	var one sessionView
	must(t, c.get("/users/"+id+"/sessions/"+victim), 200).decode(t, &one)
	if one.ID != victim || one.Locations[0].City != "Moscow" {
		t.Errorf("session %+v", one)
	}

	r := must(t, c.do("DELETE", "/users/"+id+"/sessions/"+victim, "", ""), 204)
	if len(r.body) != 0 {
		t.Errorf("204 with body %q", r.body)
	}
	if n := srv.Env().SessionCount(id); n != len(sessions)-1 {
		t.Errorf("%d sessions left, want %d", n, len(sessions)-1)
	}
	must(t, c.do("DELETE", "/users/"+id+"/sessions/"+victim, "", ""), 404)
	must(t, c.get("/users/"+id+"/sessions/"+victim), 404)
	// Another user's session is not found under this user.
	other := listSessionsOf(t, c, userID(t, srv, DemoAdminUser))[0].ID
	must(t, c.do("DELETE", "/users/"+id+"/sessions/"+other, "", ""), 404)
	// There is no bulk delete.
	must(t, c.do("DELETE", "/users/"+id+"/sessions", "", ""), 405)
	if n := srv.Env().SessionCount(id); n != len(sessions)-1 {
		t.Errorf("%d sessions after refused deletes", n)
	}

	var deleted []Activity
	for _, a := range srv.Env().Activities() {
		if a.Type == "SESSION.DELETED" && !a.RecordedAt.Before(clk.Now()) {
			deleted = append(deleted, a)
		}
	}
	if len(deleted) != 1 || deleted[0].ClientID != srv.ClientID ||
		!slices.ContainsFunc(deleted[0].Resources, func(r ActivityResource) bool { return r.Type == "SESSION" && r.ID == victim }) {
		t.Errorf("SESSION.DELETED activities %+v", deleted)
	}
}
