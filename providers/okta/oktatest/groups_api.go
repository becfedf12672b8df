package oktatest

import (
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The Groups API (spec tag Group): listGroups, getGroup, listGroupUsers,
// assignUserToGroup and unassignUserFromGroup.
//
// Decisions where the spec is silent:
//   - Membership of APP_GROUP (imported from Active Directory) and BUILT_IN
//     (Everyone) groups cannot be changed through the API: the spec says
//     only OKTA_GROUP memberships can be modified and declares 403 as the
//     only refusal; Okta answers E0000006 "You do not have permission to
//     perform the requested action" (as reported by okta/terraform-provider-
//     okta#118, which had to skip those groups for that reason).
//   - PUT of a user who already is a member and DELETE of one who is not
//     both answer 204 and change nothing (no System Log event): PUT is
//     idempotent by definition, and Okta documents no error for either.
//   - Member listings include users of every status, DEPROVISIONED too,
//     in user ID order.

// Scopes of the Groups API.
const (
	ScopeGroupsRead   = "okta.groups.read"
	ScopeGroupsManage = "okta.groups.manage"
)

// Listing limits (spec listGroups, listGroupUsers).
const (
	defaultGroupLimit       = 10000
	defaultGroupQLimit      = 300
	defaultGroupMemberLimit = 1000
	maxGroupMemberLimit     = 10000
)

// groupRoute matches /api/v1/groups paths (segs[0] == "groups").
func groupRoute(segs []string) (methods, string, string) {
	read := func(f handlerFunc) endpoint { return endpoint{ScopeGroupsRead, f} }
	manage := func(f handlerFunc) endpoint { return endpoint{ScopeGroupsManage, f} }
	switch n := len(segs); {
	case n == 1:
		return methods{"GET": read((*Server).listGroups)}, "", ""
	case n == 2 && segs[1] != "rules":
		return methods{"GET": read((*Server).getGroup)}, segs[1], ""
	case n == 3 && segs[2] == "users":
		return methods{"GET": read((*Server).listGroupUsers)}, segs[1], ""
	case n == 4 && segs[2] == "users":
		return methods{
			"PUT":    manage((*Server).assignUserToGroup),
			"DELETE": manage((*Server).unassignUserFromGroup),
		}, segs[1], segs[3]
	}
	return nil, "", ""
}

// groupAttr returns a group attribute as search sees it.
func groupAttr(g *group, attr string) (string, bool) {
	switch attr {
	case "id":
		return g.id, true
	case "type":
		return g.groupType, true
	case "profile.name":
		return g.name, true
	case "profile.description":
		return g.description, g.description != ""
	case "created":
		return formatTime(g.created), true
	case "lastUpdated":
		return formatTime(g.lastUpdated), true
	case "lastMembershipUpdated":
		return formatTime(g.lastMembershipUpdated), true
	case "source.id":
		if g.sourceApp != nil {
			return g.sourceApp.id, true
		}
	}
	return "", false
}

// compileGroupSearch compiles listGroups' search: sw and eq on the
// attributes above, co only on profile.name and profile.description;
// string comparison ignores case, as in the users search.
func compileGroupSearch(expr string) (func(*group) bool, *apiError) {
	e, err := parseFilter(expr)
	if err != nil {
		return nil, errInvalidSearch(err.Error())
	}
	err = walkCompares(e, func(c compareExpr) error {
		if _, known := groupAttr(&group{sourceApp: &app{}}, c.attr); !known && c.attr != "profile.description" {
			return fmt.Errorf("search does not support attribute %q", c.attr)
		}
		switch c.op {
		case "eq", "sw", "gt", "ge", "lt", "le":
		case "co":
			if c.attr != "profile.name" && c.attr != "profile.description" {
				return fmt.Errorf("co is supported on profile.name and profile.description only, not %q", c.attr)
			}
		default:
			return fmt.Errorf("search does not support operator %q", c.op)
		}
		if c.value.kind != valueString {
			return fmt.Errorf("%s needs a quoted string value", c.attr)
		}
		return nil
	})
	if err != nil {
		return nil, errInvalidSearch(err.Error())
	}
	return func(g *group) bool {
		return evalFilter(e, func(c compareExpr) bool {
			v, ok := groupAttr(g, c.attr)
			if !ok {
				return false
			}
			a, b := strings.ToLower(v), strings.ToLower(c.value.text)
			switch c.op {
			case "eq":
				return a == b
			case "sw":
				return strings.HasPrefix(a, b)
			case "co":
				return strings.Contains(a, b)
			default:
				return compareOrdered(strings.Compare(a, b), c.op)
			}
		})
	}, nil
}

// idCursor is the sealed position of a listing ordered by ID: the last ID
// on the page, and what the listing is (so a cursor of one group's members
// cannot page another's).
type idCursor struct {
	Kind  string `json:"k"`
	Scope string `json:"s,omitempty"`
	ID    string `json:"i"`
}

// pageLimit parses limit, with def when absent.
func pageLimit(q url.Values, def, maxLimit int) (int, *apiError) {
	v := q.Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, errValidation("limit", "limit must be a positive integer")
	}
	return min(n, maxLimit), nil
}

// afterCursor opens the after parameter of a listing of kind/scope.
func (s *Server) afterCursor(q url.Values, kind, scope string) (string, *apiError) {
	a := q.Get("after")
	if a == "" {
		return "", nil
	}
	payload, ok := s.cursors.open(a)
	var cur idCursor
	if !ok || json.Unmarshal(payload, &cur) != nil || cur.Kind != kind || cur.Scope != scope {
		return "", errInvalidPaging()
	}
	return cur.ID, nil
}

// nextPage builds the next link of a listing whose page ends at lastID.
func (s *Server) nextPage(r *http.Request, kind, scope, lastID string, limit int) string {
	return s.nextLink(r, idCursor{Kind: kind, Scope: scope, ID: lastID}, limit)
}

// listGroups serves GET /api/v1/groups: q (name starts with, not paged),
// search, filter (id, type, lastUpdated, lastMembershipUpdated), or every
// group, in ID order with after/limit paging.
func (s *Server) listGroups(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	q := r.URL.Query()
	query, search, filter := q.Get("q"), q.Get("search"), q.Get("filter")
	if search != "" && filter != "" {
		return errSearchAndFilter()
	}
	def := defaultGroupLimit
	if query != "" {
		def = defaultGroupQLimit
	}
	limit, aerr := pageLimit(q, def, defaultGroupLimit)
	if aerr != nil {
		return aerr
	}
	match := func(*group) bool { return true }
	switch {
	case search != "":
		if match, aerr = compileGroupSearch(search); aerr != nil {
			return aerr
		}
	case filter != "":
		if match, aerr = compileGroupSearch(filter); aerr != nil {
			return aerr
		}
	}
	if query != "" {
		prefix := strings.ToLower(query)
		inner := match
		match = func(g *group) bool { return inner(g) && strings.HasPrefix(strings.ToLower(g.name), prefix) }
	}
	after := ""
	if query == "" {
		if after, aerr = s.afterCursor(q, "g", ""); aerr != nil {
			return aerr
		}
	}

	o := s.org
	o.mu.RLock()
	ids := make([]string, 0, len(o.groups))
	for id, g := range o.groups {
		if id > after && match(g) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	more := len(ids) > limit
	if more {
		ids = ids[:limit]
	}
	base := s.baseURL(r)
	out := make([]groupJSON, len(ids))
	for i, id := range ids {
		out[i] = renderGroup(base, o.groups[id])
	}
	o.mu.RUnlock()

	next := ""
	if more && query == "" {
		next = s.nextPage(r, "g", "", ids[len(ids)-1], limit)
	}
	writeLinks(w.Header(), s.selfURL(r), next)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getGroup serves GET /api/v1/groups/{groupId}.
func (s *Server) getGroup(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	o := s.org
	o.mu.RLock()
	g := o.groups[c.param]
	if g == nil {
		o.mu.RUnlock()
		return errNotFound(c.param, "UserGroup")
	}
	body := renderGroup(s.baseURL(r), g)
	o.mu.RUnlock()
	writeJSON(w, http.StatusOK, body)
	return nil
}

// listGroupUsers serves GET /api/v1/groups/{groupId}/users, paged.
func (s *Server) listGroupUsers(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	q := r.URL.Query()
	limit, aerr := pageLimit(q, defaultGroupMemberLimit, maxGroupMemberLimit)
	if aerr != nil {
		return aerr
	}
	after, aerr := s.afterCursor(q, "gu", c.param)
	if aerr != nil {
		return aerr
	}
	o := s.org
	o.mu.RLock()
	g := o.groups[c.param]
	if g == nil {
		o.mu.RUnlock()
		return errNotFound(c.param, "UserGroup")
	}
	var members []*user
	for _, id := range o.userIDs {
		if id <= after {
			continue
		}
		u := o.users[id]
		if slices.Contains(u.groups, g) {
			members = append(members, u)
			if len(members) > limit {
				break
			}
		}
	}
	more := len(members) > limit
	if more {
		members = members[:limit]
	}
	base := s.baseURL(r)
	out := make([]userJSON, len(members))
	for i, u := range members {
		out[i] = o.renderUser(base, u, false)
	}
	o.mu.RUnlock()
	next := ""
	if more {
		next = s.nextPage(r, "gu", c.param, members[len(members)-1].id, limit)
	}
	writeLinks(w.Header(), s.selfURL(r), next)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// assignUserToGroup serves PUT /api/v1/groups/{groupId}/users/{userId}.
func (s *Server) assignUserToGroup(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	return s.changeMembership(w, r, c, true)
}

// unassignUserFromGroup serves DELETE /api/v1/groups/{groupId}/users/{userId}.
func (s *Server) unassignUserFromGroup(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	return s.changeMembership(w, r, c, false)
}

func (s *Server) changeMembership(w http.ResponseWriter, r *http.Request, c *call, add bool) *apiError {
	o := s.org
	o.mu.Lock()
	defer o.mu.Unlock()
	g := o.groups[c.param]
	if g == nil {
		return errNotFound(c.param, "UserGroup")
	}
	u := o.users[c.sub] // {userId}: an ID only
	if u == nil {
		return errNotFound(c.sub, "User")
	}
	if g.groupType != "OKTA_GROUP" {
		return errAccessDenied()
	}
	i := slices.Index(u.groups, g)
	if add == (i >= 0) {
		w.WriteHeader(http.StatusNoContent) // already so: nothing changes
		return nil
	}
	now := o.now()
	eventType, message := "group.user_membership.add", "Add user to group membership"
	if add {
		u.groups = append(u.groups, g)
	} else {
		u.groups = slices.Delete(slices.Clone(u.groups), i, i+1)
		eventType, message = "group.user_membership.remove", "Remove user from group membership"
	}
	g.lastMembershipUpdated = now
	ev := s.apiEvent(r, c, now, eventType, message, u)
	ev.Target = append(ev.Target, LogTarget{ID: g.id, Type: "UserGroup", AlternateID: "unknown", DisplayName: g.name})
	o.appendLocked(ev, now)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// GroupID returns the ID of the group with this name (any case).
func (o *Org) GroupID(name string) (string, bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if g := o.groupByName[strings.ToLower(name)]; g != nil {
		return g.id, true
	}
	return "", false
}

// IsMember reports whether the user (ID, login or shortname) is in the
// group (ID or name).
func (o *Org) IsMember(user, group string) bool {
	o.mu.RLock()
	defer o.mu.RUnlock()
	u := o.resolveLocked(user)
	g := o.groups[group]
	if g == nil {
		g = o.groupByName[strings.ToLower(group)]
	}
	return u != nil && g != nil && slices.Contains(u.groups, g)
}

// AddGroup adds an OKTA_GROUP (or groupType, when given) and returns its
// ID; a test uses it to arrange, say, two groups of one name. Unlike the
// seed's groups it is not found by Org.GroupID when its name repeats.
func (o *Org) AddGroup(name, description, groupType string) string {
	if groupType == "" {
		groupType = "OKTA_GROUP"
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	prev := o.groupByName[strings.ToLower(name)]
	g := o.addGroupLocked(groupSpec{name: name, description: description, groupType: groupType, created: o.now()})
	if prev != nil {
		o.groupByName[strings.ToLower(name)] = prev
	}
	return g.id
}

// GroupQuarantine is the seeded group a responder adds a compromised user
// to (an OKTA_GROUP with no members, which a sign-on policy would deny).
const GroupQuarantine = "Quarantine"

// seedQuarantine adds GroupQuarantine with IDs from a generator of its
// own, so the rest of the seed (and every ID in it) is unchanged.
func (sd *seeder) seedQuarantine() {
	if sd.o.groupByName[strings.ToLower(GroupQuarantine)] != nil {
		return
	}
	sd.o.addGroupLocked(groupSpec{
		name: GroupQuarantine, description: "Incident containment: members are denied sign-in by policy",
		groupType: "OKTA_GROUP", created: sd.now.Add(-sd.days(200)), rng: mrand.New(mrand.NewPCG(0x9a7a, 0x4e)),
	})
}
