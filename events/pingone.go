package events

import (
	"encoding/json"

	"github.com/idcmd/idcmd/providers/pingone"
)

// FromPingOne normalizes one PingOne audit activity (pingone.md §4.5), as
// GET /activities and a format ACTIVITY subscription carry it. An activity
// without an id or an action type, or that is not a JSON object, is
// rejected: kept, with why.
func FromPingOne(raw json.RawMessage) Event {
	if !isObject(raw) {
		return rejected(PingOne, raw, "the activity is not a JSON object")
	}
	return fromPingOneActivity(pingone.DecodeActivity(raw))
}

// fromPingOneActivity checks and normalizes a decoded activity.
func fromPingOneActivity(a pingone.Activity) Event {
	raw := a.Raw
	switch {
	case a.ID == "":
		return rejected(PingOne, raw, "the activity has no id")
	case a.Action.Type == "":
		return rejected(PingOne, raw, "the activity has no action.type")
	case a.RecordedAt.IsZero() && a.CreatedAt.IsZero():
		return rejected(PingOne, raw, "the activity has no valid recordedAt")
	}
	return FromPingOneActivity(a)
}

// FromPingOneActivity normalizes an activity the PingOne client has
// decoded, as it is.
func FromPingOneActivity(a pingone.Activity) Event {
	at := a.RecordedAt
	if at.IsZero() {
		at = a.CreatedAt
	}
	e := Event{
		ID: a.ID, Provider: PingOne, Type: a.Action.Type, SOPTypes: PingOneSOPTypes(a.Action.Type), Time: at,
		Outcome: a.Result.Status, Reason: a.Result.Description, Raw: a.Raw,
	}
	if u := a.Actors.User; u != nil {
		e.Actor, e.ActorID = u.Name, u.ID
	} else if c := a.Actors.Client; c != nil {
		e.Actor, e.ActorID = c.Name, c.ID
	}
	if len(a.Resources) > 0 {
		e.Target, e.TargetID = a.Resources[0].Name, a.Resources[0].ID
	}
	for _, r := range a.Resources {
		if r.Type == "USER" {
			e.User, e.UserID = r.Name, r.ID
			break
		}
	}
	if e.UserID == "" && a.Actors.User != nil {
		e.User, e.UserID = a.Actors.User.Name, a.Actors.User.ID
	}
	if a.Source != nil {
		e.IP, e.UserAgent = a.Source.IPAddress, a.Source.UserAgent
	}
	return e
}
