package tests

import (
	"fmt"
	"testing"

	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
)

func TestPingOneDevices(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true})
	user := pingonetest.DemoRiskyUser
	r := e.run("pingone-get-user-devices", fmt.Sprintf(`{"user":%q}`, user))
	mustStatus(t, r, 200)
	devices := asList(outputs(t, r)["Device"])
	var rogue map[string]any
	for _, d := range devices {
		if m := d.(map[string]any); m["Nickname"] == pingonetest.DemoRogueDeviceNickname {
			rogue = m
		}
	}
	if len(devices) != 3 || rogue == nil || rogue["Type"] != "SMS" || rogue["Target"] != pingonetest.DemoRogueDevicePhone {
		t.Fatalf("devices: %v", devices)
	}
	rid := rogue["ID"].(string)

	r = e.run("pingone-delete-device", fmt.Sprintf(`{"user":%q,"device":%q}`, user, rid))
	mustStatus(t, r, 200)
	o := outputs(t, r)
	if o["Action"] != "delete_device" || o["DeletedDevice"].(map[string]any)["ID"] != rid || len(asList(o["Device"])) != 2 {
		t.Errorf("delete: %v", o)
	}
	if n := len(e.pingone.Env().Devices(user)); n != 2 {
		t.Errorf("%d devices left in the fake", n)
	}
	// Gone already: 404 naming body.device, and nothing else deleted.
	mustNameField(t, e.run("pingone-delete-device", fmt.Sprintf(`{"user":%q,"device":%q}`, user, rid)), 404, "body.device")
	// Another user's device is not this user's to delete.
	other := e.pingone.Env().Devices(pingonetest.DemoActiveUser)[0].ID
	mustNameField(t, e.run("pingone-delete-device", fmt.Sprintf(`{"user":%q,"device":%q}`, user, other)), 404, "body.device")
	if n := len(e.pingone.Env().Devices(pingonetest.DemoActiveUser)); n != 2 {
		t.Errorf("the other user's devices: %d", n)
	}
	mustNameField(t, e.run("pingone-delete-device", fmt.Sprintf(`{"user":%q,"device":"not/a-device"}`, user)), 404, "body.device")
	mustNameField(t, e.run("pingone-delete-device", fmt.Sprintf(`{"user":%q}`, user)), 400, "body.device")
	mustStatus(t, e.run("pingone-delete-device", fmt.Sprintf(`{"user":"nobody@example.com","device":%q}`, other)), 404)
	mustStatus(t, e.run("pingone-get-user-devices", `{"user":"nobody@example.com"}`), 404)

	// A user without MFA has none.
	r = e.run("pingone-get-user-devices", fmt.Sprintf(`{"user":%q}`, pingonetest.DemoLockedUser))
	mustStatus(t, r, 200)
	if n := len(asList(outputs(t, r)["Device"])); n != 0 {
		t.Errorf("%d devices", n)
	}
}
