package events

import (
	"context"
	"fmt"
	"time"

	"github.com/idcmd/idcmd/store"
)

// Intake stores what hooks and pollers bring in: each event once, in the
// store's event log, committed before the caller acknowledges anything.
type Intake struct {
	Store store.Store
	// Observe counts events by provider, source and result (stored,
	// duplicate, rejected); nil counts nothing.
	Observe func(provider, source, result string, n int)
	// Now is the clock of ReceivedAt; nil is time.Now.
	Now func() time.Time
	// Stored is called after new events are stored (the rules' decider
	// is woken); nil calls nothing.
	Stored func()
}

// Stored is what one Add did.
type Stored struct {
	// Received is how many events came in; New of them were not stored
	// before (the rest were redeliveries); Rejected of them could not be
	// read and are kept as unreadable.
	Received int `json:"received"`
	New      int `json:"stored"`
	Rejected int `json:"rejected"`
}

// Add stores evs from source. A batch larger than the store takes at once
// is stored in parts; a failure part-way leaves the parts before it
// stored, which a redelivery then finds as duplicates. With cp (a poller's
// page), the batch must fit in one part: the page and its cursor are one
// transaction.
func (in *Intake) Add(ctx context.Context, source store.EventSource, evs []Event, cp *store.PollCheckpoint) (Stored, error) {
	if cp != nil && len(evs) > store.MaxEventsPerAppend {
		return Stored{}, fmt.Errorf("events: a poller page holds at most %d events, got %d", store.MaxEventsPerAppend, len(evs))
	}
	now := time.Now
	if in.Now != nil {
		now = in.Now
	}
	received := now()
	out := Stored{Received: len(evs)}
	recs := make([]store.Event, len(evs))
	rejectedBy := map[string]int{}
	for i, e := range evs {
		r, err := e.Record(source, received)
		if err != nil {
			return Stored{}, err
		}
		recs[i] = r
		if e.Rejected != "" {
			out.Rejected++
			rejectedBy[e.Provider]++
		}
	}
	if len(recs) == 0 && cp != nil {
		// An empty page still moves the cursor (an Okta next link).
		if _, err := in.Store.AppendEvents(ctx, nil, cp); err != nil {
			return out, fmt.Errorf("events: save poll cursor: %w", err)
		}
	}
	for lo := 0; lo < len(recs); lo += store.MaxEventsPerAppend {
		hi := min(lo+store.MaxEventsPerAppend, len(recs))
		n, err := in.Store.AppendEvents(ctx, recs[lo:hi], cp)
		if err != nil {
			if out.New > 0 && in.Stored != nil {
				in.Stored() // the parts stored before are decided all the same
			}
			return out, fmt.Errorf("events: store %d events: %w", hi-lo, err)
		}
		out.New += n
	}
	in.observe(evs, source, out, rejectedBy)
	if out.New > 0 && in.Stored != nil {
		in.Stored()
	}
	return out, nil
}

func (in *Intake) observe(evs []Event, source store.EventSource, out Stored, rejectedBy map[string]int) {
	if in.Observe == nil || len(evs) == 0 {
		return
	}
	// A batch comes from one provider; the split of new and duplicate is
	// the store's, per batch.
	provider := evs[0].Provider
	in.Observe(provider, string(source), "stored", out.New)
	in.Observe(provider, string(source), "duplicate", out.Received-out.New)
	for p, n := range rejectedBy {
		in.Observe(p, string(source), "rejected", n)
	}
}
