// Package okta is a lean client for the parts of the Okta Management API
// idcmd uses: user reads and search, groups, app links, factors, the System
// Log and user lifecycle actions. It follows /work/shared/reference/okta.md
// and uses only net/http (the official SDK was assessed there and does not
// fit). Every failure is an *upstream.Error.
package okta

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// Client talks to one Okta org. It is safe for concurrent use.
type Client struct {
	base      *url.URL // scheme://host of the org, nothing else
	httpCfg   httpx.Config
	http      *httpx.Client
	auth      authenticator
	userAgent string
	// apiHeader is headers(), built once: httpx copies a Request's Header
	// into each attempt's request and never changes it, so every API call
	// shares this one instead of allocating a map of its own.
	apiHeader http.Header
	// jsonHeader is apiHeader with Content-Type: application/json, for
	// the calls that send a body (ReplaceZone).
	jsonHeader http.Header
	now        func() time.Time
	// zoneLocks serialise read-modify-write of a network zone (zonelock.go).
	zoneLocks zoneLocks
	// blocklistZone is Config.BlocklistZone, defaulted.
	blocklistZone string
}

// New validates cfg and returns a Client. It makes no network call; use
// Ping to check reachability and credentials.
func New(cfg Config) (*Client, error) {
	base, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	maxRetries := httpx.MaxRetries(cfg.MaxRetries, defaultMaxRetries)
	c := &Client{
		base:          base,
		userAgent:     "idcmd/" + cmp.Or(cfg.Version, "dev"),
		blocklistZone: cmp.Or(cfg.BlocklistZone, DefaultBlocklistZone),
		now:           time.Now,
		httpCfg: httpx.Config{
			Provider:   provider,
			HTTPClient: cfg.HTTPClient,
			Timeout:    cmp.Or(cfg.Timeout, defaultTimeout),
			MaxRetries: maxRetries,
			// 500 is retried too (for reads only): Okta answers a System
			// Log query that timed out with 500 E0000009.
			RetryStatuses:     []int{500, 502, 503, 504},
			RateLimitWait:     resetWait,
			SlowDown:          quotaSpent,
			RequestsPerSecond: cfg.RequestsPerSecond,
			Observer:          cfg.Observer,
		},
	}
	c.http = httpx.New(c.httpCfg)
	c.apiHeader = c.headers()
	c.jsonHeader = c.headers()
	c.jsonHeader.Set("Content-Type", "application/json")

	if cfg.APIToken != "" {
		c.auth = &sswsAuth{token: cfg.APIToken}
		return c, nil
	}
	ts, err := newTokenSource(c, cfg)
	if err != nil {
		return nil, err
	}
	c.auth = ts
	return c, nil
}

const provider = "okta"

// call is one API request before authentication is added.
type call struct {
	op     string // the spec's operationId, for metrics and error mapping
	method string
	url    string
	retry  httpx.Retry
	// body is the JSON request body; nil sends none.
	body []byte
}

// do sends a call and returns its 2xx response (body already read), or an
// *upstream.Error. A 401 with an OAuth token drops the cached token and
// tries once more with a new one: the token may have been revoked early,
// and a 401 means Okta did nothing, so even a lifecycle POST is safe.
func (c *Client) do(ctx context.Context, cl call) (*http.Response, error) {
	for try := 0; ; try++ {
		cred, err := c.auth.credential(ctx)
		if err != nil {
			return nil, err
		}
		body, header := cl.body, c.apiHeader
		if body != nil {
			header = c.jsonHeader
		} else if cl.method == http.MethodPost || cl.method == http.MethodPut {
			body = []byte{} // Okta answers 411 to a POST without Content-Length.
		}
		resp, err := c.http.Do(ctx, &httpx.Request{
			Operation: cl.op,
			Method:    cl.method,
			URL:       cl.url,
			Header:    header,
			Body:      body,
			Prepare:   func(r *http.Request) error { return cred.apply(r, c.now()) },
			Retry:     cl.retry,
		})
		if err != nil {
			return nil, c.transportError(cl.op, err)
		}
		if resp.StatusCode == http.StatusUnauthorized && try == 0 && c.auth.refused(cred) {
			continue
		}
		if resp.StatusCode/100 != 2 {
			return nil, c.apiError(cl.op, resp)
		}
		return resp, nil
	}
}

// headers are sent with every request: a fresh map, which the caller may
// change.
func (c *Client) headers() http.Header {
	return http.Header{
		"Accept":     {"application/json"},
		"User-Agent": {c.userAgent},
	}
}

// endpoint is the absolute URL of an API path (already escaped) with query.
func (c *Client) endpoint(path string, q url.Values) string {
	u := c.base.String() + path
	if enc := q.Encode(); enc != "" {
		u += "?" + enc
	}
	return u
}

// userPath is /api/v1/users/{user}{suffix}, with user escaped. Okta finds
// a user by ID, login or login shortname, but a login containing "/" can
// only be addressed by ID, and "." or ".." would change the path itself.
func userPath(user, suffix string) (string, error) {
	switch {
	case user == "":
		return "", invalid("user is required")
	case strings.Contains(user, "/"):
		return "", invalid(`a login containing "/" cannot be used here; Okta can only address that user by ID`)
	case user == "." || user == "..":
		return "", invalid("user must be an Okta user ID or login")
	}
	return "/api/v1/users/" + url.PathEscape(user) + suffix, nil
}

// invalid is a caller error found before anything was sent.
func invalid(msg string) *upstream.Error {
	return &upstream.Error{Provider: provider, Kind: upstream.Invalid, Message: msg}
}
