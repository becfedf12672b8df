package commands

import (
	"context"
	"slices"
	"strings"
)

// DefaultPrivilegedGroups are the SOPs' privileged groups (Okta SOP 3.2,
// PingOne SOP 3.4), used when approvals.privileged_groups is not set. A user
// holding any admin role is privileged whatever their groups.
var DefaultPrivilegedGroups = []string{"Administrators", "Security Team", "IT Admins"}

// privileged says why user at provider is privileged — an admin role, or a
// membership in one of the policy's privileged groups — or "" when they are
// not. A check that cannot be made (the provider refuses the role list, a
// timeout) counts as privileged: the gate fails closed, and the reason says
// so, because the call it guards hands out the account.
func (inv *Invoker) privileged(ctx context.Context, provider Provider, user string) string {
	var why string
	var err error
	switch provider {
	case Okta:
		why, err = inv.oktaPrivilege(ctx, user)
	case PingOne:
		why, err = inv.pingOnePrivilege(ctx, user)
	default:
		return ""
	}
	if err != nil {
		return "its privileges could not be checked (" + truncate(err.Error(), 200) + ")"
	}
	return why
}

func (inv *Invoker) oktaPrivilege(ctx context.Context, user string) (string, error) {
	c, u, err := resolveOktaUser(ctx, inv.Providers, user)
	if err != nil {
		return "", err
	}
	roles, err := c.ListUserRoles(ctx, u.ID)
	if err != nil {
		return "", err
	}
	if len(roles) > 0 {
		return "holds the Okta admin role " + roles[0].Type, nil
	}
	groups, err := c.ListUserGroups(ctx, u.ID)
	if err != nil {
		return "", err
	}
	for _, g := range groups {
		if inv.privilegedGroup(g.Profile.Name) {
			return "is a member of the privileged group " + g.Profile.Name, nil
		}
	}
	return "", nil
}

func (inv *Invoker) pingOnePrivilege(ctx context.Context, user string) (string, error) {
	c, u, err := resolvePingOneUser(ctx, inv.Providers, user)
	if err != nil {
		return "", err
	}
	// Every PingOne role is an administrator role: any assignment is one.
	roles, err := c.ListRoleAssignments(ctx, u.ID)
	if err != nil {
		return "", err
	}
	if len(roles) > 0 {
		return "holds a PingOne admin role (" + roles[0].Role.ID + ")", nil
	}
	groups, err := c.ListGroupMemberships(ctx, u.ID)
	if err != nil {
		return "", err
	}
	for _, g := range groups {
		if inv.privilegedGroup(g.Name) {
			return "is a member of the privileged group " + g.Name, nil
		}
	}
	return "", nil
}

func (inv *Invoker) privilegedGroup(name string) bool {
	groups := inv.Policy.PrivilegedGroups
	if groups == nil {
		groups = DefaultPrivilegedGroups
	}
	return slices.ContainsFunc(groups, func(g string) bool { return strings.EqualFold(strings.TrimSpace(g), strings.TrimSpace(name)) })
}
