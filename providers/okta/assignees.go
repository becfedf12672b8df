package okta

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/idcmd/idcmd/providers/upstream"
)

// RoleAssignee is a user who holds an admin role assignment of their own
// (spec schema RoleAssignedUser). Which roles: ListUserRoles.
type RoleAssignee struct {
	ID  string `json:"id"`
	ORN string `json:"orn"`
}

type roleAssigneesPage struct {
	Value []RoleAssignee `json:"value"`
	Links struct {
		Next *struct {
			Href string `json:"href"`
		} `json:"next"`
	} `json:"_links"`
}

// maxAssigneePage is the page size asked of listUsersWithRoleAssignments.
const maxAssigneePage = 200

// ListRoleAssignees returns every user with an admin role assigned to
// them (GET /api/v1/iam/assignees/users, spec operation
// listUsersWithRoleAssignments), following the next link of the body's
// _links, where this endpoint pages. Users who hold a role only through a
// group are not listed (read the group's members instead). With OAuth the
// token needs okta.roles.read.
func (c *Client) ListRoleAssignees(ctx context.Context) ([]RoleAssignee, error) {
	const op = "listUsersWithRoleAssignments"
	u := c.endpoint("/api/v1/iam/assignees/users", url.Values{"limit": {strconv.Itoa(maxAssigneePage)}})
	var all []RoleAssignee
	for pages := 0; u != ""; pages++ {
		if pages == maxPages {
			return nil, &upstream.Error{Provider: provider, Kind: upstream.Unknown,
				Message: fmt.Sprintf("Okta sent more than %d pages for %s", maxPages, op)}
		}
		resp, err := c.get(ctx, op, u)
		if err != nil {
			return nil, err
		}
		body, err := readAll(resp)
		if err != nil {
			return nil, decodeError(op, resp, err)
		}
		var page roleAssigneesPage
		if err := unmarshal(body, &page); err != nil {
			return nil, decodeError(op, resp, err)
		}
		all = append(all, page.Value...)
		next := ""
		if page.Links.Next != nil {
			if n, ok := c.followURL(page.Links.Next.Href); ok && n != u {
				next = n
			}
		}
		u = next
	}
	return all, nil
}
