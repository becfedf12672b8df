package rules

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/idcmd/idcmd/events"
)

// newCountry fires on a successful sign-in from a country not seen for
// the user within the window. A user with no country in the window is not
// flagged: there is nothing to compare with (a first sign-in, or history
// without geolocation).
type newCountry struct{ cfg NewLocation }

func (newCountry) Name() string { return DetectNewCountry }

func (d newCountry) Detect(ev events.Event, mem *Memory) *Finding {
	c := country(ev)
	if kindOf(ev) != signInSucceeded || c == "" {
		return nil
	}
	u := mem.user(ev, false)
	if u == nil {
		return nil
	}
	seen := placesSeen(u.countries, ev.Time, d.cfg.Window)
	if len(seen) == 0 {
		return nil // no history to compare with
	}
	if _, ok := seen[strings.ToLower(c)]; ok {
		return nil
	}
	known := slices.Sorted(maps.Keys(seen))
	return &Finding{
		Detector: DetectNewCountry, Raises: d.cfg.Raises,
		Summary: fmt.Sprintf("Sign-in from %s, a country not seen for this user in the last %s (seen: %s)",
			c, days(d.cfg.Window), strings.Join(known, ", ")),
		Evidence: map[string]any{"country": c, "location": ev.Location, "ip": ev.IP, "window": d.cfg.Window.String(),
			"countries_seen": known, "history": "countries of the user's successful sign-ins within the window"},
	}
}
