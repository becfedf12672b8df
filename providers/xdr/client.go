// Package xdr is a lean client for the parts of the Cortex XDR public API
// idcmd uses: commenting on an incident (the outcome of a command that
// came with XDR incident context), reading an incident, and inserting
// parsed alerts built from identity events. It follows
// /work/shared/reference/xsoar-xdr-prisma.md (§2.2 auth, §3 endpoints,
// §4.6 bodies, §5 errors, §6 limits) and uses only net/http through
// providers/httpx. Every failure is an *upstream.Error.
package xdr

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"github.com/idcmd/idcmd/providers/cortexkey"
	"io"
	"net/http"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// Client talks to one XDR tenant. It is safe for concurrent use.
type Client struct {
	base      string // scheme://host of the API, nothing else
	httpCfg   httpx.Config
	http      *httpx.Client
	key       *cortexkey.Key
	userAgent string
	alerts    *alertPacer
	extraData *windowPacer // get_incident_extra_data's 10 a minute

	// now and sleep are the clock and sleeper of the alert pacing and of
	// the advanced key's timestamp; tests replace them (export_test.go).
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
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
		base:      base.String(),
		key:       &cortexkey.Key{ID: cfg.APIKeyID, Secret: cfg.APIKey, Advanced: cfg.Advanced, Name: "xdr API key"},
		userAgent: "idcmd/" + cmp.Or(cfg.Version, "dev"),
		alerts:    newAlertPacer(cmp.Or(cfg.AlertsPerMinute, defaultAlertsPerMinute)),
		extraData: newWindowPacer("get_incident_extra_data", extraDataPerMinute, time.Minute),
		now:       time.Now,
		sleep:     sleepCtx,
		httpCfg: httpx.Config{
			Provider:   provider,
			HTTPClient: cfg.HTTPClient,
			Timeout:    cmp.Or(cfg.Timeout, defaultTimeout),
			MaxRetries: maxRetries,
			// XDR answers 500 for any "API communication type error"
			// (reference §5), transient ones included; only reads are
			// retried on it.
			RetryStatuses: []int{500, 502, 503, 504},
			RateLimitWait: retryAfterHeader,
			Observer:      cfg.Observer,
		},
	}
	c.http = httpx.New(c.httpCfg)
	return c, nil
}

const provider = "xdr"

// API paths (reference §3), in the trailing-slash form of §2.2's
// https://api-{fqdn}/public_api/v1/{api}/{call}/.
const (
	pathGetIncidents       = "/public_api/v1/incidents/get_incidents/"
	pathUpdateIncident     = "/public_api/v1/incidents/update_incident/"
	pathInsertParsedAlerts = "/public_api/v1/alerts/insert_parsed_alerts/"
)

// call is one API request: every XDR call is a POST of
// {"request_data": ...} (reference §4.6).
type call struct {
	op    string // for metrics and error messages
	path  string
	data  any // the value of request_data
	retry httpx.Retry
}

// envelope is the request wrapper every call shares.
type envelope struct {
	RequestData any `json:"request_data"`
}

// do sends a call and returns the body of its 2xx response, or an
// *upstream.Error. Authentication is added per attempt (Prepare), so a
// retry of an advanced-key call carries a fresh nonce and timestamp.
func (c *Client) do(ctx context.Context, cl call) ([]byte, error) {
	body, err := json.Marshal(envelope{RequestData: cl.data})
	if err != nil {
		return nil, &upstream.Error{Provider: provider, Kind: upstream.Unknown, Message: "cannot encode the " + cl.op + " request", Err: err}
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
		return nil, transportError(cl.op, err)
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body) // httpx has buffered it; this cannot fail
	if resp.StatusCode/100 != 2 {
		return nil, apiError(resp, buf.Bytes(), c.now())
	}
	return buf.Bytes(), nil
}

// checkAccepted reads a write's answer, {"reply": true} (update_incident)
// or a bare true (insert_parsed_alerts, reference §3). It is lenient: only
// an explicit false is a failure, because reporting a failure for a write
// that XDR did apply would make the caller write twice.
func checkAccepted(op string, body []byte) error {
	body = bytes.TrimSpace(body)
	refused := string(body) == "false"
	var wire struct {
		Reply *bool `json:"reply"`
	}
	if json.Unmarshal(body, &wire) == nil && wire.Reply != nil && !*wire.Reply {
		refused = true
	}
	if !refused {
		return nil
	}
	return &upstream.Error{Provider: provider, Kind: upstream.Unknown, Status: http.StatusOK,
		Message: "Cortex XDR answered false to " + op + ": nothing was changed"}
}

// sleepCtx waits for d or until ctx ends, whichever comes first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// String names the tenant and key, never the key's secret.
func (c *Client) String() string {
	return "xdr.Client{" + c.base + ", " + c.key.String() + "}"
}

// Format prints String for every verb. Without it fmt prints the struct's
// fields for verbs a Stringer does not cover (%d, %#v), and its fallback
// for a bad verb on a field shows the key.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }
