package xdrtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxAlertsPerRequest is insert_parsed_alerts' limit per request
// (reference §6).
const maxAlertsPerRequest = 60

// alertSeverities are the severities the fake accepts; the reference
// lists them as likely (§4.6).
var alertSeverities = []string{"Informational", "Low", "Medium", "High", "Unknown"}

// ParsedAlertRecord is one alert insert_parsed_alerts accepted, as sent.
type ParsedAlertRecord struct {
	Product, Vendor       string
	LocalIP               string
	LocalPort             int
	RemoteIP              string
	RemotePort            int
	LocalIPv6, RemoteIPv6 string
	// EventTimestamp is epoch milliseconds, as sent.
	EventTimestamp   int64
	Severity         string
	AlertName        string
	AlertDescription string
	ActionStatus     string
	// Request numbers the accepted insert_parsed_alerts requests from 1, so
	// tests can see how a client split its alerts.
	Request int
	// Received is the fake's time when the request arrived.
	Received time.Time
	// Raw is the alert's JSON exactly as the client sent it.
	Raw json.RawMessage
}

// Alerts returns every alert insert_parsed_alerts accepted and the
// retention kept, in order.
func (s *Server) Alerts() []ParsedAlertRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retainAlertsLocked(s.now())
	return slices.Clone(s.alerts)
}

// alertWire is one alert on the wire: exactly the fields of reference
// §4.6. Ports come as numbers or, as XSOAR's tests send them, strings.
type alertWire struct {
	Product          string          `json:"product"`
	Vendor           string          `json:"vendor"`
	LocalIP          string          `json:"local_ip"`
	LocalPort        json.RawMessage `json:"local_port"`
	RemoteIP         string          `json:"remote_ip"`
	RemotePort       json.RawMessage `json:"remote_port"`
	EventTimestamp   json.RawMessage `json:"event_timestamp"`
	Severity         string          `json:"severity"`
	AlertName        string          `json:"alert_name"`
	AlertDescription string          `json:"alert_description"`
	ActionStatus     string          `json:"action_status"`
	LocalIPv6        string          `json:"local_ip_v6"`
	RemoteIPv6       string          `json:"remote_ip_v6"`
}

// insertParsedAlerts serves insert_parsed_alerts: 1 to 60 valid alerts,
// accepted all together or not at all, within the per-minute limit.
// The answer is a bare true (reference §3).
func (s *Server) insertParsedAlerts(_ *http.Request, data json.RawMessage, now time.Time) (any, *apiError) {
	var req struct {
		Alerts []json.RawMessage `json:"alerts"`
	}
	if err := json.Unmarshal(data, &req); err != nil {
		return nil, errInvalidJSON(err.Error())
	}
	switch n := len(req.Alerts); {
	case n == 0:
		return nil, errBadRequest("alerts must hold at least one alert")
	case n > maxAlertsPerRequest:
		return nil, errBadRequest(fmt.Sprintf("insert_parsed_alerts accepts at most %d alerts per request, got %d", maxAlertsPerRequest, n))
	}
	records := make([]ParsedAlertRecord, len(req.Alerts))
	for i, raw := range req.Alerts {
		rec, err := parseAlert(raw)
		if err != nil {
			return nil, errBadRequest(fmt.Sprintf("alert %d: %v", i, err))
		}
		rec.Received = now
		records[i] = rec
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.window.admit(len(records), now) {
		return nil, errTooManyAlerts(s.window.limit)
	}
	s.inserts++
	for i := range records {
		records[i].Request = s.inserts
	}
	s.alerts = append(s.alerts, records...)
	s.retainAlertsLocked(now)
	return true, nil
}

// parseAlert decodes and checks one alert.
func parseAlert(raw json.RawMessage) (ParsedAlertRecord, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields() // a misspelt field would otherwise vanish
	var w alertWire
	if err := dec.Decode(&w); err != nil {
		return ParsedAlertRecord{}, err
	}
	rec := ParsedAlertRecord{
		Product: w.Product, Vendor: w.Vendor,
		LocalIP: w.LocalIP, RemoteIP: w.RemoteIP, LocalIPv6: w.LocalIPv6, RemoteIPv6: w.RemoteIPv6,
		Severity: w.Severity, AlertName: w.AlertName, AlertDescription: w.AlertDescription,
		ActionStatus: w.ActionStatus,
		Raw:          slices.Clone(raw),
	}
	for _, f := range []struct{ name, v string }{{"product", w.Product}, {"vendor", w.Vendor}, {"alert_name", w.AlertName}} {
		if strings.TrimSpace(f.v) == "" {
			return rec, fmt.Errorf("%s is required", f.name)
		}
	}
	if !slices.Contains(alertSeverities, w.Severity) {
		return rec, fmt.Errorf("severity %q is not one of %v", w.Severity, alertSeverities)
	}
	ts, err := strconv.ParseInt(string(w.EventTimestamp), 10, 64)
	if err != nil || ts <= 0 {
		return rec, fmt.Errorf("event_timestamp must be epoch milliseconds as an integer")
	}
	rec.EventTimestamp = ts
	if rec.LocalPort, err = parsePort("local_port", w.LocalPort); err != nil {
		return rec, err
	}
	if rec.RemotePort, err = parsePort("remote_port", w.RemotePort); err != nil {
		return rec, err
	}
	for _, side := range []struct{ name, v4, v6 string }{
		{"local", w.LocalIP, w.LocalIPv6}, {"remote", w.RemoteIP, w.RemoteIPv6},
	} {
		if err := checkAddrs(side.name, side.v4, side.v6); err != nil {
			return rec, err
		}
	}
	return rec, nil
}

// parsePort reads a port sent as a number or a numeric string; a missing
// port is 0.
func parsePort(name string, raw json.RawMessage) (int, error) {
	s := string(bytes.TrimSpace(raw))
	if s == "" || s == "null" {
		return 0, nil
	}
	s = strings.Trim(s, `"`)
	p, err := strconv.Atoi(s)
	if err != nil || p < 0 || p > 65535 {
		return 0, fmt.Errorf("%s must be a port number", name)
	}
	return p, nil
}

// checkAddrs requires an address of the right family in the IPv4 field,
// the IPv6 field or both.
func checkAddrs(side, v4, v6 string) error {
	if v4 == "" && v6 == "" {
		return fmt.Errorf("%s_ip or %s_ip_v6 is required", side, side)
	}
	if ip, err := netip.ParseAddr(v4); v4 != "" && (err != nil || !ip.Is4()) {
		return fmt.Errorf("%s_ip %q is not an IPv4 address", side, v4)
	}
	if ip, err := netip.ParseAddr(v6); v6 != "" && (err != nil || !ip.Is6()) {
		return fmt.Errorf("%s_ip_v6 %q is not an IPv6 address", side, v6)
	}
	return nil
}

// alertWindow enforces the per-minute limit as a sliding window: no 60
// seconds may hold more than limit alerts.
type alertWindow struct {
	limit int
	sent  []windowEntry // oldest first
}

type windowEntry struct {
	at time.Time
	n  int
}

// admit counts n alerts at now if they fit and reports whether they did.
func (w *alertWindow) admit(n int, now time.Time) bool {
	cutoff := now.Add(-time.Minute)
	i := 0
	for i < len(w.sent) && !w.sent[i].at.After(cutoff) {
		i++
	}
	w.sent = w.sent[i:]
	used := 0
	for _, e := range w.sent {
		used += e.n
	}
	if used+n > w.limit {
		return false
	}
	w.sent = append(w.sent, windowEntry{at: now, n: n})
	return true
}
