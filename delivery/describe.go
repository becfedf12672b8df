package delivery

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/rules"
)

// providerName is how the SOPs write the provider in names: Okta, PingOne.
func providerName(provider string) string {
	switch provider {
	case events.Okta:
		return "Okta"
	case events.PingOne:
		return "PingOne"
	}
	return provider
}

// userName is who the event is about, for people: the login, else the id.
func userName(e events.Event) string {
	switch {
	case e.User != "":
		return e.User
	case e.UserID != "":
		return e.UserID
	}
	return "unknown user"
}

// marker is the Subject idcmd reads back from an incident or alert it
// created (respond-to-incident); ok is false when the event names no user.
func marker(e events.Event) (events.Subject, bool) {
	if e.UserID == "" {
		return events.Subject{}, false
	}
	return events.Subject{Provider: e.Provider, UserID: e.UserID, Login: e.User}, true
}

// location is where the client was, "city, state, country", or "unknown".
func location(e events.Event) string {
	if e.Location != "" {
		return e.Location
	}
	if e.Geo != nil {
		var parts []string
		for _, p := range []string{e.Geo.City, e.Geo.State, e.Geo.Country} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		if len(parts) > 0 {
			return strings.Join(parts, ", ")
		}
	}
	return "unknown"
}

// eventTime is when the event happened, or when idcmd received it if
// the provider gave no time.
func eventTime(e events.Event) time.Time {
	if !e.Time.IsZero() {
		return e.Time
	}
	return e.ReceivedAt
}

// eventPath is the event's page in idcmd's API.
func eventPath(e events.Event) string {
	return "GET /api/v1/events/" + url.PathEscape(e.ID) + "?provider=" + url.QueryEscape(e.Provider)
}

// eventLabel is the idcmd_event label value: "<provider>:<event id>".
func eventLabel(e events.Event) string { return e.Provider + ":" + e.ID }

// headline is the event in a few words: its first finding's detector, or
// its type.
func headline(e events.Event, d rules.Decision) string {
	if len(d.Findings) > 0 && d.Findings[0].Detector != "" {
		return d.Findings[0].Detector
	}
	return e.Type
}

// findingLines lists the findings, one line each.
func findingLines(d rules.Decision) []string {
	out := make([]string, 0, len(d.Findings))
	for _, f := range d.Findings {
		line := f.Detector
		if f.Summary != "" {
			line += ": " + f.Summary
		}
		out = append(out, line+" (raises to "+f.Raises.String()+")")
	}
	return out
}

// routedToPrisma reports whether the decision takes the prisma_cloud
// route, whose blast radius the alert and the incident show.
func routedToPrisma(d rules.Decision) bool {
	for _, r := range d.Routes {
		if r.To == rules.ToPrisma && r.Taken {
			return true
		}
	}
	return false
}

// groupLine says which group of repeats the event opened or joined.
func groupLine(d rules.Decision) string {
	if d.Group == nil {
		return ""
	}
	return fmt.Sprintf("event %d of group %s (opened by event %s at %s)", d.Group.Count, d.Group.Key, d.Group.First,
		d.Group.Opened.UTC().Format(time.RFC3339))
}
