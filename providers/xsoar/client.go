// Package xsoar is a lean client for the parts of the Cortex XSOAR server
// API idcmd uses: writing the outcome of a command to an incident's war
// room (an entry, optionally flagged as a note), creating incidents from
// identity events, and reading an incident back. It follows
// /work/shared/reference/xsoar-xdr-prisma.md (§2.1 auth, §3 endpoints,
// §4 bodies, §5 errors) and the server's swagger
// (/work/shared/specs/xsoar_server_api_swagger.json), and uses only
// net/http through providers/httpx. It speaks to XSOAR 6 and to XSOAR 8 /
// XSIAM with standard or advanced keys. Every failure is an
// *upstream.Error.
package xsoar

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"github.com/idcmd/idcmd/providers/cortexkey"
	"net/http"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// Client talks to one XSOAR server or tenant. It is safe for concurrent
// use.
type Client struct {
	base      string // origin + path prefix, no trailing slash
	httpCfg   httpx.Config
	http      *httpx.Client
	key       *cortexkey.Key
	userAgent string
	// now is the clock of the advanced key's timestamp and of Retry-After
	// dates; tests replace it (export_test.go).
	now func() time.Time
}

// Format prints the client as xsoar.Client(<API base>) whatever the verb:
// fmt cannot call the key's own redacting String through an unexported
// field, and %s or a wrong verb such as %d would otherwise print the
// fields, secret included.
func (c *Client) Format(f fmt.State, _ rune) { fmt.Fprintf(f, "xsoar.Client(%s)", c.base) }

// New validates cfg and returns a Client. It makes no network call; use
// Ping to check reachability and credentials.
func New(cfg Config) (*Client, error) {
	base, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	maxRetries := httpx.MaxRetries(cfg.MaxRetries, defaultMaxRetries)
	c := &Client{
		base:      base,
		key:       &cortexkey.Key{ID: cfg.APIKeyID, Secret: cfg.APIKey, Advanced: cfg.Advanced, Name: "xsoar API key"},
		userAgent: "idcmd/" + cmp.Or(cfg.Version, "dev"),
		now:       time.Now,
		httpCfg: httpx.Config{
			Provider:   provider,
			HTTPClient: cfg.HTTPClient,
			Timeout:    cmp.Or(cfg.Timeout, defaultTimeout),
			MaxRetries: maxRetries,
			// The default 502, 503 and 504 are retried, for reads only. A
			// 500 is XSOAR's "Something went wrong", as likely a bug as a
			// blip, and is reported at once.
			RateLimitWait: retryAfterHeader,
			Observer:      cfg.Observer,
		},
	}
	c.http = httpx.New(c.httpCfg)
	return c, nil
}

const provider = "xsoar"

// API paths (reference §3), relative to the base and its path prefix.
const (
	pathEntry           = "/entry"
	pathEntryNote       = "/entry/note"
	pathEntryTags       = "/entry/tags"
	pathIncident        = "/incident"
	pathIncidentsSearch = "/incidents/search"
)

// call is one API request. Every call idcmd makes is a POST of a JSON body;
// op is the swagger's operationId, for metrics and error messages.
type call struct {
	op    string
	path  string
	body  any
	retry httpx.Retry
}

// do sends a call and decodes the body of its 2xx response into out, or
// returns an *upstream.Error. Authentication is added per attempt
// (Prepare), so a retry of an advanced-key call carries a fresh nonce and
// timestamp.
func (c *Client) do(ctx context.Context, cl call, out any) error {
	body, err := json.Marshal(cl.body)
	if err != nil {
		return &upstream.Error{Provider: provider, Kind: upstream.Invalid, Message: "cannot encode the " + cl.op + " request", Err: err}
	}
	resp, err := c.http.Do(ctx, &httpx.Request{
		Operation: cl.op,
		Method:    http.MethodPost,
		URL:       c.base + cl.path,
		Header: http.Header{
			"Accept":       {"application/json"},
			"Content-Type": {"application/json"},
			"User-Agent":   {c.userAgent},
		},
		Body:    body,
		Prepare: func(r *http.Request) error { return c.key.Apply(r, c.now()) },
		Retry:   cl.retry,
	})
	if err != nil {
		return transportError(cl.op, err)
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body) // httpx has buffered it; this cannot fail
	if resp.StatusCode/100 != 2 {
		return c.apiError(resp, buf.Bytes())
	}
	if err := json.Unmarshal(buf.Bytes(), out); err != nil {
		return decodeError(cl.op, err)
	}
	return nil
}

// Ping checks that XSOAR is reachable and accepts the key, with the
// cheapest authenticated call in the swagger: an incident search for one
// incident. (GET /user and GET /about also check a key on XSOAR 6, but
// neither is in the swagger nor documented for XSOAR 8.)
func (c *Client) Ping(ctx context.Context) error {
	var out searchResponse
	return c.do(ctx, call{
		op:    "searchIncidents",
		path:  pathIncidentsSearch,
		body:  searchRequest{Filter: incidentFilter{Size: 1}},
		retry: httpx.RetryIdempotent,
	}, &out)
}
