package oktatest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// These helpers play the client side of private_key_jwt and DPoP.

func newECKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// assertion mints a client assertion; mutate adjusts the claims first.
func assertion(t *testing.T, key any, method jwt.SigningMethod, clientID, aud string, now time.Time, mutate func(jwt.MapClaims)) string {
	t.Helper()
	claims := jwt.MapClaims{
		"iss": clientID, "sub": clientID, "aud": aud,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": uuid.NewString(),
	}
	if mutate != nil {
		mutate(claims)
	}
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// publicJWK renders an EC P-256 public key as a JWK header value.
func publicJWK(k *ecdsa.PrivateKey) map[string]any {
	b, err := k.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		panic(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return map[string]any{"kty": "EC", "crv": "P-256", "x": enc(b[1:33]), "y": enc(b[33:])}
}

// mintDPoP mints a DPoP proof; mutate may change claims and header.
func mintDPoP(t *testing.T, key *ecdsa.PrivateKey, htm, htu, nonce, accessToken string, now time.Time, mutate func(jwt.MapClaims, map[string]any)) string {
	t.Helper()
	claims := jwt.MapClaims{"htm": htm, "htu": htu, "iat": now.Unix(), "jti": uuid.NewString()}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if accessToken != "" {
		claims["ath"] = accessTokenHash(accessToken)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["typ"] = "dpop+jwt"
	tok.Header["jwk"] = publicJWK(key)
	if mutate != nil {
		mutate(claims, tok.Header)
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tokenRequest posts a client-credentials request to the token endpoint.
func tokenRequest(t *testing.T, srv *Server, clientAssertion, scope, dpop string) response {
	t.Helper()
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"scope":                 {scope},
		"client_assertion_type": {jwtBearerAssertion},
		"client_assertion":      {clientAssertion},
	}
	req, err := http.NewRequest(http.MethodPost, srv.URL+tokenPath, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if dpop != "" {
		req.Header.Set("DPoP", dpop)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return response{status: resp.StatusCode, header: resp.Header, body: []byte(b.String())}
}

// bearerToken registers a non-DPoP service app and returns an access token
// carrying scope.
func bearerToken(t *testing.T, srv *Server, clk *fakeClock, scope string) string {
	t.Helper()
	key := newECKey(t)
	clientID := "0oa" + strings.ReplaceAll(uuid.NewString(), "-", "")[:17]
	srv.RegisterServiceApp(clientID, &key.PublicKey, false)
	a := assertion(t, key, jwt.SigningMethodES256, clientID, srv.URL+tokenPath, clk.Now(), nil)
	r := tokenRequest(t, srv, a, scope, "")
	if r.status != http.StatusOK {
		t.Fatalf("token request: %d %s", r.status, r.body)
	}
	var tok tokenResponse
	r.decode(t, &tok)
	return tok.AccessToken
}
