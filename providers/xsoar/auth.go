package xsoar

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Header names of XSOAR 8 / XSIAM API key authentication (reference §2.1).
// XSOAR 6 uses Authorization alone.
const (
	headerAuthID    = "x-xdr-auth-id"
	headerNonce     = "x-xdr-nonce"
	headerTimestamp = "x-xdr-timestamp"
)

// nonceLength and nonceAlphabet are demisto-py's choice for advanced keys
// (reference §2.1): 64 characters from [A-Za-z0-9].
const (
	nonceLength   = 64
	nonceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// apiKey authenticates every attempt. It is always used by pointer and
// redacts itself when printed, so logging a Client (even with %#v) never
// shows the secret.
type apiKey struct {
	id       string // "" for XSOAR 6
	secret   string
	advanced bool
	// nonce makes a fresh nonce per attempt; tests replace it to replay one.
	nonce func() (string, error)
}

// apply sets the authentication headers on one attempt:
//
//   - XSOAR 6: Authorization: <key>;
//   - XSOAR 8 standard key: the same plus x-xdr-auth-id: <key id>;
//   - XSOAR 8 advanced key: x-xdr-auth-id, x-xdr-nonce (64 random
//     characters), x-xdr-timestamp (Unix milliseconds) and Authorization:
//     hex(sha256(key + nonce + timestamp)).
//
// An advanced key signs a fresh nonce and the current time on every
// attempt, retries included, so a retry is never refused as a replay.
func (k *apiKey) apply(r *http.Request, now time.Time) error {
	if k.id != "" {
		r.Header.Set(headerAuthID, k.id)
	}
	if !k.advanced {
		r.Header.Set("Authorization", k.secret)
		return nil
	}
	nonce, err := k.nonce()
	if err != nil {
		return fmt.Errorf("making a nonce: %w", err)
	}
	ts := strconv.FormatInt(now.UnixMilli(), 10)
	r.Header.Set(headerNonce, nonce)
	r.Header.Set(headerTimestamp, ts)
	r.Header.Set("Authorization", advancedHash(k.secret, nonce, ts))
	return nil
}

// String keeps the secret out of any log line that prints the value.
func (k *apiKey) String() string {
	if k.id == "" {
		return "xsoar API key [redacted]"
	}
	return "xsoar API key " + k.id + " [redacted]"
}

// GoString keeps the secret out of %#v too.
func (k *apiKey) GoString() string { return k.String() }

// advancedHash is the Authorization value of an advanced key:
// hex(sha256(key + nonce + timestamp)) (reference §2.1, demisto-py).
func advancedHash(key, nonce, timestamp string) string {
	sum := sha256.Sum256([]byte(key + nonce + timestamp))
	return hex.EncodeToString(sum[:])
}

// newNonce returns nonceLength random characters from nonceAlphabet.
// Bytes at or above the largest multiple of the alphabet size are thrown
// away, so every character is equally likely.
func newNonce() (string, error) {
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
