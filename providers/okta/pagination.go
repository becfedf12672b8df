package okta

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/idcmd/idcmd/providers/upstream"
)

// nextLink returns the target of the rel="next" link, or "". Okta sends
// self and next as separate Link header lines; a comma-joined line (as a
// proxy may fold them) is handled too.
func nextLink(h http.Header) string {
	for _, line := range h.Values("Link") {
		for _, lv := range splitLinks(line) {
			if lv.hasRel("next") {
				return lv.target
			}
		}
	}
	return ""
}

// linkValue is one <target>; params element of a Link header (RFC 8288).
type linkValue struct {
	target string
	params string
}

// splitLinks splits a Link header line into its link values. Commas inside
// <...> or a quoted parameter do not split.
func splitLinks(line string) []linkValue {
	var out []linkValue
	for {
		start := strings.IndexByte(line, '<')
		if start < 0 {
			return out
		}
		end := strings.IndexByte(line[start:], '>')
		if end < 0 {
			return out
		}
		target := line[start+1 : start+end]
		rest := line[start+end+1:]
		n := paramsEnd(rest)
		out = append(out, linkValue{target: target, params: rest[:n]})
		if n == len(rest) {
			return out
		}
		line = rest[n+1:]
	}
}

// paramsEnd is the index of the comma that ends a link value's parameters,
// or len(s).
func paramsEnd(s string) int {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			inQuote = !inQuote
		case s[i] == '\\' && inQuote:
			i++
		case s[i] == ',' && !inQuote:
			return i
		}
	}
	return len(s)
}

// hasRel reports whether the link's rel parameter (a space-separated list,
// quoted or not) contains rel.
func (lv linkValue) hasRel(rel string) bool {
	for _, p := range strings.Split(lv.params, ";") {
		name, value, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "rel") {
			continue
		}
		for _, r := range strings.Fields(strings.Trim(strings.TrimSpace(value), `"`)) {
			if strings.EqualFold(r, rel) {
				return true
			}
		}
	}
	return false
}

// encodeCursor turns Okta's next link into the opaque cursor handed to
// callers: base64url of the link's path and query. The host is dropped on
// purpose; a cursor coming back is always resolved against BaseURL.
func encodeCursor(link, endpoint string) (string, error) {
	u, err := url.Parse(link)
	if err != nil || u.Path != endpoint {
		return "", &upstream.Error{Provider: provider, Kind: upstream.Unknown,
			Message: fmt.Sprintf("unexpected next link from Okta for %s", endpoint)}
	}
	return base64.RawURLEncoding.EncodeToString([]byte(u.EscapedPath() + "?" + u.RawQuery)), nil
}

// cursorURL resolves a caller's cursor for endpoint. The cursor comes from
// outside, so it is distrusted: it must decode to a relative reference to
// exactly endpoint, with a well-formed query, and it is sent only to the
// configured org. A cursor aimed at another host or path (an attempt to
// make idcmd send its Okta credentials elsewhere) is refused.
func (c *Client) cursorURL(cursor, endpoint string) (string, error) {
	bad := invalid("cursor is not valid for " + endpoint + "; pass back a cursor this endpoint returned")
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return "", bad
	}
	u, err := url.Parse(string(raw))
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		u.Fragment != "" || u.Path != endpoint || u.EscapedPath() != endpoint {
		return "", bad
	}
	if _, err := url.ParseQuery(u.RawQuery); err != nil || !requestLineSafe(u.RawQuery) {
		return "", bad
	}
	next := c.base.String() + endpoint
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

// followURL resolves a next link Okta sent for a list this client pages
// through itself. The path is kept (Okta may name the user by ID where the
// caller used a login) but the origin is always BaseURL's.
func (c *Client) followURL(link string) (string, bool) {
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(u.Path, "/api/v1/") || strings.Contains(u.Path, "/../") {
		return "", false
	}
	next := c.base.String() + u.EscapedPath()
	if u.RawQuery != "" {
		next += "?" + u.RawQuery
	}
	return next, true
}
