package commands

import (
	"time"

	"github.com/idcmd/idcmd/providers/pingone"
)

// PingOneUser is a PingOne user as it lands in XSOAR context (PingOne.User).
type PingOneUser struct {
	// PingOne user ID.
	ID string `json:"ID" example:"5f4c8a1e-2b6d-4c3a-9e7f-0a1b2c3d4e5f"`
	// Username (PingOne's username).
	Username    string `json:"Username" example:"jsmith"`
	Email       string `json:"Email,omitempty" example:"jsmith@example.com"`
	DisplayName string `json:"DisplayName,omitempty" example:"Jane Smith"`
	// One word for the user's state: ACTIVE, LOCKED (account lock) or DISABLED.
	Status string `json:"Status" example:"ACTIVE"`
	// Whether the user is enabled.
	Enabled bool `json:"Enabled"`
	// Account lock status: OK or LOCKED.
	AccountStatus string `json:"AccountStatus" example:"OK"`
	// False when the account is locked or the user disabled.
	CanAuthenticate bool       `json:"CanAuthenticate"`
	LockedAt        *time.Time `json:"LockedAt,omitempty"`
	// When a timed lock ends by itself.
	UnlockAt *time.Time `json:"UnlockAt,omitempty"`
	// Password status (OK, MUST_CHANGE_PASSWORD, PASSWORD_LOCKED_OUT, ...), on commands that read it.
	PasswordStatus string     `json:"PasswordStatus,omitempty"`
	MFAEnabled     bool       `json:"MFAEnabled"`
	PopulationID   string     `json:"PopulationID,omitempty"`
	LastSignOn     *time.Time `json:"LastSignOn,omitempty"`
	LastSignOnIP   string     `json:"LastSignOnIP,omitempty"`
	CreatedAt      *time.Time `json:"CreatedAt,omitempty"`
	UpdatedAt      *time.Time `json:"UpdatedAt,omitempty"`
}

// PingOneUserChange is the user's state after a state-changing command.
type PingOneUserChange struct {
	PingOneUser
	// What was done: lock, unlock, disable, enable, force_password_change, send_recovery_code, terminate_sessions.
	Action string `json:"Action" example:"lock"`
	// Status before the action.
	PreviousStatus string `json:"PreviousStatus" example:"ACTIVE"`
}

// PingOneGroup is one group membership.
type PingOneGroup struct {
	ID          string `json:"ID"`
	Name        string `json:"Name"`
	Description string `json:"Description,omitempty"`
	// DIRECT, or INDIRECT through a nested group.
	MembershipType string `json:"MembershipType" example:"DIRECT"`
}

// PingOneUserGroups merges a user's groups into the user's context entry.
type PingOneUserGroups struct {
	ID       string         `json:"ID"`
	Username string         `json:"Username"`
	Groups   []PingOneGroup `json:"Group"`
}

// PingOneRole is one admin role assignment.
type PingOneRole struct {
	// Role assignment ID.
	ID     string `json:"ID"`
	RoleID string `json:"RoleID"`
	// ORGANIZATION, ENVIRONMENT, POPULATION or APPLICATION.
	ScopeType string `json:"ScopeType" example:"ENVIRONMENT"`
	ScopeID   string `json:"ScopeID"`
	ReadOnly  bool   `json:"ReadOnly"`
}

// PingOneUserRoles merges a user's roles into the user's context entry.
type PingOneUserRoles struct {
	ID       string        `json:"ID"`
	Username string        `json:"Username"`
	Roles    []PingOneRole `json:"Role"`
}

// PingOneApplication is one application of the environment.
type PingOneApplication struct {
	ID          string `json:"ID"`
	Name        string `json:"Name"`
	Description string `json:"Description,omitempty"`
	// WEB_APP, NATIVE_APP, SINGLE_PAGE_APP, WORKER, ...
	Type string `json:"Type,omitempty"`
	// OPENID_CONNECT, SAML, ...
	Protocol string `json:"Protocol,omitempty"`
	Enabled  bool   `json:"Enabled"`
}

// PingOneSession is one sign-on session.
type PingOneSession struct {
	ID        string     `json:"ID"`
	CreatedAt *time.Time `json:"CreatedAt,omitempty"`
	ActiveAt  *time.Time `json:"ActiveAt,omitempty"`
	Browser   string     `json:"Browser,omitempty"`
	OS        string     `json:"OS,omitempty"`
	Device    string     `json:"Device,omitempty"`
	LastIP    string     `json:"LastIP,omitempty"`
	// Last known place: city, region, country.
	Location string `json:"Location,omitempty"`
}

// PingOneUserSessions merges a user's sessions into the user's context entry.
type PingOneUserSessions struct {
	ID       string           `json:"ID"`
	Username string           `json:"Username"`
	Sessions []PingOneSession `json:"Session"`
}

// PingOneSessionResult is what happened to one session.
type PingOneSessionResult struct {
	ID string `json:"ID"`
	// deleted, already_gone or failed.
	Result string `json:"Result" example:"deleted"`
	Error  string `json:"Error,omitempty"`
}

// PingOneSessionsTerminated is the outcome of pingone-terminate-sessions.
type PingOneSessionsTerminated struct {
	PingOneUserChange
	// Sessions deleted (or already gone).
	Terminated int `json:"Terminated"`
	// Sessions PingOne refused to delete.
	Failed   int                    `json:"Failed"`
	Sessions []PingOneSessionResult `json:"Session"`
}

// PingOnePasswordReset is the outcome of pingone-reset-password.
type PingOnePasswordReset struct {
	PingOneUserChange
	// Whether PingOne e-mailed a recovery code (otherwise a change is forced at next sign-on).
	RecoveryCodeSent bool `json:"RecoveryCodeSent"`
}

// PingOneEvent is one audit activity.
type PingOneEvent struct {
	ID string `json:"ID"`
	// When PingOne recorded it.
	Time time.Time `json:"Time"`
	// Action type, such as USER.LOCKED or OTP.CHECK_FAILED.
	Type        string `json:"Type" example:"USER.LOCKED"`
	Description string `json:"Description,omitempty"`
	// SUCCESS or FAILED.
	Result       string `json:"Result" example:"SUCCESS"`
	ResultDetail string `json:"ResultDetail,omitempty"`
	ActorUserID  string `json:"ActorUserID,omitempty"`
	ActorName    string `json:"ActorName,omitempty"`
	// The application that acted.
	ClientID  string `json:"ClientID,omitempty"`
	Target    string `json:"Target,omitempty"`
	TargetID  string `json:"TargetID,omitempty"`
	IP        string `json:"IP,omitempty"`
	UserAgent string `json:"UserAgent,omitempty"`
}

// PingOneRiskEvent is a risk evaluation of a user, from the audit trail.
type PingOneRiskEvent struct {
	// Risk evaluation ID.
	EvaluationID string    `json:"EvaluationID"`
	Time         time.Time `json:"Time"`
	// LOW, MEDIUM or HIGH.
	Level             string  `json:"Level" example:"HIGH"`
	Score             float64 `json:"Score" example:"82"`
	RecommendedAction string  `json:"RecommendedAction,omitempty"`
	IP                string  `json:"IP,omitempty"`
	UserID            string  `json:"UserID,omitempty"`
	// RISK_EVALUATION.CREATED or RISK_EVALUATION.UPDATED.
	ActionType string `json:"ActionType"`
}

// PingOneRiskEvaluation is a new risk evaluation by PingOne Protect.
type PingOneRiskEvaluation struct {
	ID string `json:"ID"`
	// LOW, MEDIUM or HIGH.
	Level             string     `json:"Level" example:"MEDIUM"`
	Score             float64    `json:"Score"`
	RecommendedAction string     `json:"RecommendedAction,omitempty"`
	IP                string     `json:"IP"`
	UserID            string     `json:"UserID"`
	CreatedAt         *time.Time `json:"CreatedAt,omitempty"`
}

func pingOneUser(u *pingone.User) PingOneUser {
	out := PingOneUser{
		ID:              u.ID,
		Username:        u.Username,
		Email:           u.Email,
		DisplayName:     pingOneDisplayName(u),
		Status:          pingOneStatus(u),
		Enabled:         u.Enabled,
		AccountStatus:   u.Account.Status,
		CanAuthenticate: u.Account.CanAuthenticate,
		LockedAt:        u.Account.LockedAt,
		UnlockAt:        u.Account.UnlockAt,
		MFAEnabled:      u.MFAEnabled,
		PopulationID:    u.Population.ID,
		CreatedAt:       u.CreatedAt,
		UpdatedAt:       u.UpdatedAt,
	}
	if u.LastSignOn != nil {
		out.LastSignOn = u.LastSignOn.At
		out.LastSignOnIP = u.LastSignOn.RemoteIP
	}
	return out
}

// pingOneStatus folds enabled and the account lock into one word a
// playbook can branch on, as Okta's status is.
func pingOneStatus(u *pingone.User) string {
	switch {
	case !u.Enabled:
		return "DISABLED"
	case u.Account.Status == "LOCKED":
		return "LOCKED"
	default:
		return "ACTIVE"
	}
}

func pingOneDisplayName(u *pingone.User) string {
	if u.Name.Formatted != "" {
		return u.Name.Formatted
	}
	if u.Name.Given != "" || u.Name.Family != "" {
		return u.Name.Given + " " + u.Name.Family
	}
	return u.Username
}

func pingOneEvent(a pingone.Activity) PingOneEvent {
	e := PingOneEvent{
		ID: a.ID, Time: a.RecordedAt, Type: a.Action.Type, Description: a.Action.Description,
		Result: a.Result.Status, ResultDetail: a.Result.Description,
	}
	if a.Actors.User != nil {
		e.ActorUserID, e.ActorName = a.Actors.User.ID, a.Actors.User.Name
	}
	if a.Actors.Client != nil {
		e.ClientID = a.Actors.Client.ID
		if e.ActorName == "" {
			e.ActorName = a.Actors.Client.Name
		}
	}
	if len(a.Resources) > 0 {
		e.Target, e.TargetID = a.Resources[0].Name, a.Resources[0].ID
	}
	if a.Source != nil {
		e.IP, e.UserAgent = a.Source.IPAddress, a.Source.UserAgent
	}
	return e
}

func pingOneUserRow(u PingOneUser) []string {
	return []string{u.ID, u.Username, u.DisplayName, u.Status, u.AccountStatus, yesNo(u.Enabled), stamp(u.LastSignOn)}
}

var pingOneUserHeaders = []string{"ID", "Username", "Display name", "Status", "Account", "Enabled", "Last sign-on"}

func pingOneChangeTable(title string, c PingOneUserChange) string {
	return table(title, []string{"ID", "Username", "Display name", "Previous status", "Status", "Account", "Enabled", "Action"},
		[][]string{{c.ID, c.Username, c.DisplayName, c.PreviousStatus, c.Status, c.AccountStatus, yesNo(c.Enabled), c.Action}})
}
