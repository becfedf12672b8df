package pingone

import (
	"context"
	"net/http"

	"github.com/idcmd/idcmd/providers/httpx"
)

// Content types that select the action of POST /users/{id}/password
// (reference §3). forceChange has no +json suffix in PingOne's docs.
const (
	contentTypeForceChange      = "application/vnd.pingidentity.password.forceChange"
	contentTypeSendRecoveryCode = "application/vnd.pingidentity.password.sendRecoveryCode+json"
)

// ForcePasswordChange makes the user change their password at the next
// sign-on (password status MUST_CHANGE_PASSWORD). It also clears a
// password lockout, not an account lock. Repeating it changes nothing
// more, so it is retried like a read.
func (c *Client) ForcePasswordChange(ctx context.Context, userID string) error {
	return c.passwordAction(ctx, opForcePasswordChange, userID, contentTypeForceChange, httpx.RetryIdempotent)
}

// SendRecoveryCode e-mails the user a one-time recovery code (valid for
// five minutes). PingOne refuses it for a disabled user and for a password
// in status NO_PASSWORD or PASSWORD_LOCKED_OUT: a Conflict. It is re-sent
// only after a 429, when PingOne did nothing: after a 5xx or a dropped
// connection the first request may have gone out, and a repeat would mail
// a second code that voids the first.
func (c *Client) SendRecoveryCode(ctx context.Context, userID string) error {
	return c.passwordAction(ctx, opSendRecoveryCode, userID, contentTypeSendRecoveryCode, httpx.RetryRateLimited)
}

// passwordAction POSTs an empty body to /users/{id}/password with the
// content type that names the action.
func (c *Client) passwordAction(ctx context.Context, op, userID, contentType string, retry httpx.Retry) error {
	p, err := userPath(userID, "/password")
	if err != nil {
		return err
	}
	_, err = c.do(ctx, call{
		op:          op,
		method:      http.MethodPost,
		url:         c.endpoint(p, nil),
		contentType: contentType,
		retry:       retry,
	})
	return err
}

// GetPasswordState returns the state of the user's password.
func (c *Client) GetPasswordState(ctx context.Context, userID string) (*PasswordState, error) {
	p, err := userPath(userID, "/password")
	if err != nil {
		return nil, err
	}
	resp, err := c.get(ctx, "getPasswordState", c.endpoint(p, nil))
	if err != nil {
		return nil, err
	}
	return decodeObject[PasswordState]("getPasswordState", resp)
}
