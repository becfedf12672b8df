package rules

import (
	"fmt"
	"math"
	"time"

	"github.com/idcmd/idcmd/events"
)

// impossibleTravel fires on a successful sign-in too far from the user's
// previous one (both located by the provider) to have travelled between
// them at MaxSpeedKmh. A sign-in without coordinates neither fires nor
// replaces the previous place.
type impossibleTravel struct{ cfg ImpossibleTravel }

func (impossibleTravel) Name() string { return DetectImpossibleTravel }

func (d impossibleTravel) Detect(ev events.Event, mem *Memory) *Finding {
	lat, lon, ok := coordinates(ev)
	if kindOf(ev) != signInSucceeded || !ok {
		return nil
	}
	u := mem.user(ev, false)
	if u == nil || u.lastGeo == nil {
		return nil
	}
	prev := u.lastGeo
	km := haversineKm(prev.Lat, prev.Lon, lat, lon)
	if km < d.cfg.MinDistanceKm || km == 0 {
		return nil
	}
	elapsed := ev.Time.Sub(prev.At).Abs()
	speed := math.Inf(1)
	if elapsed > 0 {
		speed = km / elapsed.Hours()
	}
	if speed <= d.cfg.MaxSpeedKmh {
		return nil
	}
	speedText := "at once"
	if !math.IsInf(speed, 1) {
		speedText = fmt.Sprintf("%.0f km/h", speed)
	}
	return &Finding{
		Detector: DetectImpossibleTravel, Raises: d.cfg.Raises,
		Summary: fmt.Sprintf("Sign-in from %s %s after one from %s: %.0f km (%s, above %.0f km/h)",
			placeName(ev.Location, ev.IP), elapsed.Round(time.Second), placeName(prev.Place, prev.IP), km, speedText, d.cfg.MaxSpeedKmh),
		Evidence: map[string]any{
			"distance_km": math.Round(km), "elapsed": elapsed.Round(time.Second).String(), "max_speed_kmh": d.cfg.MaxSpeedKmh,
			"previous": map[string]any{"event_id": prev.EventID, "time": prev.At, "location": prev.Place, "ip": prev.IP, "lat": prev.Lat, "lon": prev.Lon},
			"current":  map[string]any{"location": ev.Location, "ip": ev.IP, "lat": lat, "lon": lon},
		},
	}
}

func placeName(place, ip string) string {
	if place != "" {
		return place
	}
	return ip
}

// haversineKm is the great-circle distance between two points.
func haversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	const earthRadiusKm = 6371.0
	rad := func(d float64) float64 { return d * math.Pi / 180 }
	dLat, dLon := rad(lat2-lat1), rad(lon2-lon1)
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(rad(lat1))*math.Cos(rad(lat2))*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}
