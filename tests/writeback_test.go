package tests

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/xdr/xdrtest"
	"github.com/idcmd/idcmd/providers/xsoar/xsoartest"
)

// eventually polls cond until it holds or the wait runs out. It waits for
// asynchronous delivery; it asserts no timing.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *env) writeback(id string) map[string]any {
	e.t.Helper()
	r := e.get("/api/v1/writebacks/"+id, token(e.t, "commands:read"))
	mustStatus(e.t, r, 200)
	return r.json(e.t)
}

func TestWritebackToXSOAR(t *testing.T) {
	e := newEnv(t, envOptions{xsoar: true})
	inc := e.xsoar.AddIncident("Okta: MFA fatigue jdoe@example.com", 3)
	body := fmt.Sprintf(`{"user":%q,"incident":{"platform":"xsoar","id":%q}}`, oktatest.DemoActiveUser, inc)

	r := e.run("okta-suspend-user", body)
	mustStatus(t, r, 200)
	wb := r.json(t)["writeback"].(map[string]any)
	if wb["status"] != "queued" || wb["target"] != "xsoar:"+inc {
		t.Fatalf("writeback: %v", wb)
	}
	id := wb["id"].(string)
	eventually(t, "the war-room entry", func() bool { return len(e.xsoar.Entries(inc)) == 1 })
	entry := e.xsoar.Entries(inc)[0].Markdown
	auditID := fmt.Sprint(r.json(t)["audit_id"])
	for _, want := range []string{"okta-suspend-user", oktatest.DemoActiveUser, "tester", "SUSPENDED", "audit record #" + auditID} {
		if !strings.Contains(entry, want) {
			t.Errorf("entry lacks %q:\n%s", want, entry)
		}
	}
	eventually(t, "delivered status", func() bool { return e.writeback(id)["status"] == "delivered" })
	if got := e.writeback(id); got["attempts"] != float64(1) {
		t.Errorf("writeback: %v", got)
	}

	// A failed command writes an error entry.
	r = e.run("okta-suspend-user", body)
	mustStatus(t, r, 409)
	if r.json(t)["writeback_id"] == nil {
		t.Fatalf("problem without writeback_id: %s", r.body)
	}
	eventually(t, "the error entry", func() bool { return len(e.xsoar.Entries(inc)) == 2 })
	if entry := e.xsoar.Entries(inc)[1].Markdown; !strings.Contains(entry, "FAILED") || !strings.Contains(entry, "E0000038") {
		t.Errorf("error entry:\n%s", entry)
	}
}

// TestWritebackRetriesWhileXSOARIsDown: a down XSOAR neither slows the
// command nor loses the entry.
func TestWritebackRetriesWhileXSOARIsDown(t *testing.T) {
	e := newEnv(t, envOptions{xsoar: true})
	inc := e.xsoar.AddIncident("Okta: lockout", 2)
	e.xsoar.SetDown(true)
	r := e.run("okta-clear-sessions", fmt.Sprintf(`{"user":%q,"incident":{"platform":"xsoar","id":%q}}`, oktatest.DemoActiveUser, inc))
	mustStatus(t, r, 200)
	id := r.json(t)["writeback"].(map[string]any)["id"].(string)
	eventually(t, "a failed attempt", func() bool {
		wb := e.writeback(id)
		return wb["attempts"].(float64) >= 2 && wb["last_error"] != nil && wb["status"] != "failed"
	})
	e.xsoar.SetDown(false)
	eventually(t, "delivery after XSOAR is back", func() bool { return e.writeback(id)["status"] == "delivered" })
	if n := len(e.xsoar.Entries(inc)); n != 1 {
		t.Errorf("%d entries", n)
	}
}

// TestWritebackClosedInvestigation: XSOAR's 412 is permanent, not retried.
func TestWritebackClosedInvestigation(t *testing.T) {
	e := newEnv(t, envOptions{xsoar: true})
	inc := e.xsoar.AddIncident("closed", 1)
	e.xsoar.CloseIncident(inc)
	r := e.run("okta-get-user", fmt.Sprintf(`{"user":%q,"incident":{"platform":"xsoar","id":%q}}`, oktatest.DemoActiveUser, inc))
	mustStatus(t, r, 200)
	id := r.json(t)["writeback"].(map[string]any)["id"].(string)
	eventually(t, "permanent failure", func() bool { return e.writeback(id)["status"] == "failed" })
	if wb := e.writeback(id); wb["attempts"] != float64(1) || !strings.Contains(fmt.Sprint(wb["last_error"]), "412") {
		t.Errorf("writeback: %v", wb)
	}
}

func TestWritebackToXDR(t *testing.T) {
	e := newEnv(t, envOptions{xdr: true})
	inc := e.xdr.AddIncident("Okta: impossible travel bwilson@example.com", "high")
	r := e.run("okta-get-user-events", fmt.Sprintf(`{"user":%q,"incident":{"platform":"xdr","id":%q}}`, oktatest.DemoSuspendedUser, inc))
	mustStatus(t, r, 200)
	eventually(t, "the XDR comment", func() bool { return len(e.xdr.Comments(inc)) == 1 })
	// An incident on a platform that is not configured fails visibly.
	r = e.run("okta-get-user", fmt.Sprintf(`{"user":%q,"incident":{"platform":"xsoar","id":"1"}}`, oktatest.DemoActiveUser))
	mustStatus(t, r, 200)
	id := r.json(t)["writeback"].(map[string]any)["id"].(string)
	eventually(t, "failure for an unconfigured platform", func() bool { return e.writeback(id)["status"] == "failed" })
}

// TestWritebackApprovalEntries: a held call says so in the incident, and
// the approval's outcome writes another entry.
func TestWritebackApprovalEntries(t *testing.T) {
	e := newEnv(t, envOptions{xsoar: true})
	inc := e.xsoar.AddIncident("offboarding", 1)
	r := e.call("okta-deactivate-user", fmt.Sprintf(`{"user":%q,"incident":{"platform":"xsoar","id":%q}}`, oktatest.DemoSuspendedUser, inc), token(t, allScopes...), "")
	mustStatus(t, r, 202)
	id := r.json(t)["approval"].(map[string]any)["id"].(string)
	eventually(t, "the held entry", func() bool { return len(e.xsoar.Entries(inc)) == 1 })
	if !strings.Contains(e.xsoar.Entries(inc)[0].Markdown, "held for approval") {
		t.Errorf("held entry: %s", e.xsoar.Entries(inc)[0].Markdown)
	}
	mustStatus(t, e.post("/api/v1/approvals/"+id+"/approve", tokenFor(t, "second-person", "approvals:decide"), ""), 200)
	eventually(t, "the outcome entry", func() bool { return len(e.xsoar.Entries(inc)) == 2 })
	if entry := e.xsoar.Entries(inc)[1].Markdown; !strings.Contains(entry, "second-person") || !strings.Contains(entry, "DEPROVISIONED") {
		t.Errorf("outcome entry: %s", entry)
	}
}

// TestWritebackAdvancedKeys delivers with advanced API keys on both platforms.
func TestWritebackAdvancedKeys(t *testing.T) {
	e := newEnv(t, envOptions{xsoar: true, xdr: true, advanced: true})
	xi := e.xsoar.AddIncident("adv", 1)
	di := e.xdr.AddIncident("adv", "low")
	mustStatus(t, e.run("okta-get-user", fmt.Sprintf(`{"user":%q,"incident":{"platform":"xsoar","id":%q}}`, oktatest.DemoActiveUser, xi)), 200)
	mustStatus(t, e.run("okta-get-user", fmt.Sprintf(`{"user":%q,"incident":{"platform":"xdr","id":%q}}`, oktatest.DemoActiveUser, di)), 200)
	eventually(t, "both deliveries", func() bool { return len(e.xsoar.Entries(xi)) == 1 && len(e.xdr.Comments(di)) == 1 })
	r := e.get("/api/v1/writebacks?status=failed", token(t, "commands:read"))
	if n := len(asList(r.json(t)["writebacks"])); n != 0 {
		t.Errorf("%d failed write-backs", n)
	}
}

// TestXSOARIntegrationExport serves the generated integration file.
func TestXSOARIntegrationExport(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest(http.MethodGet, e.url+"/api/v1/xsoar/integration.yml", nil)
	req.Header.Set("Authorization", "Bearer "+token(t, "commands:read"))
	r := e.send(req, nil)
	mustStatus(t, r, 200)
	// The served file names the serving binary's version ("test" here).
	for _, want := range []string{"commonfields:", "okta-suspend-user", "pingone-lock-user", "get-user-events", "execution: true", `VERSION = "test"`} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("integration lacks %q", want)
		}
	}
}

var (
	_ = xsoartest.NewServer
	_ = xdrtest.NewServer
)

// TestWritebackRetriesAfterXDRFailures: XDR answering 503 is retried until
// the comment lands, once.
func TestWritebackRetriesAfterXDRFailures(t *testing.T) {
	e := newEnv(t, envOptions{xdr: true})
	inc := e.xdr.AddIncident("Okta: lockout kpatel@example.com", "medium")
	e.xdr.InjectStatus(3, 503)
	r := e.run("okta-unlock-user", fmt.Sprintf(`{"user":%q,"incident":{"platform":"xdr","id":%q}}`, oktatest.DemoLockedUser, inc))
	mustStatus(t, r, 200)
	id := r.json(t)["writeback"].(map[string]any)["id"].(string)
	eventually(t, "delivery after the failures", func() bool { return e.writeback(id)["status"] == "delivered" })
	if wb := e.writeback(id); wb["attempts"].(float64) < 2 || wb["last_error"] == nil {
		t.Errorf("writeback: %v", wb)
	}
	if n := len(e.xdr.Comments(inc)); n != 1 {
		t.Errorf("%d comments", n)
	}
}

// TestWritebackWithNoPlatformConfigured: with neither XSOAR nor XDR
// configured the worker does not poll, yet a call naming an incident still
// gets its write-back, which fails at once and says why.
func TestWritebackWithNoPlatformConfigured(t *testing.T) {
	e := newEnv(t)
	r := e.run("okta-get-user", fmt.Sprintf(`{"user":%q,"incident":{"platform":"xdr","id":"9"}}`, oktatest.DemoActiveUser))
	mustStatus(t, r, 200)
	id := r.json(t)["writeback"].(map[string]any)["id"].(string)
	eventually(t, "the failure", func() bool { return e.writeback(id)["status"] == "failed" })
	if wb := e.writeback(id); !strings.Contains(fmt.Sprint(wb["last_error"]), "xdr is not configured") {
		t.Errorf("writeback: %v", wb)
	}
}
