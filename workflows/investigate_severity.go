package workflows

import (
	"context"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/providers/xsoar"
)

// raiseSeverity raises the XSOAR incident's severity to critical (4). It
// changes the incident, not an identity: it is part of investigate-user's
// own audited call, and a failure is reported in the answer, not hidden.
func raiseSeverity(ctx context.Context, p commands.Providers, incidentID string) SeverityRaise {
	if p.XSOAR == nil {
		return SeverityRaise{Status: "failed", Detail: "xsoar is not configured (integrations.xsoar)"}
	}
	if err := p.XSOAR.SetIncidentSeverity(ctx, incidentID, xsoar.SeverityCritical); err != nil {
		return SeverityRaise{Status: "failed", Detail: err.Error()}
	}
	return SeverityRaise{Status: "raised", Detail: "severity set to critical (4)"}
}
