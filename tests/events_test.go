package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

// The hooks' shared secrets in every test env (okta.webhook_secret,
// pingone.webhook_secret), sent in the default header, Authorization.
const (
	oktaHookSecret    = "okta-hook-secret-0123456789"
	pingOneHookSecret = "pingone-hook-secret-0123456789"
)

// hook posts a delivery to one of the hook endpoints with a secret.
func (e *env) hook(path, contentType, secret string, body []byte) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if secret != "" {
		req.Header.Set("Authorization", secret)
	}
	return e.send(req, body)
}

// oktaDelivery wraps System Log events in Okta's event hook envelope.
func oktaDelivery(t *testing.T, evs ...oktatest.LogEvent) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"eventType": "com.okta.event_hook", "eventTypeVersion": "1.0", "cloudEventsVersion": "0.1",
		"contentType": "application/json", "eventId": fmt.Sprintf("delivery-%d", time.Now().UnixNano()),
		"eventTime": time.Now().UTC().Format(time.RFC3339), "source": "https://example.okta.com/api/v1/eventHooks/who1",
		"data": map[string]any{"events": evs},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// eventsOf lists the event log with a query, with an events:read token.
func (e *env) eventsOf(query string) []map[string]any {
	e.t.Helper()
	r := e.get("/api/v1/events?limit=500&"+query, token(e.t, "events:read"))
	mustStatus(e.t, r, http.StatusOK)
	var out []map[string]any
	for _, v := range asList(r.json(e.t)["events"]) {
		out = append(out, v.(map[string]any))
	}
	return out
}

func TestOktaHookVerification(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest(http.MethodGet, e.url+"/okta/webhook", nil)
	req.Header.Set("X-Okta-Verification-Challenge", "Q2hhbGxlbmdlLTEyMw")
	r := e.send(req, nil)
	mustStatus(t, r, http.StatusOK)
	if got := r.json(t)["verification"]; got != "Q2hhbGxlbmdlLTEyMw" {
		t.Fatalf("verification %v, want the challenge", got)
	}
	r = e.do(http.MethodGet, "/okta/webhook", "", "", nil)
	mustStatus(t, r, http.StatusBadRequest)
	if !problemAt(t, r, "header.X-Okta-Verification-Challenge") {
		t.Fatalf("the problem does not name the header: %s", r.body)
	}
}

func TestOktaHookStoresEachEventOnce(t *testing.T) {
	e := newEnv(t)
	log := e.okta.Org().Events()
	if len(log) < 5 {
		t.Fatalf("the seeded org has %d events", len(log))
	}
	first, second := log[len(log)-5:len(log)-2], log[len(log)-3:]
	mustStatus(t, e.hook("/okta/webhook", "application/json", oktaHookSecret, oktaDelivery(t, first...)), http.StatusNoContent)
	// A redelivery, then an overlapping batch (its first event was in the
	// one before): at least once from Okta, once in the log.
	mustStatus(t, e.hook("/okta/webhook", "application/json", oktaHookSecret, oktaDelivery(t, first...)), http.StatusNoContent)
	mustStatus(t, e.hook("/okta/webhook", "application/json", oktaHookSecret, oktaDelivery(t, second...)), http.StatusNoContent)
	got := e.eventsOf("provider=okta")
	if len(got) != 5 {
		t.Fatalf("%d events stored, want 5", len(got))
	}
	want := log[len(log)-1]
	r := e.get("/api/v1/events/"+want.UUID, token(t, "events:read"))
	mustStatus(t, r, http.StatusOK)
	ev := r.json(t)
	if ev["Type"] != want.EventType || ev["Source"] != "hook" || ev["Provider"] != "okta" {
		t.Fatalf("event %s: %s", want.UUID, r.body)
	}
	raw, _ := ev["Raw"].(map[string]any)
	if raw["uuid"] != want.UUID {
		t.Fatalf("raw event: %v", ev["Raw"])
	}
	// The list leaves the raw event out.
	if _, ok := got[0]["Raw"]; ok {
		t.Fatal("the list carries raw events")
	}
}

func TestOktaHookUnknownTypeKept(t *testing.T) {
	e := newEnv(t)
	ev := e.okta.Org().Events()[0]
	ev.UUID, ev.EventType = "c0ffee00-0000-4000-8000-00000000aaaa", "some.future.event_type"
	mustStatus(t, e.hook("/okta/webhook", "application/json", oktaHookSecret, oktaDelivery(t, ev)), http.StatusNoContent)
	if got := e.eventsOf("type=some.future.event_type"); len(got) != 1 {
		t.Fatalf("unknown type stored %d times, want once", len(got))
	}
}

func TestOktaHookSecret(t *testing.T) {
	e := newEnv(t)
	body := oktaDelivery(t, e.okta.Org().Events()[:2]...)
	for name, secret := range map[string]string{"missing": "", "wrong": "okta-hook-secret-0123456788", "prefix": oktaHookSecret[:10]} {
		r := e.hook("/okta/webhook", "application/json", secret, body)
		if r.status != http.StatusUnauthorized {
			t.Errorf("%s secret: %d, want 401", name, r.status)
		}
		if strings.Contains(string(r.body), oktaHookSecret) {
			t.Errorf("%s secret: the answer repeats the secret", name)
		}
	}
	if got := e.eventsOf(""); len(got) != 0 {
		t.Fatalf("unauthenticated deliveries stored %d events", len(got))
	}
}

func TestOktaHookBadDeliveries(t *testing.T) {
	e := newEnv(t)
	good := oktaDelivery(t, e.okta.Org().Events()[:1]...)
	big := bytes.Repeat([]byte(" "), 9<<20)
	cases := []struct {
		name, contentType string
		body              []byte
		status            int
		field             string
	}{
		{"malformed JSON", "application/json", []byte(`{"eventType":`), 400, "body"},
		{"not an object", "application/json", []byte(`[1,2]`), 400, "body"},
		{"wrong envelope", "application/json", []byte(`{"eventType":"user.session.start","data":{"events":[]}}`), 400, "body.eventType"},
		{"no events", "application/json", []byte(`{"eventType":"com.okta.event_hook","data":{}}`), 400, "body.data.events"},
		{"events not a list", "application/json", []byte(`{"eventType":"com.okta.event_hook","data":{"events":{}}}`), 400, "body"},
		{"wrong content type", "text/plain", good, 415, "header.Content-Type"},
		{"oversized", "application/json", append(append([]byte{}, good[:len(good)-1]...), append(big, '}')...), 413, "body"},
	}
	for _, c := range cases {
		r := e.hook("/okta/webhook", c.contentType, oktaHookSecret, c.body)
		if r.status != c.status {
			t.Errorf("%s: %d, want %d: %s", c.name, r.status, c.status, r.body)
			continue
		}
		if !problemAt(t, r, c.field) {
			t.Errorf("%s: the problem does not name %s: %s", c.name, c.field, r.body)
		}
	}
	if got := e.eventsOf(""); len(got) != 0 {
		t.Fatalf("refused deliveries stored %d events", len(got))
	}
	// Still serving, and a good delivery after them is stored.
	mustStatus(t, e.hook("/okta/webhook", "application/json", oktaHookSecret, good), http.StatusNoContent)
	if got := e.eventsOf(""); len(got) != 1 {
		t.Fatalf("%d events after a good delivery, want 1", len(got))
	}
}

func TestOktaHookKeepsUnreadableEvent(t *testing.T) {
	e := newEnv(t)
	ev := e.okta.Org().Events()[0]
	body, _ := json.Marshal(map[string]any{"eventType": "com.okta.event_hook", "data": map[string]any{
		"events": []any{ev, map[string]any{"eventType": "user.session.start"}, "not an event"}}})
	mustStatus(t, e.hook("/okta/webhook", "application/json", oktaHookSecret, body), http.StatusNoContent)
	all := e.eventsOf("")
	rejected := e.eventsOf("rejected=true")
	if len(all) != 3 || len(rejected) != 2 {
		t.Fatalf("%d events, %d rejected; want 3 and 2", len(all), len(rejected))
	}
	for _, r := range rejected {
		if r["Rejected"] == "" {
			t.Fatalf("a rejected event does not say why: %v", r)
		}
	}
}

// activity is a PingOne audit activity in the GET /activities shape
// (pingone.md §4.5).
func activity(id, actionType, user, result string, at time.Time) map[string]any {
	return map[string]any{
		"id": id, "recordedAt": at.UTC().Format("2006-01-02T15:04:05.000Z"), "createdAt": at.UTC().Format("2006-01-02T15:04:05.000Z"),
		"correlationId": "corr-" + id,
		"actors":        map[string]any{"client": map[string]any{"id": "app-1", "name": "Sign-on", "type": "CLIENT"}, "user": map[string]any{"id": "u-" + user, "name": user, "type": "USER"}},
		"action":        map[string]any{"type": actionType, "description": actionType},
		"resources":     []any{map[string]any{"type": "USER", "id": "u-" + user, "name": user}},
		"result":        map[string]any{"status": result, "description": "Invalid credentials"},
		"source":        map[string]any{"ipAddress": "203.0.113.9", "userAgent": "Mozilla/5.0"},
	}
}

func TestPingOneHookFormats(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	now := time.Now().Add(-time.Minute)
	a1 := activity("0b8d6c1e-0000-4000-8000-000000000001", "PASSWORD.CHECK_FAILED", "jdoe", "FAILED", now)
	a2 := activity("0b8d6c1e-0000-4000-8000-000000000002", "USER.LOCKED", "jdoe", "SUCCESS", now)
	a3 := activity("0b8d6c1e-0000-4000-8000-000000000003", "OTP.CHECK_FAILED", "bwilson", "FAILED", now)
	arr, _ := json.Marshal([]any{a1, a2})
	one, _ := json.Marshal(a2)
	l1, _ := json.Marshal(a2)
	l2, _ := json.Marshal(a3)
	nd := append(append(append(l1, '\n'), l2...), '\n')
	for name, d := range map[string]struct {
		ct   string
		body []byte
	}{"array": {"application/json", arr}, "object": {"application/json", one}, "ndjson": {"application/x-ndjson", nd}} {
		r := e.hook("/pingone/webhook", d.ct, pingOneHookSecret, d.body)
		mustStatus(t, r, http.StatusOK)
		t.Logf("%s: %s", name, r.body)
	}
	got := e.eventsOf("provider=pingone")
	if len(got) != 3 {
		t.Fatalf("%d activities stored, want 3 (each once)", len(got))
	}
	// The SOPs' names find the real action types.
	locked := e.eventsOf("type=USER_LOCKED")
	if len(locked) != 1 || locked[0]["Type"] != "USER.LOCKED" || locked[0]["User"] != "jdoe" {
		t.Fatalf("USER_LOCKED: %v", locked)
	}
	if sop := asList(locked[0]["SOPTypes"]); len(sop) != 1 || sop[0] != "USER_LOCKED" {
		t.Fatalf("SOPTypes %v, want [USER_LOCKED]", locked[0]["SOPTypes"])
	}
	if mfa := e.eventsOf("type=MFA_VERIFY_FAILED&user=bwilson"); len(mfa) != 1 {
		t.Fatalf("MFA_VERIFY_FAILED of bwilson: %v", mfa)
	}
}

func TestPingOneHookRefusesAndKeeps(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	now := time.Now()
	good := activity("0b8d6c1e-0000-4000-8000-000000000010", "USER.LOCKED", "jdoe", "SUCCESS", now)
	body, _ := json.Marshal([]any{good})
	if r := e.hook("/pingone/webhook", "application/json", "wrong-secret-wrong-secret", body); r.status != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d", r.status)
	}
	if r := e.hook("/pingone/webhook", "application/json", "", body); r.status != http.StatusUnauthorized {
		t.Fatalf("no secret: %d", r.status)
	}
	// The Okta secret is not PingOne's.
	if r := e.hook("/pingone/webhook", "application/json", oktaHookSecret, body); r.status != http.StatusUnauthorized {
		t.Fatalf("Okta's secret at PingOne's hook: %d", r.status)
	}
	many := make([]any, 501)
	for i := range many {
		many[i] = activity(fmt.Sprintf("0b8d6c1e-0000-4000-8000-%012d", 1000+i), "USER.LOCKED", "jdoe", "SUCCESS", now)
	}
	tooMany, _ := json.Marshal(many)
	for name, c := range map[string]struct {
		ct     string
		body   []byte
		status int
	}{
		"malformed":      {"application/json", []byte(`[{"id":`), 400},
		"garbage":        {"application/x-ndjson", []byte("not json\nat all\n"), 400},
		"empty":          {"application/json", nil, 400},
		"content type":   {"text/csv", body, 415},
		"501 activities": {"application/json", tooMany, 413},
	} {
		if r := e.hook("/pingone/webhook", c.ct, pingOneHookSecret, c.body); r.status != c.status {
			t.Errorf("%s: %d, want %d: %s", name, r.status, c.status, r.body)
		}
	}
	if got := e.eventsOf(""); len(got) != 0 {
		t.Fatalf("refused deliveries stored %d events", len(got))
	}
	// One bad activity in a batch is stored as rejected and the batch
	// answered 200, or PingOne would redeliver it forever.
	mixed := []byte(string(mustJSON(t, good)) + "\n{\"id\":\"x\"}\nnot json\n")
	r := e.hook("/pingone/webhook", "application/x-ndjson", pingOneHookSecret, mixed)
	mustStatus(t, r, http.StatusOK)
	if ack := r.json(t); ack["received"] != 3.0 || ack["stored"] != 3.0 || ack["rejected"] != 2.0 {
		t.Fatalf("ack %s", r.body)
	}
	// Redelivered, nothing more is stored.
	r = e.hook("/pingone/webhook", "application/x-ndjson", pingOneHookSecret, mixed)
	if ack := r.json(t); ack["stored"] != 0.0 {
		t.Fatalf("redelivery ack %s", r.body)
	}
	if got := e.eventsOf("rejected=true"); len(got) != 2 {
		t.Fatalf("%d rejected, want 2", len(got))
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEventsAPI(t *testing.T) {
	e := newEnv(t)
	log := e.okta.Org().Events()
	mustStatus(t, e.hook("/okta/webhook", "application/json", oktaHookSecret, oktaDelivery(t, log[len(log)-20:]...)), http.StatusNoContent)
	if r := e.get("/api/v1/events", token(t, "commands:read", "audit:read")); r.status != http.StatusForbidden {
		t.Fatalf("without events:read: %d", r.status)
	}
	if r := e.get("/api/v1/events", ""); r.status != http.StatusUnauthorized {
		t.Fatalf("without a token: %d", r.status)
	}
	for _, q := range []string{"provider=azure", "source=email", "since=yesterday", "limit=0", "rejected=maybe", "cursor=bm9wZQ"} {
		r := e.get("/api/v1/events?"+q, token(t, "events:read"))
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, r.status)
		}
	}
	if r := e.get("/api/v1/events/no-such-event", token(t, "events:read")); r.status != http.StatusNotFound {
		t.Fatalf("unknown event: %d", r.status)
	}
	// Paging walks all 20, most recent first, each once.
	var seen []string
	cursor := ""
	for range 10 {
		r := e.get("/api/v1/events?limit=7&cursor="+cursor, token(t, "events:read"))
		mustStatus(t, r, http.StatusOK)
		body := r.json(t)
		for _, v := range asList(body["events"]) {
			seen = append(seen, v.(map[string]any)["ID"].(string))
		}
		next, _ := body["next_cursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	if len(seen) != 20 {
		t.Fatalf("paging saw %d events, want 20", len(seen))
	}
	// Filters by time: the newest event's own time bounds it.
	newest := e.eventsOf("")[0]
	if got := e.eventsOf("since=" + newest["Time"].(string)); len(got) < 1 || got[len(got)-1]["Time"].(string) < newest["Time"].(string) {
		t.Fatalf("since filter: %v", got)
	}
}

// TestPingOneSubscriptionDeliversToIdcmd: the fake PingOne, subscribed by
// pingone-create-subscription, delivers a password spray to idcmd's hook
// over HTTP; each activity is stored once, a verbatim redelivery and an
// overlapping batch add nothing twice.
func TestPingOneSubscriptionDeliversToIdcmd(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	r := e.run("pingone-create-subscription", fmt.Sprintf(`{"url":%q}`, e.url+"/pingone/webhook"))
	mustStatus(t, r, http.StatusOK)
	subID := r.json(t)["outputs"].(map[string]any)["ID"].(string)
	burst, err := e.pingone.EmitBurst("password_spray")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.pingone.FlushSubscriptions(t.Context()); err != nil {
		t.Fatal(err)
	}
	deliveries := e.pingone.Deliveries(subID)
	if len(deliveries) == 0 {
		t.Fatal("the fake delivered nothing")
	}
	delivered := map[string]bool{}
	for _, d := range deliveries {
		if d.Status != http.StatusOK {
			t.Fatalf("a delivery was answered %d: %s", d.Status, d.Error)
		}
		for _, id := range d.ActivityIDs {
			delivered[id] = true
		}
	}
	stored := e.eventsOf("provider=pingone&source=hook")
	if len(stored) != len(delivered) {
		t.Fatalf("%d activities delivered, %d stored", len(delivered), len(stored))
	}
	for _, ev := range stored {
		if !delivered[ev["ID"].(string)] {
			t.Fatalf("stored %v, which was not delivered", ev["ID"])
		}
	}
	spray := 0
	for _, id := range burst.ActivityIDs {
		if delivered[id] {
			spray++
		}
	}
	if spray == 0 {
		t.Fatal("none of the burst's activities reached idcmd")
	}
	if _, err := e.pingone.Redeliver(t.Context(), subID, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pingone.RedeliverOverlapping(t.Context(), subID, 1, 1); err != nil {
		t.Fatal(err)
	}
	if got := e.eventsOf("provider=pingone&source=hook"); len(got) != len(stored) {
		t.Fatalf("after redeliveries %d events, want %d", len(got), len(stored))
	}
}

// TestPollerInReadiness: an enabled poller reads the org's log at start
// and is one of /readyz's checks (advisory: events.Poller.Check, tested in
// package events, fails it after three failed rounds without making
// idcmd unready).
func TestPollerInReadiness(t *testing.T) {
	e := newEnv(t, envOptions{configure: func(c *config.Config) {
		c.Events.OktaPoll.Enabled = true
		c.Events.OktaPoll.FirstFetch = 8 * 24 * time.Hour // the seeded week
	}})
	eventually(t, "the first poll", func() bool { return len(e.eventsOf("source=poll")) > 0 })
	r := e.get("/readyz", token(t, "commands:read"))
	mustStatus(t, r, http.StatusOK)
	checks := r.json(t)["checks"].(map[string]any)
	if checks["events_poll_okta"] != "ok" {
		t.Fatalf("readyz checks %v, want events_poll_okta ok", checks)
	}
}
