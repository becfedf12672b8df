package pingonetest

import (
	"crypto/sha256"
	"regexp"
	"strings"
	"unicode/utf8"
)

// PasswordPolicy is the environment's password policy, in the terms of
// spec schema PasswordPolicy. The zero value enforces nothing; the fake
// starts with StandardPasswordPolicy, PingOne's default ("Standard") policy.
// Whatever the policy, a new password may not equal the current one
// (always enabled in PingOne).
type PasswordPolicy struct {
	// MinLength and MaxLength bound the length in characters (length.min,
	// length.max); 0 is not enforced.
	MinLength, MaxLength int
	// MinUpper, MinLower, MinDigits and MinSpecial are minCharacters: how
	// many characters of each set must appear. Special characters are
	// those of PasswordSpecialCharacters.
	MinUpper, MinLower, MinDigits, MinSpecial int
	// MaxRepeatedCharacters is how many times one character may appear in
	// a row; 0 is not enforced.
	MaxRepeatedCharacters int
	// MinUniqueCharacters is how many distinct characters are needed.
	MinUniqueCharacters int
	// ExcludesProfileData refuses a password equal to one of the user's
	// attribute values (username, e-mail, names).
	ExcludesProfileData bool
	// ExcludesCommonlyUsed refuses the commonly used passwords.
	ExcludesCommonlyUsed bool
}

// PasswordSpecialCharacters are the special characters minCharacters
// counts (spec PasswordPolicy.minCharacters).
const PasswordSpecialCharacters = "~!@#$%^&*()-_=+[]{}|;:,.<>/?"

// StandardPasswordPolicy is PingOne's built-in default policy: 8 to 255
// characters with at least one upper-case letter, lower-case letter, digit
// and special character, no character more than twice in a row, at least
// five distinct characters, not a profile value and not a common password.
var StandardPasswordPolicy = PasswordPolicy{
	MinLength: 8, MaxLength: 255,
	MinUpper: 1, MinLower: 1, MinDigits: 1, MinSpecial: 1,
	MaxRepeatedCharacters: 2, MinUniqueCharacters: 5,
	ExcludesProfileData: true, ExcludesCommonlyUsed: true,
}

// SetPasswordPolicy replaces the environment's password policy, so a test
// can make PingOne refuse a password idcmd would otherwise set.
func (e *Env) SetPasswordPolicy(p PasswordPolicy) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.passwordPolicy = p
}

// commonPasswords stands in for PingOne's list of commonly used passwords.
var commonPasswords = map[string]bool{
	"password": true, "password1": true, "password1!": true, "p@ssw0rd": true, "p@ssw0rd1": true,
	"123456789": true, "qwerty123": true, "welcome1!": true, "welcome@123": true, "letmein1!": true,
}

// hashedValue matches a pre-hashed password ({SSHA512}...), which PingOne
// accepts for a set and cannot check against the policy.
var hashedValue = regexp.MustCompile(`^\{[A-Z0-9-]+\}`)

// unsatisfied returns the requirements (by their PasswordPolicy property
// names) that pw fails for u; nil when it passes.
func (p PasswordPolicy) unsatisfied(u *user, pw string) []string {
	if hashedValue.MatchString(pw) {
		return nil
	}
	var out []string
	n := utf8.RuneCountInString(pw)
	if p.MinLength > 0 && n < p.MinLength || p.MaxLength > 0 && n > p.MaxLength {
		out = append(out, "length")
	}
	var upper, lower, digits, special, run, maxRun int
	unique := map[rune]bool{}
	var prev rune
	for _, r := range pw {
		switch {
		case r >= 'A' && r <= 'Z':
			upper++
		case r >= 'a' && r <= 'z':
			lower++
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(PasswordSpecialCharacters, r):
			special++
		}
		if r == prev {
			run++
		} else {
			run = 1
		}
		maxRun, prev = max(maxRun, run), r
		unique[r] = true
	}
	if upper < p.MinUpper || lower < p.MinLower || digits < p.MinDigits || special < p.MinSpecial {
		out = append(out, "minCharacters")
	}
	if p.MaxRepeatedCharacters > 0 && maxRun > p.MaxRepeatedCharacters {
		out = append(out, "maxRepeatedCharacters")
	}
	if len(unique) < p.MinUniqueCharacters {
		out = append(out, "minUniqueCharacters")
	}
	if p.ExcludesProfileData {
		for _, v := range []string{u.username, u.email, u.given, u.family} {
			if v != "" && strings.EqualFold(pw, v) {
				out = append(out, "excludesProfileData")
				break
			}
		}
	}
	if p.ExcludesCommonlyUsed && commonPasswords[strings.ToLower(pw)] {
		out = append(out, "excludesCommonlyUsed")
	}
	return out
}

// checkNewPassword applies the policy to a new password for u and refuses
// it as PingOne does: 400 INVALID_DATA with an INVALID_VALUE detail whose
// innerError lists the unsatisfied requirements. target names the body
// field that held it.
func (e *Env) checkNewPassword(u *user, target, pw string) *apiError {
	failed := e.passwordPolicy.unsatisfied(u, pw)
	if u.pwd.valueHash != ([32]byte{}) && u.pwd.valueHash == sha256.Sum256([]byte(pw)) {
		failed = append(failed, "notSameAsCurrent")
	}
	if len(failed) == 0 {
		return nil
	}
	return errInvalidData(errorDetail{
		Code: detailInvalidValue, Target: target,
		Message:    "User password did not satisfy password policy requirements",
		InnerError: &innerError{UnsatisfiedRequirements: failed},
	})
}

// CheckPassword returns the requirements of p that pw fails for a user
// without profile data; nil when it passes. Tests of password generators
// use it.
func CheckPassword(p PasswordPolicy, pw string) []string {
	return p.unsatisfied(&user{}, pw)
}
