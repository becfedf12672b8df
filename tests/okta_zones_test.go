package tests

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

// seededBlocked is what the demo org's BlockedIpZone holds.
var seededBlocked = []string{"175.45.176.0/24", "192.0.2.200-192.0.2.210"}

func (e *env) blocked(zone string) []string {
	e.t.Helper()
	got, ok := e.okta.Org().ZoneEntries(zone)
	if !ok {
		e.t.Fatalf("no zone %s", zone)
	}
	return got
}

func strs(v any) []string {
	var out []string
	for _, x := range asList(v) {
		out = append(out, x.(string))
	}
	return out
}

// auditRecord finds the audit record with this seq (the audit_id of a
// call) through GET /api/v1/audit.
func (e *env) auditRecord(seq any) map[string]any {
	e.t.Helper()
	r := e.get("/api/v1/audit?limit=500", token(e.t, "audit:read"))
	mustStatus(e.t, r, 200)
	for _, rec := range asList(r.json(e.t)["records"]) {
		if m := rec.(map[string]any); m["seq"] == seq {
			return m
		}
	}
	e.t.Fatalf("no audit record %v", seq)
	return nil
}

// problemAt reports whether a problem names location in its errors.
func problemAt(t *testing.T, r response, location string) bool {
	t.Helper()
	for _, fe := range asList(r.json(t)["errors"]) {
		if fe.(map[string]any)["location"] == location {
			return true
		}
	}
	return false
}

func TestOktaZonesRead(t *testing.T) {
	e := newEnv(t)
	r := e.run("okta-list-zones", `{}`)
	mustStatus(t, r, 200)
	zones := outputList(t, r)
	if len(zones) != 6 || len(asList(r.json(t)["raw_response"])) != 6 {
		t.Fatalf("zones: %s", r.body)
	}
	r = e.run("okta-list-zones", `{"usage":"BLOCKLIST"}`)
	mustStatus(t, r, 200)
	var names []string
	for _, z := range outputList(t, r) {
		names = append(names, z.(map[string]any)["Name"].(string))
	}
	if !slices.Equal(names, []string{oktatest.ZoneBlockedIP, oktatest.ZoneDefaultEnhancedDynamic, oktatest.DemoBlocklistZone}) {
		t.Errorf("BLOCKLIST zones %v", names)
	}
	mustStatus(t, e.run("okta-list-zones", `{"usage":"ALLOW"}`), 400)

	// By name and by ID, the same zone.
	for _, ref := range []string{oktatest.ZoneBlockedIP, oktatest.ZoneBlockedIPID, "blockedipzone"} {
		r = e.run("okta-get-zone", fmt.Sprintf(`{"zone":%q}`, ref))
		mustStatus(t, r, 200)
		o := outputs(t, r)
		if o["ID"] != oktatest.ZoneBlockedIPID || o["Usage"] != "BLOCKLIST" || !slices.Equal(strs(o["Gateways"]), seededBlocked) {
			t.Errorf("get %s: %v", ref, o)
		}
		if raw := r.json(t)["raw_response"].(map[string]any); raw["id"] != oktatest.ZoneBlockedIPID {
			t.Errorf("raw_response: %v", raw)
		}
	}
	r = e.run("okta-get-zone", `{"zone":"`+oktatest.DemoDynamicZone+`"}`)
	mustStatus(t, r, 200)
	if o := outputs(t, r); o["Type"] != "DYNAMIC" {
		t.Errorf("dynamic zone: %v", o)
	}

	// An unknown zone, by name or by ID, is a 404 that names the field.
	for _, ref := range []string{"No such zone", "nzo00000000000000000"} {
		r = e.run("okta-get-zone", fmt.Sprintf(`{"zone":%q}`, ref))
		mustStatus(t, r, 404)
		if p := r.json(t); !problemAt(t, r, "body.zone") || p["provider"] != "okta" {
			t.Errorf("unknown zone %q: %s", ref, r.body)
		}
	}
}

func TestOktaBlockIPAppend(t *testing.T) {
	e := newEnv(t)
	r := e.run("okta-block-ip", `{"ips":["95.173.136.72","2001:DB8::1","198.18.4.0/22","203.0.113.250-203.0.113.254"]}`)
	mustStatus(t, r, 200)
	o := outputs(t, r)
	wantAdded := []string{"95.173.136.72/32", "2001:db8::1/128", "198.18.4.0/22", "203.0.113.250-203.0.113.254"}
	if !slices.Equal(strs(o["Added"]), wantAdded) || o["Changed"] != true || o["Mode"] != "append" || o["Name"] != oktatest.ZoneBlockedIP {
		t.Errorf("outputs: %v", o)
	}
	want := append(slices.Clone(seededBlocked), wantAdded...)
	if got := e.blocked(oktatest.ZoneBlockedIP); !slices.Equal(got, want) {
		t.Errorf("zone holds %v, want %v", got, want)
	}
	if !slices.Equal(strs(o["Gateways"]), want) {
		t.Errorf("outputs.Gateways %v", o["Gateways"])
	}
	raw := r.json(t)["raw_response"].(map[string]any)
	if raw["id"] != oktatest.ZoneBlockedIPID || len(asList(raw["gateways"])) != len(want) {
		t.Errorf("raw_response is not the zone Okta returned: %v", raw)
	}
	if rd := r.json(t)["readable_output"].(string); !strings.Contains(rd, "95.173.136.72/32") || !strings.Contains(rd, "added") {
		t.Errorf("readable: %s", rd)
	}

	// Blocking what is blocked already (exactly, or inside a broader
	// entry) writes nothing and says so.
	before := e.okta.Requests()
	r = e.run("okta-block-ip", `{"ips":["95.173.136.72/32","175.45.176.3","198.18.5.0/24"]}`)
	mustStatus(t, r, 200)
	o = outputs(t, r)
	if o["Changed"] != false || len(strs(o["Added"])) != 0 ||
		!slices.Equal(strs(o["AlreadyPresent"]), []string{"95.173.136.72/32", "175.45.176.3/32 (in 175.45.176.0/24)", "198.18.5.0/24 (in 198.18.4.0/22)"}) {
		t.Errorf("no-op outputs: %v", o)
	}
	// Resolving the zone by name lists the zones, then one read under
	// the lock; no PUT.
	if n := e.okta.Requests() - before; n != 2 {
		t.Errorf("a no-op made %d Okta calls, want 2 (list, get)", n)
	}
	if got := e.blocked(oktatest.ZoneBlockedIP); !slices.Equal(got, want) {
		t.Errorf("after no-op %v", got)
	}

	// Another blocklist zone, by name.
	r = e.run("okta-block-ip", `{"ips":["198.51.100.77"],"zone":"`+oktatest.DemoBlocklistZone+`"}`)
	mustStatus(t, r, 200)
	if got := e.blocked(oktatest.DemoBlocklistZone); !slices.Equal(got, []string{"177.37.210.0-177.37.210.255", "198.51.100.77/32"}) {
		t.Errorf("custom blocklist %v", got)
	}
}

func TestOktaBlockIPOverride(t *testing.T) {
	e := newEnv(t)
	r := e.run("okta-block-ip", `{"ips":["175.45.176.9/24","95.173.136.72"],"mode":"override"}`)
	mustStatus(t, r, 200)
	o := outputs(t, r)
	if !slices.Equal(strs(o["Added"]), []string{"95.173.136.72/32"}) ||
		!slices.Equal(strs(o["AlreadyPresent"]), []string{"175.45.176.0/24"}) ||
		!slices.Equal(strs(o["Removed"]), []string{"192.0.2.200-192.0.2.210"}) || o["Mode"] != "override" {
		t.Errorf("override outputs: %v", o)
	}
	if got := e.blocked(oktatest.ZoneBlockedIP); !slices.Equal(got, []string{"175.45.176.0/24", "95.173.136.72/32"}) {
		t.Errorf("zone after override %v", got)
	}
	// The same list again changes nothing.
	r = e.run("okta-block-ip", `{"ips":["95.173.136.72","175.45.176.0/24"],"mode":"override"}`)
	mustStatus(t, r, 200)
	if outputs(t, r)["Changed"] != false {
		t.Errorf("override with the same entries: %s", r.body)
	}
	mustStatus(t, e.run("okta-block-ip", `{"ips":["95.173.136.72"],"mode":"replace"}`), 400)
}

func TestOktaUnblockIP(t *testing.T) {
	e := newEnv(t)
	mustStatus(t, e.run("okta-block-ip", `{"ips":["95.173.136.72"]}`), 200)
	r := e.run("okta-unblock-ip", `{"ips":["95.173.136.72/32","203.0.113.9","175.45.176.3"]}`)
	mustStatus(t, r, 200)
	o := outputs(t, r)
	if !slices.Equal(strs(o["Removed"]), []string{"95.173.136.72/32"}) ||
		!slices.Equal(strs(o["NotPresent"]), []string{"203.0.113.9/32", "175.45.176.3/32"}) ||
		!slices.Equal(strs(o["StillBlocked"]), []string{"175.45.176.3/32 (by 175.45.176.0/24)"}) || o["Changed"] != true {
		t.Errorf("unblock outputs: %v", o)
	}
	if got := e.blocked(oktatest.ZoneBlockedIP); !slices.Equal(got, seededBlocked) {
		t.Errorf("the zone's other entries changed: %v", got)
	}
	// A range is removed by the same range, however it is written.
	r = e.run("okta-unblock-ip", `{"ips":["192.0.2.200 - 192.0.2.210"]}`)
	mustStatus(t, r, 200)
	if got := e.blocked(oktatest.ZoneBlockedIP); !slices.Equal(got, seededBlocked[:1]) {
		t.Errorf("after unblocking the range %v", got)
	}
	// Unblocking what is not there writes nothing.
	before := e.okta.Requests()
	r = e.run("okta-unblock-ip", `{"ips":["95.173.136.72"]}`)
	mustStatus(t, r, 200)
	if o := outputs(t, r); o["Changed"] != false || !slices.Equal(strs(o["NotPresent"]), []string{"95.173.136.72/32"}) {
		t.Errorf("no-op unblock: %v", o)
	}
	if n := e.okta.Requests() - before; n != 2 {
		t.Errorf("a no-op unblock made %d Okta calls, want 2", n)
	}
}

func TestOktaBlockIPBadInput(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		body, location string
	}{
		{`{"ips":["95.173.136.72","not-an-ip"]}`, "body.ips[1]"},
		{`{"ips":["0.0.0.0/0"]}`, "body.ips[0]"},
		{`{"ips":["::/0"]}`, "body.ips[0]"},
		{`{"ips":["10.0.0.0/8"]}`, "body.ips[0]"},
		{`{"ips":["2001:db8::/31"]}`, "body.ips[0]"},
		{`{"ips":["1.0.0.0-1.2.0.0"]}`, "body.ips[0]"},
		{`{"ips":["1.2.3.4/33"]}`, "body.ips[0]"},
		{`{"ips":["1.2.3.9-1.2.3.4"]}`, "body.ips[0]"},
		{`{"ips":["127.0.0.1"]}`, "body.ips[0]"},
		{`{"ips":["fe80::1%eth0"]}`, "body.ips[0]"},
		{`{"ips":["1.2.3.4","1.2.3.4-2001:db8::1"]}`, "body.ips[1]"},
		{`{"ips":[]}`, "body.ips"},
		{`{}`, "body.ips"},
		{`{"ips":["1.2.3.4"],"zone":"` + strings.Repeat("z", 129) + `"}`, "body.zone"},
	} {
		r := e.run("okta-block-ip", c.body)
		mustStatus(t, r, 400)
		if !problemAt(t, r, c.location) {
			t.Errorf("%s: no error at %s: %s", c.body, c.location, r.body)
		}
	}
	r := e.run("block-ip", `{"ips":["8.8.8.8","0.0.0.0/1"]}`)
	mustStatus(t, r, 400)
	if !problemAt(t, r, "body.ips[1]") {
		t.Errorf("block-ip: %s", r.body)
	}
	mustStatus(t, e.run("okta-unblock-ip", `{"ips":["nope"]}`), 400)
	if got := e.blocked(oktatest.ZoneBlockedIP); !slices.Equal(got, seededBlocked) {
		t.Errorf("bad input changed the zone: %v", got)
	}
}

func TestOktaBlockIPZoneRules(t *testing.T) {
	e := newEnv(t)
	// Unknown zone: 404 naming the field.
	r := e.run("okta-block-ip", `{"ips":["95.173.136.72"],"zone":"Nope"}`)
	mustStatus(t, r, 404)
	if !problemAt(t, r, "body.zone") {
		t.Errorf("unknown zone: %s", r.body)
	}
	// A POLICY zone, a DYNAMIC zone, a dynamic BLOCKLIST zone: refused,
	// naming body.zone, and nothing written.
	for _, zone := range []string{oktatest.ZoneLegacyIP, oktatest.DemoPolicyZoneID, oktatest.DemoDynamicZone, oktatest.ZoneDefaultEnhancedDynamic} {
		for _, cmd := range []string{"okta-block-ip", "okta-unblock-ip"} {
			r := e.run(cmd, fmt.Sprintf(`{"ips":["95.173.136.72"],"zone":%q}`, zone))
			mustStatus(t, r, 400)
			if !problemAt(t, r, "body.zone") || !strings.Contains(string(r.body), "BLOCKLIST") {
				t.Errorf("%s on %s: %s", cmd, zone, r.body)
			}
		}
	}
	if got := e.blocked(oktatest.DemoPolicyZone); !slices.Equal(got, []string{"198.51.100.0/24", "192.0.2.15/32"}) {
		t.Errorf("the POLICY zone changed: %v", got)
	}
}

// TestOktaBlockIPConfiguredZone: okta.blocklist_zone picks the default
// zone; one that does not exist or is no IP blocklist is idcmd's
// misconfiguration (503 naming the key), not the caller's mistake.
func TestOktaBlockIPConfiguredZone(t *testing.T) {
	e := newEnv(t, envOptions{configure: func(c *config.Config) { c.Okta.BlocklistZone = oktatest.DemoBlocklistZoneID }})
	mustStatus(t, e.run("okta-block-ip", `{"ips":["95.173.136.72"]}`), 200)
	if got := e.blocked(oktatest.DemoBlocklistZone); !slices.Contains(got, "95.173.136.72/32") {
		t.Errorf("configured zone %v", got)
	}
	if got := e.blocked(oktatest.ZoneBlockedIP); !slices.Equal(got, seededBlocked) {
		t.Errorf("BlockedIpZone changed: %v", got)
	}
	for _, zone := range []string{"Missing zone", oktatest.ZoneLegacyIP} {
		e := newEnv(t, envOptions{configure: func(c *config.Config) { c.Okta.BlocklistZone = zone }})
		r := e.run("okta-block-ip", `{"ips":["95.173.136.72"]}`)
		mustStatus(t, r, 503)
		if !strings.Contains(r.json(t)["detail"].(string), "okta.blocklist_zone") {
			t.Errorf("configured %q: %s", zone, r.body)
		}
	}
	cfg, err := config.Load("", func(k string) string {
		return map[string]string{"IDCMD_JWT_SECRET": testSecret, "IDCMD_DATA_DIR": t.TempDir(), "OKTA_BLOCKLIST_ZONE": "Threat intel blocklist"}[k]
	})
	if err != nil || cfg.Okta.BlocklistZone != "Threat intel blocklist" {
		t.Errorf("OKTA_BLOCKLIST_ZONE: %q, %v", cfg.Okta.BlocklistZone, err)
	}
	if _, err := config.Load("", func(k string) string {
		return map[string]string{"IDCMD_JWT_SECRET": testSecret, "IDCMD_DATA_DIR": t.TempDir(), "OKTA_BLOCKLIST_ZONE": " padded"}[k]
	}); err == nil || !strings.Contains(err.Error(), "okta.blocklist_zone") {
		t.Errorf("OKTA_BLOCKLIST_ZONE with spaces: %v", err)
	}
}

// TestOktaBlockIPConcurrent: twenty blocks of distinct addresses at once,
// and an unblock racing them, all land and the zone's other entries
// survive. Okta replaces a zone whole and has no ETag: without idcmd's
// per-zone lock, the calls read the same zone and each writes back a copy
// without the others' entries. The fake's latency makes the calls overlap.
func TestOktaBlockIPConcurrent(t *testing.T) {
	e := newEnv(t)
	mustStatus(t, e.run("okta-block-ip", `{"ips":["198.18.0.250"]}`), 200)
	e.okta.SetLatency(5 * time.Millisecond)
	const n = 20
	var wg sync.WaitGroup
	statuses := make([]int, n+1)
	bodies := make([][]byte, n+1)
	tok := token(t, allScopes...)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd, ip := "okta-block-ip", fmt.Sprintf("198.18.0.%d", i+1)
			if i%2 == 1 {
				cmd = "block-ip" // the neutral command takes the same path
			}
			r := e.do(http.MethodPost, "/api/v1/commands/"+cmd, "application/json", tok, []byte(`{"ips":["`+ip+`"]}`))
			statuses[i], bodies[i] = r.status, r.body
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		r := e.do(http.MethodPost, "/api/v1/commands/okta-unblock-ip", "application/json", tok, []byte(`{"ips":["198.18.0.250"]}`))
		statuses[n], bodies[n] = r.status, r.body
	}()
	wg.Wait()
	for i, s := range statuses {
		if s != 200 {
			t.Errorf("call %d: %d %s", i, s, bodies[i])
		}
	}
	got := e.blocked(oktatest.ZoneBlockedIP)
	want := slices.Clone(seededBlocked)
	for i := range n {
		want = append(want, fmt.Sprintf("198.18.0.%d/32", i+1))
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("zone holds %d entries %v,\nwant %d %v", len(got), got, len(want), want)
	}
}

// TestBlockIPNeutral: Okta delegates to okta-block-ip (recorded under both
// names); PingOne has no blocklist and is refused naming body.provider.
func TestBlockIPNeutral(t *testing.T) {
	e := newEnv(t, envOptions{pingone: true, xsoar: true})
	inc := e.xsoar.AddIncident("Okta: MFA fatigue from 95.173.136.72", 3)
	r := e.run("block-ip", fmt.Sprintf(`{"provider":"okta","ips":["95.173.136.72"],"incident":{"platform":"xsoar","id":%q}}`, inc))
	mustStatus(t, r, 200)
	body := r.json(t)
	o := body["outputs"].(map[string]any)
	if o["Provider"] != "okta" || o["ZoneName"] != oktatest.ZoneBlockedIP || !slices.Equal(strs(o["Added"]), []string{"95.173.136.72/32"}) ||
		!slices.Contains(strs(o["Entries"]), "175.45.176.0/24") || body["outputs_prefix"] != "Identity.IPBlock" {
		t.Errorf("block-ip: %s", r.body)
	}

	// Audit: the record names the provider command that ran.
	if rec := e.auditRecord(body["audit_id"]); rec["command"] != "okta-block-ip" || rec["requested_as"] != "block-ip" ||
		!strings.Contains(fmt.Sprint(rec["args"]), "95.173.136.72") || rec["outcome"] != "success" {
		t.Errorf("audit record: %v", rec)
	}
	// Write-back: the war-room entry says what was blocked.
	eventually(t, "the war-room entry", func() bool { return len(e.xsoar.Entries(inc)) == 1 })
	if entry := e.xsoar.Entries(inc)[0].Markdown; !strings.Contains(entry, "95.173.136.72/32") || !strings.Contains(entry, "okta-block-ip") {
		t.Errorf("entry:\n%s", entry)
	}

	mustStatus(t, e.run("unblock-ip", `{"provider":"okta","ips":["95.173.136.72"]}`), 200)
	if got := e.blocked(oktatest.ZoneBlockedIP); !slices.Equal(got, seededBlocked) {
		t.Errorf("after unblock-ip %v", got)
	}

	for _, cmd := range []string{"block-ip", "unblock-ip"} {
		r := e.run(cmd, `{"provider":"pingone","ips":["95.173.136.72"]}`)
		mustStatus(t, r, 400)
		if !problemAt(t, r, "body.provider") || !strings.Contains(string(r.body), "PingOne has no IP blocklist") {
			t.Errorf("%s on pingone: %s", cmd, r.body)
		}
	}
	// With both providers configured the provider must be named.
	r = e.run("block-ip", `{"ips":["95.173.136.72"]}`)
	mustStatus(t, r, 400)
	if !problemAt(t, r, "body.provider") {
		t.Errorf("no provider: %s", r.body)
	}
}

// TestOktaBlockIPAuditAndWriteBack: the provider command itself is audited
// and written back with its outcome.
func TestOktaBlockIPAuditAndWriteBack(t *testing.T) {
	e := newEnv(t, envOptions{xsoar: true})
	inc := e.xsoar.AddIncident("Okta: brute force", 2)
	r := e.run("okta-block-ip", fmt.Sprintf(`{"ips":["95.173.136.72"],"incident":{"platform":"xsoar","id":%q}}`, inc))
	mustStatus(t, r, 200)
	if r.json(t)["writeback"] == nil || r.json(t)["audit_id"] == nil {
		t.Fatalf("no writeback/audit: %s", r.body)
	}
	if rec := e.auditRecord(r.json(t)["audit_id"]); rec["command"] != "okta-block-ip" || rec["outcome"] != "success" ||
		!strings.Contains(fmt.Sprint(rec["args"]), "95.173.136.72") || rec["writeback_id"] == nil {
		t.Errorf("audit record: %v", rec)
	}
	eventually(t, "the war-room entry", func() bool { return len(e.xsoar.Entries(inc)) == 1 })
	if entry := e.xsoar.Entries(inc)[0].Markdown; !strings.Contains(entry, "95.173.136.72/32") {
		t.Errorf("entry:\n%s", entry)
	}
	// A refused zone is a failed call: audited and written back too.
	r = e.run("okta-block-ip", fmt.Sprintf(`{"ips":["95.173.136.72"],"zone":"Nope","incident":{"platform":"xsoar","id":%q}}`, inc))
	mustStatus(t, r, 404)
	if r.json(t)["audit_id"] == nil {
		t.Fatalf("failed call without audit_id: %s", r.body)
	}
	if rec := e.auditRecord(r.json(t)["audit_id"]); rec["outcome"] != "provider_error" {
		t.Errorf("failed call's record: %v", rec)
	}
	eventually(t, "the error entry", func() bool { return len(e.xsoar.Entries(inc)) == 2 })
}
