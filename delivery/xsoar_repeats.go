package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/idcmd/idcmd/providers/xsoar"
	"github.com/idcmd/idcmd/rules"
	"github.com/idcmd/idcmd/store"
	"github.com/idcmd/idcmd/writeback"
)

// CountField is the incident's custom field (machine name) that counts the
// events of its group; the SOC adds it to the incident layout.
const CountField = "idcmdcount"

// repeatPoll is how often a repeat checks whether its incident exists.
const repeatPoll = 5 * time.Second

// XSOARRepeats delivers rules.KindXSOARRepeat: a repeat of a group's cause
// is counted in the incident the group's first event opened, rather than
// opening another. It waits (writeback.Later, not counted as attempts)
// until that incident is delivered.
type XSOARRepeats struct {
	st store.Store
	c  *xsoar.Client
	// Now is the clock of the wait; time.Now when nil.
	Now func() time.Time
}

// NewXSOARRepeats counts repeats in incidents through c.
func NewXSOARRepeats(st store.Store, c *xsoar.Client) *XSOARRepeats {
	return &XSOARRepeats{st: st, c: c}
}

// Deliver implements writeback.Target.
func (x *XSOARRepeats) Deliver(ctx context.Context, wb store.WriteBack) (string, error) {
	made, err := x.DeliverResult(ctx, wb)
	return made.RemoteID, err
}

// repeatResult is a delivered repeat's result.
type repeatResult struct {
	IncidentID string `json:"incident_id"`
	EntryID    string `json:"entry_id"`
	Count      int    `json:"count"`
}

// DeliverResult implements writeback.ResultTarget. It sets the count
// field first (only upwards, so repeats delivered out of order leave the
// highest), then writes the entry: a retry after a failed entry does not
// count twice. The result's RemoteID is the entry's id.
func (x *XSOARRepeats) DeliverResult(ctx context.Context, wb store.WriteBack) (writeback.Produced, error) {
	var p rules.RepeatPayload
	if err := json.Unmarshal(wb.Payload, &p); err != nil || p.Incident == "" {
		return writeback.Produced{}, permanentf("repeat %s has no incident delivery in its payload", wb.ID)
	}
	first, err := x.st.GetWriteBack(ctx, p.Incident)
	if errors.Is(err, store.ErrNotFound) {
		return writeback.Produced{}, notFoundf("the incident delivery %s of this repeat does not exist", p.Incident)
	}
	if err != nil {
		return writeback.Produced{}, fmt.Errorf("read incident delivery %s: %w", p.Incident, err)
	}
	switch first.Status {
	case store.WriteBackFailed:
		return writeback.Produced{}, permanentf("the group's incident was never created: its delivery %s failed (%s)", p.Incident, first.LastError)
	case store.WriteBackDelivered:
	default:
		return writeback.Produced{}, &writeback.Later{At: x.now().Add(repeatPoll), Why: "the group's incident (delivery " + p.Incident + ") is not created yet"}
	}
	var inc IncidentResult
	_ = json.Unmarshal(first.Result, &inc)
	inc.IncidentID = cmpOr(inc.IncidentID, first.RemoteID)
	inc.InvestigationID = cmpOr(inc.InvestigationID, inc.IncidentID)
	if inc.IncidentID == "" {
		return writeback.Produced{}, permanentf("the incident delivery %s recorded no incident", p.Incident)
	}
	s, err := load(ctx, x.st, wb)
	if err != nil {
		return writeback.Produced{}, err
	}
	err = x.c.UpdateIncidentCustomFields(ctx, inc.IncidentID, func(cur map[string]any) map[string]any {
		if n, ok := cur[CountField].(float64); ok && int(n) >= p.Count {
			return nil
		}
		return map[string]any{CountField: p.Count}
	})
	if err != nil {
		return writeback.Produced{}, fmt.Errorf("count repeat %d in incident %s: %w", p.Count, inc.IncidentID, err)
	}
	text := fmt.Sprintf("Repeat %d of this incident's cause: %s", p.Count, summaryLine(s.Event, s.Decision))
	entry, err := x.c.AddEntry(ctx, xsoar.Entry{InvestigationID: inc.InvestigationID, Markdown: text})
	if err != nil {
		return writeback.Produced{}, err
	}
	return writeback.Produced{RemoteID: entry, Result: resultJSON(repeatResult{IncidentID: inc.IncidentID, EntryID: entry, Count: p.Count})}, nil
}

func (x *XSOARRepeats) now() time.Time {
	if x.Now != nil {
		return x.Now()
	}
	return time.Now()
}
