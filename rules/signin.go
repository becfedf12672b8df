package rules

import (
	"strings"

	"github.com/idcmd/idcmd/events"
)

// eventKind is what an event is to the detectors.
type eventKind int

const (
	otherEvent eventKind = iota
	// signInSucceeded is one successful interactive sign-in: one event per
	// sign-in, so that a detector fires once for it.
	signInSucceeded
	// signInFailed is a sign-in refused at the password or by policy.
	signInFailed
	// mfaFailed is a second factor denied, failed or timed out.
	mfaFailed
)

// The event types, from the providers' real audit trails (okta.md §4,
// pingone.md §4.6) and what the fakes' seeds and bursts emit.
//
// Okta: a sign-in is user.session.start (SUCCESS, or FAILURE with
// INVALID_CREDENTIALS, LOCKED_OUT, ...); user.authentication.auth_via_mfa
// and user.authentication.sso are steps of a sign-in or a session, not
// sign-ins of their own, so they are not counted twice. Failed MFA is
// user.mfa.okta_verify.deny_push (push denied),
// user.mfa.factor.attempt_fail, and user.authentication.auth_via_mfa with
// outcome FAILURE (push ignored or timed out, wrong code).
//
// PingOne has no sign-in event of its own: a sign-on flow leaves
// AUTHENTICATION.CREATED, PASSWORD.CHECK_*, OTP.CHECK_*, AUTHENTICATION.UPDATED
// and, when it succeeds, SESSION.CREATED. The session is the sign-in (one
// per flow; PASSWORD.CHECK_SUCCEEDED is only the first factor, and an MFA
// fatigue attack passes it). A failed sign-in is PASSWORD.CHECK_FAILED or
// USER.ACCESS_DENIED (the SOPs' USER_LOGIN_FAILED); failed MFA is
// OTP.CHECK_FAILED, OTP.CHECK_INVALID and ASSERTION.CHECK_FAILED (of the
// SOPs' MFA_VERIFY_FAILED, the checks a user answers: a failed device
// activation or a locked device is not a prompt denied).
var (
	oktaMFAFailures    = map[string]bool{"user.mfa.okta_verify.deny_push": true, "user.mfa.factor.attempt_fail": true}
	pingOneMFAFailures = map[string]bool{"OTP.CHECK_FAILED": true, "OTP.CHECK_INVALID": true, "ASSERTION.CHECK_FAILED": true}
	pingOneFailures    = map[string]bool{"PASSWORD.CHECK_FAILED": true, "USER.ACCESS_DENIED": true}
)

// kindOf classifies ev.
func kindOf(ev events.Event) eventKind {
	out := strings.ToUpper(ev.Outcome)
	switch ev.Provider {
	case events.Okta:
		switch {
		case ev.Type == "user.session.start" && out == "SUCCESS":
			return signInSucceeded
		case ev.Type == "user.session.start" && (out == "FAILURE" || out == "DENY"):
			return signInFailed
		case oktaMFAFailures[ev.Type] && out != "SUCCESS":
			return mfaFailed
		case ev.Type == "user.authentication.auth_via_mfa" && (out == "FAILURE" || out == "DENY"):
			return mfaFailed
		}
	case events.PingOne:
		switch {
		case ev.Type == "SESSION.CREATED" && out == "SUCCESS":
			return signInSucceeded
		case pingOneFailures[ev.Type] && out != "SUCCESS":
			return signInFailed
		case pingOneMFAFailures[ev.Type] && out != "SUCCESS":
			return mfaFailed
		}
	}
	return otherEvent
}

// country is where ev came from, "" when the provider did not say.
func country(ev events.Event) string {
	if ev.Geo == nil {
		return ""
	}
	return strings.TrimSpace(ev.Geo.Country)
}

// asn is the network ev came from, 0 when the provider did not say.
func asn(ev events.Event) int64 {
	if ev.Network == nil {
		return 0
	}
	return ev.Network.ASN
}

// coordinates are where the provider located ev's IP.
func coordinates(ev events.Event) (lat, lon float64, ok bool) {
	if ev.Geo == nil || ev.Geo.Lat == nil || ev.Geo.Lon == nil {
		return 0, 0, false
	}
	return *ev.Geo.Lat, *ev.Geo.Lon, true
}
