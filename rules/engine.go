package rules

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/store"
)

// Engine decides events one at a time, in arrival order, remembering what
// the detectors need (sign-in history, bursts), the open groups and the
// automated runs of the rate limit. It is not safe for concurrent use:
// one decider owns it.
type Engine struct {
	cfg       Config
	detectors []Detector
	mem       *Memory
	groups    map[string]*openGroup
	// lookupGroup finds a group the engine does not remember (decided
	// before this engine started); nil finds none.
	lookupGroup func(key string, since time.Time) (*openGroup, error)
	// lookupErr is the first failed lookup since the decider last looked.
	lookupErr error
	// runs are the times of the automated runs per action, for the rate
	// limit.
	runs map[string][]time.Time
	// alerted is when the rate limit last raised its alert: once per
	// window, not once per held response.
	alerted time.Time
	now     func() time.Time
}

// openGroup is a group the engine remembers: the group, and the delivery
// that creates its XSOAR incident ("" when it raised none).
type openGroup struct {
	Group
	xsoar string
}

// NewEngine builds an engine for cfg. dir answers the privileged-user
// detector; nil leaves it unknown (the detector does not fire).
func NewEngine(cfg Config, dir Directory) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ds, err := cfg.Detectors.build(dir)
	if err != nil {
		return nil, fmt.Errorf("rules.detectors.%w", err)
	}
	return &Engine{cfg: cfg, detectors: ds, mem: NewMemory(cfg.Detectors), groups: map[string]*openGroup{},
		runs: map[string][]time.Time{}, now: time.Now}, nil
}

// Remember feeds an event decided before this engine started into the
// detectors' memory, without deciding it.
func (e *Engine) Remember(ev events.Event) { e.mem.Observe(ev) }

// rememberRun records an automated run of action at t (one queued before
// this engine started), for the rate limit.
func (e *Engine) rememberRun(action string, t time.Time) { e.runs[action] = append(e.runs[action], t) }

// Decide decides ev and returns the decision and the deliveries it makes
// (store write-backs with their ids chosen, so the decision names them).
// It remembers ev for the events after it.
func (e *Engine) Decide(ev events.Event) (Decision, []store.WriteBack) {
	now := e.now().UTC()
	d := Decision{Provider: ev.Provider, EventID: ev.ID, Type: ev.Type, User: ev.User, UserID: ev.UserID, Decided: now}
	d.BaseSeverity, d.SeverityRule = e.cfg.baseSeverity(ev)
	d.Severity = d.BaseSeverity
	if ev.Rejected == "" {
		for _, det := range e.detectors {
			if f := det.Detect(ev, e.mem); f != nil {
				d.Findings = append(d.Findings, *f)
				d.Severity = max(d.Severity, f.Raises)
			}
		}
	}
	d.Suspicious = len(d.Findings) > 0
	e.mem.Observe(ev)
	if ev.Rejected != "" {
		// An event that could not be read is kept and shown, not routed:
		// there is nothing in it to act on.
		d.Severity, d.SeverityRule = Info, "the event could not be read ("+ev.Rejected+")"
		return d, nil
	}
	repeat := e.group(&d, ev, now)
	var out []store.WriteBack
	xsoarDelivery := ""
	for _, r := range e.routes(d, ev, repeat) {
		if r.Taken {
			wb := store.WriteBack{ID: store.NewWriteBackID()}
			switch {
			case r.To == ToXDR:
				wb.Platform, wb.Kind = store.PlatformXDR, KindXDRAlert
			case r.To == ToXSOAR && repeat != nil:
				payload, _ := json.Marshal(RepeatPayload{Incident: repeat.xsoar, Count: d.Group.Count})
				wb.Platform, wb.Kind, wb.Payload = store.PlatformXSOAR, KindXSOARRepeat, payload
			case r.To == ToXSOAR:
				wb.Platform, wb.Kind = store.PlatformXSOAR, KindXSOARIncident
				xsoarDelivery = wb.ID
			case r.To == ToPrisma:
				wb.Platform, wb.Kind = store.PlatformPrisma, KindPrisma
			}
			r.Delivery = wb.ID
			out = append(out, wb)
		}
		d.Routes = append(d.Routes, r)
	}
	if d.Group != nil && repeat == nil {
		e.groups[d.Group.Key] = &openGroup{Group: *d.Group, xsoar: xsoarDelivery}
	}
	responses, wbs := e.respond(d, ev, repeat != nil, xsoarDelivery, now)
	d.Responses = responses
	out = append(out, wbs...)
	return d, out
}

// group puts d in its group, opening one when the event is routed and no
// group of its cause is open. It returns the open group when d is a
// repeat in it, nil when d is the first (or grouping is off).
func (e *Engine) group(d *Decision, ev events.Event, now time.Time) *openGroup {
	if e.cfg.GroupWindow <= 0 || !e.routed(ev) {
		return nil
	}
	key := groupKey(*d, ev)
	if key == "" {
		return nil
	}
	since := now.Add(-e.cfg.GroupWindow)
	g := e.groups[key]
	if g != nil && g.Opened.Before(since) {
		delete(e.groups, key)
		g = nil
	}
	if g == nil && e.lookupGroup != nil {
		found, err := e.lookupGroup(key, since)
		switch {
		case err != nil:
			// The decider discards the batch and decides it again: a
			// group it could not read must not open a second incident.
			e.lookupErr = err
		case found != nil:
			g = found
			e.groups[key] = g
		}
	}
	if g == nil {
		d.Group = &Group{Key: key, First: ev.ID, Count: 1, Opened: now}
		return nil
	}
	g.Count++
	d.Group = &Group{Key: key, First: g.First, Count: g.Count, Opened: g.Opened}
	return g
}

// groupKey is provider|subject|cause: the user (or, for password
// spraying, the IP that sprays) and the first detector that fired, or the
// event type (its SOP name, when it has one) when none did. "" when the event names no subject.
func groupKey(d Decision, ev events.Event) string {
	cause, subject := ev.Type, ev.UserID
	if len(ev.SOPTypes) > 0 {
		// PingOne's OTP.CHECK_FAILED and OTP.CHECK_INVALID of one attack
		// are both the SOP's MFA_VERIFY_FAILED: one cause.
		cause = ev.SOPTypes[0]
	}
	if len(d.Findings) > 0 {
		cause = d.Findings[0].Detector
		if cause == "password_spray" {
			subject = "ip:" + ev.IP
		}
	}
	if subject == "" || subject == "ip:" {
		return ""
	}
	return ev.Provider + "|" + subject + "|" + cause
}

// routeKeys are the event_routing keys that name ev: its type and its SOP
// names.
func routeKeys(ev events.Event) []string { return append([]string{ev.Type}, ev.SOPTypes...) }

// routed reports whether event_routing names ev at all.
func (e *Engine) routed(ev events.Event) bool {
	for _, k := range routeKeys(ev) {
		if len(e.cfg.Routing[k]) > 0 {
			return true
		}
	}
	return false
}

// routes decides each destination event_routing names for ev: taken when
// the integration is on, the severity reaches its threshold and one of the
// destination's rules holds.
func (e *Engine) routes(d Decision, ev events.Event, repeat *openGroup) []Route {
	byDest := map[string][]RouteRule{}
	var order []string
	for _, k := range routeKeys(ev) {
		for _, r := range e.cfg.Routing[k] {
			if _, seen := byDest[r.To]; !seen {
				order = append(order, r.To)
			}
			byDest[r.To] = append(byDest[r.To], r)
		}
	}
	// Prisma first: its blast radius is read while the alert and the
	// incident that show it are queued.
	slices.SortStableFunc(order, func(a, b string) int {
		if a == ToPrisma {
			return -1
		}
		if b == ToPrisma {
			return 1
		}
		return 0
	})
	var out []Route
	for _, to := range order {
		r := Route{To: to}
		integ, key, gate := e.integration(to, ev)
		switch {
		case !integ.Configured:
			r.Why = key + " is not configured"
		case !integ.AutoCreate:
			r.Why = "integrations." + key + "." + gate + " is false"
		case d.Severity < integ.Threshold:
			r.Why = fmt.Sprintf("severity %s is below integrations.%s.severity_threshold (%s)", d.Severity, key, integ.Threshold)
		default:
			r.Taken, r.Why = e.condition(byDest[to], d, ev)
		}
		if r.Taken && repeat != nil {
			switch {
			case to == ToXSOAR && repeat.xsoar != "":
				r.Why = fmt.Sprintf("repeat %d of the group opened by event %s: counted in its incident", d.Group.Count, repeat.First)
			default:
				r.Taken = false
				r.Why = fmt.Sprintf("repeat %d of the group opened by event %s, which %s already has", d.Group.Count, repeat.First, to)
			}
		}
		out = append(out, r)
	}
	return out
}

// integration is the gate of a destination: the integration, its key and
// the key that turns its routes on.
func (e *Engine) integration(to string, ev events.Event) (Integration, string, string) {
	switch to {
	case ToXDR:
		return e.cfg.XDR, "cortex_xdr", "auto_create_incidents"
	case ToXSOAR:
		return e.cfg.XSOAR, "xsoar", "auto_create_incidents"
	default:
		p := e.cfg.Prisma
		if isRiskEvent(ev) {
			p.AutoCreate = p.AutoCreateRisk
			return p, "prisma_cloud", "sync_risk_events"
		}
		return p, "prisma_cloud", "sync_events"
	}
}

// condition reports whether one of rules holds for d, and why.
func (e *Engine) condition(rules []RouteRule, d Decision, ev events.Event) (bool, string) {
	var why []string
	for _, r := range rules {
		switch {
		case r.Suspicious && !d.Suspicious:
			why = append(why, "only if suspicious, and no detector fired")
		case len(r.Risk) > 0 && !slices.ContainsFunc(r.Risk, func(l string) bool { return strings.EqualFold(l, ev.RiskLevel) }):
			why = append(why, fmt.Sprintf("only if the provider's risk is %s, and it is %q", strings.Join(r.Risk, " or "), ev.RiskLevel))
		case r.MinSeverity != nil && d.Severity < *r.MinSeverity:
			why = append(why, fmt.Sprintf("only at %s or above, and it is %s", *r.MinSeverity, d.Severity))
		default:
			return true, "event_routing." + matchedKey(ev, e.cfg.Routing, r) + describeRule(r)
		}
	}
	return false, strings.Join(why, "; ")
}

func matchedKey(ev events.Event, routing map[string][]RouteRule, r RouteRule) string {
	for _, k := range routeKeys(ev) {
		if slices.ContainsFunc(routing[k], func(x RouteRule) bool { return x.To == r.To }) {
			return k
		}
	}
	return ev.Type
}

func describeRule(r RouteRule) string {
	var c []string
	if r.Suspicious {
		c = append(c, "suspicious")
	}
	if len(r.Risk) > 0 {
		c = append(c, "risk "+strings.Join(r.Risk, "/"))
	}
	if r.MinSeverity != nil {
		c = append(c, "severity ≥ "+r.MinSeverity.String())
	}
	if len(c) == 0 {
		return ""
	}
	return " (" + strings.Join(c, ", ") + ")"
}

// respond decides each automated action for d.
func (e *Engine) respond(d Decision, ev events.Event, repeat bool, xsoarDelivery string, now time.Time) ([]Response, []store.WriteBack) {
	a := e.cfg.Automation
	names := make([]string, 0, len(a.Actions))
	for n := range a.Actions {
		names = append(names, n)
	}
	slices.Sort(names)
	var out []Response
	var wbs []store.WriteBack
	limited := false
	for _, name := range names {
		act := a.Actions[name]
		cmd := ActionCommand(name, ev.Provider)
		if cmd == "" {
			continue // not an action on this provider
		}
		r := Response{Action: name, Command: cmd}
		switch {
		case d.Severity < act.Trigger:
			r.Why = fmt.Sprintf("severity %s is below its trigger_severity (%s)", d.Severity, act.Trigger)
		case ev.UserID == "":
			r.Why = "the event names no user to act on"
		case !a.Enabled:
			r.Why = "automated_responses.enabled is false"
		case !d.Suspicious && !a.AllEvents:
			r.Why = "no detector flagged the event (automated_responses.scope is suspicious)"
		case repeat:
			r.Why = fmt.Sprintf("repeat %d of its group: the group's first event (%s) was answered", d.Group.Count, d.Group.First)
		case a.protected(ev):
			r.Why = "the account is in automated_responses.protected_users: automation never touches it"
		case a.DryRun:
			r.DryRun = true
			r.Why = "automated_responses.dry_run: would run " + cmd
		default:
			r.Taken = true
			r.Why = fmt.Sprintf("severity %s reaches its trigger_severity (%s)", d.Severity, act.Trigger)
			if n := e.recentRuns(name, now); a.RateLimit.Max > 0 && n >= a.RateLimit.Max {
				r.Hold = fmt.Sprintf("automated_responses.rate_limit: %d runs of %s in the last %s", n, name, a.RateLimit.Window)
				limited = true
			} else {
				e.runs[name] = append(e.runs[name], now)
			}
			payload, _ := json.Marshal(ResponsePayload{Action: name, Command: cmd, User: ev.UserID, Incident: xsoarDelivery, Hold: r.Hold})
			wb := store.WriteBack{ID: store.NewWriteBackID(), Platform: store.PlatformIdcmd, Kind: KindResponse, Payload: payload}
			r.Delivery = wb.ID
			wbs = append(wbs, wb)
		}
		out = append(out, r)
	}
	if limited {
		if wb, ok := e.rateLimitAlert(now); ok {
			wbs = append(wbs, wb)
		}
	}
	return out, wbs
}

// recentRuns counts action's automated runs within the rate limit's
// window, forgetting older ones.
func (e *Engine) recentRuns(action string, now time.Time) int {
	w := e.cfg.Automation.RateLimit.Window
	runs := e.runs[action]
	i := 0
	for i < len(runs) && !runs[i].After(now.Add(-w)) {
		i++
	}
	e.runs[action] = runs[i:]
	return len(runs) - i
}

// protected reports whether ev's user is one automation never touches.
func (a Automation) protected(ev events.Event) bool {
	return slices.ContainsFunc(a.Protected, func(p string) bool {
		return strings.EqualFold(p, ev.UserID) || (ev.User != "" && strings.EqualFold(p, ev.User))
	})
}

// rateLimitAlert is the alert the rate limit raises when it first holds a
// response in a window: an XSOAR incident, or an XDR alert when XSOAR is
// not configured. false when it was raised in this window already, or
// there is nowhere to raise it (the log and the metric still say so).
func (e *Engine) rateLimitAlert(now time.Time) (store.WriteBack, bool) {
	w := e.cfg.Automation.RateLimit.Window
	if !e.alerted.IsZero() && now.Sub(e.alerted) < w {
		return store.WriteBack{}, false
	}
	wb := store.WriteBack{ID: store.NewWriteBackID(), Kind: KindAutomationAlert}
	switch {
	case e.cfg.XSOAR.Configured:
		wb.Platform = store.PlatformXSOAR
	case e.cfg.XDR.Configured:
		wb.Platform = store.PlatformXDR
	default:
		return store.WriteBack{}, false
	}
	e.alerted = now
	return wb, true
}
