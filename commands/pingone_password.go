package commands

import (
	"context"

	"github.com/idcmd/idcmd/providers/pingone"
)

// PingOneSetPassword sets a new password idcmd generates, which the user
// must change at the next sign-on. idcmd never takes a password from the
// caller: it would be stored with the call's arguments (audit log,
// idempotency record, approval). The generated one is a one-time secret:
// it is in this call's answer and nowhere else.
var PingOneSetPassword = Spec[PingOneUserArgs, PingOnePasswordSet]{
	Name:    "pingone-set-password",
	Summary: "Set a generated temporary password on a PingOne user (change forced at next sign-on)",
	Description: "PUT /users/{id}/password (password.set+json, forceChange true) with a 32-character password from crypto/rand that meets PingOne's password policies. " +
		"The password is returned once, in outputs.TemporaryPassword; hand it over out of band. A password the environment's policy still refuses is PingOne's 400, with its reasons.",
	Provider: PingOne,
	Context:  Context{Prefix: "PingOne.User", Key: "ID"},
	Risk:     Write,
	// The caller always receives the password: whoever holds it can sign
	// on as the user until it is changed.
	RevealsSecret: func(PingOneUserArgs) bool { return true },
	Run: func(ctx context.Context, p Providers, a PingOneUserArgs) (Reply[PingOnePasswordSet], error) {
		pw, err := pingone.NewPassword()
		if err != nil {
			return Reply[PingOnePasswordSet]{}, err
		}
		change, after, err := changePingOneUser(ctx, p, a.User, "set_password", func(c *pingone.Client, u *pingone.User) error {
			return c.SetPassword(ctx, u.ID, pw, true)
		})
		if err != nil {
			return Reply[PingOnePasswordSet]{}, err
		}
		out := PingOnePasswordSet{PingOneUserChange: change, TemporaryPassword: pw, ForceChange: true}
		// The password is a credential: it is in outputs for the caller,
		// never in the readable text that lands in a war room.
		readable := pingOneChangeTable("PingOne password set", change) +
			"\nThe temporary password is in outputs.TemporaryPassword; hand it over out of band. The user must change it at the next sign-on.\n"
		if !change.CanAuthenticate {
			readable += "The user still cannot sign on (" + change.Status + "): the password does not enable or unlock the account.\n"
		}
		return Reply[PingOnePasswordSet]{Outputs: out, Readable: readable, Raw: rawJSON(after.Raw), Secrets: []string{pw}}, nil
	},
}
