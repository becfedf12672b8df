package pingone_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/providers/pingone"
	"github.com/idcmd/idcmd/providers/upstream"
)

func testSubscription(url string) pingone.Subscription {
	return pingone.Subscription{
		Name: "idcmd", Enabled: true, VerifyTLSCertificates: true, Format: "ACTIVITY",
		HTTPEndpoint:  pingone.SubscriptionEndpoint{URL: url, Headers: map[string]string{"X-Idcmd-Secret": "hook-secret"}},
		FilterOptions: pingone.SubscriptionFilter{IncludedActionTypes: []string{"USER.LOCKED", "USER.UNLOCKED"}},
		PayloadOptions: &pingone.PayloadOptions{
			MaximumPayloadLimit: &pingone.PayloadLimit{Type: "EVENTS_PER_PAYLOAD", Size: 500},
			PayloadFormat:       &pingone.PayloadFormat{HTTPS: &pingone.HTTPSPayloadFormat{Format: "JSON_ARRAY"}},
		},
	}
}

func TestConformanceSubscriptions(t *testing.T) {
	f := newFixture(t, nil, nil)
	ctx := context.Background()
	created, err := f.client.CreateSubscription(ctx, testSubscription("https://siem.example.com/pingone"))
	must(t, err)
	if created.ID == "" || created.Name != "idcmd" || !created.Enabled || created.CreatedAt == nil ||
		created.HTTPEndpoint.Headers["X-Idcmd-Secret"] != "hook-secret" || len(created.Raw) == 0 ||
		created.PayloadOptions.MaximumPayloadLimit.Size != 500 {
		t.Fatalf("created %+v", created)
	}
	list, err := f.client.ListSubscriptions(ctx)
	must(t, err)
	if len(list) != 1 || list[0].ID != created.ID || len(list[0].FilterOptions.IncludedActionTypes) != 2 {
		t.Fatalf("list %+v", list)
	}
	upd := testSubscription("https://siem.example.com/v2")
	upd.Enabled = false
	got, err := f.client.UpdateSubscription(ctx, created.ID, upd)
	must(t, err)
	if got.ID != created.ID || got.Enabled || got.HTTPEndpoint.URL != "https://siem.example.com/v2" {
		t.Errorf("updated %+v", got)
	}
	if s := f.srv.Subscriptions(); len(s) != 1 || s[0].URL != "https://siem.example.com/v2" || s[0].Enabled {
		t.Errorf("fake holds %+v", s)
	}

	// PingOne's refusals map to kinds.
	_, err = f.client.UpdateSubscription(ctx, "00000000-0000-4000-8000-000000000000", upd)
	wantKind(t, "unknown", err, upstream.NotFound)
	bad := testSubscription("http://siem.example.com/")
	_, err = f.client.CreateSubscription(ctx, bad)
	wantKind(t, "http", err, upstream.Invalid)
	if !strings.Contains(err.Error(), "httpEndpoint.url") && !strings.Contains(fmt.Sprint(err.(*upstream.Error).Causes), "httpEndpoint.url") {
		t.Errorf("error does not name the field: %v", err)
	}
	sop := testSubscription("https://siem.example.com/")
	sop.FilterOptions.IncludedActionTypes = []string{"USER_LOGIN"}
	_, err = f.client.CreateSubscription(ctx, sop)
	wantKind(t, "SOP name", err, upstream.Invalid)
	_, err = f.client.CreateSubscription(ctx, pingone.Subscription{Name: "x"})
	wantKind(t, "incomplete", err, upstream.Invalid)
	_, err = f.client.UpdateSubscription(ctx, "a/b", upd)
	wantKind(t, "bad ID", err, upstream.Invalid)
	for i := 1; i < 50; i++ {
		_, err := f.client.CreateSubscription(ctx, testSubscription(fmt.Sprintf("https://siem.example.com/%d", i)))
		must(t, err)
	}
	_, err = f.client.CreateSubscription(ctx, testSubscription("https://siem.example.com/51"))
	wantKind(t, "51st", err, upstream.Conflict)
}
