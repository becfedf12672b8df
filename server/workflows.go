package server

import (
	"fmt"

	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/workflows"
)

// workflowSettings are the workflows' settings from the configuration: the
// risk model, investigate-user's severity raise and respond-to-incident's
// actions.
func workflowSettings(cfg config.Config) (workflows.Settings, error) {
	s := workflows.Defaults()
	s.Risk = cfg.Risk
	if err := s.Risk.Validate(); err != nil {
		return s, fmt.Errorf("risk.%w", err)
	}
	s.Investigate = workflows.InvestigateSettings{CriticalScore: cfg.Workflows.Investigate.CriticalScore, RaiseSeverity: cfg.Workflows.Investigate.RaiseSeverity}
	r := cfg.Workflows.Respond
	s.Respond = workflows.Respond{Critical: r.Critical, High: r.High, MFAFailure: r.MFAFailure, Other: r.Other}
	return s, nil
}
