package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/idcmd/idcmd/events"
)

// passwordSpray fires on a failed sign-in that makes Count distinct users
// with failed sign-ins from one IP within Window, on every later one, and
// on a successful sign-in from that IP within the window (the spray that
// worked).
type passwordSpray struct{ cfg Burst }

func (passwordSpray) Name() string { return DetectPasswordSpray }

// maxListedUsers bounds the users the evidence names.
const maxListedUsers = 20

func (d passwordSpray) Detect(ev events.Event, mem *Memory) *Finding {
	k := kindOf(ev)
	if (k != signInFailed && k != signInSucceeded) || ev.IP == "" {
		return nil
	}
	users := mem.sprayedUsers(ev, d.cfg.Window)
	if uk := userKey(ev); uk != "" && k == signInFailed {
		users[uk] = ev.Time
	}
	if len(users) < d.cfg.Count {
		return nil
	}
	var names []string
	for uk := range users {
		_, id, _ := strings.Cut(uk, "|")
		names = append(names, strings.TrimPrefix(id, "login:"))
	}
	slices.Sort(names)
	if len(names) > maxListedUsers {
		names = names[:maxListedUsers]
	}
	summary := fmt.Sprintf("Failed sign-ins of %d distinct users from %s within %s (threshold %d): password spraying",
		len(users), ev.IP, d.cfg.Window, d.cfg.Count)
	if k == signInSucceeded {
		summary = fmt.Sprintf("Successful sign-in from %s, which failed sign-ins of %d distinct users within %s: a password spray that worked",
			ev.IP, len(users), d.cfg.Window)
	}
	return &Finding{
		Detector: DetectPasswordSpray, Raises: d.cfg.Raises, Summary: summary,
		Evidence: map[string]any{"ip": ev.IP, "distinct_users": len(users), "threshold": d.cfg.Count,
			"window": d.cfg.Window.String(), "users": names, "location": ev.Location},
	}
}
