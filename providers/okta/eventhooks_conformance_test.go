package okta_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/upstream"
)

// challengeEndpoint answers Okta's verification GET when answer is true.
func challengeEndpoint(t *testing.T, answer bool) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !answer || r.Header.Get("Authorization") != "hook-secret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, `{"verification":%q}`, r.Header.Get("X-Okta-Verification-Challenge"))
	}))
	t.Cleanup(s.Close)
	return s
}

func hookSpec(uri string, events ...string) okta.EventHookSpec {
	return okta.EventHookSpec{Name: "idcmd", URI: uri, Events: events, AuthHeader: "Authorization", AuthSecret: "hook-secret"}
}

func TestConformanceEventHooks(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	ep := challengeEndpoint(t, true)

	h, err := f.client.CreateEventHook(ctx, hookSpec(ep.URL+"/okta/webhook", "user.session.start"))
	if err != nil {
		t.Fatal(err)
	}
	if h.ID == "" || h.Status != okta.HookActive || h.VerificationStatus != okta.HookUnverified || h.URI() != ep.URL+"/okta/webhook" {
		t.Fatalf("created %+v", h)
	}
	if strings.Contains(string(h.Raw), "hook-secret") {
		t.Error("the secret came back")
	}
	v, err := f.client.VerifyEventHook(ctx, h.ID)
	if err != nil || v.VerificationStatus != okta.HookVerified {
		t.Fatalf("verify: %+v %v", v, err)
	}
	r, err := f.client.ReplaceEventHook(ctx, h.ID, hookSpec(h.URI(), "user.session.start", "user.account.lock"))
	if err != nil || len(r.Events.Items) != 2 || r.VerificationStatus != okta.HookVerified {
		t.Fatalf("replace: %+v %v", r, err)
	}
	a, err := f.client.ActivateEventHook(ctx, h.ID)
	if err != nil || a.Status != okta.HookActive {
		t.Fatalf("activate: %+v %v", a, err)
	}
	list, err := f.client.ListEventHooks(ctx)
	if err != nil || len(list) != 1 || okta.FindEventHookByURI(list, h.URI()) == nil || okta.FindEventHookByURI(list, "https://x") != nil {
		t.Fatalf("list %+v %v", list, err)
	}
}

func TestConformanceEventHookErrors(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	var ue *upstream.Error

	_, err := f.client.CreateEventHook(ctx, hookSpec("http://hooks.example.com/okta", "user.session.start"))
	if !errors.As(err, &ue) || ue.Kind != upstream.Invalid || len(ue.Causes) == 0 || !strings.Contains(ue.Causes[0], "HTTPS") {
		t.Fatalf("http URI: %v", err)
	}
	bad := challengeEndpoint(t, false)
	h, err := f.client.CreateEventHook(ctx, hookSpec(bad.URL, "user.session.start"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.client.VerifyEventHook(ctx, h.ID)
	if !errors.As(err, &ue) || ue.Kind != upstream.Invalid || len(ue.Causes) != 1 || !strings.Contains(ue.Causes[0], "Unable to verify event hook") {
		t.Fatalf("verify failure: %v", err)
	}
	if _, err := f.client.ActivateEventHook(ctx, "whoNoSuchHook0000000"); !errors.As(err, &ue) || ue.Kind != upstream.NotFound {
		t.Fatalf("unknown hook: %v", err)
	}
	for _, s := range []okta.EventHookSpec{{URI: "https://x", Events: []string{"a.b"}}, {Name: "n", Events: []string{"a.b"}},
		{Name: "n", URI: "https://x"}, {Name: "n", URI: "https://x", Events: []string{"a.b"}, AuthHeader: "Authorization"}} {
		if _, err := f.client.CreateEventHook(ctx, s); !errors.As(err, &ue) || ue.Kind != upstream.Invalid {
			t.Errorf("%+v: %v", s, err)
		}
	}
	if _, err := f.client.VerifyEventHook(ctx, "../users"); !errors.As(err, &ue) || ue.Kind != upstream.Invalid {
		t.Errorf("path ID: %v", err)
	}
}
