package prismatest

import (
	"strings"
	"testing"
)

func TestParseRQLAccepts(t *testing.T) {
	row := &permission{SourceIdpService: "OKTA", SourceIdpEmail: "awong@example.com", DestCloudType: "AWS",
		DestCloudAccount: "123456789012", GrantedByCloudPolicyName: "AdministratorAccess", sourceEmail: "x@example.com"}
	for _, tc := range []struct {
		q    string
		want bool
	}{
		{"config from iam where source.idp.service = 'Okta' AND source.idp.email = 'awong@example.com'", true},
		{"CONFIG FROM IAM WHERE source.idp.email='AWONG@example.com' and dest.cloud.type = 'aws'", true},
		{"config from iam where\n\tsource.idp.email = 'awong@example.com'\nAND dest.cloud.type != 'AZURE'", true},
		{"config from iam where dest.cloud.account IN ('210987654321', '123456789012')", true},
		{"config from iam where dest.cloud.account in('210987654321')", false},
		{"config from iam where grantedby.cloud.policy.name = 'AdministratorAccess' AND source.email = 'x@example.com'", true},
		{"config from iam where source.idp.email = 'jdoe@example.com'", false},
		{"config from iam where source.idp.email = 'awong@example.com OR 1=1'", false}, // a literal, not an OR
		{"config from iam where source.idp.email = 'awong@example.com) AND (x'", false},
	} {
		q, err := parseRQL(tc.q)
		if err != nil {
			t.Errorf("%q: %v", tc.q, err)
			continue
		}
		if got := q.matches(row); got != tc.want {
			t.Errorf("%q matches %v, want %v", tc.q, got, tc.want)
		}
	}
}

func TestParseRQLRefuses(t *testing.T) {
	for _, tc := range []struct{ q, says string }{
		{"", "expected \"config\""},
		{"config from asset where x = 'y'", "expected \"iam\""},
		{"config from iam where", "expected an attribute"},
		{"config from iam where source.idp.email = 'x' OR source.idp.email != ''", "joined with AND"},
		// An e-mail with a quote pasted in ends the literal: the rest is
		// no valid query.
		{"config from iam where source.idp.email = 'o'brien@example.com'", "unexpected character '@'"},
		{"config from iam where source.idp.email = 'x' OR source.idp.email != ''", "AND"},
		{"config from iam where source.idp.email = 'a@b.com' AND dest.cloud.type = 'AWS", "unterminated"},
		{`config from iam where source.idp.email = 'a\'b@example.com'`, "backslash"},
		{"config from iam where source.idp.email = 'a@b.com\n' AND x = 'y'", "control character"},
		{"config from iam where (source.idp.email = 'a@b.com')", "expected an attribute"},
		{"config from iam where source.password = 'x'", "unknown attribute"},
		{"config from iam where source.idp.email = awong", "quoted string"},
		{"config from iam where source.idp.email IN 'x'", "expected ("},
		{"config from iam where source.idp.email IN ('x' 'y')", "expected , or )"},
		{"config from iam where source.idp.email > 'x'", "unexpected character"},
		{"config from iam where source.idp.email = 'x' AND", "expected an attribute"},
	} {
		_, err := parseRQL(tc.q)
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%q: error %v, want one saying %q", tc.q, err, tc.says)
		}
	}
}
