package risk

import (
	"fmt"
	"strings"
	"time"
)

// Validate checks the model; each error starts with the yaml key it is
// about (factors.failed_sign_ins.more_than), relative to the model.
func (m Model) Validate() error {
	f := m.Factors
	for _, p := range []struct {
		key    string
		points int
	}{
		{"factors.privileged_access.points", f.PrivilegedAccess.Points},
		{"factors.failed_sign_ins.points", f.FailedSignIns.Points},
		{"factors.account_state.points", f.AccountState.Points},
		{"factors.many_apps.points", f.ManyApps.Points},
		{"factors.provider_risk.points", f.ProviderRisk.Points},
		{"factors.off_hours.points", f.OffHours.Points},
		{"factors.new_country.points", f.NewCountry.Points},
	} {
		if p.points < 0 || p.points > MaxScore {
			return fmt.Errorf("%s must be between 0 (off) and %d", p.key, MaxScore)
		}
	}
	if f.FailedSignIns.MoreThan < 0 {
		return fmt.Errorf("factors.failed_sign_ins.more_than must not be negative")
	}
	if f.ManyApps.MoreThan < 0 {
		return fmt.Errorf("factors.many_apps.more_than must not be negative")
	}
	for _, l := range []struct {
		key  string
		vals []string
		on   bool
	}{
		{"factors.privileged_access.groups", f.PrivilegedAccess.Groups, false},
		{"factors.account_state.statuses", f.AccountState.Statuses, f.AccountState.Points > 0},
		{"factors.provider_risk.levels", f.ProviderRisk.Levels, f.ProviderRisk.Points > 0},
	} {
		if l.on && len(l.vals) == 0 {
			return fmt.Errorf("%s must not be empty while the factor has points (set points: 0 to turn it off)", l.key)
		}
		for i, v := range l.vals {
			if strings.TrimSpace(v) == "" {
				return fmt.Errorf("%s[%d] must not be empty", l.key, i)
			}
		}
	}
	if pa := f.PrivilegedAccess; pa.Points > 0 && len(pa.Groups) == 0 && !pa.AdminRoles {
		return fmt.Errorf("factors.privileged_access: name groups or set admin_roles while the factor has points (set points: 0 to turn it off)")
	}
	lv := m.Levels
	if !(0 < lv.Medium && lv.Medium < lv.High && lv.High < lv.Critical && lv.Critical <= MaxScore) {
		return fmt.Errorf("levels: need 0 < medium < high < critical <= %d, got medium %d, high %d, critical %d", MaxScore, lv.Medium, lv.High, lv.Critical)
	}
	if _, err := m.location(); err != nil {
		return err
	}
	start, err := clock("business_hours.start", m.BusinessHours.Start)
	if err != nil {
		return err
	}
	end, err := clock("business_hours.end", m.BusinessHours.End)
	if err != nil {
		return err
	}
	if start >= end {
		return fmt.Errorf("business_hours.start (%s) must be before business_hours.end (%s)", m.BusinessHours.Start, m.BusinessHours.End)
	}
	return nil
}

// location loads the model's time zone.
func (m Model) location() (*time.Location, error) {
	if m.TimeZone == "" {
		return nil, fmt.Errorf("time_zone must be set (an IANA zone such as America/New_York)")
	}
	loc, err := time.LoadLocation(m.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("time_zone: %q is not an IANA time zone: %w", m.TimeZone, err)
	}
	return loc, nil
}

// clock is ParseClock with the key that holds s in its error.
func clock(key, s string) (int, error) {
	m, err := ParseClock(s)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", key, err)
	}
	return m, nil
}

// ParseClock parses a "15:04" time of day into minutes after midnight;
// "24:00" is the end of the day. The off_hours detector reads its working
// day with it too, so both say the same of one time.
func ParseClock(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "24:00" {
		return 24 * 60, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day such as 08:00", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}
