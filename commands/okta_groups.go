package commands

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/upstream"
)

// oktaGroupID is the shape of an Okta group ID (00g and 17 more).
var oktaGroupID = regexp.MustCompile(`^00g[0-9A-Za-z]{17}$`)

// resolveOktaGroup reads the group named by an ID or an exact name, so
// every group command (and the neutral add-to-group / remove-from-group)
// accepts either. A name is looked up with listGroups' search (profile.name
// eq, which Okta compares without regard to case); a name that matches
// exactly in case wins over ones that match only without it. An unknown
// group is a 404 naming body.group, an ambiguous name a 400 listing the
// candidates' IDs.
func resolveOktaGroup(ctx context.Context, p Providers, group string) (*okta.Client, *okta.Group, error) {
	c, err := p.oktaClient()
	if err != nil {
		return nil, nil, err
	}
	if oktaGroupID.MatchString(group) {
		g, err := c.GetGroup(ctx, group)
		if err == nil {
			return c, g, nil
		}
		if !upstream.IsKind(err, upstream.NotFound) {
			return nil, nil, err
		}
		// Not a group ID after all: it may still be a group's name.
	}
	found, err := c.FindGroupsByName(ctx, group)
	if err != nil {
		return nil, nil, err
	}
	var exact, folded []okta.Group
	for _, g := range found {
		switch {
		case g.Profile.Name == group:
			exact = append(exact, g)
		case strings.EqualFold(g.Profile.Name, group):
			folded = append(folded, g)
		}
	}
	matches := exact
	if len(matches) == 0 {
		matches = folded
	}
	switch len(matches) {
	case 0:
		return nil, nil, unknownArgument(Okta, "body.group", "no Okta group has this ID or name", "no group has the ID or the name "+strconv.Quote(group))
	case 1:
		return c, &matches[0], nil
	}
	ids := make([]string, 0, len(matches))
	for _, g := range matches {
		ids = append(ids, g.ID+" ("+g.Type+")")
	}
	return nil, nil, inputError("The group name is ambiguous", "body.group",
		strconv.Itoa(len(matches))+" Okta groups are named "+strconv.Quote(group)+": "+strings.Join(ids, ", ")+"; pass the group ID")
}

// OktaGroupMembershipArgs name a user and a group.
type OktaGroupMembershipArgs struct {
	OktaUserArgs
	// Okta group ID (00g...) or exact group name.
	Group string `json:"group" validate:"required,max=255" example:"Quarantine"`
}

// changeOktaMembership adds the user to the group or removes them, reading
// the user's groups before and after, so the answer says whether anything
// changed: Okta answers 204 either way (PUT of a member and DELETE of a
// non-member change nothing).
func changeOktaMembership(ctx context.Context, p Providers, a OktaGroupMembershipArgs, add bool) (Reply[OktaGroupMembershipChange], error) {
	c, u, err := resolveOktaUser(ctx, p, a.User)
	if err != nil {
		return Reply[OktaGroupMembershipChange]{}, err
	}
	_, g, err := resolveOktaGroup(ctx, p, a.Group)
	if err != nil {
		return Reply[OktaGroupMembershipChange]{}, err
	}
	if !g.MembershipManaged() {
		// Okta refuses it (403 E0000006): said here in words a responder
		// can act on, and without the call, whose 403 would read as
		// idcmd's own permissions failing.
		why := "its members are imported from its app (Active Directory); change the membership there"
		if g.Type == "BUILT_IN" {
			why = "every user is a member of the built-in " + g.Profile.Name + " group"
		}
		return Reply[OktaGroupMembershipChange]{}, inputError("Okta does not allow this membership change", "body.group",
			g.Profile.Name+" is a "+g.Type+" group: Okta lets the API change members of OKTA_GROUP groups only; "+why)
	}
	was, err := isOktaMember(ctx, c, u.ID, g.ID)
	if err != nil {
		return Reply[OktaGroupMembershipChange]{}, err
	}
	action := "add_to_group"
	if add {
		err = c.AddUserToGroup(ctx, g.ID, u.ID)
	} else {
		action = "remove_from_group"
		err = c.RemoveUserFromGroup(ctx, g.ID, u.ID)
	}
	if err != nil {
		return Reply[OktaGroupMembershipChange]{}, err
	}
	is, err := isOktaMember(ctx, c, u.ID, g.ID)
	if err != nil {
		return Reply[OktaGroupMembershipChange]{}, err
	}
	out := OktaGroupMembershipChange{
		ID: u.ID, Username: u.Profile.Login, DisplayName: displayName(u), Status: u.Status,
		Action: action, GroupID: g.ID, GroupName: g.Profile.Name, GroupType: g.Type,
		WasMember: was, IsMember: is, Changed: was != is,
	}
	title := "Okta user added to group"
	if !add {
		title = "Okta user removed from group"
	}
	readable := table(title, []string{"ID", "Username", "Group", "Group ID", "Action", "Was member", "Is member"},
		[][]string{{out.ID, out.Username, out.GroupName, out.GroupID, action, yesNo(was), yesNo(is)}})
	switch {
	case !out.Changed && add:
		readable += "\nThe user already was a member: Okta accepted the request and nothing changed.\n"
	case !out.Changed:
		readable += "\nThe user was no member: Okta accepted the request and nothing changed.\n"
	}
	return Reply[OktaGroupMembershipChange]{Outputs: out, Readable: readable, Raw: rawJSON(g.Raw)}, nil
}

// isOktaMember reports whether the user (by ID) is in the group (by ID).
func isOktaMember(ctx context.Context, c *okta.Client, userID, groupID string) (bool, error) {
	gs, err := c.ListUserGroups(ctx, userID)
	if err != nil {
		return false, err
	}
	for _, g := range gs {
		if g.ID == groupID {
			return true, nil
		}
	}
	return false, nil
}

// OktaAddToGroup adds a user to an Okta group (a quarantine group, say).
var OktaAddToGroup = Spec[OktaGroupMembershipArgs, OktaGroupMembershipChange]{
	Name:        "okta-add-to-group",
	Summary:     "Add an Okta user to a group (by group ID or name)",
	Description: "Only OKTA_GROUP groups: Okta does not let the API change the members of APP_GROUP (directory-imported) or BUILT_IN groups. Adding a member again changes nothing (Changed is false).",
	Provider:    Okta,
	Context:     Context{Prefix: "Okta.User", Key: "ID"},
	Risk:        Write,
	GrantsGroup: func(ctx context.Context, p Providers, a OktaGroupMembershipArgs) (string, error) {
		_, g, err := resolveOktaGroup(ctx, p, a.Group)
		if err != nil {
			return "", err
		}
		return g.Profile.Name, nil
	},
	Run: func(ctx context.Context, p Providers, a OktaGroupMembershipArgs) (Reply[OktaGroupMembershipChange], error) {
		return changeOktaMembership(ctx, p, a, true)
	},
}

// OktaRemoveFromGroup removes a user from an Okta group (a privileged
// group, say).
var OktaRemoveFromGroup = Spec[OktaGroupMembershipArgs, OktaGroupMembershipChange]{
	Name:        "okta-remove-from-group",
	Summary:     "Remove an Okta user from a group (by group ID or name)",
	Description: "Only OKTA_GROUP groups: Okta does not let the API change the members of APP_GROUP (directory-imported) or BUILT_IN groups. Removing a non-member changes nothing (Changed is false).",
	Provider:    Okta,
	Context:     Context{Prefix: "Okta.User", Key: "ID"},
	Risk:        Write,
	Run: func(ctx context.Context, p Providers, a OktaGroupMembershipArgs) (Reply[OktaGroupMembershipChange], error) {
		return changeOktaMembership(ctx, p, a, false)
	},
}

// OktaGetGroupMembersArgs page through a group's members.
type OktaGetGroupMembersArgs struct {
	// Okta group ID (00g...) or exact group name.
	Group string `json:"group" validate:"required,max=255" example:"Super Admins"`
	// Maximum members to return (1-1000), read across as many Okta pages (of at most 200) as it takes.
	Limit int `json:"limit,omitempty" validate:"omitempty,min=1,max=1000" default:"50" example:"50"`
	// next_cursor of a previous call with the same group (limit may differ); next_cursor is set only when more remain.
	Cursor string `json:"cursor,omitempty" validate:"omitempty,max=16384"`
}

// OktaGetGroupMembers lists a group's members, paged like okta-search-users.
// Like okta-search-users its outputs are the users (Okta.User), so a
// playbook loops over them the same way; the group is in the title.
var OktaGetGroupMembers = Spec[OktaGetGroupMembersArgs, []OktaUser]{
	Name:        "okta-get-group-members",
	Summary:     "List the members of an Okta group (by group ID or name)",
	Description: "Members of every status, DEPROVISIONED included, in Okta's order.",
	Provider:    Okta,
	Context:     Context{Prefix: "Okta.User", Key: "ID"},
	Risk:        Read,
	Run: func(ctx context.Context, p Providers, a OktaGetGroupMembersArgs) (Reply[[]OktaUser], error) {
		scope := scopeOf("okta-get-group-members", a)
		// A foreign cursor must not cost the group lookup.
		if err := p.checkCursor(scope, a.Cursor, 1); err != nil {
			return Reply[[]OktaUser]{}, err
		}
		c, g, err := resolveOktaGroup(ctx, p, a.Group)
		if err != nil {
			return Reply[[]OktaUser]{}, err
		}
		limit := orDefault(a.Limit, 50)
		users, next, err := readPaged(ctx, p, pagedQuery[okta.User]{
			scope: scope, cursor: a.Cursor, limit: limit,
			fetch: func(ctx context.Context, ref string) ([]okta.User, string, error) {
				return c.ListGroupMembers(ctx, okta.GroupMembersQuery{GroupID: g.ID, Cursor: ref})
			},
			first: []func() (string, error){func() (string, error) {
				return c.GroupMembersCursor(okta.GroupMembersQuery{GroupID: g.ID, Limit: limit})
			}},
		}, keepAll)
		if err != nil {
			return Reply[[]OktaUser]{}, err
		}
		return oktaUsersReply(users, "members of "+g.Profile.Name+" ("+g.ID+", "+g.Type+")", next), nil
	},
}
