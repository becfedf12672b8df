package rules

import (
	"net/netip"
	"strings"

	"github.com/idcmd/idcmd/events"
)

// denyList fires on any event from an IP in one of the CIDRs.
type denyList struct {
	cfg      DenyList
	prefixes []netip.Prefix
}

func (denyList) Name() string { return DetectDenyList }

func (d denyList) Detect(ev events.Event, _ *Memory) *Finding {
	if ev.IP == "" || len(d.prefixes) == 0 {
		return nil
	}
	a, err := netip.ParseAddr(strings.TrimSpace(ev.IP))
	if err != nil {
		return nil
	}
	a = a.Unmap().WithZone("")
	for i, p := range d.prefixes {
		if p.Contains(a) {
			return &Finding{
				Detector: DetectDenyList, Raises: d.cfg.Raises,
				Summary:  "Event from " + ev.IP + ", in the deny list (" + d.cfg.CIDRs[i] + ")",
				Evidence: map[string]any{"ip": ev.IP, "cidr": d.cfg.CIDRs[i]},
			}
		}
	}
	return nil
}
