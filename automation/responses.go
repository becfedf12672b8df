package automation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/providers/upstream"
	"github.com/idcmd/idcmd/rules"
	"github.com/idcmd/idcmd/store"
	"github.com/idcmd/idcmd/writeback"
)

// recheck is how soon a response waiting for something looks again.
const recheck = 5 * time.Second

// Responses delivers rules.KindResponse write-backs: each runs its command
// through the Invoker, as the caller "automation:<action>", at most once
// per event and action (its idempotency key), in the XSOAR incident the
// decision opened when there is one.
type Responses struct {
	store store.Store
	inv   *commands.Invoker
	cfg   rules.Automation
	now   func() time.Time
}

// NewResponses builds the delivery of automated responses under cfg (the
// configuration of this run, not the one the response was decided under:
// the kill switch thrown since stops it). now nil is time.Now.
func NewResponses(st store.Store, inv *commands.Invoker, cfg rules.Automation, now func() time.Time) *Responses {
	if now == nil {
		now = time.Now
	}
	return &Responses{store: st, inv: inv, cfg: cfg, now: now}
}

// Deliver implements writeback.Target; the worker calls DeliverResult.
func (r *Responses) Deliver(ctx context.Context, wb store.WriteBack) (string, error) {
	p, err := r.DeliverResult(ctx, wb)
	return p.RemoteID, err
}

// DeliverResult runs the response in wb and returns its Result. The remote
// id is the audit record's number.
func (r *Responses) DeliverResult(ctx context.Context, wb store.WriteBack) (writeback.Produced, error) {
	var p rules.ResponsePayload
	if err := json.Unmarshal(wb.Payload, &p); err != nil || p.Action == "" || p.Command == "" || p.User == "" {
		return writeback.Produced{}, refused(fmt.Sprintf("response %s: payload is not a response (action, command and user are required)", wb.ID))
	}
	res := Result{Command: p.Command}
	reject := func(detail string) (writeback.Produced, error) {
		res.Status, res.Detail = StatusRejected, detail
		return writeback.Produced{Result: res.json()}, refused(detail)
	}
	switch {
	case !r.cfg.Enabled:
		return reject("automated_responses.enabled is false: not run")
	case r.cfg.DryRun:
		return reject("automated_responses.dry_run is true: not run")
	case r.protected(p.User):
		return reject("the account is in automated_responses.protected_users: not run")
	}
	inc, note, err := r.incident(ctx, wb, p)
	if err != nil {
		return writeback.Produced{}, err
	}
	res.Incident = inc
	cmd, err := r.inv.Lookup(p.Command)
	if err != nil {
		return reject(err.Error())
	}
	args, err := Args(cmd, wb.EventProvider, p.User)
	if err != nil {
		return reject(err.Error())
	}
	scopes := []string{cmd.Info().Risk.Scope()}
	if cmd.Info().Workflow {
		scopes = append(scopes, commands.ScopeRead) // its steps look before they act
	}
	req := commands.Request{
		Command: p.Command, Args: args, Incident: inc,
		Caller:         commands.Caller{Subject: "automation:" + p.Action, Scopes: scopes},
		RequestID:      "event:" + wb.EventProvider + ":" + wb.EventID,
		IdempotencyKey: "event:" + wb.EventProvider + ":" + wb.EventID + ":" + p.Action,
		Automated:      true,
		Hold:           p.Hold,
	}
	out, err := r.inv.Invoke(ctx, req)
	if errors.Is(err, commands.ErrIdempotencyMismatch) && inc != nil {
		// An earlier attempt ran without the incident (it had waited long
		// enough), which has been created since: that run is the one.
		req.Incident, res.Incident = nil, nil
		note = "ran earlier without incident context"
		out, err = r.inv.Invoke(ctx, req)
	}
	return r.outcome(res, note, out, err)
}

// outcome turns the Invoker's answer into the write-back's result and
// error: delivered (done or pending approval), put off (the same response
// runs elsewhere), or failed, permanently when a retry cannot heal it.
func (r *Responses) outcome(res Result, note string, out *commands.Result, err error) (writeback.Produced, error) {
	detail := func(s string) string {
		if note == "" {
			return s
		}
		if s == "" {
			return note
		}
		return s + "; " + note
	}
	if err == nil {
		res.EffectiveCommand, res.AuditID, res.Replayed = out.EffectiveCommand, out.AuditID, out.Replayed
		res.Status = StatusDone
		if out.Approval != nil {
			res.Status, res.ApprovalID = StatusPendingApproval, out.Approval.ID
			res.Detail = detail("held for approval " + out.Approval.ID)
		} else {
			res.Detail = detail("")
		}
		return writeback.Produced{RemoteID: fmt.Sprint(res.AuditID), Result: res.json()}, nil
	}
	if errors.Is(err, commands.ErrIdempotencyInProgress) {
		return writeback.Produced{}, &writeback.Later{At: r.now().Add(recheck), Why: "the same response is running (another attempt holds its idempotency key)"}
	}
	var ae *commands.AuditedError
	if errors.As(err, &ae) {
		res.AuditID, res.Replayed = ae.AuditID, ae.Replayed
	}
	res.Detail = detail(err.Error())
	var ie *commands.InputError
	switch {
	case upstream.As(err) != nil:
		res.Status = StatusFailed
		return writeback.Produced{Result: res.json()}, err // retried or not per its kind
	case errors.As(err, &ie), errors.Is(err, commands.ErrForbidden), errors.Is(err, commands.ErrUnknownCommand),
		errors.Is(err, commands.ErrProviderNotConfigured), errors.Is(err, commands.ErrIdempotencyMismatch):
		res.Status = StatusRejected
		return writeback.Produced{Result: res.json()}, refused(err.Error())
	}
	res.Status = StatusFailed
	return writeback.Produced{Result: res.json()}, err
}

// incident is the incident context of the response: the XSOAR incident
// its decision creates once delivered. While that delivery is queued the
// response waits for it, up to WaitForIncident after it was queued; then,
// or when the delivery failed, it runs without one and note says so.
func (r *Responses) incident(ctx context.Context, wb store.WriteBack, p rules.ResponsePayload) (*commands.Incident, string, error) {
	if p.Incident == "" {
		return nil, "", nil
	}
	d, err := r.store.GetWriteBack(ctx, p.Incident)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "ran without incident context: its XSOAR incident delivery " + p.Incident + " does not exist", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("incident delivery %s: %w", p.Incident, err)
	}
	switch d.Status {
	case store.WriteBackDelivered:
		if d.RemoteID != "" {
			return &commands.Incident{Platform: store.PlatformXSOAR, ID: d.RemoteID}, "", nil
		}
		return nil, "ran without incident context: the XSOAR incident delivery " + p.Incident + " names no incident", nil
	case store.WriteBackFailed:
		return nil, "ran without incident context: the XSOAR incident could not be created (" + truncate(d.LastError, 200) + ")", nil
	}
	now := r.now()
	if waited := now.Sub(wb.CreatedAt); waited < r.cfg.WaitForIncident {
		return nil, "", &writeback.Later{At: now.Add(recheck), Why: "waiting for the XSOAR incident (delivery " + p.Incident + ") to run in it"}
	}
	return nil, fmt.Sprintf("ran without incident context: the XSOAR incident was not created within automated_responses.wait_for_incident (%s)", r.cfg.WaitForIncident), nil
}

// protected reports whether user (the provider's id of the event's user)
// was made a protected account since the response was decided.
func (r *Responses) protected(user string) bool {
	for _, p := range r.cfg.Protected {
		if strings.EqualFold(p, user) {
			return true
		}
	}
	return false
}

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
