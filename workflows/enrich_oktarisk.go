package workflows

import (
	"context"

	"github.com/idcmd/idcmd/providers/okta"
)

// oktaUserRisk reads Okta's own risk verdict on the user (GET
// /api/v1/users/{id}/risk, Identity Threat Protection). NONE — never rated
// — is no verdict.
func oktaUserRisk(ctx context.Context, c *okta.Client, userID string) ([]ProviderRiskVerdict, error) {
	r, err := c.GetUserRisk(ctx, userID)
	if err != nil {
		return nil, err
	}
	if r.Level() == okta.RiskNone {
		return []ProviderRiskVerdict{}, nil
	}
	return []ProviderRiskVerdict{{Level: r.Level(), Reason: r.Reason}}, nil
}
