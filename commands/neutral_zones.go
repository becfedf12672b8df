package commands

import "context"

// block-ip and unblock-ip: one shape for blocking a network at the IdP.
// Okta has IP blocklist zones (okta-block-ip, okta-unblock-ip). PingOne
// has no IP blocklist: an address can be refused only through a sign-on
// policy condition (ipRange) or a PingOne Protect custom IP-range
// predictor, policy objects idcmd does not edit, so there the command is
// refused with a 400 naming body.provider rather than pretending.

// IPBlockArgs are the arguments of block-ip and unblock-ip.
type IPBlockArgs struct {
	// Identity provider to block at; optional when only one is configured. Only okta has an IP blocklist.
	Provider string `json:"provider,omitempty" validate:"omitempty,oneof=okta pingone" example:"okta"`
	// IP addresses, CIDRs or ranges: 203.0.113.7, 203.0.113.0/24, 2001:db8::/48, 203.0.113.5-203.0.113.9 (nothing broader than an IPv4 /16 or IPv6 /32).
	IPs []string `json:"ips" validate:"required,min=1,max=100,dive,required,max=100" example:"95.173.136.72"`
}

// Validate checks every entry, naming it by index.
func (a *IPBlockArgs) Validate() error {
	_, err := parseEntries("body.ips", a.IPs)
	return err
}

// IPBlock is the blocklist after block-ip or unblock-ip, for either IdP.
type IPBlock struct {
	// okta.
	Provider string `json:"Provider" example:"okta"`
	// The blocklist the entries are in: the Okta network zone's ID and name.
	ZoneID   string `json:"ZoneID" example:"nzou3u0stMCmgOzXK1d6"`
	ZoneName string `json:"ZoneName" example:"BlockedIpZone"`
	// block_ip or unblock_ip.
	Action string `json:"Action" example:"block_ip"`
	// The blocklist's entries after the call.
	Entries []string `json:"Entries"`
	// Whether the blocklist was written.
	Changed bool `json:"Changed"`
}

// IPsBlocked is the outcome of block-ip.
type IPsBlocked struct {
	IPBlock
	// Entries added to the blocklist, as the IdP stores them.
	Added []string `json:"Added"`
	// Requested entries already blocked; nothing was written for them.
	AlreadyPresent []string `json:"AlreadyPresent"`
}

// IPsUnblocked is the outcome of unblock-ip.
type IPsUnblocked struct {
	IPBlock
	// Entries taken out of the blocklist.
	Removed []string `json:"Removed"`
	// Requested entries that were not in the blocklist; nothing was written for them.
	NotPresent []string `json:"NotPresent"`
}

// pingOneHasNoBlocklist is the refusal for provider pingone.
func pingOneHasNoBlocklist() error {
	return inputError("The arguments are invalid", "body.provider",
		"PingOne has no IP blocklist: an address can be refused only by a sign-on policy condition (ipRange) or a PingOne Protect IP-range predictor, which idcmd does not edit. Block the address in Okta (provider okta) or at the network edge, and contain the PingOne user with lock-user or clear-sessions")
}

func ipBlockFromOkta(c OktaZoneChange) IPBlock {
	return IPBlock{Provider: string(Okta), ZoneID: c.ID, ZoneName: c.Name, Action: c.Action, Entries: c.Gateways, Changed: c.Changed}
}

// pickBlocklist resolves the provider of block-ip and unblock-ip; PingOne
// is refused whether or not it is configured, as it cannot do this at all.
func pickBlocklist(p Providers, provider string) error {
	if provider == string(PingOne) {
		return pingOneHasNoBlocklist()
	}
	prov, err := p.pick(provider)
	if err != nil {
		return err
	}
	if prov == PingOne {
		return pingOneHasNoBlocklist()
	}
	return nil
}

// BlockIP blocks addresses at the IdP: Okta's blocklist zone.
var BlockIP = Spec[IPBlockArgs, IPsBlocked]{
	Name:        "block-ip",
	Summary:     "Block IPs, CIDRs or ranges at the IdP (Okta: blocklist zone; PingOne has none)",
	Description: "Block addresses at the identity provider: Okta runs okta-block-ip on the configured blocklist zone (okta.blocklist_zone, default BlockedIpZone), appending and keeping the zone's other entries; approvals, audit and idempotency apply to okta-block-ip. PingOne has no IP blocklist: the call is refused with a 400 naming body.provider.",
	Provider:    Neutral,
	Context:     Context{Prefix: "Identity.IPBlock", Key: "ZoneID"},
	Risk:        Write,
	Delegate: func(_ context.Context, p Providers, a IPBlockArgs) (Delegation[IPsBlocked], error) {
		if err := pickBlocklist(p, a.Provider); err != nil {
			return Delegation[IPsBlocked]{}, err
		}
		return delegateTo(OktaBlockIP, OktaBlockIPArgs{IPs: a.IPs}, func(r Reply[OktaIPsBlocked]) Reply[IPsBlocked] {
			out := IPsBlocked{IPBlock: ipBlockFromOkta(r.Outputs.OktaZoneChange), Added: r.Outputs.Added, AlreadyPresent: r.Outputs.AlreadyPresent}
			// The Okta command's war-room text already names the zone
			// and each entry's result.
			return Reply[IPsBlocked]{Outputs: out, Raw: r.Raw, Readable: r.Readable}
		}), nil
	},
}

// UnblockIP undoes block-ip.
var UnblockIP = Spec[IPBlockArgs, IPsUnblocked]{
	Name:        "unblock-ip",
	Summary:     "Unblock IPs, CIDRs or ranges at the IdP (Okta: blocklist zone; PingOne has none)",
	Description: "Undo block-ip: Okta runs okta-unblock-ip on the configured blocklist zone, keeping the zone's other entries; approvals, audit and idempotency apply to okta-unblock-ip. PingOne has no IP blocklist: the call is refused with a 400 naming body.provider.",
	Provider:    Neutral,
	Context:     Context{Prefix: "Identity.IPBlock", Key: "ZoneID"},
	Risk:        Write,
	Delegate: func(_ context.Context, p Providers, a IPBlockArgs) (Delegation[IPsUnblocked], error) {
		if err := pickBlocklist(p, a.Provider); err != nil {
			return Delegation[IPsUnblocked]{}, err
		}
		return delegateTo(OktaUnblockIP, OktaUnblockIPArgs{IPs: a.IPs}, func(r Reply[OktaIPsUnblocked]) Reply[IPsUnblocked] {
			out := IPsUnblocked{IPBlock: ipBlockFromOkta(r.Outputs.OktaZoneChange), Removed: r.Outputs.Removed, NotPresent: r.Outputs.NotPresent}
			return Reply[IPsUnblocked]{Outputs: out, Raw: r.Raw, Readable: r.Readable}
		}), nil
	},
}
