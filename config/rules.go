package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/idcmd/idcmd/rules"
)

// RulesConfig is the event rules as configured: idcmd's rules section
// (severity overrides, detectors, group window) with the SOPs' keys —
// event_routing, the integrations' auto_create_incidents,
// severity_threshold and sync_events, and automated_responses — folded
// in. Every key it reads is acted on by the rules; an invalid one is an
// error naming it.
func (c Config) RulesConfig() (rules.Config, error) {
	r := c.Rules
	r.Routing = c.EventRouting
	x, s, p := c.Integrations.CortexXDR, c.Integrations.XSOAR, c.Integrations.PrismaCloud
	var errs []error
	threshold := func(key, v string) rules.Severity {
		if v == "" {
			return rules.Low
		}
		sev, err := rules.ParseSeverity(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("integrations.%s.severity_threshold: %w", key, err))
		}
		return sev
	}
	r.XDR = rules.Integration{Configured: x.Configured(), AutoCreate: x.AutoCreateIncidents, Threshold: threshold("cortex_xdr", x.SeverityThreshold)}
	r.XSOAR = rules.Integration{Configured: s.Configured(), AutoCreate: s.AutoCreateIncidents, Threshold: threshold("xsoar", s.SeverityThreshold)}
	r.Prisma = rules.Integration{Configured: p.Configured(), AutoCreate: p.SyncEvents, AutoCreateRisk: p.SyncRiskEvents}
	a := c.AutomatedResponses
	switch a.Scope {
	case "", "suspicious":
	case "all":
		r.Automation.AllEvents = true
	default:
		errs = append(errs, fmt.Errorf("automated_responses.scope: %q is not suspicious or all", a.Scope))
	}
	r.Automation.Enabled, r.Automation.DryRun = a.Enabled, a.DryRun
	r.Automation.Protected = a.ProtectedUsers
	r.Automation.RateLimit = rules.RateLimit{Max: a.RateLimit.Max, Window: a.RateLimit.Window}
	r.Automation.WaitForIncident = a.WaitForIncident
	r.Automation.Actions = map[string]rules.Action{}
	for name, act := range a.Actions {
		trigger := rules.Critical
		if act.TriggerSeverity != "" {
			sev, err := rules.ParseSeverity(act.TriggerSeverity)
			if err != nil {
				errs = append(errs, fmt.Errorf("automated_responses.actions.%s.trigger_severity: %w", name, err))
			}
			trigger = sev
		}
		r.Automation.Actions[name] = rules.Action{Trigger: trigger, RequireApproval: act.RequireApproval}
	}
	if len(s.Playbooks) > 0 && !s.TriggerPlaybooks {
		errs = append(errs, errors.New("integrations.xsoar.playbooks: set trigger_playbooks: true too, or the playbooks are not run"))
	}
	for i, u := range a.ProtectedUsers {
		if strings.TrimSpace(u) == "" {
			errs = append(errs, fmt.Errorf("automated_responses.protected_users[%d] is empty", i))
		}
	}
	if len(errs) > 0 {
		return r, errors.Join(errs...)
	}
	if err := r.Validate(); err != nil {
		return r, err
	}
	return r, nil
}
