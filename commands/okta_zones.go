package commands

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/upstream"
)

// Okta network zones: list and read them, and block or unblock IPs in an
// IP blocklist zone (okta.blocklist_zone, default BlockedIpZone).
//
// Okta replaces a zone whole (PUT /api/v1/zones/{zoneId}) and offers no
// ETag or If-Match, so adding one entry means reading the zone, editing
// the list and writing all of it back. Two such edits at once would each
// write back a copy without the other's entry. idcmd therefore holds a
// per-zone lock (okta.Client.LockZone) from the read to a confirming read
// after the write. That covers every call within one idcmd process. Two
// replicas editing the same zone are not covered: route zone writes to one
// replica (or run one); the confirming read then catches an entry another
// writer (a replica, an admin in the console) dropped, and the call fails
// with 409 rather than report a block that is not there.

// OktaZone is a network zone as it lands in XSOAR context (Okta.Zone).
type OktaZone struct {
	// Okta zone ID.
	ID   string `json:"ID" example:"nzou3u0stMCmgOzXK1d6"`
	Name string `json:"Name" example:"BlockedIpZone"`
	// IP, DYNAMIC or DYNAMIC_V2.
	Type string `json:"Type" example:"IP"`
	// POLICY (policies refer to it) or BLOCKLIST (Okta refuses its requests outright).
	Usage string `json:"Usage" example:"BLOCKLIST"`
	// ACTIVE or INACTIVE; an INACTIVE blocklist zone blocks nothing.
	Status string `json:"Status" example:"ACTIVE"`
	// Whether it is one of the zones every Okta org has.
	System bool `json:"System"`
	// An IP zone's entries: CIDRs (203.0.113.0/24) and ranges (203.0.113.5-203.0.113.9).
	Gateways []string `json:"Gateways"`
	// An IP zone's trusted proxies, in the same forms.
	Proxies     []string   `json:"Proxies,omitempty"`
	Created     *time.Time `json:"Created,omitempty"`
	LastUpdated *time.Time `json:"LastUpdated,omitempty"`
}

// OktaZoneChange is a blocklist zone after okta-block-ip or okta-unblock-ip.
type OktaZoneChange struct {
	OktaZone
	// block_ip or unblock_ip.
	Action string `json:"Action" example:"block_ip"`
	// Whether the zone was written (false: every requested entry was a no-op).
	Changed bool `json:"Changed"`
}

// OktaIPsBlocked is the outcome of okta-block-ip.
type OktaIPsBlocked struct {
	OktaZoneChange
	// append or override.
	Mode string `json:"Mode" example:"append"`
	// Entries written into the zone, as Okta stores them (an address becomes its /32 or /128).
	Added []string `json:"Added"`
	// Requested entries the zone already blocked, exactly or inside a broader entry ("entry (in broader entry)"); nothing was written for them.
	AlreadyPresent []string `json:"AlreadyPresent"`
	// mode override: the zone's entries that were replaced.
	Removed []string `json:"Removed"`
}

// OktaIPsUnblocked is the outcome of okta-unblock-ip.
type OktaIPsUnblocked struct {
	OktaZoneChange
	// Entries taken out of the zone.
	Removed []string `json:"Removed"`
	// Requested entries that were not in the zone; nothing was written for them.
	NotPresent []string `json:"NotPresent"`
	// Requested entries a broader entry of the zone still blocks, as "entry (by broader entry)".
	StillBlocked []string `json:"StillBlocked"`
}

func oktaZone(z *okta.Zone) OktaZone {
	out := OktaZone{ID: z.ID, Name: z.Name, Type: z.Type, Usage: z.Usage, Status: z.Status, System: z.System,
		Gateways: addressValues(z.Gateways), Created: z.Created, LastUpdated: z.LastUpdated}
	if len(z.Proxies) > 0 {
		out.Proxies = addressValues(z.Proxies)
	}
	return out
}

func addressValues(as []okta.ZoneAddress) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, a.Value)
	}
	return out
}

var zoneHeaders = []string{"ID", "Name", "Type", "Usage", "Status", "System", "Entries"}

func zoneRow(z OktaZone) []string {
	entries := strconv.Itoa(len(z.Gateways))
	if z.Type != okta.ZoneTypeIP {
		entries = "-"
	}
	return []string{z.ID, z.Name, z.Type, z.Usage, z.Status, yesNo(z.System), entries}
}

// OktaListZonesArgs select zones.
type OktaListZonesArgs struct {
	// Only zones with this usage: POLICY or BLOCKLIST.
	Usage string `json:"usage,omitempty" validate:"omitempty,oneof=POLICY BLOCKLIST" enums:"POLICY,BLOCKLIST" example:"BLOCKLIST"`
}

// OktaListZones lists the org's network zones.
var OktaListZones = Spec[OktaListZonesArgs, []OktaZone]{
	Name:     "okta-list-zones",
	Summary:  "List Okta network zones (IP and dynamic)",
	Provider: Okta,
	Context:  Context{Prefix: "Okta.Zone", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a OktaListZonesArgs) (Reply[[]OktaZone], error) {
		c, err := p.oktaClient()
		if err != nil {
			return Reply[[]OktaZone]{}, err
		}
		q := okta.ZoneQuery{}
		if a.Usage != "" {
			q.Filter = `usage eq "` + a.Usage + `"`
		}
		zones, err := c.ListZones(ctx, q)
		if err != nil {
			return Reply[[]OktaZone]{}, err
		}
		out := make([]OktaZone, 0, len(zones))
		rows := make([][]string, 0, len(zones))
		raws := make([]any, 0, len(zones))
		for i := range zones {
			z := oktaZone(&zones[i])
			out = append(out, z)
			rows = append(rows, zoneRow(z))
			raws = append(raws, rawJSON(zones[i].Raw))
		}
		return Reply[[]OktaZone]{Outputs: out, Raw: raws,
			Readable: table(strconv.Itoa(len(out))+" Okta network zones", zoneHeaders, rows)}, nil
	},
}

// OktaZoneArgs name one zone.
type OktaZoneArgs struct {
	// Okta network zone ID (nzo…) or name.
	Zone string `json:"zone" validate:"required,max=128" example:"BlockedIpZone"`
}

// OktaGetZone reads one zone, with its entries.
var OktaGetZone = Spec[OktaZoneArgs, OktaZone]{
	Name:     "okta-get-zone",
	Summary:  "Get an Okta network zone and its entries by ID or name",
	Provider: Okta,
	Context:  Context{Prefix: "Okta.Zone", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a OktaZoneArgs) (Reply[OktaZone], error) {
		c, err := p.oktaClient()
		if err != nil {
			return Reply[OktaZone]{}, err
		}
		z, err := findZone(ctx, c, a.Zone, "body.zone")
		if err != nil {
			return Reply[OktaZone]{}, err
		}
		out := oktaZone(z)
		return Reply[OktaZone]{Outputs: out, Raw: rawJSON(z.Raw),
			Readable: table("Okta network zone "+out.Name, zoneHeaders, [][]string{zoneRow(out)}) + entriesTable(out)}, nil
	},
}

// OktaBlockIPArgs are the arguments of okta-block-ip.
type OktaBlockIPArgs struct {
	// IP addresses, CIDRs or ranges to block: 203.0.113.7, 203.0.113.0/24, 2001:db8::/48, 203.0.113.5-203.0.113.9. An address is stored as its /32 (IPv6 /128); nothing broader than an IPv4 /16 or IPv6 /32.
	IPs []string `json:"ips" validate:"required,min=1,max=100,dive,required,max=100" example:"95.173.136.72"`
	// Network zone ID or name; default the configured blocklist zone (okta.blocklist_zone, BlockedIpZone). It must be an IP zone with usage BLOCKLIST.
	Zone string `json:"zone,omitempty" validate:"omitempty,max=128" example:"BlockedIpZone"`
	// append (default) adds the entries and keeps every other; override replaces all of the zone's entries with these.
	Mode string `json:"mode,omitempty" validate:"omitempty,oneof=append override" enums:"append,override" default:"append"`
}

// Validate checks every entry, naming it by index.
func (a *OktaBlockIPArgs) Validate() error {
	_, err := parseEntries("body.ips", a.IPs)
	return err
}

// OktaUnblockIPArgs are the arguments of okta-unblock-ip.
type OktaUnblockIPArgs struct {
	// IP addresses, CIDRs or ranges to take out of the zone, in any of the forms okta-block-ip takes; each removes the entry covering exactly the same addresses.
	IPs []string `json:"ips" validate:"required,min=1,max=100,dive,required,max=100" example:"95.173.136.72"`
	// Network zone ID or name; default the configured blocklist zone (okta.blocklist_zone, BlockedIpZone). It must be an IP zone with usage BLOCKLIST.
	Zone string `json:"zone,omitempty" validate:"omitempty,max=128" example:"BlockedIpZone"`
}

// Validate checks every entry, naming it by index.
func (a *OktaUnblockIPArgs) Validate() error {
	_, err := parseEntries("body.ips", a.IPs)
	return err
}

// OktaBlockIP adds entries to a blocklist zone.
var OktaBlockIP = Spec[OktaBlockIPArgs, OktaIPsBlocked]{
	Name:        "okta-block-ip",
	Summary:     "Block IPs, CIDRs or ranges in an Okta IP blocklist zone",
	Description: "Adds the entries to the configured blocklist zone (okta.blocklist_zone, default BlockedIpZone) or the zone named, which must be an IP zone with usage BLOCKLIST: Okta then refuses every request from them. mode append (default) keeps the zone's other entries; override replaces them all. An entry already blocked is reported in AlreadyPresent and nothing is written for it. Concurrent calls in one idcmd process are serialised per zone, so none loses another's entry.",
	Provider:    Okta,
	Context:     Context{Prefix: "Okta.Zone", Key: "ID"},
	Risk:        Write,
	Run: func(ctx context.Context, p Providers, a OktaBlockIPArgs) (Reply[OktaIPsBlocked], error) {
		want, err := parseEntries("body.ips", a.IPs)
		if err != nil {
			return Reply[OktaIPsBlocked]{}, err
		}
		mode := a.Mode
		if mode == "" {
			mode = "append"
		}
		d, z, err := editBlocklist(ctx, p, a.Zone, func(cur []okta.ZoneAddress) zoneEdit {
			if mode == "override" {
				return overrideEntries(cur, want)
			}
			return appendEntries(cur, want)
		})
		if err != nil {
			return Reply[OktaIPsBlocked]{}, err
		}
		out := OktaIPsBlocked{OktaZoneChange: d.zoneChange("block_ip", z), Mode: mode,
			Added: d.added, AlreadyPresent: d.alreadyPresent, Removed: d.removed}
		return Reply[OktaIPsBlocked]{Outputs: out, Readable: d.table(out.OktaZoneChange), Raw: rawJSON(z.Raw)}, nil
	},
}

// OktaUnblockIP removes entries from a blocklist zone.
var OktaUnblockIP = Spec[OktaUnblockIPArgs, OktaIPsUnblocked]{
	Name:        "okta-unblock-ip",
	Summary:     "Unblock IPs, CIDRs or ranges in an Okta IP blocklist zone",
	Description: "Removes the zone entries that cover exactly the given addresses from the configured blocklist zone (okta.blocklist_zone, default BlockedIpZone) or the zone named, keeping every other entry. An entry not in the zone is reported in NotPresent (and in StillBlocked when a broader entry still blocks it); nothing is written for it.",
	Provider:    Okta,
	Context:     Context{Prefix: "Okta.Zone", Key: "ID"},
	Risk:        Write,
	Run: func(ctx context.Context, p Providers, a OktaUnblockIPArgs) (Reply[OktaIPsUnblocked], error) {
		want, err := parseEntries("body.ips", a.IPs)
		if err != nil {
			return Reply[OktaIPsUnblocked]{}, err
		}
		d, z, err := editBlocklist(ctx, p, a.Zone, func(cur []okta.ZoneAddress) zoneEdit { return removeEntries(cur, want) })
		if err != nil {
			return Reply[OktaIPsUnblocked]{}, err
		}
		out := OktaIPsUnblocked{OktaZoneChange: d.zoneChange("unblock_ip", z),
			Removed: d.removed, NotPresent: d.notPresent, StillBlocked: d.stillBlocked}
		return Reply[OktaIPsUnblocked]{Outputs: out, Readable: d.table(out.OktaZoneChange), Raw: rawJSON(z.Raw)}, nil
	},
}

// zoneIDPattern is the shape of an Okta zone ID: "nzo" and 17 base62
// characters.
var zoneIDPattern = regexp.MustCompile(`^nzo[0-9A-Za-z]{17}$`)

// findZone resolves a zone ID or name. An ID is read directly; a name (or
// an ID Okta does not know) is looked up in the zone list, exactly and
// then without regard to case. field is the argument the reference came
// from, "" for the configuration.
func findZone(ctx context.Context, c *okta.Client, ref, field string) (*okta.Zone, error) {
	if zoneIDPattern.MatchString(ref) {
		z, err := c.GetZone(ctx, ref)
		if err == nil {
			return z, nil
		}
		if ue := upstream.As(err); ue == nil || ue.Kind != upstream.NotFound {
			return nil, err
		}
	}
	zones, err := c.ListZones(ctx, okta.ZoneQuery{})
	if err != nil {
		return nil, err
	}
	var folded []int
	for i := range zones {
		if zones[i].Name == ref {
			return &zones[i], nil
		}
		if strings.EqualFold(zones[i].Name, ref) {
			folded = append(folded, i)
		}
	}
	switch {
	case len(folded) == 1:
		return &zones[folded[0]], nil
	case len(folded) > 1 && field != "":
		return nil, inputError("The arguments are invalid", field, fmt.Sprintf("several zones are named %q in other cases; give the zone's ID", ref))
	case field == "":
		return nil, fmt.Errorf("%w: okta.blocklist_zone (OKTA_BLOCKLIST_ZONE) is %q, and no network zone of this Okta org has that ID or name; okta-list-zones lists them",
			ErrProviderNotConfigured, ref)
	}
	return nil, unknownArgument(Okta, field, "no network zone of the Okta org has this ID or name; okta-list-zones lists them",
		fmt.Sprintf("no network zone has the ID or name %q", ref))
}

// checkBlocklist refuses a zone that is not an IP zone with usage
// BLOCKLIST: adding an attacker's IP to a POLICY zone could let them in
// where the policy trusts the zone.
func checkBlocklist(z *okta.Zone, field, ref string) error {
	if z.Type == okta.ZoneTypeIP && z.Usage == okta.ZoneUsageBlock {
		return nil
	}
	why := fmt.Sprintf("%s is a %s zone with usage %s; only an IP zone with usage BLOCKLIST can block IPs (okta-list-zones with usage BLOCKLIST lists them)", z.Name, z.Type, z.Usage)
	if field == "" {
		return fmt.Errorf("%w: okta.blocklist_zone (OKTA_BLOCKLIST_ZONE) %q: %s", ErrProviderNotConfigured, ref, why)
	}
	return inputError("The arguments are invalid", field, why)
}

func entriesTable(z OktaZone) string {
	if z.Type != okta.ZoneTypeIP {
		return ""
	}
	rows := make([][]string, 0, len(z.Gateways))
	for _, g := range z.Gateways {
		rows = append(rows, []string{g})
	}
	return "\n" + table("Entries of "+z.Name, []string{"Entry"}, rows)
}
