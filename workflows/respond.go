package workflows

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/risk"
)

// Respond is respond-to-incident's mapping from what an incident is to what
// is done, by case: its severity or the user's risk level is critical or
// high, or it reports failed MFA, or none of these. The values are the
// Actions keys.
type Respond struct {
	Critical, High, MFAFailure, Other string
}

// Response actions respond-to-incident can take.
const (
	ActionLock          = "lock_user"
	ActionClearSessions = "clear_sessions"
	ActionResetPassword = "reset_password"
	ActionContain       = "contain_user"
	ActionMonitor       = "monitor"
)

// DefaultRespond is the SOPs' mapping (Okta SOP 2.2, PingOne SOP 2.4):
// critical → suspend (Okta) or lock (PingOne), high → end the sessions,
// MFA failures → reset the password, otherwise monitor.
func DefaultRespond() Respond {
	return Respond{Critical: ActionLock, High: ActionClearSessions, MFAFailure: ActionResetPassword, Other: ActionMonitor}
}

// RespondArgs are respond-to-incident's arguments; the incident is the
// call's incident context.
type RespondArgs struct {
	// Identity provider of the user; default: the one the incident names, or the only one configured.
	Provider string `json:"provider,omitempty" validate:"omitempty,oneof=okta pingone" example:"okta"`
	// The user to act on, when the incident does not say (ID, Okta login or PingOne username); default: the user found on the incident.
	User string `json:"user,omitempty" validate:"omitempty,max=255" example:"jdoe@example.com"`
	// Decide and report, but take no action.
	DryRun bool `json:"dry_run,omitempty"`
}

// IncidentResponse is what respond-to-incident decided and did.
type IncidentResponse struct {
	// xsoar or xdr.
	Platform   string `json:"Platform" example:"xdr"`
	IncidentID string `json:"IncidentID" example:"1"`
	// Whether the incident is about an identity, and what said so.
	Identity bool   `json:"Identity"`
	Why      string `json:"Why,omitempty" example:"its identity alert 11 \"Okta MFA push rejected\" (okta)"`
	// The user acted on; unset when none was found or several were.
	User *IncidentUser `json:"User,omitempty"`
	// The users found when there were several: idcmd does not guess between them.
	Candidates []IncidentUser `json:"Candidates,omitempty"`
	// The incident's severity (low, medium, high, critical).
	Severity string `json:"Severity,omitempty" example:"high"`
	// The user's level in idcmd's risk model, and its score (0-10).
	RiskLevel string `json:"RiskLevel,omitempty" example:"high"`
	RiskScore int    `json:"RiskScore,omitempty" example:"7"`
	// Which case of the mapping applied: critical, high, mfa_failure or other; none when nothing could be done.
	Case string `json:"Case" example:"high"`
	// The action taken: lock_user, clear_sessions, reset_password, contain_user or monitor.
	Action string `json:"Action" example:"clear_sessions"`
	// Why this action.
	Reason string `json:"Reason"`
	// The action's own call, when one ran (or was held for approval).
	Step *commands.StepResult `json:"Step,omitempty"`
}

// IncidentUser is a user found on an incident.
type IncidentUser struct {
	Provider string `json:"Provider" example:"okta"`
	ID       string `json:"ID" example:"00u1a2b3c4d5e6f7g8h9"`
	Login    string `json:"Login" example:"jdoe@example.com"`
	// Where on the incident the user was found.
	From string `json:"From,omitempty" example:"user_name of alert 11 jdoe@example.com"`
}

func incidentUser(id identity) IncidentUser {
	return IncidentUser{Provider: id.Provider, ID: id.ID, Login: id.Login, From: id.From}
}

// respondToIncident is the respond-to-incident command for settings s.
func respondToIncident(s Settings) commands.Spec[RespondArgs, IncidentResponse] {
	return commands.Spec[RespondArgs, IncidentResponse]{
		Name:    "respond-to-incident",
		Summary: "Respond to an XDR or XSOAR incident about an identity: find the user, act by severity and risk, comment on the incident",
		Description: "Reads the incident of the call's incident context (XDR: get_incident_extra_data, with its alerts; XSOAR: the incident with its labels and fields), " +
			"decides whether it is about an identity and whose (idcmd's own marker first, then the identity alerts' user_name, then the incident's users or user labels), " +
			"chooses the action from the incident's severity and the user's risk (workflows.respond: critical → lock_user, high → clear_sessions, MFA failure → reset_password, otherwise monitor), " +
			"runs it as its own command through the approval gate, and writes what was done and why to the incident. XDR incidents have no okta_user_id custom field: the user comes from what XDR really returns.",
		Provider:      commands.Neutral,
		Context:       commands.Context{Prefix: "Identity.IncidentResponse", Key: "IncidentID"},
		Risk:          commands.Write,
		NeedsIncident: true,
		Workflow: func(ctx context.Context, steps *commands.Steps, a RespondArgs) (commands.Reply[IncidentResponse], error) {
			p := steps.Providers()
			f, err := readIncident(ctx, p, steps.Incident())
			if err != nil {
				return commands.Reply[IncidentResponse]{}, err
			}
			out := IncidentResponse{Platform: f.Platform, IncidentID: f.ID, Identity: f.Identity, Why: f.Why, Severity: f.Severity, Case: "none", Action: ActionMonitor}
			if !f.Identity && a.User == "" {
				out.Reason = "the incident is not about an identity (no identity alert, no idcmd marker, nothing in its name or type): nothing to do"
				return respondReply(out, f.Raw), nil
			}
			who, several, err := findUser(ctx, p, f, a.Provider, a.User)
			if err != nil {
				return commands.Reply[IncidentResponse]{}, err
			}
			if who.ID == "" {
				for _, c := range several {
					out.Candidates = append(out.Candidates, incidentUser(c))
				}
				out.Reason = noUserReason(f, several)
				return respondReply(out, f.Raw), nil
			}
			u := incidentUser(who)
			out.User = &u
			if as, err := s.assess(ctx, p, who); err == nil {
				out.RiskLevel, out.RiskScore = as.Level, as.Score
			}
			out.Case, out.Action, out.Reason = s.Respond.decide(f, out.RiskLevel)
			if out.Action == ActionMonitor {
				return respondReply(out, f.Raw), nil
			}
			step := s.actionStep(out.Action, who)
			var res commands.StepResult
			if a.DryRun {
				res = commands.Skipped(out.Action, step.Command, "dry run: nothing was done")
			} else {
				res = steps.Run(ctx, out.Action, step)
			}
			out.Step = &res
			return respondReply(out, f.Raw), nil
		},
	}
}

// decide picks the action for an incident and the user's risk level.
func (r Respond) decide(f incidentFacts, riskLevel string) (kase, action, reason string) {
	level, what := f.Severity, "the incident's severity is "+f.Severity
	if rank(riskLevel) > rank(level) {
		level, what = riskLevel, "the user's risk level is "+riskLevel
	}
	switch {
	case level == "critical":
		return "critical", r.Critical, what
	case level == "high":
		return "high", r.High, what
	case f.MFAFailure:
		return "mfa_failure", r.MFAFailure, "the incident reports failed or rejected MFA"
	}
	if level == "" {
		what = "the incident has no severity and the user no risk level"
	}
	return "other", r.Other, what + ": neither critical nor high, and no MFA failure"
}

// rank orders levels: "" < low < medium < high < critical.
func rank(level string) int {
	return map[string]int{"low": 1, "medium": 2, "high": 3, "critical": 4}[strings.ToLower(level)]
}

// actionStep is the command an action runs for a user.
func (s Settings) actionStep(action string, who identity) commands.Step {
	user := commands.IdentityUserArgs{Provider: who.Provider, User: who.ID}
	switch action {
	case ActionLock:
		return commands.Step{Command: commands.LockUser, Args: &user}
	case ActionClearSessions:
		return commands.Step{Command: commands.ClearSessions, Args: &commands.ClearSessionsArgs{IdentityUserArgs: user, OAuthTokens: who.Provider == "okta"}}
	case ActionResetPassword:
		// The reset goes to the user by e-mail: a link handed to the
		// caller would land in the incident's record of this call.
		return commands.Step{Command: commands.ResetPassword, Args: &commands.ResetPasswordArgs{IdentityUserArgs: user}}
	case ActionContain:
		return commands.Step{Command: ContainUser, Args: &ContainUserArgs{IdentityUserArgs: user}}
	}
	panic("workflows: no command for action " + action) // Validate refuses unknown actions
}

func noUserReason(f incidentFacts, several []identity) string {
	if len(several) > 1 {
		names := make([]string, 0, len(several))
		for _, c := range several {
			names = append(names, c.Provider+" "+c.Login)
		}
		return "the incident names several users (" + strings.Join(names, ", ") + "): idcmd does not guess between them; run it again with user"
	}
	if len(f.Names) == 0 && len(f.Subjects) == 0 {
		return "the incident names no user: run it again with user"
	}
	tried := make([]string, 0, len(f.Names))
	for _, n := range f.Names {
		tried = append(tried, n.Value)
	}
	return fmt.Sprintf("no user of the incident (%s) exists at the identity providers", strings.Join(tried, ", "))
}

// respondReply is the answer; raw holds the incident as the platform sent
// it and the action's raw_response.
func respondReply(out IncidentResponse, incident json.RawMessage) commands.Reply[IncidentResponse] {
	raw := map[string]any{"incident": incident}
	if out.Step != nil && out.Step.Raw() != nil {
		raw["action"] = out.Step.Raw()
	}
	title := fmt.Sprintf("idcmd response to %s incident %s", strings.ToUpper(out.Platform), out.IncidentID)
	user := "—"
	if out.User != nil {
		user = out.User.Provider + " " + out.User.Login + " (" + out.User.ID + "), from " + out.User.From
	}
	risk := "—"
	if out.RiskLevel != "" {
		risk = fmt.Sprintf("%s (%d/10)", out.RiskLevel, out.RiskScore)
	}
	done := "nothing (monitor)"
	if out.Step != nil {
		done = out.Step.Command
		if out.Step.EffectiveCommand != "" {
			done += " (" + out.Step.EffectiveCommand + ")"
		}
		done += ": " + out.Step.Status
		if out.Step.Detail != "" {
			done += " — " + out.Step.Detail
		}
		if out.Step.ApprovalID != "" {
			done += " (approval " + out.Step.ApprovalID + ")"
		}
	}
	rows := [][]string{
		{"About an identity", yesNo(out.Identity) + whyText(out.Why)},
		{"User", user},
		{"Severity", orDash(out.Severity)},
		{"Risk", risk},
		{"Action", out.Action},
		{"Why", out.Reason},
		{"Done", done},
	}
	return commands.Reply[IncidentResponse]{Outputs: out, Readable: commands.Table(title, []string{"", ""}, rows), Raw: raw}
}

func whyText(why string) string {
	if why == "" {
		return ""
	}
	return " (" + why + ")"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// assess scores the user with the risk model, as enrich-user does.
func (s Settings) assess(ctx context.Context, p commands.Providers, who identity) (risk.Assessment, error) {
	e, err := enrich(ctx, p, s.Risk, EnrichUserArgs{Provider: who.Provider, User: who.ID}, time.Now())
	if err != nil {
		return risk.Assessment{}, err
	}
	return e.Risk, nil
}
