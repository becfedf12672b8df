package workflows

import (
	"context"
	"fmt"
	"strings"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/events"
)

// xdrAlertsLimit is how many of an incident's alerts are read: the users of
// an identity incident are in its first alerts, and get_incident_extra_data
// is limited to 10 calls a minute however many it returns.
const xdrAlertsLimit = 100

// readXDRIncident reads an XDR incident with its alerts
// (get_incident_extra_data). An alert idcmd inserted names its user in its
// description (events.Subject.Tag); an identity alert (by source, category
// or name) names it in user_name; the incident's users list is the last
// resort. A host-only incident — malware on an endpoint — is not about an
// identity even when its host has a logged-on user.
func readXDRIncident(ctx context.Context, p commands.Providers, id string) (incidentFacts, error) {
	d, err := p.XDR.GetIncidentExtraData(ctx, id, xdrAlertsLimit)
	if err != nil {
		return incidentFacts{}, err
	}
	in := d.Incident
	sev := in.ManualSeverity
	if sev == "" {
		sev = in.Severity
	}
	f := incidentFacts{Platform: "xdr", ID: in.ID, Name: in.Description, Severity: strings.ToLower(sev), Created: in.Created,
		MFAFailure: mentionsMFAFailure(in.Name, in.Description), ProviderHint: providerHint(in.Name, in.Description), Raw: d.Raw}
	var identityAlert string
	for _, a := range d.Alerts {
		if s, ok := events.ParseTag(a.Description); ok {
			f.Subjects = append(f.Subjects, s)
		}
		w := mentionsIdentity(a.Source, a.Category, a.Name)
		if w == "" {
			continue
		}
		if identityAlert == "" {
			identityAlert = fmt.Sprintf("alert %s %q (%s)", a.ID, a.Name, w)
		}
		if mentionsMFAFailure(a.Name, a.Description) {
			f.MFAFailure = true
		}
		if f.ProviderHint == "" {
			f.ProviderHint = providerHint(a.Source, a.Name)
		}
		if strings.TrimSpace(a.UserName) != "" {
			f.Names = append(f.Names, userName{Value: strings.TrimSpace(a.UserName), Source: "user_name of alert " + a.ID})
		}
	}
	switch {
	case len(f.Subjects) > 0:
		f.Identity, f.Why = true, "idcmd's tag on its alert"
	case identityAlert != "":
		f.Identity, f.Why = true, "its identity "+identityAlert
	case mentionsIdentity(in.Name, in.Description) != "":
		f.Identity, f.Why = true, fmt.Sprintf("its name %q", in.Description)
	}
	if f.Identity {
		for _, u := range in.Users {
			if strings.TrimSpace(u) != "" {
				f.Names = append(f.Names, userName{Value: strings.TrimSpace(u), Source: "the incident's users"})
			}
		}
	}
	return f, nil
}
