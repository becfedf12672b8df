package config

import (
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/rules"
)

// TestRulesConfigFoldsTheSOPsKeys: every key of the SOPs' event half is
// read into the rules — none is accepted and ignored.
func TestRulesConfigFoldsTheSOPsKeys(t *testing.T) {
	c, err := loadYAML(t, withProviders, `
event_routing:
  user.account.lock: [cortex_xdr, xsoar]
  USER_LOGIN:
    - {to: cortex_xdr, suspicious: true}
  RISK_EVENT:
    - {to: cortex_xdr, risk: [HIGH, CRITICAL]}
automated_responses:
  enabled: true
  dry_run: true
  scope: all
  protected_users: [breakglass@example.com]
  rate_limit: {max: 3, window: 5m}
  actions:
    suspend_user: {trigger_severity: critical, require_approval: true}
    clear_sessions: {trigger_severity: high}
integrations:
  xsoar:
    auto_create_incidents: true
    severity_threshold: high
    trigger_playbooks: true
  cortex_xdr:
    auto_create_incidents: true
    severity_threshold: medium
rules:
  group_window: 30m
  severity:
    okta: {user.session.start: low}
  detectors:
    mfa_fatigue: {enabled: true, count: 3, window: 5m, raises: critical}
`)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.RulesConfig()
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Routing["USER_LOGIN"]; len(got) != 1 || got[0].To != rules.ToXDR || !got[0].Suspicious {
		t.Errorf("USER_LOGIN route = %+v", got)
	}
	if got := r.Routing["RISK_EVENT"]; len(got) != 1 || strings.Join(got[0].Risk, ",") != "HIGH,CRITICAL" {
		t.Errorf("RISK_EVENT route = %+v", got)
	}
	if got := r.Routing["user.account.lock"]; len(got) != 2 || got[1].To != rules.ToXSOAR {
		t.Errorf("user.account.lock routes = %+v", got)
	}
	if !r.XSOAR.AutoCreate || r.XSOAR.Threshold != rules.High || !r.XDR.AutoCreate || r.XDR.Threshold != rules.Medium {
		t.Errorf("integration gates: xsoar %+v xdr %+v", r.XSOAR, r.XDR)
	}
	a := r.Automation
	if !a.Enabled || !a.DryRun || !a.AllEvents || a.Protected[0] != "breakglass@example.com" ||
		a.RateLimit != (rules.RateLimit{Max: 3, Window: 5 * time.Minute}) {
		t.Errorf("automation = %+v", a)
	}
	if a.Actions["suspend_user"] != (rules.Action{Trigger: rules.Critical, RequireApproval: true}) || a.Actions["clear_sessions"].Trigger != rules.High {
		t.Errorf("actions = %+v", a.Actions)
	}
	if r.GroupWindow != 30*time.Minute || r.Severity["okta"]["user.session.start"] != rules.Low {
		t.Errorf("rules section: window %v, severity %v", r.GroupWindow, r.Severity)
	}
	if m := r.Detectors.MFAFatigue; m.Count != 3 || m.Window != 5*time.Minute || m.Raises != rules.Critical {
		t.Errorf("mfa_fatigue = %+v", m)
	}
	// Keys not given keep the defaults.
	if r.Detectors.PasswordSpray != rules.DefaultDetectors().PasswordSpray {
		t.Errorf("password_spray = %+v, want the default", r.Detectors.PasswordSpray)
	}
}

// TestRulesConfigRefuses: a bad value of any of those keys is refused at
// start with the key named.
func TestRulesConfigRefuses(t *testing.T) {
	cases := map[string]struct{ yaml, want string }{
		"unknown destination":        {"event_routing:\n  user.account.lock: [splunk]\n", "event_routing.user.account.lock[0]: \"splunk\" is not"},
		"bad risk level":             {"event_routing:\n  RISK_EVENT:\n    - {to: cortex_xdr, risk: [SEVERE]}\n", "event_routing.RISK_EVENT[0].risk"},
		"bad trigger":                {"automated_responses:\n  actions:\n    suspend_user: {trigger_severity: urgent}\n", "automated_responses.actions.suspend_user.trigger_severity"},
		"unknown action":             {"automated_responses:\n  actions:\n    nuke_user: {trigger_severity: high}\n", "automated_responses.actions.nuke_user: unknown action"},
		"bad scope":                  {"automated_responses:\n  scope: everything\n", "automated_responses.scope"},
		"bad threshold":              {"integrations:\n  cortex_xdr:\n    severity_threshold: loud\n", "integrations.cortex_xdr.severity_threshold"},
		"half a rate limit":          {"automated_responses:\n  rate_limit: {max: 5, window: 0s}\n", "automated_responses.rate_limit"},
		"unknown rules key":          {"rules:\n  detectors:\n    mfa_fatigue: {treshold: 3}\n", "treshold"},
		"bad severity":               {"rules:\n  severity:\n    okta: {user.session.start: loud}\n", "loud"},
		"playbooks not triggered":    {"integrations:\n  xsoar:\n    playbooks: {user.account.lock: Lockout}\n", "integrations.xsoar.playbooks: set trigger_playbooks"},
		"sync_events without prisma": {"integrations:\n  prisma_cloud:\n    sync_events: true\n", "integrations.prisma_cloud.sync_events: needs the Prisma Cloud credentials"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := loadYAML(t, withProviders, tc.yaml)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}
