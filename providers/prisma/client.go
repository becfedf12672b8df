// Package prisma is a lean client for the parts of the Prisma Cloud CSPM
// API idcmd uses: the IAM permission search (a user's cloud blast radius),
// the okta_idp integration's health, identity alerts and the IAM policies
// that raise them. It follows /work/shared/reference/xsoar-xdr-prisma.md
// (§2.3 auth, §3 endpoints, §5 errors) and the pan.dev CSPM OpenAPI
// documents, and uses only net/http through providers/httpx. Every failure
// is an *upstream.Error.
//
// Prisma Cloud has no API that accepts identities, events or alerts (the
// SOPs' POST /v2/identity, /v2/event and create_alert do not exist): it
// pulls Okta itself and raises alerts from its own policies. This package
// only calls what exists.
package prisma

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// Client talks to one Prisma Cloud tenant. It is safe for concurrent use.
type Client struct {
	base      string // scheme://host of the API stack, nothing else
	http      *httpx.Client
	userAgent string
	session   *session
	now       func() time.Time
}

const provider = "prisma"

// New validates cfg and returns a Client. It makes no network call; use
// Ping to check reachability and credentials.
func New(cfg Config) (*Client, error) {
	base, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	maxRetries := httpx.MaxRetries(cfg.MaxRetries, defaultMaxRetries)
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	c := &Client{
		base:      base.String(),
		userAgent: "idcmd/" + cmp.Or(cfg.Version, "dev"),
		now:       now,
		http: httpx.New(httpx.Config{
			Provider:   provider,
			HTTPClient: cfg.HTTPClient,
			Timeout:    cmp.Or(cfg.Timeout, defaultTimeout),
			MaxRetries: maxRetries,
			// pan.dev "Error Responses": 5xx are retried with backoff, and a
			// 503 says how long to wait in Retry-After.
			RetryStatuses: []int{500, 502, 503, 504},
			RateLimitWait: rateLimitWait,
			BusyWait:      retryAfterHeader,
			Observer:      cfg.Observer,
			Now:           now,
		}),
	}
	c.session = &session{client: c, accessKey: cfg.AccessKey, secretKey: cfg.SecretKey}
	return c, nil
}

// call is one API request.
type call struct {
	op     string // for metrics and error messages
	method string
	path   string // with its query string, if any
	body   any    // JSON-encoded when not nil
	retry  httpx.Retry
}

// do sends cl with the session's JWT and returns the body of its 2xx
// answer, or an *upstream.Error. A 401 means the JWT expired or was
// revoked early: the session logs in again and the call is sent once more
// (the Go SDK does the same), so a caller never sees a stale token.
func (c *Client) do(ctx context.Context, cl call) ([]byte, error) {
	var body []byte
	if cl.body != nil {
		b, err := jsonBody(cl.body)
		if err != nil {
			return nil, err
		}
		body = b
	}
	for attempt := 0; ; attempt++ {
		token, err := c.session.token(ctx)
		if err != nil {
			return nil, err
		}
		resp, raw, err := c.send(ctx, cl, body, token)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 {
			c.session.invalidate(token)
			continue
		}
		if resp.StatusCode/100 != 2 {
			return nil, apiError(cl.op, resp, raw, c.now())
		}
		return raw, nil
	}
}

// send makes one call through httpx (which retries 429s and 5xx as cl
// allows) with token in x-redlock-auth; an empty token sends none (/login).
func (c *Client) send(ctx context.Context, cl call, body []byte, token string) (*http.Response, []byte, error) {
	h := http.Header{
		"Accept":     {"application/json"},
		"User-Agent": {c.userAgent},
	}
	if body != nil {
		h.Set("Content-Type", "application/json; charset=UTF-8")
	}
	if token != "" {
		h.Set("x-redlock-auth", token)
	}
	resp, err := c.http.Do(ctx, &httpx.Request{
		Operation: cl.op,
		Method:    cl.method,
		URL:       c.base + cl.path,
		Header:    h,
		Body:      body,
		Retry:     cl.retry,
	})
	if err != nil {
		return nil, nil, httpx.TransportError(provider, "Prisma Cloud", cl.op, err)
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body) // httpx has buffered it; this cannot fail
	return resp, buf.Bytes(), nil
}

// decode unmarshals a 2xx body into v.
func decode(op string, body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return httpx.DecodeError(provider, "Prisma Cloud", op, http.StatusOK, err)
	}
	return nil
}

// Ping checks that the API stack answers and the access key is accepted:
// it makes sure the session holds a JWT (logging in or extending it).
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.session.token(ctx)
	return err
}

// String names the tenant and key, never the key's secret.
func (c *Client) String() string {
	return "prisma.Client{" + c.base + ", access key " + c.session.accessKey + "}"
}

// Format prints String for every verb, so no verb (%d, %#v) falls back to
// printing the fields and with them the secret.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// jsonBody encodes a request body.
func jsonBody(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &upstream.Error{Provider: provider, Kind: upstream.Unknown, Message: "cannot encode the request", Err: err}
	}
	return b, nil
}
