package commands

import (
	"slices"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/providers/okta"
)

func TestParseEntry(t *testing.T) {
	for in, want := range map[string]okta.ZoneAddress{
		"95.173.136.72":              {Type: "CIDR", Value: "95.173.136.72/32"},
		" 95.173.136.72 ":            {Type: "CIDR", Value: "95.173.136.72/32"},
		"::ffff:95.173.136.72":       {Type: "CIDR", Value: "95.173.136.72/32"},
		"2001:DB8::1":                {Type: "CIDR", Value: "2001:db8::1/128"},
		"203.0.113.77/24":            {Type: "CIDR", Value: "203.0.113.0/24"},
		"10.1.0.0/16":                {Type: "CIDR", Value: "10.1.0.0/16"},
		"2001:db8::/32":              {Type: "CIDR", Value: "2001:db8::/32"},
		"203.0.113.5-203.0.113.9":    {Type: "RANGE", Value: "203.0.113.5-203.0.113.9"},
		"203.0.113.5 - 203.0.113.5":  {Type: "CIDR", Value: "203.0.113.5/32"},
		"10.0.0.0-10.0.255.255":      {Type: "RANGE", Value: "10.0.0.0-10.0.255.255"},
		"2001:db8::1-2001:db8::ffff": {Type: "RANGE", Value: "2001:db8::1-2001:db8::ffff"},
	} {
		e, err := parseEntry(in)
		if err != nil || e.addr != want {
			t.Errorf("parseEntry(%q) = %v, %v; want %v", in, e.addr, err, want)
		}
	}
	for in, why := range map[string]string{
		"":                    "not an IP",
		"example.com":         "not an IP",
		"1.2.3.4/33":          "not an IP",
		"0.0.0.0/0":           "too broad",
		"::/0":                "too broad",
		"10.0.0.0/15":         "too broad",
		"2001:db8::/31":       "too broad",
		"10.0.0.0-10.1.0.0":   "too broad",
		"127.0.0.1":           "loopback",
		"::1":                 "loopback",
		"0.0.0.0":             "unspecified",
		"224.0.0.1":           "multicast",
		"fe80::1":             "link-local",
		"fe80::1%eth0":        "zone",
		"::ffff:1.2.3.0/120":  "IPv4-mapped",
		"1.2.3.9-1.2.3.4":     "ends before",
		"1.2.3.4-2001:db8::1": "mixes",
		"1.2.3.4/24-1.2.3.9":  "not an IP",
	} {
		if _, err := parseEntry(in); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("parseEntry(%q): %v, want an error saying %q", in, err, why)
		}
	}
}

func TestZoneEntryLenient(t *testing.T) {
	// Okta's own examples carry host bits; they still compare by network.
	e, ok := zoneEntry(okta.ZoneAddress{Type: "CIDR", Value: "1.2.3.4/24"})
	want, _ := parseEntry("1.2.3.0/24")
	if !ok || !e.same(want) {
		t.Errorf("1.2.3.4/24: %v %v", e, ok)
	}
	// The spec example's odd range is kept but never matched.
	if _, ok := zoneEntry(okta.ZoneAddress{Type: "RANGE", Value: "15.5.6.7/24-15.5.6.9"}); ok {
		t.Error("an unreadable range was read")
	}
}

func TestEditsKeepOtherEntries(t *testing.T) {
	cur := []okta.ZoneAddress{
		{Type: "CIDR", Value: "1.2.3.4/24"},
		{Type: "RANGE", Value: "15.5.6.7/24-15.5.6.9"}, // unreadable: kept as it is
		{Type: "RANGE", Value: "9.9.9.1-9.9.9.9"},
	}
	want := func(ss ...string) []ipEntry {
		es, err := parseEntries("body.ips", ss)
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	e := appendEntries(cur, want("1.2.3.77", "8.8.4.4", "8.8.4.4/32"))
	if !e.write || !slices.Equal(e.diff.added, []string{"8.8.4.4/32"}) || len(e.gateways) != 4 ||
		!slices.Equal(e.diff.alreadyPresent, []string{"1.2.3.77/32 (in 1.2.3.4/24)"}) {
		t.Errorf("append: %+v", e)
	}
	e = removeEntries(cur, want("1.2.3.0/24", "9.9.9.5"))
	if !e.write || !slices.Equal(e.diff.removed, []string{"1.2.3.4/24"}) || !slices.Equal(e.diff.stillBlocked, []string{"9.9.9.5/32 (by 9.9.9.1-9.9.9.9)"}) ||
		!slices.Equal(addressValues(e.gateways), []string{"15.5.6.7/24-15.5.6.9", "9.9.9.1-9.9.9.9"}) {
		t.Errorf("remove: %+v", e)
	}
	e = overrideEntries(cur, want("9.9.9.1-9.9.9.9"))
	if !slices.Equal(e.diff.removed, []string{"1.2.3.4/24", "15.5.6.7/24-15.5.6.9"}) || len(e.diff.added) != 0 || !e.write {
		t.Errorf("override: %+v", e)
	}
	if _, err := parseEntries("body.ips", []string{"8.8.8.8", "nope", "0.0.0.0/0"}); err == nil ||
		!strings.Contains(err.Error(), "body.ips[1]") || !strings.Contains(err.Error(), "body.ips[2]") {
		t.Errorf("parseEntries: %v", err)
	}
}
