package oktatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Network zones (spec tag NetworkZone): list, get and replace. Every org
// has the system zones (systemZones); SeedDemo adds custom ones and a few
// blocked networks. A replacement is whole, as in Okta: what the body
// leaves out is gone, and nothing like an ETag guards against a stale
// copy, so two clients that read, edit and write the same zone at once
// lose each other's entries here exactly as they would at Okta.

// Names and IDs of the zones every fake org has (the IDs are those of
// the spec's RetrieveAllZones example).
const (
	ZoneLegacyIP                 = "LegacyIpZone"
	ZoneBlockedIP                = "BlockedIpZone"
	ZoneDefaultEnhancedDynamic   = "DefaultEnhancedDynamicZone"
	ZoneLegacyIPID               = "nzou3u0ssJfZjYsWL1d6"
	ZoneBlockedIPID              = "nzou3u0stMCmgOzXK1d6"
	ZoneDefaultEnhancedDynamicID = "nzohcnxFrSgsiwyHp0g4"
)

// Custom zones SeedDemo adds.
const (
	// DemoPolicyZone is an IP zone with usage POLICY: the offices and the
	// VPN, which sign-on policies trust, and the VPN's egress proxy.
	DemoPolicyZone   = "Corporate Offices"
	DemoPolicyZoneID = "nzowc1U5Jh5xuAK0o0g3"
	// DemoDynamicZone is a DYNAMIC zone (Tor exits and one country).
	DemoDynamicZone   = "High-risk networks"
	DemoDynamicZoneID = "nzoy0ox5xADOZtKrh0g6"
	// DemoBlocklistZone is a custom IP zone with usage BLOCKLIST.
	DemoBlocklistZone   = "Threat intel blocklist"
	DemoBlocklistZoneID = "nzo1qasnPb1kqEq0e0g4"
)

// Zone types, usages and address types (spec schemas NetworkZoneType,
// NetworkZoneUsage, NetworkZoneAddressType).
const (
	zoneIP        = "IP"
	zoneDynamic   = "DYNAMIC"
	zoneDynamicV2 = "DYNAMIC_V2"
	usagePolicy   = "POLICY"
	usageBlock    = "BLOCKLIST"
	addrCIDR      = "CIDR"
	addrRange     = "RANGE"
)

// Entry limits of an IP zone (spec schema IPNetworkZone): gateways 150
// for admin-created zones and 1000 for blocklist zones; 5000 for a system
// zone (NetworkZone.system: admins "add up to 5000 gateway or proxy IP
// entries"), proxies 150 or 5000 alike.
const (
	maxGatewaysCustom    = 150
	maxGatewaysBlocklist = 1000
	maxZoneEntriesSystem = 5000
	maxProxiesCustom     = 150
	maxZoneName          = 128
	// maxZoneBody bounds a replacement body: 5000 entries of the longest
	// IPv6 range fit several times over.
	maxZoneBody = 2 << 20
)

// dynamicFields are the type-specific properties of the dynamic zone
// types, kept as the client sent them (their shapes differ by type).
var dynamicFields = map[string][]string{
	zoneDynamic:   {"asns", "locations", "proxyType"},
	zoneDynamicV2: {"asns", "locations", "ipServiceCategories"},
}

// zoneAddress is one gateway or proxy entry (spec schema
// NetworkZoneAddress).
type zoneAddress struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// netZone is the fake's record of one network zone.
type netZone struct {
	id, name, zoneType, status, usage string
	system                            bool
	created, lastUpdated              time.Time
	// gateways and proxies of an IP zone; nil renders as null.
	gateways, proxies []zoneAddress
	// dynamic holds a dynamic zone's dynamicFields.
	dynamic map[string]json.RawMessage
}

// systemZones are the zones Okta creates in every org (spec schema
// NetworkZone, system), empty as in the spec's RetrieveAllZones example.
func systemZones(created time.Time) []*netZone {
	return []*netZone{
		{id: ZoneLegacyIPID, name: ZoneLegacyIP, zoneType: zoneIP, status: "ACTIVE", usage: usagePolicy,
			system: true, created: created, lastUpdated: created},
		{id: ZoneBlockedIPID, name: ZoneBlockedIP, zoneType: zoneIP, status: "ACTIVE", usage: usageBlock,
			system: true, created: created, lastUpdated: created},
		{id: ZoneDefaultEnhancedDynamicID, name: ZoneDefaultEnhancedDynamic, zoneType: zoneDynamicV2, status: "ACTIVE",
			usage: usageBlock, system: true, created: created, lastUpdated: created, dynamic: map[string]json.RawMessage{
				"asns":                json.RawMessage(`{"include":[],"exclude":[]}`),
				"locations":           json.RawMessage(`{"include":[],"exclude":[]}`),
				"ipServiceCategories": json.RawMessage(`{"include":["ALL_ANONYMIZERS"],"exclude":[]}`),
			}},
	}
}

// seedZones adds the demo org's custom zones and blocks two networks the
// demo stories come from in BlockedIpZone. It draws no random numbers, so
// the rest of the seed is unchanged by it.
func (sd *seeder) seedZones() {
	o := sd.o
	at := sd.now.Add(-sd.days(400))
	cidr := func(v string) zoneAddress { return zoneAddress{Type: addrCIDR, Value: v} }
	for _, z := range []*netZone{
		{id: DemoPolicyZoneID, name: DemoPolicyZone, zoneType: zoneIP, status: "ACTIVE", usage: usagePolicy,
			gateways: []zoneAddress{cidr("198.51.100.0/24"), cidr("192.0.2.15/32")},
			proxies:  []zoneAddress{cidr("192.0.2.16/32")}},
		{id: DemoDynamicZoneID, name: DemoDynamicZone, zoneType: zoneDynamic, status: "ACTIVE", usage: usagePolicy,
			dynamic: map[string]json.RawMessage{
				"proxyType": json.RawMessage(`"Tor"`),
				"locations": json.RawMessage(`[{"country":"KP"}]`),
				"asns":      json.RawMessage(`["131279"]`),
			}},
		{id: DemoBlocklistZoneID, name: DemoBlocklistZone, zoneType: zoneIP, status: "ACTIVE", usage: usageBlock,
			gateways: []zoneAddress{{Type: addrRange, Value: "177.37.210.0-177.37.210.255"}}},
	} {
		if o.zoneLocked(z.id) != nil || o.zoneNamedLocked(z.name) != nil {
			continue
		}
		z.created, z.lastUpdated = at, at
		o.zones = append(o.zones, z)
	}
	if z := o.zoneLocked(ZoneBlockedIPID); z != nil && len(z.gateways) == 0 {
		z.gateways = []zoneAddress{cidr("175.45.176.0/24"), {Type: addrRange, Value: "192.0.2.200-192.0.2.210"}}
		z.lastUpdated = sd.now.Add(-sd.days(2))
	}
}

func (o *Org) zoneLocked(id string) *netZone {
	for _, z := range o.zones {
		if z.id == id {
			return z
		}
	}
	return nil
}

func (o *Org) zoneNamedLocked(name string) *netZone {
	for _, z := range o.zones {
		if strings.EqualFold(z.name, name) {
			return z
		}
	}
	return nil
}

// ZoneEntries returns the gateway values of the zone with this ID or name
// (in the zone's order), and whether there is such a zone.
func (o *Org) ZoneEntries(idOrName string) ([]string, bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	z := o.zoneLocked(idOrName)
	if z == nil {
		z = o.zoneNamedLocked(idOrName)
	}
	if z == nil {
		return nil, false
	}
	out := make([]string, 0, len(z.gateways))
	for _, g := range z.gateways {
		out = append(out, g.Value)
	}
	return out, true
}

// renderZone is the zone's wire shape (spec schema NetworkZone and the
// schema its type maps to).
func renderZone(base string, z *netZone) map[string]any {
	self := base + "/api/v1/zones/" + z.id
	lifecycle, action := "deactivate", "/lifecycle/deactivate"
	if z.status != "ACTIVE" {
		lifecycle, action = "activate", "/lifecycle/activate"
	}
	out := map[string]any{
		"type":        z.zoneType,
		"id":          z.id,
		"name":        z.name,
		"status":      z.status,
		"usage":       z.usage,
		"created":     formatTime(z.created),
		"lastUpdated": formatTime(z.lastUpdated),
		"system":      z.system,
		"_links": map[string]hrefLink{
			"self":    {Href: self, Hints: allow("GET", "PUT", "DELETE")},
			lifecycle: {Href: self + action, Hints: allow("POST")},
		},
	}
	if z.zoneType == zoneIP {
		// The spec's examples send "gateways": null for none, but its
		// schema does not make gateways nullable (proxies it does): the
		// fake follows the schema, as for LogEvent, and leaves it out.
		if len(z.gateways) > 0 {
			out["gateways"] = z.gateways
		}
		out["proxies"] = nullIfEmpty(z.proxies)
	}
	for k, v := range z.dynamic {
		out[k] = v
	}
	return out
}

// nullIfEmpty renders no entries as null, as Okta does (the spec's
// BlockedIpZone has "proxies": null).
func nullIfEmpty(a []zoneAddress) any {
	if len(a) == 0 {
		return nil
	}
	return a
}

// zoneCursor is the sealed payload of an after cursor: the last zone ID
// of the page.
type zoneCursor struct {
	Kind string `json:"k"`
	ID   string `json:"id"`
}

// listZones serves GET /api/v1/zones: every zone in creation order,
// filtered by id, usage and system (eq, with and/or), paged by limit
// (default -1: all of them) and after.
func (s *Server) listZones(w http.ResponseWriter, r *http.Request, _ *call) *apiError {
	q := r.URL.Query()
	limit := -1
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n == 0 || n < -1 {
			return errValidation("limit", "limit must be a positive integer, or -1 for every zone")
		}
		limit = n
	}
	match := func(*netZone) bool { return true }
	if f := q.Get("filter"); f != "" {
		m, err := compileZoneFilter(f)
		if err != nil {
			return err
		}
		match = m
	}
	afterID := ""
	if a := q.Get("after"); a != "" {
		payload, ok := s.cursors.open(a)
		var cur zoneCursor
		if !ok || json.Unmarshal(payload, &cur) != nil || cur.Kind != "z" {
			return errInvalidPaging()
		}
		afterID = cur.ID
	}

	o := s.org
	o.mu.RLock()
	var hits []*netZone
	started := afterID == ""
	for _, z := range o.zones {
		if !started {
			started = z.id == afterID
			continue
		}
		if match(z) {
			hits = append(hits, z)
		}
	}
	more := limit > 0 && len(hits) > limit
	if more {
		hits = hits[:limit]
	}
	base := s.baseURL(r)
	out := make([]map[string]any, len(hits))
	for i, z := range hits {
		out[i] = renderZone(base, z)
	}
	o.mu.RUnlock()

	next := ""
	if more {
		next = s.nextLink(r, zoneCursor{Kind: "z", ID: hits[len(hits)-1].id}, limit)
	}
	writeLinks(w.Header(), s.selfURL(r), next)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// compileZoneFilter compiles listNetworkZones' filter: "Okta supports
// filtering on the id, usage, and system properties", with eq.
func compileZoneFilter(expr string) (func(*netZone) bool, *apiError) {
	e, err := parseFilter(expr)
	if err != nil {
		return nil, errInvalidSearch(err.Error())
	}
	err = walkCompares(e, func(c compareExpr) error {
		switch c.attr {
		case "id", "usage":
			if c.value.kind != valueString {
				return fmt.Errorf("value for %q must be a quoted string", c.attr)
			}
		case "system":
			if c.value.kind != valueBool {
				return fmt.Errorf("value for system must be true or false")
			}
		default:
			return fmt.Errorf("filter does not support attribute %q; use id, usage or system", c.attr)
		}
		if c.op != "eq" {
			return fmt.Errorf("filter does not support operator %q; use eq", c.op)
		}
		return nil
	})
	if err != nil {
		return nil, errInvalidSearch(err.Error())
	}
	return func(z *netZone) bool {
		return evalFilter(e, func(c compareExpr) bool {
			switch c.attr {
			case "id":
				return z.id == c.value.text
			case "usage":
				return z.usage == c.value.text
			default:
				return strconv.FormatBool(z.system) == strings.ToLower(c.value.text)
			}
		})
	}, nil
}

// getZone serves GET /api/v1/zones/{zoneId}; zones are addressed by ID
// only.
func (s *Server) getZone(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	o := s.org
	o.mu.RLock()
	z := o.zoneLocked(c.param)
	if z == nil {
		o.mu.RUnlock()
		return errNotFound(c.param, "NetworkZone")
	}
	out := renderZone(s.baseURL(r), z)
	o.mu.RUnlock()
	writeJSON(w, http.StatusOK, out)
	return nil
}

// zoneRoute matches /api/v1/zones[/{zoneId}].
func zoneRoute(segs []string) (methods, string, string) {
	switch len(segs) {
	case 1:
		return methods{"GET": {ScopeZonesRead, (*Server).listZones}}, "", ""
	case 2:
		return methods{
			"GET": {ScopeZonesRead, (*Server).getZone},
			"PUT": {ScopeZonesManage, (*Server).replaceZone},
		}, segs[1], ""
	}
	return nil, "", ""
}
