// Package cortexkey is the API-key authentication of the Cortex platform,
// which Cortex XDR, XSOAR 8 and XSIAM share (reference xsoar-xdr-prisma.md
// §2.1, §2.2): a standard key sends the key itself, an advanced key signs a
// fresh nonce and timestamp per request. Key is the client side; Verifier is
// the service side, used by the fakes, so both fakes check exactly what
// both clients send.
package cortexkey

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Header names of the scheme.
const (
	HeaderAuthID    = "x-xdr-auth-id"
	HeaderNonce     = "x-xdr-nonce"
	HeaderTimestamp = "x-xdr-timestamp"
)

// nonceLength and nonceAlphabet are demisto-py's choice for advanced keys:
// 64 characters from [A-Za-z0-9].
const (
	nonceLength   = 64
	nonceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// Key authenticates requests. Use it by pointer: it redacts itself when
// printed, so logging a client (even with %#v) never shows the secret.
type Key struct {
	// ID is sent as x-xdr-auth-id; "" sends none (XSOAR 6).
	ID     string
	Secret string
	// Advanced signs a nonce and timestamp instead of sending the secret.
	Advanced bool
	// Nonce makes a fresh nonce per request; nil means NewNonce. Tests
	// replace it to replay one.
	Nonce func() (string, error)
	// Name labels the key when printed ("xdr API key").
	Name string
}

// Apply sets the authentication headers on one request. An advanced key
// signs a fresh nonce and the current time on every attempt, retries
// included, so a retry is never refused as a replay or as stale.
func (k *Key) Apply(r *http.Request, now time.Time) error {
	if k.ID != "" {
		r.Header.Set(HeaderAuthID, k.ID)
	}
	if !k.Advanced {
		r.Header.Set("Authorization", k.Secret)
		return nil
	}
	newNonce := k.Nonce
	if newNonce == nil {
		newNonce = NewNonce
	}
	nonce, err := newNonce()
	if err != nil {
		return fmt.Errorf("making a nonce: %w", err)
	}
	ts := strconv.FormatInt(now.UnixMilli(), 10)
	r.Header.Set(HeaderNonce, nonce)
	r.Header.Set(HeaderTimestamp, ts)
	r.Header.Set("Authorization", Hash(k.Secret, nonce, ts))
	return nil
}

// String keeps the secret out of any log line that prints the value.
func (k *Key) String() string {
	name := k.Name
	if name == "" {
		name = "API key"
	}
	return name + " " + k.ID + " [redacted]"
}

// GoString keeps the secret out of %#v too.
func (k *Key) GoString() string { return k.String() }

// Hash is an advanced key's Authorization value:
// hex(sha256(key + nonce + timestamp)).
func Hash(secret, nonce, timestamp string) string {
	sum := sha256.Sum256([]byte(secret + nonce + timestamp))
	return hex.EncodeToString(sum[:])
}

// NewNonce returns 64 random characters from [A-Za-z0-9]. Bytes at or
// above the largest multiple of the alphabet size are thrown away, so every
// character is equally likely.
func NewNonce() (string, error) {
	const limit = 256 - 256%len(nonceAlphabet)
	out := make([]byte, 0, nonceLength)
	buf := make([]byte, nonceLength)
	for len(out) < nonceLength {
		if _, err := rand.Read(buf); err != nil {
			return "", err
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < nonceLength {
				out = append(out, nonceAlphabet[int(b)%len(nonceAlphabet)])
			}
		}
	}
	return string(out), nil
}

// ValidNonce accepts 64 characters from [A-Za-z0-9].
func ValidNonce(n string) bool {
	if len(n) != nonceLength {
		return false
	}
	for _, c := range []byte(n) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// MaxSkew is how far an advanced key's timestamp may be from the service's
// clock, either way. The real window is undocumented; five minutes is the
// usual choice for signed requests.
const MaxSkew = 5 * time.Minute

// Verifier checks what Key.Apply sends, as the service does.
type Verifier struct {
	ID, Secret string
	Advanced   bool

	mu      sync.Mutex
	seen    map[string]time.Time // nonce → when it may be forgotten
	sweepAt int
}

// Check reports whether the request's headers authenticate. Only a
// correctly signed request uses its nonce up, so garbage cannot burn
// nonces a real client might pick.
func (v *Verifier) Check(h http.Header, now time.Time) bool {
	auth := h.Get("Authorization")
	if v.ID != "" && !Equal(h.Get(HeaderAuthID), v.ID) {
		return false
	}
	if !v.Advanced {
		return Equal(auth, v.Secret)
	}
	nonce, ts := h.Get(HeaderNonce), h.Get(HeaderTimestamp)
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || !ValidNonce(nonce) {
		return false
	}
	at := time.UnixMilli(ms)
	if at.Before(now.Add(-MaxSkew)) || at.After(now.Add(MaxSkew)) {
		return false
	}
	if !Equal(strings.ToLower(auth), Hash(v.Secret, nonce, ts)) {
		return false
	}
	return v.use(nonce, at.Add(MaxSkew), now)
}

// use records nonce and reports whether it was fresh. Nonces are kept until
// their timestamp is stale anyway (a replay is then refused by the
// timestamp check), and swept in amortised O(1).
func (v *Verifier) use(nonce string, forgetAt, now time.Time) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.seen == nil {
		v.seen, v.sweepAt = map[string]time.Time{}, 1024
	}
	if until, ok := v.seen[nonce]; ok && now.Before(until) {
		return false
	}
	if len(v.seen) >= v.sweepAt {
		for n, until := range v.seen {
			if !now.Before(until) {
				delete(v.seen, n)
			}
		}
		v.sweepAt = max(1024, 2*len(v.seen))
	}
	v.seen[nonce] = forgetAt
	return true
}

// Equal compares in constant time.
func Equal(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
