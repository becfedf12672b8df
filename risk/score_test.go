package risk

import (
	"strings"
	"testing"
	"time"
)

// at is a time in New York.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func failed(n int, when time.Time) []SignIn {
	out := make([]SignIn, n)
	for i := range out {
		out[i] = SignIn{ID: "f" + string(rune('a'+i)), Time: when.Add(time.Duration(i) * time.Minute), Failed: true}
	}
	return out
}

func TestFactors(t *testing.T) {
	noon := at(t, "2025-03-04 12:00")
	cases := map[string]struct {
		in       Input
		factor   string // "" = nothing fires
		points   int
		evidence string
	}{
		"privileged group, any case":   {Input{Groups: []string{"Engineering", "super admins"}}, "privileged_access", 3, `group "super admins"`},
		"unprivileged groups":          {Input{Groups: []string{"Engineering", "Security"}}, "", 0, ""},
		"admin role":                   {Input{Roles: []string{"SUPER_ADMIN"}}, "privileged_access", 3, "admin role SUPER_ADMIN"},
		"6 failures":                   {Input{SignIns: failed(6, noon)}, "failed_sign_ins", 3, "6 failed sign-ins in the window (more than 5): fa, fb, fc, fd, fe, ff"},
		"5 failures":                   {Input{SignIns: failed(5, noon)}, "", 0, ""},
		"locked out":                   {Input{Status: "LOCKED_OUT"}, "account_state", 2, "account status is LOCKED_OUT"},
		"pingone disabled, lower case": {Input{Status: "disabled"}, "account_state", 2, "account status is disabled"},
		"active":                       {Input{Status: "ACTIVE"}, "", 0, ""},
		"11 apps":                      {Input{Apps: 11}, "many_apps", 2, "11 applications assigned (more than 10)"},
		"10 apps":                      {Input{Apps: 10}, "", 0, ""},
		"high provider risk":           {Input{ProviderRisk: []ProviderVerdict{{ID: "ev1", Level: "HIGH", Reason: "IP reputation"}, {Level: "LOW"}}}, "provider_risk", 2, "provider rated the risk HIGH (ev1): IP reputation"},
		"medium provider risk":         {Input{ProviderRisk: []ProviderVerdict{{Level: "MEDIUM"}}}, "", 0, ""},
		"sign-in at 02:40":             {Input{SignIns: []SignIn{{ID: "s1", Time: at(t, "2025-03-04 02:40")}}}, "off_hours", 2, "sign-in s1 at 2025-03-04 02:40 EST America/New_York, outside business hours 08:00-18:00"},
		"sign-in at 18:00":             {Input{SignIns: []SignIn{{ID: "s1", Time: at(t, "2025-03-04 18:00")}}}, "off_hours", 2, "18:00 EST"},
		"sign-in at 17:59":             {Input{SignIns: []SignIn{{ID: "s1", Time: at(t, "2025-03-04 17:59")}}}, "", 0, ""},
		"sign-in at 08:00":             {Input{SignIns: []SignIn{{ID: "s1", Time: at(t, "2025-03-04 08:00")}}}, "", 0, ""},
		"failed sign-in at night":      {Input{SignIns: []SignIn{{ID: "s1", Time: at(t, "2025-03-04 03:00"), Failed: true}}}, "", 0, ""},
		"new country": {Input{SignIns: []SignIn{{ID: "ru", Time: noon.Add(time.Hour), Country: "Russia"}, {ID: "us", Time: noon, Country: "United States"}}},
			"new_country", 2, "sign-in ru at 2025-03-04T18:00:00Z from Russia; earlier sign-ins in the window came from United States"},
		"one country":  {Input{SignIns: []SignIn{{ID: "a", Time: noon, Country: "United States"}, {ID: "b", Time: noon.Add(time.Hour), Country: "united states"}}}, "", 0, ""},
		"no baseline":  {Input{SignIns: []SignIn{{ID: "a", Time: noon, Country: "Russia"}}}, "", 0, ""},
		"no countries": {Input{SignIns: []SignIn{{ID: "a", Time: noon}, {ID: "b", Time: noon.Add(time.Hour), Country: "Russia"}}}, "", 0, ""},
	}
	m := Defaults()
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			a := m.Score(c.in)
			if c.factor == "" {
				if len(a.Factors) != 0 || a.Score != 0 {
					t.Fatalf("fired %+v", a)
				}
				return
			}
			if len(a.Factors) != 1 || a.Factors[0].Name != c.factor || a.Factors[0].Points != c.points || a.Score != c.points {
				t.Fatalf("got %+v, want %s for %d", a, c.factor, c.points)
			}
			if !strings.Contains(a.Factors[0].Evidence, c.evidence) {
				t.Errorf("evidence %q, want it to contain %q", a.Factors[0].Evidence, c.evidence)
			}
		})
	}
}

// TestOffHoursAcrossDST: the working day follows the zone's clock, on
// both sides of a DST change (New York: EST −5 before 9 March 2025, EDT −4
// after; back on 2 November).
func TestOffHoursAcrossDST(t *testing.T) {
	m := Defaults()
	for utc, off := range map[string]bool{
		"2025-03-07T12:30:00Z": true,  // 07:30 EST
		"2025-03-07T22:30:00Z": false, // 17:30 EST
		"2025-03-10T12:30:00Z": false, // 08:30 EDT (the same UTC hour was 07:30 EST)
		"2025-03-10T22:30:00Z": true,  // 18:30 EDT
		"2025-11-03T12:30:00Z": true,  // 07:30 EST
		"2025-11-03T22:30:00Z": false, // 17:30 EST
	} {
		tm, _ := time.Parse(time.RFC3339, utc)
		a := m.Score(Input{SignIns: []SignIn{{ID: "s", Time: tm}}})
		if got := len(a.Factors) == 1; got != off {
			t.Errorf("%s: off hours %v, want %v (%+v)", utc, got, off, a)
		}
	}
}

func TestZoneIsConfigured(t *testing.T) {
	m := Defaults()
	m.TimeZone = "Europe/Berlin"
	tm, _ := time.Parse(time.RFC3339, "2025-03-04T12:00:00Z") // 07:00 NY, 13:00 Berlin
	if a := m.Score(Input{SignIns: []SignIn{{ID: "s", Time: tm}}}); a.Score != 0 {
		t.Fatalf("13:00 in Berlin scored %+v", a)
	}
	m.BusinessHours = BusinessHours{Start: "14:00", End: "24:00"}
	if a := m.Score(Input{SignIns: []SignIn{{ID: "s", Time: tm}}}); a.Score != 2 {
		t.Fatalf("13:00 in Berlin before 14:00 scored %+v", a)
	}
}

func TestCapAndLevels(t *testing.T) {
	m := Defaults()
	all := Input{Status: "SUSPENDED", Groups: []string{"Administrators"}, Apps: 20, SignIns: failed(8, at(t, "2025-03-04 12:00")),
		ProviderRisk: []ProviderVerdict{{Level: "HIGH"}}}
	a := m.Score(all)
	if a.Score != 10 || a.Level != Critical {
		t.Fatalf("%+v: want 10, critical", a)
	}
	sum := 0
	for _, f := range a.Factors {
		sum += f.Points
	}
	if sum != 12 {
		t.Errorf("factors add to %d, want 12 before the cap", sum)
	}
	for score, want := range map[int]string{0: Low, 2: Low, 3: Medium, 4: Medium, 5: High, 7: High, 8: Critical, 10: Critical} {
		if got := m.Level(score); got != want {
			t.Errorf("level of %d: %s, want %s", score, got, want)
		}
	}
	m.Levels = Levels{Medium: 1, High: 2, Critical: 3}
	if got := m.Score(Input{Status: "LOCKED"}).Level; got != High {
		t.Errorf("configured thresholds: %s, want high", got)
	}
	m.Factors.AccountState.Points = 0
	if a := m.Score(Input{Status: "LOCKED"}); a.Score != 0 || len(a.Factors) != 0 {
		t.Errorf("a factor with 0 points fired: %+v", a)
	}
}

func TestValidate(t *testing.T) {
	if err := Defaults().Validate(); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		edit func(*Model)
		key  string
	}{
		"negative points":  {func(m *Model) { m.Factors.OffHours.Points = -1 }, "factors.off_hours.points"},
		"points over 10":   {func(m *Model) { m.Factors.NewCountry.Points = 11 }, "factors.new_country.points"},
		"negative more":    {func(m *Model) { m.Factors.FailedSignIns.MoreThan = -1 }, "factors.failed_sign_ins.more_than"},
		"apps more":        {func(m *Model) { m.Factors.ManyApps.MoreThan = -3 }, "factors.many_apps.more_than"},
		"empty group":      {func(m *Model) { m.Factors.PrivilegedAccess.Groups = []string{"Admins", " "} }, "factors.privileged_access.groups[1]"},
		"nothing priv":     {func(m *Model) { m.Factors.PrivilegedAccess.Groups, m.Factors.PrivilegedAccess.AdminRoles = nil, false }, "factors.privileged_access"},
		"no statuses":      {func(m *Model) { m.Factors.AccountState.Statuses = nil }, "factors.account_state.statuses"},
		"no levels":        {func(m *Model) { m.Factors.ProviderRisk.Levels = []string{} }, "factors.provider_risk.levels"},
		"levels order":     {func(m *Model) { m.Levels.High = 9 }, "levels"},
		"critical over 10": {func(m *Model) { m.Levels.Critical = 11 }, "levels"},
		"zero medium":      {func(m *Model) { m.Levels.Medium = 0 }, "levels"},
		"bad zone":         {func(m *Model) { m.TimeZone = "Mars/Olympus" }, "time_zone"},
		"no zone":          {func(m *Model) { m.TimeZone = "" }, "time_zone"},
		"bad start":        {func(m *Model) { m.BusinessHours.Start = "8am" }, "business_hours.start"},
		"bad end":          {func(m *Model) { m.BusinessHours.End = "25:00" }, "business_hours.end"},
		"start after end":  {func(m *Model) { m.BusinessHours.Start = "19:00" }, "business_hours.start"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			m := Defaults()
			c.edit(&m)
			err := m.Validate()
			if err == nil || !strings.HasPrefix(err.Error(), c.key) {
				t.Fatalf("error %v, want one starting with %s", err, c.key)
			}
		})
	}
	off := Defaults()
	off.Factors.AccountState = AccountState{}
	off.Factors.PrivilegedAccess = PrivilegedAccess{}
	if err := off.Validate(); err != nil {
		t.Errorf("factors turned off with points 0 need no parameters: %v", err)
	}
}
