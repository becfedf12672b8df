package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/rules"
	"github.com/idcmd/idcmd/store"
)

// Decision statuses of an event (EventDetail.DecisionStatus).
const (
	// DecisionDecided: the rules decided the event; Decision holds it.
	DecisionDecided = "decided"
	// DecisionPending: the event waits for the decider.
	DecisionPending = "pending"
	// DecisionNone: the event will not be decided: it was stored before
	// the rules existed, or its decision was purged.
	DecisionNone = "none"
)

// EventDetail is the body of GET /api/v1/events/{id}: the event with its
// raw payload, and what the rules decided about it.
type EventDetail struct {
	events.Event
	// Decision is the rules' decision with every delivery it queued;
	// null until the event is decided, or when it never will be.
	Decision *EventDecision `json:"decision" extensions:"x-nullable"`
	// DecisionStatus says why Decision is null (pending, none), or
	// decided.
	DecisionStatus string `json:"decision_status" enums:"decided,pending,none"`
}

// EventDecision is the stored decision on an event (rules.Decision) and
// the deliveries it queued, as they stand.
type EventDecision struct {
	Provider string    `json:"provider"`
	EventID  string    `json:"event_id"`
	Type     string    `json:"type"`
	User     string    `json:"user,omitempty"`
	UserID   string    `json:"user_id,omitempty"`
	Decided  time.Time `json:"decided_at"`
	// BaseSeverity is the severity table's for the event type, from
	// SeverityRule; Severity is what the detectors raised it to.
	BaseSeverity rules.Severity `json:"base_severity" swaggertype:"string" enums:"info,low,medium,high,critical"`
	Severity     rules.Severity `json:"severity" swaggertype:"string" enums:"info,low,medium,high,critical"`
	SeverityRule string         `json:"severity_rule"`
	// Suspicious is set when a detector fired; Findings say which, with
	// their evidence.
	Suspicious bool            `json:"suspicious"`
	Findings   []rules.Finding `json:"findings,omitempty"`
	// Group is set when the event is one of the repeats of one cause for
	// one user that count in one incident.
	Group *rules.Group `json:"group,omitempty"`
	// Routes are the destinations of event_routing for the event, taken
	// or not, and why; a taken one names its delivery.
	Routes []rules.Route `json:"routes,omitempty"`
	// Responses are the automated responses considered, taken or not, and
	// why, with the audit record and approval of a run.
	Responses []DecisionResponse `json:"responses,omitempty"`
	// Deliveries are every write-back of the event (alerts, incidents,
	// repeats, blast radius lookups, responses), oldest first.
	Deliveries []EventDelivery `json:"deliveries"`
}

// DecisionResponse is one automated response considered for the event,
// with what its run produced once it ran.
type DecisionResponse struct {
	rules.Response
	// AuditID is the seq of the audit record of the run (GET
	// /api/v1/audit); absent until it ran.
	AuditID *int64 `json:"audit_id,omitempty"`
	// ApprovalID is the approval the run waits for (GET
	// /api/v1/approvals/{id}), when it was held for a person.
	ApprovalID string `json:"approval_id,omitempty"`
	// RunStatus is the run's outcome as its delivery recorded it
	// (success, pending_approval, ...).
	RunStatus string `json:"run_status,omitempty"`
}

// EventDelivery is one write-back the decision queued.
type EventDelivery struct {
	ID string `json:"id"`
	// Kind is what it delivers: xdr_alert, xsoar_incident, xsoar_repeat,
	// prisma_blast_radius, response or automation_alert.
	Kind string `json:"kind"`
	// Platform is xsoar, xdr, prisma or idcmd (a response runs on idcmd).
	Platform string `json:"platform"`
	// Status is queued, delivering, delivered or failed.
	Status   string `json:"status" enums:"queued,delivering,delivered,failed"`
	Attempts int    `json:"attempts"`
	// LastError is why the latest failed attempt failed.
	LastError string `json:"last_error,omitempty"`
	// RemoteID is what the platform named it (the incident or alert id).
	RemoteID string `json:"remote_id,omitempty"`
	// Result is what the delivery produced (JSON; its kind's shape).
	Result        json.RawMessage `json:"result,omitempty"`
	CreatedAt     time.Time       `json:"created_at"`
	DeliveredAt   *time.Time      `json:"delivered_at,omitempty"`
	NextAttemptAt time.Time       `json:"next_attempt_at"`
}

// maxEventDeliveries bounds the deliveries read for one event: a decision
// queues a handful, so this only stops a runaway loop.
const maxEventDeliveries = 2000

// eventDecision reads what the rules decided about rec: the decision and
// its deliveries, or the status that says why there is none.
func eventDecision(ctx context.Context, s store.Store, rec store.Event) (*EventDecision, string, error) {
	stored, err := s.GetDecision(ctx, rec.Provider, rec.ID)
	if errors.Is(err, store.ErrNotFound) {
		pending, err := undecided(ctx, s, rec)
		if err != nil {
			return nil, "", err
		}
		if pending {
			return nil, DecisionPending, nil
		}
		return nil, DecisionNone, nil
	}
	if err != nil {
		return nil, "", err
	}
	var d rules.Decision
	if err := json.Unmarshal(stored.Body, &d); err != nil {
		return nil, "", fmt.Errorf("decision on %s %s: %w", rec.Provider, rec.ID, err)
	}
	wbs, err := eventWriteBacks(ctx, s, rec.Provider, rec.ID)
	if err != nil {
		return nil, "", err
	}
	view := &EventDecision{Provider: d.Provider, EventID: d.EventID, Type: d.Type, User: d.User, UserID: d.UserID, Decided: d.Decided,
		BaseSeverity: d.BaseSeverity, Severity: d.Severity, SeverityRule: d.SeverityRule, Suspicious: d.Suspicious,
		Findings: d.Findings, Group: d.Group, Routes: d.Routes, Deliveries: make([]EventDelivery, 0, len(wbs))}
	byID := make(map[string]store.WriteBack, len(wbs))
	for i := len(wbs) - 1; i >= 0; i-- { // the store lists newest first
		wb := wbs[i]
		byID[wb.ID] = wb
		view.Deliveries = append(view.Deliveries, EventDelivery{ID: wb.ID, Kind: wb.Kind, Platform: wb.Platform, Status: string(wb.Status),
			Attempts: wb.Attempts, LastError: wb.LastError, RemoteID: wb.RemoteID, Result: wb.Result,
			CreatedAt: wb.CreatedAt, DeliveredAt: wb.DeliveredAt, NextAttemptAt: wb.NextAttemptAt})
	}
	for _, r := range d.Responses {
		resp := DecisionResponse{Response: r}
		if wb, ok := byID[r.Delivery]; ok {
			resp.AuditID, resp.ApprovalID, resp.RunStatus = runResult(wb.Result)
		}
		view.Responses = append(view.Responses, resp)
	}
	return view, DecisionDecided, nil
}

// undecided reports whether rec waits for the decider. The decider takes
// undecided events in Seq order (store.UndecidedEvents), so an event is
// undecided only if the oldest undecided one is not after it; an event
// before it without a decision was decided without one (stored before the
// rules existed) or its decision was purged. Asking for the oldest reads
// one event, however long the backlog.
func undecided(ctx context.Context, s store.Store, rec store.Event) (bool, error) {
	oldest, err := s.UndecidedEvents(ctx, 1)
	if err != nil {
		return false, err
	}
	return len(oldest) == 1 && oldest[0].Seq <= rec.Seq, nil
}

// eventWriteBacks lists every write-back of one event, newest first.
func eventWriteBacks(ctx context.Context, s store.Store, provider, id string) ([]store.WriteBack, error) {
	f := store.WriteBackFilter{EventProvider: provider, EventID: id, Limit: 500}
	var all []store.WriteBack
	for {
		page, next, err := s.ListWriteBacks(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("deliveries of %s %s: %w", provider, id, err)
		}
		all = append(all, page...)
		if next == "" || len(all) >= maxEventDeliveries {
			return all, nil
		}
		f.Cursor = next
	}
}

// runResult reads a response delivery's result ({"audit_id",
// "approval_id", "status"}) generically: what is missing or of another
// shape is left out, never an error, since another part of idcmd writes
// it and may add to it.
func runResult(raw json.RawMessage) (auditID *int64, approvalID, status string) {
	var m map[string]any
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		return nil, "", ""
	}
	switch v := m["audit_id"].(type) {
	case float64:
		if n := int64(v); float64(n) == v && n > 0 {
			auditID = &n
		}
	case string:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			auditID = &n
		}
	}
	approvalID, _ = m["approval_id"].(string)
	status, _ = m["status"].(string)
	return auditID, approvalID, status
}
