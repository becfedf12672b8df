package pingonetest

import (
	"cmp"
	"fmt"
	mrand "math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
)

// Env is the state of the fake PingOne environment: populations, users,
// groups, role assignments, applications, sessions, audit activities and
// risk evaluations. All exported methods are safe for concurrent use; they
// exist so tests can arrange and inspect state directly.
type Env struct {
	mu  sync.RWMutex
	id  string
	now func() time.Time
	// rng draws IDs for objects created without one. It is seeded with a
	// constant so runs are reproducible. Guarded by mu.
	rng *mrand.Rand

	popByName   map[string]*population // lower-cased name
	defaultPop  *population
	users       map[string]*user // by ID
	byUsername  map[string]*user // lower-cased username
	userOrder   []*user          // listing order: createdAt, then ID
	groups      map[string]*group
	groupByName map[string]*group // lower-cased name
	groupOrder  []*group          // listing order: name
	apps        map[string]*application
	appOrder    []*application
	worker      *application // the API caller's worker application
	activities  activityLog
	risk        map[string]*riskEvaluation
	riskOrder   []*riskEvaluation // creation order, for the cap
	maxRisk     int
	// seeding is set while SeedDemo runs: what it stores is the seeded
	// history, which the count caps drop last.
	seeding    bool
	policySets []*riskPolicySet
	badIPs     map[netip.Addr]bool
	// passwordPolicyID is the environment's (only) password policy, and
	// passwordPolicy its rules.
	passwordPolicyID string
	passwordPolicy   PasswordPolicy
	// observe is told of every activity recorded (the subscriptions'
	// delivery queue); called with mu held.
	observe func(*storedActivity)
}

type population struct {
	id, name, description string
}

func newEnv(id, workerID string, now func() time.Time) *Env {
	e := &Env{
		id:          id,
		now:         now,
		rng:         mrand.New(mrand.NewPCG(0x9106e, 0x5eed)),
		popByName:   map[string]*population{},
		users:       map[string]*user{},
		byUsername:  map[string]*user{},
		groups:      map[string]*group{},
		groupByName: map[string]*group{},
		apps:        map[string]*application{},
		risk:        map[string]*riskEvaluation{},
		maxRisk:     DefaultMaxRiskEvaluations,
		badIPs:      map[netip.Addr]bool{},
	}
	e.activities.init()
	e.defaultPop = e.addPopulationLocked("Default", "Default population")
	e.passwordPolicyID = seededUUID(e.rng)
	e.passwordPolicy = StandardPasswordPolicy
	created := now().Add(-2 * 365 * 24 * time.Hour)
	e.worker = e.addAppLocked(appSpec{
		id: workerID, name: "idcmd Worker", description: "Worker application used by idcmd (client_credentials)",
		kind: appWorker, created: created,
	})
	e.policySets = append(e.policySets, &riskPolicySet{id: seededUUID(e.rng), name: "Default Risk Policy"})
	return e
}

// ID returns the environment ID.
func (e *Env) ID() string { return e.id }

func (e *Env) addPopulationLocked(name, description string) *population {
	if p := e.popByName[strings.ToLower(name)]; p != nil {
		return p
	}
	p := &population{id: seededUUID(e.rng), name: name, description: description}
	e.popByName[strings.ToLower(name)] = p
	return p
}

// PopulationID returns the ID of the population with this name.
func (e *Env) PopulationID(name string) (string, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if p := e.popByName[strings.ToLower(name)]; p != nil {
		return p.id, true
	}
	return "", false
}

// AddPopulation adds a population (or finds one by name) and returns its
// ID.
func (e *Env) AddPopulation(name string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.addPopulationLocked(name, "").id
}

// UserSpec describes a user for Env.AddUser. Only Username is required;
// the rest gets PingOne-like defaults: enabled, account OK, password OK,
// in the default population.
type UserSpec struct {
	// ID is the user ID; a fresh UUID is generated when empty.
	ID       string
	Username string
	// Email defaults to Username when it looks like an address, else to
	// Username@example.com.
	Email                 string
	GivenName, FamilyName string
	Title                 string
	// Type is PingOne's free-form user type, e.g. "Employee".
	Type string
	// Population is a population name; created if unknown. Default: the
	// environment's default population.
	Population string
	Disabled   bool
	MFAEnabled bool
	// PasswordStatus is PasswordOK (default), PasswordMustChange,
	// PasswordExpired or PasswordNone.
	PasswordStatus string
	// PasswordLocked locks the password out, as too many failed attempts
	// under the password policy do (password status PASSWORD_LOCKED_OUT,
	// account LOCKED without lockedAt).
	PasswordLocked bool
	// Locked locks the account explicitly, as an administrator does, at
	// LockedAt (default: now), until UnlockAt (zero: until unlocked).
	Locked             bool
	LockedAt, UnlockAt time.Time
	// VerificationRequired sets lifecycle.status VERIFICATION_REQUIRED.
	VerificationRequired bool
	// Groups are group names the user is a DIRECT member of; unknown names
	// are created. Nested groups (see AddGroup) add INDIRECT memberships.
	Groups []string
	// Roles are role names (RoleEnvironmentAdmin...) assigned with
	// environment scope.
	Roles []string
	// Sessions is the number of sessions to open (at most 10 are kept).
	Sessions int
	// CreatedAt defaults to the clock's now.
	CreatedAt time.Time
	// LastSignOn and LastSignOnIP are the last successful sign-on; none
	// when zero.
	LastSignOn   time.Time
	LastSignOnIP string
}

// Password statuses (GET /users/{id}/password status).
const (
	PasswordOK         = "OK"
	PasswordMustChange = "MUST_CHANGE_PASSWORD"
	PasswordExpired    = "PASSWORD_EXPIRED"
	PasswordNone       = "NO_PASSWORD"
	PasswordLockedOut  = "PASSWORD_LOCKED_OUT"
)

// Account statuses (user account.status).
const (
	AccountOK     = "OK"
	AccountLocked = "LOCKED"
)

// AddUser adds a user and returns its ID. It panics if the spec is invalid
// (missing or duplicate username, unknown password status or role): that
// is a bug in the test arranging the environment.
func (e *Env) AddUser(spec UserSpec) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.addUserLocked(spec, e.now())
	if err != nil {
		panic("pingonetest: AddUser: " + err.Error())
	}
	return u.id
}

func (e *Env) addUserLocked(spec UserSpec, now time.Time) (*user, error) {
	if spec.Username == "" {
		return nil, fmt.Errorf("username is required")
	}
	key := strings.ToLower(spec.Username)
	if e.byUsername[key] != nil {
		return nil, fmt.Errorf("username %q already exists", spec.Username)
	}
	pw := cmp.Or(spec.PasswordStatus, PasswordOK)
	if !slices.Contains([]string{PasswordOK, PasswordMustChange, PasswordExpired, PasswordNone}, pw) {
		return nil, fmt.Errorf("unknown password status %q", pw)
	}
	id := spec.ID
	if id == "" {
		id = seededUUID(e.rng)
	} else if e.users[id] != nil {
		return nil, fmt.Errorf("user ID %q already exists", id)
	}
	created := spec.CreatedAt
	if created.IsZero() {
		created = now
	}
	email := spec.Email
	if email == "" {
		email = spec.Username
		if !strings.Contains(email, "@") {
			email += "@example.com"
		}
	}
	pop := e.defaultPop
	if spec.Population != "" {
		pop = e.addPopulationLocked(spec.Population, "")
	}
	u := &user{
		id: id, username: spec.Username, email: email,
		given: spec.GivenName, family: spec.FamilyName, title: spec.Title, userType: spec.Type,
		population: pop, enabled: !spec.Disabled, mfaEnabled: spec.MFAEnabled,
		verificationRequired: spec.VerificationRequired,
		createdAt:            created, updatedAt: created,
		lastSignOn: spec.LastSignOn, lastSignOnIP: spec.LastSignOnIP,
		pwd: password{status: pw, lockedOut: spec.PasswordLocked},
	}
	if pw != PasswordNone {
		u.pwd.lastChangedAt = created
	}
	if spec.Locked {
		u.locked = true
		u.lockedAt = spec.LockedAt
		if u.lockedAt.IsZero() {
			u.lockedAt = now
		}
		u.unlockAt = spec.UnlockAt
	}
	for _, name := range spec.Groups {
		g := e.groupByName[strings.ToLower(name)]
		if g == nil {
			g = e.addGroupLocked(GroupSpec{Name: name}, created)
		}
		if !slices.Contains(u.groups, g) {
			u.groups = append(u.groups, g)
		}
	}
	for _, name := range spec.Roles {
		r := roleByName(name)
		if r == nil {
			return nil, fmt.Errorf("unknown role %q", name)
		}
		u.roles = append(u.roles, &roleAssignment{
			id: e.newRoleAssignmentIDLocked(), role: r, scopeType: ScopeEnvironment, scopeID: e.id,
		})
	}
	for i := range spec.Sessions {
		at := now.Add(-time.Duration(i+1) * 47 * time.Minute)
		u.addSession(e.newSessionLocked(at, defaultDevice, spec.LastSignOnIP))
	}
	e.users[id] = u
	e.byUsername[key] = u
	i, _ := slices.BinarySearchFunc(e.userOrder, u, compareUsers)
	e.userOrder = slices.Insert(e.userOrder, i, u)
	return u, nil
}

// compareUsers is the listing order.
func compareUsers(a, b *user) int {
	if c := a.createdAt.Compare(b.createdAt); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

func (e *Env) newRoleAssignmentIDLocked() string { return seededUUID(e.rng) }

// resolveLocked finds a user by ID or username. The API itself only
// accepts IDs; usernames are a convenience for tests.
func (e *Env) resolveLocked(idOrUsername string) *user {
	if u := e.users[idOrUsername]; u != nil {
		return u
	}
	return e.byUsername[strings.ToLower(idOrUsername)]
}

// UserID resolves an ID or username to the user's ID.
func (e *Env) UserID(idOrUsername string) (string, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if u := e.resolveLocked(idOrUsername); u != nil {
		return u.id, true
	}
	return "", false
}

// UserState is a snapshot of what PingOne would report about a user, for
// test assertions.
type UserState struct {
	ID, Username string
	Enabled      bool
	// AccountStatus is AccountOK or AccountLocked (account.status).
	AccountStatus   string
	CanAuthenticate bool
	// LockedAt and UnlockAt are set for an explicit (administrator) lock.
	LockedAt, UnlockAt time.Time
	// PasswordStatus is the password state's status (PasswordOK...).
	PasswordStatus string
	// RecoveryCodesSent counts sendRecoveryCode actions.
	RecoveryCodesSent int
	Sessions          int
	MFAEnabled        bool
}

// User returns the state of the user with this ID or username, as of the
// clock's now (an account whose unlockAt has passed reads as unlocked).
func (e *Env) User(idOrUsername string) (UserState, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.resolveLocked(idOrUsername)
	if u == nil {
		return UserState{}, false
	}
	now := e.now()
	st := UserState{
		ID: u.id, Username: u.username, Enabled: u.enabled,
		AccountStatus: u.accountStatus(now), CanAuthenticate: u.canAuthenticate(now),
		PasswordStatus: u.pwd.wireStatus(), RecoveryCodesSent: u.pwd.recoveryCodesSent,
		Sessions: len(u.sessions), MFAEnabled: u.mfaEnabled,
	}
	if u.explicitlyLocked(now) {
		st.LockedAt, st.UnlockAt = u.lockedAt, u.unlockAt
	}
	return st, true
}

// RecoveryCode returns the last password recovery code sent to the user
// (what the user would find in the e-mail), or "".
func (e *Env) RecoveryCode(idOrUsername string) string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if u := e.resolveLocked(idOrUsername); u != nil {
		return u.pwd.recoveryCode
	}
	return ""
}

// SessionCount returns how many sessions the user has, expired ones
// included (at most 10). userID may also be a username.
func (e *Env) SessionCount(userID string) int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if u := e.resolveLocked(userID); u != nil {
		return len(u.sessions)
	}
	return 0
}

// AddSessions opens n sessions for the user, starting now and one minute
// apart, and reports whether the user exists. As in PingOne only the ten
// newest are kept.
func (e *Env) AddSessions(idOrUsername string, n int) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.resolveLocked(idOrUsername)
	if u == nil {
		return false
	}
	now := e.now()
	for i := range n {
		u.addSession(e.newSessionLocked(now.Add(time.Duration(i)*time.Minute), defaultDevice, u.lastSignOnIP))
	}
	return true
}

// UserCount returns the number of users.
func (e *Env) UserCount() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return len(e.users)
}

// AddBadIPs adds addresses that Protect scores as HIGH risk. Invalid
// addresses are ignored.
func (e *Env) AddBadIPs(ips ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range ips {
		if a, err := netip.ParseAddr(s); err == nil {
			e.badIPs[a.Unmap()] = true
		}
	}
}
