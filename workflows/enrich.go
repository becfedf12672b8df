package workflows

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/risk"
)

// EnrichUserArgs name the user to enrich and the window of events to read.
type EnrichUserArgs struct {
	// Identity provider holding the user; optional when only one is configured.
	Provider string `json:"provider,omitempty" validate:"omitempty,oneof=okta pingone" example:"okta"`
	// User ID, or Okta login / PingOne username. An ID saves a round trip: the user is then read beside everything else.
	User string `json:"user" validate:"required,max=255" example:"jdoe@example.com"`
	// The window of recent events to read and score, in hours (1-336); default 24.
	Hours int `json:"hours,omitempty" validate:"omitempty,min=1,max=336" default:"24" example:"24"`
}

// enrichContext is where an enrichment lands in XSOAR context.
var enrichContext = commands.Context{Prefix: "Identity.Enrichment", Key: "UserID"}

// enrichUser is enrich-user, scoring with model.
func enrichUser(model risk.Model) commands.Spec[EnrichUserArgs, UserEnrichment] {
	return commands.Spec[EnrichUserArgs, UserEnrichment]{
		Name:    "enrich-user",
		Summary: "Gather a user's account, groups, roles, apps, MFA, sessions, events and provider risk at once, with one risk score and its reasons",
		Description: "Reads every part concurrently (about as long as the slowest single call): Okta user, groups, admin roles, app links, factors, " +
			"System Log events and user risk; PingOne user, groups, role assignments, MFA devices, sessions, audit activities and the risk " +
			"evaluations they name. A part that fails (a 403 for one scope, a timeout) is listed under Missing and the rest still comes back; " +
			"only an unknown user fails the call. The risk score (0-10) is the configured risk model's, with each factor's points and evidence.",
		Provider: commands.Neutral,
		Context:  enrichContext,
		Risk:     commands.Read,
		Run: func(ctx context.Context, p commands.Providers, a EnrichUserArgs) (commands.Reply[UserEnrichment], error) {
			e, err := enrich(ctx, p, model, a, time.Now())
			if err != nil {
				return commands.Reply[UserEnrichment]{}, err
			}
			return commands.Reply[UserEnrichment]{Outputs: *e, Readable: enrichmentReadable(e), Raw: rawEvents(e)}, nil
		},
	}
}

// enrich gathers and scores one user.
func enrich(ctx context.Context, p commands.Providers, model risk.Model, a EnrichUserArgs, now time.Time) (*UserEnrichment, error) {
	prov, err := pick(p, a.Provider)
	if err != nil {
		return nil, err
	}
	hours := a.Hours
	if hours == 0 {
		hours = 24
	}
	until := now.UTC()
	since := until.Add(-time.Duration(hours) * time.Hour)
	var e *UserEnrichment
	var signIns []risk.SignIn
	if prov == commands.Okta {
		e, signIns, err = enrichOkta(ctx, p.Okta, a.User, since, until)
	} else {
		e, signIns, err = enrichPingOne(ctx, p.PingOne, a.User, since, until)
	}
	if err != nil {
		return nil, err
	}
	e.Hours = hours
	e.Risk = model.Score(riskInput(e, signIns))
	normalize(e)
	return e, nil
}

// riskInput is what the model scores of an enrichment.
func riskInput(e *UserEnrichment, signIns []risk.SignIn) risk.Input {
	in := risk.Input{Status: e.Account.Status, Apps: len(e.Apps), SignIns: signIns}
	for _, g := range e.Groups {
		in.Groups = append(in.Groups, g.Name)
	}
	for _, r := range e.Roles {
		if r.Status != "INACTIVE" {
			in.Roles = append(in.Roles, r.Role)
		}
	}
	for _, v := range e.ProviderRisk {
		in.ProviderRisk = append(in.ProviderRisk, risk.ProviderVerdict{ID: v.ID, Level: v.Level, Reason: v.Reason})
	}
	return in
}

// normalize makes every list a list, empty rather than null, so a
// playbook can always count it.
func normalize(e *UserEnrichment) {
	if e.Groups == nil {
		e.Groups = []commands.AccountGroup{}
	}
	if e.Roles == nil {
		e.Roles = []UserRole{}
	}
	if e.Apps == nil {
		e.Apps = []UserApp{}
	}
	if e.Factors == nil {
		e.Factors = []UserFactor{}
	}
	if e.Sessions == nil {
		e.Sessions = []UserSession{}
	}
	if e.Events == nil {
		e.Events = []commands.IdentityEvent{}
	}
	if e.ProviderRisk == nil {
		e.ProviderRisk = []ProviderRiskVerdict{}
	}
	if e.Missing == nil {
		e.Missing = []MissingPart{}
	}
}

// enrichmentReadable is the war-room view: the score and its reasons
// first, then the account and what was read.
func enrichmentReadable(e *UserEnrichment) string {
	var b strings.Builder
	a := e.Account
	fmt.Fprintf(&b, "## Risk %d/10 (%s): %s (%s)\n", e.Risk.Score, e.Risk.Level, commands.Cell(a.Username), e.Provider)
	rows := make([][]string, 0, len(e.Risk.Factors))
	for _, f := range e.Risk.Factors {
		rows = append(rows, []string{f.Name, "+" + strconv.Itoa(f.Points), f.Evidence})
	}
	b.WriteString(commands.Table("Risk factors", []string{"Factor", "Points", "Evidence"}, rows))
	b.WriteString(commands.Table("Account", []string{"ID", "Username", "Display name", "Status", "Can sign in", "Last sign-in"},
		[][]string{{a.ID, a.Username, a.DisplayName, a.Status, yesNo(a.CanSignIn), commands.Stamp(a.LastSignIn)}}))
	names := func(n int, name func(int) string) string {
		parts := make([]string, 0, n)
		for i := range min(n, 15) {
			parts = append(parts, name(i))
		}
		if n > 15 {
			parts = append(parts, fmt.Sprintf("and %d more", n-15))
		}
		return strings.Join(parts, ", ")
	}
	failed := 0
	for _, ev := range e.Events {
		if ev.Outcome == "FAILURE" || ev.Outcome == "FAILED" || ev.Outcome == "DENY" {
			failed++
		}
	}
	parts := [][]string{
		{"Groups", strconv.Itoa(len(e.Groups)), names(len(e.Groups), func(i int) string { return e.Groups[i].Name })},
		{"Admin roles", strconv.Itoa(len(e.Roles)), names(len(e.Roles), func(i int) string { return e.Roles[i].Role })},
		{"Apps", strconv.Itoa(len(e.Apps)), names(len(e.Apps), func(i int) string { return e.Apps[i].Label })},
		{"MFA", strconv.Itoa(len(e.Factors)), names(len(e.Factors), func(i int) string { return e.Factors[i].Type + " " + e.Factors[i].Status })},
		{"Sessions", strconv.Itoa(len(e.Sessions)), names(len(e.Sessions), func(i int) string { return e.Sessions[i].Location })},
		{"Events (" + strconv.Itoa(e.Hours) + " h)", strconv.Itoa(len(e.Events)), strconv.Itoa(failed) + " failed"},
		{"Provider risk", strconv.Itoa(len(e.ProviderRisk)), names(len(e.ProviderRisk), func(i int) string { return e.ProviderRisk[i].Level })},
	}
	b.WriteString(commands.Table("What was read", []string{"Part", "Count", "Items"}, parts))
	if len(e.Missing) > 0 {
		rows := make([][]string, 0, len(e.Missing))
		for _, m := range e.Missing {
			rows = append(rows, []string{m.Part, m.Error})
		}
		b.WriteString(commands.Table("Missing parts", []string{"Part", "Why"}, rows))
	}
	return b.String()
}

// rawEvents is the raw response: the events exactly as the provider sent
// them (the outputs keep the normalized form only).
func rawEvents(e *UserEnrichment) map[string]any {
	raws := make([]json.RawMessage, 0, len(e.Events))
	for _, ev := range e.Events {
		if len(ev.Raw) > 0 {
			raws = append(raws, ev.Raw)
		}
	}
	return map[string]any{"events": raws}
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}
