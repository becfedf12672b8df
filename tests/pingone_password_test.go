package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
)

func temporaryPassword(t *testing.T, v any) string {
	t.Helper()
	return outputString(t, v, "TemporaryPassword")
}

// TestPingOneSetPassword: idcmd generates the password, PingOne forces a
// change at the next sign-on, and the password is in the one answer.
func TestPingOneSetPassword(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	env := e.pingone.Env()
	r := e.run("pingone-set-password", fmt.Sprintf(`{"user":%q}`, pingonetest.DemoPasswordLockedUser))
	mustStatus(t, r, 200)
	o := outputs(t, r)
	pw := temporaryPassword(t, o)
	if len(pw) != 32 || o["ForceChange"] != true || o["Action"] != "set_password" || o["PasswordStatus"] != "MUST_CHANGE_PASSWORD" {
		t.Errorf("set password: %v", o)
	}
	if st, _ := env.User(pingonetest.DemoPasswordLockedUser); st.PasswordStatus != "MUST_CHANGE_PASSWORD" || st.AccountStatus != "OK" {
		t.Errorf("after set: %+v", st)
	}
	if strings.Contains(r.json(t)["readable_output"].(string), pw) {
		t.Error("the readable output shows the password")
	}
	// Two calls, two passwords.
	r2 := e.run("pingone-set-password", fmt.Sprintf(`{"user":%q}`, pingonetest.DemoPasswordLockedUser))
	if temporaryPassword(t, outputs(t, r2)) == pw {
		t.Error("the same password twice")
	}
	// The caller cannot choose one: it would be stored with the arguments.
	mustNameField(t, e.run("pingone-set-password", fmt.Sprintf(`{"user":%q,"password":"Chosen-Passw0rd!"}`, pingonetest.DemoPasswordLockedUser)), 400, "body.password")

	// A disabled user gets the password, and the answer says the account
	// still cannot sign on (PingOne does not refuse the set).
	r = e.run("pingone-set-password", fmt.Sprintf(`{"user":%q}`, pingonetest.DemoDisabledUser))
	mustStatus(t, r, 200)
	if o := outputs(t, r); o["Status"] != "DISABLED" || !strings.Contains(r.json(t)["readable_output"].(string), "still cannot sign on") {
		t.Errorf("disabled user: %s", r.body)
	}
	// An unknown user's privileges cannot be checked: the gate holds the
	// secret-revealing call (fail closed) rather than answering 404.
	approvalOf(t, e.run("pingone-set-password", `{"user":"nobody@example.com"}`))

	// A policy the password cannot meet: PingOne's 400, with its reasons.
	env.SetPasswordPolicy(pingonetest.PasswordPolicy{MaxLength: 20})
	r = e.run("pingone-set-password", fmt.Sprintf(`{"user":%q}`, pingonetest.DemoMustChangePasswordUser))
	mustStatus(t, r, 400)
	if p := r.json(t); p["provider_code"] != "INVALID_DATA" || !strings.Contains(p["detail"].(string), "password policy") {
		t.Errorf("policy refusal: %s", r.body)
	}
}

// TestPingOneSetPasswordIsStoredNowhere: the password is in the answer of
// the call that ran; the replay, the write-back, the audit log and the
// store hold a marker.
func TestPingOneSetPasswordIsStoredNowhere(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true, xsoar: true})
	inc := e.xsoar.AddIncident("PingOne: account takeover", 2)
	body := fmt.Sprintf(`{"user":%q,"incident":{"platform":"xsoar","id":%q}}`, pingonetest.DemoMustChangePasswordUser, inc)
	secretDeliveredOnce(t, e, inc, "pingone-set-password", body, "TemporaryPassword")
}

// TestPingOneSetPasswordForPrivilegedUserNeedsApproval: a password for an
// admin is an account takeover; it waits for a second person, and only
// the approve call's answer has it.
func TestPingOneSetPasswordForPrivilegedUserNeedsApproval(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	pw := secretAfterApproval(t, e, "pingone-set-password", fmt.Sprintf(`{"user":%q}`, pingonetest.DemoAdminUser), "TemporaryPassword",
		func() bool {
			st, _ := e.pingone.Env().User(pingonetest.DemoAdminUser)
			return st.PasswordStatus == "MUST_CHANGE_PASSWORD"
		})
	if len(pw) != 32 {
		t.Errorf("the password is %d characters, want 32", len(pw))
	}
}
