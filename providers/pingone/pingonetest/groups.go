package pingonetest

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// group is a PingOne group. Groups can be members of other groups: a user
// who is a DIRECT member of a group is an INDIRECT member of every group
// it is nested in, transitively.
type group struct {
	id, name, description string
	population            *population // nil for an environment-level group
	parents               []*group    // the groups this group is a member of
	createdAt             time.Time
}

// GroupSpec describes a group for Env.AddGroup.
type GroupSpec struct {
	// ID is the group ID; a fresh UUID is generated when empty.
	ID          string
	Name        string
	Description string
	// Population scopes the group to a population (by name); empty for an
	// environment-level group.
	Population string
	// MemberOf names the groups this group is nested in; unknown names
	// are created.
	MemberOf []string
}

// AddGroup adds a group, or updates the nesting of an existing group of
// that name, and returns its ID.
func (e *Env) AddGroup(spec GroupSpec) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.addGroupLocked(spec, e.now()).id
}

func (e *Env) addGroupLocked(spec GroupSpec, created time.Time) *group {
	g := e.groupByName[strings.ToLower(spec.Name)]
	if g == nil {
		id := spec.ID
		if id == "" {
			id = seededUUID(e.rng)
		}
		g = &group{id: id, name: spec.Name, description: spec.Description, createdAt: created}
		if spec.Population != "" {
			g.population = e.addPopulationLocked(spec.Population, "")
		}
		e.groups[id] = g
		e.groupByName[strings.ToLower(spec.Name)] = g
		i, _ := slices.BinarySearchFunc(e.groupOrder, g, func(a, b *group) int { return strings.Compare(a.name, b.name) })
		e.groupOrder = slices.Insert(e.groupOrder, i, g)
	}
	for _, name := range spec.MemberOf {
		p := e.groupByName[strings.ToLower(name)]
		if p == nil {
			p = e.addGroupLocked(GroupSpec{Name: name}, created)
		}
		if p != g && !slices.Contains(g.parents, p) {
			g.parents = append(g.parents, p)
		}
	}
	return g
}

// GroupID returns the ID of the group with this name.
func (e *Env) GroupID(name string) (string, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if g := e.groupByName[strings.ToLower(name)]; g != nil {
		return g.id, true
	}
	return "", false
}

// GroupNames returns the names of the user's groups: DIRECT memberships
// in join order, then INDIRECT ones.
func (e *Env) GroupNames(idOrUsername string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.resolveLocked(idOrUsername)
	if u == nil {
		return nil
	}
	var names []string
	for _, m := range memberships(u) {
		names = append(names, m.group.name)
	}
	return names
}

// membership is one of a user's group memberships.
type membership struct {
	group  *group
	direct bool
}

// memberships lists a user's DIRECT memberships, then the INDIRECT ones
// reached through nested groups, breadth first. A group reached both ways
// counts as DIRECT.
func memberships(u *user) []membership {
	seen := make(map[*group]bool, len(u.groups))
	out := make([]membership, 0, len(u.groups))
	for _, g := range u.groups {
		seen[g] = true
		out = append(out, membership{group: g, direct: true})
	}
	queue := slices.Clone(u.groups)
	for i := 0; i < len(queue); i++ {
		for _, p := range queue[i].parents {
			if !seen[p] {
				seen[p] = true
				out = append(out, membership{group: p})
				queue = append(queue, p)
			}
		}
	}
	return out
}

// groupJSON is the wire shape of spec schema Group.
type groupJSON struct {
	Links       links  `json:"_links"`
	ID          string `json:"id"`
	Environment idRef  `json:"environment"`
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
	Description string `json:"description,omitempty"`
	Population  *idRef `json:"population,omitempty"`
	CreatedAt   string `json:"createdAt"`
}

func (s *Server) renderGroup(r *http.Request, g *group) groupJSON {
	j := groupJSON{
		Links:       links{"self": {Href: s.envURL(r, "/groups/"+g.id)}},
		ID:          g.id,
		Environment: idRef{ID: s.EnvironmentID},
		Name:        g.name,
		DisplayName: g.name,
		Description: g.description,
		CreatedAt:   formatTime(g.createdAt),
	}
	if g.population != nil {
		j.Population = &idRef{ID: g.population.id}
	}
	return j
}

// groupMembershipJSON is the wire shape of spec schema GroupMembership:
// its id is the group's ID.
type groupMembershipJSON struct {
	Links       links               `json:"_links"`
	ID          string              `json:"id"`
	Environment idRef               `json:"environment"`
	Name        string              `json:"name"`
	Type        string              `json:"type"`
	Embedded    *membershipEmbedded `json:"_embedded,omitempty"`
}

type membershipEmbedded struct {
	Group groupJSON `json:"group"`
}

// membershipFilter is what GET memberOfGroups?filter= may say.
var membershipFilter = filterSchema[membership]{fields: map[string]fieldMatcher[membership]{
	"type": stringField(func(m membership) string { return membershipType(m) }, "eq"),
	"id":   stringField(func(m membership) string { return m.group.id }, "eq", "in"),
	"name": stringField(func(m membership) string { return m.group.name }, "eq", "sw"),
}}

func membershipType(m membership) string {
	if m.direct {
		return "DIRECT"
	}
	return "INDIRECT"
}

// listUserGroups serves GET /users/{id}/memberOfGroups. The group itself
// is embedded only with expand=group, as in PingOne.
func (s *Server) listUserGroups(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	q := r.URL.Query()
	expand := false
	switch v := q.Get("expand"); v {
	case "":
	case "group":
		expand = true
	default:
		return invalidValue("expand", "expand supports only group")
	}
	match := func(membership) bool { return true }
	if f := q.Get("filter"); f != "" {
		m, err := parseAndCompile(&membershipFilter, f)
		if err != nil {
			return errFilter(err)
		}
		match = m
	}
	e := s.env
	e.mu.RLock()
	u := e.users[c.id]
	if u == nil {
		e.mu.RUnlock()
		return errNotFound()
	}
	var items []groupMembershipJSON
	for _, m := range memberships(u) {
		if !match(m) {
			continue
		}
		items = append(items, s.renderMembership(r, u, m, expand))
	}
	e.mu.RUnlock()
	return pageSlice(s, w, r, "groupMemberships", "memberOfGroups:"+c.id, items)
}

// groupFilter is what GET groups?filter= may say.
var groupFilter = filterSchema[*group]{fields: map[string]fieldMatcher[*group]{
	"id":   stringField(func(g *group) string { return g.id }, "eq", "in"),
	"name": stringField(func(g *group) string { return g.name }, "eq", "sw"),
	"population.id": stringField(func(g *group) string {
		if g.population == nil {
			return ""
		}
		return g.population.id
	}, "eq"),
}}

// listGroups serves GET /groups, ordered by name.
func (s *Server) listGroups(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	match := func(*group) bool { return true }
	if f := r.URL.Query().Get("filter"); f != "" {
		m, err := parseAndCompile(&groupFilter, f)
		if err != nil {
			return errFilter(err)
		}
		match = m
	}
	e := s.env
	e.mu.RLock()
	var items []groupJSON
	for _, g := range e.groupOrder {
		if match(g) {
			items = append(items, s.renderGroup(r, g))
		}
	}
	e.mu.RUnlock()
	return pageSlice(s, w, r, "groups", "groups", items)
}

// getGroup serves GET /groups/{id}.
func (s *Server) getGroup(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	e := s.env
	e.mu.RLock()
	g := e.groups[c.id]
	var j groupJSON
	if g != nil {
		j = s.renderGroup(r, g)
	}
	e.mu.RUnlock()
	if g == nil {
		return errNotFound()
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

// offsetCursor is the sealed position of a small listing that is paged by
// offset. scope binds it to the listing it came from.
type offsetCursor struct {
	Scope  string `json:"s"`
	Offset int    `json:"o"`
}

// pageSlice serves items (already filtered and rendered) a page at a time.
func pageSlice[T any](s *Server, w http.ResponseWriter, r *http.Request, key, scope string, items []T) *apiError {
	q := r.URL.Query()
	limit, aerr := pageLimit(q)
	if aerr != nil {
		return aerr
	}
	off := 0
	if cur := q.Get("cursor"); cur != "" {
		var oc offsetCursor
		if !s.cursors.open(cur, &oc) || oc.Scope != scope || oc.Offset < 0 {
			return errBadCursor()
		}
		off = min(oc.Offset, len(items))
	}
	end := min(off+limit, len(items))
	next := ""
	if end < len(items) {
		next = s.nextURL(r, s.cursors.seal(offsetCursor{Scope: scope, Offset: end}))
	}
	writeCollection(w, r, s, key, items[off:end], len(items), next)
	return nil
}
