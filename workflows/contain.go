package workflows

import (
	"context"
	"fmt"
	"strings"

	"github.com/idcmd/idcmd/commands"
)

// ContainUserArgs are the arguments of contain-user.
type ContainUserArgs struct {
	commands.IdentityUserArgs
	// Also revoke the user's OAuth/OIDC access and refresh tokens (default true). Okta revokes them in the same call that ends the sessions; PingOne has no API that revokes a user's tokens, so there the step is reported skipped.
	RevokeTokens *bool `json:"revoke_tokens,omitempty" default:"true"`
	// Also remove every MFA factor (Okta okta-reset-factors; PingOne: delete each MFA device): the user enrols again at next sign-in, which contain-user cannot undo. Default false.
	ResetFactors bool `json:"reset_factors,omitempty" default:"false"`
}

// Containment outcomes.
const (
	Contained          = "contained"
	PartiallyContained = "partially_contained"
	NotContained       = "not_contained"
)

// UserContainment is what contain-user did, step by step.
type UserContainment struct {
	// okta or pingone.
	Provider string `json:"Provider" example:"okta"`
	// The provider's user ID.
	UserID string `json:"UserID" example:"00ub0oNGTSWTBKOLGLNR"`
	// Okta login or PingOne username.
	Username string `json:"Username" example:"jdoe@example.com"`
	// contained (every step done or already in effect), partially_contained (some step failed, others took effect) or not_contained (nothing took effect).
	Outcome string `json:"Outcome" example:"contained"`
	// The user's status before contain-user acted.
	PreviousStatus string `json:"PreviousStatus" example:"ACTIVE"`
	// The user's status after the steps, read back; empty when that read failed.
	Status string `json:"Status,omitempty" example:"SUSPENDED"`
	// Whether the user can sign in after the steps, read back; absent when that read failed.
	CanSignIn *bool `json:"CanSignIn,omitempty"`
	// Every step, in order: stop sign-in, end sessions, revoke OAuth tokens, reset factors (PingOne: one step per MFA device).
	Steps []commands.StepResult `json:"Step"`
}

// Purposes of contain-user's steps, as its answer names them.
const (
	stepStopSignIn   = "stop sign-in"
	stepEndSessions  = "end sessions"
	stepRevokeTokens = "revoke OAuth tokens"
	stepResetFactors = "reset factors"
)

// ContainUser contains a compromised identity in one call. Each action is
// a step of its own through the Invoker (its own audit record, the
// approval gate judging the provider command), and the whole is held for
// one approval when policy would hold any of them.
var ContainUser = commands.Spec[ContainUserArgs, UserContainment]{
	Name:    "contain-user",
	Summary: "Contain a compromised user: stop sign-in, end every session, revoke OAuth tokens, optionally reset MFA",
	Description: "One call that contains a compromised identity at Okta or PingOne. Okta: okta-suspend-user, then okta-clear-sessions " +
		"(with oauth_tokens when revoke_tokens), and okta-reset-factors when reset_factors. PingOne: pingone-lock-user, " +
		"pingone-terminate-sessions, and pingone-delete-device for each MFA device when reset_factors; PingOne has no per-user " +
		"token revocation, so that step is reported skipped. A user who already cannot sign in (Okta SUSPENDED, LOCKED_OUT, STAGED " +
		"or DEPROVISIONED; PingOne disabled or locked without an end) is not suspended again: that step is skipped. Okta suspends " +
		"ACTIVE users only, so a PASSWORD_EXPIRED, RECOVERY or PROVISIONED user, who can still get in, is reported with that step " +
		"failed and what to do instead. Each step runs as its own command through the Invoker, with its own audit record; when " +
		"the approval policy would hold any step, the whole call waits for one approval (202) and nothing is done until a second " +
		"person approves. A step that fails leaves the others done: outputs list every step and the outcome says contained, " +
		"partially_contained or not_contained. release-user undoes what can be undone.",
	Provider: commands.Neutral,
	Context:  commands.Context{Prefix: "Identity.Containment", Key: "UserID"},
	Risk:     commands.Write,
	Workflow: containUser,
}

// containRow is one line of the containment: the step to run, or the
// result it already has (skipped, not possible in the user's state).
type containRow struct {
	purpose string
	step    *commands.Step
	result  commands.StepResult
	// inEffect marks a skipped stop-sign-in whose purpose already holds
	// (the user is suspended): it counts as contained.
	inEffect bool
	// sameCallAs is the index of the row whose call also does this one
	// (Okta revokes tokens in the call that clears sessions); -1 if none.
	sameCallAs int
	// incomplete says why a done step did not fully achieve its purpose
	// (a PingOne session that would not end).
	incomplete func(commands.StepResult) string
}

func containUser(ctx context.Context, steps *commands.Steps, a ContainUserArgs) (commands.Reply[UserContainment], error) {
	p := steps.Providers()
	acct, err := commands.GetUser.Run(ctx, p, a.IdentityUserArgs)
	if err != nil {
		return commands.Reply[UserContainment]{}, err
	}
	user := acct.Outputs
	out := UserContainment{Provider: user.Provider, UserID: user.ID, Username: user.Username, PreviousStatus: user.Status}
	revoke := a.RevokeTokens == nil || *a.RevokeTokens

	var rows []containRow
	if user.Provider == string(commands.Okta) {
		rows = oktaContainment(a, user.Status, revoke)
	} else {
		rows, err = pingOneContainment(ctx, p, a, revoke)
		if err != nil {
			return commands.Reply[UserContainment]{}, err
		}
	}

	// One approval for the whole containment, before anything acts.
	var all []commands.Step
	for _, r := range rows {
		if r.step != nil && r.sameCallAs < 0 {
			all = append(all, *r.step)
		}
	}
	if err := steps.Approve(ctx, all...); err != nil {
		return commands.Reply[UserContainment]{}, err
	}
	for i := range rows {
		if r := &rows[i]; r.step != nil && r.sameCallAs < 0 {
			r.result = steps.Run(ctx, r.purpose, *r.step)
		}
	}
	for i := range rows {
		r := &rows[i]
		if r.sameCallAs >= 0 {
			r.result = sameCall(r.purpose, rows[r.sameCallAs].result)
		}
	}

	failed, effective := 0, 0
	for i := range rows {
		r := &rows[i]
		switch r.result.Status {
		case commands.StepDone:
			if r.incomplete != nil {
				if why := r.incomplete(r.result); why != "" {
					r.result.Detail = why
					failed++
				}
			}
			effective++
		case commands.StepSkipped:
			if r.inEffect {
				effective++
			}
		default:
			failed++
		}
		out.Steps = append(out.Steps, r.result)
	}
	switch {
	case failed == 0:
		out.Outcome = Contained
	case effective == 0:
		out.Outcome = NotContained
	default:
		out.Outcome = PartiallyContained
	}
	// Read the user back: what the responder needs to know is whether
	// the account can still sign in.
	if after, err := commands.GetUser.Run(ctx, p, commands.IdentityUserArgs{Provider: user.Provider, User: user.ID}); err == nil {
		out.Status = after.Outputs.Status
		can := after.Outputs.CanSignIn
		out.CanSignIn = &can
	}
	return commands.Reply[UserContainment]{Outputs: out, Readable: containReadable(out), Raw: out.Steps}, nil
}

// oktaContainment plans the Okta steps for a user in status.
func oktaContainment(a ContainUserArgs, status string, revoke bool) []containRow {
	user := a.User
	stop := containRow{purpose: stepStopSignIn, sameCallAs: -1}
	suspend := commands.Step{Command: commands.OktaSuspendUser, Args: &commands.OktaUserArgs{User: user}}
	switch status {
	case "ACTIVE":
		stop.step = &suspend
	case "SUSPENDED":
		stop.result, stop.inEffect = commands.Skipped(stepStopSignIn, commands.OktaSuspendUser, "already suspended"), true
	case "LOCKED_OUT":
		// Okta suspends ACTIVE users only. Unlocking to suspend would let
		// the account in for a moment, and leave it open if the suspend
		// then failed: the lockout stands, and the answer says how long.
		stop.result, stop.inEffect = commands.Skipped(stepStopSignIn, commands.OktaSuspendUser,
			"already locked out (Okta suspends ACTIVE users only); the lockout ends by itself if the password policy unlocks automatically, "+
				"or by self-service unlock: to make it last, run okta-unlock-user and then okta-suspend-user"), true
	case "STAGED":
		stop.result, stop.inEffect = commands.Skipped(stepStopSignIn, commands.OktaSuspendUser, "not activated (STAGED): cannot sign in"), true
	case "DEPROVISIONED":
		stop.result, stop.inEffect = commands.Skipped(stepStopSignIn, commands.OktaSuspendUser, "deactivated: cannot sign in"), true
	default:
		// PASSWORD_EXPIRED signs in with the old password and sets a new
		// one; RECOVERY and PROVISIONED get in through the reset or
		// activation link Okta e-mailed. None can be suspended.
		stop.result = commands.StepResult{Step: stepStopSignIn, Command: commands.OktaSuspendUser.Name, Status: commands.StepFailed,
			Detail: "not run: Okta suspends ACTIVE users only, and a " + status + " user can still get in " + oktaWayIn(status) +
				"; stop sign-in with okta-deactivate-user (destructive: deprovisions the user's apps)"}
	}

	sessions := containRow{purpose: stepEndSessions, sameCallAs: -1,
		step: &commands.Step{Command: commands.OktaClearSessions, Args: &commands.OktaClearSessionsArgs{OktaUserArgs: commands.OktaUserArgs{User: user}, OAuthTokens: revoke}}}
	tokens := containRow{purpose: stepRevokeTokens, sameCallAs: 1}
	if !revoke {
		tokens = containRow{purpose: stepRevokeTokens, sameCallAs: -1, result: commands.Skipped(stepRevokeTokens, commands.OktaClearSessions, "revoke_tokens is false")}
	}

	factors := containRow{purpose: stepResetFactors, sameCallAs: -1}
	switch {
	case !a.ResetFactors:
		factors.result = commands.Skipped(stepResetFactors, commands.OktaResetFactors, "reset_factors is false")
	case status == "DEPROVISIONED":
		factors.result = commands.Skipped(stepResetFactors, commands.OktaResetFactors, "deactivated: Okta resets no factors of a DEPROVISIONED user")
	default:
		factors.step = &commands.Step{Command: commands.OktaResetFactors, Args: &commands.OktaUserArgs{User: user}}
	}
	return []containRow{stop, sessions, tokens, factors}
}

// oktaWayIn says how a user Okta cannot suspend still gets in.
func oktaWayIn(status string) string {
	switch status {
	case "PASSWORD_EXPIRED":
		return "(with the current password, then sets a new one)"
	case "RECOVERY":
		return "(through the password reset link Okta sent)"
	case "PROVISIONED":
		return "(through the activation link Okta sent)"
	}
	return "(Okta status " + status + ")"
}

// pingOneContainment plans the PingOne steps; it reads the user (whether a
// lock is explicit and without end) and, for reset_factors, the devices.
func pingOneContainment(ctx context.Context, p commands.Providers, a ContainUserArgs, revoke bool) ([]containRow, error) {
	user := a.User
	u, err := commands.PingOneGetUser.Run(ctx, p, commands.PingOneUserArgs{User: user})
	if err != nil {
		return nil, err
	}
	stop := containRow{purpose: stepStopSignIn, sameCallAs: -1}
	switch {
	case !u.Outputs.Enabled:
		stop.result, stop.inEffect = commands.Skipped(stepStopSignIn, commands.PingOneLockUser, "already disabled: cannot sign on"), true
	case u.Outputs.AccountStatus == "LOCKED" && u.Outputs.LockedAt != nil && u.Outputs.UnlockAt == nil:
		stop.result, stop.inEffect = commands.Skipped(stepStopSignIn, commands.PingOneLockUser, "already locked (an explicit lock without an end)"), true
	default:
		// Active, or locked only for a while (a timed lock, a password
		// lockout): an explicit lock without unlockAt lasts until
		// release-user, whatever the password policy does.
		stop.step = &commands.Step{Command: commands.PingOneLockUser, Args: &commands.PingOneLockUserArgs{PingOneUserArgs: commands.PingOneUserArgs{User: user}}}
	}

	sessions := containRow{purpose: stepEndSessions, sameCallAs: -1,
		step: &commands.Step{Command: commands.PingOneTerminateSessions, Args: &commands.PingOneUserArgs{User: user}},
		incomplete: func(r commands.StepResult) string {
			if o, ok := r.Outputs().(commands.PingOneSessionsTerminated); ok && o.Failed > 0 {
				return fmt.Sprintf("%d of %d sessions would not end (pingone-get-user-sessions lists them)", o.Failed, o.Failed+o.Terminated)
			}
			return ""
		}}
	why := "PingOne has no API that revokes a user's tokens: its revocation endpoint (/as/revoke) takes the token itself"
	if !revoke {
		why = "revoke_tokens is false"
	}
	tokens := containRow{purpose: stepRevokeTokens, sameCallAs: -1, result: commands.StepResult{Step: stepRevokeTokens, Status: commands.StepSkipped, Detail: why}}
	rows := []containRow{stop, sessions, tokens}

	if !a.ResetFactors {
		return append(rows, containRow{purpose: stepResetFactors, sameCallAs: -1,
			result: commands.Skipped(stepResetFactors, commands.PingOneDeleteDevice, "reset_factors is false")}), nil
	}
	ds, err := commands.PingOneGetUserDevices.Run(ctx, p, commands.PingOneUserArgs{User: user})
	if err != nil {
		// The devices could not be listed: that step fails, the others
		// still run.
		return append(rows, containRow{purpose: stepResetFactors, sameCallAs: -1, result: commands.StepResult{Step: stepResetFactors,
			Command: commands.PingOneGetUserDevices.Name, Status: commands.StepFailed, Detail: "could not list the MFA devices: " + err.Error()}}), nil
	}
	if len(ds.Outputs.Devices) == 0 {
		return append(rows, containRow{purpose: stepResetFactors, sameCallAs: -1,
			result: commands.Skipped(stepResetFactors, commands.PingOneDeleteDevice, "no MFA devices")}), nil
	}
	for _, d := range ds.Outputs.Devices {
		purpose := "delete MFA device " + strings.TrimSpace(d.Type+" "+d.Nickname)
		rows = append(rows, containRow{purpose: purpose, sameCallAs: -1, step: &commands.Step{Command: commands.PingOneDeleteDevice,
			Args: &commands.PingOneDeleteDeviceArgs{PingOneUserArgs: commands.PingOneUserArgs{User: user}, Device: d.ID}}})
	}
	return rows, nil
}

// sameCall reports a purpose achieved by another step's call.
func sameCall(purpose string, r commands.StepResult) commands.StepResult {
	r.Step = purpose
	if r.Status == commands.StepDone {
		r.Detail = "in the " + r.Command + " call that ended the sessions"
	}
	return r
}

func containReadable(o UserContainment) string {
	title := "contain-user " + o.Username + " (" + o.Provider + "): " + strings.ReplaceAll(o.Outcome, "_", " ")
	s := commands.StepsTable(title, o.Steps)
	if o.CanSignIn != nil {
		s += "\nStatus before: " + o.PreviousStatus + "; after: " + o.Status + "; can sign in: " + yesNo(*o.CanSignIn) + ".\n"
	}
	return s
}
