package workflows

import (
	"context"
	"slices"
	"time"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/pingone"
)

// maxWindowEvents bounds the events one workflow reads for a window; a
// user with more in two hours is reported as such (Truncated), not read
// page after page.
const maxWindowEvents = 500

// userEventsBetween reads a user's events from since to until at their
// provider, normalized, oldest first. truncated says more were there.
func userEventsBetween(ctx context.Context, p commands.Providers, who identity, since, until time.Time) (evs []events.Event, truncated bool, err error) {
	switch who.Provider {
	case "okta":
		q := okta.LogQuery{Filter: `(actor.id eq "` + who.ID + `" or target.id eq "` + who.ID + `")`, Since: since, Until: until, SortOrder: "ASCENDING", Limit: 200}
		for {
			page, next, err := p.Okta.ListLogs(ctx, q)
			if err != nil {
				return nil, false, err
			}
			for _, e := range page {
				evs = append(evs, events.FromOktaEvent(e))
			}
			if next == "" || len(page) == 0 {
				break
			}
			if len(evs) >= maxWindowEvents {
				return evs[:maxWindowEvents], true, nil
			}
			q = okta.LogQuery{Cursor: next}
		}
	case "pingone":
		// PingOne filters activities by actor or by resource, not both in
		// one query: a user's own sign-ins and what was done to them.
		seen := map[string]bool{}
		for _, q := range []pingone.ActivityQuery{{ActorUserID: who.ID}, {ResourceID: who.ID}} {
			q.Since, q.Until, q.Limit = since, until, 200
			for {
				page, next, err := p.PingOne.ListActivities(ctx, q)
				if err != nil {
					return nil, false, err
				}
				for _, a := range page {
					if !seen[a.ID] {
						seen[a.ID] = true
						evs = append(evs, events.FromPingOneActivity(a))
					}
				}
				if next == "" || len(page) == 0 {
					break
				}
				if len(evs) >= maxWindowEvents {
					truncated = true
					break
				}
				q = pingone.ActivityQuery{Cursor: next}
			}
		}
	}
	slices.SortStableFunc(evs, func(a, b events.Event) int { return a.Time.Compare(b.Time) })
	if len(evs) > maxWindowEvents {
		evs, truncated = evs[:maxWindowEvents], true
	}
	return evs, truncated, nil
}
