package config

import (
	"fmt"
	"slices"
)

// Respond is workflows.respond: what respond-to-incident does for each case
// of an incident about an identity. Each value is one of RespondActions.
type Respond struct {
	// Critical: the incident's severity or the user's risk level is
	// critical (default lock_user: Okta suspends, PingOne locks).
	Critical string `yaml:"critical"`
	// High: it is high (default clear_sessions).
	High string `yaml:"high"`
	// MFAFailure: neither, and the incident reports failed or rejected MFA
	// (default reset_password, by e-mail).
	MFAFailure string `yaml:"mfa_failure"`
	// Other: anything else (default monitor: nothing is done).
	Other string `yaml:"other"`
}

// RespondActions are the values workflows.respond accepts.
var RespondActions = []string{"lock_user", "clear_sessions", "reset_password", "contain_user", "monitor"}

// defaultRespond is the SOPs' mapping.
func defaultRespond() Respond {
	return Respond{Critical: "lock_user", High: "clear_sessions", MFAFailure: "reset_password", Other: "monitor"}
}

func (r Respond) validate() error {
	for key, v := range map[string]string{"critical": r.Critical, "high": r.High, "mfa_failure": r.MFAFailure, "other": r.Other} {
		if !slices.Contains(RespondActions, v) {
			return fmt.Errorf("workflows.respond.%s: %q is not one of %v", key, v, RespondActions)
		}
	}
	return nil
}
