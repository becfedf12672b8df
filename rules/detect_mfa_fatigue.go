package rules

import (
	"fmt"

	"github.com/idcmd/idcmd/events"
)

// mfaFatigue fires on the failed MFA that makes Count for one user within
// Window, and on every later one within the window: a user flooded with
// prompts.
type mfaFatigue struct{ cfg Burst }

func (mfaFatigue) Name() string { return DetectMFAFatigue }

func (d mfaFatigue) Detect(ev events.Event, mem *Memory) *Finding {
	if kindOf(ev) != mfaFailed {
		return nil
	}
	n, first := mem.mfaFailuresWithin(ev, d.cfg.Window)
	n++ // this one
	if n < d.cfg.Count {
		return nil
	}
	if first.IsZero() {
		first = ev.Time
	}
	return &Finding{
		Detector: DetectMFAFatigue, Raises: d.cfg.Raises,
		Summary: fmt.Sprintf("%d failed MFA attempts for %s within %s (threshold %d): MFA fatigue",
			n, ev.User, d.cfg.Window, d.cfg.Count),
		Evidence: map[string]any{"count": n, "threshold": d.cfg.Count, "window": d.cfg.Window.String(),
			"first": first, "ip": ev.IP, "location": ev.Location},
	}
}
