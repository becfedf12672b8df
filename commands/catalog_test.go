package commands

import (
	"context"
	"strings"
	"testing"
)

type testArgs struct {
	User string `json:"user" validate:"required"`
}

func okSpec(name string) Spec[testArgs, string] {
	return Spec[testArgs, string]{
		Name: name, Summary: "s", Provider: Okta, Risk: Read, Context: Context{Prefix: "Okta.User", Key: "ID"},
		Run: func(context.Context, Providers, testArgs) (Reply[string], error) { return Reply[string]{}, nil },
	}
}

func TestNewCatalogRejectsBadDeclarations(t *testing.T) {
	type badArgs struct {
		UserName string `json:"userName"`
	}
	type noTag struct{ User string }
	type reserved struct {
		Incident string `json:"incident"`
	}
	mutate := func(f func(*Spec[testArgs, string])) Command { s := okSpec("okta-get-user"); f(&s); return s }
	cases := map[string]struct {
		cmds []Command
		want string
	}{
		"duplicate":         {[]Command{okSpec("okta-get-user"), okSpec("okta-get-user")}, "declared twice"},
		"not kebab":         {[]Command{okSpec("okta_get_user")}, "kebab-case"},
		"single word":       {[]Command{okSpec("okta")}, "kebab-case"},
		"wrong prefix":      {[]Command{okSpec("pingone-get-user")}, "must start with"},
		"no summary":        {[]Command{mutate(func(s *Spec[testArgs, string]) { s.Summary = " " })}, "no summary"},
		"no risk":           {[]Command{mutate(func(s *Spec[testArgs, string]) { s.Risk = "" })}, "no risk"},
		"unknown risk":      {[]Command{mutate(func(s *Spec[testArgs, string]) { s.Risk = "spicy" })}, "unknown risk"},
		"no context":        {[]Command{mutate(func(s *Spec[testArgs, string]) { s.Context = Context{} })}, "context"},
		"unknown provider":  {[]Command{mutate(func(s *Spec[testArgs, string]) { s.Provider = "azure" })}, "unknown provider"},
		"neutral prefixed":  {[]Command{mutate(func(s *Spec[testArgs, string]) { s.Provider = Neutral })}, "must not carry a vendor prefix"},
		"camel arg":         {[]Command{Spec[badArgs, string]{Name: "okta-x-y", Summary: "s", Provider: Okta, Risk: Read, Context: Context{"a", "b"}}}, "snake_case"},
		"untagged arg":      {[]Command{Spec[noTag, string]{Name: "okta-x-y", Summary: "s", Provider: Okta, Risk: Read, Context: Context{"a", "b"}}}, "no json name"},
		"reserved arg name": {[]Command{Spec[reserved, string]{Name: "okta-x-y", Summary: "s", Provider: Okta, Risk: Read, Context: Context{"a", "b"}}}, "reserved"},
		"no run":            {[]Command{mutate(func(s *Spec[testArgs, string]) { s.Run = nil })}, "exactly one of Run, Delegate and Workflow"},
		"provider delegates": {[]Command{mutate(func(s *Spec[testArgs, string]) {
			s.Run = nil
			s.Delegate = func(context.Context, Providers, testArgs) (Delegation[string], error) {
				return Delegation[string]{}, nil
			}
		})}, "only provider-neutral commands delegate"},
		"run and workflow": {[]Command{mutate(func(s *Spec[testArgs, string]) {
			s.Workflow = func(context.Context, *Steps, testArgs) (Reply[string], error) { return Reply[string]{}, nil }
		})}, "exactly one of Run, Delegate and Workflow"},
		"provider workflow": {[]Command{mutate(func(s *Spec[testArgs, string]) {
			s.Run = nil
			s.Workflow = func(context.Context, *Steps, testArgs) (Reply[string], error) { return Reply[string]{}, nil }
		})}, "only provider-neutral commands delegate or run workflows"},
		// A neutral command that acted itself would reach the provider
		// under a name no approval policy holds.
		"neutral write runs itself": {[]Command{func() Command {
			s := okSpec("lock-someone")
			s.Provider, s.Risk = Neutral, Write
			return s
		}()}, "must Delegate"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := NewCatalog(tc.cmds...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewCatalog error = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestMustCatalogPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("MustCatalog accepted a duplicate")
		}
	}()
	MustCatalog(okSpec("okta-get-user"), okSpec("okta-get-user"))
}

func TestBuiltinCatalogHasEveryOktaCommand(t *testing.T) {
	want := []string{
		"okta-get-user", "okta-search-users", "okta-get-user-groups", "okta-get-user-apps", "okta-get-user-factors",
		"okta-get-logs", "okta-get-user-events", "okta-get-security-events", "okta-suspend-user", "okta-unsuspend-user",
		"okta-unlock-user", "okta-deactivate-user", "okta-reset-password", "okta-expire-password", "okta-clear-sessions",
		"okta-reset-factors",
	}
	for _, n := range want {
		if _, ok := Builtin.Lookup(n); !ok {
			t.Errorf("catalog lacks %s", n)
		}
	}
	if got := len(Builtin.All()); got < len(want) {
		t.Errorf("catalog has %d commands, want at least %d", got, len(want))
	}
}

func TestRiskScopes(t *testing.T) {
	for _, cmd := range Builtin.All() {
		info := cmd.Info()
		read := strings.Contains(info.Name, "get-") || strings.Contains(info.Name, "-search-") ||
			strings.Contains(info.Name, "-list-") || info.Name == "pingone-evaluate-risk"
		if read != (info.Risk == Read) {
			t.Errorf("%s: risk %s does not fit its name", info.Name, info.Risk)
		}
	}
	if OktaDeactivateUser.Risk != Destructive {
		t.Error("okta-deactivate-user must be destructive")
	}
}
