package okta

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// Activation and the temporary password: lifecycle POSTs whose answer can
// carry a one-time credential. Like every lifecycle call they are re-sent
// only after a 429 (see lifecycle.go).

// ActivationToken is the answer to activate and reactivate
// (UserActivationToken). With sendEmail=false Okta returns the activation
// link instead of mailing it: a credential for the account, never logged.
type ActivationToken struct {
	ActivationToken string `json:"activationToken,omitempty"`
	ActivationURL   string `json:"activationUrl,omitempty"`
}

// TempPassword is the answer to expire_password_with_temp_password: the
// password the user signs in with once, then must change. A credential.
type TempPassword struct {
	TempPassword string `json:"tempPassword"`
}

// ActivateUser activates a STAGED or DEPROVISIONED user (an ACTIVE one is
// a Conflict, E0000016). Okta's own default for sendEmail is true.
func (c *Client) ActivateUser(ctx context.Context, user string, sendEmail bool) (ActivationToken, error) {
	return c.activation(ctx, "activateUser", user, "activate", sendEmail)
}

// ReactivateUser restarts the activation of a PROVISIONED user (or one in
// RECOVERY whose password was never set); any other status is a Conflict.
func (c *Client) ReactivateUser(ctx context.Context, user string, sendEmail bool) (ActivationToken, error) {
	return c.activation(ctx, "reactivateUser", user, "reactivate", sendEmail)
}

func (c *Client) activation(ctx context.Context, op, user, action string, sendEmail bool) (ActivationToken, error) {
	resp, err := c.lifecycle(ctx, op, user, action, url.Values{"sendEmail": {strconv.FormatBool(sendEmail)}})
	if err != nil {
		return ActivationToken{}, err
	}
	var tok ActivationToken
	if err := decodeOptional(resp, &tok); err != nil {
		return ActivationToken{}, decodeError(op, resp, err)
	}
	return tok, nil
}

// ExpirePasswordWithTempPassword expires the password (PASSWORD_EXPIRED)
// and returns a temporary one; revokeSessions also ends the user's
// sessions.
func (c *Client) ExpirePasswordWithTempPassword(ctx context.Context, user string, revokeSessions bool) (TempPassword, error) {
	resp, err := c.lifecycle(ctx, "expirePasswordWithTempPassword", user, "expire_password_with_temp_password",
		url.Values{"revokeSessions": {strconv.FormatBool(revokeSessions)}})
	if err != nil {
		return TempPassword{}, err
	}
	var tp TempPassword
	if err := decodeOptional(resp, &tp); err != nil {
		return TempPassword{}, decodeError("expirePasswordWithTempPassword", resp, err)
	}
	if tp.TempPassword == "" {
		return TempPassword{}, decodeError("expirePasswordWithTempPassword", resp, errNoTempPassword)
	}
	return tp, nil
}

var errNoTempPassword = jsonError("the answer has no tempPassword")

type jsonError string

func (e jsonError) Error() string { return string(e) }

// decodeOptional decodes a body that may be empty (Okta's lifecycle 200s).
func decodeOptional(resp *http.Response, v any) error {
	body, err := readAll(resp)
	if err != nil || len(body) == 0 {
		return err
	}
	return json.Unmarshal(body, v)
}
