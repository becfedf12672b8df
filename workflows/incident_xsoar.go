package workflows

import (
	"context"
	"fmt"
	"strings"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/providers/xsoar"
)

// xsoarUserLabels are label types that name a user (compared without case):
// XSOAR's own (Email, Username, Account) and those of the identity packs.
var xsoarUserLabels = []string{"user", "username", "email", "account", "accountname", "useremail", "login"}

// xsoarUserFields are custom fields (machine names) that name a user.
var xsoarUserFields = []string{"username", "email", "accountname", "accountid", "useremail", "userprincipalname", "login"}

// readXSOARIncident reads an XSOAR incident's facts: the user from idcmd's
// label first, then the user labels and custom fields; identity when
// idcmd's label is there or the incident's type or name says so.
func readXSOARIncident(ctx context.Context, p commands.Providers, id string) (incidentFacts, error) {
	in, err := p.XSOAR.GetIncident(ctx, id)
	if err != nil {
		return incidentFacts{}, err
	}
	f := incidentFacts{Platform: "xsoar", ID: in.ID, Name: in.Name, Severity: xsoarSeverity(in.Severity), Created: in.Created,
		MFAFailure: mentionsMFAFailure(in.Name, in.Details), ProviderHint: providerHint(in.Type, in.Name), Raw: in.Raw}
	if !in.Occurred.IsZero() {
		f.Created = in.Occurred // when it happened, not when XSOAR heard of it
	}
	for _, l := range in.Labels {
		if strings.EqualFold(l.Type, events.MarkerLabel) {
			if s, ok := events.ParseLabel(l.Value); ok {
				f.Subjects = append(f.Subjects, s)
			}
			continue
		}
		if containsFold(xsoarUserLabels, l.Type) && strings.TrimSpace(l.Value) != "" {
			f.Names = append(f.Names, userName{Value: strings.TrimSpace(l.Value), Source: "label " + l.Type})
		}
	}
	for _, k := range xsoarUserFields {
		if v, ok := in.CustomFields[k].(string); ok && strings.TrimSpace(v) != "" {
			f.Names = append(f.Names, userName{Value: strings.TrimSpace(v), Source: "field " + k})
		}
	}
	switch w := mentionsIdentity(in.Type, in.Name); {
	case len(f.Subjects) > 0:
		f.Identity, f.Why = true, "idcmd's label "+events.MarkerLabel
	case w != "":
		f.Identity, f.Why = true, fmt.Sprintf("its type or name (%q: %q)", in.Type+" / "+in.Name, w)
	}
	return f, nil
}

// xsoarSeverity names XSOAR's numeric severity.
func xsoarSeverity(s float64) string {
	switch {
	case s >= xsoar.SeverityCritical:
		return "critical"
	case s >= xsoar.SeverityHigh:
		return "high"
	case s >= xsoar.SeverityMedium:
		return "medium"
	case s > xsoar.SeverityUnknown:
		return "low"
	}
	return ""
}

func containsFold(list []string, v string) bool {
	for _, l := range list {
		if strings.EqualFold(l, v) {
			return true
		}
	}
	return false
}
