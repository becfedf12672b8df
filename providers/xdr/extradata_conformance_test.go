package xdr_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/upstream"
	"github.com/idcmd/idcmd/providers/xdr"
	"github.com/idcmd/idcmd/providers/xdr/xdrtest"
)

// TestConformanceIncidentExtraData reads the seeded incidents: identity
// incidents with users, one about a host only, and one whose only user is
// in an alert.
func TestConformanceIncidentExtraData(t *testing.T) {
	for _, mode := range keyModes {
		t.Run(mode.name, func(t *testing.T) {
			f := newFixture(t, xdrtest.Options{Advanced: mode.advanced}, nil)
			ctx := context.Background()
			alertUsers := func(d *xdr.IncidentDetail) []string {
				var out []string
				for _, a := range d.Alerts {
					out = append(out, a.UserName)
				}
				return out
			}

			mfa, err := f.client.GetIncidentExtraData(ctx, "1", 0)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(mfa.Incident.Users, []string{"jdoe@example.com"}) || mfa.Incident.Severity != "high" ||
				!slices.Equal(alertUsers(mfa), []string{"jdoe@example.com", "jdoe@example.com"}) || mfa.AlertsTotal != 2 {
				t.Errorf("incident 1: users %q, alerts' users %q, total %d", mfa.Incident.Users, alertUsers(mfa), mfa.AlertsTotal)
			}

			malware, err := f.client.GetIncidentExtraData(ctx, "5", 1)
			if err != nil {
				t.Fatal(err)
			}
			if malware.Incident.Users != nil || !slices.Equal(malware.Incident.Hosts, []string{"FIN-WS-042"}) ||
				len(malware.Alerts) != 1 || malware.AlertsTotal != 2 || malware.Alerts[0].UserName != "" ||
				malware.Alerts[0].HostName != "FIN-WS-042" || malware.Alerts[0].Category != "Malware" {
				t.Errorf("incident 5: %+v, alerts %+v", malware.Incident, malware.Alerts)
			}

			onlyAlert, err := f.client.GetIncidentExtraData(ctx, "6", 0)
			if err != nil {
				t.Fatal(err)
			}
			if onlyAlert.Incident.Users != nil || !slices.Equal(alertUsers(onlyAlert), []string{"mgarcia@example.com"}) {
				t.Errorf("incident 6: users %q, alerts' users %q", onlyAlert.Incident.Users, alertUsers(onlyAlert))
			}
			if got := onlyAlert.Alerts[0].Time; !got.Before(f.clock.Now()) || got.IsZero() {
				t.Errorf("alert time %v, want before now", got)
			}

			if _, err := f.client.GetIncidentExtraData(ctx, "99", 0); !upstream.IsKind(err, upstream.NotFound) {
				t.Errorf("unknown incident: %v, want NotFound", err)
			}
		})
	}
}

// TestConformanceExtraDataStaysUnderTheLimit: eleven calls in a minute
// against the fake's 10 a minute: the client waits for the 11th instead
// of earning a 429.
func TestConformanceExtraDataStaysUnderTheLimit(t *testing.T) {
	f := newFixture(t, xdrtest.Options{}, nil)
	before := f.srv.Requests()
	for i := range 11 {
		if _, err := f.client.GetIncidentExtraData(context.Background(), "1", 0); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	if n := f.srv.Requests() - before; n != 11 {
		t.Errorf("%d requests for 11 calls: the fake refused some", n)
	}
	if got := f.clock.Sleeps(); !slices.Equal(got, []time.Duration{time.Minute}) {
		t.Errorf("sleeps %v, want one wait of a minute before the 11th", got)
	}
}

// TestConformanceExtraData429: a key whose quota others share (the fake
// allows 2 a minute here) gets 429 with Retry-After; the client waits it
// out and retries.
func TestConformanceExtraData429(t *testing.T) {
	f := newFixture(t, xdrtest.Options{ExtraDataPerMinute: 2}, nil)
	for i := range 3 {
		if _, err := f.client.GetIncidentExtraData(context.Background(), "2", 0); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	if got := f.clock.Sleeps(); !slices.Equal(got, []time.Duration{time.Minute}) {
		t.Errorf("sleeps %v, want the fake's Retry-After of a minute", got)
	}
}
