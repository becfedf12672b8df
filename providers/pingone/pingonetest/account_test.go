package pingonetest

import (
	"slices"
	"testing"
	"time"
)

// activityTypes returns the types of the audit activities about the user
// recorded at or after since, oldest first.
func activityTypes(srv *Server, userID string, since time.Time) []string {
	var out []string
	for _, a := range srv.Env().Activities() {
		if a.RecordedAt.Before(since) {
			continue
		}
		for _, r := range a.Resources {
			if r.Type == "USER" && r.ID == userID {
				out = append(out, a.Type)
				break
			}
		}
	}
	return out
}

// accountOf decodes the account of a user response into a fresh value.
func accountOf(t *testing.T, r response) accountJSON {
	t.Helper()
	var u struct{ Account accountJSON }
	r.decode(t, &u)
	return u.Account
}

func TestAccountLockUnlock(t *testing.T) {
	srv, clk := seeded(t)
	c := newClient(t, srv)
	id := userID(t, srv, DemoActiveUser)
	start := clk.Now()

	a := accountOf(t, must(t, c.do("POST", "/users/"+id, ctAccountLock, ""), 200))
	if a.Status != "LOCKED" || a.CanAuthenticate || a.LockedAt == "" ||
		a.UnlockAt != "" || a.SecondsUntilUnlock != nil {
		t.Errorf("after lock: %+v", a)
	}
	if st := userState(t, srv, DemoActiveUser); st.AccountStatus != AccountLocked || st.CanAuthenticate || !st.LockedAt.Equal(start) {
		t.Errorf("state %+v", st)
	}
	// Locking again is harmless and records nothing new.
	must(t, c.do("POST", "/users/"+id, ctAccountLock, ""), 200)

	a = accountOf(t, must(t, c.do("POST", "/users/"+id, ctAccountUnlock, ""), 200))
	if a.Status != "OK" || !a.CanAuthenticate || a.LockedAt != "" {
		t.Errorf("after unlock: %+v", a)
	}
	must(t, c.do("POST", "/users/"+id, ctAccountUnlock, ""), 200)
	if got, want := activityTypes(srv, id, start), []string{"USER.LOCKED", "USER.UNLOCKED"}; !slices.Equal(got, want) {
		t.Errorf("activities %v, want %v", got, want)
	}

	// The vendor content type selects the action; anything else is
	// refused.
	for _, ct := range []string{"", "application/json", "application/vnd.pingidentity.account.disable+json", "text/plain"} {
		e := must(t, c.do("POST", "/users/"+id, ct, "{}"), 415).p1Error(t)
		if e.Code != "INVALID_REQUEST" || e.Details[0].Target != "Content-Type" {
			t.Errorf("%q: %+v", ct, e)
		}
	}
	must(t, c.do("POST", "/users/00000000-0000-4000-8000-000000000000", ctAccountLock, ""), 404)
}

func TestAccountLockUntil(t *testing.T) {
	srv, clk := seeded(t)
	c := newClient(t, srv)
	id := userID(t, srv, DemoActiveUser)
	start := clk.Now()
	unlockAt := start.Add(30 * time.Minute)

	tests := []struct {
		name, body, target string
	}{
		{"past", `{"unlockAt":"` + start.Add(-time.Minute).Format(time.RFC3339) + `"}`, "unlockAt"},
		{"now", `{"unlockAt":"` + start.Format(time.RFC3339) + `"}`, "unlockAt"},
		{"not a time", `{"unlockAt":"tomorrow"}`, "unlockAt"},
		{"wrong type", `{"unlockAt":42}`, "unlockAt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := must(t, c.do("POST", "/users/"+id, ctAccountLock, tt.body), 400).p1Error(t)
			if e.Code != "INVALID_DATA" || e.Details[0].Target != tt.target {
				t.Errorf("%+v", e)
			}
		})
	}
	must(t, c.do("POST", "/users/"+id, ctAccountLock, `{"unlockAt`), 400)
	if st := userState(t, srv, DemoActiveUser); st.AccountStatus != AccountOK {
		t.Fatalf("a refused lock locked the account: %+v", st)
	}

	a := accountOf(t, must(t, c.do("POST", "/users/"+id, ctAccountLock, `{"unlockAt":"`+unlockAt.Format(time.RFC3339)+`"}`), 200))
	if a.UnlockAt != formatTime(unlockAt) || a.SecondsUntilUnlock == nil || *a.SecondsUntilUnlock != 1800 {
		t.Errorf("timed lock: %+v", a)
	}
	clk.Advance(29 * time.Minute)
	a = accountOf(t, must(t, c.get("/users/"+id), 200))
	if a.Status != "LOCKED" || *a.SecondsUntilUnlock != 60 {
		t.Errorf("a minute before unlockAt: %+v", a)
	}
	clk.Advance(time.Minute)
	a = accountOf(t, must(t, c.get("/users/"+id), 200))
	if a.Status != "OK" || !a.CanAuthenticate || a.UnlockAt != "" {
		t.Errorf("at unlockAt: %+v", a)
	}
	// The automatic unlock is not audited; an explicit unlock afterwards
	// has nothing to do.
	must(t, c.do("POST", "/users/"+id, ctAccountUnlock, ""), 200)
	if got := activityTypes(srv, id, start); !slices.Equal(got, []string{"USER.LOCKED"}) {
		t.Errorf("activities %v, want only USER.LOCKED", got)
	}
	// The listing filter sees the automatic unlock too.
	r := must(t, c.get(`/users?filter=account.status%20eq%20%22LOCKED%22`), 200)
	_, locked := decodePage(t, r, "users")
	for _, u := range locked {
		if u["id"] == id {
			t.Error("auto-unlocked user still listed as LOCKED")
		}
	}
}

func TestAccountUnlockLiftsPasswordLockout(t *testing.T) {
	srv, clk := seeded(t)
	c := newClient(t, srv)
	id := userID(t, srv, DemoPasswordLockedUser)
	a := accountOf(t, must(t, c.get("/users/"+id), 200))
	if a.Status != "LOCKED" || a.LockedAt != "" {
		t.Errorf("password lockout: %+v (lockedAt is absent for it)", a)
	}
	a = accountOf(t, must(t, c.do("POST", "/users/"+id, ctAccountUnlock, ""), 200))
	st := userState(t, srv, DemoPasswordLockedUser)
	if a.Status != "OK" || st.PasswordStatus != PasswordOK {
		t.Errorf("after account unlock: %+v, password %s", a, st.PasswordStatus)
	}
	if got := activityTypes(srv, id, clk.Now()); !slices.Equal(got, []string{"USER.UNLOCKED"}) {
		t.Errorf("activities %v", got)
	}
}

func TestUserEnabled(t *testing.T) {
	srv, clk := seeded(t)
	c := newClient(t, srv)
	id := userID(t, srv, DemoActiveUser)
	var en enabledJSON
	must(t, c.get("/users/"+id+"/enabled"), 200).decode(t, &en)
	if !en.Enabled {
		t.Fatal("DemoActiveUser is not enabled")
	}
	must(t, c.do("PUT", "/users/"+id+"/enabled", "application/json", `{"enabled":false}`), 200).decode(t, &en)
	if en.Enabled {
		t.Error("PUT enabled=false answered enabled=true")
	}
	var u struct {
		Enabled bool
		Account accountJSON
	}
	must(t, c.get("/users/"+id), 200).decode(t, &u)
	if u.Enabled || u.Account.CanAuthenticate || u.Account.Status != "OK" {
		t.Errorf("disabled user: %+v (disabled is not locked, but cannot authenticate)", u)
	}
	must(t, c.do("PUT", "/users/"+id+"/enabled", "application/json", `{"enabled":false}`), 200)
	must(t, c.do("PUT", "/users/"+id+"/enabled", "", `{"enabled":true}`), 200)
	if st := userState(t, srv, DemoActiveUser); !st.Enabled || !st.CanAuthenticate {
		t.Errorf("re-enabled: %+v", st)
	}
	if got := activityTypes(srv, id, clk.Now()); !slices.Equal(got, []string{"USER.UPDATED", "USER.UPDATED"}) {
		t.Errorf("activities %v: want one USER.UPDATED per change", got)
	}
	for _, body := range []string{`{}`, `{"enabled":"no"}`, `{"enabled":null}`, `[true]`, `{`} {
		must(t, c.do("PUT", "/users/"+id+"/enabled", "application/json", body), 400)
	}
	must(t, c.do("PUT", "/users/"+id+"/enabled", "text/plain", `{"enabled":true}`), 415)
	must(t, c.do("PUT", "/users/nope/enabled", "application/json", `{"enabled":true}`), 404)
}
