package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/idcmd/idcmd/providers/pingone"
)

// pingOneClient returns the PingOne client or says it is not configured.
func (p Providers) pingOneClient() (*pingone.Client, error) {
	if p.PingOne == nil {
		return nil, fmt.Errorf("%w: pingone (set PINGONE_ENVIRONMENT_ID, PINGONE_CLIENT_ID, PINGONE_CLIENT_SECRET and PINGONE_REGION, or the pingone section of the config)", ErrProviderNotConfigured)
	}
	return p.PingOne, nil
}

// resolvePingOneUser reads the user named by an ID or username.
func resolvePingOneUser(ctx context.Context, p Providers, user string) (*pingone.Client, *pingone.User, error) {
	c, err := p.pingOneClient()
	if err != nil {
		return nil, nil, err
	}
	u, err := c.GetUser(ctx, user)
	if err != nil {
		return nil, nil, err
	}
	return c, u, nil
}

// PingOneUserArgs name one PingOne user.
type PingOneUserArgs struct {
	// PingOne user ID or username.
	User string `json:"user" validate:"required,max=255" example:"jsmith"`
}

// PingOneGetUser reads one user.
var PingOneGetUser = Spec[PingOneUserArgs, PingOneUser]{
	Name:     "pingone-get-user",
	Summary:  "Get a PingOne user by ID or username",
	Provider: PingOne,
	Context:  Context{Prefix: "PingOne.User", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a PingOneUserArgs) (Reply[PingOneUser], error) {
		c, u, err := resolvePingOneUser(ctx, p, a.User)
		if err != nil {
			return Reply[PingOneUser]{}, err
		}
		out := pingOneUser(u)
		// The password state matters to a responder (locked out by
		// failures?) and is one cheap read away.
		if pw, err := c.GetPasswordState(ctx, u.ID); err == nil {
			out.PasswordStatus = pw.Status
		}
		return Reply[PingOneUser]{
			Outputs:  out,
			Readable: table("PingOne user "+out.Username, append(pingOneUserHeaders, "Password"), [][]string{append(pingOneUserRow(out), out.PasswordStatus)}),
			Raw:      rawJSON(u.Raw),
		}, nil
	},
}

// PingOneListUsersArgs select users.
type PingOneListUsersArgs struct {
	// SCIM filter, e.g. username sw "j" or email eq "jsmith@example.com" or enabled eq false.
	Filter string `json:"filter,omitempty" validate:"omitempty,max=1024" example:"username sw \"j\""`
	// Maximum users to return (1-1000), read across as many PingOne pages as it takes.
	Limit int `json:"limit,omitempty" validate:"omitempty,min=1,max=1000" default:"50"`
	// next_cursor of a previous call with the same other arguments (limit may differ); next_cursor is set only when more remain.
	Cursor string `json:"cursor,omitempty" validate:"omitempty,max=16384"`
}

// PingOneListUsers lists users matching a filter.
var PingOneListUsers = Spec[PingOneListUsersArgs, []PingOneUser]{
	Name:     "pingone-list-users",
	Summary:  "List PingOne users by SCIM filter",
	Provider: PingOne,
	Context:  Context{Prefix: "PingOne.User", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a PingOneListUsersArgs) (Reply[[]PingOneUser], error) {
		c, err := p.pingOneClient()
		if err != nil {
			return Reply[[]PingOneUser]{}, err
		}
		q := pingone.UserQuery{Filter: a.Filter, Limit: orDefault(a.Limit, 50)}
		users, next, err := readPaged(ctx, p, pagedQuery[pingone.User]{
			scope: scopeOf("pingone-list-users", a), cursor: a.Cursor, limit: q.Limit,
			fetch: func(ctx context.Context, ref string) ([]pingone.User, string, error) {
				return c.ListUsers(ctx, pingone.UserQuery{Cursor: ref})
			},
			first: []func() (string, error){func() (string, error) { return c.UsersCursor(q) }},
		}, keepAll)
		if err != nil {
			return Reply[[]PingOneUser]{}, err
		}
		out := make([]PingOneUser, 0, len(users))
		rows := make([][]string, 0, len(users))
		for i := range users {
			u := pingOneUser(&users[i])
			out = append(out, u)
			rows = append(rows, pingOneUserRow(u))
		}
		return Reply[[]PingOneUser]{Outputs: out, Readable: table(pageTitle(len(out), "PingOne users", next), pingOneUserHeaders, rows),
			Raw: rawList(users, func(u pingone.User) []byte { return u.Raw }), NextCursor: next}, nil
	},
}

// PingOneGetUserGroups lists a user's groups, direct and through nesting.
var PingOneGetUserGroups = Spec[PingOneUserArgs, PingOneUserGroups]{
	Name:     "pingone-get-user-groups",
	Summary:  "List a PingOne user's groups (direct and indirect)",
	Provider: PingOne,
	Context:  Context{Prefix: "PingOne.User", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a PingOneUserArgs) (Reply[PingOneUserGroups], error) {
		c, u, err := resolvePingOneUser(ctx, p, a.User)
		if err != nil {
			return Reply[PingOneUserGroups]{}, err
		}
		ms, err := c.ListGroupMemberships(ctx, u.ID)
		if err != nil {
			return Reply[PingOneUserGroups]{}, err
		}
		out := PingOneUserGroups{ID: u.ID, Username: u.Username, Groups: make([]PingOneGroup, 0, len(ms))}
		rows := make([][]string, 0, len(ms))
		for _, m := range ms {
			g := PingOneGroup{ID: m.ID, Name: m.Name, MembershipType: m.Type}
			if m.Group != nil {
				g.Description = m.Group.Description
				if g.Name == "" {
					g.Name = m.Group.Name
				}
			}
			out.Groups = append(out.Groups, g)
			rows = append(rows, []string{g.ID, g.Name, g.MembershipType, g.Description})
		}
		return Reply[PingOneUserGroups]{Outputs: out,
			Readable: table("Groups of "+u.Username, []string{"ID", "Name", "Membership", "Description"}, rows),
			Raw:      rawList(ms, func(m pingone.GroupMembership) []byte { return m.Raw })}, nil
	},
}

// PingOneGetUserRoles lists a user's admin role assignments.
var PingOneGetUserRoles = Spec[PingOneUserArgs, PingOneUserRoles]{
	Name:     "pingone-get-user-roles",
	Summary:  "List a PingOne user's admin role assignments",
	Provider: PingOne,
	Context:  Context{Prefix: "PingOne.User", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a PingOneUserArgs) (Reply[PingOneUserRoles], error) {
		c, u, err := resolvePingOneUser(ctx, p, a.User)
		if err != nil {
			return Reply[PingOneUserRoles]{}, err
		}
		ras, err := c.ListRoleAssignments(ctx, u.ID)
		if err != nil {
			return Reply[PingOneUserRoles]{}, err
		}
		out := PingOneUserRoles{ID: u.ID, Username: u.Username, Roles: make([]PingOneRole, 0, len(ras))}
		rows := make([][]string, 0, len(ras))
		for _, ra := range ras {
			r := PingOneRole{ID: ra.ID, RoleID: ra.Role.ID, ScopeType: ra.Scope.Type, ScopeID: ra.Scope.ID, ReadOnly: ra.ReadOnly}
			out.Roles = append(out.Roles, r)
			rows = append(rows, []string{r.RoleID, r.ScopeType, r.ScopeID, yesNo(r.ReadOnly)})
		}
		return Reply[PingOneUserRoles]{Outputs: out,
			Readable: table("Admin roles of "+u.Username, []string{"Role", "Scope", "Scope ID", "Read-only"}, rows),
			Raw:      rawList(ras, func(r pingone.RoleAssignment) []byte { return r.Raw })}, nil
	},
}

// PingOneApplicationsArgs filter the application list.
type PingOneApplicationsArgs struct {
	// Only enabled applications.
	EnabledOnly bool `json:"enabled_only,omitempty"`
	// Only applications whose name contains this text (case-insensitive).
	Name string `json:"name,omitempty" validate:"omitempty,max=255"`
}

// PingOneGetApplications lists the environment's applications.
var PingOneGetApplications = Spec[PingOneApplicationsArgs, []PingOneApplication]{
	Name:     "pingone-get-applications",
	Summary:  "List the PingOne environment's applications",
	Provider: PingOne,
	Context:  Context{Prefix: "PingOne.Application", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a PingOneApplicationsArgs) (Reply[[]PingOneApplication], error) {
		c, err := p.pingOneClient()
		if err != nil {
			return Reply[[]PingOneApplication]{}, err
		}
		apps, err := c.ListApplications(ctx)
		if err != nil {
			return Reply[[]PingOneApplication]{}, err
		}
		out := make([]PingOneApplication, 0, len(apps))
		rows := make([][]string, 0, len(apps))
		kept := make([]pingone.Application, 0, len(apps))
		for _, app := range apps {
			if a.EnabledOnly && !app.Enabled || a.Name != "" && !strings.Contains(strings.ToLower(app.Name), strings.ToLower(a.Name)) {
				continue
			}
			kept = append(kept, app)
			o := PingOneApplication{ID: app.ID, Name: app.Name, Description: app.Description, Type: app.Type, Protocol: app.Protocol, Enabled: app.Enabled}
			out = append(out, o)
			rows = append(rows, []string{o.ID, o.Name, o.Type, o.Protocol, yesNo(o.Enabled)})
		}
		return Reply[[]PingOneApplication]{Outputs: out,
			Readable: table(strconv.Itoa(len(out))+" PingOne applications", []string{"ID", "Name", "Type", "Protocol", "Enabled"}, rows),
			Raw:      rawList(kept, func(a pingone.Application) []byte { return a.Raw })}, nil
	},
}

// PingOneGetUserSessions lists a user's sessions (PingOne keeps at most ten).
var PingOneGetUserSessions = Spec[PingOneUserArgs, PingOneUserSessions]{
	Name:     "pingone-get-user-sessions",
	Summary:  "List a PingOne user's sessions",
	Provider: PingOne,
	Context:  Context{Prefix: "PingOne.User", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a PingOneUserArgs) (Reply[PingOneUserSessions], error) {
		c, u, err := resolvePingOneUser(ctx, p, a.User)
		if err != nil {
			return Reply[PingOneUserSessions]{}, err
		}
		ss, err := c.ListSessions(ctx, u.ID)
		if err != nil {
			return Reply[PingOneUserSessions]{}, err
		}
		out := PingOneUserSessions{ID: u.ID, Username: u.Username, Sessions: make([]PingOneSession, 0, len(ss))}
		rows := make([][]string, 0, len(ss))
		for _, s := range ss {
			o := pingOneSession(s)
			out.Sessions = append(out.Sessions, o)
			rows = append(rows, []string{o.ID, stamp(o.CreatedAt), stamp(o.ActiveAt), o.Browser, o.OS, o.LastIP, o.Location})
		}
		return Reply[PingOneUserSessions]{Outputs: out,
			Readable: table("Sessions of "+u.Username, []string{"ID", "Created", "Active", "Browser", "OS", "IP", "Location"}, rows),
			Raw:      rawList(ss, func(s pingone.Session) []byte { return s.Raw })}, nil
	},
}

func pingOneSession(s pingone.Session) PingOneSession {
	o := PingOneSession{ID: s.ID, CreatedAt: s.CreatedAt, ActiveAt: s.ActiveAt, Device: s.Device.Type,
		Browser: strings.TrimSpace(s.Browser.Name + " " + s.Browser.Version), OS: s.OperatingSystem.Name, LastIP: s.LastSignOn.RemoteIP}
	if len(s.Locations) > 0 {
		l := s.Locations[0]
		if o.LastIP == "" {
			o.LastIP = l.RemoteIP
		}
		parts := make([]string, 0, 3)
		for _, v := range []string{l.City, l.Region, l.Country} {
			if v != "" {
				parts = append(parts, v)
			}
		}
		o.Location = strings.Join(parts, ", ")
	}
	return o
}
