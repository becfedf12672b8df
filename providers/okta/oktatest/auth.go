package oktatest

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"
	"time"
)

// principal is the authenticated API caller.
type principal struct {
	// scopes are the OAuth scopes granted; nil for the SSWS token, which
	// carries its admin's full permissions.
	scopes []string
	// actor names the caller in System Log events.
	actor LogActor
	// tokenID is the SSWS token's ID, recorded as requestApiTokenId.
	tokenID string
}

// allows reports whether the caller holds scope. A manage scope implies the
// matching read scope, as in Okta.
func (p *principal) allows(scope string) bool {
	if p.scopes == nil || scope == "" {
		return true
	}
	if slices.Contains(p.scopes, scope) {
		return true
	}
	if base, ok := strings.CutSuffix(scope, ".read"); ok {
		return slices.Contains(p.scopes, base+".manage")
	}
	return false
}

// authenticate resolves the Authorization header (SSWS, Bearer or DPoP with
// a DPoP proof header) to a principal. Every failure is the same 401
// E0000011, as Okta gives nothing away about why a token was refused.
func (s *Server) authenticate(r *http.Request, now time.Time) (*principal, *apiError) {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	cred = strings.TrimSpace(cred)
	if cred == "" {
		return nil, errInvalidToken()
	}
	switch strings.ToUpper(scheme) {
	case "SSWS":
		if subtle.ConstantTimeCompare([]byte(cred), []byte(s.Token)) != 1 {
			return nil, errInvalidToken()
		}
		return s.sswsPrincipal, nil
	case "BEARER":
		t := s.oauth.lookup(cred, now)
		if t == nil || t.jkt != "" { // a DPoP-bound token is useless as a bearer token
			return nil, errInvalidToken()
		}
		return oauthPrincipal(t), nil
	case "DPOP":
		t := s.oauth.lookup(cred, now)
		if t == nil || t.jkt == "" {
			return nil, dpopError()
		}
		raw := r.Header.Get("DPoP")
		if raw == "" {
			return nil, dpopError()
		}
		proof, err := verifyDPoPProof(raw, r.Method, s.requestURLs(r, r.URL.Path), now)
		if err != nil || proof.jkt != t.jkt || proof.ath != accessTokenHash(cred) {
			return nil, dpopError()
		}
		if !s.oauth.remember("dpop:"+proof.jkt+":"+proof.jti, proof.iat.Add(dpopMaxAge+dpopMaxSkew), now) {
			return nil, dpopError()
		}
		return oauthPrincipal(t), nil
	}
	return nil, errInvalidToken()
}

func dpopError() *apiError {
	e := errInvalidToken()
	e.header = http.Header{"Www-Authenticate": {`DPoP algs="` + strings.Join(asymmetricAlgs, " ") + `", error="invalid_dpop_proof"`}}
	return e
}

func oauthPrincipal(t *accessToken) *principal {
	return &principal{
		scopes: t.scopes,
		actor:  LogActor{ID: t.clientID, Type: "PublicClientApp", AlternateID: t.clientID, DisplayName: t.clientID},
	}
}

// insufficientScope is Okta's 403 for a token without the operation's
// scope.
func insufficientScope(scope string) *apiError {
	e := errAccessDenied()
	e.header = http.Header{"Www-Authenticate": {`Bearer error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", scope="` + scope + `"`}}
	return e
}
