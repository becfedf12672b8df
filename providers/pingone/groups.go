package pingone

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// Group reads, membership changes and member listings (reference §3
// "Add / remove group"; spec addUserToGroup, removeUserFromGroup).

const (
	groupsPath = "/groups"
	// groupMatchLimit is how many groups a name lookup reads: enough to
	// list the candidates of an ambiguous name.
	groupMatchLimit = 20

	opAddUserToGroup      = "addUserToGroup"
	opRemoveUserFromGroup = "removeUserFromGroup"
)

// GetGroup returns a group by ID or exact name. A UUID is read by ID
// first and, if no group has that ID, tried as a name (a name may look
// like a UUID). A name must match one group: none is NotFound; several
// (PingOne's eq may ignore case) is Invalid, listing their IDs, unless
// exactly one of them has the name in the very case given.
func (c *Client) GetGroup(ctx context.Context, group string) (*Group, error) {
	if group == "" {
		return nil, invalid("group is required: a PingOne group ID or name")
	}
	if isUUID(group) {
		resp, err := c.get(ctx, "getGroup", c.endpoint(groupsPath+"/"+group, nil))
		if err == nil {
			return decodeObject[Group]("getGroup", resp)
		}
		if !upstream.IsKind(err, upstream.NotFound) {
			return nil, err
		}
	}
	return c.groupByName(ctx, group)
}

func (c *Client) groupByName(ctx context.Context, name string) (*Group, error) {
	q := url.Values{"filter": {"name eq " + scimString(name)}, "limit": {fmt.Sprint(groupMatchLimit)}}
	resp, err := c.get(ctx, "findGroup", c.endpoint(groupsPath, q))
	if err != nil {
		return nil, err
	}
	groups, _, err := decodePage[Group]("findGroup", "groups", resp)
	if err != nil {
		return nil, err
	}
	var exact []Group
	for _, g := range groups {
		if g.Name == name {
			exact = append(exact, g)
		}
	}
	switch {
	case len(groups) == 0:
		return nil, &upstream.Error{Provider: provider, Kind: upstream.NotFound,
			Message: "no PingOne group has the ID or name " + quoteForMessage(name)}
	case len(groups) == 1:
		return &groups[0], nil
	case len(exact) == 1:
		return &exact[0], nil
	}
	ids := make([]string, 0, len(groups))
	for _, g := range groups {
		ids = append(ids, g.ID+" ("+quoteForMessage(g.Name)+")")
	}
	return nil, invalid(fmt.Sprintf("more than one PingOne group matches the name %s; pass one of these group IDs: %s",
		quoteForMessage(name), strings.Join(ids, ", ")))
}

// AddUserToGroup makes the user a DIRECT member of the group and returns
// the new membership. PingOne refuses a user who is already a DIRECT
// member (400 UNIQUENESS_VIOLATION) and, for a population group, a user
// of another population (400 CONSTRAINT_VIOLATION); both are Conflict.
// It is re-sent only after a 429: had a first attempt gone through, a
// second would be refused as a duplicate, reporting a success as a
// failure.
func (c *Client) AddUserToGroup(ctx context.Context, userID, groupID string) (*GroupMembership, error) {
	p, err := userPath(userID, "/memberOfGroups")
	if err != nil {
		return nil, err
	}
	if _, err := pathSegment("group ID", groupID); err != nil {
		return nil, err
	}
	body, err := json.Marshal(struct {
		ID string `json:"id"`
	}{groupID})
	if err != nil {
		return nil, fmt.Errorf("pingone: encode membership: %w", err)
	}
	resp, err := c.do(ctx, call{
		op: opAddUserToGroup, method: http.MethodPost, url: c.endpoint(p, nil),
		contentType: "application/json", body: body, retry: httpx.RetryRateLimited,
	})
	if err != nil {
		return nil, err
	}
	return decodeObject[GroupMembership](opAddUserToGroup, resp)
}

// RemoveUserFromGroup ends the user's DIRECT membership of the group.
// PingOne answers 404 when there is none (the user is not a member, or
// only an INDIRECT one through a nested group): NotFound. It is re-sent
// only after a 429, for the same reason as AddUserToGroup: a repeat of a
// removal that went through would be a 404.
func (c *Client) RemoveUserFromGroup(ctx context.Context, userID, groupID string) error {
	p, err := userPath(userID, "/memberOfGroups/")
	if err != nil {
		return err
	}
	gid, err := pathSegment("group ID", groupID)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, call{op: opRemoveUserFromGroup, method: http.MethodDelete, url: c.endpoint(p+gid, nil), retry: httpx.RetryRateLimited})
	return err
}

// GroupMembersFilter is the users filter that selects a group's members,
// DIRECT and INDIRECT (the spec's memberOfGroups[...] example). PingOne
// has no members listing on the group itself; pass the filter to
// ListUsers and UsersCursor.
func GroupMembersFilter(groupID string) string {
	return "memberOfGroups[id eq " + scimString(groupID) + "]"
}
