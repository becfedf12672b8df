package okta

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/idcmd/idcmd/providers/httpx"
)

// Lifecycle actions are POSTs with an empty body. They are re-sent only
// after a 429 (Okta refused before acting) or a 401 with a refreshed OAuth
// token; a 5xx or a dropped connection may come after Okta acted, so
// repeating it blindly could, say, deactivate twice or mail two reset
// links. Okta's 200 body, {} or nothing, is ignored where it carries
// nothing.

// SuspendUser suspends an ACTIVE user. Any other status is a Conflict.
func (c *Client) SuspendUser(ctx context.Context, user string) error {
	_, err := c.lifecycle(ctx, "suspendUser", user, "suspend", nil)
	return err
}

// UnsuspendUser returns a SUSPENDED user to ACTIVE. Any other status is a
// Conflict.
func (c *Client) UnsuspendUser(ctx context.Context, user string) error {
	_, err := c.lifecycle(ctx, "unsuspendUser", user, "unsuspend", nil)
	return err
}

// UnlockUser unlocks a LOCKED_OUT user.
func (c *Client) UnlockUser(ctx context.Context, user string) error {
	_, err := c.lifecycle(ctx, "unlockUser", user, "unlock", nil)
	return err
}

// DeactivateUser deactivates a user: destructive, it deprovisions their
// apps. sendEmail mails the admins.
func (c *Client) DeactivateUser(ctx context.Context, user string, sendEmail bool) error {
	_, err := c.lifecycle(ctx, "deactivateUser", user, "deactivate",
		url.Values{"sendEmail": {strconv.FormatBool(sendEmail)}})
	return err
}

// ResetPassword moves the user to RECOVERY. With sendEmail false Okta
// returns the reset URL instead of mailing it; that URL is a credential
// for the account and must not be logged.
func (c *Client) ResetPassword(ctx context.Context, user string, sendEmail, revokeSessions bool) (ResetPasswordToken, error) {
	resp, err := c.lifecycle(ctx, "resetPassword", user, "reset_password", url.Values{
		"sendEmail":      {strconv.FormatBool(sendEmail)},
		"revokeSessions": {strconv.FormatBool(revokeSessions)},
	})
	if err != nil {
		return ResetPasswordToken{}, err
	}
	var tok ResetPasswordToken
	body, err := readAll(resp)
	if err == nil && len(body) > 0 {
		err = json.Unmarshal(body, &tok)
	}
	if err != nil {
		return ResetPasswordToken{}, decodeError("resetPassword", resp, err)
	}
	return tok, nil
}

// ExpirePassword makes the user change their password at next sign-in
// (status PASSWORD_EXPIRED) and returns the updated user.
func (c *Client) ExpirePassword(ctx context.Context, user string) (*User, error) {
	resp, err := c.lifecycle(ctx, "expirePassword", user, "expire_password", nil)
	if err != nil {
		return nil, err
	}
	return decodeObject[User]("expirePassword", resp)
}

// ResetFactors unenrolls all of the user's MFA factors; the user stays
// ACTIVE.
func (c *Client) ResetFactors(ctx context.Context, user string) error {
	_, err := c.lifecycle(ctx, "resetFactors", user, "reset_factors", nil)
	return err
}

// ClearSessions ends the user's Okta sessions (DELETE answers 204).
// oauthTokens also revokes the OAuth tokens issued to the user.
// forgetDevices is always sent, because Okta's default (true) forgets the
// user's remembered devices, which a caller should choose knowingly.
// Clearing sessions twice is harmless, so this call is retried like a read.
func (c *Client) ClearSessions(ctx context.Context, userID string, oauthTokens, forgetDevices bool) error {
	p, err := userPath(userID, "/sessions")
	if err != nil {
		return err
	}
	_, err = c.do(ctx, call{
		op:     "revokeUserSessions",
		method: http.MethodDelete,
		url: c.endpoint(p, url.Values{
			"oauthTokens":   {strconv.FormatBool(oauthTokens)},
			"forgetDevices": {strconv.FormatBool(forgetDevices)},
		}),
		retry: httpx.RetryIdempotent,
	})
	return err
}

// lifecycle POSTs /api/v1/users/{user}/lifecycle/{action}.
func (c *Client) lifecycle(ctx context.Context, op, user, action string, q url.Values) (*http.Response, error) {
	p, err := userPath(user, "/lifecycle/"+action)
	if err != nil {
		return nil, err
	}
	return c.do(ctx, call{op: op, method: http.MethodPost, url: c.endpoint(p, q), retry: httpx.RetryRateLimited})
}
