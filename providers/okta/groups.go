package okta

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/idcmd/idcmd/providers/httpx"
)

// Groups (spec tag Group): read a group, find one by name, page through its
// members, and add or remove a member. Okta lets the API change the
// memberships of OKTA_GROUP groups only: APP_GROUP memberships come from the
// app import (Active Directory) and BUILT_IN Everyone holds every user, and
// Okta refuses both with 403 E0000006. Callers check Group.Type first (see
// Group.MembershipManaged), because that 403 is also what a service app
// without the groups scope or admin role gets.

const (
	groupsPath = "/api/v1/groups"
	// maxGroupMemberPage is the page size asked of listGroupUsers: the
	// spec's default is 1000 "for historical reasons" and it recommends
	// limit=200.
	maxGroupMemberPage = 200
	// maxGroupMatches bounds a name lookup: more groups of one name than
	// this is ambiguous however many there are.
	maxGroupMatches = 20
)

// MembershipManaged reports whether Okta lets the API change the group's
// members: only OKTA_GROUP groups.
func (g *Group) MembershipManaged() bool { return g.Type == "OKTA_GROUP" }

// groupPath is /api/v1/groups/{groupId}{suffix}, with groupId escaped.
func groupPath(groupID, suffix string) (string, error) {
	switch {
	case groupID == "":
		return "", invalid("group is required")
	case strings.Contains(groupID, "/") || groupID == "." || groupID == "..":
		return "", invalid("group must be an Okta group ID")
	}
	return groupsPath + "/" + url.PathEscape(groupID) + suffix, nil
}

// GetGroup returns a group by ID (404 NotFound otherwise).
func (c *Client) GetGroup(ctx context.Context, groupID string) (*Group, error) {
	p, err := groupPath(groupID, "")
	if err != nil {
		return nil, err
	}
	resp, err := c.get(ctx, "getGroup", c.endpoint(p, nil))
	if err != nil {
		return nil, err
	}
	return decodeObject[Group]("getGroup", resp)
}

// FindGroupsByName returns the groups whose profile.name equals name, as
// Okta's search compares it (eq, without regard to case): at most
// maxGroupMatches. search is used rather than q, which matches the start
// of the name and is meant for pickers.
func (c *Client) FindGroupsByName(ctx context.Context, name string) ([]Group, error) {
	if name == "" {
		return nil, invalid("group name is required")
	}
	v := url.Values{
		"search": {`profile.name eq "` + scimEscape(name) + `"`},
		"limit":  {strconv.Itoa(maxGroupMatches)},
	}
	resp, err := c.get(ctx, "listGroups", c.endpoint(groupsPath, v))
	if err != nil {
		return nil, err
	}
	return decodeList[Group]("listGroups", resp)
}

// scimEscape escapes a value for a double-quoted SCIM filter string.
func scimEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// GroupMembersQuery selects a page of a group's members.
type GroupMembersQuery struct {
	GroupID string
	// Limit is the page size; above 200 200 is asked for.
	Limit int
	// Cursor is the opaque cursor a previous ListGroupMembers returned for
	// the same group; when set, Limit is ignored.
	Cursor string
}

// ListGroupMembers returns one page of the group's member users and the
// cursor of the next page ("" on the last).
func (c *Client) ListGroupMembers(ctx context.Context, q GroupMembersQuery) ([]User, string, error) {
	u, endpoint, err := c.groupMembersURL(q)
	if err != nil {
		return nil, "", err
	}
	resp, err := c.get(ctx, "listGroupUsers", u)
	if err != nil {
		return nil, "", err
	}
	users, err := decodeList[User]("listGroupUsers", resp)
	if err != nil {
		return nil, "", err
	}
	next, err := c.cursorFrom(resp, endpoint)
	if err != nil {
		return nil, "", err
	}
	return users, next, nil
}

// GroupMembersCursor returns the cursor of the first page of q.
func (c *Client) GroupMembersCursor(q GroupMembersQuery) (string, error) {
	u, endpoint, err := c.groupMembersURL(GroupMembersQuery{GroupID: q.GroupID, Limit: q.Limit})
	if err != nil {
		return "", err
	}
	return encodeCursor(u, endpoint)
}

func (c *Client) groupMembersURL(q GroupMembersQuery) (string, string, error) {
	endpoint, err := groupPath(q.GroupID, "/users")
	if err != nil {
		return "", "", err
	}
	if q.Cursor != "" {
		u, err := c.cursorURL(q.Cursor, endpoint)
		return u, endpoint, err
	}
	if q.Limit < 0 {
		return "", "", invalid("limit must not be negative")
	}
	v := url.Values{}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(min(q.Limit, maxGroupMemberPage)))
	}
	return c.endpoint(endpoint, v), endpoint, nil
}

// AddUserToGroup makes the user (by ID) a member of the group (by ID):
// 204, also when the user already is one (PUT is idempotent, so it is
// retried like a read).
func (c *Client) AddUserToGroup(ctx context.Context, groupID, userID string) error {
	return c.membership(ctx, "assignUserToGroup", http.MethodPut, groupID, userID)
}

// RemoveUserFromGroup ends the user's membership of the group: 204, also
// when the user was no member.
func (c *Client) RemoveUserFromGroup(ctx context.Context, groupID, userID string) error {
	return c.membership(ctx, "unassignUserFromGroup", http.MethodDelete, groupID, userID)
}

func (c *Client) membership(ctx context.Context, op, method, groupID, userID string) error {
	if userID == "" || strings.Contains(userID, "/") || userID == "." || userID == ".." {
		return invalid("user must be an Okta user ID")
	}
	p, err := groupPath(groupID, "/users/"+url.PathEscape(userID))
	if err != nil {
		return err
	}
	_, err = c.do(ctx, call{op: op, method: method, url: c.endpoint(p, nil), retry: httpx.RetryIdempotent})
	return err
}
