package pingone

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/idcmd/idcmd/providers/upstream"
)

const (
	usersPath = "/users"
	// maxUserLimit is the users page size ceiling (spec: 1–1000).
	maxUserLimit = 1000
	// membershipPageSize is the page size asked for when reading all of a
	// user's group memberships; the rest comes through next links.
	membershipPageSize = 100
)

// Ping makes the cheapest authenticated call there is (one user), for
// readiness: it fails when PingOne is unreachable or refuses idcmd's
// worker app.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.get(ctx, "ping", c.endpoint(usersPath, url.Values{"limit": {"1"}}))
	return err
}

// GetUser returns a user by ID or username. A UUID is read by ID first;
// if no user has that ID, it is tried as a username, since a username may
// look like a UUID. A username must match exactly one user: none is
// NotFound, several (PingOne's eq may ignore case) is Invalid, because
// only the user ID can then say which one is meant.
func (c *Client) GetUser(ctx context.Context, user string) (*User, error) {
	if user == "" {
		return nil, invalid("user is required: a PingOne user ID or username")
	}
	if isUUID(user) {
		resp, err := c.get(ctx, "getUser", c.endpoint(usersPath+"/"+user, nil))
		if err == nil {
			return decodeObject[User]("getUser", resp)
		}
		if !upstream.IsKind(err, upstream.NotFound) {
			return nil, err
		}
	}
	return c.userByUsername(ctx, user)
}

// userByUsername finds the one user whose username is name.
func (c *Client) userByUsername(ctx context.Context, name string) (*User, error) {
	q := url.Values{
		"filter": {"username eq " + scimString(name)},
		"limit":  {"2"}, // enough to tell one hit from several
	}
	resp, err := c.get(ctx, "findUser", c.endpoint(usersPath, q))
	if err != nil {
		return nil, err
	}
	users, _, err := decodePage[User]("findUser", "users", resp)
	if err != nil {
		return nil, err
	}
	switch len(users) {
	case 0:
		return nil, &upstream.Error{Provider: provider, Kind: upstream.NotFound,
			Message: "no PingOne user has the ID or username " + quoteForMessage(name)}
	case 1:
		return &users[0], nil
	default:
		return nil, invalid(fmt.Sprintf("more than one PingOne user matches the username %s; pass the user ID", quoteForMessage(name)))
	}
}

// ListUsers returns one page of users and the cursor of the next page ("" on
// the last). With q.Cursor set, the page it points to is fetched and the
// other fields are ignored: the cursor already carries the query.
func (c *Client) ListUsers(ctx context.Context, q UserQuery) ([]User, string, error) {
	u, err := c.usersURL(q)
	if err != nil {
		return nil, "", err
	}
	resp, err := c.get(ctx, "listUsers", u)
	if err != nil {
		return nil, "", err
	}
	users, link, err := decodePage[User]("listUsers", "users", resp)
	if err != nil {
		return nil, "", err
	}
	if link == "" {
		return users, "", nil
	}
	next, err := c.encodeCursor("listUsers", link, c.envPath+usersPath)
	if err != nil {
		return nil, "", err
	}
	return users, next, nil
}

// UsersCursor returns the cursor of the first page of q: ListUsers with it
// as the Cursor fetches that same page.
func (c *Client) UsersCursor(q UserQuery) (string, error) {
	u, err := c.usersURL(q)
	if err != nil {
		return "", err
	}
	return c.encodeCursor("listUsers", u, c.envPath+usersPath)
}

func (c *Client) usersURL(q UserQuery) (string, error) {
	if q.Cursor != "" {
		return c.cursorURL(q.Cursor, c.envPath+usersPath)
	}
	if q.Limit < 0 || q.Limit > maxUserLimit {
		return "", invalid("limit must be between 1 and 1000 (0 means PingOne's default)")
	}
	v := url.Values{}
	if q.Filter != "" {
		v.Set("filter", q.Filter)
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return c.endpoint(usersPath, v), nil
}

// ListGroupMemberships returns every group the user belongs to, both
// DIRECT and INDIRECT (through nested groups), each with its group
// expanded.
func (c *Client) ListGroupMemberships(ctx context.Context, userID string) ([]GroupMembership, error) {
	p, err := userPath(userID, "/memberOfGroups")
	if err != nil {
		return nil, err
	}
	q := url.Values{"expand": {"group"}, "limit": {strconv.Itoa(membershipPageSize)}}
	return listAll[GroupMembership](ctx, c, "listGroupMemberships", "groupMemberships", c.endpoint(p, q))
}

// ListRoleAssignments returns the admin roles assigned to the user.
func (c *Client) ListRoleAssignments(ctx context.Context, userID string) ([]RoleAssignment, error) {
	p, err := userPath(userID, "/roleAssignments")
	if err != nil {
		return nil, err
	}
	return listAll[RoleAssignment](ctx, c, "listRoleAssignments", "roleAssignments", c.endpoint(p, nil))
}
