package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/idcmd/idcmd/store"
)

// ApprovalPolicy decides which state-changing commands need a second
// person before they run. The most specific setting wins: the command's
// own, then its provider's, then the rule for destructive commands.
type ApprovalPolicy struct {
	// Commands maps a command name to whether it needs approval.
	Commands map[string]bool
	// Providers maps okta or pingone to whether every state-changing
	// command acting on it needs approval.
	Providers map[Provider]bool
	// Destructive requires approval for every destructive command.
	Destructive bool
	// Automated maps a command name to whether an automated run (an event
	// response) needs approval; it wins over the rest for automated runs.
	// It is fed by automated_responses.actions.<action>.require_approval.
	Automated map[string]bool
}

// Requires reports whether a run of the command on provider needs approval.
func (p ApprovalPolicy) Requires(info Info, provider Provider, automated bool) bool {
	if !info.Risk.ChangesState() {
		return false
	}
	if automated {
		if v, ok := p.Automated[info.Name]; ok {
			return v
		}
	}
	if v, ok := p.Commands[info.Name]; ok {
		return v
	}
	if v, ok := p.Providers[provider]; ok {
		return v
	}
	return p.Destructive && info.Risk == Destructive
}

// automatedActions maps the seeds' automated_responses action names to the
// commands an automated response may run for them.
var automatedActions = map[string][]string{
	"suspend_user":       {"okta-suspend-user", "lock-user"},
	"lock_user":          {"pingone-lock-user", "lock-user"},
	"clear_sessions":     {"okta-clear-sessions", "clear-sessions"},
	"terminate_sessions": {"pingone-terminate-sessions", "clear-sessions"},
	"reset_password":     {"okta-reset-password", "pingone-reset-password", "reset-password"},
	"disable_user":       {"pingone-disable-user"},
	"deactivate_user":    {"okta-deactivate-user"},
}

// AutomatedPolicy turns automated_responses.actions.<action>.require_approval
// into per-command settings for automated runs. An unknown action is an error.
func AutomatedPolicy(requireApproval map[string]bool) (map[string]bool, error) {
	out := map[string]bool{}
	for action, req := range requireApproval {
		cmds, ok := automatedActions[action]
		if !ok {
			return nil, fmt.Errorf("automated_responses.actions: unknown action %q", action)
		}
		for _, c := range cmds {
			out[c] = out[c] || req
		}
	}
	return out, nil
}

// PendingApproval is the answer to a call that waits for a second person.
type PendingApproval struct {
	// Approval id.
	ID string `json:"id" example:"apr_3k2j4h5g6f7d8s9a0q1w"`
	// pending until decided, then approved, rejected, expired, cancelled, executed or failed.
	Status string `json:"status" example:"pending"`
	// Where to poll the approval.
	StatusURL string    `json:"status_url" example:"/api/v1/approvals/apr_3k2j4h5g6f7d8s9a0q1w"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Approval errors; the HTTP layer maps them.
var (
	ErrApprovalNotFound   = errors.New("approval not found")
	ErrSelfApproval       = errors.New("the requester cannot approve their own request")
	ErrApprovalNotPending = errors.New("the approval is no longer pending")
	ErrApprovalExpired    = errors.New("the approval has expired")
	ErrNotRequester       = errors.New("only the requester can cancel an approval")
)

// effectiveProvider is the provider a call acts on: the command's own, or
// for a provider-neutral command the one its arguments pick.
func (inv *Invoker) effectiveProvider(info Info, args any) Provider {
	if info.Provider != Neutral {
		return info.Provider
	}
	v := reflect.ValueOf(args)
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	if v.Kind() == reflect.Struct {
		if f := v.FieldByName("Provider"); f.IsValid() && f.Kind() == reflect.String && f.String() != "" {
			return Provider(f.String())
		}
	}
	if p, err := inv.Providers.pick(""); err == nil {
		return p
	}
	return Neutral
}

func (inv *Invoker) approvalTTL() time.Duration {
	if inv.ApprovalTTL > 0 {
		return inv.ApprovalTTL
	}
	return time.Hour
}

// requestApproval stores the call for a second person and answers 202.
func (inv *Invoker) requestApproval(ctx context.Context, req Request, cmd Command) (*Result, error) {
	info := cmd.Info()
	args, err := json.Marshal(req.Args)
	if err != nil {
		return nil, fmt.Errorf("encode arguments: %w", err)
	}
	var inc json.RawMessage
	if req.Incident != nil {
		inc, _ = json.Marshal(req.Incident)
	}
	a, err := inv.Store.CreateApproval(ctx, store.Approval{
		Command: info.Name, Args: args, Incident: inc, Requester: req.Caller.Subject, RequestID: req.RequestID,
		ExpiresAt: inv.now().Add(inv.approvalTTL()),
	})
	if err != nil {
		return nil, fmt.Errorf("create approval: %w", err)
	}
	rec := draftRecord(req, info.Name)
	rec.Outcome = OutcomePendingApproval
	rec.ApprovalID = a.ID
	held := resultEntry(info, req, "", nil)
	held.headline = "held for approval"
	held.detail = "nothing done yet: approval " + a.ID + " must be approved by a second person before " + a.ExpiresAt.UTC().Format(time.RFC3339)
	rec.WriteBack = writebackFor(req.Incident, held)
	stored, err := inv.record(ctx, rec)
	if err != nil {
		return nil, err
	}
	seq := stored.Seq
	pending := &PendingApproval{ID: a.ID, Status: string(a.Status), StatusURL: "/api/v1/approvals/" + a.ID, ExpiresAt: a.ExpiresAt}
	return &Result{
		ResultMeta: ResultMeta{
			Command: info.Name, RequestID: req.RequestID, OutputsPrefix: "IDCMD.Approval", OutputsKeyField: "id",
			ReadableOutput: table("Approval required: "+info.Name, []string{"Approval", "Requested by", "Target", "Expires"},
				[][]string{{a.ID, a.Requester, targetUser(req.Args), a.ExpiresAt.UTC().Format(time.RFC3339)}}) +
				"\nNothing was done yet. A second person with the approvals:decide scope must approve it.\n",
			RawResponse: a,
			AuditID:     seq,
			Writeback:   writebackRef(stored),
		},
		Outputs:  pending,
		Approval: pending,
	}, nil
}

// Decide approves or rejects a pending call. An approval runs the command
// through the Invoker, with requester and approver recorded; the store's
// compare-and-set makes it run at most once, however many approvers race.
func (inv *Invoker) Decide(ctx context.Context, id string, approver Caller, approve bool, comment string) (store.Approval, error) {
	if !approver.Has(ScopeApprovalsDecide) {
		return store.Approval{}, &ScopeError{Scope: ScopeApprovalsDecide}
	}
	a, err := inv.Store.DecideApproval(ctx, id, approver.Subject, approve, comment, inv.now())
	if err != nil {
		return a, approvalError(err)
	}
	rec := store.AuditRecord{Subject: a.Requester, Command: a.Command, Args: a.Args, Incident: a.Incident, ApprovalID: a.ID, Approver: approver.Subject, RequestID: a.RequestID}
	if !approve {
		rec.Outcome = OutcomeRejected
		rec.Detail = truncate("rejected by "+approver.Subject+": "+comment, 500)
		rec.WriteBack = approvalWriteback(a, "rejected", rec.Detail)
		if _, err := inv.record(ctx, rec); err != nil {
			return a, err
		}
		return a, nil
	}
	won, err := inv.Store.ClaimApprovalRun(ctx, a.ID)
	if err != nil {
		return a, fmt.Errorf("claim approval: %w", err)
	}
	if !won {
		return inv.Store.GetApproval(ctx, a.ID)
	}
	return inv.runApproved(ctx, a)
}

// runApproved runs an approved call and stores its outcome on the approval.
func (inv *Invoker) runApproved(ctx context.Context, a store.Approval) (store.Approval, error) {
	status, result, seq := store.ApprovalFailed, json.RawMessage(nil), int64(0)
	cmd, err := inv.Lookup(a.Command)
	if err == nil {
		var args any
		var inc *Incident
		args, _, err = Decode(cmd, a.Args)
		if err == nil && len(a.Incident) > 0 {
			err = json.Unmarshal(a.Incident, &inc)
		}
		if err == nil {
			req := Request{Command: a.Command, Args: args, Incident: inc, Caller: Caller{Subject: a.Requester}, RequestID: a.RequestID, approval: &a}
			var res *Result
			res, err = inv.gateAndRun(ctx, req, cmd)
			if err == nil {
				status, seq = store.ApprovalExecuted, res.AuditID
				result, _ = json.Marshal(res)
			}
		}
	}
	if err != nil {
		seq = auditIDOf(err)
		result, _ = json.Marshal(map[string]any{"error": err.Error()})
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return inv.Store.FinishApproval(fctx, a.ID, status, result, seq)
}

// Cancel withdraws a pending approval; only its requester may.
func (inv *Invoker) Cancel(ctx context.Context, id string, caller Caller) (store.Approval, error) {
	a, err := inv.Store.CancelApproval(ctx, id, caller.Subject, inv.now())
	if err != nil {
		return a, approvalError(err)
	}
	_, err = inv.record(ctx, store.AuditRecord{Subject: caller.Subject, Command: a.Command, Args: a.Args, Incident: a.Incident,
		ApprovalID: a.ID, RequestID: a.RequestID, Outcome: OutcomeRejected, Detail: "cancelled by the requester",
		WriteBack: approvalWriteback(a, "cancelled", "cancelled by the requester; nothing was done")})
	return a, err
}

// approvalWriteback tells the incident that a held call will not run.
func approvalWriteback(a store.Approval, headline, detail string) *store.WriteBack {
	if len(a.Incident) == 0 {
		return nil
	}
	var inc Incident
	if json.Unmarshal(a.Incident, &inc) != nil {
		return nil
	}
	var user string
	var m map[string]any
	if json.Unmarshal(a.Args, &m) == nil {
		user, _ = m["user"].(string)
	}
	return writebackFor(&inc, entry{command: a.Command, headline: headline, user: user, requester: a.Requester,
		requestID: a.RequestID, detail: detail + " (approval " + a.ID + ")"})
}

func approvalError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return ErrApprovalNotFound
	case errors.Is(err, store.ErrSelfApproval):
		return ErrSelfApproval
	case errors.Is(err, store.ErrExpired):
		return ErrApprovalExpired
	case errors.Is(err, store.ErrNotPending):
		return ErrApprovalNotPending
	case errors.Is(err, store.ErrNotRequester):
		return ErrNotRequester
	}
	return err
}

func (inv *Invoker) now() time.Time {
	if inv.Now != nil {
		return inv.Now()
	}
	return time.Now()
}
