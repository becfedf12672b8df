package events

import (
	"regexp"
	"strings"
)

// Subject names the identity an incident or alert idcmd creates is about,
// in a form idcmd can read back from the incident later: respond-to-incident
// and correlate-incident find their user from it before any guess from
// user names. XSOAR incidents carry it as a label of type MarkerLabel;
// XDR alerts, which have no custom fields, at the end of their description.
type Subject struct {
	Provider string // okta or pingone
	UserID   string
	// Login is the Okta login or PingOne username, for people reading it.
	Login string
}

// MarkerLabel is the XSOAR label type of a Subject; its value is Label().
const MarkerLabel = "idcmd_user"

// Label is the Subject as an XSOAR label value: "okta:00u1abcd".
func (s Subject) Label() string { return s.Provider + ":" + s.UserID }

// Tag is the Subject as text for an XDR alert description:
// "[idcmd user=okta:00u1abcd login=jdoe@example.com]".
func (s Subject) Tag() string {
	t := "[idcmd user=" + s.Label()
	if s.Login != "" && !strings.ContainsAny(s.Login, " ]") {
		t += " login=" + s.Login
	}
	return t + "]"
}

var (
	labelForm = regexp.MustCompile(`^(okta|pingone):([A-Za-z0-9-]{1,64})$`)
	tagForm   = regexp.MustCompile(`\[idcmd user=(okta|pingone):([A-Za-z0-9-]{1,64})(?: login=([^ \]]{1,255}))?\]`)
)

// ParseLabel reads a Subject from an XSOAR label value.
func ParseLabel(v string) (Subject, bool) {
	m := labelForm.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return Subject{}, false
	}
	return Subject{Provider: m[1], UserID: m[2]}, true
}

// ParseTag finds a Subject in free text (an XDR alert's description).
func ParseTag(text string) (Subject, bool) {
	m := tagForm.FindStringSubmatch(text)
	if m == nil {
		return Subject{}, false
	}
	return Subject{Provider: m[1], UserID: m[2], Login: m[3]}, true
}
