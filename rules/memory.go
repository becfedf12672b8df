package rules

import (
	"slices"
	"strings"
	"time"

	"github.com/idcmd/idcmd/events"
)

// Bounds of what Memory keeps, so that an attacker who sprays a million
// usernames or a user who roams through every ASN cannot grow it without
// end. Past a bound the oldest entry goes first.
const (
	// maxPlaces is how many countries, and how many ASNs, are kept per user.
	maxPlaces = 64
	// maxMFAFailures is how many failed-MFA times are kept per user: far
	// more than any sensible mfa_fatigue.count.
	maxMFAFailures = 256
	// maxSprayUsers is how many distinct users are kept per IP.
	maxSprayUsers = 1024
	// maxSubjects bounds the users and the IPs remembered; past it the
	// ones not seen within the windows are pruned, then the least recently
	// seen.
	maxSubjects = 200_000
	// pruneEvery is how many observed events pass between prunings.
	pruneEvery = 4096
)

// Memory is what the detectors remember of the events decided so far, by
// the events' own time (ev.Time), never the wall clock: a replay or a
// warm-up from the store gives the same answers as the live decisions.
// It is fed every decided event in arrival order, after the detectors saw
// it. It is not safe for concurrent use: the engine owns it.
type Memory struct {
	// newLocationWindow is how long a country or ASN counts as seen;
	// burstWindow how long failed sign-ins and failed MFA are kept.
	newLocationWindow, burstWindow time.Duration
	users                          map[string]*userMemory
	ips                            map[string]*ipMemory
	// latest is the latest event time observed: the "now" of pruning.
	latest   time.Time
	observed int
}

// userMemory is one user's history.
type userMemory struct {
	countries map[string]time.Time // lower-cased country → last seen
	asns      map[int64]time.Time  // ASN → last seen
	// lastGeo is the latest successful sign-in that had coordinates.
	lastGeo *signInPlace
	// mfaFailures are the times of failed MFA, in arrival order.
	mfaFailures []time.Time
	seen        time.Time
}

// signInPlace is a successful sign-in's time and place.
type signInPlace struct {
	At       time.Time
	Lat, Lon float64
	Place    string
	IP       string
	EventID  string
}

// ipMemory is the failed sign-ins from one IP: user key → last failure.
type ipMemory struct {
	failures map[string]time.Time
	seen     time.Time
}

// NewMemory returns an empty memory sized for d's windows.
func NewMemory(d Detectors) *Memory {
	return &Memory{
		newLocationWindow: d.NewLocation.Window,
		burstWindow:       max(d.MFAFatigue.Window, d.PasswordSpray.Window),
		users:             map[string]*userMemory{},
		ips:               map[string]*ipMemory{},
	}
}

// userKey is provider|user ID, or provider|login when the provider did
// not know the user (Okta's actor "unknown" with the typed username); ""
// when the event names nobody.
func userKey(ev events.Event) string {
	if ev.UserID != "" && !strings.EqualFold(ev.UserID, "unknown") {
		return ev.Provider + "|" + ev.UserID
	}
	if ev.User != "" && !strings.EqualFold(ev.User, "unknown") {
		return ev.Provider + "|login:" + strings.ToLower(ev.User)
	}
	return ""
}

func ipKey(ev events.Event) string {
	if ev.IP == "" {
		return ""
	}
	return ev.Provider + "|" + ev.IP
}

// Observe remembers ev.
func (m *Memory) Observe(ev events.Event) {
	if ev.Rejected != "" || ev.Time.IsZero() {
		return
	}
	if ev.Time.After(m.latest) {
		m.latest = ev.Time
	}
	switch kindOf(ev) {
	case signInSucceeded:
		if u := m.user(ev, true); u != nil {
			m.observeSignIn(u, ev)
		}
	case signInFailed:
		if uk, ik := userKey(ev), ipKey(ev); uk != "" && ik != "" {
			m.observeFailure(ik, uk, ev.Time)
		}
	case mfaFailed:
		if u := m.user(ev, true); u != nil {
			u.mfaFailures = append(u.mfaFailures, ev.Time)
			if len(u.mfaFailures) > maxMFAFailures {
				u.mfaFailures = slices.Delete(u.mfaFailures, 0, len(u.mfaFailures)-maxMFAFailures)
			}
		}
	}
	if m.observed++; m.observed%pruneEvery == 0 || len(m.users) > maxSubjects || len(m.ips) > maxSubjects {
		m.prune()
	}
}

func (m *Memory) observeSignIn(u *userMemory, ev events.Event) {
	if c := country(ev); c != "" {
		remember(u.countries, strings.ToLower(c), ev.Time)
	}
	if a := asn(ev); a != 0 {
		remember(u.asns, a, ev.Time)
	}
	if lat, lon, ok := coordinates(ev); ok && (u.lastGeo == nil || !ev.Time.Before(u.lastGeo.At)) {
		u.lastGeo = &signInPlace{At: ev.Time, Lat: lat, Lon: lon, Place: ev.Location, IP: ev.IP, EventID: ev.ID}
	}
}

func (m *Memory) observeFailure(ik, uk string, at time.Time) {
	ip := m.ips[ik]
	if ip == nil {
		ip = &ipMemory{failures: map[string]time.Time{}}
		m.ips[ik] = ip
	}
	if at.After(ip.seen) {
		ip.seen = at
	}
	if prev, ok := ip.failures[uk]; !ok || at.After(prev) {
		ip.failures[uk] = at
	}
	if len(ip.failures) > maxSprayUsers {
		dropOldest(ip.failures)
	}
}

// remember records key as seen at t, dropping the oldest past maxPlaces.
func remember[K comparable](seen map[K]time.Time, key K, t time.Time) {
	if prev, ok := seen[key]; ok && prev.After(t) {
		return
	}
	seen[key] = t
	if len(seen) > maxPlaces {
		dropOldest(seen)
	}
}

func dropOldest[K comparable](seen map[K]time.Time) {
	var oldest K
	var at time.Time
	first := true
	for k, t := range seen {
		if first || t.Before(at) {
			oldest, at, first = k, t, false
		}
	}
	delete(seen, oldest)
}

// user returns ev's user, created when create; nil when ev names nobody.
func (m *Memory) user(ev events.Event, create bool) *userMemory {
	k := userKey(ev)
	if k == "" {
		return nil
	}
	u := m.users[k]
	if u == nil && create {
		u = &userMemory{countries: map[string]time.Time{}, asns: map[int64]time.Time{}}
		m.users[k] = u
	}
	if u != nil && create && ev.Time.After(u.seen) {
		u.seen = ev.Time
	}
	return u
}

// prune forgets what no window reaches any more, and then, if a bound is
// still exceeded, the least recently seen.
func (m *Memory) prune() {
	keep := max(m.newLocationWindow, m.burstWindow, 24*time.Hour)
	for k, u := range m.users {
		if u.seen.Before(m.latest.Add(-keep)) {
			delete(m.users, k)
			continue
		}
		u.mfaFailures = slices.DeleteFunc(u.mfaFailures, func(at time.Time) bool { return at.Before(m.latest.Add(-m.burstWindow)) })
	}
	for k, ip := range m.ips {
		if ip.seen.Before(m.latest.Add(-m.burstWindow)) {
			delete(m.ips, k)
		}
	}
	trim(m.users, func(u *userMemory) time.Time { return u.seen })
	trim(m.ips, func(ip *ipMemory) time.Time { return ip.seen })
}

// trim drops the least recently seen entries beyond maxSubjects.
func trim[V any](m map[string]V, seen func(V) time.Time) {
	if len(m) <= maxSubjects {
		return
	}
	type entry struct {
		k string
		t time.Time
	}
	all := make([]entry, 0, len(m))
	for k, v := range m {
		all = append(all, entry{k, seen(v)})
	}
	slices.SortFunc(all, func(a, b entry) int { return a.t.Compare(b.t) })
	for _, e := range all[:len(all)-maxSubjects] {
		delete(m, e.k)
	}
}

// within reports whether at is within window of t, before or after it:
// arrival order is not always time order (a PingOne poll page comes
// newest first, a hook delivery may be late), and an event seen a minute
// after this one, decided before it, still counts.
func within(at, t time.Time, window time.Duration) bool {
	return !at.Before(t.Add(-window)) && !at.After(t.Add(window))
}

// placesSeen returns the entries of seen within window of t (the event
// being decided is not yet remembered).
func placesSeen[K comparable](seen map[K]time.Time, t time.Time, window time.Duration) map[K]time.Time {
	out := map[K]time.Time{}
	for k, at := range seen {
		if within(at, t, window) {
			out[k] = at
		}
	}
	return out
}

// mfaFailuresWithin counts ev's user's failed MFA within window of ev.
func (m *Memory) mfaFailuresWithin(ev events.Event, window time.Duration) (int, time.Time) {
	u := m.user(ev, false)
	if u == nil {
		return 0, time.Time{}
	}
	n, first := 0, time.Time{}
	for _, at := range u.mfaFailures {
		if within(at, ev.Time, window) {
			n++
			if first.IsZero() || at.Before(first) {
				first = at
			}
		}
	}
	return n, first
}

// sprayedUsers returns the users with failed sign-ins from ev's IP within
// window of ev.
func (m *Memory) sprayedUsers(ev events.Event, window time.Duration) map[string]time.Time {
	ip := m.ips[ipKey(ev)]
	if ip == nil {
		return map[string]time.Time{}
	}
	return placesSeen(ip.failures, ev.Time, window)
}
