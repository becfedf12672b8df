package commands

import (
	"time"

	"github.com/idcmd/idcmd/providers/okta"
)

// OktaUser is an Okta user as it lands in XSOAR context (Okta.User), with the
// fields a responder looks at first. Key names follow XSOAR's Account standard.
type OktaUser struct {
	// Okta user ID.
	ID string `json:"ID" example:"00ub0oNGTSWTBKOLGLNR"`
	// Login (Okta's profile.login).
	Username    string `json:"Username" example:"jdoe@example.com"`
	Email       string `json:"Email,omitempty" example:"jdoe@example.com"`
	DisplayName string `json:"DisplayName,omitempty" example:"John Doe"`
	FirstName   string `json:"FirstName,omitempty"`
	LastName    string `json:"LastName,omitempty"`
	// Lifecycle status: ACTIVE, SUSPENDED, LOCKED_OUT, PASSWORD_EXPIRED, RECOVERY, STAGED, PROVISIONED, DEPROVISIONED.
	Status string `json:"Status" example:"ACTIVE"`
	// TransitioningToStatus is the status the user is moving to while an
	// asynchronous action runs (DEPROVISIONED during a deactivation). Okta
	// sets it only for that moment, so it is no context output a playbook
	// could branch on: the war-room table shows it next to Status, and
	// raw_response keeps it.
	TransitioningToStatus string     `json:"-"`
	Department            string     `json:"Department,omitempty"`
	Title                 string     `json:"Title,omitempty"`
	Manager               string     `json:"Manager,omitempty"`
	Created               *time.Time `json:"Created,omitempty"`
	Activated             *time.Time `json:"Activated,omitempty"`
	StatusChanged         *time.Time `json:"StatusChanged,omitempty"`
	LastLogin             *time.Time `json:"LastLogin,omitempty"`
	PasswordChanged       *time.Time `json:"PasswordChanged,omitempty"`
}

// OktaUserChange is the user's state after a state-changing command, so a
// playbook can branch on Status.
type OktaUserChange struct {
	OktaUser
	// What was done: suspend, unsuspend, unlock, deactivate, reset_password, ...
	Action string `json:"Action" example:"suspend"`
	// Status before the action.
	PreviousStatus string `json:"PreviousStatus" example:"ACTIVE"`
}

// OktaPasswordReset is the outcome of okta-reset-password.
type OktaPasswordReset struct {
	OktaUserChange
	// Whether Okta e-mailed the reset link to the user.
	EmailSent bool `json:"EmailSent"`
	// One-time reset link, returned only when send_email is false. It is a
	// credential: idcmd returns it to the caller and never logs it.
	ResetPasswordURL string `json:"ResetPasswordURL,omitempty"`
}

// OktaSessionsCleared is the outcome of okta-clear-sessions.
type OktaSessionsCleared struct {
	OktaUserChange
	// Whether OAuth/OIDC refresh and access tokens were revoked too.
	OAuthTokensRevoked bool `json:"OAuthTokensRevoked"`
	// Whether remembered devices were forgotten.
	DevicesForgotten bool `json:"DevicesForgotten"`
}

// OktaGroup is one group a user belongs to.
type OktaGroup struct {
	ID          string `json:"ID" example:"00g1emaKYZTWRYYRRTSK"`
	Name        string `json:"Name" example:"Engineering"`
	Description string `json:"Description,omitempty"`
	// OKTA_GROUP, APP_GROUP or BUILT_IN.
	Type                  string     `json:"Type" example:"OKTA_GROUP"`
	LastMembershipUpdated *time.Time `json:"LastMembershipUpdated,omitempty"`
}

// OktaUserGroups merges a user's groups into the user's context entry.
type OktaUserGroups struct {
	ID       string      `json:"ID"`
	Username string      `json:"Username"`
	Groups   []OktaGroup `json:"Group"`
}

// OktaApp is one application assigned to a user.
type OktaApp struct {
	ID            string `json:"ID"`
	AppInstanceID string `json:"AppInstanceID,omitempty"`
	Name          string `json:"Name" example:"salesforce"`
	Label         string `json:"Label" example:"Salesforce.com"`
	LinkURL       string `json:"LinkURL,omitempty"`
	Hidden        bool   `json:"Hidden"`
}

// OktaUserApps merges a user's apps into the user's context entry.
type OktaUserApps struct {
	ID       string    `json:"ID"`
	Username string    `json:"Username"`
	Apps     []OktaApp `json:"App"`
}

// OktaFactor is one enrolled MFA factor.
type OktaFactor struct {
	ID string `json:"ID"`
	// push, sms, call, email, token:software:totp, webauthn, u2f, question, ...
	FactorType string `json:"FactorType" example:"push"`
	Provider   string `json:"Provider" example:"OKTA"`
	VendorName string `json:"VendorName,omitempty"`
	// ACTIVE, PENDING_ACTIVATION, ENROLLED, DISABLED, ...
	Status      string     `json:"Status" example:"ACTIVE"`
	Created     *time.Time `json:"Created,omitempty"`
	LastUpdated *time.Time `json:"LastUpdated,omitempty"`
}

// OktaUserFactors merges a user's factors into the user's context entry.
type OktaUserFactors struct {
	ID       string       `json:"ID"`
	Username string       `json:"Username"`
	Factors  []OktaFactor `json:"Factor"`
}

func oktaUser(u *okta.User) OktaUser {
	return OktaUser{
		ID:                    u.ID,
		Username:              u.Profile.Login,
		Email:                 u.Profile.Email,
		DisplayName:           displayName(u),
		FirstName:             u.Profile.FirstName,
		LastName:              u.Profile.LastName,
		Status:                u.Status,
		TransitioningToStatus: u.TransitioningToStatus,
		Department:            u.Profile.Department,
		Title:                 u.Profile.Title,
		Manager:               u.Profile.Manager,
		Created:               u.Created,
		Activated:             u.Activated,
		StatusChanged:         u.StatusChanged,
		LastLogin:             u.LastLogin,
		PasswordChanged:       u.PasswordChanged,
	}
}

func displayName(u *okta.User) string {
	if u.Profile.DisplayName != "" {
		return u.Profile.DisplayName
	}
	if u.Profile.FirstName != "" || u.Profile.LastName != "" {
		return u.Profile.FirstName + " " + u.Profile.LastName
	}
	return u.Profile.Login
}

func oktaGroups(gs []okta.Group) []OktaGroup {
	out := make([]OktaGroup, 0, len(gs))
	for _, g := range gs {
		out = append(out, OktaGroup{ID: g.ID, Name: g.Profile.Name, Description: g.Profile.Description, Type: g.Type, LastMembershipUpdated: g.LastMembershipUpdated})
	}
	return out
}

func oktaApps(as []okta.AppLink) []OktaApp {
	out := make([]OktaApp, 0, len(as))
	for _, a := range as {
		out = append(out, OktaApp{ID: a.ID, AppInstanceID: a.AppInstanceID, Name: a.AppName, Label: a.Label, LinkURL: a.LinkURL, Hidden: a.Hidden})
	}
	return out
}

func oktaFactors(fs []okta.Factor) []OktaFactor {
	out := make([]OktaFactor, 0, len(fs))
	for _, f := range fs {
		out = append(out, OktaFactor{ID: f.ID, FactorType: f.FactorType, Provider: f.Provider, VendorName: f.VendorName, Status: f.Status, Created: f.Created, LastUpdated: f.LastUpdated})
	}
	return out
}

// rawList collects the provider's raw JSON of each item, for raw_response.
func rawList[T any](items []T, raw func(T) []byte) []any {
	out := make([]any, 0, len(items))
	for _, it := range items {
		if r := raw(it); len(r) > 0 {
			out = append(out, rawJSON(r))
		}
	}
	return out
}

// rawJSON marks bytes that are already JSON so they are embedded verbatim.
// They must be JSON a decoder accepted (a provider's object as its client
// decoded it): Result.AnswerJSON writes them without checking them again.
type rawJSON []byte

// MarshalJSON implements json.Marshaler.
func (r rawJSON) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return r, nil
}

func userRow(u OktaUser) []string {
	return []string{u.ID, u.Username, u.DisplayName, u.Status, u.Department, stamp(u.LastLogin)}
}

var userHeaders = []string{"ID", "Username", "Display name", "Status", "Department", "Last login"}

func changeTable(title string, c OktaUserChange) string {
	return table(title, []string{"ID", "Username", "Display name", "Previous status", "Status", "Action"},
		[][]string{{c.ID, c.Username, c.DisplayName, c.PreviousStatus, statusText(c.OktaUser), c.Action}})
}

// statusText shows a pending transition next to the status.
func statusText(u OktaUser) string {
	if u.TransitioningToStatus != "" {
		return u.Status + " → " + u.TransitioningToStatus
	}
	return u.Status
}
