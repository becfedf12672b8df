package tests

import (
	"strings"
	"testing"
)

// The one-time-secret rule is checked the same way for every command that
// hands one out (a reset link, a temporary password, an activation link):
// these helpers hold the checks, each test the command and its own facts.

// outputString is outputs[key] of an answer (or of an approval's result).
func outputString(t *testing.T, v any, key string) string {
	t.Helper()
	m, _ := v.(map[string]any)
	if out, ok := m["outputs"].(map[string]any); ok {
		m = out
	}
	s, _ := m[key].(string)
	return s
}

// secretDeliveredOnce runs command with body (which names XSOAR incident
// inc) under an Idempotency-Key and returns the secret at outputs[field]
// with the first answer. The secret must be in that answer only: not in
// its readable text, not in the replay (which says it was delivered once),
// the war-room entry, the audit log, the store or the log.
func secretDeliveredOnce(t *testing.T, e *env, inc, command, body, field string) (string, response) {
	t.Helper()
	tok := token(t, allScopes...)
	first := e.call(command, body, tok, command+"-once")
	mustStatus(t, first, 200)
	secret := outputString(t, first.json(t), field)
	if secret == "" {
		t.Fatalf("%s: no %s: %s", command, field, first.body)
	}
	if strings.Contains(first.json(t)["readable_output"].(string), secret) {
		t.Errorf("%s: the secret is in the readable output", command)
	}
	replay := e.call(command, body, tok, command+"-once")
	mustStatus(t, replay, 200)
	if replay.header.Get("Idempotent-Replayed") != "true" || strings.Contains(string(replay.body), secret) ||
		replay.json(t)["secrets_withheld"] != true || !strings.Contains(outputString(t, replay.json(t), field), "delivered once") {
		t.Errorf("%s replay: %s", command, replay.body)
	}
	audit := e.get("/api/v1/audit?incident="+inc, tokenFor(t, "auditor", "audit:read"))
	mustStatus(t, audit, 200)
	if !strings.Contains(string(audit.body), command) || strings.Contains(string(audit.body), secret) {
		t.Errorf("%s: the audit log lacks the call or holds the secret", command)
	}
	eventually(t, "the war-room entry", func() bool { return len(e.xsoar.Entries(inc)) == 1 })
	if strings.Contains(e.xsoar.Entries(inc)[0].Markdown, secret) {
		t.Errorf("%s: the war-room entry holds the secret", command)
	}
	assertNowhere(t, e, secret)
	return secret, first
}

// secretAfterApproval sends command with body for a privileged user: it
// must be held (ran reports whether anything happened at the provider),
// and once a second person approves, the secret at outputs[field] must be
// in the approve call's answer only. It returns the secret.
func secretAfterApproval(t *testing.T, e *env, command, body, field string, ran func() bool) string {
	t.Helper()
	requester := token(t, allScopes...)
	approver := tokenFor(t, "second-person", "commands:read", "approvals:decide")
	r := e.call(command, body, requester, "")
	ap := approvalOf(t, r)
	if !strings.Contains(string(r.body), "privileged") {
		t.Errorf("%s: the answer does not say why it is held: %s", command, r.body)
	}
	if ran() {
		t.Fatalf("%s ran without approval", command)
	}
	id := ap["id"].(string)
	d := e.post("/api/v1/approvals/"+id+"/approve", approver, `{}`)
	mustStatus(t, d, 200)
	secret := outputString(t, d.json(t)["result"], field)
	if secret == "" {
		t.Fatalf("%s: the approve answer has no %s: %s", command, field, d.body)
	}
	// Every later read of the approval has the marker, not the secret.
	for _, tok := range []string{requester, approver} {
		g := e.get("/api/v1/approvals/"+id, tok)
		if strings.Contains(string(g.body), secret) || !strings.Contains(string(g.body), "one-time secret withheld") {
			t.Errorf("%s: the stored approval shows the secret or no marker: %s", command, g.body)
		}
	}
	assertNowhere(t, e, secret)
	return secret
}
