package pingonetest

import (
	"fmt"
	"net/http"
	"slices"
)

// Names of PingOne's built-in administrator roles (spec EnumRoleName).
const (
	RoleOrganizationAdmin          = "Organization Admin"
	RoleEnvironmentAdmin           = "Environment Admin"
	RoleIdentityDataAdmin          = "Identity Data Admin"
	RoleIdentityDataReadOnly       = "Identity Data Read Only"
	RoleClientApplicationDeveloper = "Client Application Developer"
	RoleConfigurationReadOnly      = "Configuration Read Only"
	RoleHelpDeskAdmin              = "Help Desk Admin"
	RoleApplicationOwner           = "Application Owner"
)

// PrivilegedRoles returns the roles that grant control over identities or
// the environment itself, the ones a responder reviews first.
func PrivilegedRoles() []string {
	return []string{RoleOrganizationAdmin, RoleEnvironmentAdmin, RoleIdentityDataAdmin}
}

// Role assignment scope types (spec EnumRoleAssignmentScopeType).
const (
	ScopeOrganization = "ORGANIZATION"
	ScopeEnvironment  = "ENVIRONMENT"
	ScopePopulation   = "POPULATION"
	ScopeApplication  = "APPLICATION"
)

// role is a built-in role. Roles belong to the organization, not to an
// environment, and their IDs are the same everywhere.
type role struct {
	id, name, description string
	applicableTo          []string
}

// roleCatalog is the fixed set of built-in roles; it is never modified.
var roleCatalog = []*role{
	{"1f0c5b9a-2d4e-4c8b-9a7e-3b6d5f1e8a01", RoleOrganizationAdmin, "Manages the organization, its environments and administrators.", []string{ScopeOrganization}},
	{"2a7e4c1d-8b3f-4e6a-b5d9-0c2f7e1a9b02", RoleEnvironmentAdmin, "Manages environments: configuration, applications, users and roles.", []string{ScopeOrganization, ScopeEnvironment}},
	{"3b9d2e6f-1c5a-4d7b-8e0f-4a6c9b2d1c03", RoleIdentityDataAdmin, "Manages users, groups, populations and their credentials.", []string{ScopeEnvironment, ScopePopulation}},
	{"4c1e7a3b-9d6f-4b2c-a8e1-5b7d0c3e2d04", RoleIdentityDataReadOnly, "Reads users, groups and populations.", []string{ScopeEnvironment, ScopePopulation}},
	{"5d3f9b5c-0e7a-4c4d-9b2f-6c8e1d4f3e05", RoleClientApplicationDeveloper, "Manages applications.", []string{ScopeEnvironment}},
	{"6e5a1c7d-2f8b-4d6e-8c3a-7d9f2e5a4f06", RoleConfigurationReadOnly, "Reads environment configuration.", []string{ScopeEnvironment}},
	{"7f7b3d9e-3a9c-4e8f-9d4b-8e0a3f6b5a07", RoleHelpDeskAdmin, "Unlocks users, resets passwords and manages MFA devices.", []string{ScopeEnvironment, ScopePopulation}},
	{"8a9c5e1f-4b0d-4f0a-ae5c-9f1b4a7c6b08", RoleApplicationOwner, "Manages the applications it is assigned to.", []string{ScopeApplication}},
}

func roleByName(name string) *role {
	for _, r := range roleCatalog {
		if r.name == name {
			return r
		}
	}
	return nil
}

func roleByID(id string) *role {
	for _, r := range roleCatalog {
		if r.id == id {
			return r
		}
	}
	return nil
}

// RoleID returns the ID of the built-in role with this name.
func RoleID(name string) (string, bool) {
	if r := roleByName(name); r != nil {
		return r.id, true
	}
	return "", false
}

// roleAssignment is one of a user's role assignments.
type roleAssignment struct {
	id                 string
	role               *role
	scopeType, scopeID string
}

// AssignRole assigns a built-in role to a user with the given scope
// (ScopeEnvironment with the environment ID, ScopePopulation with a
// population ID...) and returns the assignment ID. It panics on an unknown
// user or role, a bug in the test arranging the environment.
func (e *Env) AssignRole(idOrUsername, roleName, scopeType, scopeID string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, r := e.resolveLocked(idOrUsername), roleByName(roleName)
	if u == nil || r == nil || !slices.Contains(r.applicableTo, scopeType) {
		panic(fmt.Sprintf("pingonetest: AssignRole(%q, %q, %q): unknown user or role, or scope not applicable", idOrUsername, roleName, scopeType))
	}
	ra := &roleAssignment{id: e.newRoleAssignmentIDLocked(), role: r, scopeType: scopeType, scopeID: scopeID}
	u.roles = append(u.roles, ra)
	return ra.id
}

// RoleNames returns the names of the roles assigned to the user.
func (e *Env) RoleNames(idOrUsername string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.resolveLocked(idOrUsername)
	if u == nil {
		return nil
	}
	names := make([]string, len(u.roles))
	for i, ra := range u.roles {
		names[i] = ra.role.name
	}
	return names
}

// roleAssignmentJSON is the wire shape of spec schema RoleAssignment. As
// in PingOne, the role is a reference by ID; its name is at /roles/{id}.
type roleAssignmentJSON struct {
	Links       links     `json:"_links"`
	ID          string    `json:"id"`
	Environment idRef     `json:"environment"`
	ReadOnly    bool      `json:"readOnly"`
	Role        idRef     `json:"role"`
	Scope       scopeJSON `json:"scope"`
}

type scopeJSON struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// listUserRoleAssignments serves GET /users/{id}/roleAssignments.
func (s *Server) listUserRoleAssignments(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	e := s.env
	e.mu.RLock()
	u := e.users[c.id]
	if u == nil {
		e.mu.RUnlock()
		return errNotFound()
	}
	items := make([]roleAssignmentJSON, 0, len(u.roles))
	for _, ra := range u.roles {
		items = append(items, roleAssignmentJSON{
			Links: links{
				"self":        {Href: s.envURL(r, "/users/"+u.id+"/roleAssignments/"+ra.id)},
				"role":        {Href: s.baseURL(r) + "/v1/roles/" + ra.role.id},
				"environment": {Href: s.envURL(r, "")},
			},
			ID: ra.id, Environment: idRef{ID: s.EnvironmentID}, Role: idRef{ID: ra.role.id},
			Scope: scopeJSON{ID: ra.scopeID, Type: ra.scopeType},
		})
	}
	e.mu.RUnlock()
	writeCollection(w, r, s, "roleAssignments", items, len(items), "")
	return nil
}

// roleJSON is the wire shape of spec schema Role.
type roleJSON struct {
	Links        links    `json:"_links"`
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	ApplicableTo []string `json:"applicableTo"`
	Permissions  []any    `json:"permissions"`
}

func (s *Server) renderRole(r *http.Request, ro *role) roleJSON {
	return roleJSON{
		Links: links{"self": {Href: s.baseURL(r) + "/v1/roles/" + ro.id}},
		ID:    ro.id, Name: ro.name, Description: ro.description,
		ApplicableTo: ro.applicableTo, Permissions: []any{},
	}
}

// listRoles serves GET /v1/roles (organization level).
func (s *Server) listRoles(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	items := make([]roleJSON, len(roleCatalog))
	for i, ro := range roleCatalog {
		items[i] = s.renderRole(r, ro)
	}
	writeCollection(w, r, s, "roles", items, len(items), "")
	return nil
}

// getRole serves GET /v1/roles/{id}.
func (s *Server) getRole(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	ro := roleByID(c.id)
	if ro == nil {
		return errNotFound()
	}
	writeJSON(w, http.StatusOK, s.renderRole(r, ro))
	return nil
}
