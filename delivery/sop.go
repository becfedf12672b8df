package delivery

import (
	"github.com/idcmd/idcmd/events"
)

// The SOPs' incident types (3.1 of both SOPs, map_event_to_incident_type).
const (
	typeIAM            = "Identity Access Management"
	typeAuthentication = "Authentication"
	typeAccess         = "Access"
	typeUnclassified   = "Unclassified"
)

// sopIncidentTypes is map_event_to_incident_type of both SOPs, keyed by
// the Okta event type or the PingOne SOP name; RISK_EVENT is the PingOne
// SOP's create_xsoar_incident_from_risk_event.
var sopIncidentTypes = map[string]map[string]string{
	events.Okta: {
		"user.account.lock":                  typeIAM,
		"user.lifecycle.delete":              typeIAM,
		"user.mfa.factor.attempt_fail":       typeAuthentication,
		"user.session.start":                 typeAuthentication,
		"user.authentication.sso":            typeAuthentication,
		"user.lifecycle.suspend":             typeIAM,
		"user.lifecycle.create":              typeIAM,
		"application.user_membership.add":    typeAccess,
		"application.user_membership.remove": typeAccess,
	},
	events.PingOne: {
		"USER_LOCKED":                typeIAM,
		"USER_DELETED":               typeIAM,
		"MFA_VERIFY_FAILED":          typeAuthentication,
		"USER_LOGIN":                 typeAuthentication,
		"USER_LOGOUT":                typeAuthentication,
		"USER_CREATED":               typeIAM,
		"USER_ACCOUNT_DISABLED":      typeIAM,
		"USER_ACCOUNT_ENABLED":       typeIAM,
		"USER_PASSWORD_RESET":        typeAuthentication,
		"APPLICATION_ACCESS_GRANTED": typeAccess,
		"APPLICATION_ACCESS_REVOKED": typeAccess,
		"RISK_EVENT":                 typeIAM,
	},
}

// The SOPs' playbooks (trigger_playbook_for_okta_event,
// trigger_playbook_for_event).
const playbookGeneric = "Generic Identity Investigation"

var sopPlaybooks = map[string]map[string]string{
	events.Okta: {
		"user.account.lock":            "Investigate Failed Authentication",
		"user.mfa.factor.attempt_fail": "Investigate Failed Authentication",
		"user.lifecycle.delete":        "Investigate User Deletion",
		"user.session.start":           "Investigate Suspicious Login",
		"user.authentication.sso":      "Investigate Suspicious Login",
	},
	events.PingOne: {
		"USER_LOCKED":       "Investigate User Account Lock",
		"MFA_VERIFY_FAILED": "Investigate Failed MFA",
		"USER_DELETED":      "Investigate User Deletion",
		"USER_LOGIN":        "Investigate Suspicious Login",
	},
}

// typeNames are the names an event's type goes by, in the order they are
// looked up: the provider's type, then the SOPs' names for it.
func typeNames(e events.Event) []string {
	return append([]string{e.Type}, e.SOPTypes...)
}

// pick is the first of the event's type names that m (the override) or
// the SOP table has; def if none.
func pick(e events.Event, override map[string]string, sop map[string]map[string]string, def string) string {
	names := typeNames(e)
	for _, n := range names {
		if v, ok := override[n]; ok {
			return v
		}
	}
	for _, n := range names {
		if v, ok := sop[e.Provider][n]; ok {
			return v
		}
	}
	return def
}
