package rules

import (
	"time"

	"github.com/idcmd/idcmd/events"
)

// Detectors configures the suspicious-sign-in rules. Each can be turned
// off, and each raises the event to at least its Raises severity when it
// fires.
type Detectors struct {
	OffHours         OffHours         `yaml:"off_hours"`
	Privileged       Privileged       `yaml:"privileged"`
	NewLocation      NewLocation      `yaml:"new_location"`
	ImpossibleTravel ImpossibleTravel `yaml:"impossible_travel"`
	MFAFatigue       Burst            `yaml:"mfa_fatigue"`
	PasswordSpray    Burst            `yaml:"password_spray"`
	DenyList         DenyList         `yaml:"deny_list"`
	ProviderRisk     ProviderRisk     `yaml:"provider_risk"`
}

// OffHours fires on a successful sign-in outside business hours.
type OffHours struct {
	Enabled bool `yaml:"enabled"`
	// TimeZone is the IANA zone of the working day (America/New_York).
	TimeZone string `yaml:"time_zone"`
	// Start and End bound the working day, "08:00" to "18:00".
	Start string `yaml:"start"`
	End   string `yaml:"end"`
	// Weekends counts Saturday and Sunday as off hours (default true).
	Weekends bool     `yaml:"weekends"`
	Raises   Severity `yaml:"raises"`
}

// Privileged fires on a sign-in by a member of a privileged group or a
// holder of an admin role.
type Privileged struct {
	Enabled bool `yaml:"enabled"`
	// Groups are the privileged group names, compared without case.
	Groups []string `yaml:"groups"`
	// AdminRoles counts any admin role as privileged (default true).
	AdminRoles bool     `yaml:"admin_roles"`
	Raises     Severity `yaml:"raises"`
}

// NewLocation fires on a sign-in from a country or an ASN not seen for
// the user within Window.
type NewLocation struct {
	Enabled bool          `yaml:"enabled"`
	Window  time.Duration `yaml:"window"`
	Country bool          `yaml:"country"`
	ASN     bool          `yaml:"asn"`
	Raises  Severity      `yaml:"raises"`
}

// ImpossibleTravel fires on two sign-ins farther apart than a plane flies
// in the time between them.
type ImpossibleTravel struct {
	Enabled bool `yaml:"enabled"`
	// MaxSpeedKmh is the fastest believable travel (1000 km/h, a jet).
	MaxSpeedKmh float64 `yaml:"max_speed_kmh"`
	// MinDistanceKm ignores hops shorter than this (geo-IP is coarse).
	MinDistanceKm float64  `yaml:"min_distance_km"`
	Raises        Severity `yaml:"raises"`
}

// Burst fires when Count events fall within Window: failed MFA for one
// user (mfa_fatigue), or failed sign-ins of Count distinct users from one
// IP (password_spray).
type Burst struct {
	Enabled bool          `yaml:"enabled"`
	Count   int           `yaml:"count"`
	Window  time.Duration `yaml:"window"`
	Raises  Severity      `yaml:"raises"`
}

// DenyList fires on an event from an IP in one of the CIDRs.
type DenyList struct {
	Enabled bool     `yaml:"enabled"`
	CIDRs   []string `yaml:"cidrs"`
	Raises  Severity `yaml:"raises"`
}

// ProviderRisk fires when the provider itself rated the event's risk one
// of Levels.
type ProviderRisk struct {
	Enabled bool     `yaml:"enabled"`
	Levels  []string `yaml:"levels"`
	Raises  Severity `yaml:"raises"`
}

// DefaultDetectors are every detector on, with the SOPs' settings.
func DefaultDetectors() Detectors {
	return Detectors{
		OffHours:         OffHours{Enabled: true, TimeZone: "America/New_York", Start: "08:00", End: "18:00", Weekends: true, Raises: Medium},
		Privileged:       Privileged{Enabled: true, Groups: []string{"Administrators", "Security Team", "IT Admins"}, AdminRoles: true, Raises: High},
		NewLocation:      NewLocation{Enabled: true, Window: 30 * 24 * time.Hour, Country: true, ASN: true, Raises: Medium},
		ImpossibleTravel: ImpossibleTravel{Enabled: true, MaxSpeedKmh: 1000, MinDistanceKm: 500, Raises: High},
		MFAFatigue:       Burst{Enabled: true, Count: 5, Window: 10 * time.Minute, Raises: Critical},
		PasswordSpray:    Burst{Enabled: true, Count: 10, Window: 10 * time.Minute, Raises: High},
		DenyList:         DenyList{Enabled: true, Raises: Critical},
		ProviderRisk:     ProviderRisk{Enabled: true, Levels: []string{"HIGH", "CRITICAL"}, Raises: High},
	}
}

// Validate checks d; errors name the detector's key.
func (d Detectors) Validate() error { return d.validate() }

// Detector is one rule over an event and what the rules remember.
type Detector interface {
	// Name is the detector's key (off_hours, ...).
	Name() string
	// Detect returns the finding when the detector fires on ev, nil
	// otherwise. mem holds the events decided before ev (not ev).
	Detect(ev events.Event, mem *Memory) *Finding
}

// Directory answers whether a user is privileged, from a roster kept
// fresh outside the hot path (a provider call per event would not keep up).
type Directory interface {
	// Privileged says why the user is privileged ("member of IT Admins",
	// "holds SUPER_ADMIN"), "" when not; known is false when the roster
	// has not been read yet.
	Privileged(provider, userID, login string) (why string, known bool)
}

// memoryWindow is how far back the detectors remember: their longest
// window.
func (d Detectors) memoryWindow() time.Duration {
	w := max(d.MFAFatigue.Window, d.PasswordSpray.Window, time.Hour)
	if d.NewLocation.Enabled {
		w = max(w, d.NewLocation.Window)
	}
	if d.ImpossibleTravel.Enabled {
		w = max(w, 24*time.Hour)
	}
	return w
}
