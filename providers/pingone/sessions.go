package pingone

import (
	"context"
	"net/http"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// ListSessions returns the user's sessions, newest first. PingOne keeps at
// most 10 per user and includes expired ones.
func (c *Client) ListSessions(ctx context.Context, userID string) ([]Session, error) {
	p, err := userPath(userID, "/sessions")
	if err != nil {
		return nil, err
	}
	return listAll[Session](ctx, c, "listSessions", "sessions", c.endpoint(p, nil))
}

// DeleteSession ends one of the user's sessions. There is no call that
// ends them all: list them and delete each (reference §3).
//
// A 404 counts as done. The caller wants the session gone, and it is;
// more to the point, a retried DELETE whose first attempt went through
// (its answer lost on the way) gets exactly that 404. The price is that a
// session ID, or user ID, that never existed is not reported either.
// Deleting is safe to repeat, so it is retried like a read.
func (c *Client) DeleteSession(ctx context.Context, userID, sessionID string) error {
	p, err := userPath(userID, "/sessions/")
	if err != nil {
		return err
	}
	sid, err := pathSegment("session ID", sessionID)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, call{
		op:     "deleteSession",
		method: http.MethodDelete,
		url:    c.endpoint(p+sid, nil),
		retry:  httpx.RetryIdempotent,
	})
	if upstream.IsKind(err, upstream.NotFound) {
		return nil
	}
	return err
}
