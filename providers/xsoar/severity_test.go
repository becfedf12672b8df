package xsoar_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/upstream"
	"github.com/idcmd/idcmd/providers/xsoar"
)

// newIncident creates the incident the severity tests change.
func newIncident(t *testing.T, c *xsoar.Client) string {
	t.Helper()
	id, err := c.CreateIncident(context.Background(), xsoar.NewIncident{
		Name: "Okta: suspicious sign-in jdoe@example.com", Type: "Okta Identity", Severity: xsoar.SeverityHigh,
		Details: "sign-in from a new country", Occurred: time.Date(2026, 3, 4, 4, 0, 0, 0, time.UTC),
		Labels:       []xsoar.Label{{Type: "user", Value: "jdoe@example.com"}},
		CustomFields: map[string]any{"oktauserid": "00u1abc"}, CreateInvestigation: true,
		RawJSON: `{"eventType":"user.session.start"}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestSetIncidentSeverity: only the severity changes, every other field
// the incident had is kept (the update is a full replace), the version
// moves on, and setting the same severity again sends no write.
func TestSetIncidentSeverity(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			f := newFixture(t, m.opts, nil)
			ctx := context.Background()
			id := newIncident(t, f.client)
			before, err := f.client.GetIncident(ctx, id)
			if err != nil || before.Version != 1 {
				t.Fatalf("GetIncident = %+v, %v; want version 1", before, err)
			}
			if err := f.client.SetIncidentSeverity(ctx, id, xsoar.SeverityCritical); err != nil {
				t.Fatal(err)
			}
			after, err := f.client.GetIncident(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if after.Severity != xsoar.SeverityCritical || after.Version != 2 || after.Name != before.Name ||
				after.Type != before.Type || after.Details != before.Details || len(after.Labels) != 1 ||
				after.Labels[0] != before.Labels[0] || after.CustomFields["oktauserid"] != "00u1abc" ||
				after.RawJSON != before.RawJSON || !after.Occurred.Equal(before.Occurred) ||
				!after.Created.Equal(before.Created) || after.Status != before.Status {
				t.Errorf("after SetIncidentSeverity:\n%+v\nbefore:\n%+v", after, before)
			}
			n := f.srv.Requests()
			if err := f.client.SetIncidentSeverity(ctx, id, xsoar.SeverityCritical); err != nil {
				t.Fatal(err)
			}
			if got := f.srv.Requests() - n; got != 1 {
				t.Errorf("same severity again: %d requests, want the read only", got)
			}
			if in, _ := f.srv.Incident(id); in.Version != 2 {
				t.Errorf("version %d after a no-op, want 2", in.Version)
			}
		})
	}
}

func TestSetIncidentSeverityRefusals(t *testing.T) {
	f := newFixture(t, modes[0].opts, nil)
	ctx := context.Background()
	n := f.srv.Requests()
	wantKind(t, f.client.SetIncidentSeverity(ctx, "1", 5), upstream.Invalid)
	wantKind(t, f.client.SetIncidentSeverity(ctx, "", xsoar.SeverityLow), upstream.Invalid)
	if f.srv.Requests() != n {
		t.Error("refused input was sent")
	}
	wantKind(t, f.client.SetIncidentSeverity(ctx, "999", xsoar.SeverityLow), upstream.NotFound)
}

// rivalFixture puts a proxy before the fake that, before each of the
// first rivals writes to POST /incident, has another client change the
// incident's severity, so the write carries a stale version.
func rivalFixture(t *testing.T, rivals int32) (*fixture, *xsoar.Client, string) {
	t.Helper()
	f := newFixture(t, modes[0].opts, nil)
	direct := f.client
	id := newIncident(t, direct)
	var left atomic.Int32
	left.Store(rivals)
	severities := []float64{xsoar.SeverityLow, xsoar.SeverityMedium}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/incident") {
			if n := left.Add(-1); n >= 0 {
				if err := direct.SetIncidentSeverity(r.Context(), id, severities[n%2]); err != nil {
					t.Errorf("rival write: %v", err)
				}
			}
		}
		f.srv.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	cfg := xsoar.Config{BaseURL: proxy.URL, APIKey: f.srv.APIKey, Version: "test"}
	return f, newClient(t, cfg, f.clock), id
}

// TestSetIncidentSeverityRetriesAVersionConflict: a write that lost the
// race to another one is refused as a DB version conflict; the client
// reads the incident again and writes once more, on top of the other
// change.
func TestSetIncidentSeverityRetriesAVersionConflict(t *testing.T) {
	f, c, id := rivalFixture(t, 1)
	if err := c.SetIncidentSeverity(context.Background(), id, xsoar.SeverityCritical); err != nil {
		t.Fatal(err)
	}
	in, _ := f.srv.Incident(id)
	if in.Severity != xsoar.SeverityCritical || in.Version != 3 {
		t.Errorf("incident = severity %v version %d; want 4 at version 3 (the rival's write, then ours)", in.Severity, in.Version)
	}
}

// TestSetIncidentSeverityGivesUpAfterTwoConflicts: one retry only; a
// second conflict is Contended (not Conflict: nothing forbids the edit,
// so a write-back retries it) with CodeVersionConflict, and nothing of
// ours was written.
func TestSetIncidentSeverityGivesUpAfterTwoConflicts(t *testing.T) {
	f, c, id := rivalFixture(t, 2)
	err := c.SetIncidentSeverity(context.Background(), id, xsoar.SeverityCritical)
	if ue := wantKind(t, err, upstream.Contended); ue.Code != xsoar.CodeVersionConflict {
		t.Errorf("code = %q, want %q", ue.Code, xsoar.CodeVersionConflict)
	}
	if in, _ := f.srv.Incident(id); in.Severity == xsoar.SeverityCritical || in.Version != 3 {
		t.Errorf("incident = severity %v version %d; want the rivals' two writes only", in.Severity, in.Version)
	}
}
