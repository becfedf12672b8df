package workflows

import (
	"context"
	"errors"

	"github.com/idcmd/idcmd/providers/okta"
)

// oktaUserRisk reads Okta's own risk verdict on the user (GET
// /api/v1/users/{id}/risk). The client call lands on another branch
// (okta.Client.GetUserRisk); until it is wired here the part is reported
// missing.
func oktaUserRisk(ctx context.Context, c *okta.Client, userID string) ([]ProviderRiskVerdict, error) {
	_, _, _ = ctx, c, userID
	return nil, errors.New("not available in this build")
}
