package pingonetest

import (
	"math"
	"net/http"
	"strings"
	"time"
)

// user is the fake's record of one PingOne user.
type user struct {
	id, username, email  string
	given, family, title string
	userType             string
	population           *population
	enabled              bool
	mfaEnabled           bool
	verificationRequired bool
	createdAt, updatedAt time.Time
	lastSignOn           time.Time
	lastSignOnIP         string

	// An explicit (administrator) lock, with an optional automatic unlock
	// at unlockAt. A lock whose unlockAt has passed no longer counts; it is
	// cleared lazily (see settle).
	locked             bool
	lockedAt, unlockAt time.Time

	pwd      password
	groups   []*group // DIRECT memberships, in join order
	roles    []*roleAssignment
	sessions []*session   // newest first, at most maxSessions
	devices  []*mfaDevice // MFA devices, in device order (the default first)
}

// password is the user's password state (GET /users/{id}/password).
type password struct {
	// status is the status when not locked out: OK, MUST_CHANGE_PASSWORD,
	// PASSWORD_EXPIRED or NO_PASSWORD.
	status string
	// lockedOut is a lockout by the password policy after failed attempts;
	// it locks the account too, but without lockedAt.
	lockedOut     bool
	lastChangedAt time.Time
	// valueHash is the SHA-256 of the password last set through the API
	// (zero when unknown), for the "not the same as current" rule.
	valueHash         [32]byte
	recoveryCode      string
	recoveryExpires   time.Time
	recoveryCodesSent int
}

func (p *password) wireStatus() string {
	if p.lockedOut {
		return PasswordLockedOut
	}
	return p.status
}

// explicitlyLocked reports whether an administrator's lock holds at now.
func (u *user) explicitlyLocked(now time.Time) bool {
	return u.locked && (u.unlockAt.IsZero() || now.Before(u.unlockAt))
}

func (u *user) accountStatus(now time.Time) string {
	if u.explicitlyLocked(now) || u.pwd.lockedOut {
		return AccountLocked
	}
	return AccountOK
}

// canAuthenticate is false when the account is locked or the user is
// disabled (UserAccount.canAuthenticate).
func (u *user) canAuthenticate(now time.Time) bool {
	return u.enabled && u.accountStatus(now) == AccountOK
}

// settle clears an explicit lock whose unlockAt has passed, before a
// change is applied. PingOne records no USER.UNLOCKED for an automatic
// unlock, and neither does the fake.
func (u *user) settle(now time.Time) {
	if u.locked && !u.explicitlyLocked(now) {
		u.locked, u.lockedAt, u.unlockAt = false, time.Time{}, time.Time{}
	}
}

func (u *user) displayName() string {
	return strings.TrimSpace(u.given + " " + u.family)
}

// userJSON is the wire shape of spec schema User.
type userJSON struct {
	Links              links            `json:"_links"`
	ID                 string           `json:"id"`
	Environment        idRef            `json:"environment"`
	Account            accountJSON      `json:"account"`
	CreatedAt          string           `json:"createdAt"`
	Email              string           `json:"email"`
	EmailVerified      bool             `json:"emailVerified"`
	Enabled            bool             `json:"enabled"`
	IdentityProvider   identityProvider `json:"identityProvider"`
	LastSignOn         *lastSignOnJSON  `json:"lastSignOn,omitempty"`
	Lifecycle          lifecycleJSON    `json:"lifecycle"`
	MFAEnabled         bool             `json:"mfaEnabled"`
	Name               *nameJSON        `json:"name,omitempty"`
	Population         idRef            `json:"population"`
	Title              string           `json:"title,omitempty"`
	Type               string           `json:"type,omitempty"`
	UpdatedAt          string           `json:"updatedAt"`
	Username           string           `json:"username"`
	VerifyStatus       string           `json:"verifyStatus"`
	MemberOfGroupIDs   *[]string        `json:"memberOfGroupIDs,omitempty"`
	MemberOfGroupNames *[]string        `json:"memberOfGroupNames,omitempty"`
	Embedded           *userEmbedded    `json:"_embedded,omitempty"`
}

type accountJSON struct {
	CanAuthenticate    bool   `json:"canAuthenticate"`
	LockedAt           string `json:"lockedAt,omitempty"`
	SecondsUntilUnlock *int64 `json:"secondsUntilUnlock,omitempty"`
	Status             string `json:"status"`
	UnlockAt           string `json:"unlockAt,omitempty"`
}

type identityProvider struct {
	Type string `json:"type"`
}

type lastSignOnJSON struct {
	At       string `json:"at"`
	RemoteIP string `json:"remoteIp,omitempty"`
}

type lifecycleJSON struct {
	Status string `json:"status"`
}

type nameJSON struct {
	Formatted string `json:"formatted,omitempty"`
	Given     string `json:"given,omitempty"`
	Family    string `json:"family,omitempty"`
}

type userEmbedded struct {
	Population populationJSON `json:"population"`
}

type populationJSON struct {
	Links       links  `json:"_links"`
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Environment idRef  `json:"environment"`
}

// userRender selects the optional parts of a rendered user.
type userRender struct {
	groupIDs, groupNames bool // include=memberOfGroupIDs / memberOfGroupNames
	population           bool // expand=population
}

// renderUser builds the User JSON as of now. Callers hold e.mu.
func (s *Server) renderUser(r *http.Request, u *user, now time.Time, opt userRender) userJSON {
	self := s.envURL(r, "/users/"+u.id)
	j := userJSON{
		Links: links{
			"self":                         {Href: self},
			"population":                   {Href: s.envURL(r, "/populations/"+u.population.id)},
			"password":                     {Href: self + "/password"},
			"password.set":                 {Href: self + "/password"},
			"password.reset":               {Href: self + "/password"},
			"password.recover":             {Href: self + "/password"},
			"account.sendVerificationCode": {Href: self},
			"linkedAccounts":               {Href: self + "/linkedAccounts"},
		},
		ID:               u.id,
		Environment:      idRef{ID: s.EnvironmentID},
		Account:          renderAccount(u, now),
		CreatedAt:        formatTime(u.createdAt),
		Email:            u.email,
		EmailVerified:    !u.verificationRequired,
		Enabled:          u.enabled,
		IdentityProvider: identityProvider{Type: "PING_ONE"},
		Lifecycle:        lifecycleJSON{Status: "ACCOUNT_OK"},
		MFAEnabled:       u.mfaEnabled,
		Population:       idRef{ID: u.population.id},
		Title:            u.title,
		Type:             u.userType,
		UpdatedAt:        formatTime(u.updatedAt),
		Username:         u.username,
		VerifyStatus:     "NOT_INITIATED",
	}
	if u.verificationRequired {
		j.Lifecycle.Status = "VERIFICATION_REQUIRED"
	}
	if !u.lastSignOn.IsZero() {
		j.LastSignOn = &lastSignOnJSON{At: formatTime(u.lastSignOn), RemoteIP: u.lastSignOnIP}
	}
	if u.given != "" || u.family != "" {
		j.Name = &nameJSON{Formatted: u.displayName(), Given: u.given, Family: u.family}
	}
	if opt.groupIDs || opt.groupNames {
		ids, names := []string{}, []string{}
		for _, m := range memberships(u) {
			ids = append(ids, m.group.id)
			names = append(names, m.group.name)
		}
		if opt.groupIDs {
			j.MemberOfGroupIDs = &ids
		}
		if opt.groupNames {
			j.MemberOfGroupNames = &names
		}
	}
	if opt.population {
		j.Embedded = &userEmbedded{Population: s.renderPopulation(r, u.population)}
	}
	return j
}

func (s *Server) renderPopulation(r *http.Request, p *population) populationJSON {
	return populationJSON{
		Links: links{"self": {Href: s.envURL(r, "/populations/"+p.id)}},
		ID:    p.id, Name: p.name, Description: p.description, Environment: idRef{ID: s.EnvironmentID},
	}
}

// renderAccount is UserAccount as of now: lockedAt, unlockAt and
// secondsUntilUnlock appear only for an explicit lock, as PingOne leaves
// them out for a lockout by failed password attempts.
func renderAccount(u *user, now time.Time) accountJSON {
	a := accountJSON{CanAuthenticate: u.canAuthenticate(now), Status: u.accountStatus(now)}
	if u.explicitlyLocked(now) {
		a.LockedAt = formatTime(u.lockedAt)
		if !u.unlockAt.IsZero() {
			a.UnlockAt = formatTime(u.unlockAt)
			secs := int64(math.Ceil(u.unlockAt.Sub(now).Seconds()))
			a.SecondsUntilUnlock = &secs
		}
	}
	return a
}
