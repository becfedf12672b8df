package okta

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/idcmd/idcmd/providers/upstream"
)

// authServer is a small Okta org authorization server plus one API
// endpoint, strict about everything the client must send.
type authServer struct {
	t           *testing.T
	clock       *fakeClock
	clientID    string
	keyID       string
	pub         crypto.PublicKey
	requireDPoP bool
	// tokenGate, when set, holds token requests until closed.
	tokenGate chan struct{}
	// refuse says whether the API answers 401 to an access token.
	refuse func(token string) bool

	srv *httptest.Server

	mu            sync.Mutex
	tokenRequests int
	apiCalls      int
	jtis          map[string]bool
	tokens        map[string]string // access token → bound jwk x ("" for Bearer)
	tokenError    string            // when set, the token endpoint answers 401 with it
}

const nonce = "server-nonce-1"

func newAuthServer(t *testing.T, pub crypto.PublicKey, requireDPoP bool) *authServer {
	a := &authServer{
		t: t, clientID: "0oaSERVICEAPP", keyID: "kid-1", pub: pub, requireDPoP: requireDPoP,
		clock:  &fakeClock{now: time.Now().Truncate(time.Second)},
		jtis:   map[string]bool{},
		tokens: map[string]string{},
		refuse: func(string) bool { return false },
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/v1/token", a.token)
	mux.HandleFunc("GET /api/v1/users/{id}", a.api)
	mux.HandleFunc("POST /api/v1/users/{id}/lifecycle/suspend", a.api)
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

func (a *authServer) client(t *testing.T, key crypto.Signer, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: a.srv.URL, ClientID: a.clientID, PrivateKey: key, KeyID: a.keyID}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	SetTestClock(c, a.clock.Now, a.clock.Sleep)
	return c
}

func (a *authServer) counts() (tokens, api int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.tokenRequests, a.apiCalls
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, fmt.Sprintf(`{"error":%q,"error_description":%q}`, code, desc))
}

func (a *authServer) token(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.tokenRequests++
	tokenError := a.tokenError
	a.mu.Unlock()
	if a.tokenGate != nil {
		<-a.tokenGate
	}
	if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		a.t.Errorf("token Content-Type = %q", r.Header.Get("Content-Type"))
	}
	if err := r.ParseForm(); err != nil {
		a.t.Fatal(err)
	}
	f := r.PostForm
	if f.Get("grant_type") != "client_credentials" ||
		f.Get("scope") != "okta.users.read okta.users.manage okta.logs.read" ||
		f.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		a.t.Errorf("token form = %v", f)
	}
	if err := a.checkAssertion(f.Get("client_assertion")); err != nil {
		a.t.Errorf("client assertion: %v", err)
		oauthError(w, 401, "invalid_client", err.Error())
		return
	}
	if tokenError != "" {
		oauthError(w, 401, tokenError, "The client_assertion signature is invalid.")
		return
	}

	tokenType, bound := "Bearer", ""
	if proof := r.Header.Get("DPoP"); proof != "" || a.requireDPoP {
		if proof == "" {
			oauthError(w, 400, "invalid_dpop_proof", "The DPoP proof JWT header is missing.")
			return
		}
		claims, x, err := a.checkProof(proof, "POST", a.srv.URL+"/oauth2/v1/token", "")
		if err != nil {
			a.t.Errorf("token DPoP proof: %v", err)
			oauthError(w, 400, "invalid_dpop_proof", err.Error())
			return
		}
		if claims["nonce"] != nonce {
			w.Header().Set("DPoP-Nonce", nonce)
			oauthError(w, 400, "use_dpop_nonce", "Authorization server requires nonce in DPoP proof.")
			return
		}
		tokenType, bound = "DPoP", x
	}
	a.mu.Lock()
	tok := fmt.Sprintf("access-token-%d", len(a.tokens)+1)
	a.tokens[tok] = bound
	a.mu.Unlock()
	writeJSON(w, 200, fmt.Sprintf(`{"token_type":%q,"expires_in":3600,"access_token":%q,"scope":"okta.users.read okta.users.manage okta.logs.read"}`, tokenType, tok))
}

func (a *authServer) checkAssertion(s string) error {
	tok, err := jwt.Parse(s, func(tok *jwt.Token) (any, error) {
		if tok.Header["kid"] != a.keyID {
			return nil, fmt.Errorf("kid = %v", tok.Header["kid"])
		}
		return a.pub, nil
	},
		jwt.WithValidMethods([]string{"RS256", "ES256"}),
		jwt.WithAudience(a.srv.URL+"/oauth2/v1/token"),
		jwt.WithIssuer(a.clientID),
		jwt.WithSubject(a.clientID),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(a.clock.Now),
	)
	if err != nil {
		return err
	}
	c := tok.Claims.(jwt.MapClaims)
	iat, _ := c.GetIssuedAt()
	exp, _ := c.GetExpirationTime()
	if exp.Sub(iat.Time) != 5*time.Minute {
		return fmt.Errorf("exp - iat = %v, want 5m", exp.Sub(iat.Time))
	}
	jti, _ := c["jti"].(string)
	a.mu.Lock()
	defer a.mu.Unlock()
	if jti == "" || a.jtis[jti] {
		return fmt.Errorf("jti %q missing or reused", jti)
	}
	a.jtis[jti] = true
	return nil
}

// checkProof verifies a DPoP proof against the key in its own jwk header
// and returns its claims and the key's x coordinate (its identity here).
func (a *authServer) checkProof(proof, method, htu, accessToken string) (jwt.MapClaims, string, error) {
	var x string
	tok, err := jwt.Parse(proof, func(tok *jwt.Token) (any, error) {
		if tok.Header["typ"] != "dpop+jwt" {
			return nil, fmt.Errorf("typ = %v", tok.Header["typ"])
		}
		jwk, _ := tok.Header["jwk"].(map[string]any)
		if jwk["kty"] != "EC" || jwk["crv"] != "P-256" {
			return nil, fmt.Errorf("jwk = %v", jwk)
		}
		x, _ = jwk["x"].(string)
		y, _ := jwk["y"].(string)
		xb, err1 := base64.RawURLEncoding.DecodeString(x)
		yb, err2 := base64.RawURLEncoding.DecodeString(y)
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, xb...), yb...))
	}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithTimeFunc(a.clock.Now))
	if err != nil {
		return nil, "", err
	}
	c := tok.Claims.(jwt.MapClaims)
	if c["htm"] != method || c["htu"] != htu || c["jti"] == nil || c["iat"] == nil {
		return nil, "", fmt.Errorf("claims = %v, want htm %s htu %s", c, method, htu)
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		if c["ath"] != base64.RawURLEncoding.EncodeToString(sum[:]) {
			return nil, "", fmt.Errorf("ath = %v", c["ath"])
		}
	}
	return c, x, nil
}

func (a *authServer) api(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.apiCalls++
	a.mu.Unlock()
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	a.mu.Lock()
	bound, known := a.tokens[tok]
	a.mu.Unlock()
	switch {
	case !known || a.refuse(tok):
		writeJSON(w, 401, `{"errorCode":"E0000011","errorSummary":"Invalid token provided"}`)
		return
	case bound == "" && scheme != "Bearer", bound != "" && scheme != "DPoP":
		a.t.Errorf("Authorization scheme %q for a token bound to %q", scheme, bound)
	case bound != "":
		_, x, err := a.checkProof(r.Header.Get("DPoP"), r.Method, a.srv.URL+r.URL.Path, tok)
		if err != nil || x != bound {
			a.t.Errorf("API DPoP proof: %v (key %s, token bound to %s)", err, x, bound)
			writeJSON(w, 401, `{"errorCode":"E0000011","errorSummary":"Invalid token provided"}`)
			return
		}
	}
	if r.Method == http.MethodPost {
		writeJSON(w, 200, `{}`)
		return
	}
	writeJSON(w, 200, userJSON)
}

func rsaKey(t *testing.T) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestOAuthTokenCachedAndRefreshedEarly(t *testing.T) {
	key := rsaKey(t)
	a := newAuthServer(t, &key.PublicKey, false)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	c := a.client(t, nil, func(cfg *Config) { cfg.PrivateKeyPEM = pemKey })
	ctx := context.Background()
	get := func() {
		t.Helper()
		if _, err := c.GetUser(ctx, "00u1"); err != nil {
			t.Fatal(err)
		}
	}
	get()
	get()
	if tokens, api := a.counts(); tokens != 1 || api != 2 {
		t.Fatalf("token requests %d, API calls %d; want 1, 2", tokens, api)
	}
	a.clock.Advance(3600*time.Second - 61*time.Second)
	get()
	if tokens, _ := a.counts(); tokens != 1 {
		t.Fatalf("token requests %d before the refresh point, want 1", tokens)
	}
	a.clock.Advance(2 * time.Second) // now within 60s of expiry
	get()
	if tokens, _ := a.counts(); tokens != 2 {
		t.Fatalf("token requests %d after the refresh point, want 2", tokens)
	}
}

func TestOAuth401RetriedOnceWithNewToken(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader) // ES256 assertion
	a := newAuthServer(t, &key.PublicKey, false)
	a.refuse = func(tok string) bool { return tok == "access-token-1" } // revoked early
	c := a.client(t, key, nil)

	if err := c.SuspendUser(context.Background(), "00u1"); err != nil {
		t.Fatal(err)
	}
	if tokens, api := a.counts(); tokens != 2 || api != 2 {
		t.Fatalf("token requests %d, API calls %d; want 2, 2", tokens, api)
	}

	a.refuse = func(string) bool { return true }
	c2 := a.client(t, key, nil)
	_, err := c2.GetUser(context.Background(), "00u1")
	if !upstream.IsKind(err, upstream.Unauthorized) {
		t.Fatalf("err = %v, want Unauthorized", err)
	}
	if tokens, api := a.counts(); tokens != 4 || api != 4 {
		t.Fatalf("token requests %d, API calls %d; want one retry only (4, 4)", tokens, api)
	}
}

func TestOAuthConcurrentCallersShareOneTokenRequest(t *testing.T) {
	key := rsaKey(t)
	a := newAuthServer(t, &key.PublicKey, false)
	a.tokenGate = make(chan struct{})
	c := a.client(t, key, nil)

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := c.GetUser(context.Background(), "00u1")
			errs <- err
		})
	}
	close(a.tokenGate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if tokens, api := a.counts(); tokens != 1 || api != 8 {
		t.Fatalf("token requests %d, API calls %d; want 1, 8", tokens, api)
	}
}

func TestDPoPNegotiatedWithNonce(t *testing.T) {
	key := rsaKey(t)
	a := newAuthServer(t, &key.PublicKey, true)
	c := a.client(t, key, nil)

	for range 2 { // the second call reuses the token with a fresh proof
		if _, err := c.GetUser(context.Background(), "00u1"); err != nil {
			t.Fatal(err)
		}
	}
	// No proof → invalid_dpop_proof; proof → use_dpop_nonce; with nonce → token.
	if tokens, api := a.counts(); tokens != 3 || api != 2 {
		t.Fatalf("token requests %d, API calls %d; want 3, 2", tokens, api)
	}
}

func TestDPoPForcedByConfig(t *testing.T) {
	key := rsaKey(t)
	a := newAuthServer(t, &key.PublicKey, true)
	c := a.client(t, key, func(cfg *Config) { cfg.DPoP = true })
	if err := c.SuspendUser(context.Background(), "00u1"); err != nil {
		t.Fatal(err)
	}
	if tokens, _ := a.counts(); tokens != 2 {
		t.Fatalf("token requests %d; want 2 (proof from the start, then the nonce)", tokens)
	}
}

func TestTokenErrorsAreUnauthorizedAndClean(t *testing.T) {
	key := rsaKey(t)
	a := newAuthServer(t, &key.PublicKey, false)
	a.tokenError = "invalid_client"
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	c := a.client(t, nil, func(cfg *Config) { cfg.PrivateKeyPEM = pemKey })

	_, err := c.GetUser(context.Background(), "00u1")
	ue := upstream.As(err)
	if ue == nil || ue.Kind != upstream.Unauthorized || ue.Code != "invalid_client" || !strings.Contains(ue.Message, "signature is invalid") {
		t.Fatalf("err = %#v, want Unauthorized invalid_client with Okta's description", err)
	}
	if _, api := a.counts(); api != 0 {
		t.Errorf("API called %d times without a token", api)
	}
	keyBody := strings.Split(string(pemKey), "\n")[5]
	for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%#v", c), fmt.Sprintf("%+v", c)} {
		if strings.Contains(s, keyBody) || strings.Contains(s, "eyJ") {
			t.Errorf("error or client text leaks key material or a JWT: %s", s)
		}
	}
}

func TestAccessTokenNeverPrinted(t *testing.T) {
	key := rsaKey(t)
	a := newAuthServer(t, &key.PublicKey, false)
	c := a.client(t, key, nil)
	if _, err := c.GetUser(context.Background(), "00u1"); err != nil {
		t.Fatal(err)
	}
	a.refuse = func(string) bool { return true }
	_, err := c.GetUser(context.Background(), "00u1")
	for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", c), fmt.Sprintf("%+v", c.auth), fmt.Sprintf("%v", c.auth)} {
		if strings.Contains(s, "access-token-") {
			t.Errorf("text leaks the access token: %s", s)
		}
	}
}
