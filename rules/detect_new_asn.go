package rules

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/idcmd/idcmd/events"
)

// newASN fires on a successful sign-in from a network (ASN) not seen for
// the user within the window. Like new_country, a user with no ASN in the
// window is not flagged.
type newASN struct{ cfg NewLocation }

func (newASN) Name() string { return DetectNewASN }

func (d newASN) Detect(ev events.Event, mem *Memory) *Finding {
	a := asn(ev)
	if kindOf(ev) != signInSucceeded || a == 0 {
		return nil
	}
	u := mem.user(ev, false)
	if u == nil {
		return nil
	}
	seen := placesSeen(u.asns, ev.Time, d.cfg.Window)
	if len(seen) == 0 {
		return nil // no history to compare with
	}
	if _, ok := seen[a]; ok {
		return nil
	}
	known := slices.Sorted(maps.Keys(seen))
	org := ""
	if ev.Network != nil {
		org = ev.Network.ASOrg
	}
	return &Finding{
		Detector: DetectNewASN, Raises: d.cfg.Raises,
		Summary: fmt.Sprintf("Sign-in from AS%d %s, a network not seen for this user in the last %s (seen: %v)",
			a, org, days(d.cfg.Window), known),
		Evidence: map[string]any{"asn": a, "as_org": org, "ip": ev.IP, "window": d.cfg.Window.String(),
			"asns_seen": known, "history": "networks of the user's successful sign-ins within the window"},
	}
}

// days writes a window in days when it is whole days (30 days), else as
// a duration.
func days(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		n := int(d / (24 * time.Hour))
		if n == 1 {
			return "day"
		}
		return fmt.Sprintf("%d days", n)
	}
	return d.String()
}
