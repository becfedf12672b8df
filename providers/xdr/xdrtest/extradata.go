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

// Alert is one of an incident's alerts, as get_incident_extra_data returns
// it (CortexXDRIR's test data, get_incident_extra_data.json). Empty strings
// are sent as null, as XDR does.
type Alert struct {
	// ID is set by AddAlert: "1", "2", ... across the tenant.
	ID          string
	Name        string
	Description string
	// Severity is low, medium, high or critical; medium if empty.
	Severity string
	// Category (Malware, Credential Access, ...) and Source (XDR Agent,
	// XDR Analytics, a third-party product such as Okta).
	Category, Source string
	// UserName is DOMAIN\user for endpoint alerts and an e-mail or UPN for
	// identity ones; HostName and HostIP name the endpoint.
	UserName, HostName, HostIP string
	// Action is XDR's action (DETECTED, BLOCKED, ...) and ActionPretty its
	// display form; DETECTED and "Detected" if empty.
	Action, ActionPretty string
	// Time is the event's time; the fake's now if zero.
	Time time.Time
}

// AddAlert attaches an alert to an incident, as XDR's grouping would, and
// returns the alert's ID. The incident's hosts follow from its alerts'
// HostName; its users do not (see SetIncidentUsers). It panics on an
// unknown incident or severity, mistakes in the test.
//
// Alerts inserted with insert_parsed_alerts are not grouped into
// incidents: XDR's grouping (causality, stitching, time windows) is not
// faked; they are kept apart and listed by Alerts.
func (s *Server) AddAlert(incidentID string, a Alert) string {
	a.Severity = strings.ToLower(cmp.Or(a.Severity, "medium"))
	if !slices.Contains(incidentSeverities, a.Severity) {
		panic(fmt.Sprintf("xdrtest: AddAlert: severity %q is not one of %v", a.Severity, incidentSeverities))
	}
	a.Action, a.ActionPretty = cmp.Or(a.Action, "DETECTED"), cmp.Or(a.ActionPretty, "Detected")
	now := s.now()
	if a.Time.IsZero() {
		a.Time = now
	}
	a.Time = a.Time.UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	inc := s.find(incidentID)
	if inc == nil {
		panic("xdrtest: AddAlert: no incident " + strconv.Quote(incidentID))
	}
	s.lastAlert++
	a.ID = strconv.Itoa(s.lastAlert)
	inc.alerts = append(inc.alerts, a)
	inc.modified = now
	return a.ID
}

// SetIncidentUsers sets the users XDR attributed the incident to, its
// "users" list. XDR fills it from the alerts it can tie to a user, and
// leaves it empty when it cannot, even when an alert names a user in its
// user_name, so the fake keeps it apart from the alerts. It panics on an
// unknown incident.
func (s *Server) SetIncidentUsers(incidentID string, users ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inc := s.find(incidentID)
	if inc == nil {
		panic("xdrtest: SetIncidentUsers: no incident " + strconv.Quote(incidentID))
	}
	inc.users = slices.Clone(users)
}

// alertCount is the incident's alert_count. An incident made with
// AddIncident alone counts one alert, as every XDR incident has at least
// one; the fake just does not describe it.
func (inc *incident) alertCount() int { return max(1, len(inc.alerts)) }

// hosts are the distinct host names of the incident's alerts, in order;
// never nil.
func (inc *incident) hosts() []string {
	out := []string{}
	for _, a := range inc.alerts {
		if a.HostName != "" && !slices.Contains(out, a.HostName) {
			out = append(out, a.HostName)
		}
	}
	return out
}

// maxAlertsLimit is alerts_limit's maximum and its default (reference §4.6
// example; XDR documents 1000 as the most related alerts returned).
const maxAlertsLimit = 1000

// extraIncidentWire is the incident in get_incident_extra_data's reply:
// get_incidents' object plus the counts and lists of CortexXDRIR's test
// data.
type extraIncidentWire struct {
	incidentWire
	DetectionTime              *int64   `json:"detection_time"`
	LowSeverityAlertCount      int      `json:"low_severity_alert_count"`
	MedSeverityAlertCount      int      `json:"med_severity_alert_count"`
	HighSeverityAlertCount     int      `json:"high_severity_alert_count"`
	CriticalSeverityAlertCount int      `json:"critical_severity_alert_count"`
	Notes                      *string  `json:"notes"`
	ManualDescription          *string  `json:"manual_description"`
	IncidentSources            []string `json:"incident_sources"`
	AlertCategories            []string `json:"alert_categories"`
}

// extraAlertWire is an alert in reply.alerts.data.
type extraAlertWire struct {
	AlertID            string  `json:"alert_id"`
	DetectionTimestamp int64   `json:"detection_timestamp"`
	EventTimestamp     int64   `json:"event_timestamp"`
	Source             *string `json:"source"`
	Severity           string  `json:"severity"`
	Name               string  `json:"name"`
	Category           *string `json:"category"`
	Action             string  `json:"action"`
	ActionPretty       string  `json:"action_pretty"`
	Description        *string `json:"description"`
	HostIP             *string `json:"host_ip"`
	HostName           *string `json:"host_name"`
	UserName           *string `json:"user_name"`
	CaseID             int     `json:"case_id"`
	IsWhitelisted      bool    `json:"is_whitelisted"`
	Starred            bool    `json:"starred"`
}

// artifacts is reply.network_artifacts and reply.file_artifacts; the fake
// keeps no artifacts.
type artifacts struct {
	TotalCount int   `json:"total_count"`
	Data       []any `json:"data"`
}

// getIncidentExtraData serves get_incident_extra_data: the incident, its
// first alerts_limit alerts (oldest first) with their total, and empty
// artifact lists, within ExtraDataPerMinute requests a minute. Every
// request that passes authentication counts, malformed ones too.
func (s *Server) getIncidentExtraData(r *http.Request, data json.RawMessage, now time.Time) (any, *apiError) {
	s.mu.Lock()
	wait, ok := s.extraData.admit(now)
	s.mu.Unlock()
	if !ok {
		e := newAPIError(http.StatusTooManyRequests, "Too many requests",
			fmt.Sprintf("get_incident_extra_data accepts at most %d requests per minute", s.extraData.limit))
		e.retryAfter = wait
		return nil, e
	}
	var req struct {
		IncidentID  json.RawMessage `json:"incident_id"`
		AlertsLimit *int            `json:"alerts_limit"`
	}
	if err := json.Unmarshal(data, &req); err != nil {
		return nil, errInvalidJSON(err.Error())
	}
	id, err := idString(req.IncidentID)
	if err != nil || id == "" {
		return nil, errBadRequest("incident_id is required")
	}
	limit := maxAlertsLimit
	if req.AlertsLimit != nil {
		limit = *req.AlertsLimit
	}
	if limit < 1 || limit > maxAlertsLimit {
		return nil, errBadRequest(fmt.Sprintf("alerts_limit must be between 1 and %d", maxAlertsLimit))
	}

	base := s.baseURL(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	inc := s.find(id)
	if inc == nil {
		return nil, errNotFound("Incident " + id + " does not exist")
	}
	w := extraIncidentWire{incidentWire: inc.wire(base), IncidentSources: []string{}, AlertCategories: []string{}}
	alerts := make([]extraAlertWire, 0, min(limit, len(inc.alerts)))
	for i, a := range inc.alerts {
		switch a.Severity {
		case "low":
			w.LowSeverityAlertCount++
		case "medium":
			w.MedSeverityAlertCount++
		case "high":
			w.HighSeverityAlertCount++
		case "critical":
			w.CriticalSeverityAlertCount++
		}
		if a.Source != "" && !slices.Contains(w.IncidentSources, a.Source) {
			w.IncidentSources = append(w.IncidentSources, a.Source)
		}
		if a.Category != "" && !slices.Contains(w.AlertCategories, a.Category) {
			w.AlertCategories = append(w.AlertCategories, a.Category)
		}
		if i < limit {
			alerts = append(alerts, a.wire(inc.id))
		}
	}
	return map[string]any{"reply": map[string]any{
		"incident":          w,
		"alerts":            map[string]any{"total_count": len(inc.alerts), "data": alerts},
		"network_artifacts": artifacts{Data: []any{}},
		"file_artifacts":    artifacts{Data: []any{}},
	}}, nil
}

func (a *Alert) wire(incidentID string) extraAlertWire {
	caseID, _ := strconv.Atoi(incidentID)
	return extraAlertWire{
		AlertID:            a.ID,
		DetectionTimestamp: a.Time.UnixMilli(),
		EventTimestamp:     a.Time.UnixMilli(),
		Source:             nullable(a.Source),
		Severity:           a.Severity,
		Name:               a.Name,
		Category:           nullable(a.Category),
		Action:             a.Action,
		ActionPretty:       a.ActionPretty,
		Description:        nullable(a.Description),
		HostIP:             nullable(a.HostIP),
		HostName:           nullable(a.HostName),
		UserName:           nullable(a.UserName),
		CaseID:             caseID,
	}
}

// requestWindow enforces a requests-per-minute limit as a sliding window:
// no 60 seconds may hold more than limit admitted requests.
type requestWindow struct {
	limit int
	sent  []time.Time // oldest first
}

// admit counts a request at now if it fits. When it does not, it returns
// how long until the oldest request leaves the window, what Retry-After
// says.
func (w *requestWindow) admit(now time.Time) (time.Duration, bool) {
	cutoff := now.Add(-time.Minute)
	i := 0
	for i < len(w.sent) && !w.sent[i].After(cutoff) {
		i++
	}
	w.sent = w.sent[i:]
	if len(w.sent) >= w.limit {
		return max(time.Second, w.sent[0].Sub(cutoff)), false
	}
	w.sent = append(w.sent, now)
	return 0, true
}
