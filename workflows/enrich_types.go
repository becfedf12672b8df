package workflows

import (
	"time"

	"github.com/idcmd/idcmd/events"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/risk"
)

// UserEnrichment is everything enrich-user gathered about a user, and the
// risk score made of it.
type UserEnrichment struct {
	// The provider's user ID.
	UserID string `json:"UserID" example:"00u1a2b3c4d5e6f7g8h9"`
	// okta or pingone.
	Provider string `json:"Provider" example:"okta"`
	// The window of recent events read, in hours.
	Hours   int                     `json:"Hours" example:"24"`
	Account commands.Account        `json:"Account"`
	Groups  []commands.AccountGroup `json:"Groups"`
	// Admin roles: Okta admin role assignments, PingOne role assignments.
	Roles []UserRole `json:"Roles"`
	// Assigned applications (Okta app links; PingOne has no per-user list).
	Apps []UserApp `json:"Apps"`
	// MFA: Okta factors, PingOne MFA devices.
	Factors []UserFactor `json:"Factors"`
	// PingOne sessions (Okta has no API that lists a user's sessions).
	Sessions []UserSession `json:"Sessions"`
	// The user's events in the window, newest first (at most 1000).
	Events []commands.IdentityEvent `json:"Events"`
	// The provider's own risk verdicts: PingOne Protect risk evaluations, Okta user risk.
	ProviderRisk []ProviderRiskVerdict `json:"ProviderRisk"`
	// idcmd's risk score and the factors that made it.
	Risk risk.Assessment `json:"Risk"`
	// The parts that could not be read, and why; everything else is complete.
	Missing []MissingPart `json:"Missing"`

	// normalized are Events as package events normalized them (with the
	// provider's risk level and the SOPs' names), for correlate-incident.
	normalized []events.Event
}

// UserRole is one admin role assignment.
type UserRole struct {
	// The role assignment's ID.
	ID string `json:"ID"`
	// Okta role type (SUPER_ADMIN, ORG_ADMIN, ...) or PingOne role ID.
	Role string `json:"Role" example:"SUPER_ADMIN"`
	// Okta role label.
	Label string `json:"Label,omitempty"`
	// Okta: USER or GROUP (held through a group); PingOne: the scope type (ENVIRONMENT, ORGANIZATION, POPULATION).
	Assignment string `json:"Assignment,omitempty"`
	// Okta: ACTIVE or INACTIVE.
	Status string `json:"Status,omitempty"`
}

// UserApp is one assigned application.
type UserApp struct {
	// The app instance ID.
	ID    string `json:"ID"`
	Name  string `json:"Name" example:"salesforce"`
	Label string `json:"Label" example:"Salesforce"`
}

// UserFactor is one MFA factor or device.
type UserFactor struct {
	ID string `json:"ID"`
	// Okta factorType (push, token:software:totp, ...) or PingOne device type (MOBILE, SMS, EMAIL, ...).
	Type   string `json:"Type" example:"push"`
	Status string `json:"Status" example:"ACTIVE"`
	// Okta factor provider (OKTA, GOOGLE, ...) or PingOne device nickname.
	Name    string     `json:"Name,omitempty"`
	Created *time.Time `json:"Created,omitempty"`
}

// UserSession is one PingOne session.
type UserSession struct {
	ID        string     `json:"ID"`
	CreatedAt *time.Time `json:"CreatedAt,omitempty"`
	ActiveAt  *time.Time `json:"ActiveAt,omitempty"`
	IP        string     `json:"IP,omitempty"`
	// City, region and country of the session's last place.
	Location string `json:"Location,omitempty"`
	Browser  string `json:"Browser,omitempty"`
	OS       string `json:"OS,omitempty"`
}

// ProviderRiskVerdict is one risk verdict of the provider.
type ProviderRiskVerdict struct {
	// The risk evaluation's ID (PingOne).
	ID   string     `json:"ID,omitempty"`
	Time *time.Time `json:"Time,omitempty"`
	// The provider's level: LOW, MEDIUM, HIGH (Okta and PingOne).
	Level string `json:"Level" example:"HIGH"`
	// PingOne's score.
	Score *float64 `json:"Score,omitempty"`
	// Okta's reason; PingOne's recommended action.
	Reason string `json:"Reason,omitempty"`
}

// MissingPart is a part of a workflow's answer (an enrichment, a
// correlation) that could not be read; the rest still came back.
type MissingPart struct {
	// user, groups, roles, apps, factors, devices, sessions, events or provider_risk (enrich-user); events or context (correlate-incident).
	Part string `json:"Part" example:"roles"`
	// Why: the provider's error, or that the provider has no such data.
	Error string `json:"Error" example:"okta: 403 E0000006 You do not have permission to perform the requested action"`
}
