package pingonetest

import (
	"crypto/subtle"
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// tokenStore holds the access tokens issued by the token endpoint.
type tokenStore struct {
	mu     sync.RWMutex
	tokens map[string]time.Time // access token → expiry
}

func newTokenStore() *tokenStore { return &tokenStore{tokens: map[string]time.Time{}} }

// pruneAt is the store size past which issuing a token first sweeps out
// the expired ones, so a long-running sandbox does not grow without bound.
const pruneAt = 4096

func (ts *tokenStore) issue(ttl time.Duration, now time.Time) string {
	tok := secretToken(32)
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if len(ts.tokens) >= pruneAt {
		for t, exp := range ts.tokens {
			if !now.Before(exp) {
				delete(ts.tokens, t)
			}
		}
	}
	ts.tokens[tok] = now.Add(ttl)
	return tok
}

// valid reports whether tok was issued and has not expired at now.
func (ts *tokenStore) valid(tok string, now time.Time) bool {
	if tok == "" {
		return false
	}
	ts.mu.RLock()
	exp, ok := ts.tokens[tok]
	ts.mu.RUnlock()
	return ok && now.Before(exp)
}

// expireAll forgets every issued token: to a client they are now exactly
// like expired ones (401 ACCESS_FAILED), and it must fetch a new one.
func (ts *tokenStore) expireAll() {
	ts.mu.Lock()
	clear(ts.tokens)
	ts.mu.Unlock()
}

// ExpireTokens makes every token issued so far invalid, so tests can check
// that the client notices the 401 and fetches a fresh token. Tokens issued
// afterwards are valid as usual.
func (s *Server) ExpireTokens() { s.tokens.expireAll() }

// bearerToken extracts the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// tokenPathEnv reports whether path is an auth host token endpoint,
// /{envID}/as/token, and returns the environment ID in it.
func tokenPathEnv(path string) (string, bool) {
	env, rest, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if !ok || rest != "as/token" || env == "" {
		return "", false
	}
	return env, true
}

// oauthError is the RFC 6749 §5.2 error body of the token endpoint, which
// (unlike the API) does not use the P1Error shape.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

// serveToken is POST /{envID}/as/token for the worker application's
// client_credentials grant. The client authenticates with HTTP Basic
// (CLIENT_SECRET_BASIC) or with client_id/client_secret form parameters
// (CLIENT_SECRET_POST); PingOne configures one per application, the fake
// accepts either so both golang.org/x/oauth2 auth styles work. No scope is
// needed: a worker's permissions come from its role assignments.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request, env string) {
	if env != s.EnvironmentID {
		writeAPIError(w, errNotFound())
		return
	}
	if r.Method != http.MethodPost {
		writeAPIError(w, errMethodNotAllowed([]string{http.MethodPost}))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	fail := func(status int, code, desc string) {
		writeJSON(w, status, oauthError{Error: code, Description: desc})
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		fail(http.StatusBadRequest, "invalid_request", "The request must be application/x-www-form-urlencoded.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		fail(http.StatusBadRequest, "invalid_request", "The request body could not be parsed.")
		return
	}
	id, secret, basic, ok := clientCredentials(r)
	if !ok {
		fail(http.StatusBadRequest, "invalid_request", "Use exactly one client authentication method: HTTP Basic or client_id and client_secret parameters.")
		return
	}
	if id == "" || !constantEqual(id, s.ClientID) || !constantEqual(secret, s.ClientSecret) {
		if basic { // RFC 6749 §5.2: challenge the scheme the client used
			w.Header().Set("Www-Authenticate", `Basic realm="PingOne"`)
		}
		fail(http.StatusUnauthorized, "invalid_client", "Request denied: Unsupported authentication method or invalid client credentials.")
		return
	}
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "client_credentials":
	case "":
		fail(http.StatusBadRequest, "invalid_request", "The grant_type parameter is required.")
		return
	default:
		fail(http.StatusBadRequest, "unsupported_grant_type", "The grant type "+gt+" is not supported by this application.")
		return
	}
	tok := s.tokens.issue(s.ttl, s.now())
	writeJSON(w, http.StatusOK, tokenResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int64(s.ttl / time.Second)})
}

// clientCredentials returns the client's ID and secret and whether they
// came in the Authorization header. ok is false when both methods are used
// at once. The Basic credentials are form-decoded first (RFC 6749 §2.3.1),
// as golang.org/x/oauth2 form-encodes them.
func clientCredentials(r *http.Request) (id, secret string, basic, ok bool) {
	formID, formSecret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	scheme, cred, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return formID, formSecret, false, true
	}
	if formSecret != "" {
		return "", "", true, false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return "", "", true, true
	}
	id, secret, _ = strings.Cut(string(raw), ":")
	if v, err := url.QueryUnescape(id); err == nil {
		id = v
	}
	if v, err := url.QueryUnescape(secret); err == nil {
		secret = v
	}
	return id, secret, true, true
}

func constantEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
