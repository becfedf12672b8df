package automation_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/automation"
	"github.com/idcmd/idcmd/catalog"
	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/upstream"
	"github.com/idcmd/idcmd/rules"
	"github.com/idcmd/idcmd/store"
	"github.com/idcmd/idcmd/writeback"
)

func suspend(user, incident string) rules.ResponsePayload {
	return rules.ResponsePayload{Action: "suspend_user", Command: "okta-suspend-user", User: user, Incident: incident}
}

// TestResponseRunsThroughTheInvoker: the response suspends the user on the
// fake Okta, and its audit record names automation:<action>, the event
// and the XSOAR incident the decision created.
func TestResponseRunsThroughTheInvoker(t *testing.T) {
	e := newEnv(t, commands.ApprovalPolicy{})
	id := e.userID(oktatest.DemoActiveUser)
	inc := e.queueIncident("ev1")
	e.settle(inc.ID, store.WriteBackOutcome{Delivered: true, RemoteID: "42"})
	wb := e.queue("ev1", suspend(id, inc.ID))
	res, err := deliver(t, automation.NewResponses(e.st, e.inv, cfg(), at(wb, time.Second)), wb)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != automation.StatusDone || res.Incident == nil || res.Incident.ID != "42" || res.AuditID == 0 {
		t.Fatalf("result %+v", res)
	}
	if st, _ := e.okta.Org().UserStatus(id); st != "SUSPENDED" {
		t.Errorf("user status %s, want SUSPENDED", st)
	}
	rec, err := e.st.GetAudit(t.Context(), res.AuditID)
	if err != nil {
		t.Fatal(err)
	}
	var recInc commands.Incident
	_ = json.Unmarshal(rec.Incident, &recInc)
	if rec.Subject != "automation:suspend_user" || rec.RequestID != "event:okta:ev1" || recInc.Platform != "xsoar" || recInc.ID != "42" || rec.Outcome != "success" {
		t.Errorf("audit record %+v (incident %s)", rec, rec.Incident)
	}
}

// TestRedeliveryRunsOnce: a response delivered again (its outcome was
// lost) replays the stored outcome: one suspension, one audit record.
func TestRedeliveryRunsOnce(t *testing.T) {
	e := newEnv(t, commands.ApprovalPolicy{})
	wb := e.queue("ev2", suspend(e.userID(oktatest.DemoActiveUser), ""))
	r := automation.NewResponses(e.st, e.inv, cfg(), at(wb, time.Second))
	first, err := deliver(t, r, wb)
	if err != nil {
		t.Fatal(err)
	}
	second, err := deliver(t, r, wb)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.lifecycle.Load(); n != 1 {
		t.Errorf("%d lifecycle calls, want 1", n)
	}
	if second.Status != automation.StatusDone || !second.Replayed || second.AuditID != first.AuditID {
		t.Errorf("redelivery %+v, first %+v", second, first)
	}
	if n := len(e.audit()); n != 1 {
		t.Errorf("%d audit records, want 1", n)
	}
}

// TestRequireApproval: a response whose action requires approval is
// delivered as pending_approval; a person approves and the suspension runs
// then, with the approver in its record.
func TestRequireApproval(t *testing.T) {
	auto, err := commands.AutomatedPolicy(map[string]bool{"suspend_user": true})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, commands.ApprovalPolicy{Automated: auto})
	id := e.userID(oktatest.DemoActiveUser)
	wb := e.queue("ev3", suspend(id, ""))
	res, err := deliver(t, automation.NewResponses(e.st, e.inv, cfg(), at(wb, time.Second)), wb)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != automation.StatusPendingApproval || res.ApprovalID == "" || e.lifecycle.Load() != 0 {
		t.Fatalf("result %+v, %d lifecycle calls", res, e.lifecycle.Load())
	}
	// A redelivery before anyone decides answers with the same approval.
	again, err := deliver(t, automation.NewResponses(e.st, e.inv, cfg(), at(wb, 2*time.Second)), wb)
	if err != nil || again.Status != automation.StatusPendingApproval || again.ApprovalID != res.ApprovalID || !again.Replayed {
		t.Fatalf("redelivery %+v, err %v", again, err)
	}
	a, err := e.inv.Decide(t.Context(), res.ApprovalID, commands.Caller{Subject: "alice", Scopes: []string{commands.ScopeApprovalsDecide}}, true, "ok")
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != store.ApprovalExecuted {
		t.Fatalf("approval %s: %s", a.Status, a.Result)
	}
	if st, _ := e.okta.Org().UserStatus(id); st != "SUSPENDED" {
		t.Errorf("user status %s after approval", st)
	}
	rec, err := e.st.GetAudit(t.Context(), a.AuditSeq)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Approver != "alice" || rec.Subject != "automation:suspend_user" || rec.Outcome != "success" {
		t.Errorf("approved run's record %+v", rec)
	}
}

// TestHeldResponse: the rate limit's hold makes a response wait for a
// person although the policy would run it.
func TestHeldResponse(t *testing.T) {
	e := newEnv(t, commands.ApprovalPolicy{})
	p := suspend(e.userID(oktatest.DemoActiveUser), "")
	p.Hold = "automated_responses.rate_limit: 10 runs of suspend_user in the last 10m0s"
	wb := e.queue("ev4", p)
	res, err := deliver(t, automation.NewResponses(e.st, e.inv, cfg(), at(wb, time.Second)), wb)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != automation.StatusPendingApproval || e.lifecycle.Load() != 0 {
		t.Fatalf("result %+v, %d lifecycle calls", res, e.lifecycle.Load())
	}
	a, err := e.st.GetApproval(t.Context(), res.ApprovalID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Reason != p.Hold || a.Requester != "automation:suspend_user" {
		t.Errorf("approval reason %q requester %q", a.Reason, a.Requester)
	}
}

// TestKillSwitch: with automated_responses.enabled false now, a queued
// response fails permanently and calls nothing.
func TestKillSwitch(t *testing.T) {
	e := newEnv(t, commands.ApprovalPolicy{})
	wb := e.queue("ev5", suspend(e.userID(oktatest.DemoActiveUser), ""))
	off := cfg()
	off.Enabled = false
	res, err := deliver(t, automation.NewResponses(e.st, e.inv, off, at(wb, time.Second)), wb)
	if !upstream.IsKind(err, upstream.Invalid) || !strings.Contains(err.Error(), "automated_responses.enabled is false: not run") {
		t.Fatalf("err %v, want a permanent refusal naming the kill switch", err)
	}
	if res.Status != automation.StatusRejected || e.lifecycle.Load() != 0 || len(e.audit()) != 0 {
		t.Errorf("result %+v, %d lifecycle calls, %d audit records", res, e.lifecycle.Load(), len(e.audit()))
	}
}

// TestWaitForIncident: while the XSOAR incident delivery is queued the
// response is put off; once it is delivered the response runs in it;
// after wait_for_incident it runs without it.
func TestWaitForIncident(t *testing.T) {
	t.Run("waits, then runs in the incident", func(t *testing.T) {
		e := newEnv(t, commands.ApprovalPolicy{})
		inc := e.queueIncident("ev6")
		wb := e.queue("ev6", suspend(e.userID(oktatest.DemoActiveUser), inc.ID))
		r := automation.NewResponses(e.st, e.inv, cfg(), at(wb, 30*time.Second))
		_, err := deliver(t, r, wb)
		var later *writeback.Later
		if !errors.As(err, &later) || !later.At.Equal(wb.CreatedAt.Add(35*time.Second)) || e.lifecycle.Load() != 0 {
			t.Fatalf("err %v, want Later at +35s, nothing called", err)
		}
		e.settle(inc.ID, store.WriteBackOutcome{Delivered: true, RemoteID: "77"})
		res, err := deliver(t, r, wb)
		if err != nil || res.Incident == nil || res.Incident.ID != "77" {
			t.Fatalf("result %+v, err %v", res, err)
		}
	})
	t.Run("runs without it after wait_for_incident", func(t *testing.T) {
		e := newEnv(t, commands.ApprovalPolicy{})
		inc := e.queueIncident("ev7")
		wb := e.queue("ev7", suspend(e.userID(oktatest.DemoActiveUser), inc.ID))
		res, err := deliver(t, automation.NewResponses(e.st, e.inv, cfg(), at(wb, time.Minute)), wb)
		if err != nil || res.Status != automation.StatusDone || res.Incident != nil || !strings.Contains(res.Detail, "without incident context") {
			t.Fatalf("result %+v, err %v", res, err)
		}
		// The incident arrives later; a redelivery replays the run without it.
		e.settle(inc.ID, store.WriteBackOutcome{Delivered: true, RemoteID: "78"})
		again, err := deliver(t, automation.NewResponses(e.st, e.inv, cfg(), at(wb, 2*time.Minute)), wb)
		if err != nil || !again.Replayed || again.Incident != nil || e.lifecycle.Load() != 1 {
			t.Fatalf("redelivery %+v, err %v, %d lifecycle calls", again, err, e.lifecycle.Load())
		}
	})
	t.Run("runs without it when it failed", func(t *testing.T) {
		e := newEnv(t, commands.ApprovalPolicy{})
		inc := e.queueIncident("ev8")
		e.settle(inc.ID, store.WriteBackOutcome{Err: "xsoar: 400", Permanent: true})
		wb := e.queue("ev8", suspend(e.userID(oktatest.DemoActiveUser), inc.ID))
		res, err := deliver(t, automation.NewResponses(e.st, e.inv, cfg(), at(wb, time.Second)), wb)
		if err != nil || res.Incident != nil || !strings.Contains(res.Detail, "could not be created") {
			t.Fatalf("result %+v, err %v", res, err)
		}
	})
}

// TestResetPasswordStoresNoSecret: reset_password e-mails the link; no
// link is in the audit record, the stored result or the idempotency
// replay.
func TestResetPasswordStoresNoSecret(t *testing.T) {
	e := newEnv(t, commands.ApprovalPolicy{})
	wb := e.queue("ev9", rules.ResponsePayload{Action: "reset_password", Command: "okta-reset-password", User: e.userID(oktatest.DemoActiveUser)})
	r := automation.NewResponses(e.st, e.inv, cfg(), at(wb, time.Second))
	p, err := r.DeliverResult(t.Context(), wb)
	if err != nil {
		t.Fatal(err)
	}
	if calls := e.lifecycleCalls(); len(calls) != 1 || !strings.Contains(calls[0], "sendEmail=true") {
		t.Fatalf("lifecycle calls %v, want one reset_password with sendEmail=true", calls)
	}
	again, err := r.DeliverResult(t.Context(), wb)
	if err != nil {
		t.Fatal(err)
	}
	recs := e.audit()
	if len(recs) != 1 {
		t.Fatalf("%d audit records", len(recs))
	}
	b, _ := json.Marshal(recs[0])
	for what, s := range map[string]string{"audit record": string(b), "result": string(p.Result), "replayed result": string(again.Result)} {
		if strings.Contains(s, "reset_password_url") || strings.Contains(s, "/reset_password/") || strings.Contains(s, "token") {
			t.Errorf("%s holds a reset link: %s", what, s)
		}
	}
	if !strings.Contains(string(recs[0].Args), `"send_email":true`) {
		t.Errorf("args %s, want send_email true", recs[0].Args)
	}
}

// TestArgsNeverAskForASecret: each reset_password command is run with the
// e-mail variant, and Check accepts every action on the real catalog.
func TestArgsNeverAskForASecret(t *testing.T) {
	for _, c := range []string{"okta-reset-password", "pingone-reset-password"} {
		cmd, _ := catalog.Default.Lookup(c)
		args, err := automation.Args(cmd, "okta", "u1")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(args)
		if !strings.Contains(string(b), `"send_email":true`) {
			t.Errorf("%s args %s", c, b)
		}
	}
	a := cfg()
	a.Actions = map[string]rules.Action{}
	for _, n := range []string{"suspend_user", "lock_user", "clear_sessions", "terminate_sessions", "reset_password", "disable_user", "deactivate_user", "contain_user"} {
		a.Actions[n] = rules.Action{Trigger: rules.High}
	}
	if err := automation.Check(catalog.Default, a); err != nil {
		t.Error(err)
	}
	if err := automation.Check(commands.MustCatalog(commands.OktaSuspendUser), a); err == nil {
		t.Error("Check accepted actions whose commands are not in the catalog")
	}
}

// TestProviderErrors: a provider's failure is kept in the result and
// returned as the provider's error, so the worker retries what a retry can
// heal (the key is released: the retry runs) and gives up on a user that
// does not exist.
func TestProviderErrors(t *testing.T) {
	t.Run("not found is permanent", func(t *testing.T) {
		e := newEnv(t, commands.ApprovalPolicy{})
		wb := e.queue("ev10", suspend("00unosuchuser", ""))
		res, err := deliver(t, automation.NewResponses(e.st, e.inv, cfg(), at(wb, time.Second)), wb)
		if !upstream.IsKind(err, upstream.NotFound) || res.Status != automation.StatusFailed || res.AuditID == 0 || res.Detail == "" {
			t.Fatalf("result %+v, err %v", res, err)
		}
	})
	t.Run("unavailable is retried", func(t *testing.T) {
		e := newEnv(t, commands.ApprovalPolicy{})
		id := e.userID(oktatest.DemoActiveUser)
		wb := e.queue("ev11", suspend(id, ""))
		r := automation.NewResponses(e.st, e.inv, cfg(), at(wb, time.Second))
		e.okta.InjectStatusAt("POST", "/lifecycle/suspend", 1, 503)
		res, err := deliver(t, r, wb)
		ue := upstream.As(err)
		if ue == nil || ue.Kind == upstream.NotFound || ue.Kind == upstream.Invalid || ue.Kind == upstream.Conflict || res.Status != automation.StatusFailed {
			t.Fatalf("result %+v, err %v: want a retryable provider error", res, err)
		}
		res, err = deliver(t, r, wb)
		if err != nil || res.Status != automation.StatusDone || res.Replayed {
			t.Fatalf("retry %+v, err %v", res, err)
		}
		if st, _ := e.okta.Org().UserStatus(id); st != "SUSPENDED" {
			t.Errorf("user status %s after the retry", st)
		}
	})
}

// TestContainUser: the contain_user action runs the contain-user workflow
// for the event's provider, its steps under the automation's caller.
func TestContainUser(t *testing.T) {
	e := newEnv(t, commands.ApprovalPolicy{})
	id := e.userID(oktatest.DemoActiveUser)
	wb := e.queue("ev12", rules.ResponsePayload{Action: "contain_user", Command: "contain-user", User: id})
	res, err := deliver(t, automation.NewResponses(e.st, e.inv, cfg(), at(wb, time.Second)), wb)
	if err != nil || res.Status != automation.StatusDone {
		t.Fatalf("result %+v, err %v", res, err)
	}
	if st, _ := e.okta.Org().UserStatus(id); st != "SUSPENDED" {
		t.Errorf("user status %s after contain-user", st)
	}
	for _, rec := range e.audit() {
		if rec.Subject != "automation:contain_user" || rec.Outcome != "success" {
			t.Errorf("record %s by %s: %s %s", rec.Command, rec.Subject, rec.Outcome, rec.Detail)
		}
	}
}

// TestSafetyChangedSinceDecided: dry_run turned on, or the account made
// protected, after the response was queued: it is refused, nothing runs.
func TestSafetyChangedSinceDecided(t *testing.T) {
	for name, change := range map[string]func(*rules.Automation, string){
		"dry_run":   func(a *rules.Automation, _ string) { a.DryRun = true },
		"protected": func(a *rules.Automation, id string) { a.Protected = []string{strings.ToUpper(id)} },
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, commands.ApprovalPolicy{})
			id := e.userID(oktatest.DemoActiveUser)
			wb := e.queue("ev13", suspend(id, ""))
			a := cfg()
			change(&a, id)
			res, err := deliver(t, automation.NewResponses(e.st, e.inv, a, at(wb, time.Second)), wb)
			if !upstream.IsKind(err, upstream.Invalid) || res.Status != automation.StatusRejected || e.lifecycle.Load() != 0 {
				t.Fatalf("result %+v, err %v, %d lifecycle calls", res, err, e.lifecycle.Load())
			}
		})
	}
}
