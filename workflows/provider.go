package workflows

import (
	"fmt"

	"github.com/idcmd/idcmd/commands"
)

// pick resolves the provider argument against what is configured, as the
// provider-neutral commands do.
func pick(p commands.Providers, provider string) (commands.Provider, error) {
	switch provider {
	case string(commands.Okta):
		if p.Okta == nil {
			return "", fmt.Errorf("%w: okta", commands.ErrProviderNotConfigured)
		}
		return commands.Okta, nil
	case string(commands.PingOne):
		if p.PingOne == nil {
			return "", fmt.Errorf("%w: pingone", commands.ErrProviderNotConfigured)
		}
		return commands.PingOne, nil
	}
	switch {
	case p.Okta != nil && p.PingOne != nil:
		return "", &commands.InputError{Detail: "The arguments are invalid",
			Errors: []commands.FieldError{{Location: "body.provider", Message: "is required when both okta and pingone are configured"}}}
	case p.Okta != nil:
		return commands.Okta, nil
	case p.PingOne != nil:
		return commands.PingOne, nil
	}
	return "", fmt.Errorf("%w: no identity provider", commands.ErrProviderNotConfigured)
}
