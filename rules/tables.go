package rules

import "github.com/idcmd/idcmd/events"

// The SOPs' severity tables, the defaults of rules.severity.
//
// Okta: the SOP's section 3.1 (Okta events to XSOAR incidents) grades
// every type of its security event list; section 2.1 (to XDR) grades
// sign-ins (user.session.start, user.authentication.sso) high, which would
// raise an XDR incident on every sign-in, and calls every type it does
// not list medium. idcmd takes 3.1 (XSOAR's 4 critical, 3 high, 2 medium,
// 1 low) and, as 3.1 does, low for a type it does not list; a sign-in is
// raised above medium by the detectors, not by its type.
//
// PingOne: the SOP's section 2.2 (batch processing to XDR): USER_DELETED,
// USER_LOCKED and MFA_VERIFY_FAILED critical; USER_CREATED,
// USER_ACCOUNT_DISABLED and APPLICATION_ACCESS_GRANTED high; anything else
// medium. (Section 2.1 also calls USER_PASSWORD_RESET high; 2.2 does not,
// and 2.2 is the table the issue names.) A risk evaluation (RISK_EVENT)
// is as severe as the level PingOne gave it (section 2.1's risk map).
var oktaSeverity = map[string]Severity{
	"user.account.lock":                  Critical,
	"user.lifecycle.delete":              Critical,
	"user.mfa.factor.attempt_fail":       High,
	"user.lifecycle.suspend":             High,
	"user.session.start":                 Medium,
	"user.authentication.sso":            Medium,
	"application.user_membership.add":    Medium,
	"application.user_membership.remove": Medium,
	"user.lifecycle.create":              Low,
}

const oktaDefaultSeverity = Low

var pingOneSeverity = map[string]Severity{
	"USER_DELETED":               Critical,
	"USER_LOCKED":                Critical,
	"MFA_VERIFY_FAILED":          Critical,
	"USER_CREATED":               High,
	"USER_ACCOUNT_DISABLED":      High,
	"APPLICATION_ACCESS_GRANTED": High,
}

const pingOneDefaultSeverity = Medium

// riskSeverity is PingOne SOP 2.1's map from a risk level to severity.
var riskSeverity = map[string]Severity{"LOW": Low, "MEDIUM": Medium, "HIGH": High, "CRITICAL": Critical}

// baseSeverity is the event's severity by type: the configured entry,
// else the SOPs' table, else the provider's default; and the rule that
// gave it.
func (c Config) baseSeverity(ev events.Event) (Severity, string) {
	names := append([]string{ev.Type}, ev.SOPTypes...)
	for _, n := range names {
		if s, ok := c.Severity[ev.Provider][n]; ok {
			return s, "rules.severity." + ev.Provider + "." + n
		}
	}
	if ev.Provider == events.PingOne && isRiskEvent(ev) {
		if s, ok := riskSeverity[ev.RiskLevel]; ok {
			return s, "the risk level PingOne gave it (" + ev.RiskLevel + ")"
		}
	}
	table, fallback := oktaSeverity, oktaDefaultSeverity
	if ev.Provider == events.PingOne {
		table, fallback = pingOneSeverity, pingOneDefaultSeverity
	}
	for _, n := range names {
		if s, ok := table[n]; ok {
			return s, "the SOP's table: " + n
		}
	}
	return fallback, "the SOP's default for a type its table does not list"
}

// isRiskEvent reports whether ev is a risk evaluation (the SOP's
// RISK_EVENT).
func isRiskEvent(ev events.Event) bool {
	for _, n := range ev.SOPTypes {
		if n == "RISK_EVENT" {
			return true
		}
	}
	return false
}
