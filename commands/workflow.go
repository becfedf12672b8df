package commands

import (
	"context"
	"errors"
	"strings"

	"github.com/idcmd/idcmd/store"
)

// Steps is how a workflow command (Spec.Workflow) acts. Each step is a call
// of its own through the Invoker — scope, validation, idempotency, the
// approval gate, its own audit record naming the workflow — made for the
// same caller, with the same incident, request ID and automated flag as
// the workflow's call. Steps write nothing into the incident themselves:
// the workflow's answer, which reports every step, is its one entry there.
type Steps struct {
	inv    *Invoker
	parent Request
	// covered are the commands Approve vetted: under an approved workflow
	// they run with its approval, and nothing else does.
	covered map[string]bool
	// acted is set once a state-changing step has run.
	acted bool
}

// Step is one command a workflow runs, with its arguments: a pointer to the
// command's argument struct.
type Step struct {
	Command Command
	Args    any
}

// Step statuses.
const (
	StepDone            = "done"
	StepPendingApproval = "pending_approval"
	StepFailed          = "failed"
	StepRejected        = "rejected"
	StepSkipped         = "skipped"
)

// StepResult is what one step of a workflow did.
type StepResult struct {
	// What the step is for, in the workflow's words.
	Step string `json:"Step" example:"end sessions"`
	// The command the step ran.
	Command string `json:"Command" example:"okta-clear-sessions"`
	// For a provider-neutral step: the provider command it ran as.
	EffectiveCommand string `json:"EffectiveCommand,omitempty" example:"okta-suspend-user"`
	// done, pending_approval, failed, rejected (not allowed or bad input) or skipped.
	Status string `json:"Status" example:"done"`
	// Why, for a step not done: the error, the approval's reason, why it was skipped.
	Detail string `json:"Detail,omitempty"`
	// The step's record in the audit log.
	AuditID int64 `json:"AuditID,omitempty" example:"1043"`
	// The approval a held step waits for, or the approval of the workflow it ran under.
	ApprovalID string `json:"ApprovalID,omitempty" example:"apr_3k2j4h5g6f7d8s9a0q1w"`

	result *Result
}

// Outputs are the step command's typed outputs; nil unless it is done.
func (r StepResult) Outputs() any {
	if r.result == nil {
		return nil
	}
	return r.result.Outputs
}

// Raw is the step command's raw_response; nil unless it is done.
func (r StepResult) Raw() any {
	if r.result == nil {
		return nil
	}
	return r.result.RawResponse
}

// Skipped reports a step the workflow chose not to run, and why.
func Skipped(purpose string, cmd Command, why string) StepResult {
	return StepResult{Step: purpose, Command: cmd.Info().Name, Status: StepSkipped, Detail: why}
}

// Providers are the clients a workflow reads through. A workflow changes
// nothing through them: every change is a Run.
func (s *Steps) Providers() Providers { return s.inv.Providers }

// Incident is the workflow call's incident context; nil when it has none.
func (s *Steps) Incident() *Incident { return s.parent.Incident }

// Automated reports whether the workflow was started by an event rule.
func (s *Steps) Automated() bool { return s.parent.Automated }

// Approve holds the whole workflow call for one approval when policy would
// hold any of steps, so a second person approves the containment of a user
// once rather than each of its actions. It must come before any
// state-changing step runs. Under an approved workflow it returns nil and
// these steps run under that approval; steps it was not told about still
// pass the gate on their own. An error is a definite answer about a step
// (its user does not exist): the workflow fails with it.
func (s *Steps) Approve(ctx context.Context, steps ...Step) error {
	if s.acted {
		panic("commands: " + s.parent.Command + " asked for approval after a step acted")
	}
	var reasons []string
	for _, st := range steps {
		name := st.Command.Info().Name
		s.covered[name] = true
		if s.parent.approval != nil || s.inv.Store == nil {
			continue
		}
		cmd, err := s.inv.Lookup(name)
		if err != nil {
			return err
		}
		if err := s.inv.Validator.Check(st.Args, nil); err != nil {
			return err
		}
		child := s.child(name, st.Args)
		pl, err := s.inv.resolve(ctx, child, cmd)
		if err != nil {
			return err
		}
		why, err := s.inv.approvalReason(ctx, child, pl)
		if err != nil {
			return err
		}
		if why != "" {
			reasons = append(reasons, pl.label()+": "+why)
		}
	}
	if len(reasons) > 0 {
		return &holdError{reason: truncate(strings.Join(reasons, "; "), 500)}
	}
	return nil
}

// Run runs one step through the Invoker and reports what it did; purpose
// says what the step is for. A step that fails leaves the others to the
// workflow: it decides whether to go on.
func (s *Steps) Run(ctx context.Context, purpose string, st Step) StepResult {
	info := st.Command.Info()
	out := StepResult{Step: purpose, Command: info.Name}
	req := s.child(info.Name, st.Args)
	res, err := s.inv.Invoke(ctx, req)
	if info.Risk.ChangesState() {
		s.acted = true
	}
	// A step that ran under the workflow's approval names it, as its audit
	// record does.
	if req.approval != nil {
		out.ApprovalID = req.approval.ID
	}
	switch {
	case err != nil:
		out.Status, out.AuditID, out.Detail = StepFailed, auditIDOf(err), truncate(err.Error(), 300)
		var ie *InputError
		if errors.As(err, &ie) || errors.Is(err, ErrForbidden) {
			out.Status = StepRejected
		}
	case res.Approval != nil:
		out.Status, out.AuditID, out.ApprovalID = StepPendingApproval, res.AuditID, res.Approval.ID
		out.EffectiveCommand = res.EffectiveCommand
		if a, ok := res.RawResponse.(store.Approval); ok {
			out.Detail = "held for approval: " + a.Reason
		}
	default:
		out.Status, out.AuditID, out.EffectiveCommand, out.result = StepDone, res.AuditID, res.EffectiveCommand, res
	}
	return out
}

// child is a step's call: the workflow's caller, incident, request ID and
// automated flag; no write-back of its own; an idempotency key derived from
// the workflow's and the step's arguments, so a retried workflow replays
// the steps already done, and two steps of one command with different
// arguments (deleting each of a user's MFA devices) are two keys, not a
// reuse of one key with another body.
func (s *Steps) child(name string, args any) Request {
	r := Request{Command: name, Args: args, Incident: s.parent.Incident, Caller: s.parent.Caller, RequestID: s.parent.RequestID,
		Automated: s.parent.Automated, NoWriteBack: true, workflow: s.parent.Command}
	switch {
	case s.covered[name]:
		r.approval = s.parent.approval
	case s.parent.approval != nil:
		// An approved workflow runs for its requester with no token: the
		// scope it was asked with (its own, checked then) is what a step
		// Approve did not cover is authorized by, so that step reaches
		// the gate on its own instead of being refused for a scope.
		if wf, err := s.inv.Lookup(s.parent.Command); err == nil {
			r.Caller.Scopes = []string{wf.Info().Risk.Scope()}
		}
	}
	if s.parent.IdempotencyKey != "" {
		r.IdempotencyKey = s.parent.IdempotencyKey + "/" + s.parent.Command + "/" + requestHash(name, args, nil)[:16]
	}
	return r
}

// holdError is Approve's answer when the workflow must wait for a second
// person; gateAndRun turns it into the workflow call's approval request.
type holdError struct{ reason string }

func (e *holdError) Error() string { return "held for approval: " + e.reason }
