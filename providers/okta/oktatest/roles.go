package oktatest

import (
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// Standard admin role types the fake can assign (spec schema RoleType,
// those the spec maps to StandardRole). MOBILE_ADMIN is left out: the spec
// maps it to StandardRole but its RoleType enum does not list it, so no
// response carrying it could validate. The IAM-based roles (WORKFLOWS_ADMIN,
// ACCESS_*_ADMIN) and CUSTOM roles come back in the CustomRole shape, with
// a resource set, which the fake does not model.
const (
	RoleSuperAdmin               = "SUPER_ADMIN"
	RoleOrgAdmin                 = "ORG_ADMIN"
	RoleAppAdmin                 = "APP_ADMIN"
	RoleUserAdmin                = "USER_ADMIN"
	RoleHelpDeskAdmin            = "HELP_DESK_ADMIN"
	RoleGroupMembershipAdmin     = "GROUP_MEMBERSHIP_ADMIN"
	RoleReadOnlyAdmin            = "READ_ONLY_ADMIN"
	RoleReportAdmin              = "REPORT_ADMIN"
	RoleAPIAccessManagementAdmin = "API_ACCESS_MANAGEMENT_ADMIN"
)

// roleLabels are the labels Okta shows for the standard roles. Only type is
// meant for decisions; the label is display text.
var roleLabels = map[string]string{
	RoleSuperAdmin:               "Super Organization Administrator",
	RoleOrgAdmin:                 "Organization Administrator",
	RoleAppAdmin:                 "Application Administrator",
	RoleUserAdmin:                "User Administrator",
	RoleHelpDeskAdmin:            "Help Desk Administrator",
	RoleGroupMembershipAdmin:     "Group Membership Administrator",
	RoleReadOnlyAdmin:            "Read Only Administrator",
	RoleReportAdmin:              "Report Administrator",
	RoleAPIAccessManagementAdmin: "API Access Management Administrator",
}

// Role assignment ID prefixes, as in the spec's examples: "ra1…" for a
// role assigned to a user, "gra…" for one assigned to a group.
const (
	prefixUserRole  = "ra1"
	prefixGroupRole = "gra"
)

// Role assignment types (spec schema RoleAssignmentType).
const (
	assignedToUser  = "USER"
	assignedToGroup = "GROUP"
)

// roleAssignment is one standard role granted to a user or a group.
type roleAssignment struct {
	id       string
	roleType string
	status   string // ACTIVE or INACTIVE (spec schema LifecycleStatus)
	created  time.Time
}

// roleTable holds role assignments by assignee: a user ID or a group ID
// (the two never collide, their prefixes differ). The nil table is empty.
type roleTable map[string][]*roleAssignment

// assignRoleLocked grants roleType to the assignee unless it already holds
// it, as Okta refuses a duplicate assignment. It panics on a role type the
// fake does not serve: that is a bug in the test arranging the org.
func (o *Org) assignRoleLocked(rng *mrand.Rand, assignee, prefix, roleType string, at time.Time) {
	if _, ok := roleLabels[roleType]; !ok {
		panic("oktatest: unsupported role type " + roleType)
	}
	for _, ra := range o.roles[assignee] {
		if ra.roleType == roleType {
			return
		}
	}
	if o.roles == nil {
		o.roles = roleTable{}
	}
	o.roles[assignee] = append(o.roles[assignee], &roleAssignment{
		id: oktaID(rng, prefix), roleType: roleType, status: "ACTIVE", created: at,
	})
}

// AssignRole grants a standard admin role (Role* constants) to the user
// directly: it is listed with assignmentType USER. It reports whether the
// user exists and panics on a role type the fake does not serve.
func (o *Org) AssignRole(idOrLogin, roleType string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	u := o.resolveLocked(idOrLogin)
	if u == nil {
		return false
	}
	o.assignRoleLocked(o.rng, u.id, prefixUserRole, roleType, o.now())
	return true
}

// AssignGroupRole grants a standard admin role to a group by name: every
// member holds it, listed with assignmentType GROUP. It reports whether the
// group exists and panics on a role type the fake does not serve.
func (o *Org) AssignGroupRole(groupName, roleType string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	g := o.groupByName[strings.ToLower(groupName)]
	if g == nil {
		return false
	}
	o.assignRoleLocked(o.rng, g.id, prefixGroupRole, roleType, o.now())
	return true
}

// seedRoles gives the demo org its admin roles: DemoAdminUser is Super
// Admin in its own right, and Okta Admins (DemoAdminUser and the service
// account among them) are Org Admins through the group. Everyone else,
// including members of groups merely named for admins, holds no role: in
// Okta a group grants a role only when the role is assigned to it. It runs
// last in SeedDemo, so its random draws leave the rest of the seed alone.
func (sd *seeder) seedRoles() {
	if admin := sd.byLogin[DemoAdminUser]; admin != nil {
		sd.o.assignRoleLocked(sd.rng, admin.id, prefixUserRole, RoleSuperAdmin, admin.created)
	}
	if g := sd.o.groupByName[strings.ToLower(GroupOktaAdmins)]; g != nil {
		sd.o.assignRoleLocked(sd.rng, g.id, prefixGroupRole, RoleOrgAdmin, g.created)
	}
}

// roleJSON is the wire shape of a standard role assignment (spec schema
// StandardRole).
type roleJSON struct {
	ID             string              `json:"id"`
	Label          string              `json:"label"`
	Type           string              `json:"type"`
	Status         string              `json:"status"`
	Created        string              `json:"created"`
	LastUpdated    string              `json:"lastUpdated"`
	AssignmentType string              `json:"assignmentType"`
	Links          map[string]hrefLink `json:"_links"`
}

// renderRole renders ra as held through assigneeURL: the user's own URL
// for a USER assignment, the group's for a GROUP one, as in the spec's
// examples.
func renderRole(ra *roleAssignment, assignmentType, assigneeURL string) roleJSON {
	ts := formatTime(ra.created)
	return roleJSON{
		ID: ra.id, Label: roleLabels[ra.roleType], Type: ra.roleType, Status: ra.status,
		Created: ts, LastUpdated: ts, AssignmentType: assignmentType,
		Links: map[string]hrefLink{"assignee": {Href: assigneeURL}},
	}
}

// listUserRoles serves GET /api/v1/users/{userId}/roles: the roles
// assigned to the user, then those it holds through its groups, in
// membership order. Like every {userId} path it takes the user ID only,
// and the spec gives it no paging. expand is not modelled: no standard
// role here has targets to embed.
func (s *Server) listUserRoles(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	o := s.org
	o.mu.RLock()
	u := o.users[c.param]
	if u == nil {
		o.mu.RUnlock()
		return errNotFound(c.param, "User")
	}
	base := s.baseURL(r) + "/api/v1"
	out := []roleJSON{}
	for _, ra := range o.roles[u.id] {
		out = append(out, renderRole(ra, assignedToUser, base+"/users/"+u.id))
	}
	for _, g := range u.groups {
		for _, ra := range o.roles[g.id] {
			out = append(out, renderRole(ra, assignedToGroup, base+"/groups/"+g.id))
		}
	}
	o.mu.RUnlock()
	writeJSON(w, http.StatusOK, out)
	return nil
}
