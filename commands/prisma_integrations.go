package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/prisma"
	"github.com/idcmd/idcmd/providers/upstream"
)

// Prisma Cloud pulls Okta users itself, through its okta_idp integration
// (the SOPs' POST /v2/identity does not exist). prisma-get-idp-integration
// says whether that pull works, so a SOC knows when Prisma's view of Okta
// (and so every blast-radius answer and identity alert) is stale.

// PrismaIDPIntegration is Prisma's Okta IdP integration as it lands in
// XSOAR context (PrismaCloud.IdpIntegration).
type PrismaIDPIntegration struct {
	ID   string `json:"ID" example:"a3d6c7e0-4f1b-4f57-9c2a-0c1d2e3f4a5b"`
	Name string `json:"Name" example:"Okta (idcmd sandbox)"`
	// The Okta org Prisma pulls from.
	Domain string `json:"Domain,omitempty" example:"example.okta.com"`
	// GREEN (pulling), YELLOW (degraded), RED (failing) or NA.
	Status string `json:"Status" example:"GREEN"`
	// Whether Prisma considers the integration valid.
	Valid   bool `json:"Valid"`
	Enabled bool `json:"Enabled"`
	// Why Prisma marked it faulty; empty when GREEN.
	Reason string `json:"Reason,omitempty" example:"Okta API token revoked"`
	// When Prisma last recorded a failed pull (the reason's lastUpdated).
	ReasonUpdated *time.Time `json:"ReasonUpdated,omitempty"`
	// When the integration was last modified at Prisma.
	LastModified *time.Time `json:"LastModified,omitempty"`
	// Whether Prisma's view of Okta users can be trusted (Status GREEN and Valid).
	Healthy bool `json:"Healthy"`
	// With test true: whether Prisma's test of the stored configuration passed.
	TestPassed *bool `json:"TestPassed,omitempty"`
	// With test true: what the test reported as failing.
	TestProblems []string `json:"TestProblems,omitempty"`
}

// PrismaGetIDPIntegrationArgs pick the integration.
type PrismaGetIDPIntegrationArgs struct {
	// Name of the okta_idp integration; needed only when Prisma has several.
	Name string `json:"name,omitempty" validate:"omitempty,max=255" example:"Okta (idcmd sandbox)"`
	// Also ask Prisma to test the stored configuration against Okta (POST /integration/test).
	Test bool `json:"test,omitempty"`
}

// noOktaIntegration is the answer for a tenant without an okta_idp
// integration: what the SOC must set up.
const noOktaIntegration = "Prisma Cloud has no Okta IdP integration (type okta_idp), so it does not know Okta users: " +
	"it needs the IAM Security module (licence), then Settings > Integrations > Add Integration > Okta (IdP), " +
	"with the Okta domain and a read-only admin API token"

// PrismaGetIDPIntegration reads the okta_idp integration's health.
var PrismaGetIDPIntegration = Spec[PrismaGetIDPIntegrationArgs, PrismaIDPIntegration]{
	Name:    "prisma-get-idp-integration",
	Summary: "Show whether Prisma Cloud's pull of Okta users (its okta_idp integration) works",
	Description: "Reads Prisma Cloud's Okta IdP integration (GET /integration?type=okta_idp): its status " +
		"(GREEN, YELLOW, RED), whether it is valid, and why not. When it is not GREEN, Prisma's view of Okta " +
		"users is stale and its IAM answers and identity alerts with it. test true also asks Prisma to test " +
		"the stored configuration (POST /integration/test).",
	Provider: Prisma,
	Context:  Context{Prefix: "PrismaCloud.IdpIntegration", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a PrismaGetIDPIntegrationArgs) (Reply[PrismaIDPIntegration], error) {
		c, err := p.prismaClient()
		if err != nil {
			return Reply[PrismaIDPIntegration]{}, err
		}
		in, err := oktaIntegration(ctx, c, a.Name)
		if err != nil {
			return Reply[PrismaIDPIntegration]{}, err
		}
		out := idpIntegration(in)
		raw := map[string]any{"integration": rawJSON(in.Raw)}
		if a.Test {
			t, err := c.TestIntegration(ctx, *in)
			if err != nil {
				return Reply[PrismaIDPIntegration]{}, err
			}
			out.TestPassed, out.TestProblems = &t.Success, t.Problems()
			raw["test"] = rawJSON(t.Raw)
		}
		return Reply[PrismaIDPIntegration]{Outputs: out, Raw: raw, Readable: idpReadable(out, integrationProblem(in))}, nil
	},
}

// oktaIntegration finds the okta_idp integration: the named one, or the
// only one.
func oktaIntegration(ctx context.Context, c *prisma.Client, name string) (*prisma.Integration, error) {
	all, err := c.ListIntegrations(ctx, prisma.IntegrationTypeOktaIDP)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, &upstream.Error{Provider: string(Prisma), Kind: upstream.NotFound, Message: noOktaIntegration}
	}
	names := make([]string, 0, len(all))
	for i := range all {
		if name != "" && strings.EqualFold(all[i].Name, name) {
			return &all[i], nil
		}
		names = append(names, all[i].Name)
	}
	switch {
	case name != "":
		return nil, unknownArgument(Prisma, "body.name", "names no okta_idp integration; Prisma has: "+strings.Join(names, ", "),
			"no okta_idp integration named "+name)
	case len(all) > 1:
		return nil, inputError("The arguments are invalid", "body.name",
			"Prisma Cloud has several okta_idp integrations; name one of: "+strings.Join(names, ", "))
	}
	return &all[0], nil
}

func idpIntegration(in *prisma.Integration) PrismaIDPIntegration {
	out := PrismaIDPIntegration{ID: in.ID, Name: in.Name, Domain: in.Domain, Status: in.Status, Valid: in.Valid,
		Enabled: in.Enabled, Healthy: integrationHealthy(in)}
	if !out.Healthy {
		out.Reason = in.Reason.Text()
	}
	if t := in.ReasonUpdated(); !t.IsZero() && !out.Healthy {
		out.ReasonUpdated = &t
	}
	if t := in.LastModified(); !t.IsZero() {
		out.LastModified = &t
	}
	return out
}

// integrationHealthy reports whether Prisma's pull through in works:
// GREEN, valid and enabled.
func integrationHealthy(in *prisma.Integration) bool {
	return strings.EqualFold(in.Status, prisma.IntegrationGreen) && in.Valid && in.Enabled
}

// integrationProblem says in one sentence why Prisma's view of Okta is
// stale or broken ("" when healthy); /readyz shows it too.
func integrationProblem(in *prisma.Integration) string {
	if integrationHealthy(in) {
		return ""
	}
	why := in.Reason.Text()
	switch {
	case !in.Enabled:
		why = "the integration is disabled"
	case why == "":
		why = "Prisma reports it " + in.Status + " without a reason"
	}
	msg := fmt.Sprintf("Prisma's view of Okta is stale/broken because the okta_idp integration %q is %s: %s", in.Name, in.Status, why)
	if t := in.ReasonUpdated(); !t.IsZero() {
		msg += " (since " + t.UTC().Format(time.RFC3339) + ")"
	}
	return msg
}

// idpReadable is the war-room entry; problem is integrationProblem's
// sentence, the one /readyz shows too.
func idpReadable(o PrismaIDPIntegration, problem string) string {
	rows := [][]string{{o.Name, o.Domain, o.Status, yesNo(o.Valid), yesNo(o.Enabled), stamp(o.LastModified)}}
	var b strings.Builder
	b.WriteString(table("Prisma Cloud Okta IdP integration", []string{"Name", "Domain", "Status", "Valid", "Enabled", "Last modified"}, rows))
	if o.Healthy {
		b.WriteString("\nPrisma is pulling Okta users: its IAM answers and identity alerts are current.\n")
	} else {
		b.WriteString("\n**" + escapeCell(problem) + ".** IAM answers and identity alerts may miss recent Okta changes until it is GREEN again.\n")
	}
	if o.TestPassed != nil {
		if *o.TestPassed {
			b.WriteString("\nTest: passed.\n")
		} else {
			b.WriteString("\nTest: failed: " + escapeCell(strings.Join(o.TestProblems, "; ")) + "\n")
		}
	}
	return b.String()
}

// PrismaIDPHealth is the /readyz check prisma_okta_idp (see
// integrations.prisma_cloud.sync_users): nil while Prisma pulls Okta (the okta_idp integration is
// GREEN), else why its view of Okta is stale. Register it as advisory:
// a stale Prisma view is no reason for a load balancer to drop idcmd.
func PrismaIDPHealth(c *prisma.Client) func(context.Context) error {
	return func(ctx context.Context) error {
		all, err := c.ListIntegrations(ctx, prisma.IntegrationTypeOktaIDP)
		if err != nil {
			return fmt.Errorf("cannot read Prisma's okta_idp integration: %w", err)
		}
		if len(all) == 0 {
			return fmt.Errorf("%s", noOktaIntegration)
		}
		var problems []string
		for i := range all {
			if p := integrationProblem(&all[i]); p != "" {
				problems = append(problems, p)
			}
		}
		if len(problems) > 0 {
			return fmt.Errorf("%s", strings.Join(problems, "; "))
		}
		return nil
	}
}
