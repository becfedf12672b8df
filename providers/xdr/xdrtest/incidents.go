package xdrtest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Comment is one comment on an incident, as update_incident added it.
type Comment struct {
	Text string
	Time time.Time
}

// Incident is a snapshot of a fake incident, for tests and the sandbox's
// view of what idcmd wrote.
type Incident struct {
	ID          string
	Description string
	// Severity is low, medium, high or critical.
	Severity string
	// Status is new, under_investigation or a resolved_* status.
	Status            string
	Created, Modified time.Time
	Comments          []Comment
	// Users are the users XDR attributed the incident to (SetIncidentUsers);
	// Alerts are its alerts (AddAlert), oldest first.
	Users  []string
	Alerts []Alert
}

// incident is the tenant's state of one incident.
type incident struct {
	id, description, severity, status    string
	manualSeverity, resolveComment       string
	assignedUserMail, assignedUserPretty string
	created, modified                    time.Time
	comments                             []Comment
	users                                []string
	alerts                               []Alert
}

// Incident statuses (reference §4.6, CortexXDRIR XDR_INCIDENT_FIELDS).
var statuses = []string{
	"new", "under_investigation",
	"resolved_known_issue", "resolved_duplicate", "resolved_false_positive",
	"resolved_true_positive", "resolved_security_testing", "resolved_other",
}

// Incident severities, for severity and manual_severity.
var incidentSeverities = []string{"low", "medium", "high", "critical"}

// AddIncident creates an open (status new) incident and returns its ID.
// IDs are "1", "2", ... in creation order, like XDR's numeric IDs. It
// panics on a severity other than low, medium, high or critical.
func (s *Server) AddIncident(description, severity string) string {
	severity = strings.ToLower(severity)
	if !slices.Contains(incidentSeverities, severity) {
		panic(fmt.Sprintf("xdrtest: AddIncident: severity %q is not one of %v", severity, incidentSeverities))
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	id := strconv.Itoa(len(s.incidents) + 1)
	s.incidents = append(s.incidents, &incident{
		id: id, description: description, severity: severity, status: "new",
		created: now, modified: now,
	})
	return id
}

// ResolveIncident sets the incident's status to resolved_other, as an
// analyst closing it in the console would. It panics on an unknown ID.
func (s *Server) ResolveIncident(id string) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	inc := s.find(id)
	if inc == nil {
		panic("xdrtest: ResolveIncident: no incident " + strconv.Quote(id))
	}
	inc.status, inc.modified = "resolved_other", now
}

// Comments returns the incident's comments in the order they were added;
// nil for an unknown incident.
func (s *Server) Comments(incidentID string) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	if inc := s.find(incidentID); inc != nil {
		return slices.Clone(inc.comments)
	}
	return nil
}

// Incidents returns every incident, oldest first.
func (s *Server) Incidents() []Incident {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Incident, len(s.incidents))
	for i, inc := range s.incidents {
		out[i] = Incident{
			ID: inc.id, Description: inc.description, Severity: inc.severity, Status: inc.status,
			Created: inc.created, Modified: inc.modified, Comments: slices.Clone(inc.comments),
			Users: slices.Clone(inc.users), Alerts: slices.Clone(inc.alerts),
		}
	}
	return out
}

// find returns the incident with exactly this ID, or nil. s.mu is held.
func (s *Server) find(id string) *incident {
	n, err := strconv.Atoi(id)
	if err != nil || n < 1 || n > len(s.incidents) || s.incidents[n-1].id != id {
		return nil
	}
	return s.incidents[n-1]
}

// incidentWire is an incident as get_incidents returns it: XDR sends null
// for unset strings.
type incidentWire struct {
	IncidentID             string  `json:"incident_id"`
	IncidentName           *string `json:"incident_name"`
	CreationTime           int64   `json:"creation_time"`
	ModificationTime       int64   `json:"modification_time"`
	Status                 string  `json:"status"`
	Severity               string  `json:"severity"`
	Description            string  `json:"description"`
	AssignedUserMail       *string `json:"assigned_user_mail"`
	AssignedUserPrettyName *string `json:"assigned_user_pretty_name"`
	AlertCount             int     `json:"alert_count"`
	ResolveComment         *string `json:"resolve_comment"`
	ManualSeverity         *string `json:"manual_severity"`
	XDRURL                 string  `json:"xdr_url"`
	Starred                bool    `json:"starred"`
	// Users and hosts, and their counts, as newer tenants send them in
	// get_incidents and get_incident_extra_data alike (CortexXDRIR's
	// test data); never null.
	Users     []string `json:"users"`
	Hosts     []string `json:"hosts"`
	UserCount int      `json:"user_count"`
	HostCount int      `json:"host_count"`
}

func (inc *incident) wire(base string) incidentWire {
	return incidentWire{
		IncidentID:             inc.id,
		CreationTime:           inc.created.UnixMilli(),
		ModificationTime:       inc.modified.UnixMilli(),
		Status:                 inc.status,
		Severity:               inc.severity,
		Description:            inc.description,
		AssignedUserMail:       nullable(inc.assignedUserMail),
		AssignedUserPrettyName: nullable(inc.assignedUserPretty),
		AlertCount:             inc.alertCount(),
		ResolveComment:         nullable(inc.resolveComment),
		ManualSeverity:         nullable(inc.manualSeverity),
		XDRURL:                 base + "/incident-view?caseId=" + inc.id,
		Users:                  append([]string{}, inc.users...),
		Hosts:                  inc.hosts(),
		UserCount:              len(inc.users),
		HostCount:              len(inc.hosts()),
	}
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// searchData is get_incidents' request_data (reference §4.6).
type searchData struct {
	Filters    []searchFilter `json:"filters"`
	SearchFrom *int           `json:"search_from"`
	SearchTo   *int           `json:"search_to"`
	Sort       *struct {
		Field   string `json:"field"`
		Keyword string `json:"keyword"`
	} `json:"sort"`
}

type searchFilter struct {
	Field    string          `json:"field"`
	Operator string          `json:"operator"`
	Value    json.RawMessage `json:"value"`
}

// maxResults is get_incidents' page limit (reference §6).
const maxResults = 100

// getIncidents serves get_incidents: filters are ANDed, the range is
// search_from..search_to (at most 100 results), newest first unless sort
// says otherwise.
func (s *Server) getIncidents(r *http.Request, data json.RawMessage, _ time.Time) (any, *apiError) {
	var req searchData
	if err := json.Unmarshal(data, &req); err != nil {
		return nil, errInvalidJSON(err.Error())
	}
	match, e := compileFilters(req.Filters)
	if e != nil {
		return nil, e
	}
	from, to := 0, maxResults
	if req.SearchFrom != nil {
		from = *req.SearchFrom
	}
	if req.SearchTo != nil {
		to = *req.SearchTo
	}
	if from < 0 || to < from {
		return nil, errBadRequest("search_from and search_to must satisfy 0 <= search_from <= search_to")
	}
	to = min(to, from+maxResults)
	field, desc := "creation_time", true
	if req.Sort != nil {
		field = cmp.Or(req.Sort.Field, field)
		switch strings.ToLower(req.Sort.Keyword) {
		case "asc":
			desc = false
		case "desc", "":
		default:
			return nil, errBadRequest("sort keyword must be asc or desc")
		}
		if field != "creation_time" && field != "modification_time" {
			return nil, errBadRequest("incidents can be sorted by creation_time or modification_time")
		}
	}

	base := s.baseURL(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []*incident
	for _, inc := range s.incidents {
		if match(inc) {
			found = append(found, inc)
		}
	}
	slices.SortStableFunc(found, func(a, b *incident) int {
		ta, tb := a.created, b.created
		if field == "modification_time" {
			ta, tb = a.modified, b.modified
		}
		if desc {
			return tb.Compare(ta)
		}
		return ta.Compare(tb)
	})
	page := found[min(from, len(found)):min(to, len(found))]
	out := make([]incidentWire, len(page))
	for i, inc := range page {
		out[i] = inc.wire(base)
	}
	return map[string]any{"reply": map[string]any{
		"total_count":  len(found),
		"result_count": len(out),
		"incidents":    out,
	}}, nil
}

// compileFilters turns get_incidents' filters into one predicate. The
// fields and operators are those of XDR's documentation; anything else
// is refused so that a client cannot rely on a filter XDR ignores.
func compileFilters(filters []searchFilter) (func(*incident) bool, *apiError) {
	var preds []func(*incident) bool
	for _, f := range filters {
		bad := errBadRequest(fmt.Sprintf("unsupported filter: field %q with operator %q", f.Field, f.Operator))
		switch {
		case f.Field == "incident_id_list" && f.Operator == "in":
			ids, err := stringList(f.Value)
			if err != nil {
				return nil, errBadRequest("incident_id_list takes a list of incident IDs")
			}
			preds = append(preds, func(inc *incident) bool { return slices.Contains(ids, inc.id) })
		case (f.Field == "creation_time" || f.Field == "modification_time") && (f.Operator == "gte" || f.Operator == "lte"):
			var ms int64
			if err := json.Unmarshal(f.Value, &ms); err != nil {
				return nil, errBadRequest(f.Field + " takes epoch milliseconds")
			}
			field, gte := f.Field, f.Operator == "gte"
			preds = append(preds, func(inc *incident) bool {
				t := inc.created.UnixMilli()
				if field == "modification_time" {
					t = inc.modified.UnixMilli()
				}
				return gte && t >= ms || !gte && t <= ms
			})
		case f.Field == "status" && (f.Operator == "eq" || f.Operator == "neq"):
			var st string
			if err := json.Unmarshal(f.Value, &st); err != nil {
				return nil, errBadRequest("status takes a string")
			}
			eq := f.Operator == "eq"
			preds = append(preds, func(inc *incident) bool { return (inc.status == st) == eq })
		case f.Field == "description" && f.Operator == "contains":
			var sub string
			if err := json.Unmarshal(f.Value, &sub); err != nil {
				return nil, errBadRequest("description takes a string")
			}
			preds = append(preds, func(inc *incident) bool { return strings.Contains(inc.description, sub) })
		default:
			return nil, bad
		}
	}
	return func(inc *incident) bool {
		for _, p := range preds {
			if !p(inc) {
				return false
			}
		}
		return true
	}, nil
}

// stringList decodes a JSON array whose items are strings or numbers
// (incident IDs come both ways).
func stringList(raw json.RawMessage) ([]string, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, err
	}
	out := make([]string, len(items))
	for i, it := range items {
		id, err := idString(it)
		if err != nil {
			return nil, err
		}
		out[i] = id
	}
	return out, nil
}

// idString decodes an incident ID sent as a string or a number.
func idString(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", err
	}
	return n.String(), nil
}

// updateIncident serves update_incident (reference §4.6). Missing
// update_data fields leave the incident as it is; a comment is added
// whatever the status, since XDR documents no refusal.
func (s *Server) updateIncident(_ *http.Request, data json.RawMessage, now time.Time) (any, *apiError) {
	var req struct {
		IncidentID json.RawMessage            `json:"incident_id"`
		UpdateData map[string]json.RawMessage `json:"update_data"`
	}
	if err := json.Unmarshal(data, &req); err != nil {
		return nil, errInvalidJSON(err.Error())
	}
	id, err := idString(req.IncidentID)
	if err != nil || id == "" {
		return nil, errBadRequest("incident_id is required")
	}
	if req.UpdateData == nil {
		return nil, errBadRequest("update_data is required")
	}
	apply, e := compileUpdate(req.UpdateData, now)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	inc := s.find(id)
	if inc == nil {
		return nil, errNotFound("Incident " + id + " does not exist")
	}
	before := len(inc.comments)
	apply(inc)
	inc.modified = now
	s.addCommentsLocked(inc, len(inc.comments)-before)
	return map[string]bool{"reply": true}, nil
}

// compileUpdate checks every update_data field before any is applied, so
// a bad field leaves the incident untouched.
func compileUpdate(fields map[string]json.RawMessage, now time.Time) (func(*incident), *apiError) {
	var steps []func(*incident)
	str := func(name string) (string, bool, *apiError) {
		raw, ok := fields[name]
		if !ok || string(raw) == "null" {
			return "", false, nil
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", false, errBadRequest(name + " must be a string")
		}
		return v, true, nil
	}
	if raw, ok := fields["comment"]; ok {
		var c struct {
			Action string `json:"comment_action"`
			Value  string `json:"value"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, errBadRequest("comment must be {comment_action, value}")
		}
		if c.Action != "add" {
			return nil, errBadRequest(`comment_action must be "add"`)
		}
		if strings.TrimSpace(c.Value) == "" {
			return nil, errBadRequest("comment value must not be empty")
		}
		steps = append(steps, func(inc *incident) { inc.comments = append(inc.comments, Comment{Text: c.Value, Time: now}) })
	}
	if v, ok, e := str("status"); e != nil {
		return nil, e
	} else if ok {
		if !slices.Contains(statuses, v) {
			return nil, errBadRequest(fmt.Sprintf("status %q is not one of %v", v, statuses))
		}
		steps = append(steps, func(inc *incident) { inc.status = v })
	}
	if v, ok, e := str("manual_severity"); e != nil {
		return nil, e
	} else if ok {
		if v != "" && !slices.Contains(incidentSeverities, v) {
			return nil, errBadRequest(fmt.Sprintf("manual_severity %q is not one of %v", v, incidentSeverities))
		}
		steps = append(steps, func(inc *incident) { inc.manualSeverity = v })
	}
	for _, f := range []struct {
		name string
		set  func(*incident, string)
	}{
		{"assigned_user_mail", func(inc *incident, v string) { inc.assignedUserMail = v }},
		{"assigned_user_pretty_name", func(inc *incident, v string) { inc.assignedUserPretty = v }},
		{"resolve_comment", func(inc *incident, v string) { inc.resolveComment = v }},
	} {
		v, ok, e := str(f.name)
		if e != nil {
			return nil, e
		}
		if ok {
			steps = append(steps, func(inc *incident) { f.set(inc, v) })
		}
	}
	return func(inc *incident) {
		for _, step := range steps {
			step(inc)
		}
	}, nil
}
