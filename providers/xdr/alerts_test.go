package xdr

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/idcmd/idcmd/providers/upstream"
)

func TestInsertRequestShape(t *testing.T) {
	var path string
	var body []byte
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path
		body, _ = io.ReadAll(r.Body)
		writeJSON(w, 200, `true`)
	}), nil)
	a := validAlert()
	a.LocalPort, a.RemotePort = 0, 443
	v6 := validAlert()
	v6.RemoteIP, v6.RemoteIPv6 = "", "2001:db8::7"

	if err := c.InsertParsedAlerts(context.Background(), []ParsedAlert{a, v6}); err != nil {
		t.Fatal(err)
	}
	if path != "/public_api/v1/alerts/insert_parsed_alerts/" {
		t.Errorf("path = %q", path)
	}
	var got any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	alert := func(remote map[string]any) map[string]any {
		m := map[string]any{
			"product": "idcmd", "vendor": "Okta", "local_ip": "0.0.0.0", "local_port": 0.0,
			"remote_port": 443.0, "event_timestamp": float64(a.EventTimestamp), "severity": "High",
			"alert_name": "MFA fatigue", "alert_description": "12 pushes denied",
		}
		for k, v := range remote {
			m[k] = v
		}
		return m
	}
	second := alert(map[string]any{"remote_ip_v6": "2001:db8::7", "remote_port": 0.0})
	want := map[string]any{"request_data": map[string]any{"alerts": []any{
		alert(map[string]any{"remote_ip": "203.0.113.7"}), second,
	}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

func TestInsertValidatesEveryAlertFirst(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*ParsedAlert)
		wantErr string
	}{
		{"no product", func(a *ParsedAlert) { a.Product = " " }, "product is required"},
		{"no vendor", func(a *ParsedAlert) { a.Vendor = "" }, "vendor is required"},
		{"no name", func(a *ParsedAlert) { a.AlertName = "" }, "alert_name is required"},
		{"lower-case severity", func(a *ParsedAlert) { a.Severity = "high" }, `severity "high" must be one of`},
		{"no severity", func(a *ParsedAlert) { a.Severity = "" }, "severity"},
		{"seconds", func(a *ParsedAlert) { a.EventTimestamp /= 1000 }, "epoch milliseconds"},
		{"no local ip", func(a *ParsedAlert) { a.LocalIP = "" }, "local_ip or local_ip_v6 is required"},
		{"v6 in v4 field", func(a *ParsedAlert) { a.RemoteIP = "2001:db8::1" }, "not an IPv4 address"},
		{"v4 in v6 field", func(a *ParsedAlert) { a.LocalIPv6 = "10.0.0.1" }, "not an IPv6 address"},
		{"garbage ip", func(a *ParsedAlert) { a.RemoteIP = "example.com" }, "not an IPv4 address"},
		{"port", func(a *ParsedAlert) { a.RemotePort = 70000 }, "remote_port 70000 is out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }), nil)
			bad := validAlert()
			tt.mod(&bad)
			alerts := []ParsedAlert{validAlert(), validAlert(), bad}
			err := c.InsertParsedAlerts(context.Background(), alerts)
			if !upstream.IsKind(err, upstream.Invalid) || !strings.Contains(err.Error(), "alert 2: ") || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want Invalid naming alert 2 and %q", err, tt.wantErr)
			}
			if hits.Load() != 0 {
				t.Errorf("%d requests sent, want none: a bad alert must stop the whole insert", hits.Load())
			}
		})
	}
}

func TestInsertNothingSendsNothing(t *testing.T) {
	var hits atomic.Int32
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }), nil)
	if err := c.InsertParsedAlerts(context.Background(), nil); err != nil || hits.Load() != 0 {
		t.Fatalf("err = %v, %d requests; want nil and none", err, hits.Load())
	}
}
