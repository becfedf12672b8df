package pingonetest

import (
	"slices"
	"testing"
	"time"
)

func passwordStatus(t *testing.T, c *client, id string) string {
	t.Helper()
	var p passwordJSON
	must(t, c.get("/users/"+id+"/password"), 200).decode(t, &p)
	return p.Status
}

func TestExplicitLockSurvivesPasswordActions(t *testing.T) {
	srv, clk := seeded(t)
	c := newClient(t, srv)
	// DemoLockedUser is explicitly locked; lock out the password too.
	id := userID(t, srv, DemoLockedUser)
	srv.Env().setPasswordLocked(id)
	start := clk.Now()

	for _, ct := range []string{displayPasswordForce, displayPasswordForce + "+json", ctPasswordUnlock} {
		must(t, c.do("POST", "/users/"+id+"/password", ct, ""), 200)
		st := userState(t, srv, DemoLockedUser)
		if st.AccountStatus != AccountLocked || st.CanAuthenticate || st.LockedAt.IsZero() {
			t.Errorf("after %s the explicit lock is gone: %+v", ct, st)
		}
	}
	must(t, c.do("PUT", "/users/"+id+"/password", ctPasswordSet, `{"value":"N3w-Passw0rd!","forceChange":true}`), 200)
	if st := userState(t, srv, DemoLockedUser); st.AccountStatus != AccountLocked || st.PasswordStatus != PasswordMustChange {
		t.Errorf("after set: %+v", st)
	}
	// The password lock was lifted (once); the account stays locked, so
	// there is no USER.UNLOCKED.
	want := []string{"PASSWORD.FORCE_CHANGE", "PASSWORD.FORCE_CHANGE", "PASSWORD.SET"}
	if got := activityTypes(srv, id, start); !slices.Equal(got, want) {
		t.Errorf("activities %v, want %v", got, want)
	}
	must(t, c.do("POST", "/users/"+id, ctAccountUnlock, ""), 200)
	if st := userState(t, srv, DemoLockedUser); st.AccountStatus != AccountOK || !st.CanAuthenticate {
		t.Errorf("after account unlock: %+v", st)
	}
}

func TestForceChangeClearsPasswordLockout(t *testing.T) {
	srv, clk := seeded(t)
	c := newClient(t, srv)
	id := userID(t, srv, DemoPasswordLockedUser)
	if got := passwordStatus(t, c, id); got != PasswordLockedOut {
		t.Fatalf("seeded password status %s", got)
	}
	var p passwordJSON
	must(t, c.do("POST", "/users/"+id+"/password", displayPasswordForce, ""), 200).decode(t, &p)
	if p.Status != PasswordMustChange || p.User.ID != id || p.Environment.ID != srv.EnvironmentID {
		t.Errorf("answer %+v", p)
	}
	if st := userState(t, srv, DemoPasswordLockedUser); st.AccountStatus != AccountOK || !st.CanAuthenticate {
		t.Errorf("state %+v", st)
	}
	want := []string{"PASSWORD.FORCE_CHANGE", "USER.UNLOCKED"}
	if got := activityTypes(srv, id, clk.Now()); !slices.Equal(got, want) {
		t.Errorf("activities %v, want %v", got, want)
	}
}

func TestPasswordUnlock(t *testing.T) {
	srv, clk := seeded(t)
	c := newClient(t, srv)
	id := userID(t, srv, DemoPasswordLockedUser)
	must(t, c.do("POST", "/users/"+id+"/password", ctPasswordUnlock, ""), 200)
	if got := passwordStatus(t, c, id); got != PasswordOK {
		t.Errorf("status %s after unlock", got)
	}
	must(t, c.do("POST", "/users/"+id+"/password", ctPasswordUnlock, ""), 200) // nothing to do
	want := []string{"PASSWORD.UNLOCKED", "USER.UNLOCKED"}
	if got := activityTypes(srv, id, clk.Now()); !slices.Equal(got, want) {
		t.Errorf("activities %v, want %v", got, want)
	}
}

func TestSendRecoveryCode(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	tests := []struct {
		user   string
		status int
		target string
	}{
		{DemoActiveUser, 200, ""},
		{DemoLockedUser, 200, ""}, // an explicit lock does not prevent recovery
		{DemoMustChangePasswordUser, 200, ""},
		{DemoDisabledUser, 400, "user"},
		{DemoNoPasswordUser, 400, "password"},
		{DemoPasswordLockedUser, 400, "password"},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			id := userID(t, srv, tt.user)
			r := must(t, c.do("POST", "/users/"+id+"/password", displayPasswordRecovery, ""), tt.status)
			st := userState(t, srv, tt.user)
			if tt.status != 200 {
				e := r.p1Error(t)
				if e.Code != "INVALID_DATA" || e.Details[0].Code != "CONSTRAINT_VIOLATION" || e.Details[0].Target != tt.target {
					t.Errorf("error %+v", e)
				}
				if st.RecoveryCodesSent != 0 {
					t.Error("a refused request sent a code")
				}
				return
			}
			if st.RecoveryCodesSent != 1 || len(srv.Env().RecoveryCode(tt.user)) != 8 {
				t.Errorf("codes sent %d, code %q", st.RecoveryCodesSent, srv.Env().RecoveryCode(tt.user))
			}
			if got := activityTypes(srv, id, testNow); !slices.Contains(got, "PASSWORD.RECOVERY") {
				t.Errorf("activities %v", got)
			}
		})
	}
}

func TestRecoverPassword(t *testing.T) {
	srv, clk := seeded(t)
	c := newClient(t, srv)
	id := userID(t, srv, DemoMustChangePasswordUser)
	path := "/users/" + id + "/password"
	must(t, c.do("POST", path, displayPasswordRecovery, ""), 200)
	code := srv.Env().RecoveryCode(DemoMustChangePasswordUser)
	must(t, c.do("POST", path, ctPasswordRecover, `{"recoveryCode":"WRONG123","newPassword":"x-Passw0rd"}`), 400)
	must(t, c.do("POST", path, ctPasswordRecover, `{"recoveryCode":"`+code+`"}`), 400)
	clk.Advance(recoveryCodeTTL)
	must(t, c.do("POST", path, ctPasswordRecover, `{"recoveryCode":"`+code+`","newPassword":"x-Passw0rd"}`), 400)

	must(t, c.do("POST", path, displayPasswordRecovery, ""), 200)
	code = srv.Env().RecoveryCode(DemoMustChangePasswordUser)
	var p passwordJSON
	must(t, c.do("POST", path, ctPasswordRecover, `{"recoveryCode":"`+code+`","newPassword":"x-Passw0rd"}`), 200).decode(t, &p)
	if p.Status != PasswordOK || p.LastChangedAt != formatTime(clk.Now()) {
		t.Errorf("after recovery %+v", p)
	}
	// A code is good once.
	must(t, c.do("POST", path, ctPasswordRecover, `{"recoveryCode":"`+code+`","newPassword":"x-Passw0rd"}`), 400)
}

func TestPasswordContentTypes(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	path := "/users/" + userID(t, srv, DemoActiveUser) + "/password"
	for _, ct := range []string{"", "application/json", "application/vnd.pingidentity.password.sendEmail+json", ctPasswordSet} {
		must(t, c.do("POST", path, ct, "{}"), 415)
	}
	for _, ct := range []string{"", "application/json", ctPasswordUnlock} {
		must(t, c.do("PUT", path, ct, `{"value":"x"}`), 415)
	}
	must(t, c.do("PUT", path, ctPasswordSet, `{}`), 400)
	must(t, c.do("PUT", path, ctPasswordReset, `{}`), 400)
	var p passwordJSON
	must(t, c.do("PUT", path, ctPasswordReset, `{"newPassword":"An0ther-one"}`), 200).decode(t, &p)
	if p.Status != PasswordOK {
		t.Errorf("after reset %+v", p)
	}
	// forceChange on a user without a password is refused.
	must(t, c.do("POST", "/users/"+userID(t, srv, DemoNoPasswordUser)+"/password", displayPasswordForce, ""), 400)
	must(t, c.do("POST", "/users/nope/password", displayPasswordForce, ""), 404)
}

func TestPasswordStateShape(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	tests := map[string]string{
		DemoActiveUser:             PasswordOK,
		DemoPasswordLockedUser:     PasswordLockedOut,
		DemoMustChangePasswordUser: PasswordMustChange,
		DemoNoPasswordUser:         PasswordNone,
	}
	for user, want := range tests {
		var p map[string]any
		must(t, c.get("/users/"+userID(t, srv, user)+"/password"), 200).decode(t, &p)
		if p["status"] != want {
			t.Errorf("%s: status %v, want %s", user, p["status"], want)
		}
		_, hasChanged := p["lastChangedAt"]
		if hasChanged == (want == PasswordNone) {
			t.Errorf("%s: lastChangedAt presence %v", user, hasChanged)
		}
		if ts, ok := p["lastChangedAt"].(string); ok {
			if _, err := time.Parse(time.RFC3339, ts); err != nil {
				t.Errorf("%s: lastChangedAt %q", user, ts)
			}
		}
	}
}
