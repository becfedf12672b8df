package config

import "fmt"

// The top-level risk key is the risk model of enrich-user and
// investigate-user (risk.Model): its factors, levels, time zone and
// business hours. Keys not given keep the SOPs' defaults (risk.Defaults);
// a list given replaces the default list.

// validateRisk checks the risk section; errors name the full key.
func (c Config) validateRisk() error {
	if err := c.Risk.Validate(); err != nil {
		return fmt.Errorf("risk.%w", err)
	}
	return nil
}
