package okta_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/upstream"
)

func zoneIDs(zones []okta.Zone) []string {
	var ids []string
	for _, z := range zones {
		ids = append(ids, z.ID)
	}
	return ids
}

func TestConformanceListZones(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	all, err := f.client.ListZones(ctx, okta.ZoneQuery{})
	if err != nil {
		t.Fatal(err)
	}
	// A small page size still reads every zone, through the next links.
	paged, err := f.client.ListZones(ctx, okta.ZoneQuery{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 6 || !slices.Equal(zoneIDs(all), zoneIDs(paged)) {
		t.Fatalf("all %v, paged %v", zoneIDs(all), zoneIDs(paged))
	}
	byID := map[string]okta.Zone{}
	for _, z := range all {
		byID[z.ID] = z
		if len(z.Raw) == 0 || !json.Valid(z.Raw) {
			t.Errorf("zone %s: Raw %q", z.Name, z.Raw)
		}
	}
	if z := byID[oktatest.ZoneBlockedIPID]; z.Name != oktatest.ZoneBlockedIP || z.Type != okta.ZoneTypeIP ||
		z.Usage != okta.ZoneUsageBlock || !z.System || z.Status != "ACTIVE" || len(z.Gateways) != 2 ||
		z.Gateways[0] != (okta.ZoneAddress{Type: okta.AddressCIDR, Value: "175.45.176.0/24"}) || z.Created == nil {
		t.Errorf("BlockedIpZone: %+v", z)
	}
	if z := byID[oktatest.DemoDynamicZoneID]; z.Type != okta.ZoneTypeDynamic || z.ProxyType != "Tor" || z.Gateways != nil {
		t.Errorf("dynamic zone: %+v", z)
	}
	if z := byID[oktatest.ZoneDefaultEnhancedDynamicID]; z.Type != okta.ZoneTypeDynamicV2 || !z.System {
		t.Errorf("enhanced dynamic zone: %+v", z)
	}

	blocklists, err := f.client.ListZones(ctx, okta.ZoneQuery{Filter: `usage eq "BLOCKLIST"`})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{oktatest.ZoneBlockedIPID, oktatest.ZoneDefaultEnhancedDynamicID, oktatest.DemoBlocklistZoneID}
	if !slices.Equal(zoneIDs(blocklists), want) {
		t.Errorf("BLOCKLIST zones %v, want %v", zoneIDs(blocklists), want)
	}
	_, err = f.client.ListZones(ctx, okta.ZoneQuery{Filter: `name eq "BlockedIpZone"`})
	wantKind(t, err, upstream.Invalid, "E0000031")
	_, err = f.client.ListZones(ctx, okta.ZoneQuery{Limit: -1})
	wantKind(t, err, upstream.Invalid, "")
}

func TestConformanceGetZone(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	z, err := f.client.GetZone(ctx, oktatest.DemoPolicyZoneID)
	if err != nil {
		t.Fatal(err)
	}
	if z.Name != oktatest.DemoPolicyZone || z.Usage != okta.ZoneUsagePolicy || z.System {
		t.Errorf("zone: %+v", z)
	}
	_, err = f.client.GetZone(ctx, "nzo00000000000000000")
	wantKind(t, err, upstream.NotFound, "E0000007")
	// A name is no ID: Okta addresses zones by ID only.
	_, err = f.client.GetZone(ctx, oktatest.ZoneBlockedIP)
	wantKind(t, err, upstream.NotFound, "E0000007")
	for _, bad := range []string{"", "..", "a/b"} {
		_, err = f.client.GetZone(ctx, bad)
		wantKind(t, err, upstream.Invalid, "")
	}
}

func TestConformanceReplaceZone(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	z, err := f.client.GetZone(ctx, oktatest.ZoneBlockedIPID)
	if err != nil {
		t.Fatal(err)
	}
	gw := append(slices.Clone(z.Gateways), okta.ZoneAddress{Type: okta.AddressCIDR, Value: "95.173.136.72/32"})
	body, err := z.WithGateways(gw)
	if err != nil {
		t.Fatal(err)
	}
	var sent map[string]any
	_ = json.Unmarshal(body, &sent)
	for _, k := range []string{"id", "system", "created", "lastUpdated", "_links"} {
		if _, ok := sent[k]; ok {
			t.Errorf("read-only %s sent in the replacement", k)
		}
	}
	if sent["usage"] != "BLOCKLIST" || sent["name"] != oktatest.ZoneBlockedIP || sent["type"] != "IP" {
		t.Errorf("replacement lost fields: %s", body)
	}
	after, err := f.client.ReplaceZone(ctx, z.ID, body)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(after.Gateways, gw) || after.Usage != okta.ZoneUsageBlock || len(after.Raw) == 0 {
		t.Errorf("after: %+v", after)
	}
	got, _ := f.srv.Org().ZoneEntries(z.ID)
	if !slices.Contains(got, "95.173.136.72/32") || len(got) != 3 {
		t.Errorf("fake holds %v", got)
	}

	// Removing every entry sends an empty list, not null.
	empty, _ := after.WithGateways(nil)
	if _, err := f.client.ReplaceZone(ctx, z.ID, empty); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.srv.Org().ZoneEntries(z.ID); len(got) != 0 {
		t.Errorf("after emptying: %v", got)
	}

	bad, _ := z.WithGateways([]okta.ZoneAddress{{Type: okta.AddressCIDR, Value: "1.2.3.4/40"}})
	_, err = f.client.ReplaceZone(ctx, z.ID, bad)
	wantKind(t, err, upstream.Invalid, "E0000001")
	if u := upstream.As(err); u == nil || len(u.Causes) == 0 {
		t.Errorf("Okta's errorCauses are lost: %#v", err)
	}
	_, err = f.client.ReplaceZone(ctx, "nzo00000000000000000", body)
	wantKind(t, err, upstream.NotFound, "E0000007")
	_, err = f.client.ReplaceZone(ctx, z.ID, json.RawMessage(`{"name":`))
	wantKind(t, err, upstream.Invalid, "E0000003")
	_, err = (&okta.Zone{}).WithGateways(nil)
	wantKind(t, err, upstream.Invalid, "")
}

// TestConformanceZonesOAuth: the zone calls need okta.networkZones.read
// and .manage, which a service app asks for in Scopes; with the default
// scopes Okta refuses them (and only them).
func TestConformanceZonesOAuth(t *testing.T) {
	f := newFixture(t, nil)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	f.srv.RegisterServiceApp("0oaZONES", &key.PublicKey, false)
	ctx := context.Background()

	defaults := newClient(t, okta.Config{BaseURL: f.srv.URL, ClientID: "0oaZONES", PrivateKey: key}, f.clock)
	_, err := defaults.ListZones(ctx, okta.ZoneQuery{})
	wantKind(t, err, upstream.Unauthorized, "E0000006")
	if _, err := defaults.GetUser(ctx, oktatest.DemoActiveUser); err != nil {
		t.Errorf("default scopes: %v", err)
	}

	scoped := newClient(t, okta.Config{BaseURL: f.srv.URL, ClientID: "0oaZONES", PrivateKey: key,
		Scopes: []string{"okta.users.read", "okta.networkZones.read", "okta.networkZones.manage"}}, f.clock)
	z, err := scoped.GetZone(ctx, oktatest.ZoneBlockedIPID)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := z.WithGateways(z.Gateways)
	if _, err := scoped.ReplaceZone(ctx, z.ID, body); err != nil {
		t.Errorf("replace with okta.networkZones.manage: %v", err)
	}
}

func TestConfigBlocklistZone(t *testing.T) {
	f := newFixture(t, nil)
	if got := f.client.BlocklistZone(); got != okta.DefaultBlocklistZone {
		t.Errorf("default %q", got)
	}
	c := newClient(t, okta.Config{BaseURL: f.srv.URL, APIToken: f.srv.Token, BlocklistZone: oktatest.DemoBlocklistZone}, f.clock)
	if got := c.BlocklistZone(); got != oktatest.DemoBlocklistZone {
		t.Errorf("configured %q", got)
	}
	for _, bad := range []string{" BlockedIpZone", "a\nb", string(make([]byte, 129))} {
		if _, err := okta.New(okta.Config{BaseURL: f.srv.URL, APIToken: f.srv.Token, BlocklistZone: bad}); err == nil {
			t.Errorf("BlocklistZone %q accepted", bad)
		}
	}
}

// TestLockZone: the lock serialises holders of one zone, leaves other
// zones alone, and lets a waiter give up when its context ends.
func TestLockZone(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	unlock, err := f.client.LockZone(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.client.LockZone(ctx, "b")
	if err != nil {
		t.Fatal("another zone is not blocked:", err)
	}
	other()

	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := f.client.LockZone(short, "a"); err == nil {
		t.Fatal("a held zone was locked twice")
	}

	var mu sync.Mutex
	order := []string{}
	done := make(chan struct{})
	go func() {
		u, err := f.client.LockZone(ctx, "a")
		if err != nil {
			t.Error(err)
			close(done)
			return
		}
		mu.Lock()
		order = append(order, "second")
		mu.Unlock()
		u()
		close(done)
	}()
	mu.Lock()
	order = append(order, "first")
	mu.Unlock()
	unlock()
	unlock() // a second unlock is harmless
	<-done
	if !slices.Equal(order, []string{"first", "second"}) {
		t.Errorf("order %v", order)
	}
}
