package commands

import (
	"fmt"
	"math/big"
	"net/netip"
	"strings"

	"github.com/idcmd/idcmd/providers/okta"
)

// IP blocklist entries: what a caller may ask to block, and how it is
// written into an Okta IP zone. Okta's zone entries are CIDR or RANGE
// (spec schema NetworkZoneAddress); a single address has no form of its
// own, so it is written as the CIDR of that one address (/32 or /128).
// Every entry is normalised (the network of a CIDR, the plain IPv4 form of
// an IPv4-mapped address) so that the same network is recognised however
// it was written.

// The broadest prefixes a caller may block. A /16 (65,536 IPv4 addresses)
// is about one provider's block; an IPv6 /32 is a whole provider's
// allocation. Anything broader (0.0.0.0/0, ::/0, a /8) would lock out
// customers or the org's own staff rather than an attacker, so it is
// refused; an admin who means it edits the zone in Okta.
const (
	minPrefixV4 = 16
	minPrefixV6 = 32
)

// ipEntry is one normalised entry: the zone address Okta stores and the
// first and last address it covers.
type ipEntry struct {
	addr   okta.ZoneAddress
	lo, hi netip.Addr
}

// entryExamples is the hint every parse error ends with.
const entryExamples = "an IP address (203.0.113.7), a CIDR (203.0.113.0/24, 2001:db8::/48) or a range (203.0.113.5-203.0.113.9)"

// parseEntry reads a caller's entry strictly: an address, a CIDR or a
// range, of public-looking unicast addresses, no broader than the bounds
// above.
func parseEntry(s string) (ipEntry, error) {
	s = strings.TrimSpace(s)
	var e ipEntry
	switch {
	case strings.Contains(s, "-"):
		a, b, _ := strings.Cut(s, "-")
		lo, err1 := parseAddr(strings.TrimSpace(a))
		hi, err2 := parseAddr(strings.TrimSpace(b))
		switch {
		case err1 != nil:
			return e, err1
		case err2 != nil:
			return e, err2
		case lo.Is4() != hi.Is4():
			return e, fmt.Errorf("range %q mixes IPv4 and IPv6", s)
		case hi.Less(lo):
			return e, fmt.Errorf("range %q ends before it starts", s)
		}
		if lo == hi {
			return singleAddress(lo), nil
		}
		e = ipEntry{addr: okta.ZoneAddress{Type: okta.AddressRange, Value: lo.String() + "-" + hi.String()}, lo: lo, hi: hi}
	case strings.Contains(s, "/"):
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return e, fmt.Errorf("%q is not %s", s, entryExamples)
		}
		if p.Addr().Is4In6() {
			return e, fmt.Errorf("%q is an IPv4-mapped IPv6 prefix; write the IPv4 CIDR", s)
		}
		p = p.Masked()
		e = ipEntry{addr: okta.ZoneAddress{Type: okta.AddressCIDR, Value: p.String()}, lo: p.Addr(), hi: lastAddr(p)}
	default:
		a, err := parseAddr(s)
		if err != nil {
			return e, err
		}
		return singleAddress(a), nil
	}
	if err := e.checkScope(); err != nil {
		return e, err
	}
	return e, nil
}

// parseAddr reads one address, unmapping IPv4-mapped IPv6 and refusing
// what Okta never sees as a client address.
func parseAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return a, fmt.Errorf("%q is not %s", s, entryExamples)
	}
	if a.Zone() != "" {
		return a, fmt.Errorf("%q has an IPv6 zone (%%%s); Okta sees no zones", s, a.Zone())
	}
	a = a.Unmap()
	switch {
	case a.IsUnspecified(), a.IsLoopback(), a.IsMulticast(), a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return a, fmt.Errorf("%s is not an address a client reaches Okta from (unspecified, loopback, link-local or multicast)", a)
	}
	return a, nil
}

func singleAddress(a netip.Addr) ipEntry {
	p := netip.PrefixFrom(a, a.BitLen())
	return ipEntry{addr: okta.ZoneAddress{Type: okta.AddressCIDR, Value: p.String()}, lo: a, hi: a}
}

// checkScope refuses an entry broader than the bounds, or one whose first
// or last address no client could have.
func (e ipEntry) checkScope() error {
	minBits := minPrefixV4
	if !e.lo.Is4() {
		minBits = minPrefixV6
	}
	limit := new(big.Int).Lsh(big.NewInt(1), uint(e.lo.BitLen()-minBits))
	if size := new(big.Int).Add(new(big.Int).Sub(addrInt(e.hi), addrInt(e.lo)), big.NewInt(1)); size.Cmp(limit) > 0 {
		return fmt.Errorf("%s is too broad: it would block more than a /%d (IPv4 /%d, IPv6 /%d are the broadest idcmd blocks; edit the zone in Okta for more)",
			e.addr.Value, minBits, minPrefixV4, minPrefixV6)
	}
	for _, a := range []netip.Addr{e.lo, e.hi} {
		if a.IsUnspecified() || a.IsLoopback() || a.IsMulticast() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() {
			return fmt.Errorf("%s covers addresses no client reaches Okta from (%s: unspecified, loopback, link-local or multicast)", e.addr.Value, a)
		}
	}
	return nil
}

// zoneEntry reads an entry Okta holds, leniently: a CIDR may carry host
// bits (the spec's own examples do). An entry it cannot read is reported
// as not ok and is kept in the zone as it is.
func zoneEntry(a okta.ZoneAddress) (ipEntry, bool) {
	switch a.Type {
	case okta.AddressCIDR:
		p, err := netip.ParsePrefix(strings.TrimSpace(a.Value))
		if err != nil {
			return ipEntry{}, false
		}
		p = netip.PrefixFrom(p.Addr().Unmap(), max(0, p.Bits()-unmapShift(p.Addr()))).Masked()
		return ipEntry{addr: a, lo: p.Addr(), hi: lastAddr(p)}, true
	case okta.AddressRange:
		x, y, ok := strings.Cut(a.Value, "-")
		lo, err1 := netip.ParseAddr(strings.TrimSpace(x))
		hi, err2 := netip.ParseAddr(strings.TrimSpace(y))
		lo, hi = lo.Unmap(), hi.Unmap()
		if !ok || err1 != nil || err2 != nil || lo.Is4() != hi.Is4() || hi.Less(lo) {
			return ipEntry{}, false
		}
		return ipEntry{addr: a, lo: lo, hi: hi}, true
	}
	return ipEntry{}, false
}

// unmapShift is how many prefix bits an IPv4-mapped IPv6 prefix loses
// when it is read as IPv4.
func unmapShift(a netip.Addr) int {
	if a.Is4In6() {
		return 96
	}
	return 0
}

// same reports whether two entries cover exactly the same addresses.
func (e ipEntry) same(o ipEntry) bool { return e.lo == o.lo && e.hi == o.hi }

// covers reports whether e covers every address of o.
func (e ipEntry) covers(o ipEntry) bool {
	return e.lo.Is4() == o.lo.Is4() && !o.lo.Less(e.lo) && !e.hi.Less(o.hi)
}

// lastAddr is the last address of a masked prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func addrInt(a netip.Addr) *big.Int { return new(big.Int).SetBytes(a.AsSlice()) }

// parseEntries reads a caller's list: every entry is checked and each bad
// one named by its index; duplicates (the same network written twice) are
// dropped.
func parseEntries(field string, raw []string) ([]ipEntry, error) {
	var out []ipEntry
	var problems []FieldError
	for i, s := range raw {
		e, err := parseEntry(s)
		if err != nil {
			problems = append(problems, FieldError{Location: fmt.Sprintf("%s[%d]", field, i), Message: err.Error()})
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || o.same(e)
		}
		if !dup {
			out = append(out, e)
		}
	}
	if len(problems) > 0 {
		return nil, &InputError{Detail: "The arguments are invalid", Errors: problems}
	}
	return out, nil
}
