package commands

import (
	"slices"
	"strconv"
	"strings"
)

// pingOneEventAliases translates the SOP's event names, which PingOne does
// not have, into the real audit action types (reference pingone.md §4.6).
// Real action types (RESOURCE.VERB) pass through unchanged.
var pingOneEventAliases = map[string][]string{
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

// PingOneSecurityEvents is the SOP's security event list, queried by
// pingone-get-security-events when the caller names none.
var PingOneSecurityEvents = []string{
	"USER_LOGIN", "USER_LOGOUT", "USER_LOCKED", "USER_UNLOCKED", "USER_PASSWORD_CHANGED", "USER_PASSWORD_RESET",
	"USER_CREATED", "USER_DELETED", "USER_UPDATED", "USER_ACCOUNT_ENABLED", "USER_ACCOUNT_DISABLED",
	"MFA_DEVICE_ENROLLED", "MFA_DEVICE_UNENROLLED", "MFA_VERIFY_FAILED", "APPLICATION_ACCESS_GRANTED", "APPLICATION_ACCESS_REVOKED",
}

// PingOneActionTypes expands SOP aliases and real action types into the
// sorted, de-duplicated list of real action types to query.
func PingOneActionTypes(names []string) []string {
	var out []string
	for _, n := range names {
		if real, ok := pingOneEventAliases[strings.ToUpper(n)]; ok {
			out = append(out, real...)
			continue
		}
		out = append(out, strings.ToUpper(n))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// validPingOneEventTypes accepts SOP aliases and RESOURCE.VERB action types.
func validPingOneEventTypes(types []string) error {
	for i, t := range types {
		if _, ok := pingOneEventAliases[strings.ToUpper(t)]; ok {
			continue
		}
		resource, verb, ok := strings.Cut(t, ".")
		if !ok || !upperSnake(resource) || !upperSnake(verb) {
			return inputError("The arguments are invalid", "body.event_types["+strconv.Itoa(i)+"]",
				"must be a PingOne action type such as USER.LOCKED or an SOP event name such as MFA_VERIFY_FAILED")
		}
	}
	return nil
}

func upperSnake(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range strings.ToUpper(s) {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}
