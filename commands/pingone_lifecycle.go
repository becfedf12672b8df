package commands

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/idcmd/idcmd/providers/pingone"
	"github.com/idcmd/idcmd/providers/upstream"
)

// changePingOneUser runs one action and reads the user back, so every
// state-changing command reports the state before and after.
func changePingOneUser(ctx context.Context, p Providers, user, action string, do func(c *pingone.Client, u *pingone.User) error) (PingOneUserChange, *pingone.User, error) {
	c, before, err := resolvePingOneUser(ctx, p, user)
	if err != nil {
		return PingOneUserChange{}, nil, err
	}
	if err := do(c, before); err != nil {
		return PingOneUserChange{}, nil, err
	}
	after, err := c.GetUser(ctx, before.ID)
	if err != nil {
		return PingOneUserChange{}, nil, err
	}
	out := PingOneUserChange{PingOneUser: pingOneUser(after), Action: action, PreviousStatus: pingOneStatus(before)}
	if pw, err := c.GetPasswordState(ctx, after.ID); err == nil {
		out.PasswordStatus = pw.Status
	}
	return out, after, nil
}

// pingOneSimpleChange declares a command that is one call with no options.
func pingOneSimpleChange(name, summary, done, action string, do func(ctx context.Context, c *pingone.Client, u *pingone.User) error) Spec[PingOneUserArgs, PingOneUserChange] {
	return Spec[PingOneUserArgs, PingOneUserChange]{
		Name:     name,
		Summary:  summary,
		Provider: PingOne,
		Context:  Context{Prefix: "PingOne.User", Key: "ID"},
		Risk:     Write,
		Run: func(ctx context.Context, p Providers, a PingOneUserArgs) (Reply[PingOneUserChange], error) {
			out, after, err := changePingOneUser(ctx, p, a.User, action, func(c *pingone.Client, u *pingone.User) error { return do(ctx, c, u) })
			if err != nil {
				return Reply[PingOneUserChange]{}, err
			}
			return Reply[PingOneUserChange]{Outputs: out, Readable: pingOneChangeTable(done, out), Raw: rawJSON(after.Raw)}, nil
		},
	}
}

// PingOneLockUserArgs are the arguments of pingone-lock-user.
type PingOneLockUserArgs struct {
	PingOneUserArgs
	// Unlock automatically at this time (RFC 3339, in the future); without it the lock stays until pingone-unlock-user.
	UnlockAt string `json:"unlock_at,omitempty" validate:"omitempty,datetime=2006-01-02T15:04:05Z07:00" format:"date-time"`
}

// Validate requires a future unlock time.
func (a *PingOneLockUserArgs) Validate() error {
	if a.UnlockAt != "" && !parseTime(a.UnlockAt).After(time.Now()) {
		return inputError("The arguments are invalid", "body.unlock_at", "must be in the future")
	}
	return nil
}

// PingOneLockUser locks the account: the user cannot sign on.
var PingOneLockUser = Spec[PingOneLockUserArgs, PingOneUserChange]{
	Name:     "pingone-lock-user",
	Summary:  "Lock a PingOne user's account (optionally until a time)",
	Provider: PingOne,
	Context:  Context{Prefix: "PingOne.User", Key: "ID"},
	Risk:     Write,
	Run: func(ctx context.Context, p Providers, a PingOneLockUserArgs) (Reply[PingOneUserChange], error) {
		var until *time.Time
		if a.UnlockAt != "" {
			t := parseTime(a.UnlockAt)
			until = &t
		}
		out, after, err := changePingOneUser(ctx, p, a.User, "lock", func(c *pingone.Client, u *pingone.User) error {
			return c.LockUser(ctx, u.ID, until)
		})
		if err != nil {
			return Reply[PingOneUserChange]{}, err
		}
		return Reply[PingOneUserChange]{Outputs: out, Readable: pingOneChangeTable("PingOne user locked", out), Raw: rawJSON(after.Raw)}, nil
	},
}

// PingOneUnlockUser clears an account lock (and PingOne's MFA lockout counter).
var PingOneUnlockUser = pingOneSimpleChange("pingone-unlock-user", "Unlock a PingOne user's account", "PingOne user unlocked", "unlock",
	func(ctx context.Context, c *pingone.Client, u *pingone.User) error { return c.UnlockUser(ctx, u.ID) })

// PingOneDisableUser disables the user: no sign-on until enabled.
var PingOneDisableUser = pingOneSimpleChange("pingone-disable-user", "Disable a PingOne user", "PingOne user disabled", "disable",
	func(ctx context.Context, c *pingone.Client, u *pingone.User) error {
		return c.SetEnabled(ctx, u.ID, false)
	})

// PingOneEnableUser enables a disabled user.
var PingOneEnableUser = pingOneSimpleChange("pingone-enable-user", "Enable a disabled PingOne user", "PingOne user enabled", "enable",
	func(ctx context.Context, c *pingone.Client, u *pingone.User) error {
		return c.SetEnabled(ctx, u.ID, true)
	})

// PingOneResetPasswordArgs are the arguments of pingone-reset-password.
type PingOneResetPasswordArgs struct {
	PingOneUserArgs
	// E-mail the user a recovery code (the SOP's send_email: true; default). When false, force a password change at next sign-on instead.
	SendEmail *bool `json:"send_email,omitempty" default:"true"`
}

// PingOneResetPassword e-mails a recovery code or forces a change at next sign-on.
var PingOneResetPassword = Spec[PingOneResetPasswordArgs, PingOnePasswordReset]{
	Name:     "pingone-reset-password",
	Summary:  "Reset a PingOne user's password (e-mail a recovery code or force a change)",
	Provider: PingOne,
	Context:  Context{Prefix: "PingOne.User", Key: "ID"},
	Risk:     Write,
	Run: func(ctx context.Context, p Providers, a PingOneResetPasswordArgs) (Reply[PingOnePasswordReset], error) {
		sendEmail := a.SendEmail == nil || *a.SendEmail
		action := "force_password_change"
		if sendEmail {
			action = "send_recovery_code"
		}
		change, after, err := changePingOneUser(ctx, p, a.User, action, func(c *pingone.Client, u *pingone.User) error {
			if sendEmail {
				return c.SendRecoveryCode(ctx, u.ID)
			}
			return c.ForcePasswordChange(ctx, u.ID)
		})
		if err != nil {
			return Reply[PingOnePasswordReset]{}, err
		}
		out := PingOnePasswordReset{PingOneUserChange: change, RecoveryCodeSent: sendEmail}
		readable := pingOneChangeTable("PingOne password reset", change)
		if sendEmail {
			readable += "\nPingOne e-mailed the user a recovery code (valid 5 minutes).\n"
		} else {
			readable += "\nThe user must change the password at next sign-on. An explicit account lock, if any, stays.\n"
		}
		return Reply[PingOnePasswordReset]{Outputs: out, Readable: readable, Raw: rawJSON(after.Raw)}, nil
	},
}

// PingOneTerminateSessions deletes every session of the user, one at a
// time: PingOne has no bulk delete. Each session's outcome is reported.
var PingOneTerminateSessions = Spec[PingOneUserArgs, PingOneSessionsTerminated]{
	Name:     "pingone-terminate-sessions",
	Summary:  "End all of a PingOne user's sessions, reporting each",
	Provider: PingOne,
	Context:  Context{Prefix: "PingOne.User", Key: "ID"},
	Risk:     Write,
	Run: func(ctx context.Context, p Providers, a PingOneUserArgs) (Reply[PingOneSessionsTerminated], error) {
		var results []PingOneSessionResult
		change, after, err := changePingOneUser(ctx, p, a.User, "terminate_sessions", func(c *pingone.Client, u *pingone.User) error {
			sessions, err := c.ListSessions(ctx, u.ID)
			if err != nil {
				return err
			}
			for _, s := range sessions {
				r := PingOneSessionResult{ID: s.ID, Result: "deleted"}
				if err := c.DeleteSession(ctx, u.ID, s.ID); err != nil {
					switch {
					case upstream.IsKind(err, upstream.NotFound):
						r.Result = "already_gone"
					case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
						return err
					default:
						r.Result, r.Error = "failed", err.Error()
					}
				}
				results = append(results, r)
			}
			return nil
		})
		if err != nil {
			return Reply[PingOneSessionsTerminated]{}, err
		}
		out := PingOneSessionsTerminated{PingOneUserChange: change, Sessions: results}
		if out.Sessions == nil {
			out.Sessions = []PingOneSessionResult{}
		}
		rows := make([][]string, 0, len(results))
		for _, r := range results {
			if r.Result == "failed" {
				out.Failed++
			} else {
				out.Terminated++
			}
			rows = append(rows, []string{r.ID, r.Result, r.Error})
		}
		title := "PingOne sessions of " + change.Username + ": " + strconv.Itoa(out.Terminated) + " ended"
		if out.Failed > 0 {
			title += ", " + strconv.Itoa(out.Failed) + " FAILED"
		}
		return Reply[PingOneSessionsTerminated]{Outputs: out, Readable: table(title, []string{"Session", "Result", "Error"}, rows), Raw: rawJSON(after.Raw)}, nil
	},
}
