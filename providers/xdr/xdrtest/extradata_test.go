package xdrtest

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const pathExtra = "/public_api/v1/incidents/get_incident_extra_data/"

// postRaw sends an authenticated request and returns the status, the
// headers and the decoded body.
func postRaw(t *testing.T, s *Server, path, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	goodAuth(s).apply(req.Header)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", raw, err)
	}
	return resp.StatusCode, resp.Header, v
}

func extraBody(id string, limit int) string {
	b, _ := json.Marshal(map[string]any{"request_data": map[string]any{"incident_id": id, "alerts_limit": limit}})
	return string(b)
}

func TestGetIncidentExtraDataShape(t *testing.T) {
	s, clk := newTestServer(t, Options{})
	id := s.AddIncident("Okta: MFA fatigue against jdoe@example.com", "high")
	s.SetIncidentUsers(id, "jdoe@example.com")
	at := clk.Now().Add(-time.Minute)
	s.AddAlert(id, Alert{Name: "MFA fatigue", Severity: "high", Category: "Credential Access", Source: "Okta",
		UserName: "jdoe@example.com", Time: at})
	s.AddAlert(id, Alert{Name: "Malware", Source: "XDR Agent", HostName: "WS-1", HostIP: "10.0.0.1",
		Action: "BLOCKED", ActionPretty: "Prevented (Blocked)", Time: at})

	status, _, body := postRaw(t, s, pathExtra, extraBody(id, 1))
	if status != 200 {
		t.Fatalf("status %d: %v", status, body)
	}
	reply := body["reply"].(map[string]any)
	inc := reply["incident"].(map[string]any)
	if inc["incident_id"] != id || inc["severity"] != "high" || inc["alert_count"] != 2.0 ||
		!cmp.Equal(inc["users"], []any{"jdoe@example.com"}) || !cmp.Equal(inc["hosts"], []any{"WS-1"}) ||
		inc["user_count"] != 1.0 || inc["host_count"] != 1.0 || inc["high_severity_alert_count"] != 1.0 ||
		!cmp.Equal(inc["incident_sources"], []any{"Okta", "XDR Agent"}) {
		t.Errorf("incident = %v", inc)
	}
	alerts := reply["alerts"].(map[string]any)
	if alerts["total_count"] != 2.0 {
		t.Errorf("total_count = %v, want 2 whatever alerts_limit", alerts["total_count"])
	}
	ms := float64(at.UnixMilli())
	want := []any{map[string]any{
		"alert_id": "1", "detection_timestamp": ms, "event_timestamp": ms, "source": "Okta", "severity": "high",
		"name": "MFA fatigue", "category": "Credential Access", "action": "DETECTED", "action_pretty": "Detected",
		"description": nil, "host_ip": nil, "host_name": nil, "user_name": "jdoe@example.com",
		"case_id": 1.0, "is_whitelisted": false, "starred": false,
	}}
	if diff := cmp.Diff(want, alerts["data"]); diff != "" {
		t.Errorf("alerts.data with alerts_limit 1 (-want +got):\n%s", diff)
	}
	empty := map[string]any{"total_count": 0.0, "data": []any{}}
	if !cmp.Equal(reply["network_artifacts"], empty) || !cmp.Equal(reply["file_artifacts"], empty) {
		t.Errorf("artifacts = %v, %v", reply["network_artifacts"], reply["file_artifacts"])
	}
}

func TestGetIncidentExtraDataRefusals(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	s.AddIncident("x", "low")
	for _, tt := range []struct {
		name, body string
		status     int
		extra      string
	}{
		{"unknown incident", extraBody("99", 10), 404, "Incident 99 does not exist"},
		{"no incident_id", `{"request_data":{"alerts_limit":10}}`, 400, "incident_id is required"},
		{"alerts_limit 0", extraBody("1", 0), 400, "alerts_limit"},
		{"alerts_limit over 1000", extraBody("1", 1001), 400, "alerts_limit"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := postRaw(t, s, pathExtra, tt.body)
			r := errReply(body)
			if status != tt.status || r == nil || r["err_code"] != float64(tt.status) || !strings.Contains(r["err_extra"].(string), tt.extra) {
				t.Errorf("%d %v; want %d with err_extra %q", status, body, tt.status, tt.extra)
			}
		})
	}
	// alerts_limit may be left out (1000).
	if status, _, body := postRaw(t, s, pathExtra, `{"request_data":{"incident_id":1}}`); status != 200 {
		t.Errorf("without alerts_limit, numeric id: %d %v", status, body)
	}
}

// TestGetIncidentExtraDataPerMinuteLimit: at most ExtraDataPerMinute
// requests in any 60 seconds; the next is 429 with XDR's error body and a
// Retry-After that is enough.
func TestGetIncidentExtraDataPerMinuteLimit(t *testing.T) {
	s, clk := newTestServer(t, Options{})
	s.AddIncident("x", "low")
	for i := range DefaultExtraDataPerMinute {
		if status, _, body := postRaw(t, s, pathExtra, extraBody("1", 10)); status != 200 {
			t.Fatalf("request %d: %d %v", i+1, status, body)
		}
		clk.Advance(2 * time.Second)
	}
	// 20 s after the first: the 11th is refused until the first is a
	// minute old, 40 s from now.
	status, h, body := postRaw(t, s, pathExtra, extraBody("1", 10))
	r := errReply(body)
	if status != 429 || r == nil || r["err_code"] != 429.0 || r["err_msg"] != "Too many requests" ||
		!strings.Contains(r["err_extra"].(string), "10 requests per minute") || h.Get("Retry-After") != "40" {
		t.Fatalf("11th request: %d, Retry-After %q, %v", status, h.Get("Retry-After"), body)
	}
	clk.Advance(39 * time.Second)
	if status, _, _ := postRaw(t, s, pathExtra, extraBody("1", 10)); status != 429 {
		t.Errorf("a second early: %d, want 429 (refused requests do not count, the window still holds 10)", status)
	}
	clk.Advance(time.Second)
	if status, _, body := postRaw(t, s, pathExtra, extraBody("1", 10)); status != 200 {
		t.Errorf("after Retry-After: %d %v", status, body)
	}
	// Unknown incidents count too: the limit is on the call.
	s2, _ := newTestServer(t, Options{ExtraDataPerMinute: 1})
	postRaw(t, s2, pathExtra, extraBody("99", 10))
	if status, _, _ := postRaw(t, s2, pathExtra, extraBody("99", 10)); status != 429 {
		t.Errorf("second request with a limit of 1: %d, want 429", status)
	}
}

// TestSeedDemoIncidentsAndAlerts checks the seed's stories at several
// clocks (times of day and a date change), since its alert times are
// relative to the seed time.
func TestSeedDemoIncidentsAndAlerts(t *testing.T) {
	type want struct {
		severity, status string
		users            []string
		alertUsers       []string // user_name of each alert, "" for none
		hosts            []string
	}
	wants := []want{
		{"high", "new", []string{"jdoe@example.com"}, []string{"jdoe@example.com", "jdoe@example.com"}, nil},
		{"medium", "new", []string{"kpatel@example.com"}, []string{"kpatel@example.com"}, nil},
		{"medium", "new", []string{"awong@example.com", `EXAMPLE\awong`}, []string{"awong@example.com", `EXAMPLE\awong`}, []string{"IT-WS-007"}},
		{"high", "resolved_other", []string{"bwilson@example.com"}, []string{"bwilson@example.com"}, nil},
		{"high", "new", nil, []string{"", ""}, []string{"FIN-WS-042"}},
		{"low", "new", nil, []string{"mgarcia@example.com"}, nil},
	}
	for _, at := range []time.Time{
		time.Date(2026, 3, 4, 0, 5, 0, 0, time.UTC),
		time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC),
	} {
		s := NewServer(Options{Now: func() time.Time { return at }})
		SeedDemo(s)
		got := s.Incidents()
		if len(got) != len(wants) {
			t.Fatalf("%v: %d incidents, want %d", at, len(got), len(wants))
		}
		for i, w := range wants {
			inc := got[i]
			var alertUsers, hosts []string
			for _, a := range inc.Alerts {
				alertUsers = append(alertUsers, a.UserName)
				if a.HostName != "" && !slices.Contains(hosts, a.HostName) {
					hosts = append(hosts, a.HostName)
				}
				if !a.Time.Before(at) || a.Time.Before(at.Add(-2*time.Hour)) {
					t.Errorf("%v: incident %s alert %s at %v, want within the 2 h before the seed", at, inc.ID, a.ID, a.Time)
				}
			}
			if inc.ID != string(rune('1'+i)) || inc.Severity != w.severity || inc.Status != w.status ||
				!slices.Equal(inc.Users, w.users) || !slices.Equal(alertUsers, w.alertUsers) || !slices.Equal(hosts, w.hosts) {
				t.Errorf("%v: incident %d = %s %s %s users %q alerts' users %q hosts %q; want %+v",
					at, i+1, inc.ID, inc.Severity, inc.Status, inc.Users, alertUsers, hosts, w)
			}
		}
		s.Close()
	}
}
