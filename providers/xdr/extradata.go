package xdr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

const pathGetIncidentExtraData = "/public_api/v1/incidents/get_incident_extra_data/"

// get_incident_extra_data's limits (reference §6 and §4.6).
const (
	// extraDataPerMinute is XDR's documented quota for the call.
	extraDataPerMinute = 10
	// DefaultAlertsLimit is the alerts_limit GetIncidentExtraData sends
	// for 0: the reference's example value, and the most XDR returns.
	DefaultAlertsLimit = 1000
)

// IncidentDetail is an incident with its alerts, as get_incident_extra_data
// returns it.
type IncidentDetail struct {
	Incident Incident
	// Alerts are at most the alertsLimit asked for; AlertsTotal is how
	// many the incident has.
	Alerts      []Alert
	AlertsTotal int
	// Raw is the whole reply, network_artifacts and file_artifacts
	// included.
	Raw json.RawMessage
}

// Alert is one of an incident's alerts. Only the fields idcmd reads are
// typed; Raw keeps the whole object.
type Alert struct {
	ID          string
	Name        string
	Description string
	// Severity is low, medium, high or critical (lower case, as XDR sends
	// it, unlike insert_parsed_alerts' capitalised values).
	Severity string
	// Category is XDR's alert category (Malware, Exploit, Credential
	// Access...) and Source what raised it (XDR Agent, XDR Analytics, a
	// third-party product).
	Category, Source string
	// UserName is the user the alert is about, as XDR names it: an e-mail
	// or UPN for identity alerts, DOMAIN\user for endpoint ones; "" when
	// none.
	UserName string
	HostName string
	HostIP   string
	// Action is XDR's action_pretty, for example "Detected (Reported)" or
	// "Prevented (Blocked)".
	Action string
	// Time is the event's time (event_timestamp), or the detection time
	// when the alert has none; zero when XDR sent neither.
	Time time.Time
	Raw  json.RawMessage
}

// extraDataRequest is get_incident_extra_data's request_data (reference
// §4.6).
type extraDataRequest struct {
	IncidentID  string `json:"incident_id"`
	AlertsLimit int    `json:"alerts_limit"`
}

// extraDataReply is the answer: reply.incident, reply.alerts {total_count,
// data}, and the artifact lists idcmd keeps in Raw only.
type extraDataReply struct {
	Reply *struct {
		Incident json.RawMessage `json:"incident"`
		Alerts   struct {
			TotalCount int               `json:"total_count"`
			Data       []json.RawMessage `json:"data"`
		} `json:"alerts"`
	} `json:"reply"`
}

// alertWire is the part of an alert idcmd reads. Strings are null when
// unset; alert_id comes as a string or a number.
type alertWire struct {
	ID                 flexString `json:"alert_id"`
	Name               string     `json:"name"`
	Description        string     `json:"description"`
	Severity           string     `json:"severity"`
	Category           string     `json:"category"`
	Source             string     `json:"source"`
	UserName           string     `json:"user_name"`
	HostName           string     `json:"host_name"`
	HostIP             string     `json:"host_ip"`
	ActionPretty       string     `json:"action_pretty"`
	EventTimestamp     int64      `json:"event_timestamp"`
	DetectionTimestamp int64      `json:"detection_timestamp"`
}

// GetIncidentExtraData returns an incident with its alerts (at most
// alertsLimit of them, DefaultAlertsLimit for 0). The incident's Users and
// its alerts' UserName are where XDR says who an incident is about.
//
// The call is limited to 10 requests a minute (reference §6). The client
// paces itself: the 11th call within a minute waits for a slot, as long as
// ctx's deadline allows, and otherwise fails at once with RateLimited and
// the wait needed. A 429 from XDR all the same (another client sharing the
// key) is retried after its Retry-After like every call, as are 5xx and
// connection errors: it is a read. An unknown incident is NotFound.
func (c *Client) GetIncidentExtraData(ctx context.Context, incidentID string, alertsLimit int) (*IncidentDetail, error) {
	const op = "getIncidentExtraData"
	if err := checkIncidentID(incidentID); err != nil {
		return nil, err
	}
	switch {
	case alertsLimit < 0 || alertsLimit > DefaultAlertsLimit:
		return nil, invalid(fmt.Sprintf("alerts limit %d is out of range 0-%d (0 means %d)", alertsLimit, DefaultAlertsLimit, DefaultAlertsLimit))
	case alertsLimit == 0:
		alertsLimit = DefaultAlertsLimit
	}
	slot, err := c.extraData.reserve(ctx, c.now())
	if err != nil {
		return nil, err
	}
	if err := c.sleep(ctx, slot.at.Sub(c.now())); err != nil {
		slot.cancel()
		return nil, transportError(op, err)
	}
	body, err := c.do(ctx, call{
		op:    op,
		path:  pathGetIncidentExtraData,
		data:  extraDataRequest{IncidentID: incidentID, AlertsLimit: alertsLimit},
		retry: httpx.RetryIdempotent,
	})
	if err != nil {
		if ue := upstream.As(err); ue != nil && ue.Kind == upstream.NotFound {
			ue.Message = "incident " + strconv.Quote(incidentID) + " not found: " + ue.Message
		}
		return nil, err
	}
	return decodeExtraData(op, body)
}

// decodeExtraData decodes the reply into an IncidentDetail.
func decodeExtraData(op string, body []byte) (*IncidentDetail, error) {
	var wire extraDataReply
	if err := json.Unmarshal(body, &wire); err != nil {
		return nil, decodeError(op, err)
	}
	if wire.Reply == nil || len(wire.Reply.Incident) == 0 || string(wire.Reply.Incident) == "null" {
		return nil, decodeError(op, errors.New(`no "reply.incident" object`))
	}
	inc, err := decodeIncident(wire.Reply.Incident)
	if err != nil {
		return nil, decodeError(op, fmt.Errorf("incident: %w", err))
	}
	out := &IncidentDetail{
		Incident:    inc,
		Alerts:      make([]Alert, len(wire.Reply.Alerts.Data)),
		AlertsTotal: max(wire.Reply.Alerts.TotalCount, len(wire.Reply.Alerts.Data)),
		Raw:         body,
	}
	for i, raw := range wire.Reply.Alerts.Data {
		var w alertWire
		if err := json.Unmarshal(raw, &w); err != nil {
			return nil, decodeError(op, fmt.Errorf("alert %d: %w", i, err))
		}
		t := w.EventTimestamp
		if t == 0 {
			t = w.DetectionTimestamp
		}
		out.Alerts[i] = Alert{
			ID: string(w.ID), Name: w.Name, Description: w.Description, Severity: w.Severity,
			Category: w.Category, Source: w.Source, UserName: w.UserName, HostName: w.HostName,
			HostIP: w.HostIP, Action: w.ActionPretty, Time: fromMillis(t), Raw: raw,
		}
	}
	return out, nil
}
