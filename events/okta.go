package events

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"

	"github.com/idcmd/idcmd/providers/okta"
)

// FromOkta normalizes one System Log event (okta.md §4), as the System Log
// API and event hook deliveries carry it. An event without a uuid or an
// eventType, or that is not a JSON object, is rejected: kept, with why.
func FromOkta(raw json.RawMessage) Event {
	if !isObject(raw) {
		return rejected(Okta, raw, "the event is not a JSON object")
	}
	return fromOktaLog(okta.DecodeLogEvent(raw))
}

// fromOktaLog checks and normalizes a decoded event.
func fromOktaLog(ev okta.LogEvent) Event {
	raw := ev.Raw
	switch {
	case ev.UUID == "":
		return rejected(Okta, raw, "the event has no uuid")
	case ev.EventType == "":
		return rejected(Okta, raw, "the event has no eventType")
	case ev.Published.IsZero():
		return rejected(Okta, raw, "the event has no valid published time")
	}
	return FromOktaEvent(ev)
}

// FromOktaEvent normalizes an event the Okta client has decoded, as it is
// (get-user-events shows what the System Log returns, readable or not).
func FromOktaEvent(ev okta.LogEvent) Event {
	e := Event{
		ID: ev.UUID, Provider: Okta, Type: ev.EventType, Time: ev.Published,
		Outcome: ev.Outcome.Result, Reason: ev.Outcome.Reason,
		Actor: ev.Actor.AlternateID, ActorID: ev.Actor.ID,
		IP: ev.Client.IPAddress, UserAgent: ev.Client.UserAgent.RawUserAgent, Device: ev.Client.Device,
		Raw: ev.Raw,
	}
	if len(ev.Target) > 0 {
		e.Target, e.TargetID = ev.Target[0].AlternateID, ev.Target[0].ID
	}
	// The user it is about: a target user (an admin suspended them), or
	// the actor when a user acted for themselves (signed in, failed MFA).
	for _, t := range ev.Target {
		if t.Type == "User" {
			e.User, e.UserID = t.AlternateID, t.ID
			break
		}
	}
	if e.UserID == "" && ev.Actor.Type == "User" {
		e.User, e.UserID = ev.Actor.AlternateID, ev.Actor.ID
	}
	g := ev.Client.GeographicalContext
	e.Location = joinNonEmpty(g.City, g.State, g.Country)
	if e.Location != "" || g.Geolocation != nil {
		e.Geo = &Geo{City: g.City, State: g.State, Country: g.Country}
		if g.Geolocation != nil {
			e.Geo.Lat, e.Geo.Lon = &g.Geolocation.Lat, &g.Geolocation.Lon
		}
	}
	if sc := ev.SecurityContext; sc.AsNumber != nil || sc.AsOrg != "" || sc.ISP != "" || sc.Domain != "" || sc.IsProxy != nil {
		e.Network = &Net{ASOrg: sc.AsOrg, ISP: sc.ISP, Domain: sc.Domain, Proxy: sc.IsProxy}
		if sc.AsNumber != nil {
			e.Network.ASN = *sc.AsNumber
		}
	}
	e.RiskLevel = oktaRiskLevel(ev.Raw)
	return e
}

// oktaRiskLevel reads Okta's risk verdict from debugContext.debugData:
// "risk" is a string such as "{reasons=Anomalous Device, level=HIGH}", and
// "logOnlySecurityData" a JSON string with risk.level. debugData is
// free-form and absent from most events, so it is decoded only when the
// event mentions either key.
func oktaRiskLevel(raw []byte) string {
	if !bytes.Contains(raw, []byte(`"risk"`)) && !bytes.Contains(raw, []byte(`"logOnlySecurityData"`)) {
		return ""
	}
	var ev struct {
		DebugContext struct {
			DebugData struct {
				Risk                string `json:"risk"`
				LogOnlySecurityData string `json:"logOnlySecurityData"`
			} `json:"debugData"`
		} `json:"debugContext"`
	}
	if json.Unmarshal(raw, &ev) != nil {
		return ""
	}
	data := ev.DebugContext.DebugData
	if m := oktaRiskPattern.FindStringSubmatch(data.Risk); m != nil {
		return strings.ToUpper(m[1])
	}
	var sec struct {
		Risk struct {
			Level string `json:"level"`
		} `json:"risk"`
	}
	if data.LogOnlySecurityData != "" && json.Unmarshal([]byte(data.LogOnlySecurityData), &sec) == nil {
		return strings.ToUpper(sec.Risk.Level)
	}
	return ""
}

var oktaRiskPattern = regexp.MustCompile(`(?i)\blevel=(LOW|MEDIUM|HIGH)\b`)

func joinNonEmpty(parts ...string) string {
	out := parts[:0:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

// isObject reports whether raw, which the caller has already parsed as
// JSON (a delivery's element, a checked NDJSON line), is an object.
func isObject(raw []byte) bool {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c == '{'
	}
	return false
}
