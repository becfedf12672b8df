package rules

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/store"
)

// openStore opens a SQLite store in a file, so a second store (a restart,
// another replica) can open the same one.
func openStore(t *testing.T, path string) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), "sqlite:"+path, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func storeEvents(t *testing.T, s store.Store, evs ...events.Event) {
	t.Helper()
	in := &events.Intake{Store: s}
	if _, err := in.Add(context.Background(), store.SourceHook, evs, nil); err != nil {
		t.Fatal(err)
	}
}

func routedConfig() Config {
	cfg := Defaults()
	cfg.XDR, cfg.XSOAR = on(), on()
	cfg.Routing = map[string][]RouteRule{"user.account.lock": {{To: ToXDR}, {To: ToXSOAR}}}
	return cfg
}

func newDecider(s store.Store, owner string, cfg Config) *Decider {
	// The store checks the lease by its own clock: the decider's is real.
	return &Decider{Store: s, Config: cfg, Owner: owner}
}

// TestDeciderDecidesEachEventOnce: every stored event is decided, its
// deliveries queued with it; a second pass, a restarted decider or a
// redelivered event decides nothing again.
func TestDeciderDecidesEachEventOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "idcmd.db")
	s := openStore(t, path)
	storeEvents(t, s, oktaEvent("a", "user.account.lock"), oktaEvent("b", "user.session.start"))
	d := newDecider(s, "one", routedConfig())
	n, err := d.RunOnce(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("first pass decided %d, %v; want 2", n, err)
	}
	dec, err := s.GetDecision(context.Background(), "okta", "a")
	if err != nil || dec.Severity != "critical" || dec.GroupKey == "" {
		t.Fatalf("decision on a = %+v, %v", dec, err)
	}
	var body Decision
	if err := json.Unmarshal(dec.Body, &body); err != nil || len(body.Routes) != 2 {
		t.Fatalf("decision body %s: %v", dec.Body, err)
	}
	wbs, _, _ := s.ListWriteBacks(context.Background(), store.WriteBackFilter{EventProvider: "okta", EventID: "a"})
	if len(wbs) != 2 {
		t.Fatalf("deliveries of a: %d, want 2 (xdr alert, xsoar incident)", len(wbs))
	}
	if n, _ := d.RunOnce(context.Background()); n != 0 {
		t.Errorf("second pass decided %d", n)
	}
	// The same events delivered again are duplicates: nothing to decide.
	storeEvents(t, s, oktaEvent("a", "user.account.lock"))
	restarted := newDecider(s, "one", routedConfig())
	if n, _ := restarted.RunOnce(context.Background()); n != 0 {
		t.Errorf("after a redelivery and a restart: decided %d", n)
	}
	if wbs, _, _ := s.ListWriteBacks(context.Background(), store.WriteBackFilter{EventProvider: "okta", EventID: "a"}); len(wbs) != 2 {
		t.Errorf("deliveries of a after the redelivery: %d, want still 2", len(wbs))
	}
}

// TestDeciderOneReplicaAtATime: while one replica holds the lease the
// other decides nothing; when the holder's lease runs out the other takes
// over, remembering the open group from the store.
func TestDeciderOneReplicaAtATime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "idcmd.db")
	a, b := openStore(t, path), openStore(t, path)
	storeEvents(t, a, oktaEvent("l1", "user.account.lock"))
	one, two := newDecider(a, "one", routedConfig()), newDecider(b, "two", routedConfig())
	if n, err := one.RunOnce(context.Background()); n != 1 || err != nil {
		t.Fatalf("one: %d, %v", n, err)
	}
	storeEvents(t, b, oktaEvent("l2", "user.account.lock"))
	if n, err := two.RunOnce(context.Background()); n != 0 || err != nil {
		t.Fatalf("two while one holds the lease: %d, %v", n, err)
	}
	later := time.Now().Add(time.Minute) // one's 30 s lease is over
	two.Now = func() time.Time { return later }
	if n, err := two.RunOnce(context.Background()); n != 1 || err != nil {
		t.Fatalf("two after the lease ran out: %d, %v", n, err)
	}
	dec, _ := b.GetDecision(context.Background(), "okta", "l2")
	var body Decision
	_ = json.Unmarshal(dec.Body, &body)
	if body.Group == nil || body.Group.Count != 2 || body.Group.First != "l1" {
		t.Errorf("l2's group = %+v, want the group l1 opened, count 2", body.Group)
	}
	// one lost the lease: it decides nothing and records nothing.
	storeEvents(t, a, oktaEvent("l3", "user.account.lock"))
	if n, err := one.RunOnce(context.Background()); n != 0 || err != nil {
		t.Errorf("one after losing the lease: %d, %v", n, err)
	}
}
