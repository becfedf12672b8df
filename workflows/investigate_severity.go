package workflows

import (
	"context"

	"github.com/idcmd/idcmd/commands"
)

// raiseSeverity raises the XSOAR incident's severity to critical (4). The
// client call lands on another branch (xsoar.Client.SetIncidentSeverity);
// until it is wired here the raise is reported unavailable.
func raiseSeverity(ctx context.Context, p commands.Providers, incidentID string) SeverityRaise {
	_, _, _ = ctx, p, incidentID
	return SeverityRaise{Status: "unavailable", Detail: "severity raise not available in this build"}
}
