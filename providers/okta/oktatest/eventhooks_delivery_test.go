package oktatest

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"
)

// envelope is a delivery body as a receiver decodes it.
type envelope struct {
	EventType          string `json:"eventType"`
	EventTypeVersion   string `json:"eventTypeVersion"`
	CloudEventsVersion string `json:"cloudEventsVersion"`
	ContentType        string `json:"contentType"`
	EventID            string `json:"eventId"`
	EventTime          string `json:"eventTime"`
	Source             string `json:"source"`
	Data               struct {
		Events []json.RawMessage `json:"events"`
	} `json:"data"`
}

func decodeEnvelope(t *testing.T, b []byte) envelope {
	t.Helper()
	var e envelope
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("envelope: %v: %s", err, b)
	}
	return e
}

func uuidsOf(t *testing.T, e envelope) []string {
	t.Helper()
	out := make([]string, len(e.Data.Events))
	for i, raw := range e.Data.Events {
		var ev struct{ UUID string }
		_ = json.Unmarshal(raw, &ev)
		out[i] = ev.UUID
	}
	return out
}

func ev(eventType, id string) LogEvent {
	return LogEvent{UUID: id, EventType: eventType, Actor: LogActor{ID: "00u1", Type: "User"}, Outcome: &LogOutcome{Result: "SUCCESS"}}
}

func TestEventHookDeliveryEnvelopeAndAmalgamation(t *testing.T) {
	srv, clk := hookServer(t)
	rc := newReceiver(t)
	h := verifiedHook(t, srv, rc, "user.session.start", "user.account.lock")
	unverified := newReceiver(t)
	createHook(t, srv, unverified.URL, "user.session.start")
	inactive := newReceiver(t)
	hi := verifiedHook(t, srv, inactive, "user.session.start")
	api(t, srv, "POST", eventHooksPath+"/"+hi.ID+"/lifecycle/deactivate")

	// Three appends within the window: one delivery of the two that
	// match, in order.
	srv.Org().AppendEvents(ev("user.session.start", "e1"))
	srv.Org().AppendEvents(ev("user.session.end", "e2"))
	srv.Org().AppendEvents(ev("user.account.lock", "e3"))
	flush(t, srv)

	posts := rc.requests("POST")
	if len(posts) != 1 {
		t.Fatalf("%d deliveries, want 1", len(posts))
	}
	p := posts[0]
	e := decodeEnvelope(t, p.body)
	if e.EventType != "com.okta.event_hook" || e.EventTypeVersion != "1.0" || e.CloudEventsVersion != "0.1" ||
		e.ContentType != "application/json" || e.EventID == "" || e.EventTime == "" || e.Source != srv.URL+"/api/v1/eventHooks/"+h.ID {
		t.Errorf("envelope %+v", e)
	}
	if got := uuidsOf(t, e); !slices.Equal(got, []string{"e1", "e3"}) {
		t.Errorf("events %v", got)
	}
	if p.header.Get("Authorization") != hookSecret || p.header.Get("X-Other-Header") != "my-header-value" ||
		p.header.Get("Content-Type") != "application/json" || p.header.Get("Accept") != "application/json" || p.header.Get("User-Agent") == "" {
		t.Errorf("delivery headers %v", p.header)
	}
	// data.events are the LogEvents exactly as /api/v1/logs serves them.
	var logs []json.RawMessage
	clk.Advance(time.Second) // a bounded listing ends before now
	api(t, srv, "GET", "/api/v1/logs?filter=eventType%20eq%20%22user.session.start%22&sortOrder=DESCENDING&limit=1").decode(t, &logs)
	if len(logs) != 1 || string(logs[0]) != string(e.Data.Events[0]) {
		t.Errorf("delivered event differs from the System Log's:\n%s\n%s", e.Data.Events[0], logs)
	}
	if n := len(unverified.requests("POST")) + len(inactive.requests("POST")); n != 0 {
		t.Errorf("%d deliveries to an UNVERIFIED or INACTIVE hook", n)
	}
	ds := srv.HookDeliveries()
	if len(ds) != 1 || !ds[0].OK || ds[0].Attempts != 1 || ds[0].Status != 204 || ds[0].EventID != e.EventID {
		t.Errorf("deliveries %+v", ds)
	}
}

func TestEventHookDeliveryMaxBatchAndAPIEvents(t *testing.T) {
	srv, _ := hookServer(t, func(o *Options) { o.HookMaxBatch = 2 })
	rc := newReceiver(t)
	verifiedHook(t, srv, rc, "user.lifecycle.suspend", "user.session.start")
	for _, id := range []string{"a", "b", "c", "d"} {
		srv.Org().AppendEvents(ev("user.session.start", id))
	}
	// An event the API writes is delivered too.
	if r := api(t, srv, "POST", "/api/v1/users/"+userIDOf(t, srv, DemoActiveUser)+"/lifecycle/suspend"); r.status != 200 {
		t.Fatalf("suspend: %d %s", r.status, r.body)
	}
	flush(t, srv)
	var sizes []int
	var types []string
	for _, p := range rc.requests("POST") {
		e := decodeEnvelope(t, p.body)
		sizes = append(sizes, len(e.Data.Events))
		for _, raw := range e.Data.Events {
			var x struct{ EventType string }
			_ = json.Unmarshal(raw, &x)
			types = append(types, x.EventType)
		}
	}
	if !slices.Equal(sizes, []int{2, 2, 1}) || types[4] != "user.lifecycle.suspend" {
		t.Errorf("batches %v, types %v", sizes, types)
	}
}

func TestEventHookDeliveryRetries(t *testing.T) {
	cases := []struct {
		name     string
		answer   func(*http.Request, int) (int, string)
		attempts int
		ok       bool
	}{
		{"5xx then ok", func(_ *http.Request, n int) (int, string) {
			if n == 1 {
				return 503, ""
			}
			return 200, ""
		}, 2, true},
		{"5xx twice", func(*http.Request, int) (int, string) { return 500, "" }, 2, false},
		{"4xx is not retried", func(*http.Request, int) (int, string) { return 401, "" }, 1, false},
		{"timeout twice", func(*http.Request, int) (int, string) { return 0, "" }, 2, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := hookServer(t, func(o *Options) { o.HookTimeout = 100 * time.Millisecond })
			rc := newReceiver(t)
			h := verifiedHook(t, srv, rc, "user.session.start")
			rc.answer = func(r *http.Request, n int) (int, string) { return tc.answer(r, n) }
			srv.Org().AppendEvents(ev("user.session.start", "x1"))
			flush(t, srv)
			ds := srv.HookDeliveries()
			if len(ds) != 1 || ds[0].Attempts != tc.attempts || ds[0].OK != tc.ok || len(rc.requests("POST")) != tc.attempts {
				t.Fatalf("deliveries %+v", ds)
			}
			var failures []LogEvent
			for _, e := range srv.Org().Events() {
				if e.EventType == "event_hook.delivery" {
					failures = append(failures, e)
				}
			}
			if tc.ok != (len(failures) == 0) {
				t.Fatalf("%d event_hook.delivery events", len(failures))
			}
			if !tc.ok {
				f := failures[0]
				if f.Outcome.Result != "FAILURE" || f.Target[0].ID != h.ID || f.Outcome.Reason == "" {
					t.Errorf("failure event %+v", f)
				}
			}
		})
	}
}

func TestEventHookRedeliveryAndOverlap(t *testing.T) {
	srv, _ := hookServer(t)
	rc := newReceiver(t)
	h := verifiedHook(t, srv, rc, "user.session.start")
	srv.Org().AppendEvents(ev("user.session.start", "a"), ev("user.session.start", "b"), ev("user.session.start", "c"))
	flush(t, srv)
	first := srv.HookDeliveries()[0]

	ctx := context.Background()
	again, err := srv.RedeliverLast(ctx, h.ID)
	if err != nil || again.EventID != first.EventID || !again.Redelivery || !again.OK {
		t.Fatalf("redeliver %+v %v", again, err)
	}
	if _, err := srv.Redeliver(ctx, first.EventID); err != nil {
		t.Fatal(err)
	}
	posts := rc.requests("POST")
	if len(posts) != 3 || string(posts[1].body) != string(posts[0].body) || string(posts[2].body) != string(posts[0].body) {
		t.Fatalf("redelivery not verbatim: %d posts", len(posts))
	}

	if err := srv.OverlapNext(h.ID, 2); err != nil {
		t.Fatal(err)
	}
	srv.Org().AppendEvents(ev("user.session.start", "d"))
	flush(t, srv)
	posts = rc.requests("POST")
	e := decodeEnvelope(t, posts[len(posts)-1].body)
	if got := uuidsOf(t, e); !slices.Equal(got, []string{"b", "c", "d"}) || e.EventID == first.EventID {
		t.Errorf("overlap batch %v (eventId %s)", got, e.EventID)
	}
	if _, err := srv.Redeliver(ctx, "no-such-id"); err == nil {
		t.Error("redeliver of an unknown eventId succeeded")
	}
}

func TestEventHookCloseStopsDeliveries(t *testing.T) {
	clk := newClock()
	srv := NewServer(Options{Seed: true, Now: clk.Now, HookBatchWindow: time.Hour})
	rc := newReceiver(t)
	verifiedHook(t, srv, rc, "user.session.start")
	srv.Org().AppendEvents(ev("user.session.start", "a"))
	srv.Close() // returns although a delivery waits in its window
	if n := len(rc.requests("POST")); n != 0 {
		t.Errorf("%d deliveries after Close", n)
	}
}
