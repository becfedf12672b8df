package risk

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Input is what the model scores, in one shape for both providers.
type Input struct {
	// Status is the provider's account status (ACTIVE, LOCKED_OUT, DISABLED ...).
	Status string
	// Groups are the names of the user's groups.
	Groups []string
	// Roles are the user's admin role assignments (an Okta role type, a
	// PingOne role ID).
	Roles []string
	// Apps is how many applications are assigned to the user.
	Apps int
	// SignIns are the user's own sign-in attempts in the window, in any order.
	SignIns []SignIn
	// ProviderRisk are the provider's own risk verdicts in the window.
	ProviderRisk []ProviderVerdict
}

// SignIn is one sign-in attempt by the user.
type SignIn struct {
	// ID is the provider's event ID.
	ID   string
	Time time.Time
	// Failed is set for a failed or denied attempt.
	Failed bool
	// Country the attempt came from; "" when the provider did not say.
	Country string
}

// ProviderVerdict is one risk verdict of the provider (a PingOne risk
// evaluation, Okta's user risk).
type ProviderVerdict struct {
	// ID of the verdict (a risk evaluation ID), if it has one.
	ID    string
	Level string
	// Reason is the provider's explanation, if it gave one.
	Reason string
}

// Assessment is a scored user: the score, its level, and every factor that
// fired with its points and evidence.
type Assessment struct {
	// Score from 0 to 10: the sum of the factors' points, capped at 10.
	Score int `json:"Score" example:"8"`
	// low, medium, high or critical, by the configured thresholds.
	Level string `json:"Level" example:"critical"`
	// The factors that fired; none for a score of 0.
	Factors []Factor `json:"Factors"`
}

// Factor is one factor that fired.
type Factor struct {
	// The factor's configuration key, such as failed_sign_ins.
	Name string `json:"Name" example:"failed_sign_ins"`
	// The points it added (before the cap of 10).
	Points int `json:"Points" example:"3"`
	// What fired it: which group, how many failures and which events, which country, which sign-in time in which zone.
	Evidence string `json:"Evidence" example:"7 failed sign-ins in the window (more than 5): 1a2b, 3c4d, ..."`
}

// Score scores in. The model must be valid (Validate); an invalid time
// zone or business hours turn the off-hours factor off.
func (m Model) Score(in Input) Assessment {
	out := Assessment{Factors: []Factor{}}
	add := func(name string, points int, evidence string) {
		if points > 0 {
			out.Factors = append(out.Factors, Factor{Name: name, Points: points, Evidence: evidence})
			out.Score += points
		}
	}
	f := m.Factors
	signIns := slices.Clone(in.SignIns)
	sort.SliceStable(signIns, func(i, j int) bool { return signIns[i].Time.Before(signIns[j].Time) })

	if ev := privileged(f.PrivilegedAccess, in); ev != "" {
		add("privileged_access", f.PrivilegedAccess.Points, ev)
	}
	if ev := failures(f.FailedSignIns, signIns); ev != "" {
		add("failed_sign_ins", f.FailedSignIns.Points, ev)
	}
	if slices.ContainsFunc(f.AccountState.Statuses, func(s string) bool { return in.Status != "" && strings.EqualFold(s, in.Status) }) {
		add("account_state", f.AccountState.Points, "account status is "+in.Status)
	}
	if in.Apps > f.ManyApps.MoreThan {
		add("many_apps", f.ManyApps.Points, strconv.Itoa(in.Apps)+" applications assigned (more than "+strconv.Itoa(f.ManyApps.MoreThan)+")")
	}
	if ev := providerRisk(f.ProviderRisk, in.ProviderRisk); ev != "" {
		add("provider_risk", f.ProviderRisk.Points, ev)
	}
	if ev := m.offHours(signIns); ev != "" {
		add("off_hours", f.OffHours.Points, ev)
	}
	if ev := newCountry(signIns); ev != "" {
		add("new_country", f.NewCountry.Points, ev)
	}
	out.Score = min(max(out.Score, 0), MaxScore)
	out.Level = m.Level(out.Score)
	return out
}

// Level is the level of a score.
func (m Model) Level(score int) string {
	switch {
	case score >= m.Levels.Critical:
		return Critical
	case score >= m.Levels.High:
		return High
	case score >= m.Levels.Medium:
		return Medium
	}
	return Low
}

func privileged(p PrivilegedAccess, in Input) string {
	var why []string
	for _, g := range in.Groups {
		if slices.ContainsFunc(p.Groups, func(pg string) bool { return strings.EqualFold(strings.TrimSpace(pg), g) }) {
			why = append(why, "group "+strconv.Quote(g))
		}
	}
	if p.AdminRoles {
		for _, r := range in.Roles {
			why = append(why, "admin role "+r)
		}
	}
	return strings.Join(why, ", ")
}

func failures(t Threshold, signIns []SignIn) string {
	var ids []string
	for _, s := range signIns {
		if s.Failed {
			ids = append(ids, s.ID)
		}
	}
	if len(ids) <= t.MoreThan {
		return ""
	}
	return fmt.Sprintf("%d failed sign-ins in the window (more than %d): %s", len(ids), t.MoreThan, listIDs(ids))
}

func providerRisk(p ProviderRisk, verdicts []ProviderVerdict) string {
	var why []string
	for _, v := range verdicts {
		if !slices.ContainsFunc(p.Levels, func(l string) bool { return strings.EqualFold(l, v.Level) }) {
			continue
		}
		s := strings.ToUpper(v.Level)
		if v.ID != "" {
			s += " (" + v.ID + ")"
		}
		if v.Reason != "" {
			s += ": " + v.Reason
		}
		why = append(why, s)
	}
	if len(why) == 0 {
		return ""
	}
	return "provider rated the risk " + strings.Join(why, "; ")
}

// offHours names the latest successful sign-in outside business hours.
func (m Model) offHours(signIns []SignIn) string {
	loc, err := m.location()
	if err != nil {
		return ""
	}
	start, err1 := clock("", m.BusinessHours.Start)
	end, err2 := clock("", m.BusinessHours.End)
	if err1 != nil || err2 != nil {
		return ""
	}
	var off []SignIn
	for _, s := range signIns {
		l := s.Time.In(loc)
		if minute := l.Hour()*60 + l.Minute(); !s.Failed && (minute < start || minute >= end) {
			off = append(off, s)
		}
	}
	if len(off) == 0 {
		return ""
	}
	last := off[len(off)-1]
	ev := fmt.Sprintf("sign-in %s at %s %s, outside business hours %s-%s", last.ID, last.Time.In(loc).Format("2006-01-02 15:04 MST"),
		m.TimeZone, m.BusinessHours.Start, m.BusinessHours.End)
	if len(off) > 1 {
		ev += fmt.Sprintf(" (%d such sign-ins in the window)", len(off))
	}
	return ev
}

// newCountry names the first sign-in from a country that no earlier
// sign-in in the window came from; the first country is the baseline.
func newCountry(signIns []SignIn) string {
	var seen []string
	for _, s := range signIns {
		if s.Country == "" {
			continue
		}
		if len(seen) > 0 && !slices.ContainsFunc(seen, func(c string) bool { return strings.EqualFold(c, s.Country) }) {
			return fmt.Sprintf("sign-in %s at %s from %s; earlier sign-ins in the window came from %s",
				s.ID, s.Time.UTC().Format(time.RFC3339), s.Country, strings.Join(seen, ", "))
		}
		if !slices.ContainsFunc(seen, func(c string) bool { return strings.EqualFold(c, s.Country) }) {
			seen = append(seen, s.Country)
		}
	}
	return ""
}

// listIDs lists event IDs, the first ten of them.
func listIDs(ids []string) string {
	if len(ids) > 10 {
		return strings.Join(ids[:10], ", ") + fmt.Sprintf(" and %d more", len(ids)-10)
	}
	return strings.Join(ids, ", ")
}
