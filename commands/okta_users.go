package commands

import (
	"context"
	"fmt"

	"github.com/idcmd/idcmd/providers/okta"
)

// oktaClient returns the Okta client or says it is not configured.
func (p Providers) oktaClient() (*okta.Client, error) {
	if p.Okta == nil {
		return nil, fmt.Errorf("%w: okta (set OKTA_BASE_URL and OKTA_API_TOKEN, or the okta section of the config)", ErrProviderNotConfigured)
	}
	return p.Okta, nil
}

// OktaUserArgs name one Okta user.
type OktaUserArgs struct {
	// Okta user ID, login (jdoe@example.com) or login shortname (jdoe).
	User string `json:"user" validate:"required,max=255" example:"jdoe@example.com"`
}

// OktaGetUser reads one user.
var OktaGetUser = Spec[OktaUserArgs, OktaUser]{
	Name:     "okta-get-user",
	Summary:  "Get an Okta user by ID or login",
	Provider: Okta,
	Context:  Context{Prefix: "Okta.User", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a OktaUserArgs) (Reply[OktaUser], error) {
		c, err := p.oktaClient()
		if err != nil {
			return Reply[OktaUser]{}, err
		}
		u, err := c.GetUser(ctx, a.User)
		if err != nil {
			return Reply[OktaUser]{}, err
		}
		out := oktaUser(u)
		return Reply[OktaUser]{
			Outputs:  out,
			Readable: table("Okta user "+out.Username, userHeaders, [][]string{userRow(out)}),
			Raw:      rawJSON(u.Raw),
		}, nil
	},
}

// OktaSearchUsersArgs select users with one of Okta's three query styles.
type OktaSearchUsersArgs struct {
	// Okta search expression (recommended): profile attributes, id, status, created, lastUpdated with eq, sw, co; e.g. profile.department eq "Engineering" and status eq "ACTIVE". Includes deprovisioned users.
	Search string `json:"search,omitempty" validate:"omitempty,max=1024" example:"status eq \"SUSPENDED\""`
	// Okta filter expression: eq on status, id, profile.login, profile.email, profile.firstName, profile.lastName; gt/lt on lastUpdated.
	Filter string `json:"filter,omitempty" validate:"omitempty,max=1024"`
	// Simple query: first name, last name or e-mail starting with this text. Not paged.
	Q string `json:"q,omitempty" validate:"omitempty,max=255" example:"jdoe"`
	// Maximum users to return (1-1000), read across as many Okta pages (of at most 200) as it takes; q answers one page.
	Limit int `json:"limit,omitempty" validate:"omitempty,min=1,max=1000" default:"50" example:"50"`
	// next_cursor of a previous call with the same other arguments (limit may differ); next_cursor is set only when more remain.
	Cursor string `json:"cursor,omitempty" validate:"omitempty,max=16384"`
}

// Validate enforces Okta's rule that the query styles do not mix.
func (a *OktaSearchUsersArgs) Validate() error {
	set := 0
	for _, s := range []string{a.Search, a.Filter, a.Q} {
		if s != "" {
			set++
		}
	}
	if set > 1 {
		return inputError("The arguments are invalid", "body.search", "use only one of search, filter and q")
	}
	if a.Q != "" && a.Cursor != "" {
		return inputError("The arguments are invalid", "body.cursor", "q results are not paged; use search for paging")
	}
	return nil
}

// OktaSearchUsers lists users matching a query.
var OktaSearchUsers = Spec[OktaSearchUsersArgs, []OktaUser]{
	Name:     "okta-search-users",
	Summary:  "Search Okta users by search expression, filter or name",
	Provider: Okta,
	Context:  Context{Prefix: "Okta.User", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a OktaSearchUsersArgs) (Reply[[]OktaUser], error) {
		c, err := p.oktaClient()
		if err != nil {
			return Reply[[]OktaUser]{}, err
		}
		q := okta.UserQuery{Search: a.Search, Filter: a.Filter, Q: a.Q, Limit: orDefault(a.Limit, 50)}
		users, next, err := readPaged(ctx, p, pagedQuery[okta.User]{
			scope: scopeOf("okta-search-users", a), cursor: a.Cursor, limit: q.Limit,
			fetch: func(ctx context.Context, ref string) ([]okta.User, string, error) {
				return c.ListUsers(ctx, okta.UserQuery{Cursor: ref})
			},
			first: []func() (string, error){func() (string, error) { return c.UsersCursor(q) }},
		}, keepAll)
		if err != nil {
			return Reply[[]OktaUser]{}, err
		}
		return oktaUsersReply(users, "Okta users", next), nil
	},
}

// oktaUsersReply is a page of users as okta-search-users answers it (and
// okta-get-group-members, whose members are users too).
func oktaUsersReply(users []okta.User, what, next string) Reply[[]OktaUser] {
	out := make([]OktaUser, 0, len(users))
	rows := make([][]string, 0, len(users))
	for i := range users {
		u := oktaUser(&users[i])
		out = append(out, u)
		rows = append(rows, userRow(u))
	}
	return Reply[[]OktaUser]{
		Outputs:    out,
		Readable:   table(pageTitle(len(out), what, next), userHeaders, rows),
		Raw:        rawList(users, func(u okta.User) []byte { return u.Raw }),
		NextCursor: next,
	}
}

// OktaGetUserGroups lists a user's groups.
var OktaGetUserGroups = Spec[OktaUserArgs, OktaUserGroups]{
	Name:     "okta-get-user-groups",
	Summary:  "List the groups an Okta user belongs to",
	Provider: Okta,
	Context:  Context{Prefix: "Okta.User", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a OktaUserArgs) (Reply[OktaUserGroups], error) {
		c, u, err := resolveOktaUser(ctx, p, a.User)
		if err != nil {
			return Reply[OktaUserGroups]{}, err
		}
		gs, err := c.ListUserGroups(ctx, u.ID)
		if err != nil {
			return Reply[OktaUserGroups]{}, err
		}
		out := OktaUserGroups{ID: u.ID, Username: u.Profile.Login, Groups: oktaGroups(gs)}
		rows := make([][]string, 0, len(out.Groups))
		for _, g := range out.Groups {
			rows = append(rows, []string{g.ID, g.Name, g.Type, g.Description})
		}
		return Reply[OktaUserGroups]{
			Outputs:  out,
			Readable: table("Groups of "+u.Profile.Login, []string{"ID", "Name", "Type", "Description"}, rows),
			Raw:      rawList(gs, func(g okta.Group) []byte { return g.Raw }),
		}, nil
	},
}

// OktaGetUserApps lists the apps assigned to a user.
var OktaGetUserApps = Spec[OktaUserArgs, OktaUserApps]{
	Name:     "okta-get-user-apps",
	Summary:  "List the applications assigned to an Okta user",
	Provider: Okta,
	Context:  Context{Prefix: "Okta.User", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a OktaUserArgs) (Reply[OktaUserApps], error) {
		c, u, err := resolveOktaUser(ctx, p, a.User)
		if err != nil {
			return Reply[OktaUserApps]{}, err
		}
		links, err := c.ListAppLinks(ctx, u.ID)
		if err != nil {
			return Reply[OktaUserApps]{}, err
		}
		out := OktaUserApps{ID: u.ID, Username: u.Profile.Login, Apps: oktaApps(links)}
		rows := make([][]string, 0, len(out.Apps))
		for _, app := range out.Apps {
			rows = append(rows, []string{app.Label, app.Name, app.AppInstanceID})
		}
		return Reply[OktaUserApps]{
			Outputs:  out,
			Readable: table("Applications of "+u.Profile.Login, []string{"Label", "App", "Instance ID"}, rows),
			Raw:      rawList(links, func(l okta.AppLink) []byte { return l.Raw }),
		}, nil
	},
}

// OktaGetUserFactors lists a user's enrolled MFA factors.
var OktaGetUserFactors = Spec[OktaUserArgs, OktaUserFactors]{
	Name:     "okta-get-user-factors",
	Summary:  "List the MFA factors an Okta user has enrolled",
	Provider: Okta,
	Context:  Context{Prefix: "Okta.User", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a OktaUserArgs) (Reply[OktaUserFactors], error) {
		c, u, err := resolveOktaUser(ctx, p, a.User)
		if err != nil {
			return Reply[OktaUserFactors]{}, err
		}
		fs, err := c.ListFactors(ctx, u.ID)
		if err != nil {
			return Reply[OktaUserFactors]{}, err
		}
		out := OktaUserFactors{ID: u.ID, Username: u.Profile.Login, Factors: oktaFactors(fs)}
		rows := make([][]string, 0, len(out.Factors))
		for _, f := range out.Factors {
			rows = append(rows, []string{f.ID, f.FactorType, f.Provider, f.Status, stamp(f.Created)})
		}
		return Reply[OktaUserFactors]{
			Outputs:  out,
			Readable: table("MFA factors of "+u.Profile.Login, []string{"ID", "Type", "Provider", "Status", "Enrolled"}, rows),
			Raw:      rawList(fs, func(f okta.Factor) []byte { return f.Raw }),
		}, nil
	},
}

// resolveOktaUser reads the user named by an ID, login or shortname, so
// commands whose Okta endpoint takes only an ID (factors, sessions) accept a
// login too, and so state-changing commands know the status before.
func resolveOktaUser(ctx context.Context, p Providers, user string) (*okta.Client, *okta.User, error) {
	c, err := p.oktaClient()
	if err != nil {
		return nil, nil, err
	}
	u, err := c.GetUser(ctx, user)
	if err != nil {
		return nil, nil, err
	}
	return c, u, nil
}
