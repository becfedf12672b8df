package commands

import (
	"context"

	"github.com/idcmd/idcmd/providers/okta"
)

// OktaActivationArgs are the arguments of okta-activate-user and
// okta-reactivate-user.
type OktaActivationArgs struct {
	OktaUserArgs
	// E-mail the activation link to the user (default true). When false the one-time link is returned to the caller instead.
	SendEmail *bool `json:"send_email,omitempty" default:"true"`
}

// activationSpec declares activate or reactivate: one lifecycle call whose
// answer, without the e-mail, is the activation link, a one-time secret.
func activationSpec(name, summary, description, done, action string, call func(ctx context.Context, c *okta.Client, id string, sendEmail bool) (okta.ActivationToken, error)) Spec[OktaActivationArgs, OktaActivation] {
	return Spec[OktaActivationArgs, OktaActivation]{
		Name:        name,
		Summary:     summary,
		Description: description,
		Provider:    Okta,
		Context:     Context{Prefix: "Okta.User", Key: "ID"},
		Risk:        Write,
		// Without the e-mail the caller receives the activation link:
		// whoever holds it sets the account's password.
		RevealsSecret: func(a OktaActivationArgs) bool { return a.SendEmail != nil && !*a.SendEmail },
		Run: func(ctx context.Context, p Providers, a OktaActivationArgs) (Reply[OktaActivation], error) {
			sendEmail := a.SendEmail == nil || *a.SendEmail
			var tok okta.ActivationToken
			change, after, err := changeOktaUser(ctx, p, a.User, action, func(c *okta.Client, id string) error {
				var err error
				tok, err = call(ctx, c, id, sendEmail)
				return err
			})
			if err != nil {
				return Reply[OktaActivation]{}, err
			}
			out := OktaActivation{OktaUserChange: change, EmailSent: sendEmail, ActivationURL: tok.ActivationURL, ActivationToken: tok.ActivationToken}
			readable := changeTable(done, change)
			if sendEmail {
				readable += "\nThe activation link was e-mailed to the user.\n"
			} else {
				readable += "\nThe one-time activation link is in outputs.ActivationURL; hand it over out of band.\n"
			}
			reply := Reply[OktaActivation]{Outputs: out, Readable: readable, Raw: rawJSON(after.Raw)}
			for _, s := range []string{tok.ActivationURL, tok.ActivationToken} {
				if s != "" {
					reply.Secrets = append(reply.Secrets, s)
				}
			}
			return reply, nil
		},
	}
}

// OktaActivateUser activates a STAGED or DEPROVISIONED user.
var OktaActivateUser = activationSpec("okta-activate-user", "Activate a staged or deactivated Okta user",
	"Only STAGED or DEPROVISIONED users (Okta answers an ACTIVE user with E0000016, any other status with E0000038: 409). A user without a password becomes PROVISIONED until they complete activation with the link.",
	"Okta user activated", "activate",
	func(ctx context.Context, c *okta.Client, id string, sendEmail bool) (okta.ActivationToken, error) {
		return c.ActivateUser(ctx, id, sendEmail)
	})

// OktaReactivateUser restarts an activation that was never completed.
var OktaReactivateUser = activationSpec("okta-reactivate-user", "Reactivate an Okta user whose activation was not completed",
	"Only PROVISIONED or RECOVERY users (any other status: Okta E0000038, 409). It restarts the activation with a new link.",
	"Okta user reactivated", "reactivate",
	func(ctx context.Context, c *okta.Client, id string, sendEmail bool) (okta.ActivationToken, error) {
		return c.ReactivateUser(ctx, id, sendEmail)
	})
