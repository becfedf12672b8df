package xdrtest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// incidentIDs returns the IDs of a get_incidents reply, and its counts.
func incidentIDs(t *testing.T, body any) (ids []string, total, count float64) {
	t.Helper()
	reply := body.(map[string]any)["reply"].(map[string]any)
	for _, inc := range reply["incidents"].([]any) {
		ids = append(ids, inc.(map[string]any)["incident_id"].(string))
	}
	return ids, reply["total_count"].(float64), reply["result_count"].(float64)
}

func TestGetIncidents(t *testing.T) {
	s, clk := newTestServer(t, Options{})
	start := clk.Now()
	for i := range 5 {
		s.AddIncident(fmt.Sprintf("incident %d", i+1), "low")
		clk.Advance(time.Minute)
	}
	s.ResolveIncident("2")
	ms := func(d time.Duration) int64 { return start.Add(d).UnixMilli() }
	tests := []struct {
		name      string
		data      string
		want      []string
		wantTotal float64
	}{
		{"all, newest first", `{}`, []string{"5", "4", "3", "2", "1"}, 5},
		{"range", `{"search_from":1,"search_to":3}`, []string{"4", "3"}, 5},
		{"ids", `{"filters":[{"field":"incident_id_list","operator":"in","value":["3",1]}]}`, []string{"3", "1"}, 2},
		{"created since", fmt.Sprintf(`{"filters":[{"field":"creation_time","operator":"gte","value":%d}]}`, ms(3*time.Minute)), []string{"5", "4"}, 2},
		{"created until, ascending", fmt.Sprintf(`{"filters":[{"field":"creation_time","operator":"lte","value":%d}],"sort":{"field":"creation_time","keyword":"asc"}}`, ms(time.Minute)), []string{"1", "2"}, 2},
		{"modified latest", `{"sort":{"field":"modification_time","keyword":"desc"},"search_to":1}`, []string{"2"}, 5},
		{"status", `{"filters":[{"field":"status","operator":"eq","value":"resolved_other"}]}`, []string{"2"}, 1},
		{"filters are ANDed", `{"filters":[{"field":"status","operator":"neq","value":"resolved_other"},{"field":"description","operator":"contains","value":"incident 2"}]}`, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(t, s, pathGet, goodAuth(s), `{"request_data":`+tt.data+`}`)
			if status != 200 {
				t.Fatalf("status %d: %v", status, body)
			}
			ids, total, count := incidentIDs(t, body)
			if diff := cmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if total != tt.wantTotal || int(count) != len(ids) {
				t.Errorf("total_count %v, result_count %v; want %v, %d", total, count, tt.wantTotal, len(ids))
			}
		})
	}
}

func TestGetIncidentsShape(t *testing.T) {
	s, clk := newTestServer(t, Options{})
	s.AddIncident("Okta: MFA fatigue against jdoe@example.com", "HIGH")
	_, body := post(t, s, pathGet, goodAuth(s), `{"request_data":{"search_from":0,"search_to":1}}`)
	inc := body.(map[string]any)["reply"].(map[string]any)["incidents"].([]any)[0]
	ms := float64(clk.Now().UnixMilli())
	want := map[string]any{
		"incident_id": "1", "incident_name": nil, "creation_time": ms, "modification_time": ms,
		"status": "new", "severity": "high", "description": "Okta: MFA fatigue against jdoe@example.com",
		"assigned_user_mail": nil, "assigned_user_pretty_name": nil, "alert_count": 1.0,
		"resolve_comment": nil, "manual_severity": nil, "starred": false,
		"xdr_url": s.URL + "/incident-view?caseId=1",
		"users":   []any{}, "hosts": []any{}, "user_count": 0.0, "host_count": 0.0,
	}
	if diff := cmp.Diff(want, inc); diff != "" {
		t.Errorf("incident (-want +got):\n%s", diff)
	}
}

func TestGetIncidentsRefusesWhatXDRDoesNotOffer(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	for _, data := range []string{
		`{"filters":[{"field":"severity","operator":"eq","value":"high"}]}`,
		`{"filters":[{"field":"incident_id_list","operator":"eq","value":"1"}]}`,
		`{"filters":[{"field":"creation_time","operator":"gte","value":"yesterday"}]}`,
		`{"search_from":5,"search_to":1}`,
		`{"sort":{"field":"severity","keyword":"asc"}}`,
		`{"sort":{"field":"creation_time","keyword":"up"}}`,
	} {
		if status, body := post(t, s, pathGet, goodAuth(s), `{"request_data":`+data+`}`); status != 400 || errReply(body) == nil {
			t.Errorf("%s: %d %v, want 400 with an XDR error", data, status, body)
		}
	}
}

func TestGetIncidentsReturnsAtMost100(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	for range 120 {
		s.AddIncident("x", "low")
	}
	_, body := post(t, s, pathGet, goodAuth(s), `{"request_data":{"search_from":0,"search_to":500}}`)
	if ids, total, _ := incidentIDs(t, body); len(ids) != 100 || total != 120 {
		t.Errorf("%d incidents of %v, want 100 of 120", len(ids), total)
	}
}

func TestUpdateIncident(t *testing.T) {
	s, clk := newTestServer(t, Options{})
	id := s.AddIncident("x", "medium")
	created := clk.Now()
	clk.Advance(time.Minute)
	status, body := post(t, s, pathUpdate, goodAuth(s), `{"request_data":{"incident_id":"`+id+`","update_data":{
		"comment":{"comment_action":"add","value":"first"},
		"status":"under_investigation","manual_severity":"high",
		"assigned_user_mail":"soc@example.com","assigned_user_pretty_name":"SOC"}}}`)
	if status != 200 || !cmp.Equal(body, map[string]any{"reply": true}) {
		t.Fatalf("update = %d %v, want 200 {\"reply\": true}", status, body)
	}
	s.ResolveIncident(id)
	// A numeric incident_id, and a comment on a resolved incident.
	if status, body := post(t, s, pathUpdate, goodAuth(s), `{"request_data":{"incident_id":`+id+`,"update_data":{"comment":{"comment_action":"add","value":"after closing"}}}}`); status != 200 {
		t.Fatalf("comment on a resolved incident = %d %v, want 200", status, body)
	}
	got := s.Incidents()[0]
	want := Incident{ID: id, Description: "x", Severity: "medium", Status: "resolved_other", Created: created, Modified: clk.Now(),
		Comments: []Comment{{"first", clk.Now()}, {"after closing", clk.Now()}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("incident (-want +got):\n%s", diff)
	}
	_, list := post(t, s, pathGet, goodAuth(s), `{"request_data":{}}`)
	inc := list.(map[string]any)["reply"].(map[string]any)["incidents"].([]any)[0].(map[string]any)
	if inc["manual_severity"] != "high" || inc["assigned_user_mail"] != "soc@example.com" || inc["assigned_user_pretty_name"] != "SOC" {
		t.Errorf("incident after update = %v", inc)
	}
}

func TestUpdateIncidentRefusals(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	s.AddIncident("x", "low")
	tests := []struct {
		name, data string
		want       int
	}{
		{"unknown incident", `{"incident_id":"99","update_data":{"comment":{"comment_action":"add","value":"x"}}}`, 404},
		{"no incident", `{"update_data":{"comment":{"comment_action":"add","value":"x"}}}`, 400},
		{"no update_data", `{"incident_id":"1"}`, 400},
		{"other comment action", `{"incident_id":"1","update_data":{"comment":{"comment_action":"delete","value":"x"}}}`, 400},
		{"empty comment", `{"incident_id":"1","update_data":{"comment":{"comment_action":"add","value":" "}}}`, 400},
		{"comment not an object", `{"incident_id":"1","update_data":{"comment":"x"}}`, 400},
		{"bad status", `{"incident_id":"1","update_data":{"status":"closed"}}`, 400},
		{"bad severity", `{"incident_id":"1","update_data":{"manual_severity":"urgent"}}`, 400},
		{"one bad field spoils all", `{"incident_id":"1","update_data":{"comment":{"comment_action":"add","value":"x"},"status":"closed"}}`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(t, s, pathUpdate, goodAuth(s), `{"request_data":`+tt.data+`}`)
			if status != tt.want || errReply(body) == nil {
				t.Fatalf("%d %v, want %d with an XDR error", status, body, tt.want)
			}
		})
	}
	if got := s.Comments("1"); len(got) != 0 {
		t.Errorf("comments = %v after refused updates, want none", got)
	}
	if s.Comments("99") != nil {
		t.Error("Comments of an unknown incident should be nil")
	}
}

func TestSeedDemo(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	SeedDemo(s)
	var open, resolved []string
	for _, inc := range s.Incidents() {
		if inc.Status == "new" {
			open = append(open, inc.ID)
		} else {
			resolved = append(resolved, inc.ID)
		}
	}
	if !cmp.Equal(open, []string{"1", "2", "3", "5", "6"}) || !cmp.Equal(resolved, []string{"4"}) {
		t.Errorf("open %v, resolved %v; want 1-3, 5, 6 open and 4 resolved", open, resolved)
	}
	if s.Incidents()[0].Description != "Okta: MFA fatigue against jdoe@example.com" {
		t.Errorf("first incident = %+v", s.Incidents()[0])
	}
}
