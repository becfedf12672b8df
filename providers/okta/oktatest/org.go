package oktatest

import (
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
)

// User statuses (spec schema UserStatus).
const (
	StatusActive          = "ACTIVE"
	StatusDeprovisioned   = "DEPROVISIONED"
	StatusLockedOut       = "LOCKED_OUT"
	StatusPasswordExpired = "PASSWORD_EXPIRED"
	StatusProvisioned     = "PROVISIONED"
	StatusRecovery        = "RECOVERY"
	StatusStaged          = "STAGED"
	StatusSuspended       = "SUSPENDED"
)

var validStatuses = []string{
	StatusActive, StatusDeprovisioned, StatusLockedOut, StatusPasswordExpired,
	StatusProvisioned, StatusRecovery, StatusStaged, StatusSuspended,
}

// ServiceAccountLogin is the login of the admin account that owns the SSWS
// token. System Log events for actions taken with that token name it as the
// actor, as Okta names the token's creator. SeedDemo adds it as a user.
const ServiceAccountLogin = "idcmd.svc@example.com"

// Org is the state of the fake Okta org: users, groups, apps, factors,
// sessions and the System Log. All exported methods are safe for concurrent
// use; they exist so tests can arrange and inspect state directly.
type Org struct {
	mu  sync.RWMutex
	now func() time.Time
	// rng draws IDs for objects added without one. It is seeded with a
	// constant so runs are reproducible. Guarded by mu.
	rng *mrand.Rand

	users   map[string]*user   // by ID
	byLogin map[string]*user   // by lower-cased login
	byShort map[string][]*user // by lower-cased login shortname (part before @)
	userIDs []string           // sorted ascending: the listing order

	groups      map[string]*group
	groupByName map[string]*group
	everyone    *group

	apps       map[string]*app
	appByLabel map[string]*app

	roles roleTable // admin role assignments (roles.go)
	risk  riskTable // user risk objects (risk.go)

	zones []*netZone // network zones in creation order (zones.go)

	userTypeID string
	// svcID and svcTokenID identify the SSWS token's owner and the token
	// itself in System Log events.
	svcID      string
	svcTokenID string

	log eventLog

	push pushState // push verifications (push.go)

	// hooks, when set, is told of every event stored (eventhooks_delivery.go).
	hooks *hookHub
}

// user is the fake's record of one Okta user.
type user struct {
	id              string
	status          string
	created         time.Time
	activated       time.Time
	statusChanged   time.Time
	lastLogin       time.Time
	lastUpdated     time.Time
	passwordChanged time.Time
	// profile holds the profile attributes that are set, by attribute name.
	profile          map[string]string
	hasPassword      bool
	recoveryQuestion string
	groups           []*group // Everyone first, then in join order
	apps             []*assignment
	factors          []*factor
	sessions         []session
	oauthTokens      int // OAuth tokens issued to the user (oauthtokens.go)
}

func (u *user) login() string { return u.profile["login"] }

func (u *user) displayName() string {
	if d := u.profile["displayName"]; d != "" {
		return d
	}
	return strings.TrimSpace(u.profile["firstName"] + " " + u.profile["lastName"])
}

// touch records a change made at now.
func (u *user) touch(now time.Time) { u.lastUpdated = now }

// setStatus moves the user to status at now, keeping the timestamps Okta
// keeps.
func (u *user) setStatus(status string, now time.Time) {
	if u.status == status {
		u.touch(now)
		return
	}
	u.status = status
	u.statusChanged = now
	if status == StatusActive && u.activated.IsZero() {
		u.activated = now
	}
	u.touch(now)
}

type group struct {
	id                    string
	name                  string
	description           string
	groupType             string // OKTA_GROUP, APP_GROUP or BUILT_IN
	created               time.Time
	lastUpdated           time.Time
	lastMembershipUpdated time.Time
	// sourceApp is the app an APP_GROUP was imported from.
	sourceApp *app
}

type app struct {
	id    string
	name  string // Okta app name, e.g. "salesforce"
	label string // display label, e.g. "Salesforce"
}

type assignment struct {
	id  string
	app *app
}

type factor struct {
	id          string
	factorType  string
	provider    string
	vendorName  string
	status      string
	created     time.Time
	lastUpdated time.Time
	profile     map[string]string
}

type session struct {
	id      string
	created time.Time
}

// UserSpec describes a user for Org.AddUser. Only Login is required; the
// rest gets Okta-like defaults.
type UserSpec struct {
	// ID is the user ID; a fresh "00u…" ID is generated when empty.
	ID        string
	Login     string
	Email     string // defaults to Login
	FirstName string
	LastName  string
	// DisplayName defaults to "FirstName LastName".
	DisplayName string
	// Status defaults to ACTIVE.
	Status         string
	Department     string
	Title          string
	MobilePhone    string
	Manager        string
	ManagerID      string
	City           string
	State          string
	CountryCode    string
	EmployeeNumber string
	UserType       string
	Organization   string
	Division       string
	// Profile holds further (custom) profile attributes.
	Profile map[string]string
	// Groups are group names; unknown names are created as OKTA_GROUP.
	// Every user is also in the BUILT_IN Everyone group.
	Groups []string
	// Apps are app labels (e.g. "Salesforce"); unknown labels are created.
	Apps []string
	// Factors are factor types to enroll: push, sms, token:software:totp,
	// webauthn, email, question, call.
	Factors []string
	// Sessions is the number of open Okta sessions.
	Sessions int
	// NoPassword leaves the user without a password credential, as for a
	// user created without credentials (STAGED or PROVISIONED).
	NoPassword bool
	// Created defaults to the clock's now; LastLogin defaults to none.
	Created   time.Time
	LastLogin time.Time
}

func newOrg(now func() time.Time) *Org {
	o := &Org{
		now:         now,
		rng:         mrand.New(mrand.NewPCG(0x0c7a, 0x5eed)),
		users:       map[string]*user{},
		byLogin:     map[string]*user{},
		byShort:     map[string][]*user{},
		groups:      map[string]*group{},
		groupByName: map[string]*group{},
		apps:        map[string]*app{},
		appByLabel:  map[string]*app{},
		log:         eventLog{retention: DefaultLogRetention, max: DefaultMaxLogEvents},
	}
	o.userTypeID = oktaID(o.rng, prefixUserType)
	o.svcID = oktaID(o.rng, prefixUser)
	o.svcTokenID = oktaID(o.rng, prefixAPIToken)
	created := now().Add(-3 * 365 * 24 * time.Hour)
	o.everyone = o.addGroupLocked(groupSpec{
		name: "Everyone", description: "All users in your organization",
		groupType: "BUILT_IN", created: created,
	})
	o.zones = systemZones(created)
	return o
}

// AddUser adds a user and returns its ID. It panics if the spec is invalid
// (missing or duplicate login, unknown status or factor type): that is a bug
// in the test arranging the org.
func (o *Org) AddUser(spec UserSpec) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	u, err := o.addUserLocked(spec, o.rng, o.now())
	if err != nil {
		panic("oktatest: AddUser: " + err.Error())
	}
	return u.id
}

// UserID resolves an ID, login or login shortname to the user's ID.
func (o *Org) UserID(idOrLogin string) (string, bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if u := o.resolveLocked(idOrLogin); u != nil {
		return u.id, true
	}
	return "", false
}

// UserStatus returns the status of the user with this ID, login or login
// shortname.
func (o *Org) UserStatus(idOrLogin string) (string, bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if u := o.resolveLocked(idOrLogin); u != nil {
		return u.status, true
	}
	return "", false
}

// SetUserStatus forces a user's status, bypassing lifecycle rules, to
// arrange a test. It reports whether the user exists; it panics on an
// unknown status.
func (o *Org) SetUserStatus(idOrLogin, status string) bool {
	if !slices.Contains(validStatuses, status) {
		panic("oktatest: SetUserStatus: unknown status " + status)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	u := o.resolveLocked(idOrLogin)
	if u == nil {
		return false
	}
	u.setStatus(status, o.now())
	return true
}

// SessionCount returns how many Okta sessions the user has open. userID
// may also be a login.
func (o *Org) SessionCount(userID string) int {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if u := o.resolveLocked(userID); u != nil {
		return len(u.sessions)
	}
	return 0
}

// AddSessions opens n more sessions for the user and reports whether the
// user exists.
func (o *Org) AddSessions(idOrLogin string, n int) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	u := o.resolveLocked(idOrLogin)
	if u == nil {
		return false
	}
	now := o.now()
	for range n {
		u.sessions = append(u.sessions, session{id: oktaID(o.rng, prefixSession), created: now})
	}
	return true
}

// FactorCount returns how many factors the user has enrolled.
func (o *Org) FactorCount(idOrLogin string) int {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if u := o.resolveLocked(idOrLogin); u != nil {
		return len(u.factors)
	}
	return 0
}

// GroupNames returns the names of the user's groups, Everyone first.
func (o *Org) GroupNames(idOrLogin string) []string {
	o.mu.RLock()
	defer o.mu.RUnlock()
	u := o.resolveLocked(idOrLogin)
	if u == nil {
		return nil
	}
	names := make([]string, len(u.groups))
	for i, g := range u.groups {
		names[i] = g.name
	}
	return names
}

// UserCount returns the number of users, DEPROVISIONED included.
func (o *Org) UserCount() int {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return len(o.users)
}

// resolveLocked finds a user by ID, login or unique login shortname, the
// three forms Okta accepts for an {id} path parameter.
func (o *Org) resolveLocked(idOrLogin string) *user {
	if u := o.users[idOrLogin]; u != nil {
		return u
	}
	key := strings.ToLower(idOrLogin)
	if u := o.byLogin[key]; u != nil {
		return u
	}
	if us := o.byShort[key]; len(us) == 1 {
		return us[0]
	}
	return nil
}

func (o *Org) addUserLocked(spec UserSpec, rng *mrand.Rand, now time.Time) (*user, error) {
	if len(spec.Login) < 5 {
		return nil, fmt.Errorf("login %q must be at least 5 characters", spec.Login)
	}
	key := strings.ToLower(spec.Login)
	if o.byLogin[key] != nil {
		return nil, fmt.Errorf("login %q already exists", spec.Login)
	}
	status := spec.Status
	if status == "" {
		status = StatusActive
	}
	if !slices.Contains(validStatuses, status) {
		return nil, fmt.Errorf("unknown status %q", status)
	}
	id := spec.ID
	for id == "" || o.users[id] != nil {
		if spec.ID != "" {
			return nil, fmt.Errorf("user ID %q already exists", spec.ID)
		}
		id = oktaID(rng, prefixUser)
	}
	created := spec.Created
	if created.IsZero() {
		created = now
	}
	u := &user{
		id:          id,
		status:      status,
		created:     created,
		lastUpdated: created,
		lastLogin:   spec.LastLogin,
		profile:     map[string]string{},
		hasPassword: !spec.NoPassword,
	}
	if status != StatusStaged {
		u.statusChanged = created
	}
	if status != StatusStaged && status != StatusProvisioned {
		u.activated = created
	}
	if u.hasPassword {
		u.passwordChanged = created
	}
	email := spec.Email
	if email == "" {
		email = spec.Login
	}
	for k, v := range spec.Profile {
		u.profile[k] = v
	}
	for k, v := range map[string]string{
		"login": spec.Login, "email": email, "firstName": spec.FirstName, "lastName": spec.LastName,
		"displayName": spec.DisplayName,
		"department":  spec.Department, "title": spec.Title, "mobilePhone": spec.MobilePhone,
		"manager": spec.Manager, "managerId": spec.ManagerID, "city": spec.City, "state": spec.State,
		"countryCode": spec.CountryCode, "employeeNumber": spec.EmployeeNumber, "userType": spec.UserType,
		"organization": spec.Organization, "division": spec.Division,
	} {
		if v != "" {
			u.profile[k] = v
		}
	}
	if _, ok := u.profile["displayName"]; !ok {
		if d := u.displayName(); d != "" {
			u.profile["displayName"] = d
		}
	}
	for _, ft := range spec.Factors {
		f, err := newFactor(rng, u, ft, created)
		if err != nil {
			return nil, err
		}
		u.factors = append(u.factors, f)
	}
	for i := range spec.Sessions {
		u.sessions = append(u.sessions, session{
			id:      oktaID(rng, prefixSession),
			created: now.Add(-time.Duration(i+1) * 37 * time.Minute),
		})
	}

	u.groups = []*group{o.everyone}
	for _, name := range spec.Groups {
		g := o.groupByName[strings.ToLower(name)]
		if g == nil {
			g = o.addGroupLocked(groupSpec{name: name, groupType: "OKTA_GROUP", created: created, rng: rng})
		}
		if !slices.Contains(u.groups, g) {
			u.groups = append(u.groups, g)
			g.lastMembershipUpdated = created
		}
	}
	for _, label := range spec.Apps {
		a := o.appByLabel[strings.ToLower(label)]
		if a == nil {
			a = o.addAppLocked(rng, appNameFor(label), label)
		}
		u.apps = append(u.apps, &assignment{id: oktaID(rng, prefixAssignment), app: a})
	}

	o.users[id] = u
	o.byLogin[key] = u
	if short, _, ok := strings.Cut(key, "@"); ok {
		o.byShort[short] = append(o.byShort[short], u)
	}
	i, _ := slices.BinarySearch(o.userIDs, id)
	o.userIDs = slices.Insert(o.userIDs, i, id)
	return u, nil
}

type groupSpec struct {
	id          string
	name        string
	description string
	groupType   string
	created     time.Time
	sourceApp   *app
	rng         *mrand.Rand // defaults to the org's
}

func (o *Org) addGroupLocked(spec groupSpec) *group {
	rng := spec.rng
	if rng == nil {
		rng = o.rng
	}
	id := spec.id
	if id == "" {
		id = oktaID(rng, prefixGroup)
	}
	g := &group{
		id: id, name: spec.name, description: spec.description, groupType: spec.groupType,
		created: spec.created, lastUpdated: spec.created, lastMembershipUpdated: spec.created,
		sourceApp: spec.sourceApp,
	}
	o.groups[id] = g
	o.groupByName[strings.ToLower(spec.name)] = g
	return g
}

func (o *Org) addAppLocked(rng *mrand.Rand, name, label string) *app {
	a := &app{id: oktaID(rng, prefixApp), name: name, label: label}
	o.apps[a.id] = a
	o.appByLabel[strings.ToLower(label)] = a
	return a
}

// appNameFor derives an Okta app name from a label for apps the seed does
// not know: "Acme HR" → "acmehr".
func appNameFor(label string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(label) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
