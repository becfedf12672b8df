package xsoartest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Incident severities and statuses, CommonServerPython's IncidentSeverity
// and IncidentStatus (reference §4.1).
const (
	SeverityUnknown  = 0.0
	SeverityInfo     = 0.5
	SeverityLow      = 1.0
	SeverityMedium   = 2.0
	SeverityHigh     = 3.0
	SeverityCritical = 4.0

	StatusPending = 0.0
	StatusActive  = 1.0
	StatusDone    = 2.0
	StatusArchive = 3.0
)

// defaultType is the incident type XSOAR gives an incident created
// without one.
const defaultType = "Unclassified"

// Label is an incident label.
type Label struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Incident is a snapshot of one of the fake's incidents.
type Incident struct {
	ID string
	// InvestigationID is the incident's war room; the fake gives it the
	// incident's ID, as XSOAR does in practice (reference §4.2).
	InvestigationID string
	Name, Type      string
	Severity        float64
	// Status is StatusPending (created without an investigation),
	// StatusActive or StatusDone (closed).
	Status       float64
	Details      string
	Labels       []Label
	CustomFields map[string]any
	RawJSON      string
	PlaybookID   string
	Created      time.Time
	Modified     time.Time
	Occurred     time.Time
	Closed       time.Time
	Version      int64
}

// IsClosed reports whether the incident's investigation is closed.
func (i Incident) IsClosed() bool { return i.Status >= StatusDone }

// incident is the fake's state of one incident and its war room.
type incident struct {
	Incident
	activated time.Time
	entries   []*entry
	// lastEntry numbers the war room's entries; dropped ones keep theirs.
	lastEntry int
	// retained exempts the incident from the retention, as XSOAR's
	// "Retain Incident" does: the sandbox's demo incidents.
	retained bool
}

func (in *incident) snapshot() Incident {
	out := in.Incident
	out.Labels = slices.Clone(in.Labels)
	out.CustomFields = maps.Clone(in.CustomFields)
	return out
}

// AddIncident adds an open incident with an active investigation whose ID
// is the incident's, and returns that ID.
func (s *Server) AddIncident(name string, severity float64) string {
	return s.add(Incident{Name: name, Severity: severity, Status: StatusActive})
}

// add stores a new incident built from tmpl and returns its ID. IDs are
// consecutive numbers, as XSOAR's are.
func (s *Server) add(tmpl Incident) string { return s.addIncident(tmpl, false) }

// addIncident stores a new incident built from tmpl, retained or not, and
// applies the retention.
func (s *Server) addIncident(tmpl Incident, retained bool) string {
	now := s.now().UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	in := &incident{Incident: tmpl, retained: retained}
	in.ID = s.nextIncidentID()
	in.InvestigationID = in.ID
	in.Type = cmp.Or(in.Type, defaultType)
	in.Created, in.Modified = now, now
	if in.Occurred.IsZero() {
		in.Occurred = now
	}
	if in.Status >= StatusActive {
		in.activated = now
	}
	if in.Status >= StatusDone && in.Closed.IsZero() {
		in.Closed = now
	}
	in.Version = 1
	s.incidents = append(s.incidents, in)
	s.byID[in.ID] = in
	if !retained {
		s.unretained++
	}
	s.retainLocked(now)
	return in.ID
}

// CloseIncident closes an incident and its investigation, as an analyst
// does: entries to it are then refused with 412. It panics if there is no
// such incident, since that is a mistake in the test.
func (s *Server) CloseIncident(id string) {
	now := s.now().UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.lookup(id)
	if in == nil {
		panic(fmt.Sprintf("xsoartest: CloseIncident: no incident %q", id))
	}
	in.Status = StatusDone
	in.Closed, in.Modified = now, now
	in.Version++
}

// Incidents returns a snapshot of every incident, oldest first.
func (s *Server) Incidents() []Incident {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked()
	out := make([]Incident, len(s.incidents))
	for i, in := range s.incidents {
		out[i] = in.snapshot()
	}
	return out
}

// Incident returns a snapshot of one incident.
func (s *Server) Incident(id string) (Incident, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in := s.lookup(id); in != nil {
		return in.snapshot(), true
	}
	return Incident{}, false
}

// lookup finds an incident, or its investigation, by ID. s.mu is held.
func (s *Server) lookup(id string) *incident {
	s.expireLocked()
	return s.byID[id]
}

// createRequest is the part of the swagger's CreateIncidentRequest the
// fake reads. Custom fields are accepted under both spellings, the
// swagger's CustomFields and the XSOAR 8 reference's customFields
// (reference §4.1); encoding/json prefers the exact match for each.
type createRequest struct {
	ID                  string         `json:"id"`
	Name                string         `json:"name"`
	Type                string         `json:"type"`
	Severity            float64        `json:"severity"`
	Details             string         `json:"details"`
	Occurred            *time.Time     `json:"occurred"`
	Labels              []Label        `json:"labels"`
	RawJSON             string         `json:"rawJSON"`
	CustomFields        map[string]any `json:"CustomFields"`
	CustomFieldsLower   map[string]any `json:"customFields"`
	CreateInvestigation bool           `json:"createInvestigation"`
	PlaybookID          string         `json:"playbookId"`
}

// createIncident serves POST /incident. It creates an incident, or with
// an id updates that one (updateIncident).
func (s *Server) createIncident(body []byte, now time.Time) (any, *apiError) {
	var req createRequest
	if e := decodeBody(body, &req); e != nil {
		return nil, e
	}
	switch {
	case req.ID != "":
		return s.updateIncident(body, now)
	case req.Severity < SeverityUnknown || req.Severity > SeverityCritical:
		return nil, errBadRequest(fmt.Sprintf("severity %v is out of range 0-4", req.Severity))
	case req.RawJSON != "" && !json.Valid([]byte(req.RawJSON)):
		return nil, errBadRequest("rawJSON is not valid JSON")
	}
	var custom map[string]any
	if len(req.CustomFields)+len(req.CustomFieldsLower) > 0 {
		custom = map[string]any{}
		maps.Copy(custom, req.CustomFields)
		maps.Copy(custom, req.CustomFieldsLower)
	}
	tmpl := Incident{
		Name: req.Name, Type: req.Type, Severity: req.Severity, Details: req.Details,
		Labels: req.Labels, CustomFields: custom, RawJSON: req.RawJSON, PlaybookID: req.PlaybookID,
		Status: StatusPending,
	}
	if req.CreateInvestigation {
		tmpl.Status = StatusActive
	}
	if req.Occurred != nil {
		tmpl.Occurred = req.Occurred.UTC()
	}
	id := s.add(tmpl)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lookup(id).wire(), nil
}

// decodeBody unmarshals a JSON object body; anything else is XSOAR's 400.
func decodeBody(body []byte, v any) *apiError {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return errBadRequest("Request body is not well-formed. It must be JSON.")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errBadRequest("Request body is not well-formed. It must be JSON. (" + err.Error() + ")")
	}
	return nil
}

// incidentWire is an incident as the swagger's IncidentWrapper and
// Incident describe it. Every property is declared there, except
// CustomFields in IncidentWrapper, which its additionalProperties allow.
// Arrays and objects are never null, which the schema does not allow.
type incidentWire struct {
	ID              string         `json:"id"`
	Version         int64          `json:"version"`
	Name            string         `json:"name"`
	RawName         string         `json:"rawName"`
	Type            string         `json:"type"`
	RawType         string         `json:"rawType"`
	Severity        float64        `json:"severity"`
	Status          float64        `json:"status"`
	Details         string         `json:"details"`
	Labels          []Label        `json:"labels"`
	InvestigationID string         `json:"investigationId"`
	CustomFields    map[string]any `json:"CustomFields"`
	RawJSON         string         `json:"rawJSON"`
	PlaybookID      string         `json:"playbookId"`
	Owner           string         `json:"owner"`
	Phase           string         `json:"phase"`
	Category        string         `json:"category"`
	SourceBrand     string         `json:"sourceBrand"`
	SourceInstance  string         `json:"sourceInstance"`
	Created         time.Time      `json:"created"`
	Modified        time.Time      `json:"modified"`
	Occurred        time.Time      `json:"occurred"`
	Activated       time.Time      `json:"activated"`
	Closed          time.Time      `json:"closed"`
	DueDate         time.Time      `json:"dueDate"`
	IsPlayground    bool           `json:"isPlayground"`
}

// wire renders the incident. s.mu is held.
func (in *incident) wire() incidentWire {
	return incidentWire{
		ID: in.ID, Version: in.Version,
		Name: in.Name, RawName: in.Name, Type: in.Type, RawType: in.Type,
		Severity: in.Severity, Status: in.Status, Details: in.Details,
		Labels:          append([]Label{}, in.Labels...),
		InvestigationID: in.InvestigationID,
		CustomFields:    copyFields(in.CustomFields),
		RawJSON:         in.RawJSON, PlaybookID: in.PlaybookID,
		SourceBrand: "Manual",
		Created:     in.Created, Modified: in.Modified, Occurred: in.Occurred,
		Activated: in.activated, Closed: in.Closed,
	}
}

// copyFields copies custom fields into a map that is never nil.
func copyFields(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	maps.Copy(out, m)
	return out
}
