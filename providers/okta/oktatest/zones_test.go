package oktatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// sendBody sends a request with a JSON body.
func sendBody(t *testing.T, method, url, auth string, body []byte) response {
	t.Helper()
	return sendWith(t, method, url, auth, http.Header{"Content-Type": {"application/json"}}, bytes.NewReader(body))
}

// putZone replaces a zone with body (SSWS).
func putZone(t *testing.T, srv *Server, id string, body any) response {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return sendBody(t, http.MethodPut, srv.URL+"/api/v1/zones/"+id, "SSWS "+srv.Token, b)
}

// getZoneMap reads a zone as a JSON object.
func getZoneMap(t *testing.T, srv *Server, id string) map[string]any {
	t.Helper()
	r := api(t, srv, http.MethodGet, "/api/v1/zones/"+id)
	if r.status != 200 {
		t.Fatalf("get zone %s: %d %s", id, r.status, r.body)
	}
	var m map[string]any
	r.decode(t, &m)
	return m
}

// replacement is what a careful client sends: the zone as read, without
// its read-only properties, with gateways set.
func replacement(z map[string]any, gateways ...string) map[string]any {
	out := map[string]any{}
	for k, v := range z {
		switch k {
		case "id", "system", "created", "lastUpdated", "_links":
		default:
			out[k] = v
		}
	}
	gw := []map[string]string{}
	for _, g := range gateways {
		typ := "CIDR"
		if strings.Contains(g, "-") {
			typ = "RANGE"
		}
		gw = append(gw, map[string]string{"type": typ, "value": g})
	}
	out["gateways"] = gw
	return out
}

// conformZones validates each zone of a response body against the schema
// its type maps to (IPNetworkZone, DynamicNetworkZone,
// EnhancedDynamicNetworkZone). The operations declare plain NetworkZone
// with a discriminator but no oneOf, which kin-openapi does not follow, so
// without this the type-specific properties would go unchecked.
func conformZones(t *testing.T, body []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	for _, item := range list {
		z := item.(map[string]any)
		name := map[any]string{"IP": "IPNetworkZone", "DYNAMIC": "DynamicNetworkZone", "DYNAMIC_V2": "EnhancedDynamicNetworkZone"}[z["type"]]
		if name == "" {
			t.Errorf("zone %v: type %v", z["id"], z["type"])
			continue
		}
		if err := spec.doc.Components.Schemas[name].Value.VisitJSON(item, openapi3.MultiErrors()); err != nil {
			t.Errorf("zone %v is not a valid %s: %v", z["name"], name, err)
		}
	}
}

func TestSpecConformanceZones(t *testing.T) {
	srv, clk := seeded(t)
	auth := "SSWS " + srv.Token

	for _, q := range []string{"", "?limit=2", "?filter=" + url.QueryEscape(`usage eq "BLOCKLIST"`),
		"?filter=" + url.QueryEscape(`(id eq "`+ZoneBlockedIPID+`" or id eq "`+DemoPolicyZoneID+`") and system eq true`)} {
		r := conform(t, srv, "GET", "/api/v1/zones"+q, auth, 200)
		conformZones(t, r.body)
	}
	conform(t, srv, "GET", "/api/v1/zones?filter="+url.QueryEscape(`name eq "x"`), auth, 400)
	for _, id := range []string{ZoneBlockedIPID, ZoneLegacyIPID, ZoneDefaultEnhancedDynamicID, DemoDynamicZoneID, DemoPolicyZoneID} {
		conformZones(t, conform(t, srv, "GET", "/api/v1/zones/"+id, auth, 200).body)
	}
	conform(t, srv, "GET", "/api/v1/zones/nzo00000000000000000", auth, 404)

	z := getZoneMap(t, srv, ZoneBlockedIPID)
	body, _ := json.Marshal(replacement(z, "175.45.176.0/24", "95.173.136.72/32", "2001:db8::/48"))
	r := conformBody(t, srv, "PUT", "/api/v1/zones/"+ZoneBlockedIPID, auth, body, 200)
	conformZones(t, r.body)
	conformBody(t, srv, "PUT", "/api/v1/zones/nzo00000000000000000", auth, body, 404)
	conformBody(t, srv, "PUT", "/api/v1/zones/"+ZoneBlockedIPID, auth, []byte(`{"name":`), 400)
	bad, _ := json.Marshal(replacement(z, "300.1.2.3/32"))
	conformBody(t, srv, "PUT", "/api/v1/zones/"+ZoneBlockedIPID, auth, bad, 400)

	readOnly := "Bearer " + bearerToken(t, srv, clk, ScopeZonesRead)
	conform(t, srv, "GET", "/api/v1/zones", readOnly, 200)
	conformBody(t, srv, "PUT", "/api/v1/zones/"+ZoneBlockedIPID, readOnly, body, 403)
	conform(t, srv, "GET", "/api/v1/zones", "Bearer "+bearerToken(t, srv, clk, ScopeUsersRead), 403)
	srv.InjectRateLimit(1)
	conform(t, srv, "GET", "/api/v1/zones", auth, 429)
}

// TestZonesEveryOrg: an unseeded org has Okta's system zones, the
// blocklist zone among them, empty.
func TestZonesEveryOrg(t *testing.T) {
	srv, _ := empty(t)
	var zones []map[string]any
	r := api(t, srv, "GET", "/api/v1/zones")
	r.decode(t, &zones)
	var names []string
	for _, z := range zones {
		names = append(names, z["name"].(string))
		if z["system"] != true {
			t.Errorf("%v is not a system zone", z["name"])
		}
	}
	if !slices.Equal(names, []string{ZoneLegacyIP, ZoneBlockedIP, ZoneDefaultEnhancedDynamic}) {
		t.Errorf("zones %v", names)
	}
	if z := getZoneMap(t, srv, ZoneBlockedIPID); z["gateways"] != nil || z["proxies"] != nil || z["usage"] != "BLOCKLIST" || z["type"] != "IP" {
		t.Errorf("BlockedIpZone: %v", z)
	}
	for _, h := range []string{"X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"} {
		if r.header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
}

func TestListZonesPagingAndFilter(t *testing.T) {
	srv, _ := seeded(t)
	var all []string
	next := srv.URL + "/api/v1/zones?limit=2"
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		r := send(t, "GET", next, "SSWS "+srv.Token, nil)
		var page []map[string]any
		r.decode(t, &page)
		if len(page) > 2 {
			t.Fatalf("page of %d", len(page))
		}
		for _, z := range page {
			all = append(all, z["id"].(string))
		}
		next = r.links()["next"]
	}
	want := []string{ZoneLegacyIPID, ZoneBlockedIPID, ZoneDefaultEnhancedDynamicID, DemoPolicyZoneID, DemoDynamicZoneID, DemoBlocklistZoneID}
	if !slices.Equal(all, want) {
		t.Errorf("paged through %v, want %v", all, want)
	}

	r := api(t, srv, "GET", "/api/v1/zones?filter="+url.QueryEscape(`usage eq "BLOCKLIST" and system eq false`))
	var zones []map[string]any
	r.decode(t, &zones)
	if len(zones) != 1 || zones[0]["id"] != DemoBlocklistZoneID {
		t.Errorf("filtered: %v", zones)
	}
	for q, code := range map[string]string{
		"?after=forged":                     "E0000029",
		"?limit=0":                          "E0000001",
		"?filter=name%20eq%20%22x%22":       "E0000031",
		"?filter=usage%20ne%20%22POLICY%22": "E0000031",
	} {
		r := api(t, srv, "GET", "/api/v1/zones"+q)
		if r.status != 400 || r.err(t).ErrorCode != code {
			t.Errorf("%s: %d %s, want 400 %s", q, r.status, r.body, code)
		}
	}
}

func TestReplaceZoneRules(t *testing.T) {
	srv, _ := seeded(t)
	blocked := getZoneMap(t, srv, ZoneBlockedIPID)
	with := func(change func(map[string]any)) map[string]any {
		b := replacement(blocked, "175.45.176.0/24")
		change(b)
		return b
	}
	tooMany := make([]string, maxZoneEntriesSystem+1)
	custom := make([]string, maxGatewaysBlocklist+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("10.%d.%d.0/24", i/256, i%256)
	}
	copy(custom, tooMany)
	for name, c := range map[string]struct {
		id      string
		body    any
		status  int
		code    string
		summary string
	}{
		"unknown zone":        {"nzo00000000000000000", replacement(blocked), 404, "E0000007", "(NetworkZone)"},
		"not JSON":            {ZoneBlockedIPID, json.RawMessage(`[1,2]`), 400, "E0000003", "not well-formed"},
		"type change":         {ZoneBlockedIPID, with(func(b map[string]any) { b["type"] = "DYNAMIC" }), 400, "E0000001", "type"},
		"no type":             {ZoneBlockedIPID, with(func(b map[string]any) { delete(b, "type") }), 400, "E0000001", "type"},
		"no name":             {ZoneBlockedIPID, with(func(b map[string]any) { delete(b, "name") }), 400, "E0000001", "name"},
		"duplicate name":      {ZoneBlockedIPID, with(func(b map[string]any) { b["name"] = "legacyipzone" }), 400, "E0000001", "name"},
		"long name":           {ZoneBlockedIPID, with(func(b map[string]any) { b["name"] = strings.Repeat("n", 129) }), 400, "E0000001", "name"},
		"bad usage":           {ZoneBlockedIPID, with(func(b map[string]any) { b["usage"] = "ALLOW" }), 400, "E0000001", "usage"},
		"bad CIDR":            {ZoneBlockedIPID, replacement(blocked, "1.2.3.4/33"), 400, "E0000001", "gateways"},
		"reversed range":      {ZoneBlockedIPID, replacement(blocked, "1.2.3.9-1.2.3.4"), 400, "E0000001", "gateways"},
		"mixed range":         {ZoneBlockedIPID, replacement(blocked, "1.2.3.4-2001:db8::1"), 400, "E0000001", "gateways"},
		"bare IP":             {ZoneBlockedIPID, with(func(b map[string]any) { b["gateways"] = []map[string]string{{"type": "IP", "value": "1.2.3.4"}} }), 400, "E0000001", "gateways"},
		"system limit":        {ZoneBlockedIPID, replacement(blocked, tooMany...), 400, "E0000001", "gateways"},
		"blocklist limit":     {DemoBlocklistZoneID, replacement(getZoneMap(t, srv, DemoBlocklistZoneID), custom...), 400, "E0000001", "gateways"},
		"gateways on dynamic": {DemoDynamicZoneID, replacement(getZoneMap(t, srv, DemoDynamicZoneID), "1.2.3.4/32"), 400, "E0000001", "gateways"},
	} {
		r := putZone(t, srv, c.id, c.body)
		if r.status != c.status || r.err(t).ErrorCode != c.code || !strings.Contains(r.err(t).ErrorSummary, c.summary) {
			t.Errorf("%s: %d %s, want %d %s", name, r.status, r.body, c.status, c.code)
		}
		if c.code == "E0000001" && r.status == 400 && c.summary == "gateways" && len(r.err(t).ErrorCauses) == 0 {
			t.Errorf("%s: no errorCauses: %s", name, r.body)
		}
	}
	if got, _ := srv.Org().ZoneEntries(ZoneBlockedIPID); !slices.Equal(got, []string{"175.45.176.0/24", "192.0.2.200-192.0.2.210"}) {
		t.Errorf("a refused replacement changed the zone: %v", got)
	}

	// Exactly at the limit is fine; read-only properties are ignored.
	ok := replacement(blocked, custom[:maxGatewaysBlocklist]...)
	ok["id"], ok["system"] = "nzoSomethingElse0000", false
	if r := putZone(t, srv, DemoBlocklistZoneID, replacement(getZoneMap(t, srv, DemoBlocklistZoneID), custom[:maxGatewaysBlocklist]...)); r.status != 200 {
		t.Errorf("1000 entries in a blocklist zone: %d %s", r.status, r.body)
	}
	if r := putZone(t, srv, ZoneBlockedIPID, ok); r.status != 200 {
		t.Fatalf("replace: %d %s", r.status, r.body)
	}
	after := getZoneMap(t, srv, ZoneBlockedIPID)
	if after["id"] != ZoneBlockedIPID || after["system"] != true || after["name"] != ZoneBlockedIP {
		t.Errorf("read-only properties changed: %v", after)
	}

	// The replacement is whole: a body without usage makes the zone a
	// POLICY zone, as a new zone would be.
	noUsage := replacement(blocked, "175.45.176.0/24")
	delete(noUsage, "usage")
	putZone(t, srv, ZoneBlockedIPID, noUsage)
	if z := getZoneMap(t, srv, ZoneBlockedIPID); z["usage"] != "POLICY" {
		t.Errorf("usage after a body without it: %v", z["usage"])
	}

	// Dynamic zones keep their own properties, and lose them when left out.
	dyn := getZoneMap(t, srv, DemoDynamicZoneID)
	delete(dyn, "asns")
	delete(dyn, "_links")
	if r := putZone(t, srv, DemoDynamicZoneID, dyn); r.status != 200 {
		t.Fatalf("replace dynamic: %d %s", r.status, r.body)
	}
	if z := getZoneMap(t, srv, DemoDynamicZoneID); z["asns"] != nil || z["proxyType"] != "Tor" {
		t.Errorf("dynamic zone after replace: %v", z)
	}
}

// TestReplaceZoneLosesConcurrentEdits: two clients that read the zone,
// each add an entry and write back lose one of the two entries, as they
// would at Okta, which offers nothing to detect a stale copy. A client
// must serialise its own read-modify-write.
func TestReplaceZoneLosesConcurrentEdits(t *testing.T) {
	srv, _ := seeded(t)
	a := getZoneMap(t, srv, ZoneBlockedIPID)
	b := getZoneMap(t, srv, ZoneBlockedIPID)
	putZone(t, srv, ZoneBlockedIPID, replacement(a, "175.45.176.0/24", "192.0.2.200-192.0.2.210", "198.18.0.1/32"))
	putZone(t, srv, ZoneBlockedIPID, replacement(b, "175.45.176.0/24", "192.0.2.200-192.0.2.210", "198.18.0.2/32"))
	got, _ := srv.Org().ZoneEntries(ZoneBlockedIP)
	if slices.Contains(got, "198.18.0.1/32") || !slices.Contains(got, "198.18.0.2/32") {
		t.Errorf("entries %v: the second write should have replaced the first", got)
	}
	if z := getZoneMap(t, srv, ZoneBlockedIPID); z["etag"] != nil {
		t.Error("zones have no ETag in the spec")
	}
	if r := api(t, srv, "GET", "/api/v1/zones/"+ZoneBlockedIPID); r.header.Get("ETag") != "" {
		t.Errorf("ETag %q: the spec gives zones none", r.header.Get("ETag"))
	}
}
