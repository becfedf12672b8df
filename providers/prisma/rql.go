package prisma

import (
	"net/mail"
	"strings"
	"unicode"
)

// RQL string values are written between single quotes ('Okta'). Prisma's
// RQL reference documents no escape sequence for a quote or a backslash
// inside one, so no escaping can be relied on: a value that would need one
// is refused before anything is sent, and every value idcmd puts into a
// query is checked here first. With no quote left in it a value cannot end
// its literal early, so AND, OR, parentheses or a second condition in it
// stay characters of the value and never become query structure.

// Where an IAM query finds a user (pan.dev / RQL reference "IAM Query
// Attributes").
const (
	// rqlIdPService and rqlIdPEmail select permissions of an IdP user as
	// Prisma's okta_idp integration ingested them (SSO into the clouds).
	rqlIdPService = "source.idp.service"
	rqlIdPEmail   = "source.idp.email"
	// rqlSourceEmail selects permissions of a cloud identity (an AWS
	// Identity Center or IAM user, an Azure AD user) by its e-mail, for
	// users of an IdP Prisma does not integrate (PingOne).
	rqlSourceEmail = "source.email"
	// rqlDestCloud narrows to the cloud the permission reaches into.
	rqlDestCloud = "dest.cloud.type"
)

// CloudTypes maps the cloud names idcmd accepts to RQL's cloud.type values.
var CloudTypes = map[string]string{
	"aws":           "AWS",
	"azure":         "AZURE",
	"gcp":           "GCP",
	"oci":           "OCI",
	"alibaba_cloud": "ALIBABA_CLOUD",
}

// Source says which identity an access query follows.
type Source int

const (
	// SourceOkta follows the Okta user with the e-mail through Prisma's
	// Okta IdP integration.
	SourceOkta Source = iota
	// SourceCloudEmail follows the cloud identities whose e-mail is the
	// e-mail: Prisma has no PingOne integration for its IAM module.
	SourceCloudEmail
)

// AccessQuery is the IAM search for one user's permissions.
type AccessQuery struct {
	Source Source
	// Email is the user's e-mail address, as the IdP holds it.
	Email string
	// Cloud, when set, is one of CloudTypes' keys.
	Cloud string
}

// RQL builds the query, or refuses (invalid) an e-mail or cloud that
// could not be written safely.
func (q AccessQuery) RQL() (string, error) {
	email, err := rqlEmail(q.Email)
	if err != nil {
		return "", err
	}
	var conds []string
	switch q.Source {
	case SourceOkta:
		conds = append(conds, rqlIdPService+" = 'Okta'", rqlIdPEmail+" = "+email)
	case SourceCloudEmail:
		conds = append(conds, rqlSourceEmail+" = "+email)
	default:
		return "", invalid("unknown identity source for the IAM query")
	}
	if q.Cloud != "" {
		t, ok := CloudTypes[q.Cloud]
		if !ok {
			return "", invalid("cloud must be one of aws, azure, gcp, oci, alibaba_cloud")
		}
		conds = append(conds, rqlDestCloud+" = '"+t+"'")
	}
	return "config from iam where " + strings.Join(conds, " AND "), nil
}

// maxEmail is RFC 5321's limit on a forward path (254 octets of address).
const maxEmail = 254

// rqlEmail returns addr as an RQL string literal, quoted, or an invalid
// error. The address must be exactly a syntactically valid bare address
// (net/mail, no display name, no comment), and hold no quote, backslash,
// control character or space: those are what could end or bend a literal
// without a documented escape.
func rqlEmail(addr string) (string, error) {
	if addr == "" {
		return "", invalid("the user has no e-mail address to look up in Prisma Cloud")
	}
	if len(addr) > maxEmail {
		return "", invalid("the e-mail address is longer than 254 characters")
	}
	for _, r := range addr {
		if r == '\'' || r == '"' || r == '\\' || r == '`' || unicode.IsControl(r) || unicode.IsSpace(r) {
			return "", invalid("the e-mail address contains a quote, backslash, space or control character, which Prisma Cloud's RQL has no documented escape for; idcmd does not send it (look the user up in the Prisma console)")
		}
	}
	parsed, err := mail.ParseAddress(addr)
	if err != nil || parsed.Address != addr || parsed.Name != "" {
		return "", invalid("the e-mail address is not a valid address (user@domain)")
	}
	return "'" + addr + "'", nil
}
