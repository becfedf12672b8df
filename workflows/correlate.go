package workflows

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/risk"
)

// The correlation windows of PingOne SOP 3.4: the user's events within an
// hour either side of the incident, and their high and critical risk in
// the two hours before it.
const (
	relatedWindow = time.Hour
	riskLookback  = 2 * time.Hour
)

// CorrelateArgs are correlate-incident's arguments; the incident is the
// call's incident context.
type CorrelateArgs struct {
	// Identity provider of the user; default: the one the incident names, or the only one configured.
	Provider string `json:"provider,omitempty" validate:"omitempty,oneof=okta pingone" example:"pingone"`
	// The incident's user, when the incident does not say (ID, Okta login or PingOne username); default: the user found on the incident.
	User string `json:"user,omitempty" validate:"omitempty,max=255" example:"kpatel@example.com"`
}

// IncidentCorrelation is how strongly an incident is tied to a user's
// identity events.
type IncidentCorrelation struct {
	// xsoar or xdr.
	Platform   string `json:"Platform" example:"xsoar"`
	IncidentID string `json:"IncidentID" example:"2"`
	// When the incident happened (XSOAR occurred, else created; XDR creation time): the centre of the windows.
	IncidentTime time.Time `json:"IncidentTime"`
	// The user correlated; unset when none was found.
	User *IncidentUser `json:"User,omitempty"`
	// The users found when there were several.
	Candidates []IncidentUser `json:"Candidates,omitempty"`
	// Score from 0 to 1 and what made it.
	Score   float64  `json:"Score" example:"0.7"`
	Reasons []string `json:"Reasons"`
	// The user's security events within an hour of the incident.
	RelatedEvents []commands.IdentityEvent `json:"RelatedEvents"`
	// The user's high or critical risk in the two hours before it.
	RiskEvents []commands.IdentityEvent `json:"RiskEvents"`
	// More events were in the window than were read.
	Truncated bool `json:"Truncated,omitempty"`
	// The user's state now.
	Context *CorrelationContext `json:"Context,omitempty"`
	// Parts that could not be read, and why; the score is made of the rest.
	Missing []MissingPart `json:"Missing,omitempty"`
}

// CorrelationContext is the user's state when the incident is correlated.
type CorrelationContext struct {
	Status string `json:"Status" example:"LOCKED"`
	// Whether the account is locked (Okta LOCKED_OUT, PingOne account locked).
	Locked bool `json:"Locked"`
	// Whether it can sign in at all (not suspended, disabled or deprovisioned).
	Enabled bool `json:"Enabled"`
	Groups  int  `json:"Groups"`
}

// correlateIncident is the correlate-incident command.
func correlateIncident(model risk.Model) commands.Spec[CorrelateArgs, IncidentCorrelation] {
	return commands.Spec[CorrelateArgs, IncidentCorrelation]{
		Name:    "correlate-incident",
		Summary: "Correlate an XSOAR or XDR incident with its user's identity events and risk, scored 0-1",
		Description: "For the incident of the call's incident context and its user (found on the incident as respond-to-incident does, or given): " +
			"the user's security events within an hour of the incident, their high and critical risk events in the two hours before it, and their state now, " +
			"with a correlation score from 0 to 1 and its reasons (PingOne SOP 3.4: 0.1 per related event up to 0.4, 0.2 per risk event up to 0.4, 0.1 if locked, 0.1 if disabled). " +
			"The answer is written to the incident.",
		Provider:      commands.Neutral,
		Context:       commands.Context{Prefix: "Identity.Correlation", Key: "IncidentID"},
		Risk:          commands.Read,
		NeedsIncident: true,
		Workflow: func(ctx context.Context, steps *commands.Steps, a CorrelateArgs) (commands.Reply[IncidentCorrelation], error) {
			p := steps.Providers()
			f, err := readIncident(ctx, p, steps.Incident())
			if err != nil {
				return commands.Reply[IncidentCorrelation]{}, err
			}
			out := IncidentCorrelation{Platform: f.Platform, IncidentID: f.ID, IncidentTime: f.Created,
				RelatedEvents: []commands.IdentityEvent{}, RiskEvents: []commands.IdentityEvent{}, Reasons: []string{}}
			who, several, err := findUser(ctx, p, f, a.Provider, a.User)
			if err != nil {
				return commands.Reply[IncidentCorrelation]{}, err
			}
			if who.ID == "" {
				for _, c := range several {
					out.Candidates = append(out.Candidates, incidentUser(c))
				}
				out.Reasons = append(out.Reasons, noUserReason(f, several))
				return correlationReply(out, f.Raw), nil
			}
			u := incidentUser(who)
			out.User = &u
			correlate(ctx, p, model, who, &out)
			return correlationReply(out, f.Raw), nil
		},
	}
}

// correlate reads the user as enrich-user does, over the three hours from
// two hours before the incident to one after (or to now, when that is
// sooner), and keeps what the SOP correlates: the security events within
// the hour either side, the high and critical risk in the two hours
// before (events carrying the provider's verdict, and PingOne Protect's
// evaluations), and the account's state now.
func correlate(ctx context.Context, p commands.Providers, model risk.Model, who identity, out *IncidentCorrelation) {
	at := out.IncidentTime
	until := at.Add(relatedWindow)
	if now := time.Now(); until.After(now) {
		until = now
	}
	e, err := enrich(ctx, p, model, EnrichUserArgs{Provider: who.Provider, User: who.ID, Hours: correlationHours}, until)
	if err != nil {
		out.Missing = append(out.Missing, MissingPart{Part: "user", Error: err.Error()})
		out.Score, out.Reasons = correlationScore(0, 0, nil)
		out.Reasons = append(out.Reasons, "the user could not be read (see Missing): the score is made of nothing")
		return
	}
	for _, m := range e.Missing {
		if m.Part == "events" || m.Part == "provider_risk" || m.Part == "groups" {
			out.Missing = append(out.Missing, m)
		}
	}
	out.Truncated = len(e.normalized) >= maxEvents
	status := e.Account.Status
	out.Context = &CorrelationContext{Status: status, Locked: status == "LOCKED_OUT" || status == "LOCKED",
		Enabled: status != "SUSPENDED" && status != "DEPROVISIONED" && status != "DISABLED", Groups: len(e.Groups)}
	inRiskWindow := func(t time.Time) bool { return !t.Before(at.Add(-riskLookback)) && !t.After(at) }
	for _, ev := range slices.Backward(e.normalized) { // oldest first
		if !ev.Time.Before(at.Add(-relatedWindow)) && !ev.Time.After(at.Add(relatedWindow)) && securityRelevant(ev) {
			out.RelatedEvents = append(out.RelatedEvents, identityEvent(ev))
		}
		if inRiskWindow(ev.Time) && highRisk(ev.RiskLevel) {
			out.RiskEvents = append(out.RiskEvents, identityEvent(ev))
		}
	}
	for _, v := range e.ProviderRisk {
		// Okta's user risk is a standing verdict with no time: the user's
		// state, not an event of the window.
		if v.Time != nil && inRiskWindow(*v.Time) && highRisk(v.Level) {
			out.RiskEvents = append(out.RiskEvents, commands.IdentityEvent{ID: v.ID, Time: *v.Time, Type: "RISK_EVALUATION", Outcome: v.Level,
				Reason: v.Reason, Provider: e.Provider})
		}
	}
	out.Score, out.Reasons = correlationScore(len(out.RelatedEvents), len(out.RiskEvents), out.Context)
	if len(out.Missing) > 0 {
		out.Reasons = append(out.Reasons, "parts could not be read (see Missing): the score is made of the rest")
	}
}

// correlationHours is the window correlate reads: two hours before the
// incident to one after.
const correlationHours = 3

func highRisk(level string) bool { return level == "HIGH" || level == "CRITICAL" }

// correlationScore is PingOne SOP 3.4's score, with its reasons.
func correlationScore(related, risky int, st *CorrelationContext) (float64, []string) {
	var tenths int
	reasons := []string{}
	if related > 0 {
		pts := min(related, 4)
		tenths += pts
		reasons = append(reasons, fmt.Sprintf("+%.1f: %d security event(s) of the user within an hour of the incident (0.1 each, at most 0.4)", float64(pts)/10, related))
	}
	if risky > 0 {
		pts := min(2*risky, 4)
		tenths += pts
		reasons = append(reasons, fmt.Sprintf("+%.1f: %d high or critical risk event(s) in the two hours before it (0.2 each, at most 0.4)", float64(pts)/10, risky))
	}
	if st != nil && st.Locked {
		tenths++
		reasons = append(reasons, "+0.1: the account is locked ("+st.Status+")")
	}
	if st != nil && !st.Enabled {
		tenths++
		reasons = append(reasons, "+0.1: the account cannot sign in ("+st.Status+")")
	}
	if len(reasons) == 0 {
		reasons = append(reasons, "no security or risk events of the user around the incident, and the account is in order")
	}
	return float64(min(tenths, 10)) / 10, reasons
}

// securityRelevant keeps the SOPs' security event types (Okta's list,
// PingOne's SOP names) and every failure.
func securityRelevant(e events.Event) bool {
	if slices.Contains(events.OktaSecurityEvents, e.Type) || len(e.SOPTypes) > 0 {
		return true
	}
	o := strings.ToUpper(e.Outcome)
	return o == "FAILURE" || o == "DENY" || o == "FAILED"
}

// correlationReply is the answer; its raw_response is the incident as the
// platform sent it.
func correlationReply(out IncidentCorrelation, incident json.RawMessage) commands.Reply[IncidentCorrelation] {
	var b strings.Builder
	fmt.Fprintf(&b, "### idcmd correlation of %s incident %s: score %s\n\n", strings.ToUpper(out.Platform), out.IncidentID, strconv.FormatFloat(out.Score, 'f', 1, 64))
	if out.User != nil {
		fmt.Fprintf(&b, "User: %s %s (%s), from %s. Incident time: %s.\n\n", out.User.Provider, out.User.Login, out.User.ID, out.User.From, out.IncidentTime.UTC().Format(time.RFC3339))
	}
	for _, r := range out.Reasons {
		b.WriteString("- " + r + "\n")
	}
	b.WriteString("\n")
	b.WriteString(eventsTable(fmt.Sprintf("Related events (%d, within an hour)", len(out.RelatedEvents)), out.RelatedEvents))
	b.WriteString(eventsTable(fmt.Sprintf("Risk events (%d, two hours before)", len(out.RiskEvents)), out.RiskEvents))
	if c := out.Context; c != nil {
		b.WriteString(commands.Table("User context", []string{"Status", "Locked", "Can sign in", "Groups"},
			[][]string{{c.Status, yesNo(c.Locked), yesNo(c.Enabled), strconv.Itoa(c.Groups)}}))
	}
	for _, m := range out.Missing {
		fmt.Fprintf(&b, "\nMissing %s: %s\n", m.Part, m.Error)
	}
	return commands.Reply[IncidentCorrelation]{Outputs: out, Readable: b.String(), Raw: map[string]any{"incident": incident}}
}

// eventsTable lists at most ten events, as the SOP's summary does.
func eventsTable(title string, evs []commands.IdentityEvent) string {
	rows := make([][]string, 0, min(len(evs), 10))
	for _, e := range evs[:min(len(evs), 10)] {
		rows = append(rows, []string{e.Time.UTC().Format(time.RFC3339), e.Type, e.Outcome, e.IP, e.Location})
	}
	return commands.Table(title, []string{"Time", "Type", "Outcome", "IP", "Location"}, rows)
}
