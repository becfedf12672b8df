package workflows

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/providers/pingone"
	"github.com/idcmd/idcmd/providers/upstream"
	"github.com/idcmd/idcmd/risk"
)

// pingOneUserID is the shape of a PingOne user ID (a UUID).
var pingOneUserID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// maxRiskEvaluations bounds the risk evaluations read (one call each).
const maxRiskEvaluations = 20

// enrichPingOne reads everything about a PingOne user at once. Only a
// failed user read fails it. The provider's risk needs the events first:
// PingOne lists no evaluations, its audit trail names them.
func enrichPingOne(ctx context.Context, c *pingone.Client, user string, since, until time.Time) (*UserEnrichment, []risk.SignIn, error) {
	id := user
	var u *pingone.User
	var err error
	if !pingOneUserID.MatchString(user) {
		if u, err = c.GetUser(ctx, user); err != nil {
			return nil, nil, err
		}
		id = u.ID
	}
	out := &UserEnrichment{UserID: id, Provider: string(commands.PingOne)}
	var userErr error
	var acts []pingone.Activity
	var sessions []pingone.Session
	g := newGather(ctx)
	if u == nil {
		g.part("user", func(ctx context.Context) error { u, userErr = c.GetUser(ctx, id); return nil })
	}
	g.part("groups", func(ctx context.Context) error {
		ms, err := c.ListGroupMemberships(ctx, id)
		for _, m := range ms {
			name := m.Name
			if name == "" && m.Group != nil {
				name = m.Group.Name
			}
			out.Groups = append(out.Groups, commands.AccountGroup{ID: m.ID, Name: name, Type: m.Type})
		}
		return err
	})
	g.part("roles", func(ctx context.Context) error {
		ras, err := c.ListRoleAssignments(ctx, id)
		for _, ra := range ras {
			out.Roles = append(out.Roles, UserRole{ID: ra.ID, Role: ra.Role.ID, Assignment: ra.Scope.Type})
		}
		return err
	})
	g.part("devices", func(ctx context.Context) error {
		ds, err := c.ListDevices(ctx, id)
		for _, d := range ds {
			out.Factors = append(out.Factors, UserFactor{ID: d.ID, Type: d.Type, Status: d.Status, Name: d.Nickname, Created: d.CreatedAt})
		}
		return err
	})
	g.part("sessions", func(ctx context.Context) (err error) { sessions, err = c.ListSessions(ctx, id); return err })
	g.part("events", func(ctx context.Context) error {
		var err error
		if acts, err = pingOneActivities(ctx, c, id, since, until); err != nil {
			g.miss("provider_risk", "needs the user's audit activities, which could not be read")
			return err
		}
		v, err := pingOneRisk(ctx, c, acts)
		out.ProviderRisk = v
		if err != nil {
			g.miss("provider_risk", err.Error())
		}
		return nil
	})
	g.miss("apps", "PingOne has no per-user list of application assignments")
	out.Missing = g.wait(partOrder)
	if userErr != nil {
		return nil, nil, userErr
	}
	out.Account = commands.Account{ID: u.ID, Username: u.Username, Email: u.Email, DisplayName: pingOneName(u), Status: pingOneStatus(u),
		CanSignIn: u.Account.CanAuthenticate, Provider: string(commands.PingOne)}
	if u.LastSignOn != nil {
		out.Account.LastSignIn = u.LastSignOn.At
	}
	var signIns []risk.SignIn
	for _, a := range acts {
		ev := events.FromPingOneActivity(a)
		out.Events = append(out.Events, identityEvent(ev))
		out.normalized = append(out.normalized, ev)
		if ev.ActorID == id && pingOneSignIn(ev.SOPTypes) {
			signIns = append(signIns, risk.SignIn{ID: ev.ID, Time: ev.Time, Failed: ev.Outcome == "FAILED"})
		}
	}
	for _, s := range sessions {
		us := UserSession{ID: s.ID, CreatedAt: s.CreatedAt, ActiveAt: s.ActiveAt, IP: s.LastSignOn.RemoteIP, OS: s.OperatingSystem.Name,
			Browser: strings.TrimSpace(s.Browser.Name + " " + s.Browser.Version)}
		if len(s.Locations) > 0 {
			l := s.Locations[0]
			us.Location = joinNonEmpty(l.City, l.Region, l.Country)
			if us.IP == "" {
				us.IP = l.RemoteIP
			}
		}
		out.Sessions = append(out.Sessions, us)
		// PingOne places a session's sign-ins, its activities do not: the
		// session's places are where the user signed in from.
		for _, l := range s.Locations {
			if l.At != nil && !l.At.Before(since) && l.Country != "" {
				signIns = append(signIns, risk.SignIn{ID: "session " + s.ID, Time: *l.At, Country: l.Country})
			}
		}
	}
	return out, signIns, nil
}

// pingOneActivities reads the activities where the user is the actor or a
// resource (two queries: PingOne's filter has no "or" across them), at
// once, merged newest first.
func pingOneActivities(ctx context.Context, c *pingone.Client, id string, since, until time.Time) ([]pingone.Activity, error) {
	base := pingone.ActivityQuery{Since: since, Until: until, Limit: maxEvents}
	byActor, byResource := base, base
	byActor.ActorUserID, byResource.ResourceID = id, id
	var wg sync.WaitGroup
	results := make([][]pingone.Activity, 2)
	errs := make([]error, 2)
	for i, q := range []pingone.ActivityQuery{byActor, byResource} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for page := 0; page < 50 && len(results[i]) < maxEvents; page++ {
				acts, next, err := c.ListActivities(ctx, q)
				if err != nil {
					errs[i] = err
					return
				}
				results[i] = append(results[i], acts...)
				if next == "" {
					return
				}
				q = pingone.ActivityQuery{Cursor: next}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	var out []pingone.Activity
	for _, a := range append(results[0], results[1]...) {
		if !seen[a.ID] {
			seen[a.ID] = true
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(x, y pingone.Activity) int { return y.RecordedAt.Compare(x.RecordedAt) })
	return out[:min(len(out), maxEvents)], nil
}

// pingOneRisk reads the risk evaluations the activities name, the newest
// first, at once. An expired evaluation (404) is passed over.
func pingOneRisk(ctx context.Context, c *pingone.Client, acts []pingone.Activity) ([]ProviderRiskVerdict, error) {
	var ids []string
	var when []time.Time
	for _, a := range acts {
		if !strings.HasPrefix(a.Action.Type, "RISK_EVALUATION.") {
			continue
		}
		for _, r := range a.Resources {
			if strings.Contains(strings.ToUpper(r.Type), "RISK") && !slices.Contains(ids, r.ID) && len(ids) < maxRiskEvaluations {
				ids, when = append(ids, r.ID), append(when, a.RecordedAt)
			}
		}
	}
	found := make([]*pingone.RiskEvaluation, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			found[i], errs[i] = c.GetRiskEvaluation(ctx, id)
		}()
	}
	wg.Wait()
	out := []ProviderRiskVerdict{}
	for i, ev := range found {
		if upstream.IsKind(errs[i], upstream.NotFound) {
			continue // evaluations expire; the activity outlives them
		}
		if errs[i] != nil {
			return out, errs[i]
		}
		score := ev.Result.Score
		t := when[i]
		out = append(out, ProviderRiskVerdict{ID: ev.ID, Time: &t, Level: ev.Result.Level, Score: &score, Reason: ev.Result.RecommendedAction})
	}
	return out, nil
}

// pingOneSignIn reports whether an activity is a sign-in attempt, by the
// SOP names its action type has.
func pingOneSignIn(sopTypes []string) bool {
	return slices.ContainsFunc(sopTypes, func(t string) bool {
		return t == "USER_LOGIN" || t == "USER_LOGIN_FAILED" || t == "MFA_VERIFY_FAILED"
	})
}

// pingOneStatus folds enabled and the lock into one word, as
// pingone-get-user does.
func pingOneStatus(u *pingone.User) string {
	switch {
	case !u.Enabled:
		return "DISABLED"
	case u.Account.Status == "LOCKED":
		return "LOCKED"
	}
	return "ACTIVE"
}

func pingOneName(u *pingone.User) string {
	if u.Name.Formatted != "" {
		return u.Name.Formatted
	}
	if n := strings.TrimSpace(u.Name.Given + " " + u.Name.Family); n != "" {
		return n
	}
	return u.Username
}

func joinNonEmpty(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, ", ")
}
