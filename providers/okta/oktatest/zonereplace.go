package oktatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"unicode/utf8"
)

// PUT /api/v1/zones/{zoneId}: the whole-zone replacement and the spec's
// rules for it (zones.go holds the zones themselves).

// zoneBody is a replacement as the client sent it; absent and null are
// told apart where it matters by the raw fields.
type zoneBody struct {
	fields map[string]json.RawMessage
}

func (b zoneBody) has(k string) bool {
	v, ok := b.fields[k]
	return ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

// str reads an optional string field; a value of another JSON type is a
// validation error naming the field.
func (b zoneBody) str(k string) (string, *apiError) {
	if !b.has(k) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(b.fields[k], &s); err != nil {
		return "", errValidation(k, k+": must be a string")
	}
	return s, nil
}

// replaceZone serves PUT /api/v1/zones/{zoneId}: the body replaces the
// whole zone. The rules are the spec's: the type cannot change ("The
// replaced Network Zone type must be the same as the existing type"),
// name is required, unique and at most 128 characters, status and usage
// take their enums (absent, they get the defaults a new zone gets: ACTIVE
// and POLICY), entries are CIDR or RANGE with a value of that form, within
// the spec's limits, and read-only properties (id, system, created,
// lastUpdated, _links) are ignored.
func (s *Server) replaceZone(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxZoneBody+1))
	if err != nil {
		return errMalformedBody()
	}
	o := s.org
	o.mu.Lock()
	defer o.mu.Unlock()
	z := o.zoneLocked(c.param)
	if z == nil {
		return errNotFound(c.param, "NetworkZone")
	}
	if len(raw) > maxZoneBody {
		return errValidation("gateways", "The request body is too large.")
	}
	var b zoneBody
	if json.Unmarshal(raw, &b.fields) != nil || b.fields == nil {
		return errMalformedBody()
	}

	zoneType, aerr := b.str("type")
	if aerr != nil {
		return aerr
	}
	switch {
	case zoneType == "":
		return errValidation("type", "type: The field cannot be left blank")
	case zoneType != z.zoneType:
		return errValidation("type", fmt.Sprintf("type: The zone type cannot be changed from %s to %s", z.zoneType, zoneType))
	}
	name, aerr := b.str("name")
	if aerr != nil {
		return aerr
	}
	switch {
	case strings.TrimSpace(name) == "":
		return errValidation("name", "name: The field cannot be left blank")
	case utf8.RuneCountInString(name) > maxZoneName:
		return errValidation("name", fmt.Sprintf("name: The field must be at most %d characters long", maxZoneName))
	}
	if other := o.zoneNamedLocked(name); other != nil && other != z {
		return errValidation("name", "name: A network zone with this name already exists")
	}
	status, aerr := b.str("status")
	if aerr != nil {
		return aerr
	}
	status = cmpOr(status, "ACTIVE")
	if status != "ACTIVE" && status != "INACTIVE" {
		return errValidation("status", "status: must be ACTIVE or INACTIVE")
	}
	usage, aerr := b.str("usage")
	if aerr != nil {
		return aerr
	}
	usage = cmpOr(usage, usagePolicy)
	if usage != usagePolicy && usage != usageBlock {
		return errValidation("usage", "usage: must be POLICY or BLOCKLIST")
	}

	next := *z
	next.name, next.status, next.usage = name, status, usage
	if z.zoneType == zoneIP {
		for _, k := range []string{"asns", "locations", "proxyType", "ipServiceCategories"} {
			if b.has(k) {
				return errValidation(k, k+": applies to dynamic zones only, not to an IP zone")
			}
		}
		gwMax, pxMax := maxGatewaysCustom, maxProxiesCustom
		switch {
		case z.system:
			gwMax, pxMax = maxZoneEntriesSystem, maxZoneEntriesSystem
		case usage == usageBlock:
			gwMax = maxGatewaysBlocklist
		}
		if next.gateways, aerr = zoneAddresses(b, "gateways", gwMax); aerr != nil {
			return aerr
		}
		if next.proxies, aerr = zoneAddresses(b, "proxies", pxMax); aerr != nil {
			return aerr
		}
	} else {
		for _, k := range []string{"gateways", "proxies"} {
			if b.has(k) {
				return errValidation(k, k+": applies to IP zones only, not to a "+z.zoneType+" zone")
			}
		}
		next.dynamic = map[string]json.RawMessage{}
		for _, k := range dynamicFields[z.zoneType] {
			if b.has(k) {
				next.dynamic[k] = json.RawMessage(bytes.TrimSpace(b.fields[k]))
			}
		}
	}
	next.lastUpdated = o.now()
	*z = next
	writeJSON(w, http.StatusOK, renderZone(s.baseURL(r), z))
	return nil
}

// zoneAddresses reads and checks the gateways or proxies of a replacement.
func zoneAddresses(b zoneBody, field string, limit int) ([]zoneAddress, *apiError) {
	if !b.has(field) {
		return nil, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(b.fields[field], &list); err != nil {
		return nil, errValidation(field, field+": must be an array of addresses")
	}
	if len(list) > limit {
		return nil, errValidation(field, fmt.Sprintf("%s: The zone can hold at most %d entries, not %d", field, limit, len(list)))
	}
	out := make([]zoneAddress, 0, len(list))
	var causes []string
	for i, item := range list {
		var a zoneAddress
		if err := json.Unmarshal(item, &a); err != nil {
			causes = append(causes, fmt.Sprintf("%s[%d]: must be an object with type and value", field, i))
			continue
		}
		if msg := checkZoneAddress(a); msg != "" {
			causes = append(causes, fmt.Sprintf("%s[%d]: %s", field, i, msg))
			continue
		}
		out = append(out, a)
	}
	if len(causes) > 0 {
		return nil, newAPIError(http.StatusBadRequest, "E0000001", "Api validation failed: "+field, causes...)
	}
	return out, nil
}

// checkZoneAddress says what is wrong with an entry, or "". A CIDR may
// carry host bits (the spec's own examples do: 1.2.3.4/24); a RANGE is
// two addresses of one family, the first not above the second.
func checkZoneAddress(a zoneAddress) string {
	switch a.Type {
	case addrCIDR:
		if _, err := netip.ParsePrefix(a.Value); err != nil {
			return fmt.Sprintf("Invalid CIDR %q", a.Value)
		}
	case addrRange:
		lo, hi, ok := strings.Cut(a.Value, "-")
		from, err1 := netip.ParseAddr(lo)
		to, err2 := netip.ParseAddr(hi)
		if !ok || err1 != nil || err2 != nil || from.Is4() != to.Is4() || to.Less(from) {
			return fmt.Sprintf("Invalid IP range %q", a.Value)
		}
	default:
		return fmt.Sprintf("type must be CIDR or RANGE, not %q", a.Type)
	}
	return ""
}

// errMalformedBody is Okta's answer to a body that is not a JSON object
// (the spec's NzErrorApiValidationFailed example).
func errMalformedBody() *apiError {
	return newAPIError(http.StatusBadRequest, "E0000003", "The request body was not well-formed.")
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
