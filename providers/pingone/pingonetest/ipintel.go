package pingonetest

import (
	"hash/fnv"
	"math"
	"net/netip"
)

// ipInfo is what the fake's Protect knows about an address: reputation
// and geolocation. It stands in for PingOne's threat intelligence so that
// scores are deterministic and the seed's stories come out as intended.
type ipInfo struct {
	known bool // geolocated
	// score is the reputation risk, 0 (clean) to 100 (malicious).
	score                int
	city, state, country string
	lat, lon             float64
	anonymous            bool // Tor exit, anonymizing proxy or VPN
}

type ipRange struct {
	prefix netip.Prefix
	info   ipInfo
}

// ipIntel is the fake's threat-intelligence table; it is never modified.
// Corporate and residential addresses are in the documentation ranges
// (RFC 5737); the unusual countries use plausible public blocks. The most
// specific prefix wins.
var ipIntel = []ipRange{
	{netip.MustParsePrefix("192.0.2.0/24"), ipInfo{true, 5, "Ashburn", "Virginia", "United States", 39.0438, -77.4874, false}},
	{netip.MustParsePrefix("198.51.100.0/24"), ipInfo{true, 5, "New York", "New York", "United States", 40.7209, -74.0007, false}},
	{netip.MustParsePrefix("198.51.100.32/27"), ipInfo{true, 5, "San Francisco", "California", "United States", 37.7697, -122.3933, false}},
	{netip.MustParsePrefix("203.0.113.0/26"), ipInfo{true, 10, "Brooklyn", "New York", "United States", 40.6943, -73.9903, false}},
	{netip.MustParsePrefix("203.0.113.64/26"), ipInfo{true, 10, "Austin", "Texas", "United States", 30.2711, -97.7437, false}},
	{netip.MustParsePrefix("203.0.113.128/26"), ipInfo{true, 10, "Chicago", "Illinois", "United States", 41.8858, -87.6181, false}},
	{netip.MustParsePrefix("203.0.113.192/26"), ipInfo{true, 10, "Seattle", "Washington", "United States", 47.6101, -122.3344, false}},
	{netip.MustParsePrefix("81.2.69.0/24"), ipInfo{true, 15, "London", "England", "United Kingdom", 51.5142, -0.0931, false}},
	{netip.MustParsePrefix("177.37.0.0/16"), ipInfo{true, 30, "Sao Paulo", "Sao Paulo", "Brazil", -23.5505, -46.6333, false}},
	{netip.MustParsePrefix("45.142.212.0/24"), ipInfo{true, 45, "Amsterdam", "North Holland", "Netherlands", 52.3676, 4.9041, false}},
	{netip.MustParsePrefix("95.173.136.0/24"), ipInfo{true, 50, "Moscow", "Moscow", "Russia", 55.7558, 37.6173, false}},
	{netip.MustParsePrefix("105.112.0.0/16"), ipInfo{true, 55, "Lagos", "Lagos", "Nigeria", 6.5244, 3.3792, false}},
	{netip.MustParsePrefix("5.160.0.0/16"), ipInfo{true, 85, "Tehran", "Tehran", "Iran", 35.6892, 51.3890, false}},
	{netip.MustParsePrefix("175.45.176.0/22"), ipInfo{true, 90, "Pyongyang", "Pyongyang", "North Korea", 39.0392, 125.7625, false}},
	{netip.MustParsePrefix("185.220.101.0/24"), ipInfo{true, 95, "Frankfurt am Main", "Hesse", "Germany", 50.1109, 8.6821, true}},
}

// lookupIP returns what is known about a. Private, loopback and shared
// addresses are clean and not geolocated; unknown public ones get a
// moderate, address-derived score.
func lookupIP(a netip.Addr) ipInfo {
	a = a.Unmap()
	best := -1
	for i, r := range ipIntel {
		if r.prefix.Contains(a) && (best < 0 || r.prefix.Bits() > ipIntel[best].prefix.Bits()) {
			best = i
		}
	}
	if best >= 0 {
		return ipIntel[best].info
	}
	if a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || cgnat.Contains(a) {
		return ipInfo{}
	}
	h := fnv.New32a()
	b := a.AsSlice()
	h.Write(b)
	return ipInfo{score: 15 + int(h.Sum32()%30)}
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// distanceKm is the great-circle distance between two points.
func distanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	const earthRadiusKm = 6371
	rad := func(d float64) float64 { return d * math.Pi / 180 }
	dLat, dLon := rad(lat2-lat1), rad(lon2-lon1)
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(rad(lat1))*math.Cos(rad(lat2))*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Sqrt(h))
}
