package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// clock is a settable time for the verifier, safe across goroutines.
type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func newClock(t time.Time) *clock    { c := &clock{}; c.set(t); return c }
func (c *clock) add(d time.Duration) { c.ns.Add(int64(d)) }

// t0 is the tests' "now": whole seconds, as NumericDate keeps them.
var t0 = time.Unix(1_900_000_000, 0)

// cachingVerifier is an HS256 verifier with a 30 s leeway on clock c.
func cachingVerifier(t *testing.T, c *clock) *Verifier {
	t.Helper()
	v, err := NewVerifier(context.Background(), Config{Secret: secret, Issuer: "idcmd", Audience: "idcmd", Leeway: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	v.now = c.now
	return v
}

// tokenAt is an HS256 token issued at iat that expires ttl later.
func tokenAt(t *testing.T, iat time.Time, ttl time.Duration, mod func(*jwt.MapClaims)) string {
	t.Helper()
	return hs(t, claims(func(c *jwt.MapClaims) {
		(*c)["iat"], (*c)["exp"] = iat.Unix(), iat.Add(ttl).Unix()
		if mod != nil {
			mod(c)
		}
	}))
}

// forgetSecret swaps the verifier's secret, so that from then on only the
// cache can accept a token signed with the real one: what is accepted
// after this came from the cache, what is refused did not.
func forgetSecret(v *Verifier) { v.secret = []byte("another-secret-0123456789abcdef0123") }

func mustVerify(t *testing.T, v *Verifier, tok, when string) {
	t.Helper()
	if _, err := v.Verify(tok); err != nil {
		t.Fatalf("%s: %v", when, err)
	}
}

func mustRefuse(t *testing.T, v *Verifier, tok, when, why string) {
	t.Helper()
	_, err := v.Verify(tok)
	if err == nil {
		t.Fatalf("%s: accepted", when)
	}
	if !strings.Contains(err.Error(), why) {
		t.Fatalf("%s: %v, want %q", when, err, why)
	}
}

// TestCachedTokenExpiresOnTime: a cached token is served until its exp
// and not a second longer; past exp the uncached check decides, with its
// leeway, exactly as without a cache.
func TestCachedTokenExpiresOnTime(t *testing.T) {
	c := newClock(t0)
	v := cachingVerifier(t, c)
	tok := tokenAt(t, t0, time.Hour, nil)
	mustVerify(t, v, tok, "at issue")
	if v.cache.len() != 1 {
		t.Fatalf("cache holds %d tokens, want 1", v.cache.len())
	}
	forgetSecret(v)
	c.set(t0.Add(time.Hour - time.Second))
	mustVerify(t, v, tok, "a second before exp, from the cache")
	c.set(t0.Add(time.Hour))
	mustRefuse(t, v, tok, "at exp, with the cache the only way to accept it", "signature does not verify")
	if v.cache.len() != 0 {
		t.Errorf("the expired entry is still cached")
	}

	// With the real secret: the leeway past exp is the parser's, as before.
	v.secret = secret
	c.set(t0.Add(time.Hour + 10*time.Second))
	mustVerify(t, v, tok, "10 s past exp, within the leeway")
	if v.cache.len() != 0 {
		t.Errorf("a token past its exp was cached")
	}
	c.set(t0.Add(time.Hour + 31*time.Second))
	mustRefuse(t, v, tok, "31 s past exp", "expired")
}

// TestCachedTokenNotBeforeHolds: a token accepted within the leeway before
// its nbf is not served from the cache once the clock is set back past
// what the parser allows (nbf and iat, less the leeway).
func TestCachedTokenNotBeforeHolds(t *testing.T) {
	c := newClock(t0)
	v := cachingVerifier(t, c)
	tok := tokenAt(t, t0, time.Hour, func(m *jwt.MapClaims) { (*m)["nbf"] = t0.Add(20 * time.Second).Unix() })
	mustVerify(t, v, tok, "20 s before nbf, within the leeway")
	c.set(t0.Add(-20 * time.Second))
	mustRefuse(t, v, tok, "clock set back 20 s", "not valid yet")
	c.set(t0.Add(-9 * time.Second))
	mustVerify(t, v, tok, "29 s before nbf")
}

// TestCacheKeyIsTheExactToken: a token that differs from a cached one in a
// single byte is verified in full, even where that byte does not change
// what the token decodes to (the unused low bits of the signature's last
// base64url character, which golang-jwt's lenient decoding ignores).
func TestCacheKeyIsTheExactToken(t *testing.T) {
	c := newClock(t0)
	v := cachingVerifier(t, c)
	tok := tokenAt(t, t0, time.Hour, nil)
	mustVerify(t, v, tok, "original")

	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, tok[len(tok)-1])
	samePayload := tok[:len(tok)-1] + string(alphabet[last^1])
	fresh := cachingVerifier(t, c)
	mustVerify(t, fresh, samePayload, "the padding-bit variant, on a verifier without a cache entry")

	mid := len(tok) - 10
	flipped := tok[:mid] + string(alphabet[(strings.IndexByte(alphabet, tok[mid])+1)%64]) + tok[mid+1:]
	dot := strings.IndexByte(tok, '.') + 5
	payload := tok[:dot] + string(alphabet[(strings.IndexByte(alphabet, tok[dot])+1)%64]) + tok[dot+1:]

	forgetSecret(v)
	mustVerify(t, v, tok, "the cached token")
	for name, variant := range map[string]string{"padding bit": samePayload, "signature byte": flipped, "payload byte": payload} {
		if variant == tok {
			t.Fatalf("%s: the variant is the token", name)
		}
		if _, err := v.Verify(variant); err == nil {
			t.Errorf("%s: a token one byte off the cached one was accepted without verification", name)
		}
	}
}

// TestCacheIsBounded: the cache holds at most maxCachedTokens; the least
// recently used one is forgotten first.
func TestCacheIsBounded(t *testing.T) {
	c := newClock(t0)
	v := cachingVerifier(t, c)
	toks := make([]string, maxCachedTokens+10)
	for i := range toks {
		toks[i] = tokenAt(t, t0, time.Hour, func(m *jwt.MapClaims) { (*m)["sub"] = fmt.Sprintf("caller-%d", i) })
		mustVerify(t, v, toks[i], toks[i])
	}
	if n := v.cache.len(); n != maxCachedTokens {
		t.Fatalf("cache holds %d tokens, want %d", n, maxCachedTokens)
	}
	forgetSecret(v)
	for i := range 10 {
		if _, err := v.Verify(toks[i]); err == nil {
			t.Errorf("token %d, among the least recently used, is still cached", i)
		}
	}
	mustVerify(t, v, toks[len(toks)-1], "the most recent token")
}

// TestCacheConcurrent verifies valid and invalid tokens from many
// goroutines while the clock passes some tokens' expiry; run with -race.
func TestCacheConcurrent(t *testing.T) {
	c := newClock(t0)
	v := cachingVerifier(t, c)
	var short, long, bad []string
	for i := range 20 {
		sub := func(m *jwt.MapClaims) { (*m)["sub"] = fmt.Sprintf("caller-%d", i) }
		short = append(short, tokenAt(t, t0, time.Hour, sub))
		long = append(long, tokenAt(t, t0, 10*time.Hour, sub))
		b := []byte(long[i])
		b[len(b)-10] ^= 1 // still base64url: the signature no longer verifies
		bad = append(bad, string(b))
	}
	check := func(phase string, shortOK bool) {
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 20 {
					for i := range short {
						if _, err := v.Verify(short[i]); (err == nil) != shortOK {
							t.Errorf("%s: short-lived token %d: %v", phase, i, err)
						}
						if _, err := v.Verify(long[i]); err != nil {
							t.Errorf("%s: long-lived token %d: %v", phase, i, err)
						}
						if _, err := v.Verify(bad[i]); err == nil {
							t.Errorf("%s: bad token %d accepted", phase, i)
						}
					}
				}
			}()
		}
		wg.Wait()
	}
	check("before", true)
	c.add(2 * time.Hour)
	check("after the short-lived ones expired", false)
}

// jwksServer serves a key set that the test can change.
type jwksServer struct {
	mu   sync.Mutex
	keys map[string]*rsa.PublicKey
}

func (s *jwksServer) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	set := []map[string]string{}
	for kid, k := range s.keys {
		set = append(set, map[string]string{"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
			"n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())})
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"keys": set})
}

func (s *jwksServer) set(kid string, k *rsa.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k == nil {
		delete(s.keys, kid)
	} else {
		s.keys[kid] = k
	}
}

func rs256(t *testing.T, key *rsa.PrivateKey, kid string, c *clock) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims(func(m *jwt.MapClaims) {
		(*m)["iss"], (*m)["iat"], (*m)["exp"] = "https://idp.example.com", c.now().Unix(), c.now().Add(time.Hour).Unix()
	}))
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCachedTokenEndsWithItsKey: once the IdP's key set no longer holds the
// key that verified a cached token (removed, or its kid now names another
// key), the token is refused as the uncached check would refuse it.
func TestCachedTokenEndsWithItsKey(t *testing.T) {
	k1, _ := rsa.GenerateKey(rand.Reader, 2048)
	k2, _ := rsa.GenerateKey(rand.Reader, 2048)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	for name, change := range map[string]func(s *jwksServer){
		"key removed":  func(s *jwksServer) { s.set("k1", nil) },
		"key replaced": func(s *jwksServer) { s.set("k1", &k2.PublicKey) },
	} {
		t.Run(name, func(t *testing.T) {
			js := &jwksServer{keys: map[string]*rsa.PublicKey{"k1": &k1.PublicKey}}
			srv := httptest.NewServer(js)
			defer srv.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			v, err := NewVerifier(ctx, Config{JWKSURL: srv.URL, Issuer: "https://idp.example.com", Audience: "idcmd"})
			if err != nil {
				t.Fatal(err)
			}
			c := newClock(time.Now().Truncate(time.Second))
			v.now = c.now
			tok := rs256(t, k1, "k1", c)
			mustVerify(t, v, tok, "first")
			mustVerify(t, v, tok, "from the cache")
			if v.cache.len() != 1 {
				t.Fatalf("cache holds %d tokens, want 1", v.cache.len())
			}
			change(js)
			// A token with a kid the verifier does not know makes it fetch
			// the key set again (the hourly refresh, brought forward).
			_, _ = v.Verify(rs256(t, other, "unknown", c))
			if _, err := v.Verify(tok); err == nil {
				t.Fatal("a cached token was accepted after its key left the key set")
			}
		})
	}
}
