package pingonetest

import (
	"slices"
	"testing"
)

func TestStandardPasswordPolicy(t *testing.T) {
	u := &user{username: "jdoe@example.com", email: "jdoe@example.com", given: "John", family: "Doe"}
	for _, tc := range []struct {
		pw   string
		want []string
	}{
		{"Corr3ct-Horse", nil},
		{"Sh0rt!", []string{"length"}},
		{"all-lowercase1", []string{"minCharacters"}},
		{"NoDigits-here", []string{"minCharacters"}},
		{"Paaa5sword!", []string{"maxRepeatedCharacters"}},
		{"Aa1!Aa1!Aa1!", []string{"minUniqueCharacters"}},
		{"P@ssw0rd1", []string{"excludesCommonlyUsed"}},
		{"{SSHA512}anything", nil},
	} {
		if got := StandardPasswordPolicy.unsatisfied(u, tc.pw); !slices.Equal(got, tc.want) {
			t.Errorf("%q: %v, want %v", tc.pw, got, tc.want)
		}
	}
	profile := &user{username: "Xy9!abcd", email: "x@example.com"}
	if got := StandardPasswordPolicy.unsatisfied(profile, "xy9!ABCD"); !slices.Contains(got, "excludesProfileData") {
		t.Errorf("profile value accepted: %v", got)
	}
}

func TestSetPasswordPolicyAndSameValue(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	path := "/users/" + userID(t, srv, DemoActiveUser) + "/password"
	set := `{"value":"Corr3ct-Horse-Battery","forceChange":true}`
	must(t, c.do("PUT", path, ctPasswordSet, set), 200)
	e := must(t, c.do("PUT", path, ctPasswordSet, set), 400).p1Error(t)
	if e.Code != codeInvalidData || e.Details[0].Target != "value" {
		t.Errorf("same value: %+v", e)
	}
	e = must(t, c.do("PUT", path, ctPasswordSet, `{"value":"weak","forceChange":true}`), 400).p1Error(t)
	if e.Details[0].Code != detailInvalidValue || e.Details[0].InnerError == nil || !slices.Contains(e.Details[0].InnerError.UnsatisfiedRequirements, "length") {
		t.Errorf("weak value: %s", c.do("PUT", path, ctPasswordSet, `{"value":"weak"}`).body)
	}
	must(t, c.do("PUT", path, ctPasswordReset, `{"newPassword":"weak"}`), 400)
	srv.Env().SetPasswordPolicy(PasswordPolicy{})
	must(t, c.do("PUT", path, ctPasswordSet, `{"value":"weak","forceChange":true}`), 200)
	if st := userState(t, srv, DemoActiveUser); st.PasswordStatus != PasswordMustChange {
		t.Errorf("status %s", st.PasswordStatus)
	}
}
