package xsoar

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// Incident severities, CommonServerPython's IncidentSeverity (reference
// §4.1).
const (
	SeverityUnknown  = 0.0
	SeverityInfo     = 0.5
	SeverityLow      = 1.0
	SeverityMedium   = 2.0
	SeverityHigh     = 3.0
	SeverityCritical = 4.0
)

// Incident statuses, CommonServerPython's IncidentStatus (reference
// §4.1). Done is closed; Archive is closed and archived.
const (
	StatusPending = 0.0
	StatusActive  = 1.0
	StatusDone    = 2.0
	StatusArchive = 3.0
)

// Label is an incident label, a type and a value (for example user,
// jdoe@example.com).
type Label struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// NewIncident is an incident to create (the swagger's
// CreateIncidentRequest, reference §4.1).
type NewIncident struct {
	// Name is what responders see in the incident list; required.
	Name string
	// Type must be an incident type configured in XSOAR; "" lets XSOAR
	// use its default (Unclassified).
	Type string
	// Severity is one of the Severity constants, 0 to 4.
	Severity float64
	// Details is the incident's description.
	Details string
	// Occurred is when the event happened; zero lets XSOAR use the
	// creation time.
	Occurred time.Time
	Labels   []Label
	// CustomFields are keyed by the field's machine name: its display name
	// in lower case without spaces ("Scan IP" → scanip).
	CustomFields map[string]any
	// CreateInvestigation starts the investigation at once, running the
	// type's playbook (or PlaybookID); otherwise the incident is pending.
	CreateInvestigation bool
	// PlaybookID runs that playbook instead of the type's default, when
	// CreateInvestigation is set.
	PlaybookID string
	// RawJSON is the original event, kept for XSOAR's mappers; it must be
	// valid JSON when set.
	RawJSON string
}

// createIncidentRequest is the wire shape of NewIncident. Custom fields go
// under the swagger's "CustomFields"; the XSOAR 8 API reference example
// spells it "customFields" and which spelling each version accepts is
// unconfirmed (reference §4.1), but demisto-py, generated from this
// swagger, sends "CustomFields" to XSOAR 6 and 8 alike.
type createIncidentRequest struct {
	Name                string         `json:"name"`
	Type                string         `json:"type,omitempty"`
	Severity            float64        `json:"severity"`
	Details             string         `json:"details,omitempty"`
	Occurred            *time.Time     `json:"occurred,omitempty"`
	Labels              []Label        `json:"labels,omitempty"`
	CustomFields        map[string]any `json:"CustomFields,omitempty"`
	CreateInvestigation bool           `json:"createInvestigation,omitempty"`
	PlaybookID          string         `json:"playbookId,omitempty"`
	RawJSON             string         `json:"rawJSON,omitempty"`
}

// CreateIncident creates an incident (POST /incident) and returns its ID.
// Creating is not idempotent, so the request is re-sent only after a 429;
// a 5xx or a dropped connection is reported, and the caller decides.
func (c *Client) CreateIncident(ctx context.Context, in NewIncident) (string, error) {
	if err := in.validate(); err != nil {
		return "", err
	}
	req := createIncidentRequest{
		Name:                in.Name,
		Type:                in.Type,
		Severity:            in.Severity,
		Details:             in.Details,
		Labels:              in.Labels,
		CustomFields:        in.CustomFields,
		CreateInvestigation: in.CreateInvestigation,
		PlaybookID:          in.PlaybookID,
		RawJSON:             in.RawJSON,
	}
	if !in.Occurred.IsZero() {
		occurred := in.Occurred.UTC()
		req.Occurred = &occurred
	}
	var created struct {
		ID string `json:"id"`
	}
	err := c.do(ctx, call{op: "createIncident", path: pathIncident, body: req, retry: httpx.RetryRateLimited}, &created)
	if err != nil {
		return "", err
	}
	if created.ID == "" {
		// XSOAR answers 200 without an incident when a pre-process rule
		// drops it; say so rather than return an empty ID.
		return "", &upstream.Error{
			Provider: provider, Kind: upstream.Unknown, Status: 200,
			Message: "XSOAR created no incident (a pre-process rule may have dropped or merged it)",
		}
	}
	return created.ID, nil
}

// validate refuses what XSOAR would silently mishandle: an unnamed
// incident, a severity outside its scale, custom field keys it would not
// recognise, and raw JSON its mappers cannot parse.
func (in *NewIncident) validate() *upstream.Error {
	if strings.TrimSpace(in.Name) == "" {
		return invalid("an incident needs a name")
	}
	switch in.Severity {
	case SeverityUnknown, SeverityInfo, SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical:
	default:
		return invalid(fmt.Sprintf("severity %v is not on XSOAR's scale: 0 unknown, 0.5 info, 1 low, 2 medium, 3 high, 4 critical", in.Severity))
	}
	for _, l := range in.Labels {
		if strings.TrimSpace(l.Type) == "" {
			return invalid("every incident label needs a type")
		}
	}
	for k := range in.CustomFields {
		if want := customFieldKey(k); k != want {
			return invalid(fmt.Sprintf("custom field %q: XSOAR keys are the display name in lower case without spaces, here %q", k, want))
		}
	}
	if in.RawJSON != "" && !json.Valid([]byte(in.RawJSON)) {
		return invalid("rawJSON is not valid JSON")
	}
	return nil
}

// customFieldKey is the machine name XSOAR gives a field's display name
// (swagger CustomFields: "Scan IP" → scanip).
func customFieldKey(display string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, display)
}

// Incident is an XSOAR incident as /incidents/search returns it. Only the
// fields idcmd reads are typed; Raw keeps the whole object.
type Incident struct {
	ID string
	// InvestigationID is the war room's ID, what Entry.InvestigationID
	// takes.
	InvestigationID string
	Name            string
	Type            string
	// Severity is one of the Severity constants.
	Severity float64
	// Status is one of the Status constants.
	Status       float64
	Details      string
	Labels       []Label
	CustomFields map[string]any
	RawJSON      string
	// Times are zero when unset (XSOAR sends 0001-01-01T00:00:00Z).
	Created, Modified, Occurred, Closed time.Time
	// Version is the incident's optimistic-locking version (reference §4.4).
	Version int64
	Raw     json.RawMessage
}

// IsClosed reports whether the incident is closed (Done or Archive), in
// which case its investigation takes no more entries.
func (i *Incident) IsClosed() bool { return i.Status >= StatusDone }

// incidentWire is the wire shape of the swagger's Incident.
type incidentWire struct {
	ID              string         `json:"id"`
	InvestigationID string         `json:"investigationId"`
	Name            string         `json:"name"`
	Type            string         `json:"type"`
	Severity        float64        `json:"severity"`
	Status          float64        `json:"status"`
	Details         string         `json:"details"`
	Labels          []Label        `json:"labels"`
	CustomFields    map[string]any `json:"CustomFields"`
	RawJSON         string         `json:"rawJSON"`
	Created         time.Time      `json:"created"`
	Modified        time.Time      `json:"modified"`
	Occurred        time.Time      `json:"occurred"`
	Closed          time.Time      `json:"closed"`
	Version         int64          `json:"version"`
}

// searchRequest is the swagger's SearchIncidentsData (reference §4.3).
type searchRequest struct {
	Filter incidentFilter `json:"filter"`
}

// incidentFilter is the part of the swagger's IncidentFilter idcmd uses.
// Size must be set: XSOAR's default of 0 returns nothing (reference §5).
type incidentFilter struct {
	ID   []string `json:"id,omitempty"`
	Page int      `json:"page"`
	Size int      `json:"size"`
}

// searchResponse is the swagger's incidentSearchResponse.
type searchResponse struct {
	Data  []json.RawMessage `json:"data"`
	Total int64             `json:"total"`
}

// GetIncident reads one incident by ID. The swagger has no GET
// /incident/{id} (reference §3), so this is an incident search with the
// id filter; an empty result is NotFound.
func (c *Client) GetIncident(ctx context.Context, id string) (*Incident, error) {
	if strings.TrimSpace(id) == "" {
		return nil, invalid("an incident ID is required")
	}
	var out searchResponse
	err := c.do(ctx, call{
		op:    "searchIncidents",
		path:  pathIncidentsSearch,
		body:  searchRequest{Filter: incidentFilter{ID: []string{id}, Size: 1}},
		retry: httpx.RetryIdempotent,
	}, &out)
	if err != nil {
		return nil, err
	}
	if len(out.Data) == 0 {
		return nil, &upstream.Error{Provider: provider, Kind: upstream.NotFound, Status: 200, Message: "no incident with ID " + id}
	}
	var w incidentWire
	if err := json.Unmarshal(out.Data[0], &w); err != nil {
		return nil, decodeError("searchIncidents", err)
	}
	if w.ID != id {
		// The id filter is exact; anything else means XSOAR ignored it.
		return nil, decodeError("searchIncidents", fmt.Errorf("asked for incident %s, got %s", id, w.ID))
	}
	return &Incident{
		ID:              w.ID,
		InvestigationID: w.InvestigationID,
		Name:            w.Name,
		Type:            w.Type,
		Severity:        w.Severity,
		Status:          w.Status,
		Details:         w.Details,
		Labels:          w.Labels,
		CustomFields:    w.CustomFields,
		RawJSON:         w.RawJSON,
		Created:         w.Created,
		Modified:        w.Modified,
		Occurred:        w.Occurred,
		Closed:          w.Closed,
		Version:         w.Version,
		Raw:             out.Data[0],
	}, nil
}
