package workflows

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/providers/upstream"
)

// incidentFacts is what the incident workflows read from an XSOAR or XDR
// incident: enough to decide whether it is about an identity, whose, and
// how bad it is.
type incidentFacts struct {
	Platform, ID, Name string
	// Severity is low, medium, high or critical; "" when the platform
	// gives none.
	Severity string
	Created  time.Time
	// Identity says the incident is about an identity; Why says what said
	// so (idcmd's own marker, an identity alert, the incident's type).
	Identity bool
	Why      string
	// Subjects are the users idcmd itself named on the incident or its
	// alerts (events.Subject): they are trusted over any name.
	Subjects []events.Subject
	// Names are the user names the incident and its alerts carry, with
	// where each came from, most specific first.
	Names []userName
	// MFAFailure says an alert or the incident reports failed or rejected
	// MFA (the SOPs answer it with a password reset).
	MFAFailure bool
	// ProviderHint is okta or pingone when the incident names one.
	ProviderHint string
	// Raw is the platform's answer: the answers' raw_response.
	Raw json.RawMessage
}

// userName is a user name found on an incident.
type userName struct {
	Value, Source string
}

// identityWords mark an alert or incident as about an identity: its
// source, category, type or name carries one of them.
var identityWords = []string{"okta", "pingone", "identity", "credential", "account", "sign-in", "signin", "login", "logon",
	"mfa", "password", "brute force", "impossible travel", "session", "idcmd"}

func mentionsIdentity(texts ...string) string {
	for _, t := range texts {
		lt := strings.ToLower(t)
		for _, w := range identityWords {
			if strings.Contains(lt, w) {
				return w
			}
		}
	}
	return ""
}

// mentionsMFAFailure recognises failed or rejected MFA in an alert's or an
// incident's name or description: the SOPs' MFA_VERIFY_FAILED and Okta's
// user.mfa.factor.attempt_fail, and the words people use for them.
func mentionsMFAFailure(texts ...string) bool {
	for _, t := range texts {
		lt := strings.ToLower(t)
		if strings.Contains(lt, "mfa_verify_failed") || strings.Contains(lt, "user.mfa.factor.attempt_fail") || strings.Contains(lt, "mfa fatigue") {
			return true
		}
		if (strings.Contains(lt, "mfa") || strings.Contains(lt, "push") || strings.Contains(lt, "factor")) &&
			(strings.Contains(lt, "fail") || strings.Contains(lt, "reject") || strings.Contains(lt, "denied")) {
			return true
		}
	}
	return false
}

func providerHint(texts ...string) string {
	for _, t := range texts {
		lt := strings.ToLower(t)
		switch {
		case strings.Contains(lt, "pingone"):
			return "pingone"
		case strings.Contains(lt, "okta"):
			return "okta"
		}
	}
	return ""
}

// readIncident reads the incident of the call's context from its platform.
func readIncident(ctx context.Context, p commands.Providers, inc *commands.Incident) (incidentFacts, error) {
	switch inc.Platform {
	case "xsoar":
		if p.XSOAR == nil {
			return incidentFacts{}, fmt.Errorf("%w: xsoar (integrations.xsoar)", commands.ErrProviderNotConfigured)
		}
		return readXSOARIncident(ctx, p, inc.ID)
	case "xdr":
		if p.XDR == nil {
			return incidentFacts{}, fmt.Errorf("%w: cortex xdr (integrations.cortex_xdr)", commands.ErrProviderNotConfigured)
		}
		return readXDRIncident(ctx, p, inc.ID)
	}
	return incidentFacts{}, fmt.Errorf("workflows: unknown incident platform %q", inc.Platform)
}

// identity is a user at an identity provider.
type identity struct {
	Provider, ID, Login string
	// From says how the user was found on the incident.
	From string
}

// findUser decides whose incident it is. An explicit user argument wins;
// then the users idcmd named itself; then each name on the incident looked
// up at the identity providers (the hinted one first). Names that lead to
// several different users are not guessed between: the answer lists them.
func findUser(ctx context.Context, p commands.Providers, f incidentFacts, provider, user string) (identity, []identity, error) {
	if user != "" {
		id, err := lookUp(ctx, p, provider, user)
		if err != nil {
			return identity{}, nil, err
		}
		id.From = "the user argument"
		return id, nil, nil
	}
	var found []identity
	add := func(id identity) {
		for _, g := range found {
			if g.Provider == id.Provider && g.ID == id.ID {
				return
			}
		}
		found = append(found, id)
	}
	for _, s := range f.Subjects {
		if provider != "" && s.Provider != provider {
			continue
		}
		id, err := lookUp(ctx, p, s.Provider, s.UserID)
		if err != nil {
			if upstream.IsKind(err, upstream.NotFound) {
				continue
			}
			return identity{}, nil, err
		}
		id.From = "idcmd's marker on the incident"
		add(id)
	}
	if len(found) == 0 {
		order := providersToTry(p, provider, f.ProviderHint)
		for _, n := range f.Names {
			for _, prov := range order {
				id, err := lookUp(ctx, p, prov, bareName(n.Value))
				if upstream.IsKind(err, upstream.NotFound) {
					continue
				}
				if err != nil {
					return identity{}, nil, err
				}
				id.From = n.Source + " " + n.Value
				add(id)
				break // the hinted provider's user is the one meant
			}
		}
	}
	if len(found) == 1 {
		return found[0], nil, nil
	}
	return identity{}, found, nil
}

// providersToTry are the configured identity providers, the one asked for
// or hinted at first.
func providersToTry(p commands.Providers, asked, hint string) []string {
	if asked != "" {
		return []string{asked}
	}
	var all []string
	if p.Okta != nil {
		all = append(all, "okta")
	}
	if p.PingOne != nil {
		all = append(all, "pingone")
	}
	if i := slices.Index(all, hint); i > 0 {
		all[0], all[i] = all[i], all[0]
	}
	return all
}

// bareName strips the domain of an endpoint user name (CORP\jdoe → jdoe),
// the form XDR reports for users of a host.
func bareName(v string) string {
	if i := strings.LastIndexByte(v, '\\'); i >= 0 {
		return v[i+1:]
	}
	return v
}

// lookUp reads a user at one provider (any provider when "").
func lookUp(ctx context.Context, p commands.Providers, provider, user string) (identity, error) {
	for _, prov := range providersToTry(p, provider, "") {
		switch prov {
		case "okta":
			if p.Okta == nil {
				return identity{}, fmt.Errorf("%w: okta", commands.ErrProviderNotConfigured)
			}
			u, err := p.Okta.GetUser(ctx, user)
			if err == nil {
				return identity{Provider: "okta", ID: u.ID, Login: u.Profile.Login}, nil
			}
			if !upstream.IsKind(err, upstream.NotFound) || provider != "" {
				return identity{}, err
			}
		case "pingone":
			if p.PingOne == nil {
				return identity{}, fmt.Errorf("%w: pingone", commands.ErrProviderNotConfigured)
			}
			u, err := p.PingOne.GetUser(ctx, user)
			if err == nil {
				return identity{Provider: "pingone", ID: u.ID, Login: u.Username}, nil
			}
			if !upstream.IsKind(err, upstream.NotFound) || provider != "" {
				return identity{}, err
			}
		}
	}
	if provider == "" && p.Okta == nil && p.PingOne == nil {
		return identity{}, fmt.Errorf("%w: no identity provider", commands.ErrProviderNotConfigured)
	}
	return identity{}, &upstream.Error{Kind: upstream.NotFound, Message: "no user " + user + " at any configured identity provider"}
}
