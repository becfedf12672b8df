package pingone

import (
	"bytes"
	"encoding/json"
	"time"
)

// User is a PingOne user (spec schema User). Only the fields a responder
// or a playbook uses are typed; Raw keeps the whole object as PingOne sent
// it, for raw_response.
type User struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Email    string `json:"email,omitempty"`
	Name     Name   `json:"name"`
	// Enabled is read-only here; SetEnabled changes it.
	Enabled    bool            `json:"enabled"`
	Account    Account         `json:"account"`
	Lifecycle  Lifecycle       `json:"lifecycle"`
	MFAEnabled bool            `json:"mfaEnabled"`
	Population Population      `json:"population"`
	LastSignOn *SignOn         `json:"lastSignOn,omitempty"`
	CreatedAt  *time.Time      `json:"createdAt,omitempty"`
	UpdatedAt  *time.Time      `json:"updatedAt,omitempty"`
	Raw        json.RawMessage `json:"-"`
}

// Name is a user's name.
type Name struct {
	Given     string `json:"given,omitempty"`
	Family    string `json:"family,omitempty"`
	Formatted string `json:"formatted,omitempty"`
}

// Account is a user's lock state (spec schema UserAccount). CanAuthenticate
// is false when the account is locked or the user is disabled.
type Account struct {
	// Status is OK or LOCKED.
	Status          string     `json:"status"`
	CanAuthenticate bool       `json:"canAuthenticate"`
	LockedAt        *time.Time `json:"lockedAt,omitempty"`
	// UnlockAt and SecondsUntilUnlock are set only when the lock ends by
	// itself.
	UnlockAt           *time.Time `json:"unlockAt,omitempty"`
	SecondsUntilUnlock int        `json:"secondsUntilUnlock,omitempty"`
}

// Lifecycle is a user's account lifecycle: ACCOUNT_OK or
// VERIFICATION_REQUIRED.
type Lifecycle struct {
	Status string `json:"status,omitempty"`
}

// Population is the population a user belongs to.
type Population struct {
	ID string `json:"id"`
}

// SignOn is when and from where a user last signed on.
type SignOn struct {
	At       *time.Time `json:"at,omitempty"`
	RemoteIP string     `json:"remoteIp,omitempty"`
}

// GroupMembership is a group a user belongs to, directly or through a
// nested group (spec schema GroupMembership).
type GroupMembership struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Type is DIRECT or INDIRECT (through a nested group).
	Type string `json:"type"`
	// Group is the expanded group (_embedded.group), nil when PingOne did
	// not embed it.
	Group *Group          `json:"-"`
	Raw   json.RawMessage `json:"-"`
}

// UnmarshalJSON lifts the expanded group out of _embedded, keeping its own
// raw JSON.
func (m *GroupMembership) UnmarshalJSON(b []byte) error {
	type plain GroupMembership // without this method
	var v struct {
		plain
		Embedded struct {
			Group json.RawMessage `json:"group"`
		} `json:"_embedded"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*m = GroupMembership(v.plain)
	if g := v.Embedded.Group; len(g) > 0 && !bytes.Equal(g, []byte("null")) {
		m.Group = new(Group)
		if err := json.Unmarshal(g, m.Group); err != nil {
			return err
		}
		m.Group.Raw = bytes.Clone(g)
	}
	return nil
}

// Group is a PingOne group (spec schema Group).
type Group struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Raw         json.RawMessage `json:"-"`
}

// RoleAssignment is an admin role granted to a user, and where it applies
// (spec schema RoleAssignment).
type RoleAssignment struct {
	ID    string    `json:"id"`
	Role  RoleRef   `json:"role"`
	Scope RoleScope `json:"scope"`
	// ReadOnly means idcmd's worker app may not remove the assignment.
	ReadOnly bool            `json:"readOnly"`
	Raw      json.RawMessage `json:"-"`
}

// RoleRef names a role by ID.
type RoleRef struct {
	ID string `json:"id"`
}

// RoleScope is where a role applies: Type is ORGANIZATION, ENVIRONMENT,
// POPULATION or APPLICATION, and ID the object of that type.
type RoleScope struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// Application is an application of the environment (spec schema
// Application, one of OIDC, SAML, WS-Fed, ... including worker apps).
type Application struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Type is WEB_APP, NATIVE_APP, SINGLE_PAGE_APP, WORKER, ...
	Type string `json:"type,omitempty"`
	// Protocol is OPENID_CONNECT, SAML, WS_FED, ...
	Protocol string          `json:"protocol,omitempty"`
	Enabled  bool            `json:"enabled"`
	Raw      json.RawMessage `json:"-"`
}

// Session is one of a user's sign-on sessions (reference §4.3). PingOne
// keeps at most 10 per user, expired ones included.
type Session struct {
	ID              string          `json:"id"`
	CreatedAt       *time.Time      `json:"createdAt,omitempty"`
	ActiveAt        *time.Time      `json:"activeAt,omitempty"`
	Browser         Browser         `json:"browser"`
	Device          Device          `json:"device"`
	OperatingSystem OperatingSystem `json:"operatingSystem"`
	LastSignOn      SignOn          `json:"lastSignOn"`
	// Locations are the session's last five places, newest first.
	Locations []Location      `json:"locations,omitempty"`
	Raw       json.RawMessage `json:"-"`
}

// Browser is the browser of a session.
type Browser struct {
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
}

// Device is the kind of device of a session (Desktop, Mobile, ...).
type Device struct {
	Type string `json:"type,omitempty"`
}

// OperatingSystem is the operating system of a session.
type OperatingSystem struct {
	Name string `json:"name,omitempty"`
}

// Location is where a session was used, as PingOne placed the IP address.
type Location struct {
	At       *time.Time `json:"at,omitempty"`
	RemoteIP string     `json:"remoteIp,omitempty"`
	City     string     `json:"city,omitempty"`
	State    string     `json:"state,omitempty"`
	Region   string     `json:"region,omitempty"`
	Country  string     `json:"country,omitempty"`
}

// PasswordState is the state of a user's password: Status is OK,
// MUST_CHANGE_PASSWORD, NO_PASSWORD, PASSWORD_LOCKED_OUT, ...
type PasswordState struct {
	Status        string          `json:"status"`
	LastChangedAt *time.Time      `json:"lastChangedAt,omitempty"`
	Raw           json.RawMessage `json:"-"`
}

// Activity is an audit activity (reference §4.5). It is decoded leniently
// (see decodeActivity): a field of an unexpected type costs only itself,
// and Raw always holds the activity as PingOne sent it.
type Activity struct {
	ID            string         `json:"id"`
	RecordedAt    time.Time      `json:"recordedAt"`
	CreatedAt     time.Time      `json:"createdAt"`
	CorrelationID string         `json:"correlationId,omitempty"`
	Actors        Actors         `json:"actors"`
	Action        Action         `json:"action"`
	Resources     []Resource     `json:"resources,omitempty"`
	Result        ActivityResult `json:"result"`
	// Source is set only when PingOne exposes the client's IP address or
	// user agent.
	Source *ActivitySource `json:"source,omitempty"`
	Raw    json.RawMessage `json:"-"`
}

// Actors are who did it: the client (application) and, for a user's own
// action or an admin's, the user.
type Actors struct {
	Client *ActorRef `json:"client,omitempty"`
	User   *ActorRef `json:"user,omitempty"`
}

// ActorRef is one actor; Type is CLIENT or USER.
type ActorRef struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	Type string `json:"type,omitempty"`
}

// Action is what happened: Type is RESOURCE.VERB, such as USER.LOCKED.
type Action struct {
	Type        string `json:"type"`
	Description string `json:"description,omitempty"`
}

// Resource is an object the action was done to.
type Resource struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// ActivityResult is the outcome: Status SUCCESS or FAILED, and why.
type ActivityResult struct {
	Status      string `json:"status"`
	Description string `json:"description,omitempty"`
}

// ActivitySource is where the request came from.
type ActivitySource struct {
	IPAddress string `json:"ipAddress,omitempty"`
	UserAgent string `json:"userAgent,omitempty"`
}

// RiskEvaluation is a PingOne Protect risk evaluation (spec schema
// RiskEvaluation).
type RiskEvaluation struct {
	ID        string     `json:"id"`
	CreatedAt *time.Time `json:"createdAt,omitempty"`
	Event     RiskEvent  `json:"event"`
	Result    RiskResult `json:"result"`
	// Details are the predictors' findings (IP reputation, impossible
	// travel, ...), kept as sent: their set grows with every release.
	Details json.RawMessage `json:"details,omitempty"`
	Raw     json.RawMessage `json:"-"`
}

// RiskEvent is what was evaluated.
type RiskEvent struct {
	IP   string   `json:"ip"`
	User RiskUser `json:"user"`
	Flow RiskFlow `json:"flow"`
	// CompletionStatus is IN_PROGRESS, SUCCESS or FAILED.
	CompletionStatus string `json:"completionStatus,omitempty"`
}

// RiskUser is the user of a risk event; Type is PING_ONE or EXTERNAL.
type RiskUser struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	Type string `json:"type,omitempty"`
}

// RiskFlow is the kind of flow evaluated: AUTHENTICATION, REGISTRATION,
// ACCESS, AUTHORIZATION or TRANSACTION.
type RiskFlow struct {
	Type string `json:"type,omitempty"`
}

// RiskResult is the verdict of the risk policy that matched.
type RiskResult struct {
	// Level is LOW, MEDIUM or HIGH.
	Level             string  `json:"level,omitempty"`
	Score             float64 `json:"score,omitempty"`
	Source            string  `json:"source,omitempty"`
	RecommendedAction string  `json:"recommendedAction,omitempty"`
	Type              string  `json:"type,omitempty"`
	Value             string  `json:"value,omitempty"`
}

// UserQuery selects users for ListUsers.
type UserQuery struct {
	// Filter is a SCIM filter, sent as is (reference §4.1), for example
	// `email eq "a@example.com"`.
	Filter string
	// Limit is the page size, 1–1000; 0 means PingOne's default.
	Limit int
	// Cursor is the opaque cursor a previous ListUsers returned. When set,
	// the page it points to is fetched and the other fields are ignored:
	// the cursor already carries the query.
	Cursor string
}

// ActivityQuery selects audit activities for ListActivities.
type ActivityQuery struct {
	// Since and Until bound recordedAt (inclusive); both are required, and
	// Since must lie within the last 14 days, the data PingOne serves
	// without a restore.
	Since, Until time.Time
	// ActionTypes keeps activities of any of these types (USER.LOCKED, ...).
	ActionTypes []string
	// ActorUserID keeps activities done by this user.
	ActorUserID string
	// ResourceID keeps activities done to this object.
	ResourceID string
	// Limit is the page size, 1–1000; 0 means PingOne's default (100).
	Limit int
	// Cursor is the opaque cursor a previous ListActivities returned; see
	// UserQuery.
	Cursor string
}

// RiskEvaluationRequest asks PingOne Protect to evaluate a sign-on.
type RiskEvaluationRequest struct {
	// IP is the client's IP address; required.
	IP string
	// UserID is the user's ID: a PingOne user ID for PING_ONE users, the
	// caller's own identifier for EXTERNAL ones; required.
	UserID string
	// UserName is the user's name, optional.
	UserName string
	// UserType is PING_ONE (default) or EXTERNAL.
	UserType string
	// FlowType is AUTHENTICATION (default), REGISTRATION, ACCESS,
	// AUTHORIZATION or TRANSACTION.
	FlowType string
	// RiskPolicySetID picks the policy set; empty means the environment's
	// default.
	RiskPolicySetID string
	// TargetResourceName names the application signed on to, optional.
	TargetResourceName string
}
