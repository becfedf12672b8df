package okta

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

const (
	usersPath = "/api/v1/users"
	// maxUserPage is the most users Okta returns on one page (listUsers:
	// "the maximum (200) is used"); a larger Limit is sent as 200, and
	// the rest of the list comes through next links.
	maxUserPage = 200
)

// maxPages bounds how many pages ListUserGroups, ListAppLinks and
// ListFactors follow, so a server that keeps sending next links cannot
// keep a call looping.
const maxPages = 50

// Ping makes the cheapest authenticated call there is (one user), for
// readiness: it fails when Okta is unreachable or refuses idcmd's
// credentials.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.do(ctx, call{
		op:     "ping",
		method: http.MethodGet,
		url:    c.endpoint(usersPath, url.Values{"limit": {"1"}}),
		retry:  httpx.RetryIdempotent,
	})
	return err
}

// GetUser returns a user by ID, login or login shortname.
func (c *Client) GetUser(ctx context.Context, user string) (*User, error) {
	p, err := userPath(user, "")
	if err != nil {
		return nil, err
	}
	resp, err := c.get(ctx, "getUser", c.endpoint(p, nil))
	if err != nil {
		return nil, err
	}
	return decodeObject[User]("getUser", resp)
}

// ListUsers returns one page of users and the cursor of the next page ("" on
// the last). With q.Cursor set, the page it points to is fetched and the
// other fields are ignored: the cursor already carries the query.
func (c *Client) ListUsers(ctx context.Context, q UserQuery) ([]User, string, error) {
	u, err := c.usersURL(q)
	if err != nil {
		return nil, "", err
	}
	resp, err := c.get(ctx, "listUsers", u)
	if err != nil {
		return nil, "", err
	}
	users, err := decodeList[User]("listUsers", resp)
	if err != nil {
		return nil, "", err
	}
	next, err := c.cursorFrom(resp, usersPath)
	if err != nil {
		return nil, "", err
	}
	return users, next, nil
}

// UsersCursor returns the cursor of the first page of q, as LogsCursor
// does for the System Log.
func (c *Client) UsersCursor(q UserQuery) (string, error) {
	u, err := c.usersURL(q)
	if err != nil {
		return "", err
	}
	return encodeCursor(u, usersPath)
}

func (c *Client) usersURL(q UserQuery) (string, error) {
	if q.Cursor != "" {
		return c.cursorURL(q.Cursor, usersPath)
	}
	set := 0
	for _, s := range []string{q.Search, q.Filter, q.Q} {
		if s != "" {
			set++
		}
	}
	if set > 1 {
		return "", invalid("use only one of search, filter and q")
	}
	if q.Limit < 0 {
		return "", invalid("limit must not be negative")
	}
	v := url.Values{}
	setIf(v, "search", q.Search)
	setIf(v, "filter", q.Filter)
	setIf(v, "q", q.Q)
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(min(q.Limit, maxUserPage)))
	}
	return c.endpoint(usersPath, v), nil
}

// ListUserGroups returns every group the user belongs to.
func (c *Client) ListUserGroups(ctx context.Context, user string) ([]Group, error) {
	p, err := userPath(user, "/groups")
	if err != nil {
		return nil, err
	}
	return listAll[Group](ctx, c, "listUserGroups", c.endpoint(p, nil))
}

// ListAppLinks returns the apps assigned to the user.
func (c *Client) ListAppLinks(ctx context.Context, user string) ([]AppLink, error) {
	p, err := userPath(user, "/appLinks")
	if err != nil {
		return nil, err
	}
	return listAll[AppLink](ctx, c, "listAppLinks", c.endpoint(p, nil))
}

// ListFactors returns the user's enrolled factors. Okta takes the user ID
// only on this path, not a login.
func (c *Client) ListFactors(ctx context.Context, userID string) ([]Factor, error) {
	p, err := userPath(userID, "/factors")
	if err != nil {
		return nil, err
	}
	return listAll[Factor](ctx, c, "listFactors", c.endpoint(p, nil))
}

// listAll gets a list the spec gives no paging parameters for, following
// next links anyway should Okta send them, so a long list is never cut
// short silently.
func listAll[T any, P rawSetter[T]](ctx context.Context, c *Client, op, first string) ([]T, error) {
	all := []T{}
	for u, pages := first, 0; u != ""; pages++ {
		if pages == maxPages {
			return nil, &upstream.Error{Provider: provider, Kind: upstream.Unknown,
				Message: fmt.Sprintf("Okta sent more than %d pages for %s", maxPages, op)}
		}
		resp, err := c.get(ctx, op, u)
		if err != nil {
			return nil, err
		}
		page, err := decodeList[T, P](op, resp)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		next, ok := c.followURL(nextLink(resp.Header))
		if !ok || next == u {
			break
		}
		u = next
	}
	return all, nil
}

// get is a read: retried on 429, 5xx and connection errors.
func (c *Client) get(ctx context.Context, op, u string) (*http.Response, error) {
	return c.do(ctx, call{op: op, method: http.MethodGet, url: u, retry: httpx.RetryIdempotent})
}

// cursorFrom returns the opaque cursor for the response's next link, or "".
func (c *Client) cursorFrom(resp *http.Response, endpoint string) (string, error) {
	link := nextLink(resp.Header)
	if link == "" {
		return "", nil
	}
	return encodeCursor(link, endpoint)
}

func setIf(v url.Values, key, value string) {
	if value != "" {
		v.Set(key, value)
	}
}
