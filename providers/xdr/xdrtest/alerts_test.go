package xdrtest

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestInsertParsedAlerts(t *testing.T) {
	s, clk := newTestServer(t, Options{})
	status, body := post(t, s, pathInsert, goodAuth(s), alertsBody(2, alertJSON(`"action_status":"Reported","remote_ip_v6":"2001:db8::1"`)))
	if status != 200 || body != true {
		t.Fatalf("insert = %d %v, want 200 true", status, body)
	}
	got := s.Alerts()
	if len(got) != 2 {
		t.Fatalf("%d alerts, want 2", len(got))
	}
	want := ParsedAlertRecord{
		Product: "idcmd", Vendor: "Okta", LocalIP: "0.0.0.0", RemoteIP: "203.0.113.7", RemotePort: 443,
		RemoteIPv6: "2001:db8::1", EventTimestamp: 1772600767000, Severity: "Low", AlertName: "n",
		AlertDescription: "d", ActionStatus: "Reported", Request: 1, Received: clk.Now(),
	}
	if diff := cmp.Diff(want, got[0], cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Raw" }, cmp.Ignore())); diff != "" {
		t.Errorf("alert (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(got[0].Raw), `"remote_port":"443"`) {
		t.Errorf("Raw = %s, want the alert as sent", got[0].Raw)
	}
}

func TestInsertRefusesMoreThan60(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	status, body := post(t, s, pathInsert, goodAuth(s), alertsBody(61, alertJSON("")))
	r := errReply(body)
	if status != 400 || r["err_code"] != 400.0 || !strings.Contains(r["err_extra"].(string), "at most 60 alerts per request") {
		t.Fatalf("61 alerts = %d %v, want 400 naming the limit", status, body)
	}
	if status, _ := post(t, s, pathInsert, goodAuth(s), alertsBody(60, alertJSON(""))); status != 200 {
		t.Fatalf("60 alerts = %d, want 200", status)
	}
}

func TestInsertRefusesBadAlerts(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	for _, tt := range []struct{ name, alert string }{
		{"unknown field", alertJSON(`"alert_title":"x"`)},
		{"lower-case severity", alertJSON(`"severity":"low"`)},
		{"timestamp as a string", alertJSON(`"event_timestamp":"1772600767000"`)},
		{"fractional timestamp", alertJSON(`"event_timestamp":1.5`)},
		{"no product", alertJSON(`"product":""`)},
		{"no local address", alertJSON(`"local_ip":""`)},
		{"v6 in the v4 field", alertJSON(`"remote_ip":"2001:db8::1"`)},
		{"port out of range", alertJSON(`"local_port":70000`)},
		{"not an object", `"alert"`},
	} {
		status, body := post(t, s, pathInsert, goodAuth(s), alertsBody(1, tt.alert))
		if status != 400 || errReply(body) == nil {
			t.Errorf("%s: %d %v, want 400 with an XDR error", tt.name, status, body)
		}
	}
	if status, _ := post(t, s, pathInsert, goodAuth(s), `{"request_data":{"alerts":[]}}`); status != 400 {
		t.Errorf("no alerts: %d, want 400", status)
	}
	// One bad alert refuses the whole request.
	body := `{"request_data":{"alerts":[` + alertJSON("") + "," + alertJSON(`"severity":"Severe"`) + `]}}`
	if status, _ := post(t, s, pathInsert, goodAuth(s), body); status != 400 || len(s.Alerts()) != 0 {
		t.Errorf("mixed batch: %d with %d alerts kept, want 400 and none", status, len(s.Alerts()))
	}
}

func TestInsertPerMinuteLimit(t *testing.T) {
	s, clk := newTestServer(t, Options{AlertsPerMinute: 100})
	insert := func(n int) int {
		status, _ := post(t, s, pathInsert, goodAuth(s), alertsBody(n, alertJSON("")))
		return status
	}
	if insert(60) != 200 {
		t.Fatal("first 60 refused")
	}
	clk.Advance(30 * time.Second)
	if got := insert(41); got != 429 {
		t.Fatalf("101st alert within a minute: %d, want 429", got)
	}
	if insert(40) != 200 {
		t.Fatal("alerts 61-100 refused")
	}
	clk.Advance(30 * time.Second) // the first 60 leave the window
	if insert(60) != 200 {
		t.Fatal("60 more a minute after the first were refused")
	}
	if got := insert(1); got != 429 {
		t.Fatalf("over the limit again: %d, want 429", got)
	}
	if n := len(s.Alerts()); n != 160 {
		t.Errorf("%d alerts kept, want 160 (refused requests keep nothing)", n)
	}
	if last := s.Alerts()[159]; last.Request != 3 {
		t.Errorf("last alert came with request %d, want 3", last.Request)
	}
}
