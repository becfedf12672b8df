package rules

import (
	"github.com/idcmd/idcmd/events"
)

// privilegedUser fires on a successful sign-in by a user the roster says
// is privileged. The roster answers from memory: an unknown roster (not
// read yet, or no roster at all) does not fire, and says nothing false.
type privilegedUser struct {
	cfg Privileged
	dir Directory
}

func (privilegedUser) Name() string { return DetectPrivilegedUser }

func (d privilegedUser) Detect(ev events.Event, _ *Memory) *Finding {
	if d.dir == nil || kindOf(ev) != signInSucceeded || (ev.UserID == "" && ev.User == "") {
		return nil
	}
	why, known := d.dir.Privileged(ev.Provider, ev.UserID, ev.User)
	if !known || why == "" {
		return nil
	}
	return &Finding{
		Detector: DetectPrivilegedUser, Raises: d.cfg.Raises,
		Summary:  "Sign-in by a privileged user: " + why,
		Evidence: map[string]any{"why": why, "user": ev.User, "user_id": ev.UserID},
	}
}
