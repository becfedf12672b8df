package oktatest

import (
	"crypto/rand"
	"encoding/base64"
	mrand "math/rand/v2"
	"time"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Okta object IDs are a three-character type prefix plus 17 base62
// characters (20 in all), e.g. "00ub0oNGTSWTBKOLGLNR".
const (
	prefixUser        = "00u"
	prefixGroup       = "00g"
	prefixApp         = "0oa"
	prefixAssignment  = "0ua"
	prefixSession     = "102"
	prefixUserType    = "oty"
	prefixAPIToken    = "00T"
	prefixFactorPush  = "opf"
	prefixFactorSMS   = "mbl"
	prefixFactorTOTP  = "uft"
	prefixFactorWebA  = "fwf"
	prefixFactorEmail = "emf"
	prefixFactorQ     = "ufs"
	prefixFactorCall  = "clf"
	prefixFactorOther = "fct"
)

// oktaID returns an Okta-style ID drawn from r, so a seeded generator gives
// the same IDs on every run.
func oktaID(r *mrand.Rand, prefix string) string {
	return prefix + randString(r, 17)
}

// randString returns n base62 characters drawn from r.
func randString(r *mrand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = base62[r.IntN(len(base62))]
	}
	return string(b)
}

// randomString returns n base62 characters from the process-wide generator.
// It is for identifiers that must look unique but need not be secret or
// reproducible (errorId, X-Okta-Request-Id).
func randomString(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = base62[mrand.IntN(len(base62))]
	}
	return string(b)
}

// secretToken returns an unguessable URL-safe token of n random bytes, for
// access tokens, reset-password tokens and DPoP nonces.
func secretToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// oktaTimeLayout is how Okta renders timestamps: UTC with milliseconds.
const oktaTimeLayout = "2006-01-02T15:04:05.000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(oktaTimeLayout) }

// nullableTime renders t, or JSON null for the zero time, as Okta does for
// activated, lastLogin, passwordChanged and statusChanged.
func nullableTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := formatTime(t)
	return &s
}
