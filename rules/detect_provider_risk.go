package rules

import (
	"slices"
	"strings"

	"github.com/idcmd/idcmd/events"
)

// providerRisk fires when the provider itself rated the event's risk one
// of Levels (Okta's debugContext risk level).
type providerRisk struct{ cfg ProviderRisk }

func (providerRisk) Name() string { return DetectProviderRisk }

func (d providerRisk) Detect(ev events.Event, _ *Memory) *Finding {
	if ev.RiskLevel == "" || !slices.ContainsFunc(d.cfg.Levels, func(l string) bool { return strings.EqualFold(strings.TrimSpace(l), ev.RiskLevel) }) {
		return nil
	}
	ev2 := map[string]any{"risk_level": ev.RiskLevel, "levels": d.cfg.Levels}
	if ev.RiskScore != nil {
		ev2["risk_score"] = *ev.RiskScore
	}
	return &Finding{
		Detector: DetectProviderRisk, Raises: d.cfg.Raises,
		Summary:  ev.Provider + " rated the event's risk " + ev.RiskLevel,
		Evidence: ev2,
	}
}
