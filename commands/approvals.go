package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/idcmd/idcmd/store"
)

// ApprovalPolicy decides which state-changing commands need a second
// person before they run. The most specific setting wins: the command's
// own, then its provider's, then the rule for destructive commands.
type ApprovalPolicy struct {
	// Commands maps a command name to whether it needs approval.
	Commands map[string]bool
	// Providers maps okta, pingone or prisma to whether every state-changing
	// command acting on it needs approval.
	Providers map[Provider]bool
	// Destructive requires approval for every destructive command.
	Destructive bool
	// Automated maps a command name to whether an automated run (an event
	// response) needs approval; it wins over the rest for automated runs.
	// It is fed by automated_responses.actions.<action>.require_approval.
	Automated map[string]bool
	// PrivilegedSecrets holds every call that would hand a one-time secret
	// (a reset link, a temporary password) to the caller for a privileged
	// user — one holding an admin role or in PrivilegedGroups — for a
	// second person: the secret is a takeover of that account.
	PrivilegedSecrets bool
	// PrivilegedGrants holds every call that would add a user to one of
	// PrivilegedGroups for a second person: membership is the group's
	// rights, so a stolen SOAR token must not be able to grant them alone.
	PrivilegedGrants bool
	// PrivilegedGroups are group names (compared without case) that make a
	// user privileged, besides any admin role.
	PrivilegedGroups []string
}

// Requires reports whether a run of the command on provider needs approval
// by the command policy. Called with the command that acts: the provider
// command a neutral command resolved to.
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
// provider commands an automated response may run for them. Neutral
// commands need no entry: the gate judges the provider command they run.
var automatedActions = map[string][]string{
	"suspend_user":       {"okta-suspend-user"},
	"lock_user":          {"pingone-lock-user"},
	"clear_sessions":     {"okta-clear-sessions"},
	"terminate_sessions": {"pingone-terminate-sessions"},
	"reset_password":     {"okta-reset-password", "pingone-reset-password"},
	"disable_user":       {"pingone-disable-user"},
	"deactivate_user":    {"okta-deactivate-user"},
	// contain-user is a workflow: the gate judges each step it runs, so
	// its setting holds those steps (and, merged, any other action's).
	"contain_user": {"okta-suspend-user", "okta-clear-sessions", "okta-reset-factors",
		"pingone-lock-user", "pingone-terminate-sessions", "pingone-delete-device"},
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

// approvalReason says why a call must wait for a second person, or "" when
// it may run now. It judges what the call does: the provider command a
// neutral command resolved to, with that command's arguments. An error is
// a definite answer about the arguments found on the way (the group to add
// the user to does not exist): the call fails with it instead of waiting.
func (inv *Invoker) approvalReason(ctx context.Context, req Request, pl plan) (string, error) {
	info := pl.runs.Info()
	if req.Hold != "" && info.Risk.ChangesState() {
		return req.Hold, nil
	}
	if inv.Policy.Requires(info, info.Provider, req.Automated) {
		return "the approval policy holds " + info.Name, nil
	}
	if inv.Policy.PrivilegedSecrets && pl.runs.revealsSecret(pl.args) {
		if why := inv.privileged(ctx, info.Provider, targetUser(pl.args)); why != "" {
			return "a one-time secret for a privileged user: " + why, nil
		}
	}
	if inv.Policy.PrivilegedGrants {
		return inv.grantsPrivilege(ctx, pl)
	}
	return "", nil
}

// grantsPrivilege says why a call that adds its user to a group needs a
// second person — the group is privileged, or its name could not be read —
// or "" when it adds nobody to a privileged group. A group that does not
// exist, or a name that fits several, is the call's error: there is nothing
// to approve.
func (inv *Invoker) grantsPrivilege(ctx context.Context, pl plan) (string, error) {
	group, ok, err := pl.runs.grantsGroup(ctx, inv.Providers, pl.args)
	var argErr *ArgumentError
	var inErr *InputError
	switch {
	case !ok:
		return "", nil
	case errors.As(err, &argErr), errors.As(err, &inErr):
		return "", err
	case err != nil:
		return "it adds a user to a group that could not be checked against the privileged groups (" + truncate(err.Error(), 200) + ")", nil
	case inv.privilegedGroup(group):
		return "it adds a user to the privileged group " + group, nil
	}
	return "", nil
}

func (inv *Invoker) approvalTTL() time.Duration {
	if inv.ApprovalTTL > 0 {
		return inv.ApprovalTTL
	}
	return time.Hour
}

// requestApproval stores the call for a second person and answers 202. The
// approval keeps the call as asked (command and arguments) and the provider
// command it resolved to, which is what the approver approves.
func (inv *Invoker) requestApproval(ctx context.Context, req Request, pl plan, reason string) (*Result, error) {
	info := pl.asked
	args, err := json.Marshal(req.Args)
	if err != nil {
		return nil, fmt.Errorf("encode arguments: %w", err)
	}
	var inc json.RawMessage
	if req.Incident != nil {
		inc, _ = json.Marshal(req.Incident)
	}
	a, err := inv.Store.CreateApproval(ctx, store.Approval{
		Command: info.Name, Effective: pl.name(), Args: args, Incident: inc, Requester: req.Caller.Subject, RequestID: req.RequestID,
		Reason: reason, ExpiresAt: inv.now().Add(inv.approvalTTL()),
	})
	if err != nil {
		return nil, fmt.Errorf("create approval: %w", err)
	}
	rec := draftRecord(req, pl.name(), pl.via())
	rec.Outcome = OutcomePendingApproval
	rec.ApprovalID = a.ID
	rec.Detail = truncate(reason, 500)
	if !req.NoWriteBack {
		held := resultEntry(pl.runs.Info(), req, "", nil)
		held.command = pl.label()
		held.headline = "held for approval"
		held.detail = "nothing done yet (" + reason + "): approval " + a.ID + " must be approved by a second person before " + a.ExpiresAt.UTC().Format(time.RFC3339)
		rec.WriteBack = writebackFor(req.Incident, held)
	}
	stored, err := inv.record(ctx, rec)
	if err != nil {
		return nil, err
	}
	seq := stored.Seq
	pending := &PendingApproval{ID: a.ID, Status: string(a.Status), StatusURL: "/api/v1/approvals/" + a.ID, ExpiresAt: a.ExpiresAt}
	return &Result{
		ResultMeta: ResultMeta{
			Command: info.Name, EffectiveCommand: pl.effective(), RequestID: req.RequestID, OutputsPrefix: "IDCMD.Approval", OutputsKeyField: "id",
			ReadableOutput: table("Approval required: "+pl.label(), []string{"Approval", "Requested by", "Target", "Reason", "Expires"},
				[][]string{{a.ID, a.Requester, targetUser(req.Args), reason, a.ExpiresAt.UTC().Format(time.RFC3339)}}) +
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
	rec := store.AuditRecord{Subject: a.Requester, Command: a.EffectiveOrCommand(), RequestedAs: a.RequestedAs(), Args: a.Args, Incident: a.Incident, ApprovalID: a.ID, Approver: approver.Subject, RequestID: a.RequestID}
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
// The call is resolved again and must still resolve to the provider command
// that was approved. The stored result has its one-time secrets redacted;
// the approval returned here carries them, for the approve call's answer
// only.
func (inv *Invoker) runApproved(ctx context.Context, a store.Approval) (store.Approval, error) {
	status, result, seq := store.ApprovalFailed, json.RawMessage(nil), int64(0)
	var live json.RawMessage
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
			var pl plan
			pl, err = inv.resolve(ctx, req, cmd)
			if err == nil && a.Effective != "" && pl.name() != a.Effective {
				err = fmt.Errorf("%s now resolves to %s, not to the approved %s; nothing was done", a.Command, pl.name(), a.Effective)
			}
			var res *Result
			if err == nil {
				res, err = inv.gateAndRun(ctx, req, pl)
			} else {
				res, err = inv.finish(ctx, req, pl, Reply[any]{}, err, 0)
			}
			if err == nil {
				status, seq = store.ApprovalExecuted, res.AuditID
				live, _ = json.Marshal(res)
				result = storedCopy(res)
			}
		}
	}
	if err != nil {
		seq = auditIDOf(err)
		result, _ = json.Marshal(map[string]any{"error": err.Error()})
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	done, err := inv.Store.FinishApproval(fctx, a.ID, status, result, seq)
	if err == nil && live != nil {
		done.Result = live
	}
	return done, err
}

// Cancel withdraws a pending approval; only its requester may.
func (inv *Invoker) Cancel(ctx context.Context, id string, caller Caller) (store.Approval, error) {
	a, err := inv.Store.CancelApproval(ctx, id, caller.Subject, inv.now())
	if err != nil {
		return a, approvalError(err)
	}
	_, err = inv.record(ctx, store.AuditRecord{Subject: caller.Subject, Command: a.EffectiveOrCommand(), RequestedAs: a.RequestedAs(), Args: a.Args, Incident: a.Incident,
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
