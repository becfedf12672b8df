package pingone_test

import (
	"context"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/providers/pingone"
	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
	"github.com/idcmd/idcmd/providers/upstream"
)

func TestConformanceSetPassword(t *testing.T) {
	f := newFixture(t, nil, nil)
	ctx := context.Background()
	for _, name := range []string{pingonetest.DemoActiveUser, pingonetest.DemoPasswordLockedUser, pingonetest.DemoNoPasswordUser, pingonetest.DemoDisabledUser} {
		pw, err := pingone.NewPassword()
		must(t, err)
		id := f.id(t, name)
		must(t, f.client.SetPassword(ctx, id, pw, true))
		if st := f.state(t, name); st.PasswordStatus != "MUST_CHANGE_PASSWORD" {
			t.Errorf("%s: password status %s after set", name, st.PasswordStatus)
		}
		// The same value again is refused: a new password may not equal
		// the current one (why the client does not resend after a 5xx).
		err = f.client.SetPassword(ctx, id, pw, true)
		wantKind(t, name+" same again", err, upstream.Invalid)
		if err != nil && strings.Contains(err.Error(), pw) {
			t.Errorf("the error quotes the password: %v", err)
		}
	}
	// A policy the generated password cannot meet: PingOne's refusal is
	// the caller's to see, with PingOne's reasons.
	f.srv.Env().SetPasswordPolicy(pingonetest.PasswordPolicy{MaxLength: 16})
	pw, _ := pingone.NewPassword()
	err := f.client.SetPassword(ctx, f.id(t, pingonetest.DemoActiveUser), pw, true)
	wantKind(t, "policy", err, upstream.Invalid)
	if ue := upstream.As(err); ue == nil || ue.Code != "INVALID_DATA" || len(ue.Causes) == 0 || !strings.Contains(ue.Causes[0], "policy") {
		t.Errorf("policy refusal: %+v", ue)
	}
	err = f.client.SetPassword(ctx, "00000000-0000-4000-8000-000000000000", pw, true)
	wantKind(t, "unknown user", err, upstream.NotFound)
	wantKind(t, "empty", f.client.SetPassword(ctx, f.id(t, pingonetest.DemoActiveUser), "", true), upstream.Invalid)
}

// TestNewPasswordMeetsPolicies: every generated password passes the
// Standard policy and the strictest optional rules a policy can add.
func TestNewPasswordMeetsPolicies(t *testing.T) {
	strict := pingonetest.PasswordPolicy{
		MinLength: 32, MaxLength: 255, MinUpper: 3, MinLower: 3, MinDigits: 3, MinSpecial: 3,
		MaxRepeatedCharacters: 1, MinUniqueCharacters: 16, ExcludesProfileData: true, ExcludesCommonlyUsed: true,
	}
	seen := map[string]bool{}
	for i := 0; i < 300; i++ {
		pw, err := pingone.NewPassword()
		must(t, err)
		if len(pw) != pingone.GeneratedPasswordLength || seen[pw] {
			t.Fatalf("password %d: length %d or repeated", i, len(pw))
		}
		seen[pw] = true
		for _, p := range []pingonetest.PasswordPolicy{pingonetest.StandardPasswordPolicy, strict} {
			if failed := pingonetest.CheckPassword(p, pw); len(failed) > 0 {
				t.Fatalf("generated password fails %v", failed)
			}
		}
		// No alphabet or number sequence (abc, 321): policies' sequence rules.
		low := strings.ToLower(pw)
		for j := 0; j+2 < len(low); j++ {
			a, b, c := low[j], low[j+1], low[j+2]
			alnum := func(x byte) bool { return x >= 'a' && x <= 'z' || x >= '0' && x <= '9' }
			if alnum(a) && alnum(b) && alnum(c) && (b == a+1 && c == b+1 || b == a-1 && c == b-1) {
				t.Fatalf("generated password has the sequence %q", low[j:j+3])
			}
		}
		for _, bad := range []string{"|", "<", ">", "&", `"`, `\`, "'", "`", " "} {
			if strings.Contains(pw, bad) {
				t.Fatalf("generated password has %q", bad)
			}
		}
	}
}
