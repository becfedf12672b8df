package commands

import (
	"context"

	"github.com/idcmd/idcmd/providers/okta"
)

// changeOktaUser runs one lifecycle action and reads the user back, so every
// state-changing command reports the state before and after.
func changeOktaUser(ctx context.Context, p Providers, user, action string, do func(c *okta.Client, id string) error) (OktaUserChange, *okta.User, error) {
	c, before, err := resolveOktaUser(ctx, p, user)
	if err != nil {
		return OktaUserChange{}, nil, err
	}
	if err := do(c, before.ID); err != nil {
		return OktaUserChange{}, nil, err
	}
	after, err := c.GetUser(ctx, before.ID)
	if err != nil {
		return OktaUserChange{}, nil, err
	}
	return OktaUserChange{OktaUser: oktaUser(after), Action: action, PreviousStatus: before.Status}, after, nil
}

// lifecycleSpec declares a command that is one lifecycle call with no options.
func lifecycleSpec(name, summary, done, action string, risk Risk, do func(ctx context.Context, c *okta.Client, id string) error) Spec[OktaUserArgs, OktaUserChange] {
	return Spec[OktaUserArgs, OktaUserChange]{
		Name:     name,
		Summary:  summary,
		Provider: Okta,
		Context:  Context{Prefix: "Okta.User", Key: "ID"},
		Risk:     risk,
		Run: func(ctx context.Context, p Providers, a OktaUserArgs) (Reply[OktaUserChange], error) {
			out, after, err := changeOktaUser(ctx, p, a.User, action, func(c *okta.Client, id string) error { return do(ctx, c, id) })
			if err != nil {
				return Reply[OktaUserChange]{}, err
			}
			return Reply[OktaUserChange]{Outputs: out, Readable: changeTable(done, out), Raw: rawJSON(after.Raw)}, nil
		},
	}
}

// OktaSuspendUser suspends an ACTIVE user: they cannot sign in until unsuspended.
var OktaSuspendUser = lifecycleSpec("okta-suspend-user", "Suspend an active Okta user", "Okta user suspended", "suspend", Write,
	func(ctx context.Context, c *okta.Client, id string) error { return c.SuspendUser(ctx, id) })

// OktaUnsuspendUser returns a SUSPENDED user to ACTIVE.
var OktaUnsuspendUser = lifecycleSpec("okta-unsuspend-user", "Unsuspend a suspended Okta user", "Okta user unsuspended", "unsuspend", Write,
	func(ctx context.Context, c *okta.Client, id string) error { return c.UnsuspendUser(ctx, id) })

// OktaUnlockUser unlocks a LOCKED_OUT user.
var OktaUnlockUser = lifecycleSpec("okta-unlock-user", "Unlock a locked-out Okta user", "Okta user unlocked", "unlock", Write,
	func(ctx context.Context, c *okta.Client, id string) error { return c.UnlockUser(ctx, id) })

// OktaResetFactors removes every enrolled MFA factor; the user enrols again at next sign-in.
var OktaResetFactors = lifecycleSpec("okta-reset-factors", "Reset all MFA factors of an Okta user", "Okta MFA factors reset", "reset_factors", Write,
	func(ctx context.Context, c *okta.Client, id string) error { return c.ResetFactors(ctx, id) })

// OktaDeactivateUserArgs are the arguments of okta-deactivate-user.
type OktaDeactivateUserArgs struct {
	OktaUserArgs
	// E-mail the Okta admins about the deactivation.
	SendEmail bool `json:"send_email,omitempty" default:"false"`
}

// OktaDeactivateUser deprovisions a user. It cannot be undone by another
// command (apps are deprovisioned), hence Destructive.
var OktaDeactivateUser = Spec[OktaDeactivateUserArgs, OktaUserChange]{
	Name:     "okta-deactivate-user",
	Summary:  "Deactivate (deprovision) an Okta user",
	Provider: Okta,
	Context:  Context{Prefix: "Okta.User", Key: "ID"},
	Risk:     Destructive,
	Run: func(ctx context.Context, p Providers, a OktaDeactivateUserArgs) (Reply[OktaUserChange], error) {
		out, after, err := changeOktaUser(ctx, p, a.User, "deactivate", func(c *okta.Client, id string) error {
			return c.DeactivateUser(ctx, id, a.SendEmail)
		})
		if err != nil {
			return Reply[OktaUserChange]{}, err
		}
		return Reply[OktaUserChange]{Outputs: out, Readable: changeTable("Okta user deactivated", out), Raw: rawJSON(after.Raw)}, nil
	},
}

// OktaResetPasswordArgs are the arguments of okta-reset-password.
type OktaResetPasswordArgs struct {
	OktaUserArgs
	// E-mail the reset link to the user (default true). When false the one-time link is returned to the caller instead.
	SendEmail *bool `json:"send_email,omitempty" default:"true"`
	// Also end the user's sessions.
	RevokeSessions bool `json:"revoke_sessions,omitempty" default:"false"`
}

// OktaResetPassword moves the user to RECOVERY and sends (or returns) a reset link.
var OktaResetPassword = Spec[OktaResetPasswordArgs, OktaPasswordReset]{
	Name:     "okta-reset-password",
	Summary:  "Reset an Okta user's password (e-mail or return a reset link)",
	Provider: Okta,
	Context:  Context{Prefix: "Okta.User", Key: "ID"},
	Risk:     Write,
	// Without the e-mail, the caller receives the reset link: whoever holds
	// it can take the account over.
	RevealsSecret: func(a OktaResetPasswordArgs) bool { return a.SendEmail != nil && !*a.SendEmail },
	Run: func(ctx context.Context, p Providers, a OktaResetPasswordArgs) (Reply[OktaPasswordReset], error) {
		sendEmail := a.SendEmail == nil || *a.SendEmail
		var token okta.ResetPasswordToken
		change, after, err := changeOktaUser(ctx, p, a.User, "reset_password", func(c *okta.Client, id string) error {
			var err error
			token, err = c.ResetPassword(ctx, id, sendEmail, a.RevokeSessions)
			return err
		})
		if err != nil {
			return Reply[OktaPasswordReset]{}, err
		}
		out := OktaPasswordReset{OktaUserChange: change, EmailSent: sendEmail, ResetPasswordURL: token.ResetPasswordURL}
		readable := changeTable("Okta password reset", change)
		if sendEmail {
			readable += "\nThe reset link was e-mailed to the user.\n"
		} else {
			// The link is a credential: it is in outputs for the caller,
			// but not in the readable text that lands in a war room.
			readable += "\nThe one-time reset link is in outputs.ResetPasswordURL; hand it over out of band.\n"
		}
		reply := Reply[OktaPasswordReset]{Outputs: out, Readable: readable, Raw: rawJSON(after.Raw)}
		if token.ResetPasswordURL != "" {
			reply.Secrets = []string{token.ResetPasswordURL}
		}
		return reply, nil
	},
}

// OktaExpirePasswordArgs are the arguments of okta-expire-password.
type OktaExpirePasswordArgs struct {
	OktaUserArgs
	// Also set a temporary password and return it (a one-time secret): the user signs in with it once and must change it.
	TempPassword bool `json:"temp_password,omitempty" default:"false"`
	// End the user's sessions too; only with temp_password (Okta offers it only there).
	RevokeSessions bool `json:"revoke_sessions,omitempty" default:"false"`
}

// Validate refuses revoke_sessions without temp_password: Okta's plain
// expire_password has no such option, and silently ignoring it would leave
// the sessions a caller meant to end.
func (a *OktaExpirePasswordArgs) Validate() error {
	if a.RevokeSessions && !a.TempPassword {
		return inputError("The arguments are invalid", "body.revoke_sessions",
			"revoke_sessions needs temp_password true (Okta ends sessions only with a temporary password); use okta-clear-sessions to end them otherwise")
	}
	return nil
}

// OktaExpirePassword forces a password change at next sign-in, optionally
// with a temporary password.
var OktaExpirePassword = Spec[OktaExpirePasswordArgs, OktaPasswordExpired]{
	Name:     "okta-expire-password",
	Summary:  "Expire an Okta user's password (change required at next sign-in)",
	Provider: Okta,
	Context:  Context{Prefix: "Okta.User", Key: "ID"},
	Risk:     Write,
	// With temp_password the caller receives a password for the account.
	RevealsSecret: func(a OktaExpirePasswordArgs) bool { return a.TempPassword },
	Run: func(ctx context.Context, p Providers, a OktaExpirePasswordArgs) (Reply[OktaPasswordExpired], error) {
		if !a.TempPassword {
			c, before, err := resolveOktaUser(ctx, p, a.User)
			if err != nil {
				return Reply[OktaPasswordExpired]{}, err
			}
			// expire_password answers with the user, so no read-back is needed.
			after, err := c.ExpirePassword(ctx, before.ID)
			if err != nil {
				return Reply[OktaPasswordExpired]{}, err
			}
			out := OktaPasswordExpired{OktaUserChange: OktaUserChange{OktaUser: oktaUser(after), Action: "expire_password", PreviousStatus: before.Status}}
			return Reply[OktaPasswordExpired]{Outputs: out, Readable: changeTable("Okta password expired", out.OktaUserChange), Raw: rawJSON(after.Raw)}, nil
		}
		var tp okta.TempPassword
		change, after, err := changeOktaUser(ctx, p, a.User, "expire_password_with_temp_password", func(c *okta.Client, id string) error {
			var err error
			tp, err = c.ExpirePasswordWithTempPassword(ctx, id, a.RevokeSessions)
			return err
		})
		if err != nil {
			return Reply[OktaPasswordExpired]{}, err
		}
		out := OktaPasswordExpired{OktaUserChange: change, TempPassword: tp.TempPassword, SessionsRevoked: a.RevokeSessions}
		// The password is a credential: in outputs for the caller, never
		// in the readable text that lands in a war room.
		readable := changeTable("Okta password expired with a temporary password", change) +
			"\nThe one-time temporary password is in outputs.TempPassword; hand it over out of band.\n"
		return Reply[OktaPasswordExpired]{Outputs: out, Readable: readable, Raw: rawJSON(after.Raw), Secrets: []string{tp.TempPassword}}, nil
	},
}

// OktaClearSessionsArgs are the arguments of okta-clear-sessions.
type OktaClearSessionsArgs struct {
	OktaUserArgs
	// Also revoke the user's OAuth/OIDC access and refresh tokens.
	OAuthTokens bool `json:"oauth_tokens,omitempty" default:"false"`
	// Forget the user's remembered devices (default true, as in Okta).
	ForgetDevices *bool `json:"forget_devices,omitempty" default:"true"`
}

// OktaClearSessions ends every Okta session of the user.
var OktaClearSessions = Spec[OktaClearSessionsArgs, OktaSessionsCleared]{
	Name:     "okta-clear-sessions",
	Summary:  "End all of an Okta user's sessions (optionally revoke OAuth tokens)",
	Provider: Okta,
	Context:  Context{Prefix: "Okta.User", Key: "ID"},
	Risk:     Write,
	Run: func(ctx context.Context, p Providers, a OktaClearSessionsArgs) (Reply[OktaSessionsCleared], error) {
		forget := a.ForgetDevices == nil || *a.ForgetDevices
		change, after, err := changeOktaUser(ctx, p, a.User, "clear_sessions", func(c *okta.Client, id string) error {
			return c.ClearSessions(ctx, id, a.OAuthTokens, forget)
		})
		if err != nil {
			return Reply[OktaSessionsCleared]{}, err
		}
		out := OktaSessionsCleared{OktaUserChange: change, OAuthTokensRevoked: a.OAuthTokens, DevicesForgotten: forget}
		readable := table("Okta sessions cleared", []string{"ID", "Username", "Status", "OAuth tokens revoked", "Devices forgotten"},
			[][]string{{change.ID, change.Username, change.Status, yesNo(a.OAuthTokens), yesNo(forget)}})
		return Reply[OktaSessionsCleared]{Outputs: out, Readable: readable, Raw: rawJSON(after.Raw)}, nil
	},
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
