package okta

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"

	"github.com/idcmd/idcmd/providers/httpx"
)

// User risk (spec tag UserRisk, GET and PUT /api/v1/users/{userId}/risk):
// the risk level Identity Threat Protection holds for a user, which entity
// risk policies act on. It exists only in Identity Engine orgs with ITP;
// elsewhere Okta refuses the calls (a 401 or 403, reported as
// Unauthorized). With OAuth, reading needs okta.userRisk.read and setting
// okta.userRisk.manage; like the role and zone scopes they are not among the
// default Scopes (a scope the service app was not granted fails the token
// request, and every call with it), so an org that uses these calls grants
// them and lists them in Config.Scopes.

// Risk levels (spec schemas UserRiskLevelAll and UserRiskLevelPut). NONE is
// only ever read: it is what Okta answers for a user with no risk, and no
// PUT can set it.
const (
	RiskHigh   = "HIGH"
	RiskMedium = "MEDIUM"
	RiskLow    = "LOW"
	RiskNone   = "NONE"
)

// SettableRiskLevels are the levels SetUserRisk accepts (UserRiskRequest's
// riskLevel enum), highest first.
var SettableRiskLevels = []string{RiskHigh, RiskMedium, RiskLow}

// DefaultRiskReason is the reason Okta records for a level an admin set
// without one (UserRiskReason).
const DefaultRiskReason = "override.by.admin"

// MaxRiskReason is the longest riskReason Okta accepts (UserRiskRequest).
const MaxRiskReason = 500

// riskReasonPattern is UserRiskRequest.riskReason's pattern: letters,
// digits, whitespace, hyphens, commas and periods only.
var riskReasonPattern = regexp.MustCompile(`^[a-zA-Z0-9\s\-,.]*$`)

// UserRisk is a user's risk (spec schemas UserRiskGetResponse and
// UserRiskPutResponse).
type UserRisk struct {
	// RiskLevel is HIGH, MEDIUM, LOW, or NONE for a user with no risk.
	RiskLevel string `json:"riskLevel"`
	// Reason says why the level is what it is: an admin's riskReason,
	// DefaultRiskReason for an admin override without one, or what Okta's
	// own detection recorded. Empty with NONE.
	Reason string `json:"reason"`
	// Created reports that the PUT created the user's risk object (Okta's
	// 201) rather than replacing one (200). Never set by GetUserRisk.
	Created bool `json:"-"`
	// Raw is the risk object exactly as Okta returned it.
	Raw json.RawMessage `json:"-"`
}

func (r *UserRisk) setRaw(b json.RawMessage) { r.Raw = b }

// Level is RiskLevel, or NONE when Okta left it out: the spec does not
// mark it required, and a user without risk has none to speak of.
func (r *UserRisk) Level() string {
	if r.RiskLevel == "" {
		return RiskNone
	}
	return r.RiskLevel
}

// CheckRiskReason says what is wrong with a riskReason Okta would refuse,
// or returns nil: at most MaxRiskReason characters of letters, digits,
// spaces, hyphens, commas and periods. Callers check it before SetUserRisk
// to name their own argument; SetUserRisk checks it too.
func CheckRiskReason(reason string) error {
	switch {
	case len([]rune(reason)) > MaxRiskReason:
		return fmt.Errorf("must be at most %d characters long", MaxRiskReason)
	case !riskReasonPattern.MatchString(reason):
		return fmt.Errorf("may only contain letters, digits, spaces, hyphens, commas and periods")
	}
	return nil
}

// GetUserRisk returns the user's risk; a user with none comes back as
// NONE (not as an error). Okta takes the user ID only on this path: a login
// comes back as NotFound, so resolve one with GetUser first. One GET, so
// cheap enough to read alongside a user's other facts.
func (c *Client) GetUserRisk(ctx context.Context, userID string) (*UserRisk, error) {
	p, err := userPath(userID, "/risk")
	if err != nil {
		return nil, err
	}
	resp, err := c.get(ctx, "getUserRisk", c.endpoint(p, nil))
	if err != nil {
		return nil, err
	}
	return decodeObject[UserRisk]("getUserRisk", resp)
}

// SetUserRisk sets the user's risk level (HIGH, MEDIUM or LOW, see
// SettableRiskLevels) with an optional reason ("" lets Okta record
// DefaultRiskReason), and returns the risk as Okta stored it. The user ID
// only, as for GetUserRisk. The PUT is an upsert: sending it again ends in
// the same level and reason, so it is retried like a read (Okta may record
// a second user.risk.change event, never a second different state).
func (c *Client) SetUserRisk(ctx context.Context, userID, level, reason string) (*UserRisk, error) {
	p, err := userPath(userID, "/risk")
	if err != nil {
		return nil, err
	}
	if !slices.Contains(SettableRiskLevels, level) {
		return nil, invalid(fmt.Sprintf("risk level %q cannot be set: use HIGH, MEDIUM or LOW", level))
	}
	if err := CheckRiskReason(reason); err != nil {
		return nil, invalid("risk reason " + err.Error())
	}
	body, err := json.Marshal(riskRequest{RiskLevel: level, RiskReason: reason})
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, call{
		op:     "upsertUserRisk",
		method: http.MethodPut,
		url:    c.endpoint(p, nil),
		retry:  httpx.RetryIdempotent,
		body:   body,
	})
	if err != nil {
		return nil, err
	}
	risk, err := decodeObject[UserRisk]("upsertUserRisk", resp)
	if err != nil {
		return nil, err
	}
	risk.Created = resp.StatusCode == http.StatusCreated
	return risk, nil
}

// riskRequest is the PUT body (spec schema UserRiskRequest).
type riskRequest struct {
	RiskLevel  string `json:"riskLevel"`
	RiskReason string `json:"riskReason,omitempty"`
}
