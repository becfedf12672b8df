package pingonetest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSubscriptionDeliversActivitiesAsTheAPIShowsThem(t *testing.T) {
	srv, _ := fastDelivery(t, true)
	c := newClient(t, srv)
	rc := newReceiver(t)
	id := createSub(t, c, subBody(rc.URL+"/pingone/webhook", lockTypes, func(m map[string]any) {
		sub(m, "filterOptions")["ipAddressExposed"] = true
		sub(m, "filterOptions")["userAgentExposed"] = true
	}))
	jdoe := userID(t, srv, DemoActiveUser)
	must(t, c.do("POST", "/users/"+jdoe, ctAccountLock, ""), http.StatusOK)
	must(t, c.do("PUT", "/users/"+jdoe+"/enabled", "application/json", `{"enabled":false}`), http.StatusOK) // USER.UPDATED: not subscribed
	must(t, c.do("POST", "/users/"+jdoe, ctAccountUnlock, ""), http.StatusOK)
	mustFlush(t, srv)

	var events []map[string]any
	for _, req := range rc.requests() {
		if req.header.Get("X-Hook-Secret") != "s3cret" || req.header.Get("Content-Type") != "application/json" {
			t.Errorf("headers %v", req.header)
		}
		events = append(events, batchOf(t, req.body)...)
	}
	if len(events) != 2 || events[0]["action"].(map[string]any)["type"] != "USER.LOCKED" || events[1]["action"].(map[string]any)["type"] != "USER.UNLOCKED" {
		t.Fatalf("delivered %v", events)
	}
	// Each event is exactly what GET /activities/{id} answers.
	for _, ev := range events {
		var api map[string]any
		must(t, c.get("/activities/"+ev["id"].(string)), http.StatusOK).decode(t, &api)
		if !reflect.DeepEqual(ev, api) {
			t.Errorf("delivered\n%v\nGET /activities\n%v", ev, api)
		}
		if src, _ := ev["source"].(map[string]any); src["ipAddress"] == nil || src["userAgent"] == nil {
			t.Errorf("source not exposed: %v", ev["source"])
		}
	}
	ds := srv.Deliveries(id)
	if len(ds) == 0 || ds[0].Status != 200 || ds[0].Attempt != 1 || ds[0].Batch != 1 || ds[0].ContentType != "application/json" || len(ds[0].ActivityIDs) == 0 {
		t.Errorf("deliveries %+v", ds)
	}
}

func TestSubscriptionSourceExposure(t *testing.T) {
	srv, _ := fastDelivery(t, true)
	c := newClient(t, srv)
	for _, tc := range []struct {
		user   string
		ip, ua bool
		want   map[string]any
	}{
		{DemoActiveUser, false, false, nil},
		{DemoRiskyUser, true, false, map[string]any{"ipAddress": "127.0.0.1"}},
		{DemoAdminUser, false, true, map[string]any{"userAgent": "Go-http-client/1.1"}},
	} {
		rc := newReceiver(t)
		id := createSub(t, c, subBody(rc.URL, lockTypes, func(m map[string]any) {
			sub(m, "filterOptions")["ipAddressExposed"] = tc.ip
			sub(m, "filterOptions")["userAgentExposed"] = tc.ua
		}))
		must(t, c.do("POST", "/users/"+userID(t, srv, tc.user), ctAccountLock, ""), http.StatusOK)
		mustFlush(t, srv)
		reqs := rc.requests()
		if len(reqs) != 1 {
			t.Fatalf("%d requests; deliveries %+v; subs %+v", len(reqs), srv.Deliveries(id), srv.Subscriptions())
		}
		ev := batchOf(t, reqs[0].body)[0]
		if got, _ := ev["source"].(map[string]any); !reflect.DeepEqual(got, tc.want) && !(got == nil && tc.want == nil) {
			t.Errorf("ip %v ua %v: source %v, want %v", tc.ip, tc.ua, ev["source"], tc.want)
		}
		must(t, c.do("DELETE", "/subscriptions/"+id, "", ""), http.StatusNoContent)
	}
}

// appendLocks records n USER.LOCKED activities directly.
func appendLocks(srv *Server, n int) []string {
	acts := make([]Activity, n)
	for i := range acts {
		acts[i] = Activity{Type: "USER.LOCKED", UserID: "u" + string(rune('a'+i))}
	}
	srv.Env().AppendActivities(acts...)
	all := srv.Env().Activities()
	var ids []string
	for _, a := range all[len(all)-n:] {
		ids = append(ids, a.ID)
	}
	return ids
}

func TestSubscriptionBatchesAndSuspension(t *testing.T) {
	srv, _ := fastDelivery(t, false)
	c := newClient(t, srv)
	rc := newReceiver(t)
	body := func(enabled bool) string {
		return subBody(rc.URL, lockTypes, func(m map[string]any) {
			m["enabled"] = enabled
			m["payloadOptions"] = map[string]any{"maximumPayloadLimit": map[string]any{"type": "EVENTS_PER_PAYLOAD", "size": 3}}
		})
	}
	id := createSub(t, c, body(false))
	ids := appendLocks(srv, 7)
	srv.Env().AppendActivities(Activity{Type: "USER.CREATED"}) // not subscribed
	mustFlush(t, srv)
	if n := len(rc.requests()); n != 0 {
		t.Fatalf("a suspended subscription delivered %d batches", n)
	}
	if p := srv.Subscriptions()[0].Pending; p != 7 {
		t.Fatalf("accumulated %d events", p)
	}
	must(t, c.do("PUT", "/subscriptions/"+id, "application/json", body(true)), http.StatusOK)
	mustFlush(t, srv)
	var sizes []int
	var got []string
	for _, req := range rc.requests() {
		b := batchOf(t, req.body)
		sizes = append(sizes, len(b))
		for _, ev := range b {
			got = append(got, ev["id"].(string))
		}
	}
	if !slices.Equal(sizes, []int{3, 3, 1}) || !slices.Equal(got, ids) {
		t.Errorf("batches %v of %v, want 3,3,1 of %v", sizes, got, ids)
	}
}

func TestSubscriptionSuspendedEventsExpireAfterTwoWeeks(t *testing.T) {
	srv, clk := fastDelivery(t, false)
	c := newClient(t, srv)
	rc := newReceiver(t)
	disabled := subBody(rc.URL, lockTypes, func(m map[string]any) { m["enabled"] = false })
	id := createSub(t, c, disabled)
	appendLocks(srv, 1)
	clk.Advance(13 * 24 * time.Hour)
	kept := appendLocks(srv, 1)
	clk.Advance(2 * 24 * time.Hour) // the first is now 15 days old, the second 2
	c = newClient(t, srv)           // the old token has expired
	must(t, c.do("PUT", "/subscriptions/"+id, "application/json", subBody(rc.URL, lockTypes)), http.StatusOK)
	mustFlush(t, srv)
	ds := srv.Deliveries(id)
	if len(ds) != 1 || !slices.Equal(ds[0].ActivityIDs, kept) {
		t.Errorf("deliveries %+v, want only %v", ds, kept)
	}
}

func TestSubscriptionRetriesTheSameBatchUntil200(t *testing.T) {
	srv, _ := fastDelivery(t, false)
	c := newClient(t, srv)
	rc := newReceiver(t)
	one := func(enabled bool) string {
		return subBody(rc.URL, lockTypes, func(m map[string]any) {
			m["enabled"] = enabled
			m["payloadOptions"] = map[string]any{"maximumPayloadLimit": map[string]any{"type": "EVENTS_PER_PAYLOAD", "size": 1}}
		})
	}
	id := createSub(t, c, one(false))
	ids := appendLocks(srv, 2)
	rc.status.Store(http.StatusInternalServerError)
	must(t, c.do("PUT", "/subscriptions/"+id, "application/json", one(true)), http.StatusOK)
	// Every non-200 is a failure: 5xx, 204, 4xx.
	for _, status := range []int{http.StatusInternalServerError, http.StatusNoContent, http.StatusBadRequest, http.StatusAccepted} {
		rc.status.Store(int64(status))
		if err := flush(t, srv); err == nil || !strings.Contains(err.Error(), id) {
			t.Fatalf("status %d: flush said %v", status, err)
		}
	}
	rc.status.Store(http.StatusOK)
	if err := flush(t, srv); err != nil {
		// An attempt already under way when the receiver recovered failed
		// after the flush began; the next one gets the 200.
		mustFlush(t, srv)
	}
	ds := srv.Deliveries(id)
	last := ds[len(ds)-1]
	if last.Batch != 2 || last.Status != 200 || !slices.Equal(last.ActivityIDs, ids[1:]) {
		t.Errorf("last delivery %+v", last)
	}
	first := ds[0]
	for i, d := range ds[:len(ds)-1] {
		// Until batch 1 got its 200, nothing else was sent, and every
		// attempt sent the same body.
		if d.Batch != 1 || d.Attempt != i+1 || !bytes.Equal(d.Body, first.Body) || !slices.Equal(d.ActivityIDs, ids[:1]) {
			t.Fatalf("attempt %d: %+v", i, d)
		}
	}
	if ds[len(ds)-2].Status != 200 || len(ds) < 6 {
		t.Errorf("batch 1 attempts %+v", ds)
	}
}

func TestSubscriptionPayloadFormats(t *testing.T) {
	srv, _ := fastDelivery(t, false)
	c := newClient(t, srv)
	nd, kb := newReceiver(t), newReceiver(t)
	createSub(t, c, subBody(nd.URL, lockTypes, func(m map[string]any) {
		m["payloadOptions"] = map[string]any{"payloadFormat": map[string]any{"https": map[string]any{"format": "ND_JSON"}}}
		m["enabled"] = false
	}))
	createSub(t, c, subBody(kb.URL, lockTypes, func(m map[string]any) {
		m["payloadOptions"] = map[string]any{"maximumPayloadLimit": map[string]any{"type": "KB_PER_PAYLOAD", "size": 1},
			"payloadFormat": map[string]any{"https": map[string]any{"format": "JSON_ARRAY", "prettyPrint": true}}}
	}))
	ids := appendLocks(srv, 4)
	for _, s := range srv.Subscriptions() {
		if !s.Enabled {
			must(t, c.do("PUT", "/subscriptions/"+s.ID, "application/json", subBody(nd.URL, lockTypes, func(m map[string]any) {
				m["payloadOptions"] = map[string]any{"payloadFormat": map[string]any{"https": map[string]any{"format": "ND_JSON"}}}
			})), http.StatusOK)
		}
	}
	mustFlush(t, srv)
	reqs := nd.requests()
	if len(reqs) != 1 || reqs[0].header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("ND_JSON requests %d %v", len(reqs), reqs)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSuffix(string(reqs[0].body), "\n"), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		got = append(got, ev["id"].(string))
	}
	if !slices.Equal(got, ids) {
		t.Errorf("ND_JSON ids %v, want %v", got, ids)
	}
	got = nil
	for _, req := range kb.requests() {
		b := batchOf(t, req.body)
		if len(req.body) > 1024 && len(b) > 1 {
			t.Errorf("a %d-byte batch of %d events exceeds 1 KB", len(req.body), len(b))
		}
		if !bytes.Contains(req.body, []byte("\n  ")) {
			t.Errorf("prettyPrint: %s", req.body)
		}
		for _, ev := range b {
			got = append(got, ev["id"].(string))
		}
	}
	if !slices.Equal(got, ids) {
		t.Errorf("KB ids %v, want %v", got, ids)
	}
}

func TestSubscriptionFilters(t *testing.T) {
	srv, _ := fastDelivery(t, true)
	c := newClient(t, srv)
	rc := newReceiver(t)
	env := srv.Env()
	slack, workday := env.appByNameLocked("Slack").id, env.appByNameLocked("Workday").id
	contractors := populationIDOf(t, env, PopulationContractors)
	id := createSub(t, c, subBody(rc.URL, []string{"SESSION.CREATED"}, func(m map[string]any) {
		fo := sub(m, "filterOptions")
		fo["includedApplications"] = []map[string]string{{"id": slack}}
		fo["includedPopulations"] = []map[string]string{{"id": contractors}}
	}))
	contractor, employee := DemoEscalatedUser, DemoActiveUser
	env.AppendActivities(
		Activity{Type: "SESSION.CREATED", UserID: contractor, ClientID: slack, ID: "want-1"},
		Activity{Type: "SESSION.CREATED", UserID: contractor, ClientID: workday, ID: "other-app"},
		Activity{Type: "SESSION.CREATED", UserID: employee, ClientID: slack, ID: "other-population"},
		Activity{Type: "SESSION.DELETED", UserID: contractor, ClientID: slack, ID: "other-type"},
	)
	mustFlush(t, srv)
	var got []string
	for _, d := range srv.Deliveries(id) {
		got = append(got, d.ActivityIDs...)
	}
	if !slices.Equal(got, []string{"want-1"}) {
		t.Errorf("delivered %v", got)
	}
}

func TestSubscriptionRedelivery(t *testing.T) {
	srv, _ := fastDelivery(t, false)
	c := newClient(t, srv)
	rc := newReceiver(t)
	id := createSub(t, c, subBody(rc.URL, lockTypes, func(m map[string]any) { m["enabled"] = false }))
	ids := appendLocks(srv, 3)
	must(t, c.do("PUT", "/subscriptions/"+id, "application/json", subBody(rc.URL, lockTypes)), http.StatusOK)
	mustFlush(t, srv)
	first := rc.requests()[0]

	ctx := context.Background()
	d, err := srv.Redeliver(ctx, id, 1)
	if err != nil || d.Status != 200 || !d.Redelivery {
		t.Fatalf("redeliver: %+v %v", d, err)
	}
	reqs := rc.requests()
	if len(reqs) != 2 || !bytes.Equal(reqs[1].body, first.body) || reqs[1].header.Get("X-Hook-Secret") != "s3cret" {
		t.Fatalf("redelivered %d requests, same body %v", len(reqs), bytes.Equal(reqs[len(reqs)-1].body, first.body))
	}

	d, err = srv.RedeliverOverlapping(ctx, id, 1, 2, Activity{Type: "USER.UNLOCKED", ID: "fresh"})
	if err != nil || d.Status != 200 {
		t.Fatalf("overlapping: %+v %v", d, err)
	}
	want := append(slices.Clone(ids[1:]), "fresh")
	if !slices.Equal(d.ActivityIDs, want) {
		t.Errorf("overlapping batch %v, want %v", d.ActivityIDs, want)
	}
	var sent []string
	for _, ev := range batchOf(t, rc.requests()[2].body) {
		sent = append(sent, ev["id"].(string))
	}
	if !slices.Equal(sent, want) {
		t.Errorf("overlapping body has %v", sent)
	}
	// The new activity is real: it is queued as usual and arrives again.
	mustFlush(t, srv)
	ds := srv.Deliveries(id)
	if last := ds[len(ds)-1]; last.Redelivery || !slices.Equal(last.ActivityIDs, []string{"fresh"}) {
		t.Errorf("normal delivery after the overlap: %+v", last)
	}
	if _, err := srv.Redeliver(ctx, id, 99); err == nil {
		t.Error("redelivered a batch that was never sent")
	}
}

func TestSubscriptionDeleteDropsQueueAndCloseStopsSenders(t *testing.T) {
	clk := newClock()
	srv := NewServer(Options{Now: clk.Now, SubscriptionWindow: time.Millisecond, SubscriptionBackoff: time.Hour})
	c := newClient(t, srv)
	rc := newReceiver(t)
	gone := createSub(t, c, subBody(rc.URL, lockTypes, func(m map[string]any) { m["enabled"] = false }))
	createSub(t, c, subBody(rc.URL, lockTypes))
	rc.status.Store(http.StatusServiceUnavailable)
	appendLocks(srv, 1)
	if err := flush(t, srv); err == nil {
		t.Fatal("a failing delivery flushed clean")
	}
	must(t, c.do("DELETE", "/subscriptions/"+gone, "", ""), http.StatusNoContent)
	if len(srv.Deliveries(gone)) != 0 {
		t.Error("the suspended subscription delivered")
	}
	// The other sender is waiting an hour to retry; Close does not wait
	// for it.
	srv.Close()
	if err := srv.FlushSubscriptions(context.Background()); err == nil {
		t.Error("flush after Close")
	}
}

func TestSubscriptionTLSVerification(t *testing.T) {
	tlsRC := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tlsRC.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	tlsRC.StartTLS()
	t.Cleanup(tlsRC.Close)
	pool := x509.NewCertPool()
	pool.AddCert(tlsRC.Certificate())
	for _, tc := range []struct {
		name     string
		verify   bool
		roots    *tls.Config
		delivers bool
	}{
		{"trust all", false, nil, true},
		{"verify unknown CA", true, nil, false},
		{"verify known CA", true, &tls.Config{RootCAs: pool}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			srv := NewServer(Options{Now: clk.Now, SubscriptionWindow: time.Millisecond, SubscriptionBackoff: time.Millisecond, SubscriptionTLS: tc.roots})
			t.Cleanup(srv.Close)
			c := newClient(t, srv)
			id := createSub(t, c, subBody(tlsRC.URL, lockTypes, func(m map[string]any) { m["verifyTlsCertificates"] = tc.verify }))
			appendLocks(srv, 1)
			err := flush(t, srv)
			if (err == nil) != tc.delivers {
				t.Errorf("flush: %v", err)
			}
			if !tc.delivers && srv.Deliveries(id)[0].Error == "" {
				t.Errorf("no error recorded: %+v", srv.Deliveries(id)[0])
			}
		})
	}
}
