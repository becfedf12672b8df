package config

import "fmt"

// Workflows configures the workflow commands.
type Workflows struct {
	// Investigate configures investigate-user.
	Investigate Investigate `yaml:"investigate"`
	// Respond maps an incident's case to respond-to-incident's action.
	Respond Respond `yaml:"respond"`
}

// Investigate configures investigate-user.
type Investigate struct {
	// CriticalScore is the risk score (1-10, default 8) at and above which
	// investigate-user raises an XSOAR incident's severity to critical.
	CriticalScore int `yaml:"critical_score"`
	// RaiseSeverity turns that raise on (default true).
	RaiseSeverity bool `yaml:"raise_severity"`
}

func defaultWorkflows() Workflows {
	return Workflows{Investigate: Investigate{CriticalScore: 8, RaiseSeverity: true}, Respond: defaultRespond()}
}

// validateWorkflows checks the workflows section.
func (c Config) validateWorkflows() error {
	if s := c.Workflows.Investigate.CriticalScore; s < 1 || s > 10 {
		return fmt.Errorf("workflows.investigate.critical_score must be between 1 and 10, got %d", s)
	}
	return c.Workflows.Respond.validate()
}
