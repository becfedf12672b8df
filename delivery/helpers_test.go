package delivery_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/providers/xdr"
	"github.com/idcmd/idcmd/providers/xdr/xdrtest"
	"github.com/idcmd/idcmd/providers/xsoar"
	"github.com/idcmd/idcmd/providers/xsoar/xsoartest"
	"github.com/idcmd/idcmd/rules"
	"github.com/idcmd/idcmd/store"
	"github.com/idcmd/idcmd/writeback"
)

var quiet = slog.New(slog.DiscardHandler)

// clock is a settable clock shared by the fakes, the worker and the
// targets, so nothing waits on the wall clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// newClock starts a minute ahead of the wall clock, so the rows the store
// stamps with it are due.
func newClock() *clock { return &clock{t: time.Now().UTC().Add(time.Minute).Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), "sqlite::memory:", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// occurred is when the test events happened: a fixed time, not the
// time of day the test runs.
var occurred = time.Date(2026, 3, 4, 2, 40, 0, 0, time.UTC)

// oktaEvent is a suspicious Okta sign-in of jdoe.
func oktaEvent(id string) events.Event {
	return events.Event{
		ID: id, Provider: events.Okta, Type: "user.session.start", Time: occurred, Outcome: "SUCCESS",
		User: "jdoe@example.com", UserID: "00u1jdoe", Actor: "jdoe@example.com", ActorID: "00u1jdoe",
		IP: "203.0.113.9", Geo: &events.Geo{City: "Lagos", Country: "Nigeria"}, UserAgent: "curl/8.0",
		Raw: json.RawMessage(`{"uuid":"` + id + `","eventType":"user.session.start"}`),
	}
}

// highDecision is a decision with a finding, routed to every platform.
func highDecision(e events.Event) rules.Decision {
	return rules.Decision{
		Provider: e.Provider, EventID: e.ID, Type: e.Type, User: e.User, UserID: e.UserID, Decided: occurred.Add(time.Second),
		BaseSeverity: rules.Medium, Severity: rules.High, SeverityRule: "event_severity.user.session.start", Suspicious: true,
		Findings: []rules.Finding{{Detector: "new_country", Summary: "first sign-in from Nigeria", Raises: rules.High}},
	}
}

// record stores e and its decision d with the deliveries, and returns
// the deliveries as queued.
func record(t *testing.T, st store.Store, e events.Event, d rules.Decision, deliveries ...store.WriteBack) []store.WriteBack {
	t.Helper()
	ctx := context.Background()
	rec, err := e.Record(store.SourceHook, occurred.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AppendEvents(ctx, []store.Event{rec}, nil); err != nil {
		t.Fatal(err)
	}
	stored, err := st.GetEvent(ctx, e.Provider, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range deliveries {
		if deliveries[i].ID == "" {
			deliveries[i].ID = store.NewWriteBackID()
		}
	}
	for _, wb := range deliveries {
		d.Routes = append(d.Routes, rules.Route{To: routeOf(wb.Kind), Taken: true, Why: "test", Delivery: wb.ID})
	}
	body, _ := json.Marshal(d)
	if ok, err := st.AcquireLease(ctx, rules.LeaseName, "test", time.Hour, time.Now()); !ok || err != nil {
		t.Fatalf("lease: %v %v", ok, err)
	}
	_, err = st.RecordDecisions(ctx, store.DecisionLease{Name: rules.LeaseName, Owner: "test"}, []store.Decision{{
		Provider: e.Provider, EventID: e.ID, EventSeq: stored.Seq, DecidedAt: d.Decided, Severity: d.Severity.String(),
		Suspicious: d.Suspicious, Body: body, Deliveries: deliveries,
	}})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]store.WriteBack, len(deliveries))
	for i, wb := range deliveries {
		out[i] = get(t, st, wb.ID)
	}
	return out
}

func routeOf(kind string) string {
	switch kind {
	case rules.KindXDRAlert:
		return rules.ToXDR
	case rules.KindPrisma:
		return rules.ToPrisma
	}
	return rules.ToXSOAR
}

func alertWB() store.WriteBack {
	return store.WriteBack{Platform: store.PlatformXDR, Kind: rules.KindXDRAlert}
}

func incidentWB() store.WriteBack {
	return store.WriteBack{Platform: store.PlatformXSOAR, Kind: rules.KindXSOARIncident}
}

func prismaWB() store.WriteBack {
	return store.WriteBack{Platform: store.PlatformPrisma, Kind: rules.KindPrisma}
}

func get(t *testing.T, st store.Store, id string) store.WriteBack {
	t.Helper()
	wb, err := st.GetWriteBack(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return wb
}

// newXDR is a fake XDR on clk and a client that does not pace (the fake's
// limit is what a test checks) and does not retry a 429 itself (the
// worker does).
func newXDR(t *testing.T, clk *clock, perMinute int) (*xdrtest.Server, *xdr.Client) {
	t.Helper()
	srv := xdrtest.NewServer(xdrtest.Options{Now: clk.Now, AlertsPerMinute: perMinute})
	t.Cleanup(srv.Close)
	c, err := xdr.New(xdr.Config{BaseURL: srv.URL, APIKey: srv.APIKey, APIKeyID: srv.APIKeyID, Advanced: srv.Advanced,
		AlertsPerMinute: 1_000_000, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// newXSOAR is a fake XSOAR on clk and a client for it.
func newXSOAR(t *testing.T, clk *clock) (*xsoartest.Server, *xsoar.Client) {
	t.Helper()
	return newXSOARWith(t, clk, nil)
}

// newXSOARWith is newXSOAR with the client's HTTP client (nil: default).
func newXSOARWith(t *testing.T, clk *clock, hc *http.Client) (*xsoartest.Server, *xsoar.Client) {
	t.Helper()
	srv := xsoartest.NewServer(xsoartest.Options{Now: clk.Now})
	t.Cleanup(srv.Close)
	cfg := xsoar.Config{BaseURL: srv.URL, APIKey: srv.APIKey, APIKeyID: srv.APIKeyID, Advanced: srv.Advanced, MaxRetries: -1, HTTPClient: hc}
	if srv.APIKeyID != "" {
		p := srv.PathPrefix
		cfg.PathPrefix = &p
	}
	c, err := xsoar.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// worker delivers with the given kinds on clk.
func worker(st store.Store, clk *clock, kinds map[string]writeback.Target) *writeback.Worker {
	return &writeback.Worker{Store: st, Owner: "test", Log: quiet, Now: clk.Now, Kinds: kinds, Batch: 100}
}

func runOnce(t *testing.T, w *writeback.Worker) int {
	t.Helper()
	n, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}
