package xdr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// Incident is an XDR incident as get_incidents returns it. Only the fields
// idcmd reads are typed; Raw keeps the whole object.
type Incident struct {
	ID          string
	Name        string
	Description string
	// Status is new, under_investigation or one of the resolved_* values
	// (reference §4.6).
	Status string
	// Severity is XDR's calculated severity (low, medium, high, critical);
	// ManualSeverity is what an analyst set, "" when unset.
	Severity, ManualSeverity string
	AssignedUserMail         string
	AssignedUserPrettyName   string
	ResolveComment           string
	AlertCount               int
	Created, Modified        time.Time
	// URL opens the incident in the XDR console.
	URL string
	// Users and Hosts are the users and hosts XDR attributed the incident
	// to, as it names them: an identity as an e-mail address or UPN
	// (jdoe@example.com), an endpoint user as DOMAIN\user. They are empty
	// when XDR attributed none, even if an alert names a user
	// (Alert.UserName), and older tenants do not send them at all.
	Users, Hosts []string
	Raw          json.RawMessage
}

// Resolved reports whether the incident is closed (any resolved_* status).
func (i *Incident) Resolved() bool { return strings.HasPrefix(i.Status, "resolved_") }

// incidentWire is the wire shape of an incident. Nullable strings decode
// to "" and times are epoch milliseconds.
type incidentWire struct {
	ID                     flexString `json:"incident_id"`
	Name                   string     `json:"incident_name"`
	Description            string     `json:"description"`
	Status                 string     `json:"status"`
	Severity               string     `json:"severity"`
	ManualSeverity         string     `json:"manual_severity"`
	AssignedUserMail       string     `json:"assigned_user_mail"`
	AssignedUserPrettyName string     `json:"assigned_user_pretty_name"`
	ResolveComment         string     `json:"resolve_comment"`
	AlertCount             int        `json:"alert_count"`
	CreationTime           int64      `json:"creation_time"`
	ModificationTime       int64      `json:"modification_time"`
	XDRURL                 string     `json:"xdr_url"`
	Users                  []string   `json:"users"`
	Hosts                  []string   `json:"hosts"`
}

// flexString decodes a JSON string or number into a string: incident_id
// is a string in the reference's examples, and a tenant that sends a
// number must not break decoding.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(b, []byte(`"`)) {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n.String())
	return nil
}

// searchRequest is get_incidents' request_data (reference §4.6).
type searchRequest struct {
	Filters    []filter `json:"filters,omitempty"`
	SearchFrom int      `json:"search_from"`
	SearchTo   int      `json:"search_to"`
}

type filter struct {
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    any    `json:"value"`
}

// searchReply is get_incidents' answer.
type searchReply struct {
	Reply *struct {
		TotalCount  int               `json:"total_count"`
		ResultCount int               `json:"result_count"`
		Incidents   []json.RawMessage `json:"incidents"`
	} `json:"reply"`
}

// Ping checks reachability and the API key with the cheapest
// authenticated call: get_incidents for a one-incident range.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.searchIncidents(ctx, "ping", searchRequest{SearchFrom: 0, SearchTo: 1})
	return err
}

// GetIncident returns one incident. It uses get_incidents filtered by
// incident_id_list rather than get_incident_extra_data, which is limited
// to 10 requests a minute (reference §6) and returns alerts and artifacts
// idcmd does not need. An unknown ID is NotFound.
func (c *Client) GetIncident(ctx context.Context, incidentID string) (*Incident, error) {
	if err := checkIncidentID(incidentID); err != nil {
		return nil, err
	}
	incidents, err := c.searchIncidents(ctx, "getIncident", searchRequest{
		Filters:  []filter{{Field: "incident_id_list", Operator: "in", Value: []string{incidentID}}},
		SearchTo: 1,
	})
	if err != nil {
		return nil, err
	}
	for i := range incidents {
		if incidents[i].ID == incidentID {
			return &incidents[i], nil
		}
	}
	return nil, &upstream.Error{Provider: provider, Kind: upstream.NotFound,
		Message: "incident " + strconv.Quote(incidentID) + " not found"}
}

// searchIncidents calls get_incidents, a read, so it is retried after 5xx
// and connection errors too.
func (c *Client) searchIncidents(ctx context.Context, op string, req searchRequest) ([]Incident, error) {
	body, err := c.do(ctx, call{op: op, path: pathGetIncidents, data: req, retry: httpx.RetryIdempotent})
	if err != nil {
		return nil, err
	}
	var sr searchReply
	if err := json.Unmarshal(body, &sr); err != nil {
		return nil, decodeError(op, err)
	}
	if sr.Reply == nil {
		return nil, decodeError(op, errors.New(`no "reply" object`))
	}
	out := make([]Incident, len(sr.Reply.Incidents))
	for i, raw := range sr.Reply.Incidents {
		inc, err := decodeIncident(raw)
		if err != nil {
			return nil, decodeError(op, err)
		}
		out[i] = inc
	}
	return out, nil
}

// decodeIncident decodes one incident object, as get_incidents lists it
// and get_incident_extra_data returns it in reply.incident.
func decodeIncident(raw json.RawMessage) (Incident, error) {
	var w incidentWire
	if err := json.Unmarshal(raw, &w); err != nil {
		return Incident{}, err
	}
	return Incident{
		ID:                     string(w.ID),
		Name:                   w.Name,
		Description:            w.Description,
		Status:                 w.Status,
		Severity:               w.Severity,
		ManualSeverity:         w.ManualSeverity,
		AssignedUserMail:       w.AssignedUserMail,
		AssignedUserPrettyName: w.AssignedUserPrettyName,
		ResolveComment:         w.ResolveComment,
		AlertCount:             w.AlertCount,
		Created:                fromMillis(w.CreationTime),
		Modified:               fromMillis(w.ModificationTime),
		URL:                    w.XDRURL,
		Users:                  nonEmpty(w.Users),
		Hosts:                  nonEmpty(w.Hosts),
		Raw:                    raw,
	}, nil
}

// nonEmpty drops empty names from a list XDR sent (a null item decodes
// to ""), and keeps nil for an absent or empty list.
func nonEmpty(names []string) []string {
	var out []string
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// updateIncident is update_incident's request_data (reference §4.6), with
// only the comment set: missing update_data fields are left as they are.
type updateIncident struct {
	IncidentID string     `json:"incident_id"`
	UpdateData updateData `json:"update_data"`
}

type updateData struct {
	Comment *incidentComment `json:"comment,omitempty"`
}

type incidentComment struct {
	Action string `json:"comment_action"` // always "add"
	Value  string `json:"value"`
}

// AddIncidentComment adds comment to the incident's comments through
// update_incident's comment {comment_action: "add", value} (reference
// §4.6). XDR documents no refusal for resolved incidents, so a resolved
// incident takes comments like any other. An unknown incident is NotFound.
//
// A comment is not idempotent, so only a 429 (XDR refused before acting)
// is retried; a 5xx or a dropped connection is reported, since the comment
// may already be there.
func (c *Client) AddIncidentComment(ctx context.Context, incidentID, comment string) error {
	if err := checkIncidentID(incidentID); err != nil {
		return err
	}
	if strings.TrimSpace(comment) == "" {
		return invalid("comment is required")
	}
	body, err := c.do(ctx, call{
		op:   "addIncidentComment",
		path: pathUpdateIncident,
		data: updateIncident{
			IncidentID: incidentID,
			UpdateData: updateData{Comment: &incidentComment{Action: "add", Value: comment}},
		},
		retry: httpx.RetryRateLimited,
	})
	if err != nil {
		return err
	}
	return checkAccepted("addIncidentComment", body)
}

// checkIncidentID refuses an ID that cannot name an incident before
// anything is sent, so a responder gets a clear message instead of XDR's
// generic 500.
func checkIncidentID(id string) error {
	switch {
	case id == "":
		return invalid("incident ID is required")
	case len(id) > 128:
		return invalid("incident ID is too long")
	case strings.TrimSpace(id) != id || strings.ContainsFunc(id, unicode.IsControl):
		return invalid("incident ID must not contain spaces or control characters")
	}
	return nil
}

// fromMillis converts XDR's epoch milliseconds; 0 (or null) is the zero
// time.
func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
