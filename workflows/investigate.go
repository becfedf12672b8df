package workflows

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/risk"
)

// UserInvestigation is investigate-user's answer: the enrichment, the
// SOP's recommendations for its score, and what was done to the incident.
type UserInvestigation struct {
	// The provider's user ID.
	UserID string `json:"UserID" example:"00u1a2b3c4d5e6f7g8h9"`
	// okta or pingone.
	Provider string `json:"Provider" example:"okta"`
	// The risk score, 0-10.
	Score int `json:"Score" example:"8"`
	// low, medium, high or critical.
	Level string `json:"Level" example:"critical"`
	// The SOP's tier: immediate (score at the critical level), elevated (at the high level) or monitor.
	Tier string `json:"Tier" example:"immediate"`
	// What to do, in order, in the SOP's words for this provider.
	Recommendations []string `json:"Recommendations"`
	// With an XSOAR incident: whether its severity was raised to critical.
	Severity *SeverityRaise `json:"Severity,omitempty"`
	// Everything enrich-user gathered and how it scored.
	Enrichment UserEnrichment `json:"Enrichment"`
}

// SeverityRaise is what investigate-user did to the XSOAR incident's severity.
type SeverityRaise struct {
	// raised, not_needed (score below workflows.investigate.critical_score), off (raise_severity false), failed or unavailable.
	Status string `json:"Status" example:"raised"`
	// Why, in words.
	Detail string `json:"Detail,omitempty"`
}

// Tiers of investigate-user.
const (
	TierImmediate = "immediate"
	TierElevated  = "elevated"
	TierMonitor   = "monitor"
)

// investigateUser is investigate-user (Okta SOP 3.2): a workflow, so it
// knows the call's incident. It changes no identity — it reads, and
// recommends — hence Read; the one change, the XSOAR incident's severity,
// is to the incident the caller sent, as the write-back of its entry is.
func investigateUser(s Settings) commands.Spec[EnrichUserArgs, UserInvestigation] {
	return commands.Spec[EnrichUserArgs, UserInvestigation]{
		Name:    "investigate-user",
		Summary: "Enrich a user and recommend what to do by risk score (the SOP's three tiers), as one entry on the incident",
		Description: "Runs enrich-user, then recommends by score: at the critical level (8) suspend (Okta) or lock (PingOne) now, review activity, " +
			"check for exfiltration, notify the security team; at the high level (5) require a password reset, review groups, add MFA; " +
			"otherwise monitor. With incident context the answer is one war-room entry or XDR comment; with an XSOAR incident and a score of at " +
			"least workflows.investigate.critical_score the incident's severity is raised to critical (workflows.investigate.raise_severity).",
		Provider: commands.Neutral,
		Context:  commands.Context{Prefix: "Identity.Investigation", Key: "UserID"},
		Risk:     commands.Read,
		Workflow: func(ctx context.Context, steps *commands.Steps, a EnrichUserArgs) (commands.Reply[UserInvestigation], error) {
			e, err := enrich(ctx, steps.Providers(), s.Risk, a, time.Now())
			if err != nil {
				return commands.Reply[UserInvestigation]{}, err
			}
			out := UserInvestigation{UserID: e.UserID, Provider: e.Provider, Score: e.Risk.Score, Level: e.Risk.Level, Enrichment: *e}
			out.Tier, out.Recommendations = recommend(s.Risk, e.Provider, e.Risk.Score)
			if inc := steps.Incident(); inc != nil && inc.Platform == "xsoar" {
				r := severityFor(ctx, steps.Providers(), s.Investigate, inc.ID, e.Risk.Score)
				out.Severity = &r
			}
			return commands.Reply[UserInvestigation]{Outputs: out, Readable: investigationReadable(&out), Raw: rawEvents(e)}, nil
		},
	}
}

// recommend is the SOPs' generate_recommendations, at the model's high and
// critical levels, in the provider's own words.
func recommend(m risk.Model, provider string, score int) (string, []string) {
	switch {
	case score >= m.Levels.Critical:
		if provider == string(commands.PingOne) {
			return TierImmediate, []string{"IMMEDIATE: Lock the user account (lock-user / pingone-lock-user)",
				"Terminate all active sessions (clear-sessions / pingone-terminate-sessions)",
				"Review all recent user activity", "Check for data exfiltration", "Notify the security team"}
		}
		return TierImmediate, []string{"IMMEDIATE: Suspend the user account (lock-user / okta-suspend-user)",
			"Review all recent user activity", "Check for data exfiltration", "Notify the security team"}
	case score >= m.Levels.High:
		recs := []string{"Require a password reset (reset-password)", "Review the user's group memberships", "Enable additional MFA"}
		if provider == string(commands.PingOne) {
			recs = append(recs, "Monitor user activity")
		}
		return TierElevated, recs
	}
	return TierMonitor, []string{"Monitor user activity", "Review access patterns"}
}

// severityFor decides, and if due makes, the raise of an XSOAR incident's
// severity to critical.
func severityFor(ctx context.Context, p commands.Providers, s InvestigateSettings, incidentID string, score int) SeverityRaise {
	switch {
	case !s.RaiseSeverity:
		return SeverityRaise{Status: "off", Detail: "workflows.investigate.raise_severity is false"}
	case score < s.CriticalScore:
		return SeverityRaise{Status: "not_needed", Detail: fmt.Sprintf("score %d is below %d (workflows.investigate.critical_score)", score, s.CriticalScore)}
	}
	return raiseSeverity(ctx, p, incidentID)
}

// investigationReadable is the one entry on the incident: the verdict and
// the recommendations, then the enrichment.
func investigationReadable(v *UserInvestigation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Investigation of %s (%s): risk %d/10, %s\n", commands.Cell(v.Enrichment.Account.Username), v.Provider, v.Score, v.Level)
	fmt.Fprintf(&b, "### Recommendations (%s)\n", v.Tier)
	for i, r := range v.Recommendations {
		b.WriteString(strconv.Itoa(i+1) + ". " + commands.Cell(r) + "\n")
	}
	if v.Severity != nil {
		fmt.Fprintf(&b, "\n**Incident severity:** %s", v.Severity.Status)
		if v.Severity.Detail != "" {
			b.WriteString(" (" + commands.Cell(v.Severity.Detail) + ")")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n" + enrichmentReadable(&v.Enrichment))
	return b.String()
}
