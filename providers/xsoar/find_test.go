package xsoar_test

import (
	"context"
	"testing"

	"github.com/idcmd/idcmd/providers/upstream"
	"github.com/idcmd/idcmd/providers/xsoar/xsoartest"
)

// TestFindIncidentsByLabel: only incidents with the label pair itself
// come back, not those with the type under one label and the value under
// another.
func TestFindIncidentsByLabel(t *testing.T) {
	f := newFixture(t, xsoartest.Options{}, nil)
	want := f.srv.AddIncidentWith(xsoartest.Incident{Name: "mine", Labels: []xsoartest.Label{{Type: "idcmd_event", Value: "okta:e1"}}})
	f.srv.AddIncidentWith(xsoartest.Incident{Name: "other", Labels: []xsoartest.Label{{Type: "idcmd_event", Value: "okta:e2"}, {Type: "user", Value: "okta:e1"}}})
	got, err := f.client.FindIncidentsByLabel(context.Background(), "idcmd_event", "okta:e1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != want || got[0].InvestigationID != want {
		t.Fatalf("found %+v, want incident %s alone", got, want)
	}
	if none, err := f.client.FindIncidentsByLabel(context.Background(), "idcmd_event", "okta:e3"); err != nil || len(none) != 0 {
		t.Fatalf("no match: %v, %v", none, err)
	}
	if _, err := f.client.FindIncidentsByLabel(context.Background(), "idcmd event", "x"); err == nil {
		t.Fatal("a type with a space was sent")
	}
}

// TestUpdateIncidentCustomFields: the fields given change, the others
// and the rest of the incident stay (the update is a full replace), and
// nil from change writes nothing.
func TestUpdateIncidentCustomFields(t *testing.T) {
	f := newFixture(t, xsoartest.Options{}, nil)
	id := f.srv.AddIncidentWith(xsoartest.Incident{Name: "n", Severity: 3, Details: "d", Status: xsoartest.StatusActive,
		Labels: []xsoartest.Label{{Type: "a", Value: "b"}}, CustomFields: map[string]any{"keep": "k", "idcmdcount": 1.0}})
	err := f.client.UpdateIncidentCustomFields(context.Background(), id, func(cur map[string]any) map[string]any {
		if cur["idcmdcount"] != 1.0 {
			t.Errorf("current fields %v", cur)
		}
		return map[string]any{"idcmdcount": 3}
	})
	if err != nil {
		t.Fatal(err)
	}
	in, _ := f.srv.Incident(id)
	if in.CustomFields["idcmdcount"] != 3.0 || in.CustomFields["keep"] != "k" || in.Name != "n" || in.Details != "d" || in.Severity != 3 || len(in.Labels) != 1 {
		t.Fatalf("incident after update: %+v", in)
	}
	version := in.Version
	if err := f.client.UpdateIncidentCustomFields(context.Background(), id, func(map[string]any) map[string]any { return nil }); err != nil {
		t.Fatal(err)
	}
	if in, _ := f.srv.Incident(id); in.Version != version {
		t.Fatal("nothing to change wrote anyway")
	}
	err = f.client.UpdateIncidentCustomFields(context.Background(), id, func(map[string]any) map[string]any { return map[string]any{"Idcmd Count": 1} })
	wantKind(t, err, upstream.Invalid)
}
