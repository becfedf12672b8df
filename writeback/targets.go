package writeback

import (
	"context"
	"errors"

	"github.com/idcmd/idcmd/providers/xdr"
	"github.com/idcmd/idcmd/providers/xsoar"
	"github.com/idcmd/idcmd/store"
)

// XSOAR writes an entry to the incident's war room.
type XSOAR struct {
	Client *xsoar.Client
	// Note marks every entry as a note, so it stands out in the war room.
	Note bool
}

// Deliver implements Target.
func (t XSOAR) Deliver(ctx context.Context, wb store.WriteBack) (string, error) {
	inv := wb.InvestigationID
	if inv == "" {
		inv = wb.IncidentID
	}
	id, err := t.Client.AddEntry(ctx, xsoar.Entry{InvestigationID: inv, Markdown: wb.Markdown, Note: wb.Note || t.Note})
	var flagErr *xsoar.EntryFlagError
	if errors.As(err, &flagErr) {
		// The entry is in the war room; only marking it as a note failed.
		// Delivering it again would duplicate it.
		return id, nil
	}
	return id, err
}

// XDR adds a comment to the XDR incident.
type XDR struct {
	Client *xdr.Client
}

// Deliver implements Target.
func (t XDR) Deliver(ctx context.Context, wb store.WriteBack) (string, error) {
	return "", t.Client.AddIncidentComment(ctx, wb.IncidentID, wb.Markdown)
}
