package prismatest

import (
	"fmt"
	"time"
)

// The sandbox's cloud estate, as Prisma's IAM module sees it through the
// okta_idp integration: Okta groups assigned to AWS IAM Identity Center
// permission sets (an AWSReservedSSO_* role in each account) and to an
// Azure subscription role, and one AWS IAM user whose e-mail is a PingOne
// user's (PingOne has no Prisma IdP integration).
const (
	// AWSProdAccount and AWSSecurityAccount are the two AWS accounts.
	AWSProdAccount     = "123456789012"
	AWSSecurityAccount = "210987654321"
	// AzureSubscription is the Azure subscription.
	AzureSubscription = "8f2c4a1e-5b3d-4e6f-9a7b-1c2d3e4f5a6b"
	// OktaDomain is the Okta org the integration reads.
	OktaDomain = "example.okta.com"

	// AdminGroup is the Okta group of awong's administrator access.
	AdminGroup = "AWS-Administrators"
	// CloudOnlyUser is the PingOne user reachable only as a cloud identity.
	CloudOnlyUser = "dlee@example.com"
)

// grant is one Okta group (or cloud entity) to permission-set mapping.
type grant struct {
	cloud, account, group      string
	entityType, entityName     string
	entityID                   string
	policyName, policyType     string
	policyID                   string
	actions                    []grantAction
	regionLabel                string
	sourceEmail, sourceUser    string // a cloud identity instead of an Okta user
	sourceType, sourceResource string
}

// grantAction is one effective action of a grant, on a service and
// resource, and when it was last used (0: never).
type grantAction struct {
	action, service, resourceType, resource string
	lastUsedAgo                             time.Duration
}

func ssoRole(account, permissionSet, suffix string) (name, arn string) {
	name = "AWSReservedSSO_" + permissionSet + "_" + suffix
	return name, "arn:aws:iam::" + account + ":role/aws-reserved/sso.amazonaws.com/" + name
}

// adminActions are a sample of what AdministratorAccess ("Action": "*")
// lets one do, as the IAM module expands it per service.
var adminActions = []grantAction{
	{"iam:CreateUser", "iam", "user", "*", 2 * 24 * time.Hour},
	{"iam:AttachRolePolicy", "iam", "role", "*", 9 * 24 * time.Hour},
	{"sts:AssumeRole", "sts", "role", "*", 3 * time.Hour},
	{"s3:DeleteBucket", "s3", "bucket", "*", 0},
	{"s3:GetObject", "s3", "object", "*", 26 * time.Hour},
	{"ec2:TerminateInstances", "ec2", "instance", "*", 40 * 24 * time.Hour},
	{"kms:Decrypt", "kms", "key", "*", 5 * time.Hour},
}

func (s *Server) iamSeed() []grant {
	prodAdmin, prodAdminARN := ssoRole(AWSProdAccount, "AdministratorAccess", "4c1f7e2a9b8d3c6e")
	secAdmin, secAdminARN := ssoRole(AWSSecurityAccount, "AdministratorAccess", "9e3d5b7a1c2f4e6d")
	s3ro, s3roARN := ssoRole(AWSProdAccount, "S3ReadOnly", "2b4d6f8a0c1e3a5c")
	audit, auditARN := ssoRole(AWSSecurityAccount, "SecurityAudit", "7a9c1e3b5d7f9a1b")
	return []grant{
		{cloud: "AWS", account: AWSProdAccount, group: AdminGroup, entityType: "role", entityName: prodAdmin, entityID: prodAdminARN,
			policyName: "AdministratorAccess", policyType: "AWS Managed Policy", policyID: "arn:aws:iam::aws:policy/AdministratorAccess",
			actions: adminActions, regionLabel: "AWS Virginia", sourceUser: "awong@example.com"},
		{cloud: "AWS", account: AWSSecurityAccount, group: AdminGroup, entityType: "role", entityName: secAdmin, entityID: secAdminARN,
			policyName: "AdministratorAccess", policyType: "AWS Managed Policy", policyID: "arn:aws:iam::aws:policy/AdministratorAccess",
			actions: adminActions, regionLabel: "AWS Ohio", sourceUser: "awong@example.com"},
		{cloud: "AWS", account: AWSProdAccount, group: "AWS-S3-ReadOnly", entityType: "role", entityName: s3ro, entityID: s3roARN,
			policyName: "AmazonS3ReadOnlyAccess", policyType: "AWS Managed Policy", policyID: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
			actions: []grantAction{
				{"s3:ListAllMyBuckets", "s3", "bucket", "*", 4 * time.Hour},
				{"s3:ListBucket", "s3", "bucket", "example-prod-reports", 4 * time.Hour},
				{"s3:GetObject", "s3", "object", "example-prod-reports", 5 * time.Hour},
			}, regionLabel: "AWS Virginia", sourceUser: "jdoe@example.com"},
		{cloud: "AWS", account: AWSSecurityAccount, group: "AWS-Security-Auditors", entityType: "role", entityName: audit, entityID: auditARN,
			policyName: "SecurityAudit", policyType: "AWS Managed Policy", policyID: "arn:aws:iam::aws:policy/SecurityAudit",
			actions: []grantAction{
				{"guardduty:ListFindings", "guardduty", "detector", "*", 20 * time.Hour},
				{"cloudtrail:LookupEvents", "cloudtrail", "trail", "*", 30 * time.Hour},
				{"securityhub:GetFindings", "securityhub", "hub", "*", 0},
			}, regionLabel: "AWS Ohio", sourceUser: "kpatel@example.com"},
		{cloud: "AZURE", account: AzureSubscription, group: "Azure-VM-Operators", entityType: "group", entityName: "Azure-VM-Operators",
			entityID:   "/subscriptions/" + AzureSubscription + "/providers/Microsoft.Authorization/roleAssignments/5d7e9f1a-2b3c-4d5e-8f9a-0b1c2d3e4f5a",
			policyName: "Virtual Machine Contributor", policyType: "Built-in Role",
			policyID: "/providers/Microsoft.Authorization/roleDefinitions/9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
			actions: []grantAction{
				{"Microsoft.Compute/virtualMachines/start/action", "Microsoft.Compute", "virtualMachines", "*", 3 * 24 * time.Hour},
				{"Microsoft.Compute/virtualMachines/restart/action", "Microsoft.Compute", "virtualMachines", "*", 0},
			}, regionLabel: "Azure East US", sourceUser: "ejohnson@example.com"},
		// dlee is a PingOne user: Prisma sees only the AWS IAM user named
		// by the e-mail, in a group with billing rights.
		{cloud: "AWS", account: AWSProdAccount, entityType: "group", entityName: "finance-billing",
			entityID:   "arn:aws:iam::" + AWSProdAccount + ":group/finance-billing",
			policyName: "Billing", policyType: "AWS Managed Policy", policyID: "arn:aws:iam::aws:policy/job-function/Billing",
			actions: []grantAction{
				{"aws-portal:ViewBilling", "aws-portal", "billing", "*", 6 * 24 * time.Hour},
				{"aws-portal:ModifyBilling", "aws-portal", "billing", "*", 0},
				{"budgets:ModifyBudget", "budgets", "budget", "*", 12 * 24 * time.Hour},
			}, regionLabel: "AWS Global", sourceEmail: CloudOnlyUser, sourceType: "user",
			sourceResource: CloudOnlyUser},
	}
}

// seedIAM fills the IAM data from iamSeed, with last-access dates relative
// to the fake's clock.
func (s *Server) seedIAM() {
	now := s.now()
	n := 0
	for _, g := range s.iamSeed() {
		for _, a := range g.actions {
			n++
			p := permission{
				ID:                              fmt.Sprintf("perm-%04d", n),
				DestCloudType:                   g.cloud,
				DestCloudAccount:                g.account,
				DestCloudRegion:                 g.regionLabel,
				DestCloudServiceName:            a.service,
				DestResourceName:                a.resource,
				DestResourceType:                a.resourceType,
				IsWildCardDestCloudResourceName: a.resource == "*",
				EffectiveActionName:             a.action,
				GrantedByCloudType:              g.cloud,
				GrantedByCloudEntityID:          g.entityID,
				GrantedByCloudEntityName:        g.entityName,
				GrantedByCloudEntityType:        g.entityType,
				GrantedByCloudPolicyID:          g.policyID,
				GrantedByCloudPolicyName:        g.policyName,
				GrantedByCloudPolicyType:        g.policyType,
				AccessedResourcesCount:          0,
			}
			if a.resource == "*" {
				p.DestResourceID = "*"
			} else {
				p.DestResourceID = "arn:aws:s3:::" + a.resource
			}
			if a.lastUsedAgo > 0 {
				p.LastAccessDate = unixString(now.Add(-a.lastUsedAgo))
				p.AccessedResourcesCount = 1
			}
			if g.sourceUser != "" {
				p.SourceIdpService = "OKTA"
				p.SourceIdpEmail = g.sourceUser
				p.SourceIdpUsername = g.sourceUser
				p.SourceIdpGroup = g.group
				p.SourceIdpDomain = OktaDomain
				p.SourceIdpRrn = "rrn::other::" + OktaDomain + "::" + g.sourceUser
			} else {
				p.sourceEmail = g.sourceEmail
				p.SourceCloudType = g.cloud
				p.SourceCloudAccount = g.account
				p.SourceCloudServiceName = "iam"
				p.SourceResourceType = g.sourceType
				p.SourceResourceName = g.sourceResource
				p.SourceResourceID = "arn:aws:iam::" + g.account + ":user/" + g.sourceResource
			}
			s.state.permissions = append(s.state.permissions, p)
		}
	}
}
