package oktatest

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// User risk (spec tag UserRisk): GET and PUT /api/v1/users/{userId}/risk,
// Identity Threat Protection's level for a user.
//
// Decisions where the spec leaves Okta's behaviour open:
//   - {userId} is the ID only (the spec's pathUserId, "ID of an existing
//     Okta user"), as for roles and factors: a login is an unknown user.
//   - A user never given a risk answers riskLevel NONE with no reason (the
//     spec's UserRiskNoneResponse example).
//   - PUT answers 201 when it creates the user's risk object, 200 when it
//     replaces one (the spec declares both). Only HIGH, MEDIUM and LOW can
//     be set (UserRiskRequest's enum): NONE is refused like any other value.
//   - A PUT that changes the level records user.risk.change in the System
//     Log, with the levels in debugData.risk as Okta's ITP event reference
//     shows them ({previousLevel=…, level=…, reasons=…}); re-sending the
//     same level records nothing. Okta's detectionName and issuer keys are
//     left out: what Okta puts there for an admin's override is not
//     documented.

// Scopes of the user risk operations (the spec's security requirements).
const (
	ScopeUserRiskRead   = "okta.userRisk.read"
	ScopeUserRiskManage = "okta.userRisk.manage"
)

// Risk levels (spec UserRiskLevelAll); NONE is read-only.
const (
	RiskHigh   = "HIGH"
	RiskMedium = "MEDIUM"
	RiskLow    = "LOW"
	RiskNone   = "NONE"
)

// settableRiskLevels are UserRiskRequest.riskLevel's enum.
var settableRiskLevels = []string{RiskHigh, RiskMedium, RiskLow}

// defaultRiskReason is what Okta records for a level set without a reason.
const defaultRiskReason = "override.by.admin"

// riskReasonPattern and maxRiskReason are UserRiskRequest.riskReason's
// pattern and maxLength.
var riskReasonPattern = regexp.MustCompile(`^[a-zA-Z0-9\s\-,.]*$`)

const (
	maxRiskReason = 500
	maxRiskBody   = 8 << 10
)

// userRisk is one user's risk object; a user without one has no entry.
type userRisk struct {
	level  string
	reason string
}

// riskTable holds risk objects by user ID. The nil table is empty.
type riskTable map[string]userRisk

// riskRoute serves /api/v1/users/{userId}/risk.
func riskRoute(userID string) (methods, string, string) {
	return methods{
		"GET": {ScopeUserRiskRead, (*Server).getUserRisk},
		"PUT": {ScopeUserRiskManage, (*Server).upsertUserRisk},
	}, userID, ""
}

// SetUserRisk gives a user a risk level and reason, as Okta's own detection
// would (nothing is logged): tests and the seed arrange risk with it. It
// reports whether the user exists and panics on a level that is not
// HIGH, MEDIUM or LOW: that is a bug in the test arranging the org.
func (o *Org) SetUserRisk(idOrLogin, level, reason string) bool {
	if !slices.Contains(settableRiskLevels, level) {
		panic("oktatest: unsupported risk level " + level)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	u := o.resolveLocked(idOrLogin)
	if u == nil {
		return false
	}
	o.setRiskLocked(u.id, level, reason)
	return true
}

// UserRisk returns a user's risk level and reason: NONE and "" for a user
// without one. ok is false for an unknown user.
func (o *Org) UserRisk(idOrLogin string) (level, reason string, ok bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	u := o.resolveLocked(idOrLogin)
	if u == nil {
		return "", "", false
	}
	r := o.riskOfLocked(u.id)
	return r.level, r.reason, true
}

func (o *Org) setRiskLocked(userID, level, reason string) {
	if o.risk == nil {
		o.risk = riskTable{}
	}
	o.risk[userID] = userRisk{level: level, reason: reason}
}

// riskOfLocked is the user's risk, NONE for one without.
func (o *Org) riskOfLocked(userID string) userRisk {
	if r, ok := o.risk[userID]; ok {
		return r
	}
	return userRisk{level: RiskNone}
}

// Demo risk: ITP's verdict on the demo org's compromised users, each
// reason naming what happened in the seeded story.
var seedRisks = []struct{ login, level, reason string }{
	{DemoActiveUser, RiskHigh, "MFA fatigue, nine rejected Okta Verify pushes from Moscow, then an accepted push and SSO into AWS and GitHub"},
	{DemoSuspendedUser, RiskHigh, "Impossible travel, a sign-in from New York then from Sao Paulo 40 minutes later"},
	{DemoLockedUser, RiskMedium, "Password spraying from Lagos, six failed sign-ins then a lockout"},
}

// seedRisk gives the demo org's compromised users their risk. It draws
// nothing from the seed's random source and depends on no clock, so the
// rest of the seed and its times are unchanged.
func (sd *seeder) seedRisk() {
	for _, r := range seedRisks {
		if u := sd.byLogin[r.login]; u != nil {
			sd.o.setRiskLocked(u.id, r.level, r.reason)
		}
	}
}

// riskJSON is the wire shape of a risk object (spec schemas
// UserRiskGetResponse and UserRiskPutResponse).
type riskJSON struct {
	RiskLevel string              `json:"riskLevel"`
	Reason    string              `json:"reason,omitempty"`
	Links     map[string]hrefLink `json:"_links"`
}

func (s *Server) renderRisk(r *http.Request, userID string, risk userRisk) riskJSON {
	user := s.baseURL(r) + "/api/v1/users/" + userID
	return riskJSON{
		RiskLevel: risk.level,
		Reason:    risk.reason,
		Links: map[string]hrefLink{
			"self": {Href: user + "/risk", Hints: allow(http.MethodGet, http.MethodPut)},
			"user": {Href: user, Hints: allow(http.MethodGet)},
		},
	}
}

// getUserRisk serves GET /api/v1/users/{userId}/risk.
func (s *Server) getUserRisk(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	o := s.org
	o.mu.RLock()
	u := o.users[c.param]
	if u == nil {
		o.mu.RUnlock()
		return errNotFound(c.param, "User")
	}
	out := s.renderRisk(r, u.id, o.riskOfLocked(u.id))
	o.mu.RUnlock()
	writeJSON(w, http.StatusOK, out)
	return nil
}

// riskInput is the PUT body (spec schema UserRiskRequest). Pointers tell
// a missing member from an empty one.
type riskInput struct {
	RiskLevel  *string `json:"riskLevel"`
	RiskReason *string `json:"riskReason"`
}

// parseRisk reads and validates a PUT body: E0000003 for one that is not a
// JSON object of the declared types, E0000001 with a cause per problem for
// one that breaks the schema's rules.
func parseRisk(r *http.Request) (level, reason string, e *apiError) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxRiskBody+1))
	var in riskInput
	if err != nil || len(b) > maxRiskBody || !strings.HasPrefix(strings.TrimSpace(string(b)), "{") || json.Unmarshal(b, &in) != nil {
		return "", "", errMalformedBody()
	}
	var causes []string
	switch {
	case in.RiskLevel == nil || *in.RiskLevel == "":
		causes = append(causes, "riskLevel: The field cannot be left blank.")
	case !slices.Contains(settableRiskLevels, *in.RiskLevel):
		causes = append(causes, "riskLevel: Risk level must be one of HIGH, MEDIUM, LOW.")
	}
	if in.RiskReason != nil {
		switch {
		case len([]rune(*in.RiskReason)) > maxRiskReason:
			causes = append(causes, "riskReason: Risk reason must be at most 500 characters.")
		case !riskReasonPattern.MatchString(*in.RiskReason):
			causes = append(causes, "riskReason: Only alphanumeric characters, spaces, hyphens, commas, and periods are allowed.")
		}
		reason = *in.RiskReason
	}
	if len(causes) > 0 {
		return "", "", newAPIError(http.StatusBadRequest, "E0000001", "Api validation failed: userRisk", causes...)
	}
	if reason == "" {
		reason = defaultRiskReason
	}
	return *in.RiskLevel, reason, nil
}

// upsertUserRisk serves PUT /api/v1/users/{userId}/risk.
func (s *Server) upsertUserRisk(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	level, reason, aerr := parseRisk(r)
	if aerr != nil {
		return aerr
	}
	o := s.org
	o.mu.Lock()
	u := o.users[c.param]
	if u == nil {
		o.mu.Unlock()
		return errNotFound(c.param, "User")
	}
	_, existed := o.risk[u.id]
	before := o.riskOfLocked(u.id)
	after := userRisk{level: level, reason: reason}
	o.setRiskLocked(u.id, level, reason)
	if before.level != level {
		now := o.now()
		ev := s.apiEvent(r, c, now, "user.risk.change", "Admin reported user risk", u)
		ev.DebugContext.DebugData["risk"] = "{previousLevel=" + before.level + ", level=" + level + ", reasons=" + reason + "}"
		o.appendLocked(ev, now)
	}
	out := s.renderRisk(r, u.id, after)
	o.mu.Unlock()
	status := http.StatusOK
	if !existed {
		status = http.StatusCreated
	}
	writeJSON(w, status, out)
	return nil
}
