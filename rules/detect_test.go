package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/events"
)

// Fixed clocks: a Tuesday mid-morning in New York, in winter (EST).
var t0 = time.Date(2026, 1, 13, 15, 0, 0, 0, time.UTC) // 10:00 EST

func f64(v float64) *float64 { return &v }

func signIn(user string, at time.Time, country string, asn int64, lat, lon float64) events.Event {
	ev := events.Event{ID: user + at.Format(time.RFC3339Nano), Provider: events.Okta, Type: "user.session.start", Outcome: "SUCCESS",
		Time: at, User: user + "@example.com", UserID: "00u" + user, IP: "198.51.100.7"}
	if country != "" {
		ev.Geo = &events.Geo{Country: country, Lat: f64(lat), Lon: f64(lon)}
		ev.Location = country
	}
	if asn != 0 {
		ev.Network = &events.Net{ASN: asn, ASOrg: "as" + string(rune('a'+asn%26))}
	}
	return ev
}

func failedSignIn(user, ip string, at time.Time) events.Event {
	return events.Event{ID: "f" + user + at.Format(time.RFC3339Nano), Provider: events.Okta, Type: "user.session.start", Outcome: "FAILURE",
		Reason: "INVALID_CREDENTIALS", Time: at, User: user + "@example.com", UserID: "00u" + user, IP: ip}
}

func mfaDenied(user string, at time.Time) events.Event {
	return events.Event{ID: "m" + user + at.Format(time.RFC3339Nano), Provider: events.Okta, Type: "user.mfa.okta_verify.deny_push", Outcome: "FAILURE",
		Time: at, User: user + "@example.com", UserID: "00u" + user, IP: "95.173.136.70"}
}

// run feeds evs through one detector as the engine does (Detect, then
// Observe) and returns the findings per event (nil when it did not fire).
func run(t *testing.T, d Detectors, name string, dir Directory, evs ...events.Event) []*Finding {
	t.Helper()
	ds, err := d.build(dir)
	if err != nil {
		t.Fatal(err)
	}
	var det Detector
	for _, x := range ds {
		if x.Name() == name {
			det = x
		}
	}
	if det == nil {
		t.Fatalf("detector %s not built", name)
	}
	mem := NewMemory(d)
	out := make([]*Finding, len(evs))
	for i, ev := range evs {
		out[i] = det.Detect(ev, mem)
		if out[i] != nil && (out[i].Detector != name || out[i].Summary == "" || len(out[i].Evidence) == 0) {
			t.Errorf("finding %+v: wants its detector, a summary and evidence", out[i])
		}
		mem.Observe(ev)
	}
	return out
}

func fired(fs []*Finding) []bool {
	out := make([]bool, len(fs))
	for i, f := range fs {
		out[i] = f != nil
	}
	return out
}

func wantFired(t *testing.T, fs []*Finding, want ...bool) {
	t.Helper()
	got := fired(fs)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: fired %v, want %v (all: %v)", i, got[i], want[i], got)
		}
	}
}

func TestOffHours(t *testing.T) {
	d := DefaultDetectors()
	ny := func(y int, m time.Month, day, h, min int) time.Time {
		loc, _ := time.LoadLocation("America/New_York")
		return time.Date(y, m, day, h, min, 0, 0, loc)
	}
	cases := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"Tuesday 10:00", t0, false},
		{"Tuesday 07:59", ny(2026, 1, 13, 7, 59), true},
		{"Tuesday 08:00 (the start)", ny(2026, 1, 13, 8, 0), false},
		{"Tuesday 18:00 (the end)", ny(2026, 1, 13, 18, 0), true},
		{"Saturday noon", ny(2026, 1, 17, 12, 0), true},
		// Across DST: 13:30 UTC is 08:30 EST on the Friday before the
		// change (in hours) and 09:30 EDT after it; 12:30 UTC is 07:30 EST
		// (off) before, 08:30 EDT (in) after. A fixed UTC offset gets one
		// of them wrong.
		{"Friday 12:30 UTC before DST", time.Date(2026, 3, 6, 12, 30, 0, 0, time.UTC), true},
		{"Monday 12:30 UTC after DST", time.Date(2026, 3, 9, 12, 30, 0, 0, time.UTC), false},
		{"Monday 22:30 UTC after DST (18:30 EDT)", time.Date(2026, 3, 9, 22, 30, 0, 0, time.UTC), true},
		{"Friday 22:30 UTC before DST (17:30 EST)", time.Date(2026, 3, 6, 22, 30, 0, 0, time.UTC), false},
	}
	for _, c := range cases {
		fs := run(t, d, DetectOffHours, nil, signIn("a", c.at, "", 0, 0, 0))
		if (fs[0] != nil) != c.want {
			t.Errorf("%s: fired %v, want %v", c.name, fs[0] != nil, c.want)
		}
	}
	d.OffHours.Weekends = false
	if fs := run(t, d, DetectOffHours, nil, signIn("a", ny(2026, 1, 17, 12, 0), "", 0, 0, 0)); fs[0] != nil {
		t.Errorf("weekends off: a Saturday noon sign-in fired: %s", fs[0].Summary)
	}
	// A failed sign-in is not a sign-in.
	if fs := run(t, d, DetectOffHours, nil, failedSignIn("a", "192.0.2.1", ny(2026, 1, 13, 3, 0))); fs[0] != nil {
		t.Error("off_hours fired on a failed sign-in")
	}
}

type roster map[string]string

func (r roster) Privileged(provider, id, login string) (string, bool) {
	if r == nil {
		return "", false
	}
	return r[provider+"|"+id], true
}

func TestPrivilegedUser(t *testing.T) {
	d := DefaultDetectors()
	r := roster{"okta|00uadmin": "holds SUPER_ADMIN"}
	fs := run(t, d, DetectPrivilegedUser, r, signIn("admin", t0, "", 0, 0, 0), signIn("bob", t0, "", 0, 0, 0))
	wantFired(t, fs, true, false)
	if fs[0] != nil && !strings.Contains(fs[0].Summary, "SUPER_ADMIN") {
		t.Errorf("summary %q does not say why", fs[0].Summary)
	}
	// Unknown roster: not read yet, or none.
	wantFired(t, run(t, d, DetectPrivilegedUser, roster(nil), signIn("admin", t0, "", 0, 0, 0)), false)
	wantFired(t, run(t, d, DetectPrivilegedUser, nil, signIn("admin", t0, "", 0, 0, 0)), false)
}

func TestNewCountry(t *testing.T) {
	d := DefaultDetectors()
	fs := run(t, d, DetectNewCountry, nil,
		signIn("a", t0, "Russia", 0, 55.7, 37.6),                  // no history: not flagged
		signIn("a", t0.Add(time.Hour), "Russia", 0, 55.7, 37.6),   // seen
		signIn("a", t0.Add(2*time.Hour), "Brazil", 0, -23, -46),   // new
		signIn("a", t0.Add(3*time.Hour), "brazil", 0, -23, -46),   // seen now (case)
		signIn("a", t0.Add(4*time.Hour), "", 0, 0, 0),             // no geo
		signIn("a", t0.Add(31*24*time.Hour), "Japan", 0, 35, 139), // history outside the window: nothing to compare with
		signIn("a", t0.Add(31*24*time.Hour+time.Hour), "Russia", 0, 55.7, 37.6),
	)
	wantFired(t, fs, false, false, true, false, false, false, true)
	if fs[2] != nil && !strings.Contains(fs[2].Summary, "russia") {
		t.Errorf("summary %q does not list the countries seen", fs[2].Summary)
	}
	// Failed sign-ins are no history: a spray from Lagos does not teach
	// the user Nigeria.
	f := failedSignIn("b", "105.112.1.1", t0)
	f.Geo = &events.Geo{Country: "Nigeria"}
	wantFired(t, run(t, d, DetectNewCountry, nil, signIn("b", t0, "United States", 0, 40, -74), f,
		signIn("b", t0.Add(time.Hour), "Nigeria", 0, 6, 3)), false, false, true)
}

func TestNewASN(t *testing.T) {
	d := DefaultDetectors()
	fs := run(t, d, DetectNewASN, nil,
		signIn("a", t0, "", 7922, 0, 0),
		signIn("a", t0.Add(time.Hour), "", 7922, 0, 0),
		signIn("a", t0.Add(2*time.Hour), "", 14061, 0, 0),
		signIn("a", t0.Add(3*time.Hour), "", 0, 0, 0),
	)
	wantFired(t, fs, false, false, true, false)
	d.NewLocation.Window = time.Hour
	wantFired(t, run(t, d, DetectNewASN, nil, signIn("a", t0, "", 7922, 0, 0), signIn("a", t0.Add(2*time.Hour), "", 1, 0, 0)), false, false)
}

func TestImpossibleTravel(t *testing.T) {
	d := DefaultDetectors()
	nyc := func(at time.Time) events.Event { return signIn("a", at, "United States", 0, 40.7128, -74.0060) }
	sgp := func(at time.Time) events.Event { return signIn("a", at, "Singapore", 0, 1.2789, 103.8536) }
	// New York → Singapore is about 15,300 km: 18 minutes is impossible,
	// 20 hours is a flight.
	wantFired(t, run(t, d, DetectImpossibleTravel, nil, nyc(t0), sgp(t0.Add(18*time.Minute))), false, true)
	wantFired(t, run(t, d, DetectImpossibleTravel, nil, nyc(t0), sgp(t0.Add(20*time.Hour))), false, false)
	// The same instant from two places.
	wantFired(t, run(t, d, DetectImpossibleTravel, nil, nyc(t0), sgp(t0)), false, true)
	// No geo: neither fires nor counts as the previous place.
	wantFired(t, run(t, d, DetectImpossibleTravel, nil, nyc(t0), signIn("a", t0.Add(time.Minute), "", 0, 0, 0), sgp(t0.Add(20*time.Hour))), false, false, false)
	wantFired(t, run(t, d, DetectImpossibleTravel, nil, signIn("a", t0, "", 0, 0, 0), signIn("a", t0.Add(time.Minute), "", 0, 0, 0)), false, false)
	// Below MinDistanceKm: New York → Boston (300 km) in 5 minutes is
	// geo-IP noise, not travel.
	boston := signIn("a", t0.Add(5*time.Minute), "United States", 0, 42.3601, -71.0589)
	wantFired(t, run(t, d, DetectImpossibleTravel, nil, nyc(t0), boston), false, false)
	// Another user's sign-in is not this user's previous one.
	other := signIn("b", t0, "United States", 0, 40.7128, -74.0060)
	wantFired(t, run(t, d, DetectImpossibleTravel, nil, other, sgp(t0.Add(time.Minute))), false, false)
	if km := haversineKm(40.7128, -74.0060, 1.2789, 103.8536); km < 15000 || km > 15500 {
		t.Errorf("New York–Singapore %f km", km)
	}
}

func TestMFAFatigue(t *testing.T) {
	d := DefaultDetectors() // 5 within 10 minutes
	var evs []events.Event
	for i := range 7 {
		evs = append(evs, mfaDenied("a", t0.Add(time.Duration(i)*time.Minute)))
	}
	wantFired(t, run(t, d, DetectMFAFatigue, nil, evs...), false, false, false, false, true, true, true)
	// Outside the window: five spread over more than ten minutes.
	var slow []events.Event
	for i := range 5 {
		slow = append(slow, mfaDenied("a", t0.Add(time.Duration(i)*(150*time.Second+time.Second))))
	}
	wantFired(t, run(t, d, DetectMFAFatigue, nil, slow...), false, false, false, false, false)
	// Exactly the window apart counts as within.
	var edge []events.Event
	for i := range 5 {
		edge = append(edge, mfaDenied("a", t0.Add(time.Duration(i)*150*time.Second)))
	}
	wantFired(t, run(t, d, DetectMFAFatigue, nil, edge...), false, false, false, false, true)
	// Failures of different users do not add up; a push sent is not a failure.
	mixed := []events.Event{mfaDenied("a", t0), mfaDenied("b", t0), mfaDenied("c", t0), mfaDenied("d", t0), mfaDenied("e", t0)}
	push := mfaDenied("a", t0)
	push.Type, push.Outcome = "system.push.send_factor_verify_push", "SUCCESS"
	wantFired(t, run(t, d, DetectMFAFatigue, nil, append(mixed, push, push, push, push)...), false, false, false, false, false, false, false, false, false)
}

func TestPasswordSpray(t *testing.T) {
	d := DefaultDetectors()
	d.PasswordSpray.Count = 3
	ip := "45.142.212.9"
	fs := run(t, d, DetectPasswordSpray, nil,
		failedSignIn("a", ip, t0),
		failedSignIn("a", ip, t0.Add(time.Second)), // the same user again: still one
		failedSignIn("b", ip, t0.Add(2*time.Second)),
		failedSignIn("c", "192.0.2.5", t0.Add(3*time.Second)), // another IP
		failedSignIn("c", ip, t0.Add(4*time.Second)),          // exactly Count
		failedSignIn("d", ip, t0.Add(5*time.Second)),
		signIn("e", t0.Add(6*time.Second), "", 0, 0, 0), // from 198.51.100.7: not the spraying IP
	)
	wantFired(t, fs, false, false, false, false, true, true, false)
	win := signIn("e", t0.Add(6*time.Second), "", 0, 0, 0)
	win.IP = ip
	fs = run(t, d, DetectPasswordSpray, nil, failedSignIn("a", ip, t0), failedSignIn("b", ip, t0), failedSignIn("c", ip, t0), win)
	wantFired(t, fs, false, false, true, true)
	// Outside the window.
	wantFired(t, run(t, d, DetectPasswordSpray, nil, failedSignIn("a", ip, t0), failedSignIn("b", ip, t0.Add(time.Minute)),
		failedSignIn("c", ip, t0.Add(10*time.Minute+time.Second))), false, false, false)
}

func TestDenyList(t *testing.T) {
	d := DefaultDetectors()
	d.DenyList.CIDRs = []string{"185.220.101.0/24", "2001:db8:dead::/48", "203.0.113.9"}
	ev := func(ip string) events.Event { e := failedSignIn("a", ip, t0); return e }
	wantFired(t, run(t, d, DetectDenyList, nil,
		ev("185.220.101.33"), ev("185.220.102.1"), ev("2001:db8:dead:beef::1"), ev("2001:db8:beef::1"),
		ev("::ffff:185.220.101.7"), ev("203.0.113.9"), ev("203.0.113.10"), ev(""), ev("not-an-ip")),
		true, false, true, false, true, true, false, false, false)
	d.DenyList.CIDRs = []string{"10.0.0.0/8", "300.1.2.0/24"}
	err := d.validate()
	if err == nil || !strings.HasPrefix(err.Error(), "deny_list.cidrs[1]:") {
		t.Errorf("validate: %v, want deny_list.cidrs[1]", err)
	}
}

func TestProviderRisk(t *testing.T) {
	d := DefaultDetectors()
	ev := func(level string) events.Event { e := signIn("a", t0, "", 0, 0, 0); e.RiskLevel = level; return e }
	wantFired(t, run(t, d, DetectProviderRisk, nil, ev("HIGH"), ev("MEDIUM"), ev(""), ev("CRITICAL")), true, false, false, true)
}

func TestValidateNamesTheKey(t *testing.T) {
	cases := []struct {
		key string
		mod func(*Detectors)
	}{
		{"off_hours.time_zone:", func(d *Detectors) { d.OffHours.TimeZone = "Mars/Olympus" }},
		{"off_hours.start:", func(d *Detectors) { d.OffHours.Start = "8am" }},
		{"off_hours.end:", func(d *Detectors) { d.OffHours.End = "08:00" }},
		{"mfa_fatigue.count:", func(d *Detectors) { d.MFAFatigue.Count = 1 }},
		{"password_spray.window:", func(d *Detectors) { d.PasswordSpray.Window = 0 }},
		{"new_location.window:", func(d *Detectors) { d.NewLocation.Window = 0 }},
		{"impossible_travel.max_speed_kmh:", func(d *Detectors) { d.ImpossibleTravel.MaxSpeedKmh = 0 }},
		{"provider_risk.levels[1]:", func(d *Detectors) { d.ProviderRisk.Levels = []string{"HIGH", "SEVERE"} }},
		{"privileged.groups[0]:", func(d *Detectors) { d.Privileged.Groups = []string{" "} }},
		{"deny_list.cidrs[0]:", func(d *Detectors) { d.DenyList.Enabled = false; d.DenyList.CIDRs = []string{"10.0.0.0/33"} }},
	}
	for _, c := range cases {
		d := DefaultDetectors()
		c.mod(&d)
		err := d.validate()
		if err == nil || !strings.HasPrefix(err.Error(), c.key) {
			t.Errorf("%s: validate() = %v", c.key, err)
		}
		cfg := Defaults()
		cfg.Detectors = d
		if _, err := NewEngine(cfg, nil); err == nil || !strings.Contains(err.Error(), "rules.detectors."+c.key) {
			t.Errorf("%s: NewEngine: %v", c.key, err)
		}
	}
	if err := DefaultDetectors().validate(); err != nil {
		t.Fatal(err)
	}
	// A bad but disabled off_hours is not checked; disabled detectors are not built.
	d := DefaultDetectors()
	d.OffHours = OffHours{TimeZone: "nowhere"}
	d.MFAFatigue.Enabled = false
	ds, err := d.build(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range ds {
		if x.Name() == DetectOffHours || x.Name() == DetectMFAFatigue {
			t.Errorf("%s built while disabled", x.Name())
		}
	}
}

func TestMemoryBounded(t *testing.T) {
	d := DefaultDetectors()
	m := NewMemory(d)
	for i := range 3 * maxPlaces {
		m.Observe(signIn("a", t0.Add(time.Duration(i)*time.Minute), "C"+string(rune('A'+i%26))+string(rune('A'+i/26)), int64(i+1), 0, 0))
	}
	for i := range 2 * maxMFAFailures {
		m.Observe(mfaDenied("a", t0.Add(time.Duration(i)*time.Second)))
	}
	for i := range 2 * maxSprayUsers {
		m.Observe(failedSignIn("u"+string(rune(i)), "45.142.212.9", t0))
	}
	u := m.users["okta|00ua"]
	if len(u.countries) > maxPlaces || len(u.asns) > maxPlaces || len(u.mfaFailures) > maxMFAFailures {
		t.Errorf("countries %d asns %d mfa %d", len(u.countries), len(u.asns), len(u.mfaFailures))
	}
	if n := len(m.ips["okta|45.142.212.9"].failures); n > maxSprayUsers {
		t.Errorf("%d users kept for one IP", n)
	}
	// Forgotten after the windows, by event time.
	m.Observe(signIn("z", t0.Add(60*24*time.Hour), "X", 1, 0, 0))
	m.prune()
	if len(m.users) != 1 || len(m.ips) != 0 {
		t.Errorf("after 60 days: %d users, %d ips remembered", len(m.users), len(m.ips))
	}
}
