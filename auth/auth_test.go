package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func claims(mod func(*jwt.MapClaims)) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{"iss": "idcmd", "aud": "idcmd", "sub": "xsoar", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "scope": "commands:read commands:write"}
	if mod != nil {
		mod(&c)
	}
	return c
}

func hs(t *testing.T, c jwt.MapClaims) string {
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyHS256(t *testing.T) {
	v, err := NewVerifier(context.Background(), Config{Secret: secret, Issuer: "idcmd", Audience: "idcmd"})
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	rs, _ := jwt.NewWithClaims(jwt.SigningMethodRS256, claims(nil)).SignedString(rsaKey)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	hs512, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, claims(nil)).SignedString(secret)
	cases := map[string]struct {
		token string
		ok    bool
		why   string
	}{
		"valid":          {hs(t, claims(nil)), true, ""},
		"expired":        {hs(t, claims(func(c *jwt.MapClaims) { (*c)["exp"] = time.Now().Add(-time.Hour).Unix() })), false, "expired"},
		"no exp":         {hs(t, claims(func(c *jwt.MapClaims) { delete(*c, "exp") })), false, "exp"},
		"wrong audience": {hs(t, claims(func(c *jwt.MapClaims) { (*c)["aud"] = "other" })), false, "audience"},
		"no audience":    {hs(t, claims(func(c *jwt.MapClaims) { delete(*c, "aud") })), false, "audience"},
		"wrong issuer":   {hs(t, claims(func(c *jwt.MapClaims) { (*c)["iss"] = "evil" })), false, "issuer"},
		"no subject":     {hs(t, claims(func(c *jwt.MapClaims) { delete(*c, "sub") })), false, "subject"},
		"wrong alg RS":   {rs, false, "algorithm"},
		"alg none":       {none, false, "algorithm"},
		"alg HS512":      {hs512, false, "algorithm"},
		"bad signature":  {hs(t, claims(nil))[:20] + "x" + hs(t, claims(nil))[21:], false, ""},
		"garbage":        {"not.a.jwt", false, "malformed"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := v.Verify(tc.token)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				if c.Subject != "xsoar" || len(c.Scopes) != 2 {
					t.Errorf("claims = %+v", c)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.why) {
				t.Errorf("err = %v, want it to mention %q", err, tc.why)
			}
		})
	}
}

func TestScopeClaimAsList(t *testing.T) {
	v, _ := NewVerifier(context.Background(), Config{Secret: secret, Issuer: "idcmd", Audience: "idcmd"})
	tok := hs(t, claims(func(c *jwt.MapClaims) { (*c)["scope"] = []string{"audit:read"} }))
	c, err := v.Verify(tok)
	if err != nil || len(c.Scopes) != 1 || c.Scopes[0] != "audit:read" {
		t.Fatalf("claims = %+v, err = %v", c, err)
	}
}

func TestMintRoundTrip(t *testing.T) {
	tok, err := Mint(secret, "idcmd", "idcmd", "alice", []string{"commands:read"}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	v, _ := NewVerifier(context.Background(), Config{Secret: secret, Issuer: "idcmd", Audience: "idcmd"})
	c, err := v.Verify(tok)
	if err != nil || c.Subject != "alice" || c.Scopes[0] != "commands:read" {
		t.Fatalf("claims = %+v, err = %v", c, err)
	}
	if _, err := Mint(nil, "i", "a", "s", nil, time.Hour, time.Now()); err == nil {
		t.Error("Mint without a secret succeeded")
	}
}

// TestVerifyJWKS checks RS256 and ES256 tokens against a loopback JWKS, and
// that an HS256 token signed with the public key's bytes (the algorithm
// confusion attack) is refused.
func TestVerifyJWKS(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	jwks := map[string]any{"keys": []map[string]string{
		{"kty": "RSA", "kid": "r1", "alg": "RS256", "use": "sig", "n": b64(rsaKey.N.Bytes()), "e": b64(big.NewInt(int64(rsaKey.E)).Bytes())},
		{"kty": "EC", "kid": "e1", "alg": "ES256", "use": "sig", "crv": "P-256", "x": b64(ecKey.X.FillBytes(make([]byte, 32))), "y": b64(ecKey.Y.FillBytes(make([]byte, 32)))},
	}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jwks)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v, err := NewVerifier(ctx, Config{JWKSURL: srv.URL, Issuer: "https://idp.example.com", Audience: "idcmd"})
	if err != nil {
		t.Fatal(err)
	}
	c := claims(func(c *jwt.MapClaims) { (*c)["iss"] = "https://idp.example.com" })
	rt := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	rt.Header["kid"] = "r1"
	rs, _ := rt.SignedString(rsaKey)
	et := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	et.Header["kid"] = "e1"
	es, _ := et.SignedString(ecKey)
	for name, tok := range map[string]string{"RS256": rs, "ES256": es} {
		if _, err := v.Verify(tok); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	ht := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	ht.Header["kid"] = "r1"
	confused, _ := ht.SignedString(rsaKey.N.Bytes())
	if _, err := v.Verify(confused); err == nil {
		t.Error("an HS256 token was accepted by a JWKS-only verifier")
	}
}
