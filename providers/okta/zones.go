package okta

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
)

// Network zones (spec tag NetworkZone). With OAuth, listing and reading
// need okta.networkZones.read and replacing needs okta.networkZones.manage.
// Neither is among the default Scopes: requesting a scope the service app
// was not granted fails the token request, and with it every other call,
// so an org that wants the zone commands grants both and lists them in
// Config.Scopes. Without them Okta answers 403 (Unauthorized).

const zonesPath = "/api/v1/zones"

// Zone types (spec schema NetworkZoneType) and usages (NetworkZoneUsage).
const (
	ZoneTypeIP        = "IP"
	ZoneTypeDynamic   = "DYNAMIC"
	ZoneTypeDynamicV2 = "DYNAMIC_V2"
	ZoneUsagePolicy   = "POLICY"
	ZoneUsageBlock    = "BLOCKLIST"
)

// Address types of a zone entry (spec schema NetworkZoneAddressType).
const (
	AddressCIDR  = "CIDR"
	AddressRange = "RANGE"
)

// Zone is a network zone (spec schema NetworkZone). The fields every type
// shares are typed, and for IP zones (IPNetworkZone) the gateways and
// proxies; a DYNAMIC or DYNAMIC_V2 zone's ASNs, locations and IP service
// categories differ in shape between the two types and stay in Raw.
type Zone struct {
	ID string `json:"id"`
	// Name is unique in the org, at most 128 characters.
	Name string `json:"name"`
	// Type is IP, DYNAMIC or DYNAMIC_V2; Okta never changes it on replace.
	Type string `json:"type"`
	// Status is ACTIVE or INACTIVE.
	Status string `json:"status"`
	// Usage is POLICY (a zone policies refer to) or BLOCKLIST (requests
	// from it are refused before any policy runs).
	Usage string `json:"usage"`
	// System marks the zones every org has (LegacyIpZone, BlockedIpZone,
	// DefaultEnhancedDynamicZone, DefaultExemptIpZone).
	System      bool       `json:"system"`
	Created     *time.Time `json:"created,omitempty"`
	LastUpdated *time.Time `json:"lastUpdated,omitempty"`
	// Gateways are an IP zone's client addresses; Okta sends null for
	// none.
	Gateways []ZoneAddress `json:"gateways,omitempty"`
	// Proxies are an IP zone's trusted proxies.
	Proxies []ZoneAddress `json:"proxies,omitempty"`
	// ProxyType is a DYNAMIC zone's proxy type (Any, Tor, NotTorAnonymizer).
	ProxyType string `json:"proxyType,omitempty"`
	// Raw is the zone exactly as Okta returned it.
	Raw json.RawMessage `json:"-"`
}

func (z *Zone) setRaw(b json.RawMessage) { z.Raw = b }

// ZoneAddress is one entry of an IP zone (spec schema NetworkZoneAddress):
// a CIDR ("203.0.113.0/24") or a RANGE ("203.0.113.5-203.0.113.9").
type ZoneAddress struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// ZoneQuery selects zones for ListZones.
type ZoneQuery struct {
	// Filter is Okta's expression over id, usage and system, e.g.
	// usage eq "BLOCKLIST".
	Filter string
	// Limit is the page size; 0 lets Okta decide (the spec's default, -1,
	// is every zone on one page). Every page is read either way.
	Limit int
}

// ListZones returns every zone matching q, following Okta's next links
// (the spec's after cursor) to the end.
func (c *Client) ListZones(ctx context.Context, q ZoneQuery) ([]Zone, error) {
	if q.Limit < 0 {
		return nil, invalid("limit must not be negative")
	}
	v := url.Values{}
	setIf(v, "filter", q.Filter)
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return listAll[Zone](ctx, c, "listNetworkZones", c.endpoint(zonesPath, v))
}

// GetZone returns one zone by ID. Okta addresses zones by ID only: find a
// zone by name with ListZones.
func (c *Client) GetZone(ctx context.Context, zoneID string) (*Zone, error) {
	p, err := zonePath(zoneID)
	if err != nil {
		return nil, err
	}
	resp, err := c.get(ctx, "getNetworkZone", c.endpoint(p, nil))
	if err != nil {
		return nil, err
	}
	return decodeObject[Zone]("getNetworkZone", resp)
}

// ReplaceZone replaces the whole zone with body (a NetworkZone object of
// the zone's own type) and returns the zone as Okta stored it. A field the
// body leaves out is not kept: build body from the zone just read (see
// Zone.WithGateways), under LockZone, or another writer's change is lost.
// The spec offers no ETag or If-Match for zones, so Okta cannot refuse a
// stale replacement. Re-sending the same replacement ends in the same
// zone, so the call is retried like a read.
func (c *Client) ReplaceZone(ctx context.Context, zoneID string, body json.RawMessage) (*Zone, error) {
	p, err := zonePath(zoneID)
	if err != nil {
		return nil, err
	}
	if len(body) == 0 {
		return nil, invalid("the replacement zone is empty")
	}
	resp, err := c.do(ctx, call{
		op:     "replaceNetworkZone",
		method: http.MethodPut,
		url:    c.endpoint(p, nil),
		retry:  httpx.RetryIdempotent,
		body:   body,
	})
	if err != nil {
		return nil, err
	}
	return decodeObject[Zone]("replaceNetworkZone", resp)
}

// readOnlyZoneFields are the NetworkZone properties the spec marks
// readOnly: Okta ignores them in a replacement (the path names the zone),
// so they are left out of one.
var readOnlyZoneFields = []string{"id", "system", "created", "lastUpdated", "_links"}

// WithGateways returns the body of a replacement of z that changes its
// gateways to gateways and keeps every other field exactly as Okta sent it
// in z.Raw (proxies, usage, status, fields this client does not know).
func (z *Zone) WithGateways(gateways []ZoneAddress) (json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(z.Raw, &fields); err != nil || fields == nil {
		return nil, invalid("the zone to replace has no JSON object from Okta; read it with GetZone first")
	}
	for _, k := range readOnlyZoneFields {
		delete(fields, k)
	}
	if gateways == nil {
		gateways = []ZoneAddress{}
	}
	gw, err := json.Marshal(gateways)
	if err != nil {
		return nil, err
	}
	fields["gateways"] = gw
	return json.Marshal(fields)
}

// zonePath is /api/v1/zones/{zoneId} with the ID escaped; "." and ".."
// would change the path itself.
func zonePath(zoneID string) (string, error) {
	switch {
	case zoneID == "":
		return "", invalid("zone ID is required")
	case strings.Contains(zoneID, "/") || zoneID == "." || zoneID == "..":
		return "", invalid("zone must be an Okta network zone ID")
	}
	return zonesPath + "/" + url.PathEscape(zoneID), nil
}

// BlocklistZone is the zone ID or name Config.BlocklistZone configured
// (DefaultBlocklistZone unless set): where okta-block-ip adds entries.
func (c *Client) BlocklistZone() string { return c.blocklistZone }
