package events

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/store"
)

// oktaBatch is a delivery of 100 of the seeded org's events, fresh uuids.
func oktaBatch(b *testing.B) []byte {
	full := oktatest.NewServer(oktatest.Options{Seed: true})
	defer full.Close()
	log := full.Org().Events()
	evs := make([]oktatest.LogEvent, 100)
	for i := range evs {
		evs[i] = log[len(log)-1-i]
		evs[i].UUID = uuid.NewString()
	}
	body, err := json.Marshal(map[string]any{"eventType": OktaHookEventType, "data": map[string]any{"events": evs}})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkParseOktaHook is the CPU a delivery of 100 events costs before
// the store: the envelope, each event's normalization and its record.
func BenchmarkParseOktaHook(b *testing.B) {
	body := oktaBatch(b)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		evs, err := ParseOktaHook("application/json", body)
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range evs {
			if _, err := e.Record(store.SourceHook, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkAppendOktaBatch is one batch of 100 stored on SQLite, alone.
func BenchmarkAppendOktaBatch(b *testing.B) {
	evs, err := ParseOktaHook("application/json", oktaBatch(b))
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(b.Context(), "", b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	in := &Intake{Store: st}
	n := 0
	for b.Loop() {
		n++
		for i := range evs {
			evs[i].ID = uuid.NewString()
		}
		if _, err := in.Add(b.Context(), store.SourceHook, evs, nil); err != nil {
			b.Fatal(err)
		}
	}
}
