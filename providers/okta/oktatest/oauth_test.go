package oktatest

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestTokenFlowBearer(t *testing.T) {
	srv, clk := seeded(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	srv.RegisterServiceApp("0oaidcmdservice00001", &key.PublicKey, false)
	a := assertion(t, key, jwt.SigningMethodRS256, "0oaidcmdservice00001", srv.URL+tokenPath, clk.Now(), nil)
	r := tokenRequest(t, srv, a, "okta.users.read okta.logs.read", "")
	if r.status != 200 {
		t.Fatalf("token: %d %s", r.status, r.body)
	}
	var tok tokenResponse
	r.decode(t, &tok)
	if tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 || tok.Scope != "okta.users.read okta.logs.read" || tok.AccessToken == "" {
		t.Errorf("token response %+v", tok)
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", r.header.Get("Cache-Control"))
	}

	bearer := "Bearer " + tok.AccessToken
	if r := send(t, "GET", srv.URL+"/api/v1/users/"+DemoActiveUser, bearer, nil); r.status != 200 {
		t.Errorf("GET user with token: %d %s", r.status, r.body)
	}
	// The same assertion cannot be used twice (jti replay).
	if r := tokenRequest(t, srv, a, "okta.users.read", ""); r.status != 401 || !strings.Contains(string(r.body), "invalid_client") {
		t.Errorf("replayed assertion: %d %s", r.status, r.body)
	}
	// Tokens expire after expires_in.
	clk.Advance(59 * time.Minute)
	if r := send(t, "GET", srv.URL+"/api/v1/users/"+DemoActiveUser, bearer, nil); r.status != 200 {
		t.Errorf("token at 59 min: %d", r.status)
	}
	clk.Advance(time.Minute)
	if r := send(t, "GET", srv.URL+"/api/v1/users/"+DemoActiveUser, bearer, nil); r.status != 401 || r.err(t).ErrorCode != "E0000011" {
		t.Errorf("expired token: %d %s, want 401 E0000011", r.status, r.body)
	}
}

func TestTokenRequestErrors(t *testing.T) {
	srv, clk := empty(t)
	key := newECKey(t)
	other := newECKey(t)
	const client = "0oaclient00000000001"
	srv.RegisterServiceApp(client, &key.PublicKey, false)
	aud := srv.URL + tokenPath
	now := clk.Now()
	hmacToken, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": client, "sub": client, "aud": aud, "exp": now.Add(time.Hour).Unix(),
	}).SignedString([]byte("shared-secret"))

	tests := []struct {
		name       string
		assertion  string
		scope      string
		wantStatus int
		wantError  string
	}{
		{"wrong audience", assertion(t, key, jwt.SigningMethodES256, client, "https://other.okta.com/oauth2/v1/token", now, nil), "okta.users.read", 401, "invalid_client"},
		{"default authorization server audience", assertion(t, key, jwt.SigningMethodES256, client, srv.URL+"/oauth2/default/v1/token", now, nil), "okta.users.read", 401, "invalid_client"},
		{"sub differs from iss", assertion(t, key, jwt.SigningMethodES256, client, aud, now, func(c jwt.MapClaims) { c["sub"] = "someone" }), "okta.users.read", 401, "invalid_client"},
		{"unknown client", assertion(t, key, jwt.SigningMethodES256, "0oaunknown0000000001", aud, now, nil), "okta.users.read", 401, "invalid_client"},
		{"signed by another key", assertion(t, other, jwt.SigningMethodES256, client, aud, now, nil), "okta.users.read", 401, "invalid_client"},
		{"expired", assertion(t, key, jwt.SigningMethodES256, client, aud, now, func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() }), "okta.users.read", 401, "invalid_client"},
		{"exp over an hour ahead", assertion(t, key, jwt.SigningMethodES256, client, aud, now, func(c jwt.MapClaims) { c["exp"] = now.Add(2 * time.Hour).Unix() }), "okta.users.read", 401, "invalid_client"},
		{"no exp", assertion(t, key, jwt.SigningMethodES256, client, aud, now, func(c jwt.MapClaims) { delete(c, "exp") }), "okta.users.read", 401, "invalid_client"},
		{"symmetric alg", hmacToken, "okta.users.read", 401, "invalid_client"},
		{"no assertion", "", "okta.users.read", 401, "invalid_client"},
		{"no scope", assertion(t, key, jwt.SigningMethodES256, client, aud, now, nil), "", 400, "invalid_scope"},
		{"unknown scope", assertion(t, key, jwt.SigningMethodES256, client, aud, now, nil), "okta.users.read okta.everything", 400, "invalid_scope"},
	}
	for _, tt := range tests {
		r := tokenRequest(t, srv, tt.assertion, tt.scope, "")
		var body map[string]string
		r.decode(t, &body)
		if r.status != tt.wantStatus || body["error"] != tt.wantError || body["error_description"] == "" {
			t.Errorf("%s: %d %s, want %d %s", tt.name, r.status, r.body, tt.wantStatus, tt.wantError)
		}
	}

	req, _ := http.NewRequest("POST", srv.URL+tokenPath, strings.NewReader("grant_type=password"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("grant_type=password: %d", resp.StatusCode)
	}
}

func TestScopeEnforcement(t *testing.T) {
	srv, clk := seeded(t)
	id := userIDOf(t, srv, DemoActiveUser)
	tests := []struct {
		scope  string
		method string
		path   string
		want   int
	}{
		{ScopeUsersRead, "GET", "/api/v1/users/" + id, 200},
		{ScopeUsersRead, "GET", "/api/v1/users?limit=1", 200},
		{ScopeUsersRead, "GET", "/api/v1/users/" + id + "/factors", 200},
		{ScopeUsersRead, "POST", "/api/v1/users/" + id + "/lifecycle/unlock", 403},
		{ScopeUsersRead, "DELETE", "/api/v1/users/" + id + "/sessions", 403},
		{ScopeUsersRead, "GET", "/api/v1/logs?limit=1", 403},
		{ScopeLogsRead, "GET", "/api/v1/logs?limit=1", 200},
		{ScopeLogsRead, "GET", "/api/v1/users/" + id, 403},
		{ScopeUsersManage, "POST", "/api/v1/users/" + id + "/lifecycle/unlock", 200},
		{ScopeUsersManage, "GET", "/api/v1/users/" + id, 200}, // manage implies read
	}
	for _, tt := range tests {
		tok := bearerToken(t, srv, clk, tt.scope)
		r := send(t, tt.method, srv.URL+tt.path, "Bearer "+tok, nil)
		if r.status != tt.want {
			t.Errorf("%s %s with %s: %d, want %d", tt.method, tt.path, tt.scope, r.status, tt.want)
			continue
		}
		if tt.want == 403 {
			if e := r.err(t); e.ErrorCode != "E0000006" {
				t.Errorf("%s %s with %s: %s, want E0000006", tt.method, tt.path, tt.scope, e.ErrorCode)
			}
		}
	}
	// A service app is the actor of what it does.
	tok := bearerToken(t, srv, clk, ScopeUsersManage)
	send(t, "POST", srv.URL+"/api/v1/users/"+id+"/lifecycle/suspend", "Bearer "+tok, nil)
	evs := srv.Org().Events()
	if last := evs[len(evs)-1]; last.EventType != "user.lifecycle.suspend" || last.Actor.Type != "PublicClientApp" {
		t.Errorf("last event %s by %+v", last.EventType, last.Actor)
	}
}

func TestAuthFailures(t *testing.T) {
	srv, _ := seeded(t)
	for _, auth := range []string{"", "SSWS", "SSWS wrong-token", "Bearer nope", "DPoP nope", "Basic dXNlcjpwYXNz", srv.Token} {
		r := send(t, "GET", srv.URL+"/api/v1/users", auth, nil)
		if r.status != 401 || r.err(t).ErrorCode != "E0000011" || r.err(t).ErrorSummary != "Invalid token provided" {
			t.Errorf("Authorization %q: %d %s", auth, r.status, r.body)
		}
		if r.header.Get("X-Rate-Limit-Remaining") == "" {
			t.Errorf("Authorization %q: 401 without rate-limit headers", auth)
		}
	}
}

func TestDPoPTokenFlow(t *testing.T) {
	srv, clk := seeded(t)
	clientKey := newECKey(t)
	proofKey := newECKey(t)
	const client = "0oadpopclient0000001"
	srv.RegisterServiceApp(client, &clientKey.PublicKey, true)
	tokenURL := srv.URL + tokenPath
	newAssertion := func() string {
		return assertion(t, clientKey, jwt.SigningMethodES256, client, tokenURL, clk.Now(), nil)
	}
	errorOf := func(r response) string {
		var b map[string]string
		r.decode(t, &b)
		return b["error"]
	}

	// Without a proof: invalid_dpop_proof (the Go SDK's cue to switch to DPoP).
	if r := tokenRequest(t, srv, newAssertion(), ScopeUsersRead, ""); r.status != 400 || errorOf(r) != "invalid_dpop_proof" {
		t.Fatalf("no DPoP: %d %s", r.status, r.body)
	}
	// A bad proof: wrong htu.
	bad := mintDPoP(t, proofKey, "POST", srv.URL+"/oauth2/default/v1/token", "", "", clk.Now(), nil)
	if r := tokenRequest(t, srv, newAssertion(), ScopeUsersRead, bad); r.status != 400 || errorOf(r) != "invalid_dpop_proof" {
		t.Fatalf("bad htu: %d %s", r.status, r.body)
	}
	// A proof without nonce: use_dpop_nonce plus the nonce to use.
	a := newAssertion()
	r := tokenRequest(t, srv, a, ScopeUsersRead+" "+ScopeUsersManage, mintDPoP(t, proofKey, "POST", tokenURL, "", "", clk.Now(), nil))
	nonce := r.header.Get("DPoP-Nonce")
	if r.status != 400 || errorOf(r) != "use_dpop_nonce" || nonce == "" {
		t.Fatalf("no nonce: %d %s (DPoP-Nonce %q)", r.status, r.body, nonce)
	}
	// Retry with the nonce (and the same assertion, as the SDK does).
	r = tokenRequest(t, srv, a, ScopeUsersRead+" "+ScopeUsersManage, mintDPoP(t, proofKey, "POST", tokenURL, nonce, "", clk.Now(), nil))
	if r.status != 200 {
		t.Fatalf("with nonce: %d %s", r.status, r.body)
	}
	var tok tokenResponse
	r.decode(t, &tok)
	if tok.TokenType != "DPoP" {
		t.Fatalf("token_type %q, want DPoP", tok.TokenType)
	}

	userURL := srv.URL + "/api/v1/users/" + DemoActiveUser
	call := func(auth, proof string) int {
		hdr := http.Header{}
		if proof != "" {
			hdr.Set("DPoP", proof)
		}
		return send(t, "GET", userURL, auth, hdr).status
	}
	good := func() string { return mintDPoP(t, proofKey, "GET", userURL, "", tok.AccessToken, clk.Now(), nil) }
	dpop := "DPoP " + tok.AccessToken
	if got := call(dpop, good()); got != 200 {
		t.Fatalf("DPoP call: %d", got)
	}
	replayed := good()
	call(dpop, replayed)

	tests := []struct {
		name, auth, proof string
	}{
		{"bearer scheme for a DPoP token", "Bearer " + tok.AccessToken, good()},
		{"no proof", dpop, ""},
		{"replayed proof", dpop, replayed},
		{"wrong ath", dpop, mintDPoP(t, proofKey, "GET", userURL, "", "other-token", clk.Now(), nil)},
		{"no ath", dpop, mintDPoP(t, proofKey, "GET", userURL, "", "", clk.Now(), nil)},
		{"wrong htm", dpop, mintDPoP(t, proofKey, "POST", userURL, "", tok.AccessToken, clk.Now(), nil)},
		{"wrong htu", dpop, mintDPoP(t, proofKey, "GET", srv.URL+"/api/v1/users", "", tok.AccessToken, clk.Now(), nil)},
		{"stale iat", dpop, mintDPoP(t, proofKey, "GET", userURL, "", tok.AccessToken, clk.Now().Add(-10*time.Minute), nil)},
		{"another key", dpop, mintDPoP(t, newECKey(t), "GET", userURL, "", tok.AccessToken, clk.Now(), nil)},
		{"wrong typ", dpop, mintDPoP(t, proofKey, "GET", userURL, "", tok.AccessToken, clk.Now(), func(_ jwt.MapClaims, h map[string]any) { h["typ"] = "JWT" })},
		{"no jti", dpop, mintDPoP(t, proofKey, "GET", userURL, "", tok.AccessToken, clk.Now(), func(c jwt.MapClaims, _ map[string]any) { delete(c, "jti") })},
	}
	for _, tt := range tests {
		if got := call(tt.auth, tt.proof); got != 401 {
			t.Errorf("%s: %d, want 401", tt.name, got)
		}
	}
	// htu may carry the query string; it is ignored, as RFC 9449 says.
	withQuery := srv.URL + "/api/v1/users?limit=1"
	hdr := http.Header{"Dpop": {mintDPoP(t, proofKey, "GET", withQuery, "", tok.AccessToken, clk.Now(), nil)}}
	if r := send(t, "GET", withQuery, dpop, hdr); r.status != 200 {
		t.Errorf("DPoP list users: %d %s", r.status, r.body)
	}
}
