package commands

import (
	"context"
	"testing"

	"github.com/idcmd/idcmd/store"
)

// TestHoldAddsAnApproval: a call whose caller asks for a hold (the
// automation rate limit) waits for a second person with that reason,
// although the policy would run it; the same call without Hold runs.
func TestHoldAddsAnApproval(t *testing.T) {
	c := newWFCatalog()
	inv := newWFInvoker(t, c, ApprovalPolicy{})
	const why = "automated_responses.rate_limit: 3 runs of suspend_user in the last 10m0s"
	req := Request{Command: "okta-test-alpha", Args: &wfStepArgs{User: "jdoe"}, Caller: wfCaller, RequestID: "event:okta:1",
		Automated: true, Hold: why}
	res, err := inv.Invoke(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Approval == nil {
		t.Fatalf("held call ran: %+v", res)
	}
	a, err := inv.Store.GetApproval(context.Background(), res.Approval.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Reason != why || a.Status != store.ApprovalPending {
		t.Errorf("approval reason %q status %s, want %q pending", a.Reason, a.Status, why)
	}
	if got := c.rec.called(); len(got) != 0 {
		t.Errorf("held call acted: %v", got)
	}

	req.Hold = ""
	res, err = inv.Invoke(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Approval != nil {
		t.Errorf("call without hold was held: %+v", res.Approval)
	}
	if got := c.rec.called(); len(got) != 1 {
		t.Errorf("calls %v, want one run", got)
	}
}
