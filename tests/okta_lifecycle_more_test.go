package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

func TestOktaActivateAndReactivate(t *testing.T) {
	e := newEnv(t)
	r := e.run("okta-activate-user", fmt.Sprintf(`{"user":%q,"send_email":false}`, oktatest.DemoStagedUser))
	mustStatus(t, r, 200)
	link := outputString(t, r.json(t), "ActivationURL")
	if !strings.HasPrefix(link, e.okta.URL) || r.json(t)["secrets_withheld"] == true {
		t.Fatalf("activate: %s", r.body)
	}
	if out := r.json(t)["outputs"].(map[string]any); out["PreviousStatus"] != "STAGED" || out["Status"] != "PROVISIONED" || out["EmailSent"] != false {
		t.Fatalf("activate: %v", out)
	}
	if strings.Contains(r.json(t)["readable_output"].(string), link) {
		t.Error("the link is in the readable output")
	}
	assertNowhere(t, e, link)

	// Reactivate the now PROVISIONED user by e-mail: no secret comes back.
	r = e.run("okta-reactivate-user", fmt.Sprintf(`{"user":%q}`, oktatest.DemoStagedUser))
	mustStatus(t, r, 200)
	if out := r.json(t)["outputs"].(map[string]any); out["ActivationURL"] != nil || out["EmailSent"] != true {
		t.Fatalf("reactivate by e-mail: %s", r.body)
	}

	// Wrong state: Okta's own codes, as 409.
	for _, c := range []struct{ cmd, user, code string }{
		{"okta-activate-user", oktatest.DemoActiveUser, "E0000016"},
		{"okta-activate-user", oktatest.DemoSuspendedUser, "E0000038"},
		{"okta-reactivate-user", oktatest.DemoActiveUser, "E0000038"},
		{"okta-reactivate-user", oktatest.DemoStagedUser + "x", ""},
	} {
		r := e.run(c.cmd, fmt.Sprintf(`{"user":%q}`, c.user))
		if c.code == "" {
			mustStatus(t, r, 404)
			continue
		}
		mustStatus(t, r, 409)
		if r.json(t)["provider_code"] != c.code {
			t.Errorf("%s %s: %s", c.cmd, c.user, r.body)
		}
	}
	mustStatus(t, e.run("okta-reactivate-user", fmt.Sprintf(`{"user":%q,"send_email":false}`, oktatest.DemoProvisionedUser)), 200)
}

// TestOktaTempPasswordIsStoredNowhere: the temporary password is in the one
// answer of the call that ran; the idempotent replay, the audit log, the
// war-room entry and the store hold only the marker.
func TestOktaTempPasswordIsStoredNowhere(t *testing.T) {
	e := newEnv(t, envOptions{xsoar: true})
	inc := e.xsoar.AddIncident("Okta: credential stuffing", 2)
	jdoe, _ := e.okta.Org().UserID(oktatest.DemoActiveUser)
	body := fmt.Sprintf(`{"user":%q,"temp_password":true,"revoke_sessions":true,"incident":{"platform":"xsoar","id":%q}}`, oktatest.DemoActiveUser, inc)
	_, first := secretDeliveredOnce(t, e, inc, "okta-expire-password", body, "TempPassword")
	out := first.json(t)["outputs"].(map[string]any)
	if out["Status"] != "PASSWORD_EXPIRED" || out["SessionsRevoked"] != true || e.okta.Org().SessionCount(jdoe) != 0 {
		t.Errorf("expire with temp password: %s", first.body)
	}
}

// TestOktaTempPasswordForPrivilegedUserNeedsApproval: a temporary password
// for a Super Admin is a takeover; it is held, and the password is only in
// the approve call's answer.
func TestOktaTempPasswordForPrivilegedUserNeedsApproval(t *testing.T) {
	e := newEnv(t)
	secretAfterApproval(t, e, "okta-expire-password", fmt.Sprintf(`{"user":%q,"temp_password":true}`, oktatest.DemoAdminUser), "TempPassword",
		func() bool { s, _ := e.okta.Org().UserStatus(oktatest.DemoAdminUser); return s != "ACTIVE" })
	// Without temp_password nothing is revealed: no approval needed.
	mustStatus(t, e.run("okta-expire-password", fmt.Sprintf(`{"user":%q}`, oktatest.DemoAdminUser)), 200)
}

func TestOktaExpirePasswordRules(t *testing.T) {
	e := newEnv(t)
	r := e.run("okta-expire-password", fmt.Sprintf(`{"user":%q,"revoke_sessions":true}`, oktatest.DemoActiveUser))
	mustStatus(t, r, 400)
	if fieldOf(t, r) != "body.revoke_sessions" {
		t.Errorf("revoke_sessions alone: %s", r.body)
	}
	if s, _ := e.okta.Org().UserStatus(oktatest.DemoActiveUser); s != "ACTIVE" {
		t.Fatalf("a refused call expired the password: %s", s)
	}
	r = e.run("okta-expire-password", fmt.Sprintf(`{"user":%q,"temp_password":true}`, oktatest.DemoSuspendedUser))
	mustStatus(t, r, 409)
	if r.json(t)["provider_code"] != "E0000038" {
		t.Errorf("suspended: %s", r.body)
	}
	r = e.run("okta-expire-password", fmt.Sprintf(`{"user":%q}`, oktatest.DemoActiveUser))
	mustStatus(t, r, 200)
	if out := r.json(t)["outputs"].(map[string]any); out["Status"] != "PASSWORD_EXPIRED" || out["TempPassword"] != nil || r.json(t)["secrets_withheld"] == true {
		t.Errorf("plain expire: %s", r.body)
	}
}
