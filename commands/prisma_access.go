package commands

import (
	"cmp"
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/prisma"
	"github.com/idcmd/idcmd/providers/upstream"
)

// PrismaUserCloudAccessArgs name the user whose cloud access to read.
type PrismaUserCloudAccessArgs struct {
	// Okta user ID, login (jdoe@example.com) or login shortname (jdoe); with idp pingone, a PingOne user ID or username.
	User string `json:"user" validate:"required,max=255" example:"awong@example.com"`
	// Where the user is: okta (Prisma Cloud's Okta IdP integration) or pingone (Prisma Cloud has no PingOne integration: the cloud identities whose e-mail is the user's).
	IdP string `json:"idp,omitempty" validate:"omitempty,oneof=okta pingone" enums:"okta,pingone" default:"okta" example:"okta"`
	// Only permissions into this cloud.
	Cloud string `json:"cloud,omitempty" validate:"omitempty,oneof=aws azure gcp oci alibaba_cloud" enums:"aws,azure,gcp,oci,alibaba_cloud" example:"aws"`
	// Maximum permission rows to return (1-1000), read across as many Prisma pages as it takes.
	Limit int `json:"limit,omitempty" validate:"omitempty,min=1,max=1000" default:"50" example:"50"`
	// next_cursor of a previous call with the same user, idp and cloud (limit may differ); next_cursor is set only when more remain.
	Cursor string `json:"cursor,omitempty" validate:"omitempty,max=16384"`
}

// PrismaCloudAccess is a user's cloud access as it lands in XSOAR context
// (PrismaCloud.CloudAccess, keyed by the e-mail).
type PrismaCloudAccess struct {
	// The user's e-mail, from the IdP's profile: what Prisma Cloud was asked about.
	Email string `json:"Email" example:"awong@example.com"`
	// The IdP the user was read from: okta or pingone.
	IdP string `json:"IdP" example:"okta"`
	// The user's ID in the IdP.
	UserID string `json:"UserID" example:"00u1a2b3c4d5e6f7g8h9"`
	// How Prisma Cloud matched the rows: okta_idp (its Okta IdP integration's users) or cloud_identity_email (cloud identities whose e-mail is the user's).
	MatchedBy string `json:"MatchedBy" example:"okta_idp"`
	// The RQL query sent to Prisma Cloud.
	Query string `json:"Query" example:"config from iam where source.idp.service = 'Okta' AND source.idp.email = 'awong@example.com'"`
	// A caveat about the rows, when there is one (PingOne).
	Note    string             `json:"Note,omitempty"`
	Summary CloudAccessSummary `json:"Summary"`
	// The permission rows of this answer.
	Permissions []CloudPermission `json:"Permission"`
}

const (
	matchedByOkta  = "okta_idp"
	matchedByEmail = "cloud_identity_email"
	// pingOneNote is said with every PingOne answer.
	pingOneNote = "Prisma Cloud has no PingOne IdP integration for its IAM module: these rows are the cloud identities (such as AWS IAM or Azure AD users) whose e-mail is the PingOne user's, not access granted through PingOne SSO."
)

// PrismaGetUserCloudAccess reads what an IdP user can reach in the clouds.
var PrismaGetUserCloudAccess = Spec[PrismaUserCloudAccessArgs, PrismaCloudAccess]{
	Name:    "prisma-get-user-cloud-access",
	Summary: "A user's cloud blast radius: accounts, resources and actions, and through which group, role and policy (Prisma Cloud IAM search)",
	Description: "Reads the user's e-mail from Okta (or PingOne) and runs Prisma Cloud's IAM search " +
		"`config from iam where source.idp.service = 'Okta' AND source.idp.email = '<email>'` (POST /api/v1/permission, paged with /api/v1/permission/page). " +
		"Needs Prisma Cloud's IAM Security module and its Okta IdP integration. For PingOne users, whom Prisma Cloud does not integrate, it matches cloud identities by e-mail (source.email) and says so. " +
		"The summary covers the rows of the answer; Complete is false when next_cursor is set.",
	Provider: Prisma,
	Context:  Context{Prefix: "PrismaCloud.CloudAccess", Key: "Email"},
	Risk:     Read,
	Run:      runPrismaUserCloudAccess,
}

func runPrismaUserCloudAccess(ctx context.Context, p Providers, a PrismaUserCloudAccessArgs) (Reply[PrismaCloudAccess], error) {
	a.IdP = strings.ToLower(cmp.Or(a.IdP, "okta"))
	scope := scopeOf("prisma-get-user-cloud-access", a)
	// A foreign cursor must not cost the IdP lookup.
	if err := p.checkCursor(scope, a.Cursor, 1); err != nil {
		return Reply[PrismaCloudAccess]{}, err
	}
	c, err := p.prismaClient()
	if err != nil {
		return Reply[PrismaCloudAccess]{}, err
	}
	out := PrismaCloudAccess{IdP: a.IdP, MatchedBy: matchedByOkta}
	q := prisma.AccessQuery{Source: prisma.SourceOkta, Cloud: a.Cloud}
	switch a.IdP {
	case "pingone":
		_, u, err := resolvePingOneUser(ctx, p, a.User)
		if err != nil {
			return Reply[PrismaCloudAccess]{}, userLookupError(err, "no PingOne user has this ID or username")
		}
		out.UserID, out.Email = u.ID, u.Email
		out.MatchedBy, out.Note = matchedByEmail, pingOneNote
		q.Source = prisma.SourceCloudEmail
	default:
		_, u, err := resolveOktaUser(ctx, p, a.User)
		if err != nil {
			return Reply[PrismaCloudAccess]{}, userLookupError(err, "no Okta user has this ID or login")
		}
		out.UserID, out.Email = u.ID, u.Profile.Email
	}
	if out.Email == "" {
		return Reply[PrismaCloudAccess]{}, inputError("The user has no e-mail address", "body.user",
			"the "+a.IdP+" user "+out.UserID+" has no e-mail in its profile, and Prisma Cloud finds users by e-mail")
	}
	q.Email = out.Email
	rql, err := q.RQL()
	if err != nil {
		return Reply[PrismaCloudAccess]{}, inputError("The user's e-mail cannot be queried in Prisma Cloud", "body.user",
			upstream.As(err).Message+" (e-mail "+strconv.Quote(out.Email)+")")
	}
	out.Query = rql
	limit := orDefault(a.Limit, 50)
	pageSize := min(limit, prisma.MaxPermissionLimit)
	rows, next, err := readPaged(ctx, p, pagedQuery[prisma.Permission]{
		scope: scope, cursor: a.Cursor, limit: limit,
		fetch: func(ctx context.Context, ref string) ([]prisma.Permission, string, error) {
			return fetchPermissionPage(ctx, c, rql, ref, pageSize)
		},
		first: prismaStart,
	}, keepAll)
	if err != nil {
		return Reply[PrismaCloudAccess]{}, err
	}
	out.Permissions = CloudPermissions(rows)
	out.Summary = SummarizeCloudAccess(out.Permissions, next == "")
	raw := make([]any, 0, len(rows))
	for _, r := range rows {
		raw = append(raw, rawJSON(r.Raw))
	}
	return Reply[PrismaCloudAccess]{Outputs: out, Readable: cloudAccessMarkdown(out, next), Raw: raw, NextCursor: next}, nil
}

// fetchPermissionPage reads the page ref names (see prisma_paging.go). A
// token Prisma no longer accepts (they expire) is the caller's cursor to
// drop.
func fetchPermissionPage(ctx context.Context, c *prisma.Client, rql, ref string, size int) ([]prisma.Permission, string, error) {
	tok, err := prismaPageToken(ref)
	if err != nil {
		return nil, "", err
	}
	var page *prisma.PermissionPage
	if tok == "" {
		page, err = c.SearchPermissions(ctx, rql, size)
	} else {
		page, err = c.NextPermissions(ctx, tok, size)
		if upstream.IsKind(err, upstream.Invalid) {
			return nil, "", argumentError("body.cursor", "Prisma Cloud no longer accepts the page this cursor names (its page tokens expire); leave cursor out to start over", err)
		}
	}
	if err != nil {
		return nil, "", err
	}
	return page.Items, prismaPageRef(page.NextPageToken), nil
}

// userLookupError names body.user when the IdP has no such user.
func userLookupError(err error, message string) error {
	if upstream.IsKind(err, upstream.NotFound) {
		return argumentError("body.user", message, err)
	}
	return err
}

// cloudAccessMarkdown is the war-room entry: the summary first, then a
// row per permission.
func cloudAccessMarkdown(out PrismaCloudAccess, next string) string {
	s := out.Summary
	var b strings.Builder
	idp := "Okta"
	if out.IdP == "pingone" {
		idp = "PingOne"
	}
	b.WriteString("### Cloud access of " + escapeCell(out.Email) + " (" + idp + " user, from Prisma Cloud)\n")
	if out.Note != "" {
		b.WriteString("**Note:** " + escapeCell(out.Note) + "\n\n")
	}
	admin := "no"
	if s.AdminLevel {
		admin = "**YES** in " + escapeCell(strings.Join(s.AdminAccounts, ", "))
	}
	last := "never seen used"
	if s.LastUsed != nil {
		last = s.LastUsed.UTC().Format(time.RFC3339)
	}
	b.WriteString("- **Admin-level access:** " + admin + "\n")
	b.WriteString("- **Accounts reached:** " + strconv.Itoa(s.AccountCount))
	if s.AccountCount > 0 {
		b.WriteString(" (" + escapeCell(strings.Join(s.Accounts, ", ")) + ")")
	}
	b.WriteString("\n- **Resources:** " + strconv.Itoa(s.Resources) + ", through " + strconv.Itoa(s.Permissions) + " permissions\n")
	if len(s.GrantedThrough) > 0 {
		b.WriteString("- **Granted through:** " + escapeCell(strings.Join(s.GrantedThrough, ", ")) + "\n")
	}
	b.WriteString("- **Last used:** " + last + "\n")
	if !s.Complete {
		b.WriteString("- More permissions remain (pass next_cursor as cursor): this summary covers the rows below only.\n")
	}
	b.WriteString("\n")
	rows := make([][]string, 0, len(out.Permissions))
	for _, p := range out.Permissions {
		via := []string{}
		for _, v := range []string{p.IdPGroup, p.Identity, p.GrantedBy, p.Policy} {
			if v != "" {
				via = append(via, v)
			}
		}
		rows = append(rows, []string{p.Cloud, p.Account, p.Service + " " + p.ResourceType + " " + p.Resource, p.Action,
			strings.Join(via, " → "), yesNo(p.AdminLevel), stamp(p.LastAccess)})
	}
	b.WriteString(table(pageTitle(len(rows), "permissions", next), []string{"Cloud", "Account", "Resource", "Action", "Granted by (group → role → policy)", "Admin", "Last access"}, rows))
	return b.String()
}
