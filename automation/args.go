// Package automation delivers what the event rules decide to do on their
// own: the automated responses (rules.KindResponse), run through the one
// Invoker, and the alert the automation rate limit raises
// (rules.KindAutomationAlert).
package automation

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/rules"
)

// argsFor builds the arguments of each command an action may run, as the
// JSON body a person would send, so they go through the same strict
// decoding and validation. A command missing here cannot be automated:
// Check refuses the configuration that would need it.
//
// reset_password always e-mails the user (send_email: true): the variant
// that hands the caller a reset link or a temporary password would put a
// one-time secret in an automated run's result, where nobody should read it.
var argsFor = map[string]func(provider, user string) map[string]any{
	"okta-suspend-user":          userOnly,
	"okta-clear-sessions":        userOnly,
	"okta-deactivate-user":       userOnly,
	"pingone-lock-user":          userOnly,
	"pingone-terminate-sessions": userOnly,
	"pingone-disable-user":       userOnly,
	"okta-reset-password":        emailed,
	"pingone-reset-password":     emailed,
	"contain-user": func(provider, user string) map[string]any {
		return map[string]any{"provider": provider, "user": user}
	},
}

func userOnly(_, user string) map[string]any { return map[string]any{"user": user} }

func emailed(_, user string) map[string]any { return map[string]any{"user": user, "send_email": true} }

// providers are the identity providers whose events actions answer.
var providers = []string{"okta", "pingone"}

// Args decodes the arguments of cmd for an automated run against user at
// provider.
func Args(cmd commands.Command, provider, user string) (any, error) {
	build, ok := argsFor[cmd.Info().Name]
	if !ok {
		return nil, fmt.Errorf("%s cannot be run by automation", cmd.Info().Name)
	}
	body, err := json.Marshal(build(provider, user))
	if err != nil {
		return nil, err
	}
	args, _, err := commands.Decode(cmd, body)
	if err != nil {
		return nil, fmt.Errorf("arguments of %s: %w", cmd.Info().Name, err)
	}
	return args, nil
}

// Check refuses automated_responses.actions that automation could not
// run safely: an action whose command is not in the catalog, or has no
// arguments here (a reset_password without an e-mailed variant would have
// to return a one-time secret, so it has none). Call it where the
// automation config is built, before the server starts.
func Check(cat *commands.Catalog, a rules.Automation) error {
	names := make([]string, 0, len(a.Actions))
	for n := range a.Actions {
		names = append(names, n)
	}
	slices.Sort(names)
	var errs []error
	for _, name := range names {
		for _, p := range providers {
			c := rules.ActionCommand(name, p)
			if c == "" {
				continue
			}
			cmd, ok := cat.Lookup(c)
			if !ok {
				errs = append(errs, fmt.Errorf("automated_responses.actions.%s: %s is not in the catalog", name, c))
				continue
			}
			if _, err := Args(cmd, p, "check"); err != nil {
				errs = append(errs, fmt.Errorf("automated_responses.actions.%s: %w", name, err))
			}
		}
	}
	return errors.Join(errs...)
}
