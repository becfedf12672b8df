package okta

import (
	"encoding/json"
	"time"
)

// User is an Okta user (spec schema User / UserGetSingleton). Only the fields a
// responder or a playbook uses are typed; Raw keeps the whole object as Okta
// sent it, for raw_response.
type User struct {
	ID                    string      `json:"id"`
	Status                string      `json:"status"`
	TransitioningToStatus string      `json:"transitioningToStatus,omitempty"`
	Created               *time.Time  `json:"created,omitempty"`
	Activated             *time.Time  `json:"activated,omitempty"`
	StatusChanged         *time.Time  `json:"statusChanged,omitempty"`
	LastLogin             *time.Time  `json:"lastLogin,omitempty"`
	LastUpdated           *time.Time  `json:"lastUpdated,omitempty"`
	PasswordChanged       *time.Time  `json:"passwordChanged,omitempty"`
	Profile               UserProfile `json:"profile"`
	// Raw is the user object exactly as Okta returned it.
	Raw json.RawMessage `json:"-"`
}

// UserProfile holds the standard profile attributes idcmd reads.
type UserProfile struct {
	Login       string `json:"login"`
	Email       string `json:"email,omitempty"`
	FirstName   string `json:"firstName,omitempty"`
	LastName    string `json:"lastName,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Department  string `json:"department,omitempty"`
	Title       string `json:"title,omitempty"`
	Manager     string `json:"manager,omitempty"`
	ManagerID   string `json:"managerId,omitempty"`
	MobilePhone string `json:"mobilePhone,omitempty"`
}

// Group is an Okta group (spec schema Group).
type Group struct {
	ID                    string          `json:"id"`
	Type                  string          `json:"type"`
	Created               *time.Time      `json:"created,omitempty"`
	LastUpdated           *time.Time      `json:"lastUpdated,omitempty"`
	LastMembershipUpdated *time.Time      `json:"lastMembershipUpdated,omitempty"`
	ObjectClass           []string        `json:"objectClass,omitempty"`
	Profile               GroupProfile    `json:"profile"`
	Raw                   json.RawMessage `json:"-"`
}

// GroupProfile is a group's name and description.
type GroupProfile struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// AppLink is an app assigned to a user (spec schema AssignedAppLink).
type AppLink struct {
	ID               string          `json:"id"`
	AppAssignmentID  string          `json:"appAssignmentId,omitempty"`
	AppInstanceID    string          `json:"appInstanceId,omitempty"`
	AppName          string          `json:"appName"`
	Label            string          `json:"label"`
	LinkURL          string          `json:"linkUrl,omitempty"`
	LogoURL          string          `json:"logoUrl,omitempty"`
	Hidden           bool            `json:"hidden"`
	SortOrder        int             `json:"sortOrder"`
	CredentialsSetup bool            `json:"credentialsSetup"`
	Raw              json.RawMessage `json:"-"`
}

// Factor is an enrolled MFA factor (spec schema UserFactor).
type Factor struct {
	ID          string          `json:"id"`
	FactorType  string          `json:"factorType"`
	Provider    string          `json:"provider"`
	VendorName  string          `json:"vendorName,omitempty"`
	Status      string          `json:"status"`
	Created     *time.Time      `json:"created,omitempty"`
	LastUpdated *time.Time      `json:"lastUpdated,omitempty"`
	Profile     json.RawMessage `json:"profile,omitempty"`
	Raw         json.RawMessage `json:"-"`
}

// LogEvent is a System Log event (spec schema LogEvent). It is decoded
// leniently: the reference records that real events carry fields of other
// types than the spec says (postalCode as a number, an undeclared top-level
// device), so only the core fields are typed and Raw keeps everything.
type LogEvent struct {
	UUID           string      `json:"uuid"`
	Published      time.Time   `json:"published"`
	EventType      string      `json:"eventType"`
	Severity       string      `json:"severity,omitempty"`
	DisplayMessage string      `json:"displayMessage,omitempty"`
	Actor          LogActor    `json:"actor"`
	Client         LogClient   `json:"client"`
	Outcome        LogOutcome  `json:"outcome"`
	Target         []LogTarget `json:"target,omitempty"`
	// SecurityContext is the client's network (owner, proxy), for the
	// normalized identity event (package events).
	SecurityContext LogSecurityContext `json:"securityContext"`
	Raw             json.RawMessage    `json:"-"`
}

// LogSecurityContext is what Okta knows of the client's network. Unknown
// values are null.
type LogSecurityContext struct {
	AsNumber *int64 `json:"asNumber"`
	AsOrg    string `json:"asOrg"`
	ISP      string `json:"isp"`
	Domain   string `json:"domain"`
	IsProxy  *bool  `json:"isProxy"`
}

// LogActor is who did it.
type LogActor struct {
	ID          string `json:"id"`
	Type        string `json:"type,omitempty"`
	AlternateID string `json:"alternateId,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

// LogTarget is what it was done to.
type LogTarget struct {
	ID          string `json:"id"`
	Type        string `json:"type,omitempty"`
	AlternateID string `json:"alternateId,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

// LogClient is where the request came from.
type LogClient struct {
	IPAddress           string       `json:"ipAddress,omitempty"`
	Device              string       `json:"device,omitempty"`
	UserAgent           LogUserAgent `json:"userAgent"`
	GeographicalContext LogGeo       `json:"geographicalContext"`
	Zone                string       `json:"zone,omitempty"`
}

// LogUserAgent is the client's user agent as Okta parsed it.
type LogUserAgent struct {
	RawUserAgent string `json:"rawUserAgent,omitempty"`
	OS           string `json:"os,omitempty"`
	Browser      string `json:"browser,omitempty"`
}

// LogGeo is Okta's geolocation of the client IP. Only the string fields are
// typed: postalCode arrives as a number in Okta's own examples.
type LogGeo struct {
	City        string          `json:"city,omitempty"`
	State       string          `json:"state,omitempty"`
	Country     string          `json:"country,omitempty"`
	Geolocation *LogGeolocation `json:"geolocation,omitempty"`
}

// LogGeolocation is the client's latitude and longitude.
type LogGeolocation struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// LogOutcome is the event's result (SUCCESS, FAILURE, DENY, ...) and why.
type LogOutcome struct {
	Result string `json:"result"`
	Reason string `json:"reason,omitempty"`
}

// ResetPasswordToken is the answer to reset_password. ResetPasswordURL is
// set only when sendEmail=false; it is a credential and must never be logged.
type ResetPasswordToken struct {
	ResetPasswordURL string `json:"resetPasswordUrl,omitempty"`
}

// UserQuery selects users for ListUsers. At most one of Search, Filter and Q
// is set; Okta rejects search with filter (E0000033).
type UserQuery struct {
	Search string
	Filter string
	Q      string
	// Limit is the page size; above 200 (Okta's maximum) 200 is asked for.
	Limit int
	// Cursor is the opaque cursor a previous ListUsers returned. When set,
	// the client follows that page's next link verbatim and ignores the rest.
	Cursor string
}

// LogQuery selects System Log events. Since/Until zero means unset.
type LogQuery struct {
	Since     time.Time
	Until     time.Time
	Filter    string
	Q         string
	SortOrder string // ASCENDING or DESCENDING; empty means Okta's default
	Limit     int
	// Cursor is the opaque cursor a previous ListLogs returned; see UserQuery.
	Cursor string
}
