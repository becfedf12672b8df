package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/providers/upstream"
	"github.com/idcmd/idcmd/rules"
	"github.com/idcmd/idcmd/store"
)

// subject is what a delivery is about: the event (with its raw provider
// event) and the decision on it.
type subject struct {
	Event    events.Event
	Decision rules.Decision
}

// load reads wb's event and decision. Neither missing can heal, so that
// is a permanent failure (NotFound); a store error is retried.
func load(ctx context.Context, st store.Store, wb store.WriteBack) (subject, error) {
	if wb.EventProvider == "" || wb.EventID == "" {
		return subject{}, permanentf("write-back %s names no event", wb.ID)
	}
	rec, err := st.GetEvent(ctx, wb.EventProvider, wb.EventID)
	if errors.Is(err, store.ErrNotFound) {
		return subject{}, notFoundf("event %s %s is not in the event log (retention may have removed it)", wb.EventProvider, wb.EventID)
	}
	if err != nil {
		return subject{}, fmt.Errorf("delivery: read event %s %s: %w", wb.EventProvider, wb.EventID, err)
	}
	d, err := st.GetDecision(ctx, wb.EventProvider, wb.EventID)
	if errors.Is(err, store.ErrNotFound) {
		return subject{}, notFoundf("event %s %s has no decision", wb.EventProvider, wb.EventID)
	}
	if err != nil {
		return subject{}, fmt.Errorf("delivery: read decision on %s %s: %w", wb.EventProvider, wb.EventID, err)
	}
	var dec rules.Decision
	if err := json.Unmarshal(d.Body, &dec); err != nil {
		return subject{}, permanentf("decision on %s %s cannot be read: %v", wb.EventProvider, wb.EventID, err)
	}
	return subject{Event: events.FromRecord(rec, true), Decision: dec}, nil
}

// notFoundf and permanentf are failures the worker does not retry: it
// treats upstream NotFound and Invalid as permanent.
func notFoundf(format string, a ...any) error {
	return &upstream.Error{Provider: "idcmd", Kind: upstream.NotFound, Message: fmt.Sprintf(format, a...)}
}

func permanentf(format string, a ...any) error {
	return &upstream.Error{Provider: "idcmd", Kind: upstream.Invalid, Message: fmt.Sprintf(format, a...)}
}

// resultJSON encodes a delivery's result.
func resultJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}
