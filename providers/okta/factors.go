package okta

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// One factor of a user (spec tag UserFactor): read it, unenroll it, and
// verify a push factor. Every path here takes the user ID, not a login.

// Push verification results (spec UserFactorPushTransaction.factorResult).
const (
	PushWaiting  = "WAITING"
	PushSuccess  = "SUCCESS"
	PushRejected = "REJECTED"
	PushTimeout  = "TIMEOUT"
)

// PushTransaction is the state of a push verification: the 201 answer to
// the challenge, and each poll of the transaction after it.
type PushTransaction struct {
	// FactorResult is WAITING until the user answers (SUCCESS or
	// REJECTED) or Okta gives up (TIMEOUT).
	FactorResult string     `json:"factorResult"`
	ExpiresAt    *time.Time `json:"expiresAt,omitempty"`
	Links        struct {
		Poll struct {
			Href string `json:"href"`
		} `json:"poll"`
	} `json:"_links"`
	Raw json.RawMessage `json:"-"`
}

func (t *PushTransaction) setRaw(b json.RawMessage) { t.Raw = b }

// Done reports whether the transaction has its final result.
func (t *PushTransaction) Done() bool { return t.FactorResult != PushWaiting }

// factorPath is /api/v1/users/{userId}/factors/{factorId}{suffix}.
func factorPath(userID, factorID, suffix string) (string, error) {
	if factorID == "" || strings.Contains(factorID, "/") || factorID == "." || factorID == ".." {
		return "", invalid("factor must be an Okta factor ID")
	}
	return userPath(userID, "/factors/"+url.PathEscape(factorID)+suffix)
}

// GetFactor returns one enrolled factor of the user (by ID).
func (c *Client) GetFactor(ctx context.Context, userID, factorID string) (*Factor, error) {
	p, err := factorPath(userID, factorID, "")
	if err != nil {
		return nil, err
	}
	resp, err := c.get(ctx, "getFactor", c.endpoint(p, nil))
	if err != nil {
		return nil, err
	}
	return decodeObject[Factor]("getFactor", resp)
}

// UnenrollFactor removes one factor (204); the user enrolls again at next
// sign-in. Okta also removes the user's other Okta Verify factors when it
// is an Okta Verify push factor. Deleting twice is harmless (the second is
// a 404), so it is retried like a read.
func (c *Client) UnenrollFactor(ctx context.Context, userID, factorID string) error {
	p, err := factorPath(userID, factorID, "")
	if err != nil {
		return err
	}
	_, err = c.do(ctx, call{op: "unenrollFactor", method: http.MethodDelete, url: c.endpoint(p, nil), retry: httpx.RetryIdempotent})
	return err
}

// VerifyPush sends a push challenge to the factor's device (201, WAITING)
// and returns the transaction to poll. It is re-sent only after a 429: a
// 5xx may come after the push went out, and a second one is exactly the
// prompt bombing a responder must not add to.
func (c *Client) VerifyPush(ctx context.Context, userID, factorID string) (*PushTransaction, error) {
	p, err := factorPath(userID, factorID, "/verify")
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, call{op: "verifyFactor", method: http.MethodPost, url: c.endpoint(p, nil), retry: httpx.RetryRateLimited})
	if err != nil {
		return nil, err
	}
	tx, err := decodeObject[PushTransaction]("verifyFactor", resp)
	if err != nil {
		return nil, err
	}
	if tx.FactorResult == "" {
		return nil, decodeError("verifyFactor", resp, errNoFactorResult)
	}
	return tx, nil
}

var errNoFactorResult = &upstream.Error{Provider: provider, Kind: upstream.Unknown, Message: "Okta's push answer has no factorResult"}

// PollPush reads the transaction behind a poll link VerifyPush (or an
// earlier poll) returned. The link is followed as Okta says ("always use
// the poll link"), but only under this user's factor and always at the
// configured org, so a forged link cannot send idcmd's credentials
// elsewhere.
func (c *Client) PollPush(ctx context.Context, userID, factorID, pollLink string) (*PushTransaction, error) {
	prefix, err := factorPath(userID, factorID, "/transactions/")
	if err != nil {
		return nil, err
	}
	u, ok := c.followURL(pollLink)
	parsed, perr := url.Parse(pollLink)
	if !ok || perr != nil || !strings.HasPrefix(parsed.EscapedPath(), prefix) || len(parsed.EscapedPath()) == len(prefix) ||
		strings.Contains(parsed.EscapedPath()[len(prefix):], "/") {
		return nil, &upstream.Error{Provider: provider, Kind: upstream.Unknown, Message: "Okta sent a poll link for another transaction"}
	}
	resp, err := c.get(ctx, "getFactorTransactionStatus", u)
	if err != nil {
		return nil, err
	}
	tx, err := decodeObject[PushTransaction]("getFactorTransactionStatus", resp)
	if err != nil {
		return nil, err
	}
	if tx.FactorResult == "" {
		return nil, decodeError("getFactorTransactionStatus", resp, errNoFactorResult)
	}
	return tx, nil
}
