package okta

import (
	"context"
	"encoding/json"
)

// Role is one admin role a user holds (spec schemas StandardRole and
// CustomRole, told apart by Type). In Okta any role assignment grants
// Admin Console access, so a user with one is privileged; Type says how
// far (SUPER_ADMIN, ORG_ADMIN, ..., CUSTOM). Raw keeps the rest, such as a
// custom role's role and resource-set IDs.
type Role struct {
	// ID is the role assignment's ID. A role held through a group has the
	// group assignment's ID, the same for every member.
	ID string `json:"id"`
	// Label is display text ("Super Organization Administrator"); decide
	// on Type.
	Label string `json:"label"`
	// Type is the role type (spec schema RoleType), e.g. SUPER_ADMIN.
	Type string `json:"type"`
	// Status is ACTIVE or INACTIVE.
	Status string `json:"status"`
	// AssignmentType is USER for a role assigned to the user, GROUP for
	// one held through a group membership.
	AssignmentType string          `json:"assignmentType"`
	Raw            json.RawMessage `json:"-"`
}

func (r *Role) setRaw(b json.RawMessage) { r.Raw = b }

// ListUserRoles returns every admin role assignment the user holds, those
// assigned to the user and those held through its groups; an empty slice
// means the user is no admin. Okta takes the user ID only on this path: a
// login comes back as NotFound, so resolve one with GetUser first. Status
// is not filtered, so a caller gating on privilege sees INACTIVE
// assignments too, and must treat an error as "unknown", never as "no
// roles".
//
// With OAuth the token needs okta.roles.read, which is not among the
// default Scopes: without it Okta answers 403 (Unauthorized).
func (c *Client) ListUserRoles(ctx context.Context, userID string) ([]Role, error) {
	p, err := userPath(userID, "/roles")
	if err != nil {
		return nil, err
	}
	// The spec gives this list no paging; listAll still follows next links.
	return listAll[Role](ctx, c, "listUserRoles", c.endpoint(p, nil))
}
