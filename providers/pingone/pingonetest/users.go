package pingonetest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// userAt is a user as of a request's time, which the account.status
// filter needs (an automatic unlock happens by the clock alone).
type userAt struct {
	u   *user
	now time.Time
}

// userFilter is the SCIM subset the users listing accepts: eq and sw on
// string attributes, eq on booleans, and/or with parentheses, and the
// memberOfGroups[...] value path of the spec's example. PingOne documents
// no more than that for users.
var userFilter = filterSchema[userAt]{
	fields: map[string]fieldMatcher[userAt]{
		"id":             stringField(func(x userAt) string { return x.u.id }, "eq", "sw"),
		"username":       stringField(func(x userAt) string { return x.u.username }, "eq", "sw"),
		"email":          stringField(func(x userAt) string { return x.u.email }, "eq", "sw"),
		"name.given":     stringField(func(x userAt) string { return x.u.given }, "eq", "sw"),
		"name.family":    stringField(func(x userAt) string { return x.u.family }, "eq", "sw"),
		"population.id":  stringField(func(x userAt) string { return x.u.population.id }, "eq", "sw"),
		"account.status": stringField(func(x userAt) string { return x.u.accountStatus(x.now) }, "eq", "sw"),
		"enabled":        boolField(func(x userAt) bool { return x.u.enabled }),
		"mfaenabled":     boolField(func(x userAt) bool { return x.u.mfaEnabled }),
	},
	valuePaths: map[string]func(filterNode) (func(userAt) bool, error){
		// memberOfGroups[id eq "..."]: any of the user's memberships,
		// DIRECT or INDIRECT (the spec's own example).
		"memberofgroups": func(inner filterNode) (func(userAt) bool, error) {
			m, err := membershipFilter.compile(inner)
			if err != nil {
				return nil, err
			}
			return func(x userAt) bool { return slices.ContainsFunc(memberships(x.u), m) }, nil
		},
	},
}

// parseUserRender reads include= and expand= for a user read.
func parseUserRender(q url.Values, list bool) (userRender, *apiError) {
	var opt userRender
	if !list { // PingOne returns memberOfGroup* for a single user only
		for _, v := range q["include"] {
			for _, part := range strings.Split(v, ",") {
				switch strings.TrimSpace(part) {
				case "memberOfGroupIDs":
					opt.groupIDs = true
				case "memberOfGroupNames":
					opt.groupNames = true
				default:
					return opt, invalidValue("include", "include supports memberOfGroupIDs and memberOfGroupNames")
				}
			}
		}
	}
	switch q.Get("expand") {
	case "":
	case "population":
		opt.population = true
	default:
		return opt, invalidValue("expand", "expand supports only population")
	}
	return opt, nil
}

// getUser serves GET /users/{id}.
func (s *Server) getUser(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	opt, aerr := parseUserRender(r.URL.Query(), false)
	if aerr != nil {
		return aerr
	}
	e := s.env
	e.mu.RLock()
	u := e.users[c.id]
	var j userJSON
	if u != nil {
		j = s.renderUser(r, u, c.now, opt)
	}
	e.mu.RUnlock()
	if u == nil {
		return errNotFound()
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

// userCursor is the sealed position of a users listing: the sort key of
// the last user returned. Keyset paging keeps pages stable while users are
// added.
type userCursor struct {
	Created int64  `json:"t"` // Unix nanoseconds
	ID      string `json:"i"`
}

// listUsers serves GET /users?filter=&limit=&cursor=, ordered by creation.
// A page holds at most the user page size, whatever limit asks for; the
// next link keeps the limit asked for.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	q := r.URL.Query()
	limit, aerr := pageLimit(q)
	if aerr != nil {
		return aerr
	}
	limit = min(limit, s.userPage)
	opt, aerr := parseUserRender(q, true)
	if aerr != nil {
		return aerr
	}
	match := func(userAt) bool { return true }
	if f := q.Get("filter"); f != "" {
		m, err := parseAndCompile(&userFilter, f)
		if err != nil {
			return errFilter(err)
		}
		match = m
	}
	var after *userCursor
	if cur := q.Get("cursor"); cur != "" {
		after = new(userCursor)
		if !s.cursors.open(cur, after) {
			return errBadCursor()
		}
	}

	e := s.env
	e.mu.RLock()
	var page []userJSON
	var last *user
	count, eligible := 0, 0
	for _, u := range e.userOrder {
		if !match(userAt{u, c.now}) {
			continue
		}
		count++
		if after != nil && !userAfter(u, after) {
			continue
		}
		if eligible++; len(page) < limit {
			page = append(page, s.renderUser(r, u, c.now, opt))
			last = u
		}
	}
	e.mu.RUnlock()

	next := ""
	if eligible > len(page) {
		next = s.nextURL(r, s.cursors.seal(userCursor{Created: last.createdAt.UnixNano(), ID: last.id}))
	}
	writeCollection(w, r, s, "users", page, count, next)
	return nil
}

func userAfter(u *user, pos *userCursor) bool {
	t := u.createdAt.UnixNano()
	return t > pos.Created || t == pos.Created && u.id > pos.ID
}
