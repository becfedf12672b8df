package commands

import (
	"context"

	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/upstream"
)

// Okta user risk (Identity Threat Protection): the level Okta's entity risk
// policies act on. Setting it HIGH is how a SOAR feeds its own verdict into
// Okta, so policy (universal logout, step-up MFA) follows; it needs ITP in
// an Identity Engine org, and with OAuth the okta.userRisk.read and
// okta.userRisk.manage scopes.

// OktaUserRisk is a user's Okta risk, merged into the user's context entry
// (Okta.User, by ID) so a playbook finds it next to Status.
type OktaUserRisk struct {
	// Okta user ID.
	ID string `json:"ID" example:"00ub0oNGTSWTBKOLGLNR"`
	// Login (Okta's profile.login).
	Username string `json:"Username" example:"jdoe@example.com"`
	// Okta's risk level for the user: HIGH, MEDIUM, LOW, or NONE when the user has no risk.
	RiskLevel string `json:"RiskLevel" example:"HIGH"`
	// Why the level is what it is: Okta's detection, an admin's reason, or override.by.admin for an admin's change without one. Empty with NONE.
	RiskReason string `json:"RiskReason,omitempty" example:"override.by.admin"`
}

// OktaUserRiskChange is the outcome of okta-set-user-risk: the risk as Okta
// stored it and what it was before.
type OktaUserRiskChange struct {
	OktaUserRisk
	// Risk level before the change: HIGH, MEDIUM, LOW or NONE.
	PreviousRiskLevel string `json:"PreviousRiskLevel" example:"NONE"`
	// Reason of the previous level; empty when it was NONE.
	PreviousRiskReason string `json:"PreviousRiskReason,omitempty"`
	// Whether the level changed (false when it already was risk_level: then only the reason may have).
	RiskChanged bool `json:"RiskChanged"`
}

var riskHeaders = []string{"ID", "Username", "Risk level", "Reason"}

func oktaUserRisk(u *okta.User, r *okta.UserRisk) OktaUserRisk {
	return OktaUserRisk{ID: u.ID, Username: u.Profile.Login, RiskLevel: r.Level(), RiskReason: r.Reason}
}

// OktaGetUserRisk reads a user's Okta risk level.
var OktaGetUserRisk = Spec[OktaUserArgs, OktaUserRisk]{
	Name:        "okta-get-user-risk",
	Summary:     "Get an Okta user's risk level (Identity Threat Protection)",
	Description: "Okta's risk level for the user (HIGH, MEDIUM, LOW, or NONE) and its reason. Needs Identity Threat Protection; Okta refuses the call (403) in an org without it.",
	Provider:    Okta,
	Context:     Context{Prefix: "Okta.User", Key: "ID"},
	Risk:        Read,
	Run: func(ctx context.Context, p Providers, a OktaUserArgs) (Reply[OktaUserRisk], error) {
		c, u, err := resolveOktaUser(ctx, p, a.User)
		if err != nil {
			return Reply[OktaUserRisk]{}, err
		}
		risk, err := c.GetUserRisk(ctx, u.ID)
		if err != nil {
			return Reply[OktaUserRisk]{}, err
		}
		out := oktaUserRisk(u, risk)
		return Reply[OktaUserRisk]{
			Outputs:  out,
			Readable: table("Okta user risk of "+out.Username, riskHeaders, [][]string{{out.ID, out.Username, out.RiskLevel, out.RiskReason}}),
			Raw:      rawJSON(risk.Raw),
		}, nil
	},
}

// OktaSetUserRiskArgs are the arguments of okta-set-user-risk.
type OktaSetUserRiskArgs struct {
	OktaUserArgs
	// Risk level to set: HIGH, MEDIUM or LOW. Okta cannot set NONE: lower a user's risk with LOW.
	RiskLevel string `json:"risk_level" validate:"required,oneof=HIGH MEDIUM LOW" enums:"HIGH,MEDIUM,LOW" example:"HIGH"`
	// Why, as Okta records it (default override.by.admin): at most 500 letters, digits, spaces, hyphens, commas and periods.
	RiskReason string `json:"risk_reason,omitempty" validate:"omitempty,max=500" example:"MFA fatigue confirmed by the SOC, case 4711"`
}

// Validate applies Okta's pattern for riskReason, so a reason Okta would
// refuse is a problem naming body.risk_reason, not the provider's 400.
func (a *OktaSetUserRiskArgs) Validate() error {
	if err := okta.CheckRiskReason(a.RiskReason); err != nil {
		return inputError("The arguments are invalid", "body.risk_reason", err.Error())
	}
	return nil
}

// OktaSetUserRisk sets a user's Okta risk level, which Okta's entity risk
// policies then act on. Reversible (set it again), hence Write.
var OktaSetUserRisk = Spec[OktaSetUserRiskArgs, OktaUserRiskChange]{
	Name:        "okta-set-user-risk",
	Summary:     "Set an Okta user's risk level to HIGH, MEDIUM or LOW (Identity Threat Protection)",
	Description: "Reports the level before and after. Okta's entity risk policy acts on the new level (a HIGH can end the user's sessions) and the System Log records user.risk.change. Needs Identity Threat Protection.",
	Provider:    Okta,
	Context:     Context{Prefix: "Okta.User", Key: "ID"},
	Risk:        Write,
	Run: func(ctx context.Context, p Providers, a OktaSetUserRiskArgs) (Reply[OktaUserRiskChange], error) {
		c, u, err := resolveOktaUser(ctx, p, a.User)
		if err != nil {
			return Reply[OktaUserRiskChange]{}, err
		}
		before, err := c.GetUserRisk(ctx, u.ID)
		if err != nil {
			return Reply[OktaUserRiskChange]{}, err
		}
		after, err := c.SetUserRisk(ctx, u.ID, a.RiskLevel, a.RiskReason)
		if err != nil {
			if upstream.IsKind(err, upstream.Invalid) {
				// Okta's 400 is about the body: the level or the reason.
				err = argumentError("body.risk_level", "Okta refused the risk level or reason", err)
			}
			return Reply[OktaUserRiskChange]{}, err
		}
		out := OktaUserRiskChange{
			OktaUserRisk:       oktaUserRisk(u, after),
			PreviousRiskLevel:  before.Level(),
			PreviousRiskReason: before.Reason,
			RiskChanged:        before.Level() != after.Level(),
		}
		readable := table("Okta user risk set", []string{"ID", "Username", "Previous level", "Risk level", "Reason"},
			[][]string{{out.ID, out.Username, out.PreviousRiskLevel, out.RiskLevel, out.RiskReason}})
		return Reply[OktaUserRiskChange]{Outputs: out, Readable: readable, Raw: rawJSON(after.Raw)}, nil
	},
}
