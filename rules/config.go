package rules

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is everything the rules decide by: the severity tables, the
// detectors, the routes and the integrations' gates, the grouping of
// repeats and the automated responses. config builds it from the SOPs'
// keys (event_routing, integrations.*, automated_responses) and idcmd's
// own rules section.
type Config struct {
	// Severity overrides the SOPs' tables (DefaultSeverity), per provider
	// and event type (the provider's type or, for PingOne, the SOP's name).
	Severity map[string]map[string]Severity `yaml:"severity"`
	// GroupWindow is how long repeats of one cause for one user count in
	// the first one's incident (default 1h); 0 turns grouping off.
	GroupWindow time.Duration `yaml:"group_window"`
	// Detectors are the suspicious-sign-in rules.
	Detectors Detectors `yaml:"detectors"`
	// Lease is how long a replica stays the decider without renewing it
	// (default 30s): after a crash, another replica (or the restarted
	// process) decides once it runs out.
	Lease time.Duration `yaml:"lease"`

	// Routing is event_routing: event type → destinations.
	Routing map[string][]RouteRule `yaml:"-"`
	// XDR, XSOAR and Prisma are the integrations' gates.
	XDR, XSOAR, Prisma Integration `yaml:"-"`
	// Automation is automated_responses.
	Automation Automation `yaml:"-"`
}

// Integration is what the rules need of one integration.
type Integration struct {
	// Configured: idcmd has its URL and credentials.
	Configured bool
	// AutoCreate is auto_create_incidents: routes to it are taken (for
	// Prisma, sync_events).
	AutoCreate bool
	// AutoCreateRisk gates the routes of risk events instead (Prisma's
	// sync_risk_events); unused elsewhere.
	AutoCreateRisk bool
	// Threshold is severity_threshold: the least severity it gets.
	Threshold Severity
}

// RouteRule is one destination of an event_routing entry, with the
// condition the SOPs write as a comment ("only if suspicious", "only if
// HIGH or CRITICAL"). In YAML it is a destination name, or a mapping:
//
//	USER_LOGIN:
//	  - {to: cortex_xdr, suspicious: true}
//	RISK_EVENT:
//	  - {to: cortex_xdr, risk: [HIGH, CRITICAL]}
type RouteRule struct {
	To string `yaml:"to"`
	// Suspicious: only when a detector fired.
	Suspicious bool `yaml:"suspicious"`
	// Risk: only when the provider's own risk level is one of these.
	Risk []string `yaml:"risk"`
	// MinSeverity: only at or above this severity.
	MinSeverity *Severity `yaml:"min_severity"`
}

// UnmarshalYAML takes a bare destination name or the mapping.
func (r *RouteRule) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		r.To = n.Value
		return nil
	}
	type plain RouteRule
	var p plain
	dec := n.Decode
	if err := dec(&p); err != nil {
		return err
	}
	*r = RouteRule(p)
	return nil
}

// Automation is automated_responses: which actions answer which events,
// and the safety around them.
type Automation struct {
	// Enabled is the kill switch: false takes no response and runs none
	// of those already queued.
	Enabled bool
	// DryRun records what would have been done and does nothing.
	DryRun bool
	// AllEvents answers events no detector flagged too (scope: all);
	// by default only suspicious events are answered (scope: suspicious).
	AllEvents bool
	// Protected are accounts automation never touches (break-glass
	// admins): logins or provider ids, compared without case.
	Protected []string
	// RateLimit bounds the automated state changes per action; past it a
	// response is held for a person and an alert is raised.
	RateLimit RateLimit
	// WaitForIncident is how long a response waits for the XSOAR incident
	// it runs in before it runs without one (default 1m).
	WaitForIncident time.Duration
	// Actions are the actions by name (suspend_user, ...).
	Actions map[string]Action
}

// RateLimit is at most Max automated runs of one action in Window.
type RateLimit struct {
	Max    int
	Window time.Duration
}

// Action is one automated action's trigger.
type Action struct {
	Trigger         Severity
	RequireApproval bool
}

// actionCommands maps an action to the command it runs for each provider
// (reference: the commands package's automatedActions, which feeds the
// approval policy of automated runs).
var actionCommands = map[string]map[string]string{
	"suspend_user":       {"okta": "okta-suspend-user"},
	"lock_user":          {"pingone": "pingone-lock-user"},
	"clear_sessions":     {"okta": "okta-clear-sessions"},
	"terminate_sessions": {"pingone": "pingone-terminate-sessions"},
	"reset_password":     {"okta": "okta-reset-password", "pingone": "pingone-reset-password"},
	"disable_user":       {"pingone": "pingone-disable-user"},
	"deactivate_user":    {"okta": "okta-deactivate-user"},
	"contain_user":       {"okta": "contain-user", "pingone": "contain-user"},
}

// ActionCommand is the command action runs for provider's events, "" when
// it has none there (suspend_user for a PingOne event).
func ActionCommand(action, provider string) string { return actionCommands[action][provider] }

// Defaults is the rules with nothing configured: the SOPs' severity
// tables, every detector on with the SOPs' settings, a one-hour group
// window, no routes and no automation.
func Defaults() Config {
	return Config{GroupWindow: time.Hour, Detectors: DefaultDetectors(), Lease: 30 * time.Second,
		Automation: Automation{WaitForIncident: time.Minute, RateLimit: RateLimit{Max: 10, Window: 10 * time.Minute}}}
}

// Validate checks c; errors name the key.
func (c Config) Validate() error {
	var errs []error
	if c.GroupWindow < 0 {
		errs = append(errs, errors.New("rules.group_window must not be negative"))
	}
	if c.Lease != 0 && (c.Lease < 5*time.Second || c.Lease > 10*time.Minute) {
		errs = append(errs, errors.New("rules.lease must be between 5s and 10m"))
	}
	for p := range c.Severity {
		if p != "okta" && p != "pingone" {
			errs = append(errs, fmt.Errorf("rules.severity.%s: the provider is okta or pingone", p))
		}
	}
	if err := c.Detectors.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("rules.detectors.%w", err))
	}
	for typ, rules := range c.Routing {
		for i, r := range rules {
			key := fmt.Sprintf("event_routing.%s[%d]", typ, i)
			if !slices.Contains([]string{ToXDR, ToXSOAR, ToPrisma}, r.To) {
				errs = append(errs, fmt.Errorf("%s: %q is not cortex_xdr, xsoar or prisma_cloud", key, r.To))
			}
			for _, lvl := range r.Risk {
				if !slices.Contains([]string{"LOW", "MEDIUM", "HIGH", "CRITICAL"}, strings.ToUpper(lvl)) {
					errs = append(errs, fmt.Errorf("%s.risk: %q is not LOW, MEDIUM, HIGH or CRITICAL", key, lvl))
				}
			}
		}
	}
	a := c.Automation
	for name := range a.Actions {
		if _, ok := actionCommands[name]; !ok {
			known := make([]string, 0, len(actionCommands))
			for k := range actionCommands {
				known = append(known, k)
			}
			slices.Sort(known)
			errs = append(errs, fmt.Errorf("automated_responses.actions.%s: unknown action (known: %s)", name, strings.Join(known, ", ")))
		}
	}
	if a.RateLimit.Max < 0 || a.RateLimit.Window < 0 || (a.RateLimit.Max > 0) != (a.RateLimit.Window > 0) {
		errs = append(errs, errors.New("automated_responses.rate_limit: max and window are both positive, or both 0 (no limit)"))
	}
	if a.WaitForIncident < 0 || a.WaitForIncident > time.Hour {
		errs = append(errs, errors.New("automated_responses.wait_for_incident must be between 0 and 1h"))
	}
	return errors.Join(errs...)
}
