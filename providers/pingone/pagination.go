package pingone

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/idcmd/idcmd/providers/upstream"
)

// maxPages bounds how many pages a call that returns a whole collection
// follows, so a server that keeps sending next links cannot keep it
// looping.
const maxPages = 100

// nextURL checks a next link PingOne sent and returns the URL to request:
// the link verbatim (PingOne's cursor is opaque), but only if it points at
// the configured API origin and stays inside this environment. A link to
// any other host is refused rather than re-aimed, since following it would
// hand the bearer token to that host, and quietly rewriting it could page
// through something other than what PingOne meant.
func (c *Client) nextURL(op, link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil {
		return "", badLink(op, "a malformed next link")
	}
	switch {
	case u.Scheme == "" && u.Host == "":
		if !strings.HasPrefix(link, "/") {
			return "", badLink(op, "a relative next link")
		}
		link = c.origin + link
	case u.Scheme+"://"+strings.ToLower(u.Host) != strings.ToLower(c.origin):
		return "", badLink(op, fmt.Sprintf("a next link to another host (%s), which was not followed", u.Host))
	}
	p := u.EscapedPath()
	if u.User != nil || u.Fragment != "" || u.Opaque != "" ||
		!strings.HasPrefix(p, c.envPath+"/") || path.Clean(u.Path) != u.Path {
		return "", badLink(op, "a next link outside this environment, which was not followed")
	}
	return link, nil
}

func badLink(op, what string) *upstream.Error {
	return &upstream.Error{Provider: provider, Kind: upstream.Unknown,
		Message: "PingOne sent " + what + " (" + op + ")"}
}

// encodeCursor turns a checked next link (or the URL of a first page) into
// the opaque cursor handed to callers: base64url of the link's path and
// query. The origin is left out on purpose: a cursor coming back is always
// resolved against the configured API base.
func (c *Client) encodeCursor(op, link, endpoint string) (string, error) {
	next, err := c.nextURL(op, link)
	if err != nil {
		return "", err
	}
	u, _ := url.Parse(next) // parsed fine in nextURL
	if u.EscapedPath() != endpoint {
		return "", badLink(op, "a next link for another collection")
	}
	return base64.RawURLEncoding.EncodeToString([]byte(u.EscapedPath() + "?" + u.RawQuery)), nil
}

// cursorURL resolves a caller's cursor for endpoint (an escaped path under
// the environment). The cursor comes from outside, so it is distrusted: it
// must decode to a relative reference to exactly endpoint, with a
// well-formed query, and it is sent only to the configured API origin. A
// cursor aimed at another host, environment or collection (an attempt to
// make idcmd send its token elsewhere, or read what the caller may not
// ask for) is refused.
func (c *Client) cursorURL(cursor, endpoint string) (string, error) {
	bad := invalid("cursor is not valid here; pass back a cursor this call returned")
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return "", bad
	}
	u, err := url.Parse(string(raw))
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		u.Fragment != "" || u.Path != endpointPath(endpoint) || u.EscapedPath() != endpoint {
		return "", bad
	}
	if _, err := url.ParseQuery(u.RawQuery); err != nil || !requestLineSafe(u.RawQuery) {
		return "", bad
	}
	next := c.origin + endpoint
	if u.RawQuery != "" {
		next += "?" + u.RawQuery
	}
	return next, nil
}

// requestLineSafe reports whether a query can go into an HTTP request line
// as it is: printable ASCII without spaces or '#'. url.Parse accepts a
// space in a query, and net/http would write it into the request line,
// where it ends the target and starts something else.
func requestLineSafe(rawQuery string) bool {
	for i := 0; i < len(rawQuery); i++ {
		if b := rawQuery[i]; b <= ' ' || b >= 0x7f || b == '#' {
			return false
		}
	}
	return true
}

// endpointPath is the unescaped form of an escaped path, for comparing
// with url.URL.Path.
func endpointPath(escaped string) string {
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return ""
	}
	return p
}

// listAll reads a whole collection, following next links, for the lists
// that are short by nature (a user's groups, roles and sessions, the
// environment's applications).
func listAll[T any, P rawSetter[T]](ctx context.Context, c *Client, op, key, first string) ([]T, error) {
	all := []T{}
	seen := map[string]bool{}
	for u, pages := first, 0; u != ""; pages++ {
		if pages == maxPages {
			return nil, &upstream.Error{Provider: provider, Kind: upstream.Unknown,
				Message: fmt.Sprintf("PingOne sent more than %d pages (%s)", maxPages, op)}
		}
		seen[u] = true
		resp, err := c.get(ctx, op, u)
		if err != nil {
			return nil, err
		}
		page, link, err := decodePage[T, P](op, key, resp)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if link == "" {
			break
		}
		next, err := c.nextURL(op, link)
		if err != nil {
			return nil, err
		}
		if seen[next] {
			break // a link back to a page already read: the list is complete
		}
		u = next
	}
	return all, nil
}
