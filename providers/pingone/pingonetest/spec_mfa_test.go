package pingonetest

import (
	"testing"
)

// The MFA devices routes are checked against the community SDK's MFA
// document (patrickcping/pingone-go-sdk-v2 mfa/generate/pingone-mfa.yml),
// loaded like the others from shared/specs as pingone-mfa.openapi.yml, or
// from the directory IDCMD_VENDOR_SPECS names. Without it the test skips,
// as the others do without theirs. The document declares the device
// bodies untyped, so TestDeviceShapes checks them by hand.

var mfaSpec loadedSpec

var servedMFAPaths = []string{
	"/environments/{environmentID}/users/{userID}/devices",
	"/environments/{environmentID}/users/{userID}/devices/{deviceID}",
}

// dcall sends a request and validates the response against the MFA
// document.
func (c *client) dcall(method, path string, want int) response {
	c.t.Helper()
	doc, router := mfaSpec.load(c.t, "pingone-mfa.openapi.yml", servedMFAPaths)
	r := c.do(method, path, "", "")
	if r.status != want {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, want, r.body)
	}
	conform(c.t, doc, router, method, "/environments/"+c.srv.EnvironmentID+path, r)
	return r
}

func TestSpecConformanceDevices(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	for _, name := range []string{DemoActiveUser, DemoAdminUser, DemoRiskyUser, DemoHelpDeskUser, DemoLockedUser} {
		id := userID(t, srv, name)
		c.dcall("GET", "/users/"+id+"/devices", 200)
		for _, d := range srv.Env().Devices(name) {
			c.dcall("GET", "/users/"+id+"/devices/"+d.ID, 200)
		}
	}
	id := userID(t, srv, DemoRiskyUser)
	d := srv.Env().Devices(DemoRiskyUser)[0].ID
	c.dcall("DELETE", "/users/"+id+"/devices/"+d, 204)
	c.dcall("DELETE", "/users/"+id+"/devices/"+d, 404)
	c.dcall("GET", "/users/00000000-0000-4000-8000-000000000000/devices", 404)
	srv.InjectRateLimit(1)
	c.dcall("GET", "/users/"+id+"/devices", 429)
}

// TestDeviceShapes checks the untyped device bodies against PingOne's MFA
// Devices data model.
func TestDeviceShapes(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	for _, name := range []string{DemoActiveUser, DemoRiskyUser, DemoHelpDeskUser} {
		_, ds := decodePage(t, must(t, c.get("/users/"+userID(t, srv, name)+"/devices"), 200), "devices")
		for _, d := range ds {
			for _, k := range []string{"_links", "id", "environment", "user", "type", "status", "createdAt", "updatedAt"} {
				if d[k] == nil {
					t.Errorf("%s: device lacks %s: %v", name, k, d)
				}
			}
			switch d["type"] {
			case DeviceEmail:
				if d["email"] == nil {
					t.Errorf("EMAIL device without email: %v", d)
				}
			case DeviceSMS, DeviceVoice:
				if d["phone"] == nil {
					t.Errorf("%v device without phone: %v", d["type"], d)
				}
			case DeviceMobile:
				if d["model"] == nil || d["os"] == nil {
					t.Errorf("MOBILE device without model/os: %v", d)
				}
			}
		}
	}
}

func TestSpecConformanceMemberships(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	id := userID(t, srv, DemoActiveUser)
	q := groupIDOf(t, srv.Env(), GroupQuarantine)
	path := "/users/" + id + "/memberOfGroups"
	c.mcall("POST", path, "application/json", `{"id":"`+q+`"}`, 201)
	c.mcall("POST", path, "application/json", `{"id":"`+q+`"}`, 400)
	c.mcall("POST", path, "application/json", `{}`, 400)
	c.mcall("GET", path+"/"+q, "", "", 200)
	c.mcall("GET", path+"/"+q+"?expand=group", "", "", 200)
	c.mcall("DELETE", path+"/"+q, "", "", 204)
	c.mcall("DELETE", path+"/"+q, "", "", 404)
	c.mcall("GET", path+"/"+q, "", "", 404)
	c.mcall("GET", "/users?filter="+urlQuery(`memberOfGroups[id eq "`+groupIDOf(t, srv.Env(), GroupProdAccess)+`"]`)+"&limit=2", "", "", 200)
	c.mcall("GET", "/groups?filter="+urlQuery(`name eq "`+GroupQuarantine+`"`), "", "", 200)

	pw := "/users/" + id + "/password"
	c.mcall("PUT", pw, ctPasswordSet, `{"value":"Corr3ct-Horse-Battery","forceChange":true}`, 200)
	c.mcall("PUT", pw, ctPasswordSet, `{"value":"weak","forceChange":true}`, 400)
}
