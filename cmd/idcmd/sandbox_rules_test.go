package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/server"
)

// TestSandboxBurstEndsInAlertsIncidentsAndHeldSuspensions: in the sandbox,
// with its own rules (the SOPs' event half), an MFA fatigue attack from
// POST /sandbox/events/mfa_fatigue ends, for each provider, as XDR alerts,
// one XSOAR incident with the SOP's playbook, the sessions ended by
// automation and the suspension (Okta) or lock (PingOne) held for a
// person, told in the incident's war room on /sandbox/incidents.
func TestSandboxBurstEndsInAlertsIncidentsAndHeldSuspensions(t *testing.T) {
	a := startSandboxApp(t, "", t.TempDir())
	a.sb.registerHooks(context.Background(), strings.TrimPrefix(a.url, "http://"), a.cfg, server.NewLogger(io.Discard, "error"))
	resp, err := http.Post(a.url+"/sandbox/events/mfa_fatigue", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("burst: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(20 * time.Second)
	want := []string{"okta-suspend-user: held for approval", "pingone-lock-user: held for approval",
		"okta-clear-sessions: done", "pingone-terminate-sessions: done"}
	for {
		var held []string
		for _, inc := range a.sb.xsoar.Incidents() {
			for _, en := range a.sb.xsoar.Entries(inc.InvestigationID) {
				for _, w := range want {
					if strings.Contains(en.Markdown, w) {
						if inc.PlaybookID == "" {
							t.Errorf("incident %s (%s) runs no playbook", inc.ID, inc.Name)
						}
						held = append(held, w)
					}
				}
			}
		}
		if len(held) == len(want) && len(a.sb.xdr.Alerts()) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			b, _ := json.Marshal(a.sb.xsoar.Incidents())
			t.Fatalf("after the burst: %v of %v in the war rooms, %d XDR alerts; incidents %s", held, want, len(a.sb.xdr.Alerts()), b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	page, err := http.Get(a.url + "/sandbox/incidents")
	if err != nil {
		t.Fatal(err)
	}
	defer page.Body.Close()
	b, _ := io.ReadAll(page.Body)
	for _, s := range []string{"held for approval", "Cortex XDR alerts", "mfa_fatigue"} {
		if !strings.Contains(string(b), s) {
			t.Errorf("/sandbox/incidents does not show %q", s)
		}
	}
}
