package oktatest

import (
	"crypto"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// OAuth 2.0 for Okta service apps: client credentials with private_key_jwt
// client authentication against the org authorization server
// (POST /oauth2/v1/token), optionally DPoP-bound.

const (
	tokenPath          = "/oauth2/v1/token"
	accessTokenTTL     = time.Hour
	maxAssertionTTL    = time.Hour
	maxAssertionSkew   = 30 * time.Second
	jwtBearerAssertion = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
)

// Scopes the fake enforces.
const (
	ScopeUsersRead   = "okta.users.read"
	ScopeUsersManage = "okta.users.manage"
	ScopeLogsRead    = "okta.logs.read"
	ScopeRolesRead   = "okta.roles.read"
	ScopeZonesRead   = "okta.networkZones.read"
	ScopeZonesManage = "okta.networkZones.manage"
)

// grantableScopes are the Okta scopes a registered service app is granted.
var grantableScopes = []string{
	ScopeUsersRead, ScopeUsersManage, ScopeLogsRead, ScopeRolesRead, ScopeZonesRead, ScopeZonesManage,
	ScopeGroupsRead, ScopeGroupsManage, "okta.factors.read", "okta.factors.manage",
	"okta.apps.read", "okta.eventHooks.read", "okta.eventHooks.manage",
	ScopeUserRiskRead, ScopeUserRiskManage,
}

type serviceApp struct {
	clientID    string
	key         crypto.PublicKey
	requireDPoP bool
}

type accessToken struct {
	clientID string
	scopes   []string
	expires  time.Time
	// jkt binds a DPoP token to the thumbprint of the client's proof key.
	jkt string
}

// oauthServer holds service apps, issued tokens and replay state.
type oauthServer struct {
	mu     sync.Mutex
	apps   map[string]*serviceApp
	tokens map[string]*accessToken
	// nonce is the DPoP-Nonce the token endpoint currently demands.
	nonce string
	// seen remembers assertion and proof jti values until they expire, to
	// refuse replays.
	seen map[string]time.Time
}

func newOAuthServer() *oauthServer {
	return &oauthServer{
		apps:   map[string]*serviceApp{},
		tokens: map[string]*accessToken{},
		nonce:  secretToken(24),
		seen:   map[string]time.Time{},
	}
}

// RegisterServiceApp registers an OAuth service app that authenticates with
// private_key_jwt signed by the private half of pub (*rsa.PublicKey or
// *ecdsa.PublicKey). The app is granted every Okta scope the fake knows;
// the token request's scope parameter selects which the token carries.
// With requireDPoP the app must present DPoP proofs and gets DPoP-bound
// tokens. Registering a client ID again replaces it.
func (s *Server) RegisterServiceApp(clientID string, pub crypto.PublicKey, requireDPoP bool) {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	s.oauth.apps[clientID] = &serviceApp{clientID: clientID, key: pub, requireDPoP: requireDPoP}
}

// oauthError is the RFC 6749 error body the token endpoint answers with.
type oauthError struct {
	status      int
	code        string
	description string
	header      http.Header
}

func (e *oauthError) write(w http.ResponseWriter) {
	for k, v := range e.header {
		w.Header()[k] = v
	}
	writeJSON(w, e.status, map[string]string{"error": e.code, "error_description": e.description})
}

func invalidClient(format string, a ...any) *oauthError {
	return &oauthError{status: http.StatusUnauthorized, code: "invalid_client", description: fmt.Sprintf(format, a...)}
}

func invalidRequest(desc string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_request", description: desc}
}

type tokenResponse struct {
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	AccessToken string `json:"access_token"`
	Scope       string `json:"scope"`
}

// serveToken serves POST /oauth2/v1/token.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request, now time.Time) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	resp, oerr := s.issueToken(w, r, now)
	if oerr != nil {
		oerr.write(w)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) issueToken(w http.ResponseWriter, r *http.Request, now time.Time) (*tokenResponse, *oauthError) {
	if r.Method != http.MethodPost {
		return nil, &oauthError{status: http.StatusMethodNotAllowed, code: "invalid_request",
			description: "The token endpoint only supports POST.", header: http.Header{"Allow": {"POST"}}}
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return nil, invalidRequest("The request must be application/x-www-form-urlencoded.")
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return nil, invalidRequest("The request body could not be parsed.")
	}
	form := r.PostForm
	if gt := form.Get("grant_type"); gt != "client_credentials" {
		return nil, &oauthError{status: http.StatusBadRequest, code: "unsupported_grant_type",
			description: fmt.Sprintf("The authorization grant type %q is not supported by the authorization server. Configured grant types: [client_credentials].", gt)}
	}
	if form.Get("client_assertion_type") != jwtBearerAssertion || form.Get("client_assertion") == "" {
		return nil, invalidClient("Client authentication failed: private_key_jwt client_assertion is required.")
	}
	tokenURLs := s.requestURLs(r, tokenPath)
	app, assertionJTI, assertionExp, oerr := s.oauth.verifyAssertion(form.Get("client_assertion"), form.Get("client_id"), tokenURLs, now)
	if oerr != nil {
		return nil, oerr
	}

	scopes := strings.Fields(form.Get("scope"))
	if len(scopes) == 0 {
		return nil, &oauthError{status: http.StatusBadRequest, code: "invalid_scope",
			description: "The authorization server resource does not have any configured default scopes, 'scope' must be provided."}
	}
	for _, sc := range scopes {
		if !slices.Contains(grantableScopes, sc) {
			return nil, &oauthError{status: http.StatusBadRequest, code: "invalid_scope",
				description: "The following scopes are not allowed: [" + sc + "]"}
		}
	}

	tokenType, jkt := "Bearer", ""
	var proofJTI string
	var proofExp time.Time
	if raw := r.Header.Get("DPoP"); raw != "" {
		proof, err := verifyDPoPProof(raw, http.MethodPost, tokenURLs, now)
		if err != nil {
			return nil, &oauthError{status: http.StatusBadRequest, code: "invalid_dpop_proof", description: err.Error()}
		}
		if proof.nonce != s.oauth.currentNonce() {
			return nil, &oauthError{status: http.StatusBadRequest, code: "use_dpop_nonce",
				description: "Authorization server requires nonce in DPoP proof.",
				header:      http.Header{"Dpop-Nonce": {s.oauth.currentNonce()}}}
		}
		tokenType, jkt, proofJTI, proofExp = "DPoP", proof.jkt, "dpop:"+proof.jkt+":"+proof.jti, proof.iat.Add(dpopMaxAge+dpopMaxSkew)
	} else if app.requireDPoP {
		return nil, &oauthError{status: http.StatusBadRequest, code: "invalid_dpop_proof",
			description: "The DPoP proof JWT header is missing."}
	}

	// Only a successful request consumes its jti values, so a client may
	// repeat its assertion after a use_dpop_nonce answer.
	if !s.oauth.remember("assertion:"+app.clientID+":"+assertionJTI, assertionExp, now) {
		return nil, invalidClient("The client_assertion token has already been used.")
	}
	if proofJTI != "" && !s.oauth.remember(proofJTI, proofExp, now) {
		return nil, &oauthError{status: http.StatusBadRequest, code: "invalid_dpop_proof",
			description: "The DPoP proof JWT has already been used."}
	}
	token := secretToken(32)
	s.oauth.mu.Lock()
	s.oauth.sweepLocked(now)
	s.oauth.tokens[token] = &accessToken{clientID: app.clientID, scopes: scopes, expires: now.Add(accessTokenTTL), jkt: jkt}
	s.oauth.mu.Unlock()
	return &tokenResponse{
		TokenType:   tokenType,
		ExpiresIn:   int(accessTokenTTL / time.Second),
		AccessToken: token,
		Scope:       strings.Join(scopes, " "),
	}, nil
}

// verifyAssertion checks a private_key_jwt client assertion: signed with
// the registered app's key using an asymmetric alg, iss = sub = client_id,
// aud = the token endpoint URL, exp present and at most an hour ahead.
func (o *oauthServer) verifyAssertion(raw, formClientID string, audiences []string, now time.Time) (*serviceApp, string, time.Time, *oauthError) {
	var app *serviceApp
	claims := &jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		o.mu.Lock()
		app = o.apps[claims.Issuer]
		o.mu.Unlock()
		if app == nil {
			return nil, fmt.Errorf("no service app with client_id %q", claims.Issuer)
		}
		return app.key, nil
	},
		jwt.WithValidMethods(asymmetricAlgs),
		jwt.WithExpirationRequired(),
		jwt.WithAudience(audiences...),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	if err != nil {
		return nil, "", time.Time{}, invalidClient("The client_assertion token is invalid: %v", err)
	}
	if claims.Subject != claims.Issuer {
		return nil, "", time.Time{}, invalidClient("The client_assertion token is invalid: sub must equal iss (the client_id).")
	}
	if formClientID != "" && formClientID != claims.Issuer {
		return nil, "", time.Time{}, invalidClient("The client_id does not match the client_assertion issuer.")
	}
	exp := claims.ExpiresAt.Time
	if exp.After(now.Add(maxAssertionTTL + maxAssertionSkew)) {
		return nil, "", time.Time{}, invalidClient("The client_assertion token has an expiration too far in the future.")
	}
	jti := claims.ID
	if jti == "" {
		// Without a jti there is nothing to replay-protect; key on the
		// signature-bearing token itself.
		jti = raw
	}
	return app, jti, exp, nil
}

func (o *oauthServer) currentNonce() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.nonce
}

// remember records key until exp and reports false if it was already
// recorded (a replay).
func (o *oauthServer) remember(key string, exp, now time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if until, ok := o.seen[key]; ok && now.Before(until) {
		return false
	}
	o.seen[key] = exp
	return true
}

// sweepLocked drops expired tokens and replay records once they pile up.
func (o *oauthServer) sweepLocked(now time.Time) {
	if len(o.tokens)+len(o.seen) < 4096 {
		return
	}
	for k, t := range o.tokens {
		if !now.Before(t.expires) {
			delete(o.tokens, k)
		}
	}
	for k, until := range o.seen {
		if !now.Before(until) {
			delete(o.seen, k)
		}
	}
}

// lookup returns the live token, or nil if it is unknown or expired.
func (o *oauthServer) lookup(token string, now time.Time) *accessToken {
	o.mu.Lock()
	defer o.mu.Unlock()
	t := o.tokens[token]
	if t == nil {
		return nil
	}
	if !now.Before(t.expires) {
		delete(o.tokens, token)
		return nil
	}
	return t
}
