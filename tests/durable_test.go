package tests

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

// call sends a command with a token and an optional Idempotency-Key.
func (e *env) call(name, body, tok, key string) response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.url+"/api/v1/commands/"+name, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	return e.send(req, []byte(body))
}

func (e *env) get(path, tok string) response {
	e.t.Helper()
	return e.do(http.MethodGet, path, "", tok, nil)
}

func (e *env) post(path, tok, body string) response {
	e.t.Helper()
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	return e.do(http.MethodPost, path, ct, tok, []byte(body))
}

func TestAuditRecordsEveryCall(t *testing.T) {
	e := newEnv(t)
	writer := token(t, "commands:read", "commands:write")
	auditor := tokenFor(t, "auditor", "audit:read")
	body := fmt.Sprintf(`{"user":%q,"incident":{"platform":"xsoar","id":"INC-77"}}`, oktatest.DemoActiveUser)

	r := e.call("okta-suspend-user", body, writer, "")
	mustStatus(t, r, 200)
	auditID := r.json(t)["audit_id"].(float64)
	if auditID <= 0 {
		t.Fatalf("no audit_id: %s", r.body)
	}
	// A refused call (missing scope) is recorded too, and so is a provider error.
	mustStatus(t, e.call("okta-unsuspend-user", body, token(t, "commands:read"), ""), 403)
	mustStatus(t, e.call("okta-suspend-user", body, writer, ""), 409)

	recs := asList(e.get("/api/v1/audit?incident=INC-77", auditor).json(t)["records"])
	if len(recs) != 3 {
		t.Fatalf("%d records for the incident", len(recs))
	}
	outcomes := map[string]bool{}
	for _, r := range recs {
		r := r.(map[string]any)
		outcomes[r["outcome"].(string)] = true
		if r["subject"] != "tester" || r["target_user"] != oktatest.DemoActiveUser || r["hash"] == "" || r["request_id"] == "" {
			t.Errorf("record: %v", r)
		}
	}
	for _, want := range []string{"success", "rejected", "provider_error"} {
		if !outcomes[want] {
			t.Errorf("no %s record: %v", want, outcomes)
		}
	}
	first := e.get(fmt.Sprintf("/api/v1/audit?command=okta-suspend-user&outcome=success&user=%s", oktatest.DemoActiveUser), auditor).json(t)
	got := asList(first["records"])
	if len(got) != 1 || got[0].(map[string]any)["seq"].(float64) != auditID {
		t.Errorf("filtered audit: %v", first)
	}
	// Without audit:read the log is closed.
	mustStatus(t, e.get("/api/v1/audit", writer), 403)
	mustStatus(t, e.get("/api/v1/audit?outcome=maybe", auditor), 400)
	mustStatus(t, e.get("/api/v1/audit?since=yesterday", auditor), 400)
}

func TestIdempotentRetry(t *testing.T) {
	e := newEnv(t)
	tok := token(t, allScopes...)
	body := fmt.Sprintf(`{"user":%q}`, oktatest.DemoActiveUser)

	first := e.call("okta-suspend-user", body, tok, "retry-1")
	mustStatus(t, first, 200)
	calls := e.okta.Requests()

	again := e.call("okta-suspend-user", body, tok, "retry-1")
	mustStatus(t, again, 200)
	if again.header.Get("Idempotent-Replayed") != "true" {
		t.Error("replay without Idempotent-Replayed: true")
	}
	if e.okta.Requests() != calls {
		t.Errorf("the replay called Okta %d times", e.okta.Requests()-calls)
	}
	if again.json(t)["audit_id"] != first.json(t)["audit_id"] {
		t.Error("the replay is not the stored outcome")
	}

	// Same key, another body: refused.
	mustStatus(t, e.call("okta-suspend-user", fmt.Sprintf(`{"user":%q}`, oktatest.DemoAdminUser), tok, "retry-1"), 422)
	// A definitive provider refusal is replayed too.
	conflict := e.call("okta-suspend-user", body, tok, "retry-2")
	mustStatus(t, conflict, 409)
	calls = e.okta.Requests()
	replayed := e.call("okta-suspend-user", body, tok, "retry-2")
	mustStatus(t, replayed, 409)
	if replayed.header.Get("Idempotent-Replayed") != "true" || e.okta.Requests() != calls {
		t.Error("the stored 409 was not replayed")
	}
	// Keys belong to their caller: another subject's key of the same name runs.
	other := tokenFor(t, "someone-else", "commands:read", "commands:write")
	mustStatus(t, e.call("okta-unsuspend-user", body, other, "retry-1"), 200)
	// A bad key is refused.
	mustStatus(t, e.call("okta-suspend-user", body, tok, strings.Repeat("k", 300)), 400)
}

// TestConcurrentSameKey: two requests with one key at once call Okta once.
func TestConcurrentSameKey(t *testing.T) {
	e := newEnv(t)
	tok := token(t, allScopes...)
	body := fmt.Sprintf(`{"user":%q}`, oktatest.DemoActiveUser)
	e.okta.SetLatency(100e6)
	before := e.okta.Org().EventCount()
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.call("okta-suspend-user", body, tok, "same-key").status
		}()
	}
	wg.Wait()
	for _, s := range statuses {
		if s != 200 && s != 409 {
			t.Errorf("status %d", s)
		}
	}
	// One suspension, one System Log event.
	if n := e.okta.Org().EventCount() - before; n != 1 {
		t.Errorf("Okta recorded %d lifecycle events for one key", n)
	}
}

func TestApprovalFlow(t *testing.T) {
	e := newEnv(t)
	requester := token(t, allScopes...)
	approver := tokenFor(t, "second-person", "commands:read", "approvals:decide")
	body := fmt.Sprintf(`{"user":%q}`, oktatest.DemoSuspendedUser)

	// okta-deactivate-user is destructive: held for approval, nothing done.
	r := e.call("okta-deactivate-user", body, requester, "")
	mustStatus(t, r, 202)
	ap := r.json(t)["approval"].(map[string]any)
	id := ap["id"].(string)
	if ap["status"] != "pending" || r.header.Get("Location") != "/api/v1/approvals/"+id {
		t.Fatalf("pending answer: %s", r.body)
	}
	if s, _ := e.okta.Org().UserStatus(oktatest.DemoSuspendedUser); s != "SUSPENDED" {
		t.Fatalf("the held command ran: %s", s)
	}
	list := asList(e.get("/api/v1/approvals?status=pending", approver).json(t)["approvals"])
	if len(list) != 1 {
		t.Fatalf("%d pending approvals", len(list))
	}

	// The requester cannot approve their own request, even with the scope.
	self := tokenFor(t, "tester", "commands:read", "approvals:decide")
	mustStatus(t, e.post("/api/v1/approvals/"+id+"/approve", self, `{}`), 403)
	// Deciding needs approvals:decide.
	mustStatus(t, e.post("/api/v1/approvals/"+id+"/approve", tokenFor(t, "x", "commands:write"), ""), 403)

	d := e.post("/api/v1/approvals/"+id+"/approve", approver, `{"comment":"confirmed with the manager"}`)
	mustStatus(t, d, 200)
	a := d.json(t)
	if a["status"] != "executed" || a["approver"] != "second-person" || a["audit_seq"] == nil {
		t.Fatalf("approved: %s", d.body)
	}
	if s, _ := e.okta.Org().UserStatus(oktatest.DemoSuspendedUser); s != "DEPROVISIONED" {
		t.Errorf("after approval Okta says %s", s)
	}
	// Deciding twice runs nothing twice.
	mustStatus(t, e.post("/api/v1/approvals/"+id+"/approve", approver, ""), 409)
	mustStatus(t, e.post("/api/v1/approvals/"+id+"/reject", approver, ""), 409)
	got := e.get("/api/v1/approvals/"+id, requester).json(t)
	if got["status"] != "executed" {
		t.Errorf("approval: %v", got)
	}
	// The run's audit record names requester and approver.
	recs := asList(e.get("/api/v1/audit?command=okta-deactivate-user&outcome=success", tokenFor(t, "auditor", "audit:read")).json(t)["records"])
	if len(recs) != 1 {
		t.Fatalf("%d success records", len(recs))
	}
	rec := recs[0].(map[string]any)
	if rec["subject"] != "tester" || rec["approver"] != "second-person" || rec["approval_id"] != id {
		t.Errorf("record: %v", rec)
	}
	mustStatus(t, e.get("/api/v1/approvals/apr_nope", approver), 404)
}

func TestApprovalRejectAndCancel(t *testing.T) {
	e := newEnv(t)
	requester := token(t, allScopes...)
	approver := tokenFor(t, "second-person", "commands:read", "approvals:decide")
	body := fmt.Sprintf(`{"user":%q}`, oktatest.DemoSuspendedUser)

	id := e.call("okta-deactivate-user", body, requester, "").json(t)["approval"].(map[string]any)["id"].(string)
	r := e.post("/api/v1/approvals/"+id+"/reject", approver, `{"comment":"not this user"}`)
	mustStatus(t, r, 200)
	if r.json(t)["status"] != "rejected" {
		t.Errorf("reject: %s", r.body)
	}
	mustStatus(t, e.post("/api/v1/approvals/"+id+"/approve", approver, ""), 409)

	id2 := e.call("okta-deactivate-user", body, requester, "").json(t)["approval"].(map[string]any)["id"].(string)
	mustStatus(t, e.post("/api/v1/approvals/"+id2+"/cancel", approver, ""), 403)
	c := e.post("/api/v1/approvals/"+id2+"/cancel", requester, "")
	mustStatus(t, c, 200)
	if c.json(t)["status"] != "cancelled" {
		t.Errorf("cancel: %s", c.body)
	}
	if s, _ := e.okta.Org().UserStatus(oktatest.DemoSuspendedUser); s != "SUSPENDED" {
		t.Errorf("a rejected or cancelled command ran: %s", s)
	}
	mustStatus(t, e.post("/api/v1/approvals/"+id2+"/approve", approver, `{"comment":`), 400)
}

// TestConcurrentApprovers: two approvers at once run the command once.
func TestConcurrentApprovers(t *testing.T) {
	e := newEnv(t)
	requester := token(t, allScopes...)
	body := fmt.Sprintf(`{"user":%q}`, oktatest.DemoSuspendedUser)
	id := e.call("okta-deactivate-user", body, requester, "").json(t)["approval"].(map[string]any)["id"].(string)
	before := e.okta.Org().EventCount()
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.post("/api/v1/approvals/"+id+"/approve", tokenFor(t, fmt.Sprintf("approver-%d", i), "approvals:decide"), "").status
		}()
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		switch s {
		case 200:
			ok++
		case 409:
		default:
			t.Errorf("status %d", s)
		}
	}
	if ok != 1 {
		t.Errorf("%d approvers succeeded", ok)
	}
	if n := e.okta.Org().EventCount() - before; n != 1 {
		t.Errorf("Okta recorded %d deactivations", n)
	}
}

// TestReadAudit: a read is recorded right after its answer by default, and
// before it with store.sync_read_audit.
func TestReadAudit(t *testing.T) {
	auditor := tokenFor(t, "auditor", "audit:read")
	body := fmt.Sprintf(`{"user":%q}`, oktatest.DemoActiveUser)

	e := newEnv(t)
	r := e.run("okta-get-user", body)
	mustStatus(t, r, 200)
	reqID := r.json(t)["request_id"]
	eventually(t, "the read's audit record", func() bool {
		recs := asList(e.get("/api/v1/audit?command=okta-get-user", auditor).json(t)["records"])
		return len(recs) == 1 && recs[0].(map[string]any)["request_id"] == reqID
	})

	strict := newEnv(t, envOptions{syncReads: true})
	r = strict.run("okta-get-user", body)
	mustStatus(t, r, 200)
	id, ok := r.json(t)["audit_id"].(float64)
	if !ok || id <= 0 {
		t.Fatalf("no audit_id with sync_read_audit: %s", r.body)
	}
	recs := asList(strict.get("/api/v1/audit?command=okta-get-user", auditor).json(t)["records"])
	if len(recs) != 1 || recs[0].(map[string]any)["seq"] != id {
		t.Errorf("records: %v", recs)
	}
}
