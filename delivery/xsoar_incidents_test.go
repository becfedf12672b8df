package delivery_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idcmd/idcmd/delivery"
	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/providers/xsoar/xsoartest"
	"github.com/idcmd/idcmd/rules"
	"github.com/idcmd/idcmd/store"
	"github.com/idcmd/idcmd/writeback"
)

func labelsOf(in xsoartest.Incident) map[string]string {
	m := map[string]string{}
	for _, l := range in.Labels {
		m[l.Type] = l.Value
	}
	return m
}

// TestXSOARIncidentFields: the incident of an Okta event in the SOP's
// shape (name, type, severity, occurred, labels with idcmd's marker and
// event label, custom fields by machine name, rawJSON, investigation
// started), its first entry the SOP's description as a note, and the
// result.
func TestXSOARIncidentFields(t *testing.T) {
	clk := newClock()
	st := openStore(t)
	srv, c := newXSOAR(t, clk)
	e := oktaEvent("ev1")
	wbs := record(t, st, e, highDecision(e), incidentWB())
	w := worker(st, clk, map[string]writeback.Target{rules.KindXSOARIncident: delivery.NewXSOARIncidents(st, c, nil)})
	runOnce(t, w)

	got := get(t, st, wbs[0].ID)
	if got.Status != store.WriteBackDelivered {
		t.Fatalf("status %s (%s)", got.Status, got.LastError)
	}
	list := srv.Incidents()
	if len(list) != 1 {
		t.Fatalf("%d incidents", len(list))
	}
	in := list[0]
	if in.Name != "Okta: user.session.start - jdoe@example.com" || in.Type != "Authentication" || in.Severity != 3 ||
		!in.Occurred.Equal(occurred) || in.Status != xsoartest.StatusActive || in.PlaybookID != "" || in.RawJSON != string(e.Raw) {
		t.Errorf("incident = %+v", in)
	}
	wantLabels := map[string]string{"source": "Okta", "event_type": "user.session.start", "user_id": "00u1jdoe",
		"user_email": "jdoe@example.com", events.MarkerLabel: "okta:00u1jdoe", delivery.EventLabel: "okta:ev1"}
	if got := labelsOf(in); !mapsEqual(got, wantLabels) {
		t.Errorf("labels = %v, want %v", got, wantLabels)
	}
	if s, ok := events.ParseLabel(labelsOf(in)[events.MarkerLabel]); !ok || s.UserID != "00u1jdoe" {
		t.Errorf("marker label does not parse: %v", s)
	}
	wantFields := map[string]any{"oktaeventid": "ev1", "oktaeventtype": "user.session.start", "oktauserid": "00u1jdoe",
		"oktausername": "jdoe@example.com", "oktauseremail": "jdoe@example.com", "oktaipaddress": "203.0.113.9",
		"oktatimestamp": occurred.Format(time.RFC3339Nano), "oktaoutcome": "SUCCESS"}
	if len(in.CustomFields) != len(wantFields) {
		t.Errorf("custom fields = %v", in.CustomFields)
	}
	for k, v := range wantFields {
		if in.CustomFields[k] != v {
			t.Errorf("custom field %s = %v, want %v", k, in.CustomFields[k], v)
		}
	}
	entries := srv.Entries(in.InvestigationID)
	if len(entries) != 1 || !entries[0].Note {
		t.Fatalf("entries = %+v, want one note", entries)
	}
	for _, want := range []string{"# Okta Security Event", "- Event ID: ev1", "- IP Address: 203.0.113.9", "- Geographic Location: Lagos, Nigeria",
		"- User Agent: curl/8.0", "new_country: first sign-in from Nigeria", "- Severity: high (table: medium", "GET /api/v1/events/ev1?provider=okta",
		`"eventType": "user.session.start"`, "2. Review recent user activity in Okta"} {
		if !strings.Contains(entries[0].Markdown, want) {
			t.Errorf("first entry lacks %q:\n%s", want, entries[0].Markdown)
		}
	}
	var res map[string]string
	if json.Unmarshal(got.Result, &res) != nil || res["incident_id"] != in.ID || res["investigation_id"] != in.InvestigationID || got.RemoteID != in.ID {
		t.Errorf("result %s, remote %q", got.Result, got.RemoteID)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestXSOARIncidentTypeAndPlaybookPerEventType: the SOPs' incident type
// and (with playbooks triggered) playbook per event type, Okta's by type
// and PingOne's by the SOP name, the overrides first.
func TestXSOARIncidentTypeAndPlaybookPerEventType(t *testing.T) {
	cases := []struct {
		provider, typ string
		sop           []string
		wantType      string
		wantPlaybook  string
	}{
		{"okta", "user.account.lock", nil, "Identity Access Management", "Investigate Failed Authentication"},
		{"okta", "user.mfa.factor.attempt_fail", nil, "Authentication", "Investigate Failed Authentication"},
		{"okta", "user.lifecycle.delete", nil, "Identity Access Management", "Investigate User Deletion"},
		{"okta", "user.session.start", nil, "Authentication", "Investigate Suspicious Login"},
		{"okta", "user.authentication.sso", nil, "Authentication", "Investigate Suspicious Login"},
		{"okta", "application.user_membership.add", nil, "Access", "Generic Identity Investigation"},
		{"okta", "system.api_token.create", nil, "Unclassified", "Generic Identity Investigation"},
		{"okta", "user.lifecycle.suspend", nil, "Custom Suspend", "Suspend Playbook"}, // overridden
		{"pingone", "USER.LOCKED", []string{"USER_LOCKED"}, "Identity Access Management", "Investigate User Account Lock"},
		{"pingone", "OTP.CHECK_FAILED", []string{"MFA_VERIFY_FAILED"}, "Authentication", "Investigate Failed MFA"},
		{"pingone", "USER.DELETED", []string{"USER_DELETED"}, "Identity Access Management", "Investigate User Deletion"},
		{"pingone", "SESSION.CREATED", []string{"USER_LOGIN"}, "Authentication", "Investigate Suspicious Login"},
		{"pingone", "RISK_EVALUATION.CREATED", []string{"RISK_EVENT"}, "Identity Access Management", "Generic Identity Investigation"},
		{"pingone", "USER.CREATED", []string{"USER_CREATED"}, "Provisioning", "Generic Identity Investigation"}, // type overridden by SOP name
	}
	clk := newClock()
	st := openStore(t)
	srv, c := newXSOAR(t, clk)
	target := delivery.NewXSOARIncidents(st, c, nil,
		delivery.WithIncidentTypes(map[string]string{"user.lifecycle.suspend": "Custom Suspend", "USER_CREATED": "Provisioning"}),
		delivery.WithPlaybooks(map[string]string{"user.lifecycle.suspend": "Suspend Playbook"}))
	for i, tc := range cases {
		e := oktaEvent("pb" + string(rune('a'+i)))
		e.Provider, e.Type, e.SOPTypes = tc.provider, tc.typ, tc.sop
		wb := record(t, st, e, highDecision(e), incidentWB())[0]
		made, err := target.DeliverResult(context.Background(), wb)
		if err != nil {
			t.Fatalf("%s: %v", tc.typ, err)
		}
		in, _ := srv.Incident(made.RemoteID)
		if in.Type != tc.wantType || in.PlaybookID != tc.wantPlaybook {
			t.Errorf("%s %s: type %q playbook %q, want %q %q", tc.provider, tc.typ, in.Type, in.PlaybookID, tc.wantType, tc.wantPlaybook)
		}
		var res map[string]string
		if json.Unmarshal(made.Result, &res); res["playbook"] != tc.wantPlaybook {
			t.Errorf("%s: result %s", tc.typ, made.Result)
		}
		if tc.provider == "pingone" {
			prefix := "PingOne: " + tc.typ + " - "
			if !strings.HasPrefix(in.Name, prefix) || in.CustomFields["pingoneeventid"] != e.ID || in.CustomFields["oktaeventid"] != nil {
				t.Errorf("%s: name %q fields %v", tc.typ, in.Name, in.CustomFields)
			}
			if entries := srv.Entries(in.InvestigationID); len(entries) != 1 || !strings.Contains(entries[0].Markdown, "# PingOne Security Event") {
				t.Errorf("%s: entries %+v", tc.typ, entries)
			}
		}
	}
}

// TestXSOARIncidentRedeliveryFindsIt: an incident an earlier attempt
// created (its idcmd_event label) is not created again: the redelivery
// only adds the first entry to it.
func TestXSOARIncidentRedeliveryFindsIt(t *testing.T) {
	clk := newClock()
	st := openStore(t)
	srv, c := newXSOAR(t, clk)
	e := oktaEvent("ev1")
	wbs := record(t, st, e, highDecision(e), incidentWB())
	srv.AddIncidentWith(xsoartest.Incident{Name: "someone else's", Labels: []xsoartest.Label{{Type: delivery.EventLabel, Value: "okta:ev2"}}})
	earlier := srv.AddIncidentWith(xsoartest.Incident{Name: "Okta: user.session.start - jdoe@example.com", Status: xsoartest.StatusActive,
		Labels: []xsoartest.Label{{Type: delivery.EventLabel, Value: "okta:ev1"}}})
	made, err := delivery.NewXSOARIncidents(st, c, nil).DeliverResult(context.Background(), wbs[0])
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Incidents()); n != 2 || made.RemoteID != earlier {
		t.Fatalf("%d incidents, delivered to %q; want the earlier %s", n, made.RemoteID, earlier)
	}
	if entries := srv.Entries(earlier); len(entries) != 1 {
		t.Fatalf("entries of the earlier incident: %+v", entries)
	}
}

// failEntryOnce answers the first POST .../entry with a 503, as an XSOAR
// that created the incident and then failed.
type failEntryOnce struct{ done atomic.Bool }

func (f *failEntryOnce) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/entry") && f.done.CompareAndSwap(false, true) {
		return &http.Response{StatusCode: 503, Status: "503 Service Unavailable", Request: r,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(`{"error":"down"}`))}, nil
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestXSOARIncidentEntryRetriedAlone: when the first entry fails after
// the incident was created, the worker retries, and the retry finds the
// incident and adds only the entry.
func TestXSOARIncidentEntryRetriedAlone(t *testing.T) {
	clk := newClock()
	st := openStore(t)
	srv, c := newXSOARWith(t, clk, &http.Client{Transport: &failEntryOnce{}})
	e := oktaEvent("ev1")
	wbs := record(t, st, e, highDecision(e), incidentWB())
	w := worker(st, clk, map[string]writeback.Target{rules.KindXSOARIncident: delivery.NewXSOARIncidents(st, c, nil)})
	runOnce(t, w)
	got := get(t, st, wbs[0].ID)
	if got.Status != store.WriteBackQueued || !strings.Contains(got.LastError, "first entry") || len(srv.Incidents()) != 1 {
		t.Fatalf("after the failed entry: %s %q, %d incidents", got.Status, got.LastError, len(srv.Incidents()))
	}
	clk.Advance(10 * time.Minute)
	runOnce(t, w)
	got = get(t, st, wbs[0].ID)
	list := srv.Incidents()
	if got.Status != store.WriteBackDelivered || len(list) != 1 || got.RemoteID != list[0].ID {
		t.Fatalf("retry: %s %q, %d incidents", got.Status, got.LastError, len(list))
	}
	if entries := srv.Entries(list[0].InvestigationID); len(entries) != 1 {
		t.Fatalf("entries = %+v, want the one", entries)
	}
}
