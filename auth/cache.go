package auth

import (
	"crypto"
	"crypto/sha256"
	"time"
	"unsafe"

	"github.com/golang-jwt/jwt/v5"
	lru "github.com/hashicorp/golang-lru/v2"
)

// maxCachedTokens bounds the verified-token cache. A deployment presents a
// few dozen tokens at a time (one per integration, playbook or responder,
// renewed hourly at most), so 4,096 keeps every token in use while bounding
// the cache at about a megabyte. Only tokens that verified enter it, so a
// caller without a valid token cannot fill it.
const maxCachedTokens = 4096

// tokenCache remembers the tokens that verified, by the SHA-256 of the
// exact token string, so a caller presenting the same token on every call
// (as a playbook's integration does) pays the signature check and the JSON
// parsing once, not once a call. It keeps the digest, not the token: a
// heap dump or a core file then holds no bearer token that outlives its
// request. A token differing in any byte has another digest, so it is
// verified in full.
//
// An entry is never served where the uncached path would refuse the token:
//   - it is dropped at the token's exp (the uncached path accepts up to the
//     leeway past exp; a token in that window is simply verified again);
//   - it is served only from max(nbf, iat) less the leeway, as the parser
//     checks them, so a clock set back does not bring a token forward;
//   - for a public-key token, the key its kid names in the JWKS now must be
//     the key that verified it: a key the IdP removed or replaced (the key
//     set is refreshed hourly, and at once for an unknown kid) ends the
//     entries it verified. A public-key token without a kid, checked against
//     every key of the set, is not cached.
//
// The HS256 secret and the issuer, audience and algorithm rules cannot
// change while idcmd runs, so an entry needs no other check.
type tokenCache struct {
	lru *lru.Cache[[sha256.Size]byte, cachedToken]
}

// cachedToken is what a verified token is remembered as.
type cachedToken struct {
	claims Claims
	// validFrom is nbf or iat (the later) less the leeway; expires is exp.
	validFrom, expires time.Time
	// key is the public key that verified the token, and header the kid and
	// alg to look it up again by; both nil for an HMAC token.
	key    crypto.PublicKey
	header *jwt.Token
}

func newTokenCache(size int) *tokenCache {
	c, err := lru.New[[sha256.Size]byte, cachedToken](size)
	if err != nil {
		panic(err) // only for a size ≤ 0, a programming error
	}
	return &tokenCache{lru: c}
}

// get returns the entry for digest when it may be served at now, and drops
// it once it has expired.
func (c *tokenCache) get(digest [sha256.Size]byte, now time.Time) (cachedToken, bool) {
	e, ok := c.lru.Get(digest)
	if !ok {
		return cachedToken{}, false
	}
	if !now.Before(e.expires) {
		c.lru.Remove(digest)
		return cachedToken{}, false
	}
	if now.Before(e.validFrom) {
		return cachedToken{}, false
	}
	return e, true
}

func (c *tokenCache) add(digest [sha256.Size]byte, e cachedToken) { c.lru.Add(digest, e) }

// len is how many tokens the cache holds.
func (c *tokenCache) len() int { return c.lru.Len() }

// digest is the cache key of a token. It hashes the string's bytes in
// place: a []byte copy of every token would be the cache hit's only
// allocation, and Sum256 only reads them.
func digest(token string) [sha256.Size]byte {
	return sha256.Sum256(unsafe.Slice(unsafe.StringData(token), len(token)))
}

// entryFor builds the cache entry of a token that verified, or says it is
// not to be cached. key is what keyFor returned for it.
func (v *Verifier) entryFor(t *jwt.Token, tc *tokenClaims, c Claims, key any) (cachedToken, bool) {
	if tc.ExpiresAt == nil { // the parser requires exp; never cache without it
		return cachedToken{}, false
	}
	e := cachedToken{claims: c, expires: tc.ExpiresAt.Time}
	for _, d := range []*jwt.NumericDate{tc.NotBefore, tc.IssuedAt} {
		if d != nil && d.Add(-v.leeway).After(e.validFrom) {
			e.validFrom = d.Add(-v.leeway)
		}
	}
	if _, hmac := t.Method.(*jwt.SigningMethodHMAC); hmac {
		return e, true
	}
	kid, ok := t.Header["kid"].(string)
	if _, set := key.(jwt.VerificationKeySet); !ok || set || key == nil {
		return cachedToken{}, false
	}
	e.key = key
	e.header = &jwt.Token{Method: t.Method, Header: map[string]any{"kid": kid, "alg": t.Method.Alg()}}
	return e, true
}

// stillKeyed reports whether the key that verified a cached public-key
// token is still the one the key set names for its kid.
func (v *Verifier) stillKeyed(e cachedToken) bool {
	if e.header == nil {
		return true // HMAC: the secret cannot change while idcmd runs
	}
	now, err := v.keyFor(e.header)
	if err != nil {
		return false
	}
	k, ok := now.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(e.key)
}
