package commands

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/idcmd/idcmd/providers/upstream"
	"github.com/idcmd/idcmd/store"
)

// The workflow core on a catalog of its own: test step commands that
// record their calls instead of calling a provider, and a workflow made of
// them. The Invoker has a real store, so audit records, idempotency keys
// and approvals are the ones a server would keep.

// wfStepArgs are the test steps' arguments.
type wfStepArgs struct {
	User string `json:"user" validate:"required,max=64"`
}

// wfArgs are the test workflow's arguments.
type wfArgs struct {
	User string `json:"user" validate:"required,max=64"`
	// Strict makes the workflow fail when a step failed (so its own
	// idempotency key is released and a retry runs it again).
	Strict bool `json:"strict,omitempty"`
	// Late asks for approval after a step acted: a programming error.
	Late bool `json:"late,omitempty"`
}

// wfRecorder is what the test steps did and what they are told to do.
type wfRecorder struct {
	mu    sync.Mutex
	calls []string
	fail  map[string]error // step command → its error
}

func (r *wfRecorder) record(name, user string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, name+":"+user)
	return r.fail[name]
}

func (r *wfRecorder) setFail(name string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail == nil {
		r.fail = map[string]error{}
	}
	r.fail[name] = err
}

func (r *wfRecorder) called() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// wfStep is a state-changing test step at the "okta" provider.
func wfStep(rec *wfRecorder, name string) Spec[wfStepArgs, string] {
	return Spec[wfStepArgs, string]{
		Name: name, Summary: "test step " + name, Provider: Okta, Risk: Write,
		Context: Context{Prefix: "Test.Step", Key: "User"},
		Run: func(_ context.Context, _ Providers, a wfStepArgs) (Reply[string], error) {
			if err := rec.record(name, a.User); err != nil {
				return Reply[string]{}, err
			}
			return Reply[string]{Outputs: name + " done", Readable: name + " done"}, nil
		},
	}
}

type wfCatalog struct {
	rec                 *wfRecorder
	alpha, beta, gamma  Spec[wfStepArgs, string]
	neutral             Spec[wfStepArgs, string]
	workflow, incidents Spec[wfArgs, []StepResult]
}

func newWFCatalog() *wfCatalog {
	rec := &wfRecorder{}
	c := &wfCatalog{rec: rec, alpha: wfStep(rec, "okta-test-alpha"), beta: wfStep(rec, "okta-test-beta"), gamma: wfStep(rec, "okta-test-gamma")}
	beta := c.beta
	// A provider-neutral step: it runs okta-test-beta.
	c.neutral = Spec[wfStepArgs, string]{
		Name: "test-neutral-step", Summary: "neutral test step", Provider: Neutral, Risk: Write,
		Context: Context{Prefix: "Test.Step", Key: "User"},
		Delegate: func(_ context.Context, _ Providers, a wfStepArgs) (Delegation[string], error) {
			return delegateTo(beta, a, func(r Reply[string]) Reply[string] { return r }), nil
		},
	}
	// The workflow: Approve alpha and the neutral step (not gamma), then
	// run alpha, the neutral step and gamma twice (for two users).
	c.workflow = Spec[wfArgs, []StepResult]{
		Name: "test-workflow", Summary: "test workflow", Provider: Neutral, Risk: Write,
		Context: Context{Prefix: "Test.Workflow", Key: "Step"},
		Workflow: func(ctx context.Context, steps *Steps, a wfArgs) (Reply[[]StepResult], error) {
			alpha := Step{Command: c.alpha, Args: &wfStepArgs{User: a.User}}
			neutral := Step{Command: c.neutral, Args: &wfStepArgs{User: a.User}}
			if a.Late {
				steps.Run(ctx, "alpha", alpha)
			}
			if err := steps.Approve(ctx, alpha, neutral); err != nil {
				return Reply[[]StepResult]{}, err
			}
			var out []StepResult
			if !a.Late {
				out = append(out, steps.Run(ctx, "alpha", alpha))
			}
			out = append(out, steps.Run(ctx, "neutral", neutral),
				steps.Run(ctx, "gamma", Step{Command: c.gamma, Args: &wfStepArgs{User: a.User}}),
				steps.Run(ctx, "gamma again", Step{Command: c.gamma, Args: &wfStepArgs{User: a.User + "-2"}}))
			if a.Strict {
				for _, r := range out {
					if r.Status != StepDone {
						return Reply[[]StepResult]{}, errors.New("step " + r.Step + " did not run: " + r.Detail)
					}
				}
			}
			return Reply[[]StepResult]{Outputs: out, Readable: StepsTable("test workflow", out)}, nil
		},
	}
	c.incidents = c.workflow
	c.incidents.Name, c.incidents.NeedsIncident = "test-incident-workflow", true
	return c
}

func newWFInvoker(t *testing.T, c *wfCatalog, policy ApprovalPolicy) *Invoker {
	t.Helper()
	st, err := store.Open(context.Background(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	inv := NewInvoker(MustCatalog(c.alpha, c.beta, c.gamma, c.neutral, c.workflow, c.incidents), Providers{})
	inv.Store, inv.Policy = st, policy
	inv.Log = slog.New(slog.NewTextHandler(io.Discard, nil)) // the contained panic's stack
	return inv
}

var wfCaller = Caller{Subject: "alice", Scopes: []string{ScopeRead, ScopeWrite}}

func runWF(t *testing.T, inv *Invoker, name string, a wfArgs, inc *Incident, key string) (*Result, error) {
	t.Helper()
	return inv.Invoke(context.Background(), Request{Command: name, Args: &a, Incident: inc, Caller: wfCaller, RequestID: "req-wf", IdempotencyKey: key})
}

// auditOf returns every record of the log, oldest first.
func auditOf(t *testing.T, inv *Invoker) []store.AuditRecord {
	t.Helper()
	recs, _, err := inv.Store.ListAudit(context.Background(), store.AuditFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(recs)
	return recs
}

func stepsOf(t *testing.T, res *Result) []StepResult {
	t.Helper()
	out, ok := res.Outputs.([]StepResult)
	if !ok {
		t.Fatalf("outputs %T", res.Outputs)
	}
	return out
}

// TestWorkflowStepsAreCallsOfTheirOwn: each step has its own audit record
// naming the workflow (and the neutral name it was asked by), with the
// workflow's request ID, caller and incident, and no write-back of its
// own; the workflow's record is the one that writes to the incident.
func TestWorkflowStepsAreCallsOfTheirOwn(t *testing.T) {
	c := newWFCatalog()
	inv := newWFInvoker(t, c, ApprovalPolicy{})
	inc := &Incident{Platform: "xsoar", ID: "INC-7"}
	res, err := runWF(t, inv, "test-workflow", wfArgs{User: "jdoe"}, inc, "")
	if err != nil {
		t.Fatal(err)
	}
	got := stepsOf(t, res)
	if len(got) != 4 || got[1].EffectiveCommand != "okta-test-beta" {
		t.Fatalf("steps: %+v", got)
	}
	want := []struct{ command, requestedAs string }{
		{"okta-test-alpha", "test-workflow"}, {"okta-test-beta", "test-workflow/test-neutral-step"},
		{"okta-test-gamma", "test-workflow"}, {"okta-test-gamma", "test-workflow"}, {"test-workflow", ""},
	}
	recs := auditOf(t, inv)
	if len(recs) != len(want) {
		t.Fatalf("%d audit records: %+v", len(recs), recs)
	}
	for i, w := range want {
		r := recs[i]
		if r.Command != w.command || r.RequestedAs != w.requestedAs || r.Outcome != OutcomeSuccess {
			t.Errorf("record %d: %s as %q, %s; want %s as %q", i, r.Command, r.RequestedAs, r.Outcome, w.command, w.requestedAs)
		}
		if r.RequestID != "req-wf" || r.Subject != "alice" || !strings.Contains(string(r.Incident), `"INC-7"`) {
			t.Errorf("record %d: request %q, subject %q, incident %s", i, r.RequestID, r.Subject, r.Incident)
		}
		isStep := i < len(want)-1
		if isStep && r.WriteBackID != "" {
			t.Errorf("step record %d has a write-back of its own", i)
		}
		if isStep && r.Seq != got[i].AuditID {
			t.Errorf("step %d reports audit #%d, its record is #%d", i, got[i].AuditID, r.Seq)
		}
	}
	wf := recs[len(recs)-1]
	wb, err := inv.Store.GetWriteBack(context.Background(), wf.WriteBackID)
	if err != nil || !strings.Contains(wb.Markdown, "okta-test-gamma") || wb.IncidentID != "INC-7" {
		t.Errorf("the workflow's own record has no write-back listing its steps: %+v (%v)", wb, err)
	}
	if all, _, err := inv.Store.ListWriteBacks(context.Background(), store.WriteBackFilter{}); err != nil || len(all) != 1 {
		t.Errorf("%d write-backs (%v), want the workflow's one", len(all), err)
	}
}

// TestWorkflowApproveHoldsTheWholeCall: a policy that holds one step
// holds the whole workflow for one approval, and nothing runs; approving
// it runs every step Approve covered under that approval, while a step
// Approve was not told about still passes the gate on its own.
func TestWorkflowApproveHoldsTheWholeCall(t *testing.T) {
	c := newWFCatalog()
	inv := newWFInvoker(t, c, ApprovalPolicy{Commands: map[string]bool{"okta-test-beta": true, "okta-test-gamma": true}})
	res, err := runWF(t, inv, "test-workflow", wfArgs{User: "jdoe"}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Approval == nil {
		t.Fatalf("not held: %+v", res)
	}
	if calls := c.rec.called(); len(calls) != 0 {
		t.Fatalf("steps ran before approval: %v", calls)
	}
	pending, _, err := inv.Store.ListApprovals(context.Background(), store.ApprovalFilter{})
	if err != nil || len(pending) != 1 {
		t.Fatalf("%d approvals (%v)", len(pending), err)
	}
	if a := pending[0]; a.Command != "test-workflow" || !strings.Contains(a.Reason, "test-neutral-step (okta-test-beta)") {
		t.Errorf("approval %s: %q", a.Command, a.Reason)
	}
	if recs := auditOf(t, inv); len(recs) != 1 || recs[0].Outcome != OutcomePendingApproval {
		t.Fatalf("audit before approval: %+v", recs)
	}

	if _, err := inv.Decide(context.Background(), res.Approval.ID, Caller{Subject: "alice", Scopes: []string{ScopeApprovalsDecide}}, true, ""); !errors.Is(err, ErrSelfApproval) {
		t.Fatalf("the requester approved their own workflow: %v", err)
	}
	a, err := inv.Decide(context.Background(), res.Approval.ID, Caller{Subject: "bob", Scopes: []string{ScopeApprovalsDecide}}, true, "go")
	if err != nil || a.Status != store.ApprovalExecuted {
		t.Fatalf("decide: %s, %v", a.Status, err)
	}
	if calls := c.rec.called(); !slices.Equal(calls, []string{"okta-test-alpha:jdoe", "okta-test-beta:jdoe"}) {
		t.Errorf("ran %v; gamma, not covered by Approve, must wait for its own approval", calls)
	}
	var ran Result
	if err := json.Unmarshal(a.Result, &ran); err != nil {
		t.Fatal(err)
	}
	var steps []StepResult
	b, _ := json.Marshal(ran.Outputs)
	if err := json.Unmarshal(b, &steps); err != nil || len(steps) != 4 {
		t.Fatalf("steps %s (%v)", b, err)
	}
	for _, s := range steps[:2] {
		if s.Status != StepDone || s.ApprovalID != a.ID {
			t.Errorf("covered step %s: %s under %q", s.Step, s.Status, s.ApprovalID)
		}
	}
	for _, s := range steps[2:] {
		if s.Status != StepPendingApproval || s.ApprovalID == "" || s.ApprovalID == a.ID {
			t.Errorf("uncovered step %s: %s, approval %q", s.Step, s.Status, s.ApprovalID)
		}
	}
	byCmd := map[string]store.AuditRecord{}
	for _, r := range auditOf(t, inv) {
		if r.Outcome == OutcomeSuccess {
			byCmd[r.Command] = r
		}
	}
	for _, name := range []string{"okta-test-alpha", "okta-test-beta", "test-workflow"} {
		if r := byCmd[name]; r.ApprovalID != a.ID || r.Approver != "bob" || r.Subject != "alice" {
			t.Errorf("%s ran as %q approved by %q under %q", name, r.Subject, r.Approver, r.ApprovalID)
		}
	}
}

// TestWorkflowFailingStepIsReported: a step that fails is reported with
// its audit record, and the next step still runs.
func TestWorkflowFailingStepIsReported(t *testing.T) {
	c := newWFCatalog()
	inv := newWFInvoker(t, c, ApprovalPolicy{})
	c.rec.setFail("okta-test-alpha", &upstream.Error{Provider: "okta", Kind: upstream.Conflict, Status: 403, Code: "E0000038", Message: "not allowed in the user's current status"})
	res, err := runWF(t, inv, "test-workflow", wfArgs{User: "jdoe"}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	steps := stepsOf(t, res)
	if s := steps[0]; s.Status != StepFailed || s.AuditID == 0 || !strings.Contains(s.Detail, "E0000038") {
		t.Errorf("failed step: %+v", s)
	}
	for _, s := range steps[1:] {
		if s.Status != StepDone {
			t.Errorf("step %s after the failure: %s", s.Step, s.Status)
		}
	}
	if rec, err := inv.Store.GetAudit(context.Background(), steps[0].AuditID); err != nil || rec.Outcome != OutcomeProviderError {
		t.Errorf("the failed step's record: %+v (%v)", rec, err)
	}
}

// TestWorkflowRetryReplaysDoneSteps: the steps' idempotency keys derive
// from the workflow's, so a workflow retried with its key (after a failure
// that released it) replays the steps already done instead of acting
// again; two steps of one command with different arguments are two keys.
func TestWorkflowRetryReplaysDoneSteps(t *testing.T) {
	c := newWFCatalog()
	inv := newWFInvoker(t, c, ApprovalPolicy{})
	c.rec.setFail("okta-test-beta", &upstream.Error{Provider: "okta", Kind: upstream.Unavailable, Status: 503, Message: "Service Unavailable"})
	if _, err := runWF(t, inv, "test-workflow", wfArgs{User: "jdoe", Strict: true}, nil, "key-1"); err == nil {
		t.Fatal("the strict workflow succeeded with a failed step")
	}
	first := c.rec.called()
	if !slices.Equal(first, []string{"okta-test-alpha:jdoe", "okta-test-beta:jdoe", "okta-test-gamma:jdoe", "okta-test-gamma:jdoe-2"}) {
		t.Fatalf("first run: %v", first)
	}
	c.rec.setFail("okta-test-beta", nil)
	res, err := runWF(t, inv, "test-workflow", wfArgs{User: "jdoe", Strict: true}, nil, "key-1")
	if err != nil {
		t.Fatal(err)
	}
	if again := c.rec.called()[len(first):]; !slices.Equal(again, []string{"okta-test-beta:jdoe"}) {
		t.Errorf("the retry ran %v; only the step that failed should run again", again)
	}
	for _, s := range stepsOf(t, res) {
		if s.Status != StepDone {
			t.Errorf("retry: step %s %s (%s)", s.Step, s.Status, s.Detail)
		}
	}
	// The whole workflow is now done under its key: a third call replays it.
	if res, err := runWF(t, inv, "test-workflow", wfArgs{User: "jdoe", Strict: true}, nil, "key-1"); err != nil || !res.Replayed {
		t.Errorf("third call: replayed %v, %v", res != nil && res.Replayed, err)
	}
	if n := len(c.rec.called()); n != len(first)+1 {
		t.Errorf("%d step calls after the replay", n)
	}
}

// TestWorkflowApproveAfterActingPanics: asking for approval after a step
// acted would approve what is already done; it is a programming error, and
// the panic is contained as the call's error.
func TestWorkflowApproveAfterActingPanics(t *testing.T) {
	c := newWFCatalog()
	inv := newWFInvoker(t, c, ApprovalPolicy{})
	_, err := runWF(t, inv, "test-workflow", wfArgs{User: "jdoe", Late: true}, nil, "")
	if err == nil || !strings.Contains(err.Error(), "asked for approval after a step acted") {
		t.Fatalf("late Approve: %v", err)
	}
	recs := auditOf(t, inv)
	if last := recs[len(recs)-1]; last.Command != "test-workflow" || last.Outcome != OutcomeError {
		t.Errorf("the workflow's record: %s %s", last.Command, last.Outcome)
	}
}

// TestWorkflowNeedsIncident: a workflow about an incident refuses a call
// without one, naming body.incident, before any step runs.
func TestWorkflowNeedsIncident(t *testing.T) {
	c := newWFCatalog()
	inv := newWFInvoker(t, c, ApprovalPolicy{})
	_, err := runWF(t, inv, "test-incident-workflow", wfArgs{User: "jdoe"}, nil, "")
	var ie *InputError
	if !errors.As(err, &ie) || len(ie.Errors) != 1 || ie.Errors[0].Location != "body.incident" {
		t.Fatalf("no incident: %v", err)
	}
	if calls := c.rec.called(); len(calls) != 0 {
		t.Errorf("steps ran: %v", calls)
	}
	if _, err := runWF(t, inv, "test-incident-workflow", wfArgs{User: "jdoe"}, &Incident{Platform: "xdr", ID: "42"}, ""); err != nil {
		t.Errorf("with an incident: %v", err)
	}
}
