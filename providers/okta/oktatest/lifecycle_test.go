package oktatest

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestLifecycleTransitions(t *testing.T) {
	tests := []struct {
		action     string
		from       string
		query      string
		wantStatus int
		wantCode   string // on error
		wantTo     string // user status afterwards
		wantEvent  string
	}{
		{"suspend", StatusActive, "", 200, "", StatusSuspended, "user.lifecycle.suspend"},
		{"suspend", StatusSuspended, "", 403, "E0000038", StatusSuspended, ""},
		{"suspend", StatusLockedOut, "", 403, "E0000038", StatusLockedOut, ""},
		{"suspend", StatusStaged, "", 403, "E0000038", StatusStaged, ""},
		{"unsuspend", StatusSuspended, "", 200, "", StatusActive, "user.lifecycle.unsuspend"},
		{"unsuspend", StatusActive, "", 403, "E0000038", StatusActive, ""},
		{"unlock", StatusLockedOut, "", 200, "", StatusActive, "user.account.unlock"},
		{"unlock", StatusActive, "", 200, "", StatusActive, "user.account.unlock"},
		{"unlock", StatusSuspended, "", 403, "E0000032", StatusSuspended, ""},
		{"unlock", StatusDeprovisioned, "", 403, "E0000032", StatusDeprovisioned, ""},
		{"deactivate", StatusActive, "", 200, "", StatusDeprovisioned, "user.lifecycle.deactivate"},
		{"deactivate", StatusSuspended, "", 200, "", StatusDeprovisioned, "user.lifecycle.deactivate"},
		{"deactivate", StatusStaged, "", 200, "", StatusDeprovisioned, "user.lifecycle.deactivate"},
		{"deactivate", StatusDeprovisioned, "", 403, "E0000038", StatusDeprovisioned, ""},
		{"reset_password", StatusActive, "?sendEmail=false", 200, "", StatusRecovery, "user.account.reset_password"},
		{"reset_password", StatusLockedOut, "?sendEmail=true", 200, "", StatusRecovery, "user.account.reset_password"},
		{"reset_password", StatusPasswordExpired, "?sendEmail=false", 200, "", StatusRecovery, "user.account.reset_password"},
		{"reset_password", StatusSuspended, "?sendEmail=false", 403, "E0000038", StatusSuspended, ""},
		{"reset_password", StatusStaged, "?sendEmail=false", 403, "E0000038", StatusStaged, ""},
		{"reset_password", StatusDeprovisioned, "?sendEmail=false", 403, "E0000038", StatusDeprovisioned, ""},
		{"reset_password", StatusActive, "", 400, "E0000028", StatusActive, ""},
		{"reset_password", StatusActive, "?sendEmail=maybe", 400, "E0000001", StatusActive, ""},
		{"expire_password", StatusActive, "", 200, "", StatusPasswordExpired, "user.account.expire_password"},
		{"expire_password", StatusSuspended, "", 403, "E0000038", StatusSuspended, ""},
		{"reset_factors", StatusActive, "", 200, "", StatusActive, "user.mfa.factor.reset_all"},
		{"reset_factors", StatusDeprovisioned, "", 403, "E0000038", StatusDeprovisioned, ""},
		{"activate", StatusStaged, "?sendEmail=false", 200, "", StatusActive, "user.lifecycle.activate"},
		{"activate", StatusDeprovisioned, "", 200, "", StatusProvisioned, "user.lifecycle.activate"},
		{"activate", StatusActive, "", 403, "E0000016", StatusActive, ""},
		{"activate", StatusSuspended, "", 403, "E0000038", StatusSuspended, ""},
		{"reactivate", StatusProvisioned, "", 200, "", StatusProvisioned, "user.lifecycle.reactivate"},
		{"reactivate", StatusActive, "", 403, "E0000038", StatusActive, ""},
	}
	for _, tt := range tests {
		t.Run(tt.action+"/"+tt.from+tt.query, func(t *testing.T) {
			srv, _ := empty(t)
			o := srv.Org()
			id := o.AddUser(UserSpec{Login: "target@example.com", FirstName: "Tara", LastName: "Get", Status: tt.from,
				Factors: []string{FactorPush, FactorSMS}, Sessions: 2})
			before := o.EventCount()

			r := api(t, srv, "POST", "/api/v1/users/"+id+"/lifecycle/"+tt.action+tt.query)
			if r.status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", r.status, tt.wantStatus, r.body)
			}
			if tt.wantCode != "" {
				if e := r.err(t); e.ErrorCode != tt.wantCode {
					t.Errorf("errorCode %s, want %s (%s)", e.ErrorCode, tt.wantCode, e.ErrorSummary)
				}
			}
			if got, _ := o.UserStatus(id); got != tt.wantTo {
				t.Errorf("status afterwards %s, want %s", got, tt.wantTo)
			}
			events := o.Events()[before:]
			if tt.wantEvent == "" {
				if len(events) != 0 {
					t.Errorf("failed action logged %d events", len(events))
				}
				return
			}
			if len(events) == 0 || events[0].EventType != tt.wantEvent {
				t.Fatalf("events %+v, want %s", events, tt.wantEvent)
			}
			ev := events[0]
			if ev.Actor.AlternateID != ServiceAccountLogin || len(ev.Target) != 1 || ev.Target[0].ID != id || ev.Outcome.Result != "SUCCESS" {
				t.Errorf("event actor %+v target %+v outcome %+v", ev.Actor, ev.Target, ev.Outcome)
			}
			if ev.Transaction.Detail["requestApiTokenId"] == nil {
				t.Error("event lacks transaction.detail.requestApiTokenId for an SSWS call")
			}
		})
	}
}

func TestLifecycleEffects(t *testing.T) {
	srv, _ := empty(t)
	o := srv.Org()
	newUser := func(login string) string {
		return o.AddUser(UserSpec{Login: login, Factors: []string{FactorPush, FactorTOTP}, Sessions: 3})
	}

	id := newUser("a@example.com")
	api(t, srv, "POST", "/api/v1/users/"+id+"/lifecycle/deactivate")
	if n := o.SessionCount(id); n != 0 {
		t.Errorf("deactivate left %d sessions", n)
	}

	id = newUser("b@example.com")
	var reset map[string]string
	api(t, srv, "POST", "/api/v1/users/"+id+"/lifecycle/reset_password?sendEmail=false").decode(t, &reset)
	if !strings.HasPrefix(reset["resetPasswordUrl"], srv.URL+"/signin/reset-password/") {
		t.Errorf("resetPasswordUrl = %q", reset["resetPasswordUrl"])
	}
	if n := o.SessionCount(id); n != 3 {
		t.Errorf("reset_password without revokeSessions cleared sessions (%d left)", n)
	}

	id = newUser("c@example.com")
	r := api(t, srv, "POST", "/api/v1/users/"+id+"/lifecycle/reset_password?sendEmail=true&revokeSessions=true")
	if strings.TrimSpace(string(r.body)) != "{}" {
		t.Errorf("reset_password with sendEmail=true body %s, want {}", r.body)
	}
	if n := o.SessionCount(id); n != 0 {
		t.Errorf("revokeSessions=true left %d sessions", n)
	}

	id = newUser("d@example.com")
	api(t, srv, "POST", "/api/v1/users/"+id+"/lifecycle/reset_factors")
	if n := o.FactorCount(id); n != 0 {
		t.Errorf("reset_factors left %d factors", n)
	}

	id = newUser("e@example.com")
	var u listedUser
	api(t, srv, "POST", "/api/v1/users/"+id+"/lifecycle/expire_password").decode(t, &u)
	if u.ID != id || u.Status != StatusPasswordExpired {
		t.Errorf("expire_password returned %s %s", u.ID, u.Status)
	}

	r = api(t, srv, "POST", "/api/v1/users/"+id+"/lifecycle/frobnicate")
	if r.status != 404 {
		t.Errorf("unknown lifecycle action: %d", r.status)
	}
	if r := api(t, srv, "GET", "/api/v1/users/"+id+"/lifecycle/suspend"); r.status != 405 || r.err(t).ErrorCode != "E0000022" {
		t.Errorf("GET on a lifecycle path: %d %s, want 405 E0000022", r.status, r.body)
	}
}

func TestLifecycleUpdatesTimestamps(t *testing.T) {
	srv, clk := empty(t)
	id := srv.Org().AddUser(UserSpec{Login: "ts@example.com"})
	clk.Advance(90 * time.Minute)
	api(t, srv, "POST", "/api/v1/users/"+id+"/lifecycle/suspend")
	var u struct{ StatusChanged, LastUpdated string }
	api(t, srv, "GET", "/api/v1/users/"+id).decode(t, &u)
	want := formatTime(clk.Now())
	if u.StatusChanged != want || u.LastUpdated != want {
		t.Errorf("statusChanged %s lastUpdated %s, want %s", u.StatusChanged, u.LastUpdated, want)
	}
}

func TestClearSessions(t *testing.T) {
	srv, _ := seeded(t)
	id := userIDOf(t, srv, DemoActiveUser)
	before := srv.Org().EventCount()
	r := api(t, srv, "DELETE", "/api/v1/users/"+id+"/sessions?oauthTokens=true&forgetDevices=false")
	if r.status != 204 || len(r.body) != 0 {
		t.Fatalf("DELETE sessions: %d %q", r.status, r.body)
	}
	if n := srv.Org().SessionCount(id); n != 0 {
		t.Errorf("%d sessions left", n)
	}
	evs := srv.Org().Events()[before:]
	if len(evs) != 1 || evs[0].EventType != "user.session.clear" || evs[0].Target[0].ID != id {
		t.Errorf("events %+v", evs)
	}
	// {userId} takes an ID, not a login.
	if r := api(t, srv, "DELETE", "/api/v1/users/"+DemoActiveUser+"/sessions"); r.status != 404 {
		t.Errorf("DELETE sessions by login: %d, want 404", r.status)
	}
	if r := api(t, srv, "DELETE", "/api/v1/users/"+id+"/sessions?oauthTokens=yes"); r.status != 400 {
		t.Errorf("bad oauthTokens: %d, want 400", r.status)
	}
}

// TestLifecycleNeedsContentLength sends a POST with neither Content-Length
// nor a body, which Go's client never does, over a raw connection.
func TestLifecycleNeedsContentLength(t *testing.T) {
	srv, _ := seeded(t)
	id := userIDOf(t, srv, DemoActiveUser)
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = conn.Write([]byte("POST /api/v1/users/" + id + "/lifecycle/suspend HTTP/1.1\r\n" +
		"Host: " + strings.TrimPrefix(srv.URL, "http://") + "\r\n" +
		"Authorization: SSWS " + srv.Token + "\r\nConnection: close\r\n\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusLengthRequired {
		t.Errorf("status %d, want 411", resp.StatusCode)
	}
	if s, _ := srv.Org().UserStatus(id); s != StatusActive {
		t.Errorf("user is %s after a refused request", s)
	}
}
