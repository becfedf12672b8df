package pingone

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
)

// Operation names of the account and password actions, shared with the
// error mapping (see stateActions).
const (
	opLockUser            = "lockUser"
	opUnlockUser          = "unlockUser"
	opSetEnabled          = "setUserEnabled"
	opForcePasswordChange = "forcePasswordChange"
	opSendRecoveryCode    = "sendRecoveryCode"
)

// Content types that select the action of POST /users/{id} (reference §3,
// spec EnumUserAccountContentTypeHeader).
const (
	contentTypeLock   = "application/vnd.pingidentity.account.lock+json"
	contentTypeUnlock = "application/vnd.pingidentity.account.unlock+json"
)

// The account actions below end in the same state however often they run
// (locked, unlocked, enabled, disabled), so they are retried like reads:
// after a 429, a 5xx or a dropped connection. PingOne's 200 body is
// ignored; read the user again to see the result.

// LockUser locks the user's account (emits USER.LOCKED). With unlockAt the
// lock ends by itself at that time, which must be in the future; without
// it, it lasts until UnlockUser.
func (c *Client) LockUser(ctx context.Context, userID string, unlockAt *time.Time) error {
	p, err := userPath(userID, "")
	if err != nil {
		return err
	}
	var body []byte
	if unlockAt != nil {
		// PingOne takes whole seconds; round up so the time sent is never
		// earlier than the one asked for.
		at := unlockAt.UTC().Add(time.Second - 1).Truncate(time.Second)
		if !at.After(c.now()) {
			// PingOne does not lock at all for a past unlockAt (reference
			// §4.4), which would leave the caller believing it had.
			return invalid("unlockAt must be in the future; leave it out to lock until an admin unlocks")
		}
		if body, err = json.Marshal(struct {
			UnlockAt string `json:"unlockAt"`
		}{at.Format(time.RFC3339)}); err != nil {
			return err
		}
	}
	_, err = c.do(ctx, call{
		op:          opLockUser,
		method:      http.MethodPost,
		url:         c.endpoint(p, nil),
		contentType: contentTypeLock,
		body:        body,
		retry:       httpx.RetryIdempotent,
	})
	return err
}

// UnlockUser clears an account lock, and the MFA lockout counter with it
// (emits USER.UNLOCKED). A password lockout is cleared by
// ForcePasswordChange instead.
func (c *Client) UnlockUser(ctx context.Context, userID string) error {
	p, err := userPath(userID, "")
	if err != nil {
		return err
	}
	_, err = c.do(ctx, call{
		op:          opUnlockUser,
		method:      http.MethodPost,
		url:         c.endpoint(p, nil),
		contentType: contentTypeUnlock,
		retry:       httpx.RetryIdempotent,
	})
	return err
}

// SetEnabled enables or disables the user. A disabled user cannot sign on
// (account.canAuthenticate is false) but keeps everything else.
func (c *Client) SetEnabled(ctx context.Context, userID string, enabled bool) error {
	p, err := userPath(userID, "/enabled")
	if err != nil {
		return err
	}
	body, err := json.Marshal(struct {
		Enabled bool `json:"enabled"`
	}{enabled})
	if err != nil {
		return err
	}
	_, err = c.do(ctx, call{
		op:          opSetEnabled,
		method:      http.MethodPut,
		url:         c.endpoint(p, nil),
		contentType: "application/json",
		body:        body,
		retry:       httpx.RetryIdempotent,
	})
	return err
}
