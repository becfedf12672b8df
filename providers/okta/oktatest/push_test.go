package oktatest

import (
	"testing"
	"time"
)

// verifyPush sends a push to the user's push factor and returns the poll link.
func verifyPush(t *testing.T, srv *Server, login string) (userID, factorID, poll string) {
	t.Helper()
	userID = userIDOf(t, srv, login)
	var fs []struct{ ID, FactorType string }
	api(t, srv, "GET", "/api/v1/users/"+userID+"/factors").decode(t, &fs)
	for _, f := range fs {
		if f.FactorType == FactorPush {
			factorID = f.ID
		}
	}
	if factorID == "" {
		t.Fatalf("%s has no push factor", login)
	}
	r := api(t, srv, "POST", "/api/v1/users/"+userID+"/factors/"+factorID+"/verify")
	var tx struct {
		FactorResult string
		ExpiresAt    string
		Links        struct{ Poll struct{ Href string } } `json:"_links"`
	}
	r.decode(t, &tx)
	if r.status != 201 || tx.FactorResult != "WAITING" || tx.ExpiresAt == "" || tx.Links.Poll.Href == "" {
		t.Fatalf("verify: %d %s", r.status, r.body)
	}
	return userID, factorID, tx.Links.Poll.Href
}

func pollResult(t *testing.T, srv *Server, poll string) string {
	t.Helper()
	r := send(t, "GET", poll, "SSWS "+srv.Token, nil)
	var tx struct{ FactorResult string }
	r.decode(t, &tx)
	if r.status != 200 {
		t.Fatalf("poll: %d %s", r.status, r.body)
	}
	return tx.FactorResult
}

func TestPushSeededBehaviour(t *testing.T) {
	srv, clk := seeded(t)
	_, _, approve := verifyPush(t, srv, DemoAdminUser)
	_, _, reject := verifyPush(t, srv, DemoPushRejectUser)
	_, _, silent := verifyPush(t, srv, DemoPushSilentUser)
	for _, p := range []string{approve, reject, silent} {
		if got := pollResult(t, srv, p); got != "WAITING" {
			t.Fatalf("right after the push: %s", got)
		}
	}
	clk.Advance(SeedPushDelay)
	if got := pollResult(t, srv, approve); got != "SUCCESS" {
		t.Errorf("seeded user after %v: %s, want SUCCESS", SeedPushDelay, got)
	}
	if got := pollResult(t, srv, reject); got != "REJECTED" {
		t.Errorf("%s: %s, want REJECTED", DemoPushRejectUser, got)
	}
	if got := pollResult(t, srv, silent); got != "WAITING" {
		t.Errorf("%s before expiry: %s", DemoPushSilentUser, got)
	}
	clk.Advance(DefaultPushExpiry)
	if got := pollResult(t, srv, silent); got != "TIMEOUT" {
		t.Errorf("%s after expiry: %s, want TIMEOUT", DemoPushSilentUser, got)
	}
	if got := pollResult(t, srv, approve); got != "SUCCESS" {
		t.Errorf("a final result changed: %s", got)
	}
}

func TestPushAnswerHookAndExpiry(t *testing.T) {
	srv, clk := empty(t)
	srv.Org().AddUser(UserSpec{Login: "push.user@example.com", Factors: []string{FactorPush, FactorSMS, FactorTOTP}})
	_, _, p := verifyPush(t, srv, "push.user@example.com")
	clk.Advance(time.Hour - time.Second)
	if pollResult(t, srv, p) != "TIMEOUT" {
		t.Fatal("an unanswered push did not time out")
	}
	if n := srv.AnswerPush("push.user@example.com", PushApprove); n != 0 {
		t.Fatalf("answered %d expired pushes", n)
	}

	srv.SetPushExpiry(time.Minute)
	_, _, p = verifyPush(t, srv, "push.user@example.com")
	if n := srv.AnswerPush("push.user@example.com", PushReject); n != 1 {
		t.Fatalf("AnswerPush answered %d", n)
	}
	if got := pollResult(t, srv, p); got != "REJECTED" {
		t.Fatalf("after AnswerPush: %s", got)
	}
	clk.Advance(2 * time.Minute)
	if got := pollResult(t, srv, p); got != "REJECTED" {
		t.Fatalf("an answered push timed out later: %s", got)
	}

	srv.SetPushBehavior("push.user@example.com", PushBehavior{Answer: PushApprove, After: 10 * time.Second})
	_, _, p = verifyPush(t, srv, "push.user@example.com")
	clk.Advance(9 * time.Second)
	if pollResult(t, srv, p) != "WAITING" {
		t.Fatal("answered before its delay")
	}
	clk.Advance(time.Second)
	if pollResult(t, srv, p) != "SUCCESS" {
		t.Fatal("not answered after its delay")
	}
	if n := srv.PushesSent("push.user@example.com"); n != 3 {
		t.Fatalf("PushesSent = %d", n)
	}
}

func TestVerifyOtherFactors(t *testing.T) {
	srv, _ := empty(t)
	id := srv.Org().AddUser(UserSpec{Login: "other.factors@example.com", Factors: []string{FactorSMS, FactorTOTP}})
	var fs []struct{ ID, FactorType string }
	api(t, srv, "GET", "/api/v1/users/"+id+"/factors").decode(t, &fs)
	for _, f := range fs {
		r := api(t, srv, "POST", "/api/v1/users/"+id+"/factors/"+f.ID+"/verify")
		want := map[string]int{FactorSMS: 200, FactorTOTP: 400}[f.FactorType]
		if r.status != want {
			t.Errorf("verify %s: %d %s, want %d", f.FactorType, r.status, r.body, want)
		}
	}
	if r := api(t, srv, "POST", "/api/v1/users/"+id+"/factors/opfnope/verify"); r.status != 404 || r.err(t).ErrorCode != "E0000007" {
		t.Errorf("unknown factor: %d %s", r.status, r.body)
	}
	if r := api(t, srv, "GET", "/api/v1/users/"+id+"/factors/"+fs[0].ID+"/transactions/v2mst.nope"); r.status != 404 {
		t.Errorf("unknown transaction: %d", r.status)
	}
}

func TestUnenrollFactorRules(t *testing.T) {
	srv, _ := empty(t)
	org := srv.Org()
	id := org.AddUser(UserSpec{Login: "unenroll.me@example.com", Factors: []string{FactorPush, FactorSMS, FactorTOTP}})
	var fs []struct{ ID, FactorType string }
	api(t, srv, "GET", "/api/v1/users/"+id+"/factors").decode(t, &fs)
	for _, f := range fs {
		if f.FactorType == FactorPush {
			if r := api(t, srv, "DELETE", "/api/v1/users/"+id+"/factors/"+f.ID); r.status != 204 {
				t.Fatalf("DELETE push: %d %s", r.status, r.body)
			}
		}
	}
	// The seed's TOTP is Google Authenticator, not Okta Verify: it stays.
	if n := org.FactorCount(id); n != 2 {
		t.Fatalf("factors after unenrolling push = %d, want 2", n)
	}
	org.SetUserStatus(id, StatusDeprovisioned)
	r := api(t, srv, "DELETE", "/api/v1/users/"+id+"/factors/"+fs[1].ID)
	if r.status != 403 || r.err(t).ErrorCode != "E0000038" {
		t.Fatalf("unenroll of a deactivated user's factor: %d %s", r.status, r.body)
	}
}
