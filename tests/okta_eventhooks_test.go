package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

const (
	hookTestSecret = "okta-hook-test-secret-4f1c"
	hookTestHeader = "X-Idcmd-Hook-Secret"
)

func hookEnv(t *testing.T) *env {
	t.Helper()
	return newEnv(t, envOptions{configure: func(c *config.Config) {
		c.Okta.WebhookSecret, c.Okta.WebhookHeader = hookTestSecret, hookTestHeader
	}})
}

// TestOktaEventHookCreateVerifyAndDeliver registers idcmd's own
// /okta/webhook with the fake Okta: the intake answers the verification,
// and the events Okta then delivers (with the configured header and
// secret) land in the event log once each, redeliveries and overlaps
// included.
func TestOktaEventHookCreateVerifyAndDeliver(t *testing.T) {
	e := hookEnv(t)
	url := e.url + "/okta/webhook"
	r := e.run("okta-create-event-hook", `{"url":"`+url+`"}`)
	mustStatus(t, r, 200)
	o := outputs(t, r)
	if o["Action"] != "created" || o["Status"] != "ACTIVE" || o["VerificationStatus"] != "VERIFIED" || o["URI"] != url ||
		o["AuthHeader"] != hookTestHeader || o["Name"] != "idcmd" || len(strs(o["Events"])) != len(commands.DefaultOktaHookEvents) || o["VerifyError"] != nil {
		t.Fatalf("outputs %v", o)
	}
	id := o["ID"].(string)
	if strings.Contains(string(r.body), hookTestSecret) || strings.Contains(e.logs.String(), hookTestSecret) {
		t.Error("the webhook secret is in the response or the logs")
	}
	rec := e.auditRecord(r.json(t)["audit_id"])
	if b, _ := json.Marshal(rec); strings.Contains(string(b), hookTestSecret) {
		t.Error("the webhook secret is in the audit record")
	}

	// Okta now delivers the subscribed events of a burst.
	evs, err := e.okta.EmitBurst(oktatest.BurstPasswordSpray)
	if err != nil {
		t.Fatal(err)
	}
	flushHooks(t, e)
	want := map[string]bool{}
	for _, ev := range evs {
		if ev.EventType == "user.session.start" {
			want[ev.UUID] = true
		}
	}
	stored := func() int {
		n := 0
		for _, ev := range e.eventsOf("provider=okta") {
			if id, _ := ev["ID"].(string); want[id] && ev["Source"] == "hook" {
				n++
			}
		}
		return n
	}
	ds := e.okta.HookDeliveries()
	if len(ds) == 0 || !ds[len(ds)-1].OK {
		t.Fatalf("deliveries %+v", ds)
	}
	if got := stored(); got != len(want) {
		t.Fatalf("%d of the burst's %d sign-ins stored", got, len(want))
	}
	// At least once: a verbatim redelivery and an overlapping batch
	// change nothing but the new event.
	ctx := context.Background()
	if d, err := e.okta.RedeliverLast(ctx, id); err != nil || !d.OK {
		t.Fatalf("redeliver: %+v %v", d, err)
	}
	if err := e.okta.OverlapNext(id, 3); err != nil {
		t.Fatal(err)
	}
	more, err := e.okta.EmitBurst(oktatest.BurstImpossibleTravel)
	if err != nil {
		t.Fatal(err)
	}
	flushHooks(t, e)
	for _, ev := range more {
		if ev.EventType == "user.session.start" {
			want[ev.UUID] = true
		}
	}
	if got := stored(); got != len(want) {
		t.Errorf("%d stored after a redelivery and an overlap, want %d", got, len(want))
	}

	// Again with other events: the same hook, updated, not a second one.
	r = e.run("okta-create-event-hook", `{"url":"`+url+`","events":["user.session.start","user.account.lock"],"name":"idcmd intake"}`)
	mustStatus(t, r, 200)
	o = outputs(t, r)
	if o["ID"] != id || o["Action"] != "reused" || o["Changed"] != true || o["VerificationStatus"] != "VERIFIED" ||
		!slices.Equal(strs(o["Events"]), []string{"user.session.start", "user.account.lock"}) || o["Name"] != "idcmd intake" {
		t.Errorf("rerun outputs %v", o)
	}
	// An INACTIVE hook is activated again.
	deactivate(t, e, id)
	r = e.run("okta-create-event-hook", `{"url":"`+url+`","events":["user.session.start","user.account.lock"],"name":"idcmd intake"}`)
	mustStatus(t, r, 200)
	if o = outputs(t, r); o["Activated"] != true || o["Status"] != "ACTIVE" || o["Changed"] != false {
		t.Errorf("reactivation outputs %v", o)
	}
	if n := hookCount(t, e); n != 1 {
		t.Errorf("%d hooks in Okta, want 1", n)
	}
}

func flushHooks(t *testing.T, e *env) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.okta.FlushHooks(ctx); err != nil {
		t.Fatal(err)
	}
}

func deactivate(t *testing.T, e *env, id string) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.okta.URL+"/api/v1/eventHooks/"+id+"/lifecycle/deactivate", strings.NewReader(""))
	req.Header.Set("Authorization", "SSWS "+e.okta.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("deactivate: %v %v", resp, err)
	}
	resp.Body.Close()
}

func hookCount(t *testing.T, e *env) int {
	t.Helper()
	req, _ := http.NewRequest("GET", e.okta.URL+"/api/v1/eventHooks", nil)
	req.Header.Set("Authorization", "SSWS "+e.okta.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	return len(list)
}

func TestOktaEventHookVerifyFailureIsReported(t *testing.T) {
	e := hookEnv(t)
	// Nothing answers the challenge: an endpoint that refuses everything.
	deaf := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusForbidden) }))
	t.Cleanup(deaf.Close)
	r := e.run("okta-create-event-hook", `{"url":"`+deaf.URL+`/okta/webhook"}`)
	mustStatus(t, r, 200)
	o := outputs(t, r)
	if o["VerificationStatus"] != "UNVERIFIED" || !strings.Contains(fmt.Sprint(o["VerifyError"]), "Unable to verify event hook") || o["ID"] == "" {
		t.Errorf("outputs %v", o)
	}
	if readable := fmt.Sprint(r.json(t)["readable_output"]); !strings.Contains(readable, "UNVERIFIED") {
		t.Errorf("readable does not say the hook is unverified: %s", readable)
	}
}

func TestOktaEventHookRefusals(t *testing.T) {
	// Without okta.webhook_secret the intake could not authenticate Okta.
	e := newEnv(t, envOptions{configure: func(c *config.Config) { c.Okta.WebhookSecret = "" }})
	r := e.run("okta-create-event-hook", `{"url":"https://idcmd.example.com/okta/webhook"}`)
	mustStatus(t, r, 400)
	if !problemAt(t, r, "config.okta.webhook_secret") || !strings.Contains(string(r.body), "OKTA_WEBHOOK_SECRET") {
		t.Errorf("no secret: %s", r.body)
	}
	if n := hookCount(t, e); n != 0 {
		t.Errorf("%d hooks registered without a secret", n)
	}

	e = hookEnv(t)
	for body, loc := range map[string]string{
		`{}`: "body.url",
		`{"url":"http://idcmd.example.com/okta/webhook"}`:                          "body.url",
		`{"url":"ftp://127.0.0.1/x"}`:                                              "body.url",
		`{"url":"/okta/webhook"}`:                                                  "body.url",
		`{"url":"https://idcmd.example.com/h","events":["Login"]}`:                 "body.events[0]",
		`{"url":"https://idcmd.example.com/h","events":["user.session.start",""]}`: "body.events[1]",
	} {
		r := e.run("okta-create-event-hook", body)
		if r.status != 400 || !problemAt(t, r, loc) {
			t.Errorf("%s: %d %s, want 400 at %s", body, r.status, r.body, loc)
		}
	}
	if n := hookCount(t, e); n != 0 {
		t.Errorf("%d hooks registered from bad input", n)
	}
}
