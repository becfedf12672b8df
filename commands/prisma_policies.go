package commands

import (
	"cmp"
	"context"
	"sort"
	"strings"

	"github.com/idcmd/idcmd/providers/prisma"
	"github.com/idcmd/idcmd/providers/upstream"
)

// prisma-create-identity-policy is what the SOPs' create_alert and POST
// /v2/event wanted: Prisma accepts no alert and no event from outside, but
// it raises alerts from its own IAM policies over the identities it pulls
// from Okta. The command creates such a policy from an IAM RQL query (a
// preset for the SOPs' concerns, or a raw query) and the alert rule that
// makes Prisma raise its alerts for the given account groups.

// identityPresets are the IAM queries of the SOPs' concerns.
var identityPresets = map[string]struct{ query, severity, description string }{
	"okta_admin_access": {
		query:       "config from iam where source.idp.service = 'Okta' AND grantedby.cloud.policy.name = 'AdministratorAccess'",
		severity:    "high",
		description: "Okta users who can act with the AWS managed policy AdministratorAccess",
	},
	"okta_unused_admin": {
		query:       "config from iam where source.idp.service = 'Okta' AND grantedby.cloud.policy.name = 'AdministratorAccess' AND action.lastaccess.days > 90",
		severity:    "medium",
		description: "Okta users holding AdministratorAccess they have not used in 90 days",
	},
	"okta_iam_escalation": {
		query: "config from iam where source.idp.service = 'Okta' AND action.name IN ( 'iam:CreateUser', 'iam:CreateAccessKey', " +
			"'iam:AttachUserPolicy', 'iam:AttachGroupPolicy', 'iam:PutUserPolicy', 'iam:UpdateAssumeRolePolicy' )",
		severity:    "high",
		description: "Okta users who can grant themselves more access in AWS IAM (privilege escalation)",
	},
	"okta_data_destruction": {
		query:       "config from iam where source.idp.service = 'Okta' AND action.name IN ( 's3:DeleteBucket', 'dynamodb:DeleteTable', 'rds:DeleteDBInstance' )",
		severity:    "high",
		description: "Okta users who can delete S3 buckets, DynamoDB tables or RDS databases",
	},
}

// PrismaIdentityPolicy is the created policy and its alert rule
// (PrismaCloud.IdentityPolicy).
type PrismaIdentityPolicy struct {
	PolicyID string `json:"PolicyID" example:"5a4c2e10-0b1f-4c39-8a5e-0b6f3a1d9e01"`
	Name     string `json:"Name" example:"idcmd: Okta users with AdministratorAccess"`
	// low, medium or high.
	Severity string `json:"Severity" example:"high"`
	// The IAM RQL the policy evaluates.
	Query string `json:"Query" example:"config from iam where source.idp.service = 'Okta' AND grantedby.cloud.policy.name = 'AdministratorAccess'"`
	// The saved search the policy's rule refers to.
	SavedSearchID string `json:"SavedSearchID"`
	// The alert rule that makes Prisma raise the policy's alerts.
	AlertRuleID   string   `json:"AlertRuleID"`
	AlertRuleName string   `json:"AlertRuleName"`
	AccountGroups []string `json:"AccountGroups"`
	Enabled       bool     `json:"Enabled"`
}

// PrismaCreateIdentityPolicyArgs describe the policy.
type PrismaCreateIdentityPolicyArgs struct {
	// Policy name, unique in the tenant (the alert rule gets the same name).
	Name string `json:"name" validate:"required,max=200" example:"idcmd: Okta users with AdministratorAccess"`
	// A prepared IAM query: okta_admin_access, okta_unused_admin, okta_iam_escalation or okta_data_destruction. Give preset or query.
	Preset string `json:"preset,omitempty" validate:"omitempty,oneof=okta_admin_access okta_unused_admin okta_iam_escalation okta_data_destruction" enums:"okta_admin_access,okta_unused_admin,okta_iam_escalation,okta_data_destruction" example:"okta_admin_access"`
	// An IAM RQL query, config from iam where ... Give preset or query.
	Query string `json:"query,omitempty" validate:"omitempty,max=4000" example:"config from iam where source.idp.service = 'Okta' AND dest.cloud.type = 'AWS'"`
	// low, medium or high; default the preset's (high), or medium for a query.
	Severity string `json:"severity,omitempty" validate:"omitempty,oneof=low medium high" enums:"low,medium,high" example:"high"`
	// IDs of the account groups the alert rule covers (Settings > Account Groups), 1-20.
	AccountGroups []string `json:"account_groups" validate:"required,min=1,max=20,dive,required,max=64" example:"0d6e4c59-1f62-4bfa-9d1a-7a0c3e2b1f01"`
	// Policy description; default the preset's.
	Description string `json:"description,omitempty" validate:"omitempty,max=2000"`
}

// Validate requires exactly one of preset and query, and an IAM query.
func (a *PrismaCreateIdentityPolicyArgs) Validate() error {
	switch {
	case a.Preset == "" && a.Query == "":
		return inputError("The arguments are invalid", "body.preset", "give preset ("+strings.Join(presetNames(), ", ")+") or query")
	case a.Preset != "" && a.Query != "":
		return inputError("The arguments are invalid", "body.query", "give preset or query, not both")
	case a.Query != "" && !isIAMQuery(a.Query):
		return inputError("The arguments are invalid", "body.query", "an IAM policy's query starts with: config from iam where")
	}
	return nil
}

func presetNames() []string {
	out := make([]string, 0, len(identityPresets))
	for k := range identityPresets {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func isIAMQuery(q string) bool {
	f := strings.Fields(strings.ToLower(q))
	return len(f) > 4 && f[0] == "config" && f[1] == "from" && f[2] == "iam" && f[3] == "where"
}

// PrismaCreateIdentityPolicy creates an IAM policy and its alert rule.
var PrismaCreateIdentityPolicy = Spec[PrismaCreateIdentityPolicyArgs, PrismaIdentityPolicy]{
	Name:    "prisma-create-identity-policy",
	Summary: "Create a Prisma Cloud IAM policy and alert rule so Prisma raises identity alerts itself",
	Description: "Prisma Cloud accepts no alerts or events from outside; it raises alerts from its own policies. This " +
		"creates an IAM policy from an RQL query (a preset or your own), its saved search, and an alert rule for the " +
		"given account groups. A policy with the same name is refused (409), never duplicated. Needs the IAM Security " +
		"module and the okta_idp integration, and an access key whose permission group may write policies and alert rules.",
	Provider: Prisma,
	Context:  Context{Prefix: "PrismaCloud.IdentityPolicy", Key: "PolicyID"},
	Risk:     Write,
	Run: func(ctx context.Context, p Providers, a PrismaCreateIdentityPolicyArgs) (Reply[PrismaIdentityPolicy], error) {
		c, err := p.prismaClient()
		if err != nil {
			return Reply[PrismaIdentityPolicy]{}, err
		}
		req := prisma.IdentityPolicyRequest{Name: a.Name, Query: a.Query, Severity: a.Severity, Description: a.Description,
			AccountGroups: a.AccountGroups, Labels: []string{"idcmd", "identity"}}
		if pr, ok := identityPresets[a.Preset]; ok {
			req.Query = pr.query
			req.Severity = cmp.Or(req.Severity, pr.severity)
			req.Description = cmp.Or(req.Description, pr.description)
		}
		req.Severity = cmp.Or(req.Severity, "medium")
		existing, err := c.FindPolicy(ctx, a.Name)
		if err != nil {
			return Reply[PrismaIdentityPolicy]{}, err
		}
		if existing != nil {
			msg := "a policy named " + existing.Name + " exists already (" + existing.PolicyID + "); pick another name or change that policy in the console"
			return Reply[PrismaIdentityPolicy]{}, argumentError("body.name", msg,
				&upstream.Error{Provider: string(Prisma), Kind: upstream.Conflict, Code: "duplicate_name", Message: msg})
		}
		made, err := c.CreateIdentityPolicy(ctx, req)
		if err != nil {
			if ue := upstream.As(err); ue != nil && ue.Kind == upstream.Conflict {
				return Reply[PrismaIdentityPolicy]{}, argumentError("body.name", "is taken at Prisma Cloud", err)
			}
			return Reply[PrismaIdentityPolicy]{}, err
		}
		out := PrismaIdentityPolicy{PolicyID: made.Policy.PolicyID, Name: made.Policy.Name, Severity: made.Policy.Severity,
			Query: req.Query, SavedSearchID: made.SearchID, AlertRuleID: made.AlertRule.ID, AlertRuleName: made.AlertRule.Name,
			AccountGroups: made.AlertRule.Target.AccountGroups, Enabled: made.Policy.Enabled}
		readable := table("Prisma Cloud IAM policy created", []string{"Policy ID", "Name", "Severity", "Alert rule", "Account groups", "Query"},
			[][]string{{out.PolicyID, out.Name, out.Severity, out.AlertRuleName, strings.Join(out.AccountGroups, ", "), out.Query}}) +
			"\nPrisma raises this policy's alerts itself on its next IAM scan; list them with prisma-list-identity-alerts policy=" + escapeCell(out.Name) + ".\n"
		return Reply[PrismaIdentityPolicy]{Outputs: out, Readable: readable, Raw: map[string]any{
			"policy": rawJSON(made.Policy.Raw), "alertRule": rawJSON(made.AlertRule.Raw)}}, nil
	},
}
