// Package pingone is a lean client for the parts of the PingOne Platform
// API (SSO/Base and Protect) idcmd uses: user reads and search, group
// memberships, role assignments, applications, sessions, account and
// password actions, audit activities and risk evaluations. It follows
// /work/shared/reference/pingone.md and uses only net/http and
// golang.org/x/oauth2 (the community SDK was assessed there and does not
// fit: static tokens, uncontrollable retries). Every failure is an
// *upstream.Error.
package pingone

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// Client talks to one PingOne environment. It is safe for concurrent use.
type Client struct {
	origin    string // scheme://host of the API, where the bearer token may go
	envPath   string // escaped path of the environment, /v1/environments/{id}
	httpCfg   httpx.Config
	http      *httpx.Client
	tokens    *tokenSource
	userAgent string
	now       func() time.Time
}

// New validates cfg and returns a Client. It makes no network call; use
// Ping to check reachability and credentials.
func New(cfg Config) (*Client, error) {
	s, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	maxRetries := httpx.MaxRetries(cfg.MaxRetries, defaultMaxRetries)
	c := &Client{
		origin:    s.apiBase.Scheme + "://" + s.apiBase.Host,
		envPath:   s.apiBase.EscapedPath() + "/environments/" + cfg.EnvironmentID,
		userAgent: "idcmd/" + cmp.Or(cfg.Version, "dev"),
		now:       time.Now,
		httpCfg: httpx.Config{
			Provider:   provider,
			HTTPClient: cfg.HTTPClient,
			Timeout:    cmp.Or(cfg.Timeout, defaultTimeout),
			MaxRetries: maxRetries,
			// 500 is retried too (for idempotent calls only): it is
			// PingOne's UNEXPECTED_ERROR, which its own SDK retries.
			RetryStatuses:     []int{500, 502, 503, 504},
			RateLimitWait:     retryAfterWait,
			RequestsPerSecond: cfg.RequestsPerSecond,
			Observer:          cfg.Observer,
		},
	}
	c.http = httpx.New(c.httpCfg)
	c.tokens = newTokenSource(c, cfg, s)
	return c, nil
}

const provider = "pingone"

// call is one API request before authentication is added.
type call struct {
	op          string // names the call for metrics and error mapping
	method      string
	url         string
	contentType string // for a body, or for an empty POST whose type is the action
	body        []byte
	retry       httpx.Retry
}

// do sends a call and returns its 2xx response (body already read), or an
// *upstream.Error. A 401 drops the cached token and tries once more with a
// new one: the token may have been revoked or expired early, and a 401
// means PingOne did nothing, so even a non-idempotent call is safe to send
// again.
func (c *Client) do(ctx context.Context, cl call) (*http.Response, error) {
	for try := 0; ; try++ {
		tok, err := c.tokens.token(ctx)
		if err != nil {
			return nil, err
		}
		body := cl.body
		if body == nil && (cl.method == http.MethodPost || cl.method == http.MethodPut) {
			body = []byte{} // sent as Content-Length: 0
		}
		h := c.headers()
		if cl.contentType != "" {
			h.Set("Content-Type", cl.contentType)
		}
		h.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := c.http.Do(ctx, &httpx.Request{
			Operation: cl.op,
			Method:    cl.method,
			URL:       cl.url,
			Header:    h,
			Body:      body,
			Retry:     cl.retry,
		})
		if err != nil {
			return nil, c.transportError(cl.op, err)
		}
		if resp.StatusCode == http.StatusUnauthorized && try == 0 {
			c.tokens.drop(tok)
			continue
		}
		if resp.StatusCode/100 != 2 {
			return nil, c.apiError(cl.op, resp)
		}
		return resp, nil
	}
}

// get is a read: retried on 429, 5xx and connection errors.
func (c *Client) get(ctx context.Context, op, u string) (*http.Response, error) {
	return c.do(ctx, call{op: op, method: http.MethodGet, url: u, retry: httpx.RetryIdempotent})
}

// headers are sent with every request, the token request included.
func (c *Client) headers() http.Header {
	return http.Header{
		"Accept":     {"application/json"},
		"User-Agent": {c.userAgent},
	}
}

// endpoint is the absolute URL of a path under the environment (already
// escaped), with query.
func (c *Client) endpoint(path string, q url.Values) string {
	u := c.origin + c.envPath + path
	if len(q) > 0 {
		u += "?" + encodeQuery(q)
	}
	return u
}

// encodeQuery is url.Values.Encode with spaces as %20 rather than "+":
// SCIM filters are full of spaces, and %20 means a space to every URL
// parser, while "+" does so only to form decoders. A literal "+" is
// already %2B, so the replacement cannot touch one.
func encodeQuery(q url.Values) string {
	return strings.ReplaceAll(q.Encode(), "+", "%20")
}

// userPath is /users/{userID}{suffix}. PingOne user IDs are UUIDs; checking
// the form here keeps anything else out of the path and turns a username
// passed by mistake into a clear error rather than a 404.
func userPath(userID, suffix string) (string, error) {
	if userID == "" {
		return "", invalid("user ID is required")
	}
	if !isUUID(userID) {
		return "", invalid("user ID " + quoteForMessage(userID) + " is not a PingOne user ID (a UUID); look the user up by username first")
	}
	return "/users/" + userID + suffix, nil
}

// pathSegment checks an ID that goes into a path as one segment.
func pathSegment(name, id string) (string, error) {
	switch {
	case id == "":
		return "", invalid(name + " is required")
	case id == "." || id == ".." || strings.ContainsAny(id, "/?#\\") || strings.ContainsFunc(id, isControl):
		return "", invalid(name + " " + quoteForMessage(id) + " is not a valid PingOne ID")
	}
	return url.PathEscape(id), nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// quoteForMessage quotes a caller's value for an error message, cut short
// so a pasted blob cannot flood a responder's view.
func quoteForMessage(s string) string {
	const limit = 80
	if len(s) > limit {
		s = s[:limit] + "…"
	}
	return strconv.Quote(s)
}

// invalid is a caller error found before anything was sent.
func invalid(msg string) *upstream.Error {
	return &upstream.Error{Provider: provider, Kind: upstream.Invalid, Message: msg}
}
