package workflows

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/risk"
)

// oktaUserID is the shape of an Okta user ID: with one the user's own read
// runs beside the others instead of before them.
var oktaUserID = regexp.MustCompile(`^00u[0-9A-Za-z]{17}$`)

// maxEvents bounds the events an enrichment reads.
const maxEvents = 1000

// enrichOkta reads everything about an Okta user at once. Only a failed
// user read fails it.
func enrichOkta(ctx context.Context, c *okta.Client, user string, since, until time.Time) (*UserEnrichment, []risk.SignIn, error) {
	id := user
	var u *okta.User
	var err error
	if !oktaUserID.MatchString(user) {
		if u, err = c.GetUser(ctx, user); err != nil {
			return nil, nil, err
		}
		id = u.ID
	}
	out := &UserEnrichment{UserID: id, Provider: string(commands.Okta)}
	var userErr error
	var roles []okta.Role
	var groups []okta.Group
	var apps []okta.AppLink
	var logs []okta.LogEvent
	g := newGather(ctx)
	if u == nil {
		// Its error is the call's, not a missing part's.
		g.part("user", func(ctx context.Context) error { u, userErr = c.GetUser(ctx, id); return nil })
	}
	g.part("groups", func(ctx context.Context) (err error) { groups, err = c.ListUserGroups(ctx, id); return err })
	g.part("roles", func(ctx context.Context) (err error) { roles, err = c.ListUserRoles(ctx, id); return err })
	g.part("apps", func(ctx context.Context) (err error) { apps, err = c.ListAppLinks(ctx, id); return err })
	g.part("factors", func(ctx context.Context) error {
		fs, err := c.ListFactors(ctx, id)
		for _, f := range fs {
			out.Factors = append(out.Factors, UserFactor{ID: f.ID, Type: f.FactorType, Status: f.Status, Name: f.Provider, Created: f.Created})
		}
		return err
	})
	g.part("events", func(ctx context.Context) (err error) { logs, err = oktaEvents(ctx, c, id, since, until); return err })
	g.part("provider_risk", func(ctx context.Context) error {
		v, err := oktaUserRisk(ctx, c, id)
		out.ProviderRisk = v
		return err
	})
	g.miss("sessions", "Okta has no API that lists a user's sessions (okta-clear-sessions ends them all)")
	out.Missing = g.wait(partOrder)
	if userErr != nil {
		return nil, nil, userErr
	}
	out.Account = oktaAccount(u)
	for _, gr := range groups {
		out.Groups = append(out.Groups, commands.AccountGroup{ID: gr.ID, Name: gr.Profile.Name, Type: gr.Type})
	}
	for _, r := range roles {
		out.Roles = append(out.Roles, UserRole{ID: r.ID, Role: r.Type, Label: r.Label, Assignment: r.AssignmentType, Status: r.Status})
	}
	for _, a := range apps {
		out.Apps = append(out.Apps, UserApp{ID: a.AppInstanceID, Name: a.AppName, Label: a.Label})
	}
	var signIns []risk.SignIn
	for _, e := range logs {
		ev := events.FromOktaEvent(e)
		out.Events = append(out.Events, identityEvent(ev))
		out.normalized = append(out.normalized, ev)
		if ev.ActorID == id && oktaSignIn(ev.Type) {
			s := risk.SignIn{ID: ev.ID, Time: ev.Time, Failed: ev.Outcome == "FAILURE" || ev.Outcome == "DENY"}
			if ev.Geo != nil {
				s.Country = ev.Geo.Country
			}
			signIns = append(signIns, s)
		}
	}
	return out, signIns, nil
}

// oktaSignIn reports whether an event type is a sign-in attempt: a
// session, an authentication (to Okta or an app) or an MFA challenge.
func oktaSignIn(eventType string) bool {
	return eventType == "user.session.start" || strings.HasPrefix(eventType, "user.authentication.") || strings.HasPrefix(eventType, "user.mfa.")
}

// oktaEvents reads the System Log events where the user is actor or
// target, newest first, following next links up to maxEvents.
func oktaEvents(ctx context.Context, c *okta.Client, id string, since, until time.Time) ([]okta.LogEvent, error) {
	q := okta.LogQuery{Filter: `(actor.id eq "` + id + `" or target.id eq "` + id + `")`, Since: since, Until: until, SortOrder: "DESCENDING", Limit: maxEvents}
	var out []okta.LogEvent
	for page := 0; page < 50 && len(out) < maxEvents; page++ {
		evs, next, err := c.ListLogs(ctx, q)
		if err != nil {
			return out, err
		}
		out = append(out, evs...)
		if next == "" {
			break
		}
		q = okta.LogQuery{Cursor: next}
	}
	return out[:min(len(out), maxEvents)], nil
}

func oktaAccount(u *okta.User) commands.Account {
	name := u.Profile.DisplayName
	if name == "" {
		name = strings.TrimSpace(u.Profile.FirstName + " " + u.Profile.LastName)
	}
	return commands.Account{ID: u.ID, Username: u.Profile.Login, Email: u.Profile.Email, DisplayName: name, Status: u.Status,
		CanSignIn: u.Status == "ACTIVE" || u.Status == "PASSWORD_EXPIRED", Provider: string(commands.Okta), LastSignIn: u.LastLogin}
}

// identityEvent is package events' normalization cut to Identity.Event,
// as get-user-events answers.
func identityEvent(ev events.Event) commands.IdentityEvent {
	return commands.IdentityEvent{ID: ev.ID, Time: ev.Time, Type: ev.Type, Outcome: ev.Outcome, Reason: ev.Reason,
		Actor: ev.Actor, ActorID: ev.ActorID, Target: ev.Target, TargetID: ev.TargetID, IP: ev.IP, Location: ev.Location,
		UserAgent: ev.UserAgent, Provider: ev.Provider, Raw: ev.Raw}
}
