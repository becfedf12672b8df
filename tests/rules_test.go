package tests

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/xsoar/xsoartest"
	"github.com/idcmd/idcmd/rules"
)

// fatigueRules routes Okta's MFA failures to XDR and XSOAR when a
// detector flags them, with XSOAR's playbooks, and answers critical
// events with a suspension held for a person and high ones by ending the
// user's sessions.
func fatigueRules(c *config.Config) {
	flagged := []rules.RouteRule{{To: rules.ToXDR, Suspicious: true}, {To: rules.ToXSOAR, Suspicious: true}}
	c.EventRouting = map[string][]rules.RouteRule{
		"user.mfa.okta_verify.deny_push":   flagged,
		"user.authentication.auth_via_mfa": flagged,
	}
	c.Integrations.CortexXDR.AutoCreateIncidents = true
	c.Integrations.XSOAR.AutoCreateIncidents, c.Integrations.XSOAR.TriggerPlaybooks = true, true
	c.AutomatedResponses.Enabled = true
	c.AutomatedResponses.Actions = map[string]config.ResponseAction{
		"suspend_user":   {TriggerSeverity: "critical", RequireApproval: true},
		"clear_sessions": {TriggerSeverity: "high"},
	}
}

// decisionOf is GET /api/v1/events/{id}'s decision, once it is decided.
func (e *env) decisionOf(id string) map[string]any {
	e.t.Helper()
	var d map[string]any
	eventually(e.t, "the decision on "+id, func() bool {
		r := e.get("/api/v1/events/"+id+"?provider=okta", token(e.t, "events:read"))
		mustStatus(e.t, r, http.StatusOK)
		body := r.json(e.t)
		d, _ = body["decision"].(map[string]any)
		return body["decision_status"] == "decided"
	})
	return d
}

// TestMFAFatigueEndsInAlertIncidentAndHeldSuspension: an MFA fatigue
// burst through the Okta hook is decided once per event; the failure that
// makes it a burst raises one XDR alert and one XSOAR incident (with the
// SOP's playbook and the user's marker), the later failures count in
// that incident, the user's sessions are ended at once by automation and
// the suspension waits for a person. Delivered again, it changes nothing.
func TestMFAFatigueEndsInAlertIncidentAndHeldSuspension(t *testing.T) {
	e := newEnv(t, envOptions{xsoar: true, xdr: true, configure: fatigueRules})
	burst, err := e.okta.EmitBurst(oktatest.BurstMFAFatigue)
	if err != nil {
		t.Fatal(err)
	}
	delivery := oktaDelivery(t, burst...)
	mustStatus(t, e.hook("/okta/webhook", "application/json", oktaHookSecret, delivery), http.StatusNoContent)

	var failures []string
	for _, ev := range burst {
		if ev.EventType == "user.mfa.okta_verify.deny_push" || (ev.EventType == "user.authentication.auth_via_mfa" && ev.Outcome.Result == "FAILURE") {
			failures = append(failures, ev.UUID)
		}
	}
	if len(failures) != 8 {
		t.Fatalf("the burst has %d MFA failures, want 8", len(failures))
	}
	// The first four are not a burst yet: decided, not routed.
	first := e.decisionOf(failures[0])
	if first["suspicious"] != false || strings.Contains(fmt.Sprint(first["routes"]), "taken:true") {
		t.Errorf("first failure: %v", first)
	}
	fifth := e.decisionOf(failures[4])
	if fifth["severity"] != "critical" || !strings.Contains(fmt.Sprint(fifth["findings"]), "mfa_fatigue") {
		t.Fatalf("fifth failure: severity %v, findings %v", fifth["severity"], fifth["findings"])
	}
	eventually(t, "the XDR alert", func() bool { return len(e.xdr.Alerts()) == 1 })
	alert := e.xdr.Alerts()[0]
	if alert.Severity != "High" || !strings.Contains(alert.AlertDescription, "[idcmd user=okta:") || !strings.Contains(alert.AlertName, "mfa_fatigue") {
		t.Errorf("alert: %+v", alert)
	}
	var incident xsoartest.Incident
	eventually(t, "the XSOAR incident", func() bool {
		for _, in := range e.xsoar.Incidents() {
			if strings.HasPrefix(in.Name, "Okta: ") {
				incident = in
				return true
			}
		}
		return false
	})
	if incident.PlaybookID == "" || incident.Severity != 4 || !hasLabel(incident, "idcmd_user", "okta:") || !hasLabel(incident, "idcmd_event", "okta:"+failures[4]) {
		t.Errorf("incident: %+v", incident)
	}
	// The later failures are repeats: entries in the same incident.
	repeats := func() (n int) {
		for _, en := range e.xsoar.Entries(incident.ID) {
			if strings.Contains(en.Markdown, "Repeat") {
				n++
			}
		}
		return n
	}
	eventually(t, "the repeats counted in the incident", func() bool { return repeats() >= 3 })
	if n := repeats(); n != 3 {
		t.Errorf("%d repeat entries in the incident, want 3: %+v", n, e.xsoar.Entries(incident.ID))
	}
	// clear_sessions ran as automation, in the incident; suspend_user waits.
	auditor := tokenFor(t, "auditor", "audit:read")
	eventually(t, "the automated clear-sessions", func() bool {
		recs := asList(e.get("/api/v1/audit?subject=automation:clear_sessions", auditor).json(t)["records"])
		return len(recs) == 1 && recs[0].(map[string]any)["outcome"] == "success"
	})
	rec := asList(e.get("/api/v1/audit?subject=automation:clear_sessions", auditor).json(t)["records"])[0].(map[string]any)
	if rec["request_id"] != "event:okta:"+failures[4] || !strings.Contains(fmt.Sprint(rec["incident"]), incident.ID) {
		t.Errorf("audit record of the response: %v", rec)
	}
	approver := tokenFor(t, "lead", "commands:write", "commands:read")
	var pending []any
	eventually(t, "the held suspension", func() bool {
		pending = asList(e.get("/api/v1/approvals?status=pending", approver).json(t)["approvals"])
		return len(pending) == 1
	})
	if a := pending[0].(map[string]any); a["requester"] != "automation:suspend_user" || a["command"] != "okta-suspend-user" {
		t.Errorf("approval: %v", a)
	}

	// At least once: the same delivery again changes nothing.
	mustStatus(t, e.hook("/okta/webhook", "application/json", oktaHookSecret, delivery), http.StatusNoContent)
	e.decisionOf(failures[7])
	if n := len(e.xdr.Alerts()); n != 1 {
		t.Errorf("%d XDR alerts after the redelivery", n)
	}
	if n := len(asList(e.get("/api/v1/approvals?status=pending", approver).json(t)["approvals"])); n != 1 {
		t.Errorf("%d pending approvals after the redelivery", n)
	}
	if n := len(asList(e.get("/api/v1/audit?subject=automation:clear_sessions", auditor).json(t)["records"])); n != 1 {
		t.Errorf("%d automated clear-sessions after the redelivery", n)
	}
}

func hasLabel(in xsoartest.Incident, typ, valuePrefix string) bool {
	for _, l := range in.Labels {
		if l.Type == typ && strings.HasPrefix(l.Value, valuePrefix) {
			return true
		}
	}
	return false
}
