package delivery_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/delivery"
	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/rules"
	"github.com/idcmd/idcmd/store"
	"github.com/idcmd/idcmd/writeback"
)

// TestXDRAlertFields: every field of the alert an event raises, its
// marker tag read back as respond-to-incident does, and the result.
func TestXDRAlertFields(t *testing.T) {
	clk := newClock()
	st := openStore(t)
	srv, c := newXDR(t, clk, 0)
	e := oktaEvent("ev1")
	wbs := record(t, st, e, highDecision(e), alertWB())
	w := worker(st, clk, map[string]writeback.Target{rules.KindXDRAlert: delivery.NewXDRAlerts(st, c, nil)})
	runOnce(t, w)

	got := get(t, st, wbs[0].ID)
	if got.Status != store.WriteBackDelivered {
		t.Fatalf("status %s (%s)", got.Status, got.LastError)
	}
	alerts := srv.Alerts()
	if len(alerts) != 1 {
		t.Fatalf("%d alerts", len(alerts))
	}
	a := alerts[0]
	wantName := "Okta: new_country - jdoe@example.com"
	if a.Product != "idcmd" || a.Vendor != "Okta" || a.RemoteIP != "203.0.113.9" || a.RemoteIPv6 != "" || a.LocalIP != "0.0.0.0" ||
		a.LocalPort != 0 || a.RemotePort != 0 || a.EventTimestamp != occurred.UnixMilli() || a.Severity != "High" || a.AlertName != wantName {
		t.Errorf("alert = %+v", a)
	}
	for _, want := range []string{"Severity: high", "Event: user.session.start", "User: jdoe@example.com", "User ID: 00u1jdoe",
		"IP: 203.0.113.9", "Location: Lagos, Nigeria", "new_country: first sign-in from Nigeria", "idcmd event: okta:ev1",
		"GET /api/v1/events/ev1?provider=okta"} {
		if !strings.Contains(a.AlertDescription, want) {
			t.Errorf("description lacks %q: %s", want, a.AlertDescription)
		}
	}
	if strings.Contains(a.AlertDescription, "blast radius") {
		t.Errorf("no prisma_cloud route, yet a blast radius: %s", a.AlertDescription)
	}
	subj, ok := events.ParseTag(a.AlertDescription)
	if !ok || subj.Provider != "okta" || subj.UserID != "00u1jdoe" || subj.Login != "jdoe@example.com" {
		t.Errorf("marker = %+v, %v", subj, ok)
	}
	var res map[string]string
	if json.Unmarshal(got.Result, &res) != nil || res["alert_name"] != wantName {
		t.Errorf("result = %s", got.Result)
	}
}

// TestXDRAlertSeverityAndAddresses: critical goes as High and says
// critical; an IPv6 client goes in remote_ip_v6, none as 0.0.0.0, both
// named in the description; the type names the alert without findings.
func TestXDRAlertSeverityAndAddresses(t *testing.T) {
	clk := newClock()
	st := openStore(t)
	srv, c := newXDR(t, clk, 0)
	target := delivery.NewXDRAlerts(st, c, nil)
	cases := []struct {
		ip             string
		sev            rules.Severity
		wantV4, wantV6 string
		wantSev        string
		wantText       string
	}{
		{"2001:db8::7", rules.Critical, "", "2001:db8::7", "High", "Severity: critical (XDR's alert scale has no critical"},
		{"", rules.Info, "0.0.0.0", "", "Informational", "IP: none"},
		{"::ffff:198.51.100.4", rules.Medium, "198.51.100.4", "", "Medium", "Severity: medium"},
	}
	var wbs []store.WriteBack
	for i, tc := range cases {
		e := oktaEvent("sev" + string(rune('a'+i)))
		e.IP = tc.ip
		d := highDecision(e)
		d.Severity, d.Findings = tc.sev, nil
		wbs = append(wbs, record(t, st, e, d, alertWB())...)
	}
	for i, a := range target.DeliverBatch(context.Background(), wbs) {
		if a.Err != nil {
			t.Fatalf("case %d: %v", i, a.Err)
		}
	}
	alerts := srv.Alerts()
	for i, tc := range cases {
		a := alerts[i]
		if a.RemoteIP != tc.wantV4 || a.RemoteIPv6 != tc.wantV6 || a.Severity != tc.wantSev || !strings.Contains(a.AlertDescription, tc.wantText) {
			t.Errorf("case %d: %+v", i, a)
		}
		if a.AlertName != "Okta: user.session.start - jdoe@example.com" {
			t.Errorf("case %d: name %q", i, a.AlertName)
		}
	}
}

// TestXDRAlertsSplitBy60: one batch of 61 write-backs goes in two
// requests, 60 and 1 (XDR refuses more than 60 a request).
func TestXDRAlertsSplitBy60(t *testing.T) {
	clk := newClock()
	st := openStore(t)
	srv, c := newXDR(t, clk, 0)
	var wbs []store.WriteBack
	for i := range 61 {
		e := oktaEvent("split" + strings.Repeat("x", i%3) + string(rune('A'+i%26)) + string(rune('a'+i/26)))
		wbs = append(wbs, record(t, st, e, highDecision(e), alertWB())...)
	}
	for i, a := range delivery.NewXDRAlerts(st, c, nil).DeliverBatch(context.Background(), wbs) {
		if a.Err != nil {
			t.Fatalf("alert %d: %v", i, a.Err)
		}
	}
	perRequest := map[int]int{}
	for _, a := range srv.Alerts() {
		perRequest[a.Request]++
	}
	if len(perRequest) != 2 || perRequest[1] != 60 || perRequest[2] != 1 {
		t.Fatalf("alerts per request = %v, want 60 then 1", perRequest)
	}
}

// TestXDRAlertsRateLimitRetried: past the alerts a minute XDR answers 429;
// the alerts XDR took are delivered, the rest are retried by the worker
// (an attempt counted, not failed) and delivered once the minute is over.
func TestXDRAlertsRateLimitRetried(t *testing.T) {
	clk := newClock()
	st := openStore(t)
	srv, c := newXDR(t, clk, 60) // a tenant whose quota others use up
	var wbs []store.WriteBack
	for i := range 61 {
		e := oktaEvent("rl" + string(rune('A'+i%26)) + string(rune('a'+i/26)))
		wbs = append(wbs, record(t, st, e, highDecision(e), alertWB())...)
	}
	w := worker(st, clk, map[string]writeback.Target{rules.KindXDRAlert: delivery.NewXDRAlerts(st, c, nil)})
	if n := runOnce(t, w); n != 61 {
		t.Fatalf("claimed %d", n)
	}
	last := get(t, st, wbs[60].ID)
	if last.Status != store.WriteBackQueued || last.Attempts != 1 || !strings.Contains(last.LastError, "429") {
		t.Fatalf("61st: %s, %d attempts, %q; want queued for a retry after the 429", last.Status, last.Attempts, last.LastError)
	}
	if first := get(t, st, wbs[0].ID); first.Status != store.WriteBackDelivered {
		t.Fatalf("1st: %s", first.Status)
	}
	clk.Advance(2 * time.Minute)
	runOnce(t, w)
	if last = get(t, st, wbs[60].ID); last.Status != store.WriteBackDelivered {
		t.Fatalf("61st after the minute: %s (%s)", last.Status, last.LastError)
	}
	if n := len(srv.Alerts()); n != 61 {
		t.Fatalf("%d alerts in XDR, want 61 (each once)", n)
	}
}

// TestXDRAlertsInvalidBatchFails: a batch XDR refuses as invalid (400)
// fails for good with XDR's message; an event missing from the log fails
// alone.
func TestXDRAlertsInvalidBatchFails(t *testing.T) {
	clk := newClock()
	st := openStore(t)
	srv, c := newXDR(t, clk, 0)
	e := oktaEvent("bad1")
	wbs := record(t, st, e, highDecision(e), alertWB())
	orphan, err := st.EnqueueWriteBack(context.Background(), store.WriteBack{Platform: store.PlatformXDR, Kind: rules.KindXDRAlert,
		EventProvider: "okta", EventID: "gone"})
	if err != nil {
		t.Fatal(err)
	}
	srv.InjectStatus(1, 400)
	w := worker(st, clk, map[string]writeback.Target{rules.KindXDRAlert: delivery.NewXDRAlerts(st, c, nil)})
	runOnce(t, w)
	got := get(t, st, wbs[0].ID)
	if got.Status != store.WriteBackFailed || !strings.Contains(got.LastError, "Bad Request") {
		t.Fatalf("refused batch: %s %q, want failed with XDR's message", got.Status, got.LastError)
	}
	if o := get(t, st, orphan.ID); o.Status != store.WriteBackFailed || !strings.Contains(o.LastError, "not in the event log") {
		t.Fatalf("orphan: %s %q", o.Status, o.LastError)
	}
}
