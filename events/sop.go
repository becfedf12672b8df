package events

import (
	"slices"
	"strings"
)

// PingOneAliases translates the SOPs' PingOne event names, which PingOne
// does not have, into the real audit action types (reference pingone.md
// §4.6). Queries (get-user-events, the poller's filter, a subscription's
// includedActionTypes) expand a name into all of its types.
var PingOneAliases = map[string][]string{
	"USER_LOGIN":                 {"AUTHENTICATION.CREATED", "AUTHENTICATION.UPDATED", "PASSWORD.CHECK_SUCCEEDED", "SESSION.CREATED", "USER.ACCESS_ALLOWED"},
	"USER_LOGIN_FAILED":          {"PASSWORD.CHECK_FAILED", "USER.ACCESS_DENIED"},
	"USER_LOGOUT":                {"SESSION.DELETED", "USER.SLO_REQUESTED", "USER.SLO_SUCCESS"},
	"USER_LOCKED":                {"USER.LOCKED"},
	"USER_UNLOCKED":              {"USER.UNLOCKED", "PASSWORD.UNLOCKED"},
	"USER_PASSWORD_CHANGED":      {"PASSWORD.RESET", "PASSWORD.SET"},
	"USER_PASSWORD_RESET":        {"PASSWORD.RECOVERY", "PASSWORD.FORCE_CHANGE", "PASSWORD.RESET"},
	"PASSWORD_RESET":             {"PASSWORD.RECOVERY", "PASSWORD.FORCE_CHANGE", "PASSWORD.RESET"},
	"USER_CREATED":               {"USER.CREATED"},
	"USER_DELETED":               {"USER.DELETED"},
	"USER_UPDATED":               {"USER.UPDATED"},
	"USER_ACCOUNT_ENABLED":       {"USER.UPDATED"},
	"USER_ACCOUNT_DISABLED":      {"USER.UPDATED"},
	"MFA_DEVICE_ENROLLED":        {"DEVICE.CREATED", "DEVICE.ACTIVATED"},
	"MFA_DEVICE_UNENROLLED":      {"DEVICE.DELETED"},
	"MFA_VERIFY_FAILED":          {"OTP.CHECK_FAILED", "OTP.CHECK_INVALID", "ASSERTION.CHECK_FAILED", "DEVICE.ACTIVATION_OTP_FAILED", "DEVICE.LOCKED"},
	"APPLICATION_ACCESS_GRANTED": {"USER.ACCESS_ALLOWED"},
	"APPLICATION_ACCESS_REVOKED": {"USER.ACCESS_DENIED"},
	"RISK_EVENT":                 {"RISK_EVALUATION.CREATED", "RISK_EVALUATION.UPDATED"},
}

// ambiguousSOPNames are names a type cannot be given from the activity
// alone: an enable and a disable are both USER.UPDATED, told apart only by
// what changed, so a USER.UPDATED activity is named USER_UPDATED only.
var ambiguousSOPNames = map[string]bool{"USER_ACCOUNT_ENABLED": true, "USER_ACCOUNT_DISABLED": true}

// pingOneSOPNames is PingOneAliases reversed: action type → SOP names.
var pingOneSOPNames = func() map[string][]string {
	out := map[string][]string{}
	for name, types := range PingOneAliases {
		if ambiguousSOPNames[name] {
			continue
		}
		for _, t := range types {
			out[t] = append(out[t], name)
		}
	}
	for _, names := range out {
		slices.Sort(names)
	}
	return out
}()

// PingOneSOPTypes returns the SOP names of a PingOne action type, sorted;
// nil when the SOPs have none.
func PingOneSOPTypes(actionType string) []string {
	return slices.Clone(pingOneSOPNames[actionType])
}

// PingOneActionTypes expands SOP names and real action types into the
// sorted, de-duplicated list of real action types.
func PingOneActionTypes(names []string) []string {
	var out []string
	for _, n := range names {
		if real, ok := PingOneAliases[strings.ToUpper(n)]; ok {
			out = append(out, real...)
			continue
		}
		out = append(out, strings.ToUpper(n))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// OktaSecurityEvents is the Okta SOP's security event list (its
// get_security_events filter): what the Okta poller reads by default.
var OktaSecurityEvents = []string{
	"user.session.start",
	"user.authentication.sso",
	"user.mfa.factor.attempt_fail",
	"user.account.lock",
	"user.account.unlock",
	"user.lifecycle.create",
	"user.lifecycle.delete",
	"user.lifecycle.suspend",
	"user.lifecycle.unsuspend",
	"application.user_membership.add",
	"application.user_membership.remove",
}

// PingOneSecurityEvents is the PingOne SOP's security event list, in its
// own names (PingOneAliases translates them).
var PingOneSecurityEvents = []string{
	"USER_LOGIN", "USER_LOGOUT", "USER_LOCKED", "USER_UNLOCKED", "USER_PASSWORD_CHANGED", "USER_PASSWORD_RESET",
	"USER_CREATED", "USER_DELETED", "USER_UPDATED", "USER_ACCOUNT_ENABLED", "USER_ACCOUNT_DISABLED",
	"MFA_DEVICE_ENROLLED", "MFA_DEVICE_UNENROLLED", "MFA_VERIFY_FAILED", "APPLICATION_ACCESS_GRANTED", "APPLICATION_ACCESS_REVOKED",
}
