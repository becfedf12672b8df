package risk

import (
	_ "time/tzdata" // the configured time zone must load on a host without a tz database (containers)
)

// Model is the risk model: the factors, each with its points and
// parameters, the score's levels, and the working day that makes a sign-in
// "off hours". A factor with 0 points is off.
type Model struct {
	// Factors are what adds to the score.
	Factors Factors `yaml:"factors"`
	// Levels are the scores at which a user's risk is medium, high and
	// critical; below medium it is low.
	Levels Levels `yaml:"levels"`
	// TimeZone is the IANA zone the working day is in (default
	// America/New_York, the demo company's US Eastern time).
	TimeZone string `yaml:"time_zone"`
	// BusinessHours is the working day in TimeZone, "08:00" to "18:00" by
	// default; a sign-in outside it is off hours.
	BusinessHours BusinessHours `yaml:"business_hours"`
}

// Factors are the SOPs' risk factors.
type Factors struct {
	// PrivilegedAccess: the user is in a privileged group or holds an
	// admin role (+3).
	PrivilegedAccess PrivilegedAccess `yaml:"privileged_access"`
	// FailedSignIns: more than MoreThan failed sign-ins in the window (+3
	// for more than 5).
	FailedSignIns Threshold `yaml:"failed_sign_ins"`
	// AccountState: the account is locked, suspended or disabled (+2).
	AccountState AccountState `yaml:"account_state"`
	// ManyApps: more than MoreThan applications assigned (+2 for more than 10).
	ManyApps Threshold `yaml:"many_apps"`
	// ProviderRisk: the provider itself rated the user's risk high or
	// critical in the window (+2).
	ProviderRisk ProviderRisk `yaml:"provider_risk"`
	// OffHours: a successful sign-in outside business hours (+2).
	OffHours Points `yaml:"off_hours"`
	// NewCountry: a sign-in from a country not seen earlier in the window (+2).
	NewCountry Points `yaml:"new_country"`
}

// Points is a factor that has nothing to set but its points.
type Points struct {
	Points int `yaml:"points"`
}

// Threshold is a factor that fires above a count.
type Threshold struct {
	Points int `yaml:"points"`
	// MoreThan is the count the factor fires above.
	MoreThan int `yaml:"more_than"`
}

// PrivilegedAccess names what makes a user privileged.
type PrivilegedAccess struct {
	Points int `yaml:"points"`
	// Groups are privileged group names, compared without case.
	Groups []string `yaml:"groups"`
	// AdminRoles makes any admin role assignment privileged (an Okta admin
	// role, a PingOne role assignment): both grant console access.
	AdminRoles bool `yaml:"admin_roles"`
}

// AccountState names the abnormal account statuses.
type AccountState struct {
	Points int `yaml:"points"`
	// Statuses are the provider statuses that fire, compared without case
	// (Okta LOCKED_OUT, SUSPENDED, DEPROVISIONED; PingOne LOCKED, DISABLED).
	Statuses []string `yaml:"statuses"`
}

// ProviderRisk names the provider risk levels that fire.
type ProviderRisk struct {
	Points int `yaml:"points"`
	// Levels are the provider's levels that fire, compared without case.
	Levels []string `yaml:"levels"`
}

// Levels are the lowest score of each level above low.
type Levels struct {
	Medium   int `yaml:"medium"`
	High     int `yaml:"high"`
	Critical int `yaml:"critical"`
}

// BusinessHours is the working day, as "15:04" times; Start is in it, End
// is not.
type BusinessHours struct {
	Start string `yaml:"start"`
	End   string `yaml:"end"`
}

// Level names.
const (
	Low      = "low"
	Medium   = "medium"
	High     = "high"
	Critical = "critical"
)

// MaxScore is the score's ceiling.
const MaxScore = 10

// Defaults is the SOPs' model: the Okta SOP's assess_risk and
// calculate_risk_score, and the PingOne SOP's calculate_user_risk_score and
// assess_risk, merged. The levels follow the SOPs' recommendation tiers: 8
// and more is critical (suspend or lock now), 5 to 7 high (reset the
// password), 3 to 4 medium, below 3 low.
func Defaults() Model {
	return Model{
		Factors: Factors{
			PrivilegedAccess: PrivilegedAccess{Points: 3, AdminRoles: true,
				Groups: []string{"Administrators", "Security Team", "IT Admins", "Super Admins"}},
			FailedSignIns: Threshold{Points: 3, MoreThan: 5},
			AccountState: AccountState{Points: 2,
				Statuses: []string{"LOCKED", "LOCKED_OUT", "SUSPENDED", "DISABLED", "DEPROVISIONED"}},
			ManyApps:     Threshold{Points: 2, MoreThan: 10},
			ProviderRisk: ProviderRisk{Points: 2, Levels: []string{"HIGH", "CRITICAL"}},
			OffHours:     Points{Points: 2},
			NewCountry:   Points{Points: 2},
		},
		Levels:        Levels{Medium: 3, High: 5, Critical: 8},
		TimeZone:      "America/New_York",
		BusinessHours: BusinessHours{Start: "08:00", End: "18:00"},
	}
}
