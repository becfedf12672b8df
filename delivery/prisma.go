package delivery

import (
	"context"

	"github.com/idcmd/idcmd/store"
	"github.com/idcmd/idcmd/writeback"
)

// PrismaBlastRadius delivers rules.KindPrisma: the event's user's cloud
// blast radius, kept as the delivery's result (and so shown with the
// event). Prisma Cloud has no API that takes events; the XDR alert and
// XSOAR incident of the same event show the same lookup (BlastRadius's
// cache).
type PrismaBlastRadius struct {
	st store.Store
	br *BlastRadius
}

// NewPrismaBlastRadius delivers blast radii looked up by br.
func NewPrismaBlastRadius(st store.Store, br *BlastRadius) *PrismaBlastRadius {
	return &PrismaBlastRadius{st: st, br: br}
}

// Deliver implements writeback.Target.
func (p *PrismaBlastRadius) Deliver(ctx context.Context, wb store.WriteBack) (string, error) {
	made, err := p.DeliverResult(ctx, wb)
	return made.RemoteID, err
}

// DeliverResult implements writeback.ResultTarget: the result is the
// CloudSummary.
func (p *PrismaBlastRadius) DeliverResult(ctx context.Context, wb store.WriteBack) (writeback.Produced, error) {
	s, err := load(ctx, p.st, wb)
	if err != nil {
		return writeback.Produced{}, err
	}
	sum, err := p.br.Lookup(ctx, s.Event)
	if err != nil {
		return writeback.Produced{}, err
	}
	return writeback.Produced{Result: resultJSON(sum)}, nil
}
