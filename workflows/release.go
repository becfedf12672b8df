package workflows

import (
	"context"
	"strings"

	"github.com/idcmd/idcmd/commands"
)

// Release outcomes.
const (
	Released    = "released"
	NotReleased = "not_released"
)

// UserRelease is what release-user did, step by step.
type UserRelease struct {
	// okta or pingone.
	Provider string `json:"Provider" example:"okta"`
	// The provider's user ID.
	UserID string `json:"UserID" example:"00ub0oNGTSWTBKOLGLNR"`
	// Okta login or PingOne username.
	Username string `json:"Username" example:"jdoe@example.com"`
	// released (the user can sign in again, or already could) or not_released (letting the user sign in failed or is not possible).
	Outcome string `json:"Outcome" example:"released"`
	// The user's status before release-user acted.
	PreviousStatus string `json:"PreviousStatus" example:"SUSPENDED"`
	// The user's status after, read back; empty when that read failed.
	Status string `json:"Status,omitempty" example:"ACTIVE"`
	// Whether the user can sign in now, read back; absent when that read failed.
	CanSignIn *bool `json:"CanSignIn,omitempty"`
	// Every step: let the user sign in again, then what contain-user did that cannot be undone (sessions, tokens, factors), reported skipped with the reason.
	Steps []commands.StepResult `json:"Step"`
}

// Purposes of release-user's steps.
const stepAllowSignIn = "let the user sign in again"

// ReleaseUser undoes contain-user where it can: the account may sign in
// again. Ended sessions, revoked tokens and reset factors stay as they
// are; the answer says so, step by step.
var ReleaseUser = commands.Spec[commands.IdentityUserArgs, UserRelease]{
	Name:    "release-user",
	Summary: "Release a contained user: let them sign in again, and report what cannot be undone",
	Description: "Undoes contain-user where it can: lets the user sign in again through unlock-user (Okta: okta-unsuspend-user for a " +
		"SUSPENDED user, okta-unlock-user for a LOCKED_OUT one; PingOne: pingone-unlock-user). A PingOne user who is disabled stays " +
		"disabled: contain-user never disables, so release-user does not enable (pingone-enable-user does, if that is meant). Ended " +
		"sessions, revoked OAuth tokens and reset MFA factors cannot be undone: they are reported as skipped steps with the reason " +
		"(the user signs in again, and enrols MFA again). The same approval behaviour as contain-user: when policy would hold the " +
		"unlock, the call waits for one approval (202).",
	Provider: commands.Neutral,
	Context:  commands.Context{Prefix: "Identity.Release", Key: "UserID"},
	Risk:     commands.Write,
	Workflow: releaseUser,
}

func releaseUser(ctx context.Context, steps *commands.Steps, a commands.IdentityUserArgs) (commands.Reply[UserRelease], error) {
	p := steps.Providers()
	acct, err := commands.GetUser.Run(ctx, p, a)
	if err != nil {
		return commands.Reply[UserRelease]{}, err
	}
	user := acct.Outputs
	out := UserRelease{Provider: user.Provider, UserID: user.ID, Username: user.Username, PreviousStatus: user.Status}
	unlock := commands.Step{Command: commands.UnlockUser, Args: &commands.IdentityUserArgs{Provider: user.Provider, User: a.User}}

	var allow commands.StepResult
	run := false
	switch {
	case user.Provider == string(commands.Okta) && (user.Status == "SUSPENDED" || user.Status == "LOCKED_OUT"):
		run = true
	case user.Provider == string(commands.Okta) && user.CanSignIn:
		allow = commands.Skipped(stepAllowSignIn, commands.UnlockUser, "already can sign in ("+user.Status+")")
	case user.Provider == string(commands.Okta):
		allow = commands.StepResult{Step: stepAllowSignIn, Command: commands.UnlockUser.Name, Status: commands.StepFailed,
			Detail: "not run: Okta status " + user.Status + " is neither SUSPENDED nor LOCKED_OUT, which is all unlock-user lifts"}
	case user.Status == "DISABLED":
		allow = commands.StepResult{Step: stepAllowSignIn, Command: commands.UnlockUser.Name, Status: commands.StepFailed,
			Detail: "not run: the user is disabled, which contain-user never does; pingone-enable-user enables the user if that is meant"}
	case user.Status == "LOCKED":
		run = true
	default:
		allow = commands.Skipped(stepAllowSignIn, commands.UnlockUser, "already can sign in ("+user.Status+")")
	}
	if run {
		if err := steps.Approve(ctx, unlock); err != nil {
			return commands.Reply[UserRelease]{}, err
		}
		allow = steps.Run(ctx, stepAllowSignIn, unlock)
	}

	out.Steps = append([]commands.StepResult{allow}, notUndoable(user.Provider)...)
	out.Outcome = NotReleased
	if allow.Status == commands.StepDone || allow.Status == commands.StepSkipped {
		out.Outcome = Released
	}
	if after, err := commands.GetUser.Run(ctx, p, commands.IdentityUserArgs{Provider: user.Provider, User: user.ID}); err == nil {
		out.Status = after.Outputs.Status
		can := after.Outputs.CanSignIn
		out.CanSignIn = &can
	}
	title := "release-user " + out.Username + " (" + out.Provider + "): " + strings.ReplaceAll(out.Outcome, "_", " ")
	readable := commands.StepsTable(title, out.Steps)
	if out.CanSignIn != nil {
		readable += "\nStatus before: " + out.PreviousStatus + "; after: " + out.Status + "; can sign in: " + yesNo(*out.CanSignIn) + ".\n"
	}
	return commands.Reply[UserRelease]{Outputs: out, Readable: readable, Raw: out.Steps}, nil
}

// notUndoable are contain-user's steps that no command reverses.
func notUndoable(provider string) []commands.StepResult {
	if provider == string(commands.Okta) {
		return []commands.StepResult{
			commands.Skipped(stepEndSessions, commands.OktaClearSessions, "cannot be undone: the user signs in again"),
			commands.Skipped(stepRevokeTokens, commands.OktaClearSessions, "cannot be undone: apps ask the user to sign in again for new tokens"),
			commands.Skipped(stepResetFactors, commands.OktaResetFactors, "cannot be undone: a user whose factors were reset enrols again at next sign-in"),
		}
	}
	return []commands.StepResult{
		commands.Skipped(stepEndSessions, commands.PingOneTerminateSessions, "cannot be undone: the user signs on again"),
		{Step: stepRevokeTokens, Status: commands.StepSkipped, Detail: "nothing to undo: contain-user revokes no PingOne tokens (PingOne has no API for it)"},
		commands.Skipped(stepResetFactors, commands.PingOneDeleteDevice, "cannot be undone: a deleted MFA device is enrolled again by the user"),
	}
}
