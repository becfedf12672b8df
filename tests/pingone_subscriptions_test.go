package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
)

func withPingOneHookSecret(c *config.Config) {
	c.PingOne.WebhookHeader, c.PingOne.WebhookSecret = "X-Idcmd-Webhook-Secret", pingOneHookSecret
}

func TestPingOneCreateSubscription(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true, configure: withPingOneHookSecret})
	hook := e.url + "/pingone/webhook" // idcmd on 127.0.0.1: http is allowed on loopback
	r := e.run("pingone-create-subscription", fmt.Sprintf(`{"url":%q}`, hook))
	mustStatus(t, r, 200)
	if bytes.Contains(r.body, []byte(pingOneHookSecret)) {
		t.Fatalf("the answer carries the secret: %s", r.body)
	}
	o := outputs(t, r)
	want := commands.PingOneActionTypes(commands.PingOneSubscriptionEvents)
	if o["Name"] != "idcmd" || o["Enabled"] != true || o["URL"] != hook || o["Format"] != "ACTIVITY" || o["Action"] != "created" ||
		o["SecretHeader"] != "X-Idcmd-Webhook-Secret" || !slices.Equal(strs(o["ActionType"]), want) {
		t.Fatalf("outputs %v", o)
	}
	for _, typ := range []string{"AUTHENTICATION.CREATED", "SESSION.CREATED", "USER.LOCKED", "OTP.CHECK_FAILED", "RISK_EVALUATION.CREATED", "PASSWORD.RESET", "DEVICE.CREATED", "USER.UPDATED"} {
		if !slices.Contains(want, typ) {
			t.Errorf("the SOP's list does not subscribe %s", typ)
		}
	}
	subs := e.pingone.Subscriptions()
	if len(subs) != 1 {
		t.Fatalf("the fake holds %+v", subs)
	}
	s := subs[0]
	if s.ID != o["ID"] || s.URL != hook || !s.Enabled || s.VerifyTLS || s.Format != "ACTIVITY" || s.PayloadFormat != "JSON_ARRAY" ||
		s.LimitType != "EVENTS_PER_PAYLOAD" || s.LimitSize != 500 || !s.IPExposed || !s.UserAgentExposed || len(s.Headers) != 1 || s.Headers["X-Idcmd-Webhook-Secret"] != pingOneHookSecret ||
		!slices.Equal(s.ActionTypes, want) {
		t.Errorf("the fake holds %+v", s)
	}

	// The same name again: updated in place, with the events translated
	// (an SOP name and a real action type).
	r = e.run("pingone-create-subscription", fmt.Sprintf(`{"url":%q,"events":["MFA_VERIFY_FAILED","USER.LOCKED"]}`, hook))
	mustStatus(t, r, 200)
	o = outputs(t, r)
	wantTypes := []string{"ASSERTION.CHECK_FAILED", "DEVICE.ACTIVATION_OTP_FAILED", "DEVICE.LOCKED", "OTP.CHECK_FAILED", "OTP.CHECK_INVALID", "USER.LOCKED"}
	if o["Action"] != "updated" || o["ID"] != s.ID || !slices.Equal(strs(o["ActionType"]), wantTypes) {
		t.Errorf("update outputs %v", o)
	}
	if subs := e.pingone.Subscriptions(); len(subs) != 1 || !slices.Equal(subs[0].ActionTypes, wantTypes) {
		t.Errorf("after the update the fake holds %+v", subs)
	}
	// Another name for the same URL: the same subscription, renamed.
	r = e.run("pingone-create-subscription", fmt.Sprintf(`{"url":%q,"name":"SOC intake"}`, hook))
	mustStatus(t, r, 200)
	if subs := e.pingone.Subscriptions(); len(subs) != 1 || subs[0].Name != "SOC intake" || outputs(t, r)["Action"] != "updated" {
		t.Errorf("after the rename the fake holds %+v", subs)
	}
	// An HTTPS endpoint elsewhere is a second subscription, its
	// certificate verified.
	r = e.run("pingone-create-subscription", `{"url":"https://idcmd.example.com/pingone/webhook","name":"prod"}`)
	mustStatus(t, r, 200)
	if subs := e.pingone.Subscriptions(); len(subs) != 2 || !subs[1].VerifyTLS || subs[1].Name != "prod" {
		t.Errorf("the fake holds %+v", subs)
	}

	// The secret is in no raw_response, readable output, audit record or log.
	for _, b := range [][]byte{r.body, e.get("/api/v1/audit?limit=500", token(t, "audit:read")).body, []byte(e.logs.String())} {
		if bytes.Contains(b, []byte(pingOneHookSecret)) {
			t.Errorf("the secret leaked: %.400s", b)
		}
	}
	if raw := r.json(t)["raw_response"].(map[string]any); raw["httpEndpoint"].(map[string]any)["headers"].(map[string]any)["X-Idcmd-Webhook-Secret"] != "[redacted]" {
		t.Errorf("raw_response %v", raw)
	}
}

func TestPingOneCreateSubscriptionBadInput(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true, configure: withPingOneHookSecret})
	for _, tc := range []struct{ body, location string }{
		{`{}`, "body.url"},
		{`{"url":"http://idcmd.example.com/pingone/webhook"}`, "body.url"},
		{`{"url":"ftp://127.0.0.1/x"}`, "body.url"},
		{`{"url":"not a url"}`, "body.url"},
		{`{"url":"https://idcmd.example.com/h","events":["USER_LOGN"]}`, "body.events[0]"},
		{`{"url":"https://idcmd.example.com/h","events":["USER.LOCKED","user locked"]}`, "body.events[1]"},
		{`{"url":"https://idcmd.example.com/h","name":"   "}`, "body.name"},
	} {
		r := e.run("pingone-create-subscription", tc.body)
		if r.status != 400 || !problemAt(t, r, tc.location) {
			t.Errorf("%s: %d %s, want 400 at %s", tc.body, r.status, r.body, tc.location)
		}
	}
	if n := len(e.pingone.Subscriptions()); n != 0 {
		t.Errorf("bad input created %d subscriptions", n)
	}
}

func TestPingOneCreateSubscriptionWithoutSecret(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true, configure: func(c *config.Config) { c.PingOne.WebhookSecret = "" }})
	r := e.run("pingone-create-subscription", fmt.Sprintf(`{"url":%q}`, e.url+"/pingone/webhook"))
	if r.status != 400 || !problemAt(t, r, "config.pingone.webhook_secret") ||
		!bytes.Contains(r.body, []byte("PINGONE_WEBHOOK_SECRET")) {
		t.Errorf("without a secret: %d %s", r.status, r.body)
	}
	if n := len(e.pingone.Subscriptions()); n != 0 {
		t.Errorf("created %d subscriptions without a secret", n)
	}
	// A read-only token may not register one.
	r = e.do("POST", "/api/v1/commands/pingone-create-subscription", "application/json", token(t, "commands:read"),
		[]byte(`{"url":"https://idcmd.example.com/h"}`))
	mustStatus(t, r, 403)
}

// TestPingOneSubscriptionReceivesBursts checks the whole provider side: the
// subscription idcmd registers makes the fake deliver a burst, in
// PingOne's format with the configured header, to the registered URL.
func TestPingOneSubscriptionReceivesBursts(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true, configure: withPingOneHookSecret})
	rc := newHookRecorder(t)
	mustStatus(t, e.run("pingone-create-subscription", fmt.Sprintf(`{"url":%q}`, rc.URL)), 200)
	b, err := e.pingone.EmitBurst(pingonetest.BurstMFAFatigue)
	if err != nil {
		t.Fatal(err)
	}
	flushPingOne(t, e.pingone)
	var got []string
	for _, req := range rc.requests() {
		if req.header.Get("X-Idcmd-Webhook-Secret") != pingOneHookSecret || req.header.Get("Content-Type") != "application/json" {
			t.Errorf("delivery headers %v", req.header)
		}
		got = append(got, activityIDs(t, req.body)...)
		if !bytes.Contains(req.body, []byte(`"source":{"ipAddress":"`+pingonetest.DemoMoscowIP+`","userAgent":"`)) {
			t.Errorf("the delivery lacks the attacker's source: %.300s", req.body)
		}
	}
	if len(got) == 0 {
		t.Fatal("nothing delivered")
	}
	for _, id := range got {
		if !slices.Contains(b.ActivityIDs, id) {
			t.Errorf("delivered %s, not of the burst", id)
		}
	}
}

// hookRecorder is a webhook receiver on loopback that answers 200.
type hookRecorder struct {
	*httptest.Server
	mu  sync.Mutex
	got []hookRequest
}

type hookRequest struct {
	header http.Header
	body   []byte
}

func newHookRecorder(t *testing.T) *hookRecorder {
	rc := &hookRecorder{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, hookRequest{header: r.Header.Clone(), body: b})
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *hookRecorder) requests() []hookRequest {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// flushPingOne waits until the fake PingOne has delivered what it queued.
func flushPingOne(t *testing.T, p1 *pingonetest.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p1.FlushSubscriptions(ctx); err != nil {
		t.Fatal(err)
	}
}

// activityIDs reads the IDs of a JSON_ARRAY delivery.
func activityIDs(t *testing.T, body []byte) []string {
	t.Helper()
	var acts []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &acts); err != nil {
		t.Fatalf("delivery is not a JSON array: %v: %s", err, body)
	}
	var ids []string
	for _, a := range acts {
		ids = append(ids, a.ID)
	}
	return ids
}
