package pingone

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// refreshEarly renews a token this long before it expires, so a call never
// leaves with a token that dies on the way (PingOne tokens live an hour).
const refreshEarly = 60 * time.Second

// tokenSource gets worker-app access tokens with the client-credentials
// grant (reference §2) and caches them until refreshEarly before expiry.
// Only one token request runs at a time; callers that find the cache stale
// while one is under way wait for it instead of sending their own.
type tokenSource struct {
	c  *Client
	cc clientcredentials.Config
	// hc sends the token request through c.http, via oauth2.HTTPClient.
	hc *http.Client
	// fetching holds a value while a token request runs. It is a channel
	// rather than a mutex so a caller can stop waiting when its ctx ends.
	fetching chan struct{}

	mu  sync.Mutex
	tok *oauth2.Token
}

func newTokenSource(c *Client, cfg Config, s *settings) *tokenSource {
	return &tokenSource{
		c: c,
		cc: clientcredentials.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			TokenURL:     s.tokenURL,
			AuthStyle:    s.authStyle,
		},
		hc: &http.Client{
			Transport: httpxTransport{c},
			// httpx never follows redirects; neither may this wrapper, or
			// the credentials could be replayed to another host.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		fetching: make(chan struct{}, 1),
	}
}

// token returns a token that is good for at least refreshEarly, fetching
// one if needed. The fetch runs under the caller's ctx, so its deadline
// bounds the token request too.
func (ts *tokenSource) token(ctx context.Context) (*oauth2.Token, error) {
	if t := ts.current(); t.Valid() {
		return t, nil
	}
	select {
	case ts.fetching <- struct{}{}:
	case <-ctx.Done():
		return nil, ts.c.transportError("token", context.Cause(ctx))
	}
	defer func() { <-ts.fetching }()
	// Another caller may have fetched a token while this one waited.
	if t := ts.current(); t.Valid() {
		return t, nil
	}
	// ReuseTokenSourceWithExpiry stamps the new token with refreshEarly, so
	// its Valid turns false that long before the token really expires.
	ctx = context.WithValue(ctx, oauth2.HTTPClient, ts.hc)
	t, err := oauth2.ReuseTokenSourceWithExpiry(nil, ts.cc.TokenSource(ctx), refreshEarly).Token()
	if err != nil {
		return nil, ts.fetchError(err)
	}
	ts.mu.Lock()
	ts.tok = t
	ts.mu.Unlock()
	return t, nil
}

func (ts *tokenSource) current() *oauth2.Token {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.tok
}

// drop forgets t after PingOne refused it, unless another caller has
// already replaced it, so the next call fetches a new token.
func (ts *tokenSource) drop(t *oauth2.Token) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.tok == t {
		ts.tok = nil
	}
}

// String keeps the secret and the token out of any log line that prints
// the value.
func (ts *tokenSource) String() string { return "pingone token source [redacted]" }

// GoString keeps them out of %#v too.
func (ts *tokenSource) GoString() string { return ts.String() }

// tokenErrorBody covers both shapes a refusal can take: the OAuth error
// of the token endpoint, and PingOne's own error object from its gateway.
type tokenErrorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	Code             string `json:"code"`
	Message          string `json:"message"`
}

// fetchError maps a failed token request. The oauth2 package's own error
// is not wrapped: its Response still holds the request, whose
// Authorization header (or body) carries the client secret.
func (ts *tokenSource) fetchError(err error) *upstream.Error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			// No answer: the deadline, the local rate limit or the network.
			return ts.c.transportError("token", ue.Err)
		}
		// A 2xx that is not a token (no access_token, not JSON). The
		// oauth2 message says so without quoting the body.
		return &upstream.Error{Provider: provider, Kind: upstream.Unknown,
			Message: ts.redact("unexpected token response from PingOne: " + err.Error())}
	}

	var body tokenErrorBody
	_ = json.Unmarshal(re.Body, &body) // not JSON: report by status alone
	status := re.Response.StatusCode
	e := &upstream.Error{
		Provider: provider,
		Status:   status,
		Code:     cmp.Or(re.ErrorCode, body.Error, body.Code),
		Message:  fmt.Sprintf("token request for client %s failed", ts.cc.ClientID),
	}
	if status/100 == 4 {
		e.Message = fmt.Sprintf("token request for client %s refused", ts.cc.ClientID)
	}
	if d := cmp.Or(re.ErrorDescription, body.ErrorDescription, body.Message); d != "" {
		e.Message += ": " + d
	}
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind = upstream.RateLimited
		e.RetryAfter = retryAfter(re.Response, ts.c.now())
	case status >= 500:
		e.Kind = upstream.Unavailable
	case status >= 400:
		// invalid_client, unauthorized_client, ...: idcmd's worker app is
		// misconfigured, which only the operator can fix.
		e.Kind = upstream.Unauthorized
		e.Message += " (check ClientID, ClientSecret, AuthStyle and EnvironmentID)"
	default:
		e.Kind = upstream.Unknown
	}
	e.Message = ts.redact(e.Message)
	return e
}

// redact removes the client secret from a message, in case the token
// endpoint ever echoes it back.
func (ts *tokenSource) redact(msg string) string {
	if ts.cc.ClientSecret == "" {
		return msg
	}
	return strings.ReplaceAll(msg, ts.cc.ClientSecret, "[redacted]")
}

// httpxTransport sends the oauth2 package's token requests through the
// Client's httpx client, so they share its timeouts, bounded retries
// (Retry-After on 429), rate limit, metrics and configured HTTP client.
type httpxTransport struct{ c *Client }

// RoundTrip implements http.RoundTripper. Getting a token changes nothing
// at PingOne, so the request is retried like a read.
func (t httpxTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	h := t.c.headers()
	for k, vs := range req.Header {
		h[k] = vs
	}
	resp, err := t.c.http.Do(req.Context(), &httpx.Request{
		Operation: "token",
		Method:    req.Method,
		URL:       req.URL.String(),
		Header:    h,
		Body:      body,
		Retry:     httpx.RetryIdempotent,
	})
	if err != nil {
		return nil, err
	}
	resp.Request = req
	return resp, nil
}
