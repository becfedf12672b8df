package rules

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // off_hours.time_zone must load on a host without a tz database (containers)

	"github.com/idcmd/idcmd/risk"
)

// Detector names: their Finding.Detector and their keys.
const (
	DetectOffHours         = "off_hours"
	DetectPrivilegedUser   = "privileged_user"
	DetectNewCountry       = "new_country"
	DetectNewASN           = "new_asn"
	DetectImpossibleTravel = "impossible_travel"
	DetectMFAFatigue       = "mfa_fatigue"
	DetectPasswordSpray    = "password_spray"
	DetectDenyList         = "deny_list"
	DetectProviderRisk     = "provider_risk"
)

// riskLevels are the levels the providers rate risk with.
var riskLevels = []string{"LOW", "MEDIUM", "HIGH", "CRITICAL"}

// validate checks the enabled detectors; the error names the first bad
// key below rules.detectors (the caller adds that prefix).
func (d Detectors) validate() error {
	if o := d.OffHours; o.Enabled {
		if _, err := time.LoadLocation(o.TimeZone); err != nil || o.TimeZone == "" {
			return fmt.Errorf("off_hours.time_zone: %q is not an IANA time zone (America/New_York)", o.TimeZone)
		}
		start, err := risk.ParseClock(o.Start)
		if err != nil {
			return fmt.Errorf("off_hours.start: %w", err)
		}
		end, err := risk.ParseClock(o.End)
		if err != nil {
			return fmt.Errorf("off_hours.end: %w", err)
		}
		if start == end {
			return fmt.Errorf("off_hours.end: equals off_hours.start (%s): the working day would be empty", o.Start)
		}
	}
	if p := d.Privileged; p.Enabled {
		for i, g := range p.Groups {
			if strings.TrimSpace(g) == "" {
				return fmt.Errorf("privileged.groups[%d]: is empty", i)
			}
		}
		if len(p.Groups) == 0 && !p.AdminRoles {
			return fmt.Errorf("privileged.groups: is empty and privileged.admin_roles is false: nobody could be privileged")
		}
	}
	if n := d.NewLocation; n.Enabled {
		switch {
		case n.Window <= 0:
			return fmt.Errorf("new_location.window: must be positive (30 days is 720h)")
		case !n.Country && !n.ASN:
			return fmt.Errorf("new_location.country: and new_location.asn are both false: turn new_location.enabled off instead")
		}
	}
	if t := d.ImpossibleTravel; t.Enabled {
		switch {
		case t.MaxSpeedKmh <= 0:
			return fmt.Errorf("impossible_travel.max_speed_kmh: must be positive (a jet is 1000)")
		case t.MinDistanceKm < 0:
			return fmt.Errorf("impossible_travel.min_distance_km: must not be negative")
		}
	}
	for key, b := range map[string]Burst{"mfa_fatigue": d.MFAFatigue, "password_spray": d.PasswordSpray} {
		if !b.Enabled {
			continue
		}
		if b.Count < 2 {
			return fmt.Errorf("%s.count: must be at least 2, got %d", key, b.Count)
		}
		if b.Window <= 0 {
			return fmt.Errorf("%s.window: must be positive", key)
		}
	}
	if _, err := d.DenyList.prefixes(); err != nil {
		return err
	}
	if r := d.ProviderRisk; r.Enabled {
		if len(r.Levels) == 0 {
			return fmt.Errorf("provider_risk.levels: is empty: list LOW, MEDIUM, HIGH or CRITICAL, or turn provider_risk.enabled off")
		}
		for i, l := range r.Levels {
			if !slices.Contains(riskLevels, strings.ToUpper(strings.TrimSpace(l))) {
				return fmt.Errorf("provider_risk.levels[%d]: %q is not LOW, MEDIUM, HIGH or CRITICAL", i, l)
			}
		}
	}
	return nil
}

// prefixes parses the deny list, checked even when it is off, so a typo
// is found before someone turns it on.
func (l DenyList) prefixes() ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(l.CIDRs))
	for i, c := range l.CIDRs {
		c = strings.TrimSpace(c)
		p, err := netip.ParsePrefix(c)
		if err != nil {
			// A bare address is a /32 (or /128).
			a, aerr := netip.ParseAddr(c)
			if aerr != nil {
				return nil, fmt.Errorf("deny_list.cidrs[%d]: %q is not a CIDR (203.0.113.0/24, 2001:db8::/32) or an IP address", i, l.CIDRs[i])
			}
			a = a.Unmap()
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// build returns the enabled detectors, in the order their findings are
// listed: the attacks first, because the first finding names the group of
// repeats (a password spray groups by the spraying IP, not per user).
func (d Detectors) build(dir Directory) ([]Detector, error) {
	if err := d.validate(); err != nil {
		return nil, err
	}
	var out []Detector
	if d.PasswordSpray.Enabled {
		out = append(out, passwordSpray{cfg: d.PasswordSpray})
	}
	if d.MFAFatigue.Enabled {
		out = append(out, mfaFatigue{cfg: d.MFAFatigue})
	}
	if d.ImpossibleTravel.Enabled {
		out = append(out, impossibleTravel{cfg: d.ImpossibleTravel})
	}
	if d.DenyList.Enabled {
		p, _ := d.DenyList.prefixes()
		out = append(out, denyList{cfg: d.DenyList, prefixes: p})
	}
	if d.NewLocation.Enabled && d.NewLocation.Country {
		out = append(out, newCountry{cfg: d.NewLocation})
	}
	if d.NewLocation.Enabled && d.NewLocation.ASN {
		out = append(out, newASN{cfg: d.NewLocation})
	}
	if d.ProviderRisk.Enabled {
		out = append(out, providerRisk{cfg: d.ProviderRisk})
	}
	if d.Privileged.Enabled {
		out = append(out, privilegedUser{cfg: d.Privileged, dir: dir})
	}
	if d.OffHours.Enabled {
		loc, _ := time.LoadLocation(d.OffHours.TimeZone)
		start, _ := risk.ParseClock(d.OffHours.Start)
		end, _ := risk.ParseClock(d.OffHours.End)
		out = append(out, offHours{cfg: d.OffHours, loc: loc, start: start, end: end})
	}
	return out, nil
}
