// Package workflows holds the SOPs' playbooks as commands: enrich a user and
// score the risk, investigate, correlate an incident with identity events,
// respond to an incident, contain and release a user. Each is declared once
// as a commands.Spec, so it is in the catalog, the OpenAPI document and the
// XSOAR integration like any command, and runs through the Invoker: reads
// go straight to the providers, every state-changing step is a call of its
// own through the Invoker (commands.Steps), under the same approvals and
// audit as a person's call.
//
// The specs are built from Settings (the risk model, the thresholds, the
// response mapping, all from config), so Commands is a function, not a
// list: the catalog of a running idcmd is built from its configuration.
package workflows

import (
	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/risk"
)

// Settings are the workflows' configurable parts.
type Settings struct {
	// Respond is respond-to-incident's action for each case.
	Respond Respond
	// Risk is the risk model enrich-user and investigate-user score with.
	Risk risk.Model
	// Investigate configures investigate-user.
	Investigate InvestigateSettings
}

// InvestigateSettings configure investigate-user.
type InvestigateSettings struct {
	// CriticalScore is the score at and above which an XSOAR incident's
	// severity is raised to critical.
	CriticalScore int
	// RaiseSeverity turns that raise on.
	RaiseSeverity bool
}

// Defaults are the SOPs' own settings.
func Defaults() Settings {
	return Settings{
		Respond:     DefaultRespond(),
		Risk:        risk.Defaults(),
		Investigate: InvestigateSettings{CriticalScore: 8, RaiseSeverity: true},
	}
}

// Commands are the workflow commands, built for s.
func Commands(s Settings) []commands.Command {
	return []commands.Command{
		enrichUser(s.Risk),
		investigateUser(s),
		ContainUser,
		ReleaseUser,
		respondToIncident(s),
		correlateIncident(s.Risk),
	}
}
