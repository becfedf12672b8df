package commands

import (
	"context"

	"github.com/idcmd/idcmd/providers/pingone"
	"github.com/idcmd/idcmd/providers/upstream"
)

// resolvePingOneGroup reads the group named by an ID or exact name. An
// unknown group (404) or an ambiguous name (400, listing the candidates'
// IDs) is reported against body.group, so a neutral command built on it
// names the same field.
func resolvePingOneGroup(ctx context.Context, p Providers, group string) (*pingone.Client, *pingone.Group, error) {
	c, err := p.pingOneClient()
	if err != nil {
		return nil, nil, err
	}
	g, err := c.GetGroup(ctx, group)
	switch {
	case upstream.IsKind(err, upstream.NotFound):
		return nil, nil, argumentError("body.group", "no PingOne group has this ID or name", err)
	case upstream.IsKind(err, upstream.Invalid):
		return nil, nil, argumentError("body.group", "names more than one PingOne group; pass the group ID", err)
	case err != nil:
		return nil, nil, err
	}
	return c, g, nil
}

// PingOneGroupMembershipArgs name a user and a group.
type PingOneGroupMembershipArgs struct {
	PingOneUserArgs
	// PingOne group ID or exact group name.
	Group string `json:"group" validate:"required,max=255" example:"Quarantine"`
}

// membershipType is the user's membership of groupID: DIRECT, INDIRECT
// or NONE.
func membershipType(ctx context.Context, c *pingone.Client, userID, groupID string) (string, error) {
	ms, err := c.ListGroupMemberships(ctx, userID)
	if err != nil {
		return "", err
	}
	for _, m := range ms {
		if m.ID == groupID {
			return m.Type, nil
		}
	}
	return "NONE", nil
}

// changePingOneGroup resolves the user and the group, reads the
// membership, runs do, and reads the user and the membership back.
func changePingOneGroup(ctx context.Context, p Providers, a PingOneGroupMembershipArgs, action string,
	do func(c *pingone.Client, u *pingone.User, g *pingone.Group, before string) error) (Reply[PingOneGroupChange], error) {
	c, u, err := resolvePingOneUser(ctx, p, a.User)
	if err != nil {
		return Reply[PingOneGroupChange]{}, err
	}
	_, g, err := resolvePingOneGroup(ctx, p, a.Group)
	if err != nil {
		return Reply[PingOneGroupChange]{}, err
	}
	before, err := membershipType(ctx, c, u.ID, g.ID)
	if err != nil {
		return Reply[PingOneGroupChange]{}, err
	}
	if err := do(c, u, g, before); err != nil {
		return Reply[PingOneGroupChange]{}, err
	}
	after, err := membershipType(ctx, c, u.ID, g.ID)
	if err != nil {
		return Reply[PingOneGroupChange]{}, err
	}
	au, err := c.GetUser(ctx, u.ID)
	if err != nil {
		return Reply[PingOneGroupChange]{}, err
	}
	out := PingOneGroupChange{PingOneUser: pingOneUser(au), Action: action, GroupID: g.ID, GroupName: g.Name,
		MembershipBefore: before, MembershipAfter: after}
	if pw, err := c.GetPasswordState(ctx, au.ID); err == nil {
		out.PasswordStatus = pw.Status
	}
	title := map[string]string{"add_to_group": "PingOne user added to group", "remove_from_group": "PingOne user removed from group"}[action]
	readable := table(title, []string{"User ID", "Username", "Group", "Group ID", "Before", "After"},
		[][]string{{out.ID, out.Username, out.GroupName, out.GroupID, before, after}})
	return Reply[PingOneGroupChange]{Outputs: out, Readable: readable, Raw: rawJSON(au.Raw)}, nil
}

// PingOneAddToGroup makes a user a DIRECT member of a group (a quarantine group, say).
var PingOneAddToGroup = Spec[PingOneGroupMembershipArgs, PingOneGroupChange]{
	Name:        "pingone-add-to-group",
	Summary:     "Add a PingOne user to a group (by group ID or name)",
	Description: "POST /users/{id}/memberOfGroups. A user who is already a DIRECT member is refused by PingOne (409 naming body.group); an INDIRECT member (through a nested group) becomes a DIRECT one. A population group takes only users of its population.",
	Provider:    PingOne,
	Context:     Context{Prefix: "PingOne.User", Key: "ID"},
	Risk:        Write,
	GrantsGroup: func(ctx context.Context, p Providers, a PingOneGroupMembershipArgs) (string, error) {
		_, g, err := resolvePingOneGroup(ctx, p, a.Group)
		if err != nil {
			return "", err
		}
		return g.Name, nil
	},
	Run: func(ctx context.Context, p Providers, a PingOneGroupMembershipArgs) (Reply[PingOneGroupChange], error) {
		return changePingOneGroup(ctx, p, a, "add_to_group", func(c *pingone.Client, u *pingone.User, g *pingone.Group, before string) error {
			_, err := c.AddUserToGroup(ctx, u.ID, g.ID)
			if upstream.IsKind(err, upstream.Conflict) {
				msg := "PingOne refused the membership (a population group takes only its own population's users)"
				if before == "DIRECT" {
					msg = "the user is already a direct member of this group"
				}
				return argumentError("body.group", msg, err)
			}
			return err
		})
	},
}

// PingOneRemoveFromGroup ends a user's DIRECT membership of a group (a privileged group, say).
var PingOneRemoveFromGroup = Spec[PingOneGroupMembershipArgs, PingOneGroupChange]{
	Name:        "pingone-remove-from-group",
	Summary:     "Remove a PingOne user from a group (by group ID or name)",
	Description: "DELETE /users/{id}/memberOfGroups/{groupId}. PingOne answers 404 when the user is not a DIRECT member (404 naming body.group); a membership through a nested group ends only by leaving that group.",
	Provider:    PingOne,
	Context:     Context{Prefix: "PingOne.User", Key: "ID"},
	Risk:        Write,
	Run: func(ctx context.Context, p Providers, a PingOneGroupMembershipArgs) (Reply[PingOneGroupChange], error) {
		return changePingOneGroup(ctx, p, a, "remove_from_group", func(c *pingone.Client, u *pingone.User, g *pingone.Group, before string) error {
			err := c.RemoveUserFromGroup(ctx, u.ID, g.ID)
			if upstream.IsKind(err, upstream.NotFound) {
				msg := "the user is not a member of this group"
				if before == "INDIRECT" {
					msg = "the user is a member only through a nested group; remove them from that group instead (pingone-get-user-groups lists them)"
				}
				return argumentError("body.group", msg, err)
			}
			return err
		})
	},
}

// PingOneGroupMembersArgs select a page of a group's members.
type PingOneGroupMembersArgs struct {
	// PingOne group ID or exact group name.
	Group string `json:"group" validate:"required,max=255" example:"Prod Access"`
	// Maximum members to return (1-1000), read across as many PingOne pages as it takes.
	Limit int `json:"limit,omitempty" validate:"omitempty,min=1,max=1000" default:"50"`
	// next_cursor of a previous call with the same group (limit may differ); next_cursor is set only when more remain.
	Cursor string `json:"cursor,omitempty" validate:"omitempty,max=16384"`
}

// PingOneGetGroupMembers lists a group's members, DIRECT and through nested groups.
var PingOneGetGroupMembers = Spec[PingOneGroupMembersArgs, PingOneGroupMembers]{
	Name:        "pingone-get-group-members",
	Summary:     "List a PingOne group's members (direct and through nested groups)",
	Description: `PingOne has no members listing on a group: this reads GET /users with the filter memberOfGroups[id eq "{groupId}"], which matches DIRECT and INDIRECT members, paged like pingone-list-users.`,
	Provider:    PingOne,
	Context:     Context{Prefix: "PingOne.Group", Key: "ID"},
	Risk:        Read,
	Run: func(ctx context.Context, p Providers, a PingOneGroupMembersArgs) (Reply[PingOneGroupMembers], error) {
		c, g, err := resolvePingOneGroup(ctx, p, a.Group)
		if err != nil {
			return Reply[PingOneGroupMembers]{}, err
		}
		q := pingone.UserQuery{Filter: pingone.GroupMembersFilter(g.ID), Limit: orDefault(a.Limit, 50)}
		users, next, err := readPaged(ctx, p, pagedQuery[pingone.User]{
			scope: scopeOf("pingone-get-group-members", PingOneGroupMembersArgs{Group: g.ID}), cursor: a.Cursor, limit: q.Limit,
			fetch: func(ctx context.Context, ref string) ([]pingone.User, string, error) {
				return c.ListUsers(ctx, pingone.UserQuery{Cursor: ref})
			},
			first: []func() (string, error){func() (string, error) { return c.UsersCursor(q) }},
		}, keepAll)
		if err != nil {
			return Reply[PingOneGroupMembers]{}, err
		}
		out := PingOneGroupMembers{ID: g.ID, Name: g.Name, Description: g.Description, Members: make([]PingOneUser, 0, len(users))}
		rows := make([][]string, 0, len(users))
		for i := range users {
			u := pingOneUser(&users[i])
			out.Members = append(out.Members, u)
			rows = append(rows, pingOneUserRow(u))
		}
		title := pageTitle(len(out.Members), "members of PingOne group "+g.Name, next)
		return Reply[PingOneGroupMembers]{Outputs: out, Readable: table(title, pingOneUserHeaders, rows),
			Raw: rawList(users, func(u pingone.User) []byte { return u.Raw }), NextCursor: next}, nil
	},
}
