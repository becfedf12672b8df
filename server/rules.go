package server

import (
	"context"
	"log/slog"
	"sync"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/delivery"
	"github.com/idcmd/idcmd/roster"
	"github.com/idcmd/idcmd/rules"
	"github.com/idcmd/idcmd/store"
	"github.com/idcmd/idcmd/writeback"
)

// ruleDeliveries are the worker's deliveries of what the event rules
// route: an XDR alert, an XSOAR incident and its repeats, the Prisma blast
// radius, each where its platform is configured. A kind whose platform is
// not configured has no delivery; the rules do not route to it (its route
// says "not configured"), and a delivery queued under an older
// configuration fails visibly ("not configured in idcmd").
func ruleDeliveries(cfg config.Config, p commands.Providers, inv *commands.Invoker, st store.Store) map[string]writeback.Target {
	kinds := map[string]writeback.Target{}
	var br *delivery.BlastRadius
	if p.Prisma != nil {
		br = delivery.NewBlastRadius(inv)
		kinds[rules.KindPrisma] = delivery.NewPrismaBlastRadius(st, br)
	}
	if p.XDR != nil {
		kinds[rules.KindXDRAlert] = delivery.NewXDRAlerts(st, p.XDR, br)
	}
	if p.XSOAR != nil {
		x := cfg.Integrations.XSOAR
		opts := []delivery.IncidentOption{delivery.WithIncidentTypes(x.IncidentTypes)}
		if x.TriggerPlaybooks {
			opts = append(opts, delivery.WithPlaybooks(x.Playbooks))
		}
		kinds[rules.KindXSOARIncident] = delivery.NewXSOARIncidents(st, p.XSOAR, br, opts...)
		kinds[rules.KindXSOARRepeat] = delivery.NewXSOARRepeats(st, p.XSOAR)
	}
	return kinds
}

// startRoster reads the privileged users the privileged_user detector
// asks about, in the background, when that detector is on and a provider
// is configured; nil otherwise (the detector then never fires, and says
// nothing: known is false).
func startRoster(ctx context.Context, wg *sync.WaitGroup, cfg rules.Config, p commands.Providers, log *slog.Logger) rules.Directory {
	if !cfg.Detectors.Privileged.Enabled || (p.Okta == nil && p.PingOne == nil) {
		return nil
	}
	r := roster.New(cfg.Detectors.Privileged, 0, p.Okta, p.PingOne, log)
	wg.Add(1)
	go func() {
		defer wg.Done()
		supervise(ctx, log, "privileged-user roster", housekeepingRestart, r.Run)
	}()
	return r
}
