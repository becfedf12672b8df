package delivery_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/delivery"
	"github.com/idcmd/idcmd/rules"
	"github.com/idcmd/idcmd/store"
	"github.com/idcmd/idcmd/writeback"
)

func repeatWB(incident string, count int) store.WriteBack {
	p, _ := json.Marshal(rules.RepeatPayload{Incident: incident, Count: count})
	return store.WriteBack{Platform: store.PlatformXSOAR, Kind: rules.KindXSOARRepeat, Payload: p}
}

// deliverAll runs the worker, moving the clock on between passes, until
// every write-back in ids is delivered or failed.
func deliverAll(t *testing.T, st store.Store, w *writeback.Worker, clk *clock, ids ...string) {
	t.Helper()
	for range 10 {
		runOnce(t, w)
		done := true
		for _, id := range ids {
			if s := get(t, st, id).Status; s != store.WriteBackDelivered && s != store.WriteBackFailed {
				done = false
			}
		}
		if done {
			return
		}
		clk.Advance(10 * time.Minute)
	}
	t.Fatal("deliveries did not finish")
}

// TestXSOARRepeatWaitsThenWrites: a repeat waits, without counting
// attempts, until its group's incident is created, then counts itself in
// the incident (idcmdcount, only upwards) and writes an entry.
func TestXSOARRepeatWaitsThenWrites(t *testing.T) {
	clk := newClock()
	st := openStore(t)
	srv, c := newXSOAR(t, clk)
	first := oktaEvent("g1")
	inc := record(t, st, first, highDecision(first), incidentWB())[0]
	second := oktaEvent("g2")
	second.IP = "198.51.100.20"
	rep := record(t, st, second, highDecision(second), repeatWB(inc.ID, 2))[0]
	w := worker(st, clk, map[string]writeback.Target{
		rules.KindXSOARIncident: delivery.NewXSOARIncidents(st, c, nil),
		rules.KindXSOARRepeat:   withClock(delivery.NewXSOARRepeats(st, c), clk),
	})

	srv.InjectStatus(1, 503) // the incident's first attempt fails
	runOnce(t, w)
	got := get(t, st, rep.ID)
	if got.Status != store.WriteBackQueued || got.Attempts != 0 || !strings.HasPrefix(got.LastError, "waiting: the group's incident") {
		t.Fatalf("repeat before its incident: %s, %d attempts, %q", got.Status, got.Attempts, got.LastError)
	}
	if n := len(srv.Incidents()); n != 0 {
		t.Fatalf("%d incidents after the failed attempt", n)
	}
	deliverAll(t, st, w, clk, inc.ID, rep.ID)
	if got = get(t, st, rep.ID); got.Status != store.WriteBackDelivered || got.Attempts != 1 {
		t.Fatalf("repeat: %s after %d attempts (%s)", got.Status, got.Attempts, got.LastError)
	}
	list := srv.Incidents()
	if len(list) != 1 || list[0].CustomFields[delivery.CountField] != 2.0 {
		t.Fatalf("incidents %+v, want one counting 2", list)
	}
	entries := srv.Entries(list[0].InvestigationID)
	if len(entries) != 2 || !strings.HasPrefix(entries[1].Markdown, "Repeat 2 of this incident's cause: Okta user.session.start of jdoe@example.com") ||
		!strings.Contains(entries[1].Markdown, "okta:g2") || got.RemoteID != entries[1].ID {
		t.Fatalf("entries %+v, remote %q", entries, got.RemoteID)
	}

	// A later repeat raises the count; one delivered out of order does not lower it.
	third := oktaEvent("g3")
	r3 := record(t, st, third, highDecision(third), repeatWB(inc.ID, 3))[0]
	deliverAll(t, st, w, clk, r3.ID)
	late := oktaEvent("g2b")
	rLate := record(t, st, late, highDecision(late), repeatWB(inc.ID, 2))[0]
	deliverAll(t, st, w, clk, rLate.ID)
	in, _ := srv.Incident(list[0].ID)
	if in.CustomFields[delivery.CountField] != 3.0 || len(srv.Entries(in.InvestigationID)) != 4 {
		t.Fatalf("after repeats 3 and a late 2: count %v, %d entries", in.CustomFields[delivery.CountField], len(srv.Entries(in.InvestigationID)))
	}
}

// TestXSOARRepeatOfFailedIncidentFails: when the group's incident could
// not be created, its repeats fail for good, saying so.
func TestXSOARRepeatOfFailedIncidentFails(t *testing.T) {
	clk := newClock()
	st := openStore(t)
	_, c := newXSOAR(t, clk)
	first := oktaEvent("f1")
	inc := record(t, st, first, highDecision(first), incidentWB())[0]
	second := oktaEvent("f2")
	rep := record(t, st, second, highDecision(second), repeatWB(inc.ID, 2))[0]
	// No incident target: the incident fails at once ("not configured").
	w := worker(st, clk, map[string]writeback.Target{rules.KindXSOARRepeat: withClock(delivery.NewXSOARRepeats(st, c), clk)})
	deliverAll(t, st, w, clk, inc.ID, rep.ID)
	got := get(t, st, rep.ID)
	if got.Status != store.WriteBackFailed || !strings.Contains(got.LastError, "the group's incident was never created") ||
		!strings.Contains(got.LastError, "not configured") {
		t.Fatalf("repeat: %s %q", got.Status, got.LastError)
	}
}

func withClock(r *delivery.XSOARRepeats, clk *clock) *delivery.XSOARRepeats {
	r.Now = clk.Now
	return r
}
