package xdrtest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxSkew is how far an advanced key's timestamp may be from the fake's
// clock, either way, before the request is refused as stale. XDR's window
// is undocumented; five minutes is the usual choice for signed requests.
const maxSkew = 5 * time.Minute

// authenticate checks the API key headers as XDR does (reference §2.2).
// Every failure is the same 401, which says nothing about what was wrong.
func (s *Server) authenticate(r *http.Request, now time.Time) *apiError {
	if !equal(r.Header.Get("x-xdr-auth-id"), s.APIKeyID) {
		return errUnauthorized()
	}
	auth := r.Header.Get("Authorization")
	if !s.Advanced {
		if !equal(auth, s.APIKey) {
			return errUnauthorized()
		}
		return nil
	}
	nonce := r.Header.Get("x-xdr-nonce")
	ts := r.Header.Get("x-xdr-timestamp")
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || !validNonce(nonce) {
		return errUnauthorized()
	}
	at := time.UnixMilli(ms)
	if at.Before(now.Add(-maxSkew)) || at.After(now.Add(maxSkew)) {
		return errUnauthorized()
	}
	sum := sha256.Sum256([]byte(s.APIKey + nonce + ts))
	if !equal(strings.ToLower(auth), hex.EncodeToString(sum[:])) {
		return errUnauthorized()
	}
	// Only a correctly signed request uses its nonce up, so garbage cannot
	// burn nonces a real client might pick.
	if !s.nonces.use(nonce, at.Add(maxSkew), now) {
		return errUnauthorized()
	}
	return nil
}

// equal compares in constant time, so the fake does not teach clients to
// rely on anything else.
func equal(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// validNonce accepts 64 characters from [A-Za-z0-9], what demisto-py
// sends (reference §2.1).
func validNonce(n string) bool {
	if len(n) != 64 {
		return false
	}
	for _, c := range []byte(n) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// nonceCache remembers the nonces of accepted requests until their
// timestamp is stale anyway, after which a replay is refused by the
// timestamp check instead.
type nonceCache struct {
	mu   sync.Mutex
	seen map[string]time.Time // nonce → when it may be forgotten
	// sweepAt is the size at which forgettable nonces are swept out; it
	// doubles with what survives a sweep, so sweeping stays amortised O(1).
	sweepAt int
}

// use records nonce and reports whether it was fresh.
func (c *nonceCache) use(nonce string, forgetAt, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if until, ok := c.seen[nonce]; ok && now.Before(until) {
		return false
	}
	if len(c.seen) >= c.sweepAt {
		for n, until := range c.seen {
			if !now.Before(until) {
				delete(c.seen, n)
			}
		}
		c.sweepAt = max(1024, 2*len(c.seen))
	}
	c.seen[nonce] = forgetAt
	return true
}
