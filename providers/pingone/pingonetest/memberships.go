package pingonetest

import (
	"net/http"
	"slices"
)

// Group membership changes: POST /users/{id}/memberOfGroups adds a DIRECT
// membership (201 with the GroupMembership), DELETE
// /users/{id}/memberOfGroups/{groupID} removes one (204). Only DIRECT
// memberships can be added or removed; an INDIRECT one follows from the
// nesting of groups and ends only when the user leaves the nested group.

// detailUniquenessViolation is the detail code PingOne uses for a value
// that already exists (reference §5, seen by the Terraform provider).
const detailUniquenessViolation = "UNIQUENESS_VIOLATION"

// addUserToGroup serves POST /users/{id}/memberOfGroups with
// {"id": groupID}. Adding an existing DIRECT membership is refused with
// 400 INVALID_DATA / UNIQUENESS_VIOLATION, and a population group takes
// only users of its population (400 CONSTRAINT_VIOLATION).
func (s *Server) addUserToGroup(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	if mt := mediaType(r); mt != "application/json" {
		return errUnsupportedMediaType(mt, "application/json")
	}
	var body struct {
		ID string `json:"id"`
	}
	if aerr := decodeBody(r, &body); aerr != nil {
		return aerr
	}
	if body.ID == "" {
		return requiredValue("id", "id is required: the ID of the group to add the user to")
	}
	e := s.env
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.users[c.id]
	if u == nil {
		return errNotFound()
	}
	g := e.groups[body.ID]
	switch {
	case g == nil:
		return invalidValue("id", "The referenced group does not exist")
	case slices.Contains(u.groups, g):
		return errInvalidData(errorDetail{Code: detailUniquenessViolation, Target: "id", Message: "The user is already a member of the group"})
	case g.population != nil && g.population != u.population:
		return constraintViolation("id", "The group belongs to another population; only users of population "+g.population.id+" can join it")
	}
	u.groups = append(u.groups, g)
	u.updatedAt = c.now
	s.recordAPIActivityLocked(r, c, "MEMBER_OF_GROUP.CREATED", "Added user to group "+g.name, u, ActivityResource{Type: "GROUP", ID: g.id, Name: g.name})
	writeJSON(w, http.StatusCreated, s.renderMembership(r, u, membership{group: g, direct: true}, false))
	return nil
}

// getUserGroupMembership serves GET /users/{id}/memberOfGroups/{groupID}:
// a DIRECT or INDIRECT membership, 404 when the user is not a member.
func (s *Server) getUserGroupMembership(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	expand := false
	switch v := r.URL.Query().Get("expand"); v {
	case "":
	case "group":
		expand = true
	default:
		return invalidValue("expand", "expand supports only group")
	}
	e := s.env
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.users[c.id]
	if u == nil {
		return errNotFound()
	}
	for _, m := range memberships(u) {
		if m.group.id == c.sub {
			writeJSON(w, http.StatusOK, s.renderMembership(r, u, m, expand))
			return nil
		}
	}
	return errNotFound()
}

// removeUserFromGroup serves DELETE /users/{id}/memberOfGroups/{groupID}.
// A user who is not a DIRECT member (an unknown group, no membership, or
// one only through a nested group) is 404 NOT_FOUND: there is no such
// membership resource to delete.
func (s *Server) removeUserFromGroup(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	e := s.env
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.users[c.id]
	if u == nil {
		return errNotFound()
	}
	i := slices.IndexFunc(u.groups, func(g *group) bool { return g.id == c.sub })
	if i < 0 {
		return errNotFound()
	}
	g := u.groups[i]
	u.groups = slices.Delete(u.groups, i, i+1)
	u.updatedAt = c.now
	s.recordAPIActivityLocked(r, c, "MEMBER_OF_GROUP.DELETED", "Removed user from group "+g.name, u, ActivityResource{Type: "GROUP", ID: g.id, Name: g.name})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// renderMembership is the wire shape of one membership (spec schema
// GroupMembership), with the group embedded when expand is set.
func (s *Server) renderMembership(r *http.Request, u *user, m membership, expand bool) groupMembershipJSON {
	j := groupMembershipJSON{
		Links: links{
			"self":  {Href: s.envURL(r, "/users/"+u.id+"/memberOfGroups/"+m.group.id)},
			"group": {Href: s.envURL(r, "/groups/"+m.group.id)},
			"user":  {Href: s.envURL(r, "/users/"+u.id)},
		},
		ID: m.group.id, Environment: idRef{ID: s.EnvironmentID}, Name: m.group.name, Type: membershipType(m),
	}
	if expand {
		j.Embedded = &membershipEmbedded{Group: s.renderGroup(r, m.group)}
	}
	return j
}
