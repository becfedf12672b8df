package pingone

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strings"

	"github.com/idcmd/idcmd/providers/httpx"
)

// An administrator setting a user's password: PUT /users/{id}/password
// with application/vnd.pingidentity.password.set+json {"value",
// "forceChange"} (reference §3 "Admin set password"; the spec's "UPDATE
// Password (Set)").

const (
	contentTypePasswordSet = "application/vnd.pingidentity.password.set+json"
	opSetPassword          = "setPassword"
)

// SetPassword sets the user's password to value; with forceChange the
// user must change it at the next sign-on (status MUST_CHANGE_PASSWORD).
// A value the environment's password policy refuses is Invalid, with
// PingOne's reasons in the causes. It is re-sent only after a 429: had a
// first attempt gone through, the repeat would be refused because a new
// password may not equal the current one.
//
// value is a credential: it is sent in the body only, never logged, and
// left out of every error this returns.
func (c *Client) SetPassword(ctx context.Context, userID, value string, forceChange bool) error {
	p, err := userPath(userID, "/password")
	if err != nil {
		return err
	}
	if value == "" {
		return invalid("a password is required")
	}
	body, err := json.Marshal(struct {
		Value       string `json:"value"`
		ForceChange bool   `json:"forceChange"`
	}{value, forceChange})
	if err != nil {
		return fmt.Errorf("pingone: encode password: %w", err)
	}
	_, err = c.do(ctx, call{
		op: opSetPassword, method: http.MethodPut, url: c.endpoint(p, nil),
		contentType: contentTypePasswordSet, body: body, retry: httpx.RetryRateLimited,
	})
	return err
}

// GeneratedPasswordLength is the length of NewPassword's passwords: the
// longest minimum a PingOne password policy may set (length.min is 8 to
// 32), so no policy's length rule refuses one.
const GeneratedPasswordLength = 32

// Character sets of a generated password. The special characters are
// those PingOne's policies count (minCharacters) less the ones that are
// awkward to hand over: quotes, backslash, '|' (a Markdown table cell),
// '<', '>' and '&' (escaped by JSON encoders), brackets and braces.
const (
	passwordUpper   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	passwordLower   = "abcdefghijklmnopqrstuvwxyz"
	passwordDigits  = "0123456789"
	passwordSpecial = "!@#$%^*-_=+.?:~"
	// minPerClass is how many characters of each set a generated password
	// has: more than any policy in use asks for one of each.
	minPerClass = 3
)

// sequenceRows are the runs PingOne's sequence rules forbid (alphabet,
// number, QWERTY and shifted number row sequences), compared in lower
// case, forwards and backwards.
var sequenceRows = []string{passwordLower, passwordDigits, "qwertyuiop", "asdfghjkl", "zxcvbnm", "!@#$%^&*()"}

// NewPassword returns a random password from crypto/rand that passes
// PingOne's built-in policies (Standard, Passphrase, Basic) and the
// optional rules of a custom one: 32 characters with at least three
// upper-case letters, lower-case letters, digits and special characters,
// no character twice in a row, and no three-character alphabet, number or
// keyboard sequence. About 200 bits of entropy.
func NewPassword() (string, error) {
	alphabet := passwordUpper + passwordLower + passwordDigits + passwordSpecial
	for {
		b := make([]byte, 0, GeneratedPasswordLength)
		for len(b) < GeneratedPasswordLength {
			n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
			if err != nil {
				return "", fmt.Errorf("pingone: generate password: %w", err)
			}
			ch := alphabet[n.Int64()]
			if k := len(b); k > 0 && b[k-1] == ch || k > 1 && isSequence(b[k-2], b[k-1], ch) {
				continue
			}
			b = append(b, ch)
		}
		if pw := string(b); classCount(pw) {
			return pw, nil
		}
	}
}

// classCount reports whether pw has minPerClass characters of each set.
func classCount(pw string) bool {
	for _, set := range []string{passwordUpper, passwordLower, passwordDigits, passwordSpecial} {
		n := 0
		for _, r := range pw {
			if strings.ContainsRune(set, r) {
				n++
			}
		}
		if n < minPerClass {
			return false
		}
	}
	return true
}

// isSequence reports whether a, b, c are three neighbours of a sequence
// row, in either direction, ignoring case.
func isSequence(a, b, c byte) bool {
	s := strings.ToLower(string([]byte{a, b, c}))
	r := []byte(s)
	rev := string([]byte{r[2], r[1], r[0]})
	for _, row := range sequenceRows {
		if strings.Contains(row, s) || strings.Contains(row, rev) {
			return true
		}
	}
	return false
}
