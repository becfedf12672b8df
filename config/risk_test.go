package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/risk"
)

func TestRiskDefaults(t *testing.T) {
	c, err := Load("", env(withProviders))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Risk, risk.Defaults()) {
		t.Fatalf("risk defaults %+v", c.Risk)
	}
	if c.Workflows.Investigate != (Investigate{CriticalScore: 8, RaiseSeverity: true}) {
		t.Fatalf("investigate defaults %+v", c.Workflows.Investigate)
	}
}

func TestRiskKeys(t *testing.T) {
	c, err := loadYAML(t, withProviders, `
risk:
  time_zone: Europe/Berlin
  business_hours: {start: "07:00", end: "19:30"}
  levels: {medium: 2, high: 4, critical: 9}
  factors:
    privileged_access: {points: 4, groups: [Domain Admins], admin_roles: false}
    failed_sign_ins: {more_than: 3}
    new_country: {points: 0}
workflows:
  investigate:
    critical_score: 9
    raise_severity: false
`)
	if err != nil {
		t.Fatal(err)
	}
	want := risk.Defaults()
	want.TimeZone = "Europe/Berlin"
	want.BusinessHours = risk.BusinessHours{Start: "07:00", End: "19:30"}
	want.Levels = risk.Levels{Medium: 2, High: 4, Critical: 9}
	want.Factors.PrivilegedAccess = risk.PrivilegedAccess{Points: 4, Groups: []string{"Domain Admins"}}
	want.Factors.FailedSignIns.MoreThan = 3 // points keep their default
	want.Factors.NewCountry.Points = 0
	if !reflect.DeepEqual(c.Risk, want) {
		t.Fatalf("risk\n got %+v\nwant %+v", c.Risk, want)
	}
	if c.Workflows.Investigate != (Investigate{CriticalScore: 9}) {
		t.Fatalf("investigate %+v", c.Workflows.Investigate)
	}
}

func TestRiskRefused(t *testing.T) {
	for yaml, want := range map[string]string{
		"risk:\n  time_zone: Nowhere/Land\n":                            "risk.time_zone",
		"risk:\n  levels: {medium: 5, high: 4, critical: 8}\n":          "risk.levels",
		"risk:\n  factors:\n    off_hours: {points: 12}\n":              "risk.factors.off_hours.points",
		"risk:\n  business_hours: {start: \"9\"}\n":                     "risk.business_hours.start",
		"risk:\n  factors:\n    account_state: {statuses: []}\n":        "risk.factors.account_state.statuses",
		"risk:\n  factors:\n    failed_sign_ins: {threshold: 3}\n":      "field threshold not found",
		"risk:\n  weights: {}\n":                                        "field weights not found",
		"workflows:\n  investigate:\n    critical_score: 0\n":           "workflows.investigate.critical_score",
		"workflows:\n  investigate:\n    critical_score: 11\n":          "workflows.investigate.critical_score",
		"workflows:\n  investigate:\n    raise_severity_to: critical\n": "field raise_severity_to not found",
		"workflows:\n  no_such_workflow: {}\n":                          "field no_such_workflow not found",
	} {
		_, err := loadYAML(t, withProviders, yaml)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want one naming %s", yaml, err, want)
		}
	}
}
