package automation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/xdr"
	"github.com/idcmd/idcmd/providers/xsoar"
	"github.com/idcmd/idcmd/rules"
	"github.com/idcmd/idcmd/store"
	"github.com/idcmd/idcmd/writeback"
)

// AlertName is the name of the incident (XSOAR) or alert (XDR) the
// automation rate limit raises.
const AlertName = "idcmd automation rate limit reached: responses are held for approval"

// alertIncidentType is the XSOAR incident type of the alert, the one the
// SOPs use for identity incidents.
const alertIncidentType = "Identity Access Management"

// maxListed bounds the held responses an alert lists.
const maxListed = 50

// Alerts delivers rules.KindAutomationAlert write-backs: an XSOAR incident
// (platform xsoar) or one XDR parsed alert (platform xdr) that says the
// rate limit holds responses for a person, listing the ones it held in its
// window. A delivery retried after a lost outcome may raise it twice:
// neither platform can be asked to create it once.
type Alerts struct {
	store store.Store
	xsoar *xsoar.Client
	xdr   *xdr.Client
	cfg   rules.Automation
	now   func() time.Time
}

// NewAlerts builds the delivery of the rate limit's alert; a nil client
// fails its platform's alerts permanently. now nil is time.Now.
func NewAlerts(st store.Store, xs *xsoar.Client, xd *xdr.Client, cfg rules.Automation, now func() time.Time) *Alerts {
	if now == nil {
		now = time.Now
	}
	return &Alerts{store: st, xsoar: xs, xdr: xd, cfg: cfg, now: now}
}

// AlertResult is what an alert write-back keeps.
type AlertResult struct {
	Platform string `json:"platform"`
	// Incident is the XSOAR incident's id; AlertName the XDR alert's name.
	Incident  string `json:"incident,omitempty"`
	AlertName string `json:"alert_name,omitempty"`
	// Held is how many held responses the alert lists.
	Held int `json:"held"`
}

// Deliver implements writeback.Target; the worker calls DeliverResult.
func (a *Alerts) Deliver(ctx context.Context, wb store.WriteBack) (string, error) {
	p, err := a.DeliverResult(ctx, wb)
	return p.RemoteID, err
}

// DeliverResult raises the alert on wb's platform.
func (a *Alerts) DeliverResult(ctx context.Context, wb store.WriteBack) (writeback.Produced, error) {
	held, err := a.held(ctx)
	if err != nil {
		return writeback.Produced{}, err
	}
	details := a.details(held)
	res := AlertResult{Platform: wb.Platform, Held: len(held)}
	now := a.now()
	switch wb.Platform {
	case store.PlatformXSOAR:
		if a.xsoar == nil {
			return writeback.Produced{}, refused("xsoar is not configured: the rate limit's alert cannot be raised there")
		}
		id, err := a.xsoar.CreateIncident(ctx, xsoar.NewIncident{Name: AlertName, Type: alertIncidentType, Severity: xsoar.SeverityHigh,
			Details: details, Occurred: now, Labels: []xsoar.Label{{Type: "idcmd", Value: "automation_rate_limit"}}})
		if err != nil {
			return writeback.Produced{}, fmt.Errorf("create the rate limit's XSOAR incident: %w", err)
		}
		res.Incident = id
		b, _ := json.Marshal(res)
		return writeback.Produced{RemoteID: id, Result: b}, nil
	case store.PlatformXDR:
		if a.xdr == nil {
			return writeback.Produced{}, refused("cortex_xdr is not configured: the rate limit's alert cannot be raised there")
		}
		// An identity alert has no addresses: the schema's placeholders.
		err := a.xdr.InsertParsedAlerts(ctx, []xdr.ParsedAlert{{Product: "idcmd", Vendor: "idcmd", LocalIP: "0.0.0.0", RemoteIP: "0.0.0.0",
			EventTimestamp: now.UnixMilli(), Severity: xdr.SeverityHigh, AlertName: AlertName, AlertDescription: truncate(details, 2000)}})
		if err != nil {
			return writeback.Produced{}, fmt.Errorf("insert the rate limit's XDR alert: %w", err)
		}
		res.AlertName = AlertName
		b, _ := json.Marshal(res)
		return writeback.Produced{RemoteID: AlertName, Result: b}, nil
	}
	return writeback.Produced{}, refused("the rate limit's alert goes to xsoar or xdr, not " + wb.Platform)
}

// heldResponse is one response the rate limit held.
type heldResponse struct {
	wb      store.WriteBack
	payload rules.ResponsePayload
}

// held are the responses queued within the rate limit's window with a
// hold, newest first.
func (a *Alerts) held(ctx context.Context) ([]heldResponse, error) {
	since := a.now().Add(-a.cfg.RateLimit.Window)
	wbs, _, err := a.store.ListWriteBacks(ctx, store.WriteBackFilter{Kind: rules.KindResponse, Limit: 500})
	if err != nil {
		return nil, fmt.Errorf("list held responses: %w", err)
	}
	var out []heldResponse
	for _, wb := range wbs {
		var p rules.ResponsePayload
		if wb.CreatedAt.Before(since) || json.Unmarshal(wb.Payload, &p) != nil || p.Hold == "" {
			continue
		}
		out = append(out, heldResponse{wb: wb, payload: p})
	}
	return out, nil
}

// details is the alert's text: what happened, what to do, and the held
// responses.
func (a *Alerts) details(held []heldResponse) string {
	var b strings.Builder
	fmt.Fprintf(&b, "The automation rate limit (automated_responses.rate_limit: at most %d runs of an action in %s) was reached. "+
		"Further automated responses are not run on their own: each waits for a person to approve it (GET /api/v1/approvals).\n\n",
		a.cfg.RateLimit.Max, a.cfg.RateLimit.Window)
	fmt.Fprintf(&b, "Held responses in the last %s: %d\n", a.cfg.RateLimit.Window, len(held))
	for i, h := range held {
		if i == maxListed {
			fmt.Fprintf(&b, "- and %d more\n", len(held)-maxListed)
			break
		}
		fmt.Fprintf(&b, "- %s (%s) on %s user %s, event %s, response %s: %s\n", h.payload.Action, h.payload.Command,
			h.wb.EventProvider, h.payload.User, h.wb.EventID, h.wb.ID, h.payload.Hold)
	}
	return b.String()
}
