package pingone_test

import (
	"context"
	"testing"

	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
	"github.com/idcmd/idcmd/providers/upstream"
)

func TestConformanceDevices(t *testing.T) {
	f := newFixture(t, nil, nil)
	ctx := context.Background()
	rbrown := f.id(t, pingonetest.DemoRiskyUser)
	ds, err := f.client.ListDevices(ctx, rbrown)
	must(t, err)
	var rogue string
	types := map[string]bool{}
	for _, d := range ds {
		types[d.Type] = true
		if d.ID == "" || d.Status == "" || d.CreatedAt == nil || len(d.Raw) == 0 {
			t.Errorf("device = %+v", d)
		}
		if d.Nickname == pingonetest.DemoRogueDeviceNickname {
			rogue = d.ID
			if d.Type != "SMS" || d.Phone != pingonetest.DemoRogueDevicePhone {
				t.Errorf("rogue device = %+v", d)
			}
		}
	}
	if !types["EMAIL"] || !types["FIDO2"] || rogue == "" {
		t.Fatalf("devices of %s: %+v", pingonetest.DemoRiskyUser, ds)
	}
	mobile, err := f.client.ListDevices(ctx, f.id(t, pingonetest.DemoActiveUser))
	must(t, err)
	found := false
	for _, d := range mobile {
		if d.Type == "MOBILE" {
			found = d.Model.Name != "" && d.OS.Type == "iOS"
		}
	}
	if !found {
		t.Errorf("no MOBILE device with model and OS: %+v", mobile)
	}

	must(t, f.client.DeleteDevice(ctx, rbrown, rogue))
	if n := len(f.srv.Env().Devices(rbrown)); n != len(ds)-1 {
		t.Errorf("%d devices left, want %d", n, len(ds)-1)
	}
	wantKind(t, "deleted twice", f.client.DeleteDevice(ctx, rbrown, rogue), upstream.NotFound)
	// Another user's device is not this user's to delete.
	other := mobile[0].ID
	wantKind(t, "other user's device", f.client.DeleteDevice(ctx, rbrown, other), upstream.NotFound)
	wantKind(t, "bad ID", f.client.DeleteDevice(ctx, rbrown, "a/b"), upstream.Invalid)
	_, err = f.client.ListDevices(ctx, "00000000-0000-4000-8000-000000000000")
	wantKind(t, "unknown user", err, upstream.NotFound)
	none, err := f.client.ListDevices(ctx, f.id(t, pingonetest.DemoLockedUser))
	must(t, err)
	if len(none) != 0 {
		t.Errorf("a user without MFA has devices: %+v", none)
	}
}
