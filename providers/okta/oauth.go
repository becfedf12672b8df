package okta

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

const (
	// refreshEarly renews a token this long before it expires, so a call
	// never leaves with a token that dies on the way.
	refreshEarly = 60 * time.Second
	// assertionLifetime is the client assertion's exp; Okta allows up to 1h.
	assertionLifetime = 5 * time.Minute
	// tokenAttempts bounds the DPoP dance: plain, with proof, with nonce.
	tokenAttempts = 3
)

// tokenSource gets access tokens for an OAuth service app with
// private_key_jwt (reference §2.2), caches them until shortly before expiry
// and lets only one refresh run at a time.
type tokenSource struct {
	c        *Client
	clientID string
	key      crypto.Signer
	method   *signerMethod
	keyID    string
	scope    string
	tokenURL string

	mu     sync.Mutex
	tok    *accessToken
	flight *tokenFlight
	dpop   *dpopKey // set when forced by Config.DPoP or asked for by Okta
	nonce  string   // the token endpoint's last DPoP-Nonce
}

// tokenFlight is one token request that concurrent callers wait on.
type tokenFlight struct {
	done chan struct{}
	tok  *accessToken
	err  error
}

func newTokenSource(c *Client, cfg Config) (*tokenSource, error) {
	key := cfg.PrivateKey
	if key == nil {
		var err error
		if key, err = parsePrivateKey(cfg.PrivateKeyPEM); err != nil {
			return nil, err
		}
	}
	m, err := signingMethodFor(key)
	if err != nil {
		return nil, err
	}
	scopes := cfg.Scopes
	if len(scopes) == 0 {
		scopes = defaultScopes()
	}
	ts := &tokenSource{
		c:        c,
		clientID: cfg.ClientID,
		key:      key,
		method:   m.(*signerMethod),
		keyID:    cfg.KeyID,
		scope:    strings.Join(scopes, " "),
		tokenURL: c.base.String() + "/oauth2/v1/token",
	}
	if cfg.DPoP {
		if ts.dpop, err = newDPoPKey(); err != nil {
			return nil, err
		}
	}
	return ts, nil
}

// credential returns the cached token or fetches one. Concurrent callers
// share one fetch. If the caller running the fetch gives up (its ctx ends),
// the others do not inherit its cancellation: one of them fetches anew.
func (ts *tokenSource) credential(ctx context.Context) (credential, error) {
	for {
		ts.mu.Lock()
		if t := ts.tok; t != nil && ts.c.now().Before(t.refreshAt) {
			ts.mu.Unlock()
			return t, nil
		}
		if f := ts.flight; f != nil {
			ts.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return nil, ts.c.transportError("token", ctx.Err())
			}
			if f.err != nil && isContextError(f.err) && ctx.Err() == nil {
				continue
			}
			return f.tok, f.err
		}
		f := &tokenFlight{done: make(chan struct{})}
		ts.flight = f
		ts.mu.Unlock()

		f.tok, f.err = ts.fetch(ctx)

		ts.mu.Lock()
		ts.flight = nil
		if f.err == nil {
			ts.tok = f.tok
		}
		ts.mu.Unlock()
		close(f.done)
		if f.err != nil {
			return nil, f.err
		}
		return f.tok, nil
	}
}

// refused drops cred from the cache (unless another caller already
// replaced it) so the retry fetches a new token.
func (ts *tokenSource) refused(cred credential) bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.tok == cred {
		ts.tok = nil
	}
	return true
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// tokenResponse is the token endpoint's answer, success or OAuth error.
// Okta-format fields cover errors from Okta's API gateway (a 429).
type tokenResponse struct {
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	AccessToken      string `json:"access_token"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCode        string `json:"errorCode"`
	ErrorSummary     string `json:"errorSummary"`
}

// fetch runs the client-credentials grant. Without DPoP it first asks for a
// Bearer token; if Okta answers invalid_dpop_proof (the app requires DPoP)
// it switches to DPoP for good, and if Okta answers use_dpop_nonce it
// repeats the request with the nonce it sent (reference §2.3).
func (ts *tokenSource) fetch(ctx context.Context) (*accessToken, error) {
	ts.mu.Lock()
	key, nonce := ts.dpop, ts.nonce
	ts.mu.Unlock()

	for range tokenAttempts {
		resp, err := ts.c.http.Do(ctx, ts.tokenRequest(key, nonce))
		if err != nil {
			return nil, ts.c.transportError("token", err)
		}
		var tr tokenResponse
		body, _ := readAll(resp)
		_ = json.Unmarshal(body, &tr) // a non-JSON body is reported by status alone

		if resp.StatusCode == http.StatusOK {
			return ts.newToken(tr, key)
		}
		if resp.StatusCode == http.StatusBadRequest {
			switch tr.Error {
			case "invalid_dpop_proof":
				if key == nil {
					if key, err = ts.enableDPoP(); err != nil {
						return nil, err
					}
					continue
				}
			case "use_dpop_nonce":
				if n := resp.Header.Get("DPoP-Nonce"); key != nil && n != "" && n != nonce {
					nonce = n
					ts.mu.Lock()
					ts.nonce = n
					ts.mu.Unlock()
					continue
				}
			}
		}
		return nil, ts.c.tokenError(resp, tr)
	}
	return nil, &upstream.Error{Provider: provider, Kind: upstream.Unauthorized,
		Message: "OAuth token request: DPoP negotiation did not converge"}
}

// enableDPoP makes (once) the key all later tokens are bound to.
func (ts *tokenSource) enableDPoP() (*dpopKey, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.dpop == nil {
		k, err := newDPoPKey()
		if err != nil {
			return nil, err
		}
		ts.dpop = k
	}
	return ts.dpop, nil
}

// tokenRequest builds the token POST. The body is rebuilt per attempt so
// every attempt carries a fresh assertion (its jti is single-use), and so
// is the DPoP proof. Getting a token changes nothing at Okta, so the
// request may be retried like a read.
func (ts *tokenSource) tokenRequest(key *dpopKey, nonce string) *httpx.Request {
	h := ts.c.headers()
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	return &httpx.Request{
		Operation: "token",
		Method:    http.MethodPost,
		URL:       ts.tokenURL,
		Header:    h,
		Retry:     httpx.RetryIdempotent,
		NewBody: func() ([]byte, error) {
			assertion, err := ts.assertion()
			if err != nil {
				return nil, err
			}
			return []byte(url.Values{
				"grant_type":            {"client_credentials"},
				"scope":                 {ts.scope},
				"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
				"client_assertion":      {assertion},
			}.Encode()), nil
		},
		Prepare: func(r *http.Request) error {
			if key == nil {
				return nil
			}
			p, err := key.proof(r.Method, r.URL, ts.c.now(), nonce, "")
			if err != nil {
				return err
			}
			r.Header.Set("DPoP", p)
			return nil
		},
	}
}

// assertion is the private_key_jwt client assertion (reference §2.2).
func (ts *tokenSource) assertion() (string, error) {
	now := ts.c.now()
	t := jwt.NewWithClaims(ts.method, jwt.MapClaims{
		"iss": ts.clientID,
		"sub": ts.clientID,
		"aud": ts.tokenURL,
		"iat": now.Unix(),
		"exp": now.Add(assertionLifetime).Unix(),
		"jti": uuid.NewString(),
	})
	if ts.keyID != "" {
		t.Header["kid"] = ts.keyID
	}
	s, err := t.SignedString(ts.key)
	if err != nil {
		return "", fmt.Errorf("okta: signing client assertion: %w", err)
	}
	return s, nil
}

// newToken checks a 200 token response and works out when to refresh it.
func (ts *tokenSource) newToken(tr tokenResponse, key *dpopKey) (*accessToken, error) {
	if tr.AccessToken == "" {
		return nil, &upstream.Error{Provider: provider, Kind: upstream.Unknown, Status: http.StatusOK,
			Message: "OAuth token response has no access_token"}
	}
	t := &accessToken{value: tr.AccessToken}
	switch {
	case strings.EqualFold(tr.TokenType, "DPoP"):
		if key == nil {
			return nil, &upstream.Error{Provider: provider, Kind: upstream.Unknown, Status: http.StatusOK,
				Message: "OAuth token response is DPoP-bound but no DPoP proof was sent"}
		}
		t.dpop = key
	case tr.TokenType == "" || strings.EqualFold(tr.TokenType, "Bearer"):
	default:
		return nil, &upstream.Error{Provider: provider, Kind: upstream.Unknown, Status: http.StatusOK,
			Message: fmt.Sprintf("OAuth token response has unsupported token_type %q", tr.TokenType)}
	}
	// Okta's tokens live one hour; assume so when expires_in is missing.
	life := time.Duration(tr.ExpiresIn) * time.Second
	if life <= 0 {
		life = time.Hour
	}
	early := refreshEarly
	if life <= 2*refreshEarly {
		early = life / 2
	}
	t.refreshAt = ts.c.now().Add(life - early)
	return t, nil
}

// accessToken is a cached OAuth token and, for a DPoP-bound token, the key
// it is bound to.
type accessToken struct {
	value     string
	dpop      *dpopKey
	refreshAt time.Time
}

// apply sets Authorization, and for a DPoP token a fresh proof bound to the
// token (ath) and to this request's method and URL.
func (t *accessToken) apply(r *http.Request, now time.Time) error {
	if t.dpop == nil {
		r.Header.Set("Authorization", "Bearer "+t.value)
		return nil
	}
	p, err := t.dpop.proof(r.Method, r.URL, now, "", t.value)
	if err != nil {
		return err
	}
	r.Header.Set("Authorization", "DPoP "+t.value)
	r.Header.Set("DPoP", p)
	return nil
}

// String keeps the token out of any log line that prints the value.
func (t *accessToken) String() string { return "access token [redacted]" }

// GoString keeps the token out of %#v too.
func (t *accessToken) GoString() string { return t.String() }
