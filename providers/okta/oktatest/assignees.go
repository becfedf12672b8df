package oktatest

import (
	"net/http"
)

// Role assignees (spec operation listUsersWithRoleAssignments,
// GET /api/v1/iam/assignees/users): the users holding an admin role
// assignment of their own, in ID order, paged by after/limit with the
// next link in the body's _links.next (spec schema RoleAssignedUsers), not
// in a Link header. Users who hold a role only through a group are not
// listed: the role is the group's assignment.

const (
	defaultAssigneeLimit = 100
	maxAssigneeLimit     = 200
)

// iamRoute matches /api/v1/iam/... paths.
func iamRoute(segs []string) (methods, string, string) {
	if len(segs) == 3 && segs[1] == "assignees" && segs[2] == "users" {
		return methods{"GET": {ScopeRolesRead, (*Server).listRoleAssignees}}, "", ""
	}
	return nil, "", ""
}

type roleAssigneeJSON struct {
	ID    string              `json:"id"`
	ORN   string              `json:"orn"`
	Links map[string]hrefLink `json:"_links"`
}

type roleAssigneesJSON struct {
	Value []roleAssigneeJSON   `json:"value"`
	Links map[string]*hrefLink `json:"_links,omitempty"`
}

func (s *Server) listRoleAssignees(w http.ResponseWriter, r *http.Request, _ *call) *apiError {
	q := r.URL.Query()
	limit, aerr := pageLimit(q, defaultAssigneeLimit, maxAssigneeLimit)
	if aerr != nil {
		return aerr
	}
	after, aerr := s.afterCursor(q, "ra", "")
	if aerr != nil {
		return aerr
	}
	o := s.org
	o.mu.RLock()
	var ids []string
	for _, id := range o.userIDs {
		if id > after && len(o.roles[id]) > 0 {
			ids = append(ids, id)
			if len(ids) > limit {
				break
			}
		}
	}
	o.mu.RUnlock()
	more := len(ids) > limit
	if more {
		ids = ids[:limit]
	}
	base := s.baseURL(r) + "/api/v1"
	out := roleAssigneesJSON{Value: make([]roleAssigneeJSON, len(ids))}
	for i, id := range ids {
		out.Value[i] = roleAssigneeJSON{ID: id, ORN: "orn:okta:directory:00o1fake:users:" + id,
			Links: map[string]hrefLink{"self": {Href: base + "/users/" + id}, "roles": {Href: base + "/users/" + id + "/roles"}}}
	}
	if more {
		out.Links = map[string]*hrefLink{"next": {Href: s.nextPage(r, "ra", "", ids[len(ids)-1], limit)}}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
