package auth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestCriticalHeaderRefused: a token naming critical header parameters is
// refused whatever they are (idcmd understands none), even when its
// signature, algorithm and claims are all good.
func TestCriticalHeaderRefused(t *testing.T) {
	v, err := NewVerifier(context.Background(), Config{Secret: secret, Issuer: "idcmd", Audience: "idcmd"})
	if err != nil {
		t.Fatal(err)
	}
	for name, crit := range map[string]any{
		"unknown extension": []string{"exp-policy"},
		"registered name":   []string{"b64"},
		"empty list":        []string{},
		"not a list":        "x",
	} {
		t.Run(name, func(t *testing.T) {
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(nil))
			tok.Header["crit"] = crit
			if m, ok := crit.([]string); ok && len(m) > 0 {
				tok.Header[m[0]] = true
			}
			s, err := tok.SignedString(secret)
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(s)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "crit") {
				t.Fatalf("err = %v, want a refusal naming crit", err)
			}
		})
	}
}

// TestDatesMustBeNumbers: exp, nbf and iat as strings (which golang-jwt
// alone reads as numbers) or other non-numbers are refused; numbers,
// fractional ones included, pass.
func TestDatesMustBeNumbers(t *testing.T) {
	v, err := NewVerifier(context.Background(), Config{Secret: secret, Issuer: "idcmd", Audience: "idcmd"})
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour).Unix()
	now := time.Now().Unix()
	cases := map[string]struct {
		claim string
		value any
		ok    bool
	}{
		"exp number":          {"exp", later, true},
		"exp fraction":        {"exp", float64(later) + 0.5, true},
		"exp numeric string":  {"exp", "9999999999", false},
		"exp word":            {"exp", "tomorrow", false},
		"exp bool":            {"exp", true, false},
		"exp object":          {"exp", map[string]int{"n": 1}, false},
		"nbf numeric string":  {"nbf", "1", false},
		"iat numeric string":  {"iat", "1", false},
		"iat array":           {"iat", []int64{now}, false},
		"nbf number":          {"nbf", now - 10, true},
		"exp string far past": {"exp", "1", false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			tok := hs(t, claims(func(c *jwt.MapClaims) { (*c)[tc.claim] = tc.value }))
			_, err := v.Verify(tok)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "must be JSON numbers") {
				t.Fatalf("err = %v, want a refusal saying the dates must be numbers", err)
			}
		})
	}
}

// TestJWKSURLRule: https:// anywhere, http:// only to loopback.
func TestJWKSURLRule(t *testing.T) {
	cases := map[string]bool{
		"https://idp.example.com/oauth2/v1/keys":                          true,
		"https://login.example.com/tenant/discovery/keys?appid=1":         true,
		"http://127.0.0.1:8081/keys":                                      true,
		"http://localhost/keys":                                           true,
		"http://[::1]:9000/keys":                                          true,
		"http://idp.example.com/keys":                                     false,
		"http://10.0.0.5/keys":                                            false,
		"http://127.0.0.1.attacker.example/keys":                          false,
		"ftp://idp.example.com/keys":                                      false,
		"idp.example.com/keys":                                            false,
		"https://user:pass@idp.example.com/keys":                          false,
		"https:///keys":                                                   false,
		"http://localhost.attacker.example:80/.well-known/jwks.json":      false,
		"HTTPS://IDP.EXAMPLE.COM/keys":                                    true,
		"https://idp.example.com:8443/.well-known/jwks.json#ignored-frag": true,
	}
	for raw, ok := range cases {
		err := CheckJWKSURL(raw)
		if ok && err != nil {
			t.Errorf("%s refused: %v", raw, err)
		}
		if !ok && err == nil {
			t.Errorf("%s accepted", raw)
		}
	}
	// NewVerifier applies the rule too.
	_, err := NewVerifier(context.Background(), Config{JWKSURL: "http://idp.example.com/keys", Issuer: "i", Audience: "a"})
	if err == nil || !strings.Contains(err.Error(), "https") {
		t.Errorf("NewVerifier with an http:// JWKS: err = %v", err)
	}
}

// TestJWKSRedirectRule: the key set fetch follows a redirect only where
// the URL rule allows, so https:// cannot be sent on to plain http://.
func TestJWKSRedirectRule(t *testing.T) {
	req := func(raw string) *http.Request {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return &http.Request{URL: u}
	}
	first := []*http.Request{req("https://idp.example.com/keys")}
	if err := jwksRedirect(req("https://cdn.example.com/keys"), first); err != nil {
		t.Errorf("https → https refused: %v", err)
	}
	if err := jwksRedirect(req("http://cdn.example.com/keys"), first); err == nil {
		t.Error("https → http:// (not loopback) followed")
	}
	many := []*http.Request{first[0], first[0], first[0], first[0], first[0]}
	if err := jwksRedirect(req("https://cdn.example.com/keys"), many); err == nil {
		t.Error("a sixth redirect followed")
	}
}
