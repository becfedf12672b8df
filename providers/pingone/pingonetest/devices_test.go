package pingonetest

import (
	"testing"
)

type deviceView struct {
	ID, Type, Status, Nickname, Phone, Email string
	User                                     struct{ ID string }
	Links                                    map[string]struct{ Href string } `json:"_links"`
}

func devicesOf(t *testing.T, c *client, id string) []deviceView {
	t.Helper()
	r := must(t, c.get("/users/"+id+"/devices"), 200)
	var body struct {
		Embedded struct{ Devices []deviceView } `json:"_embedded"`
	}
	r.decode(t, &body)
	return body.Embedded.Devices
}

func TestDevices(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	id := userID(t, srv, DemoRiskyUser)
	ds := devicesOf(t, c, id)
	if len(ds) != 3 || ds[0].Type != DeviceEmail {
		t.Fatalf("devices %+v", ds)
	}
	var rogue deviceView
	for _, d := range ds {
		if d.User.ID != id || d.Links["self"].Href == "" || d.Status != DeviceActive {
			t.Errorf("device %+v", d)
		}
		if d.Nickname == DemoRogueDeviceNickname {
			rogue = d
		}
	}
	if rogue.Phone != DemoRogueDevicePhone || rogue.Type != DeviceSMS {
		t.Fatalf("rogue device %+v", rogue)
	}
	// An inactive device links to its activation.
	for _, d := range devicesOf(t, c, userID(t, srv, DemoHelpDeskUser)) {
		if d.Status == DeviceActivationRequired && d.Links["device.activate"].Href == "" {
			t.Errorf("inactive device without activate link: %+v", d)
		}
	}
	must(t, c.get("/users/"+id+"/devices/"+rogue.ID), 200)
	must(t, c.do("DELETE", "/users/"+id+"/devices/"+rogue.ID, "", ""), 204)
	if n := len(devicesOf(t, c, id)); n != 2 {
		t.Errorf("%d devices after delete", n)
	}
	if a := lastActivity(srv.Env()); a.Type != "DEVICE.DELETED" {
		t.Errorf("activity %+v", a)
	}
	must(t, c.do("DELETE", "/users/"+id+"/devices/"+rogue.ID, "", ""), 404).p1Error(t)
	must(t, c.get("/users/"+id+"/devices/"+rogue.ID), 404)
	// Another user's device is not found under this user.
	other := srv.Env().Devices(DemoActiveUser)[0].ID
	must(t, c.do("DELETE", "/users/"+id+"/devices/"+other, "", ""), 404)
	must(t, c.get("/users/00000000-0000-4000-8000-000000000000/devices"), 404)
	must(t, c.do("PUT", "/users/"+id+"/devices/"+other, "application/json", "{}"), 405)

	if _, err := srv.Env().AddDevice("nobody", DeviceSpec{Type: DeviceTOTP}); err == nil {
		t.Error("AddDevice for an unknown user")
	}
	nid, err := srv.Env().AddDevice(DemoRiskyUser, DeviceSpec{Type: DeviceTOTP})
	if err != nil || len(devicesOf(t, c, id)) != 3 || nid == "" {
		t.Errorf("AddDevice: %v", err)
	}
}
