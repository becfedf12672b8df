package commands

import (
	"slices"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/prisma"
)

// CloudPermission is one thing a user can do in a cloud, as Prisma Cloud's
// IAM search found it: an action on a resource, granted through an IdP
// group, a cloud role or group, and a policy.
type CloudPermission struct {
	// Prisma's row ID.
	ID string `json:"ID" example:"perm-0001"`
	// Cloud of the resource: AWS, AZURE, GCP, OCI, ALIBABA_CLOUD.
	Cloud string `json:"Cloud" example:"AWS"`
	// Cloud account (AWS account ID, Azure subscription, GCP project).
	Account string `json:"Account" example:"123456789012"`
	Region  string `json:"Region,omitempty" example:"AWS Virginia"`
	// Cloud service of the resource (iam, s3, Microsoft.Compute).
	Service string `json:"Service" example:"iam"`
	// Resource name; * when the permission covers every resource of its type.
	Resource     string `json:"Resource" example:"*"`
	ResourceType string `json:"ResourceType,omitempty" example:"user"`
	// Whether Resource is a wildcard.
	WildcardResource bool `json:"WildcardResource"`
	// The effective action (iam:CreateUser).
	Action string `json:"Action" example:"iam:CreateUser"`
	// The IdP group the user has the access through (Okta), if any.
	IdPGroup string `json:"IdPGroup,omitempty" example:"AWS-Administrators"`
	// The cloud identity the access belongs to, when it is not the IdP user itself (an AWS IAM user whose e-mail matches).
	Identity string `json:"Identity,omitempty" example:"dlee@example.com"`
	// The cloud entity that grants it: a role, group or user.
	GrantedBy     string `json:"GrantedBy" example:"AWSReservedSSO_AdministratorAccess_4c1f7e2a9b8d3c6e"`
	GrantedByType string `json:"GrantedByType" example:"role"`
	// The policy (AWS policy, Azure role definition, GCP role).
	Policy     string `json:"Policy" example:"AdministratorAccess"`
	PolicyType string `json:"PolicyType,omitempty" example:"AWS Managed Policy"`
	// Whether this permission is admin-level (see CloudAccessSummary.AdminLevel).
	AdminLevel bool `json:"AdminLevel"`
	// When the permission was last used; absent when Prisma saw no use.
	LastAccess *time.Time `json:"LastAccess,omitempty"`
}

// CloudAccessSummary is a user's blast radius in a few numbers, for a
// responder deciding how urgent a compromised account is.
type CloudAccessSummary struct {
	// Cloud accounts the permissions reach, as "CLOUD account".
	Accounts     []string `json:"Accounts" example:"AWS 123456789012"`
	AccountCount int      `json:"AccountCount" example:"2"`
	// Clouds reached.
	Clouds []string `json:"Clouds" example:"AWS"`
	// Whether any permission is admin-level: granted by AWS or Alibaba AdministratorAccess, Azure Owner or User Access Administrator, GCP roles/owner, or an action of * (every action).
	AdminLevel bool `json:"AdminLevel"`
	// The accounts where the access is admin-level.
	AdminAccounts []string `json:"AdminAccounts,omitempty" example:"AWS 123456789012"`
	// Distinct destination resources (a wildcard counts once per account, service and type).
	Resources int `json:"Resources" example:"14"`
	// Permission rows summarized.
	Permissions int `json:"Permissions" example:"14"`
	// IdP groups and cloud entities the access comes through.
	GrantedThrough []string `json:"GrantedThrough" example:"AWS-Administrators"`
	// The most recent use of any of the permissions.
	LastUsed *time.Time `json:"LastUsed,omitempty"`
	// False when more rows remain (next_cursor): the summary then covers the rows of this answer only.
	Complete bool `json:"Complete"`
}

// adminPolicies are the policies that give the whole of an account (or
// the right to grant oneself all of it): AWS's and Alibaba Cloud's
// AdministratorAccess, Azure's Owner and User Access Administrator, GCP's
// basic owner role. Contributor or Editor roles can change most resources
// but not access itself, and are not counted.
var adminPolicies = map[string]bool{
	"administratoraccess":       true,
	"owner":                     true,
	"user access administrator": true,
	"roles/owner":               true,
}

// IsAdminLevel reports whether a permission is admin-level: one of
// adminPolicies grants it, or its action is every action (* or *:*).
func IsAdminLevel(p prisma.Permission) bool {
	policy := strings.ToLower(strings.TrimSpace(p.GrantedByCloudPolicyName))
	if adminPolicies[policy] || strings.HasSuffix(strings.ToLower(p.GrantedByCloudPolicyID), ":policy/administratoraccess") {
		return true
	}
	a := strings.TrimSpace(p.EffectiveActionName)
	return a == "*" || a == "*:*"
}

// CloudPermissions turns Prisma's rows into context outputs.
func CloudPermissions(rows []prisma.Permission) []CloudPermission {
	out := make([]CloudPermission, 0, len(rows))
	for _, p := range rows {
		cp := CloudPermission{
			ID: p.ID, Cloud: p.DestCloudType, Account: p.DestCloudAccount, Region: p.DestCloudRegion,
			Service: p.DestCloudServiceName, Resource: p.DestResourceName, ResourceType: p.DestResourceType,
			WildcardResource: p.WildcardDestination || p.DestResourceName == "*",
			Action:           p.EffectiveActionName, IdPGroup: p.SourceIdPGroup,
			GrantedBy: p.GrantedByCloudEntityName, GrantedByType: p.GrantedByCloudEntityType,
			Policy: p.GrantedByCloudPolicyName, PolicyType: p.GrantedByCloudPolicyType,
			AdminLevel: IsAdminLevel(p),
		}
		if p.SourceIdPEmail == "" {
			cp.Identity = p.SourceResourceName
		}
		if t, ok := p.LastAccess(); ok {
			cp.LastAccess = &t
		}
		out = append(out, cp)
	}
	return out
}

// SummarizeCloudAccess sums up permission rows: the accounts and clouds
// they reach, whether any is admin-level and where, how many resources,
// through which groups and entities, and the last use. complete says
// whether rows are all of the user's rows. It is the blast radius the
// event pipeline attaches to an event's user, too.
func SummarizeCloudAccess(rows []CloudPermission, complete bool) CloudAccessSummary {
	s := CloudAccessSummary{Accounts: []string{}, Clouds: []string{}, GrantedThrough: []string{}, Permissions: len(rows), Complete: complete}
	resources := map[string]bool{}
	for _, r := range rows {
		account := strings.TrimSpace(r.Cloud + " " + r.Account)
		if !slices.Contains(s.Accounts, account) {
			s.Accounts = append(s.Accounts, account)
		}
		if r.Cloud != "" && !slices.Contains(s.Clouds, r.Cloud) {
			s.Clouds = append(s.Clouds, r.Cloud)
		}
		if r.AdminLevel {
			s.AdminLevel = true
			if !slices.Contains(s.AdminAccounts, account) {
				s.AdminAccounts = append(s.AdminAccounts, account)
			}
		}
		resources[strings.Join([]string{r.Cloud, r.Account, r.Service, r.ResourceType, r.Resource}, "\x00")] = true
		for _, via := range []string{r.IdPGroup, r.GrantedBy} {
			if via != "" && !slices.Contains(s.GrantedThrough, via) {
				s.GrantedThrough = append(s.GrantedThrough, via)
			}
		}
		if r.LastAccess != nil && (s.LastUsed == nil || r.LastAccess.After(*s.LastUsed)) {
			t := *r.LastAccess
			s.LastUsed = &t
		}
	}
	s.AccountCount = len(s.Accounts)
	s.Resources = len(resources)
	return s
}
