// Package auth checks and mints the bearer tokens idcmd's callers present.
// Every check that golang-jwt leaves optional is made mandatory here: the
// algorithm list, exp, iss and aud; and two it does not make at all: a
// token with critical header parameters (crit, RFC 7515 §4.1.11) is
// refused, and exp, nbf and iat must be JSON numbers (RFC 7519 §2
// NumericDate), not strings that golang-jwt would read as numbers.
package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"github.com/idcmd/idcmd/providers/httpx"
)

// Config says which tokens are accepted.
type Config struct {
	// Secret is the HS256 key; empty disables HS256.
	Secret []byte
	// JWKSURL is the key set for RS256/ES256 tokens; empty disables them.
	JWKSURL  string
	Issuer   string
	Audience string
	// Algorithms accepted; default HS256 with a secret plus RS256, ES256 with a JWKS.
	Algorithms []string
	// Leeway tolerates clock skew on exp, nbf and iat.
	Leeway time.Duration
}

// Claims are what idcmd reads from a valid token.
type Claims struct {
	Subject string
	Scopes  []string
	Expires time.Time
}

// tokenClaims is the JWT body: registered claims plus the scope claim, which
// is a space-separated string (RFC 8693) or, from some IdPs, an array.
type tokenClaims struct {
	jwt.RegisteredClaims
	Scope scopeClaim `json:"scope,omitempty"`
}

// errDateNotNumber refuses exp, nbf or iat sent as a string or another
// non-number: golang-jwt decodes "exp":"9999999999" as if it were a number.
var errDateNotNumber = errors.New("exp, nbf and iat must be JSON numbers")

// UnmarshalJSON checks the JSON type of the date claims, then decodes.
func (t *tokenClaims) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	for _, name := range []string{"exp", "nbf", "iat"} {
		v, ok := raw[name]
		if !ok || string(v) == "null" {
			continue
		}
		var n json.Number
		if len(v) == 0 || v[0] == '"' || json.Unmarshal(v, &n) != nil {
			return fmt.Errorf("%w: %s is %s", errDateNotNumber, name, jsonType(v))
		}
	}
	type plain tokenClaims // without this method, so no recursion
	return json.Unmarshal(b, (*plain)(t))
}

// jsonType names the JSON type of a raw value, for the refusal.
func jsonType(v json.RawMessage) string {
	if len(v) == 0 {
		return "empty"
	}
	switch v[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	}
	return "not a number"
}

type scopeClaim []string

func (s *scopeClaim) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		*s = strings.Fields(str)
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return errors.New("scope claim must be a string or a list of strings")
	}
	*s = list
	return nil
}

func (s scopeClaim) MarshalJSON() ([]byte, error) {
	return json.Marshal(strings.Join(s, " "))
}

// Verifier checks bearer tokens, and remembers those that verified until
// they expire (see tokenCache).
type Verifier struct {
	parser *jwt.Parser
	secret []byte
	jwks   keyfunc.Keyfunc
	leeway time.Duration
	cache  *tokenCache
	// now is the clock of every time check, the cache's and the parser's;
	// tests set it.
	now func() time.Time
}

// ErrInvalid is wrapped by every verification failure.
var ErrInvalid = errors.New("invalid token")

// NewVerifier builds a verifier; with a JWKS URL it starts fetching keys and
// keeps them fresh until ctx ends.
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	if len(cfg.Secret) == 0 && cfg.JWKSURL == "" {
		return nil, errors.New("auth: neither a secret nor a JWKS URL is configured")
	}
	if cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("auth: issuer and audience are required")
	}
	algs := cfg.Algorithms
	if len(algs) == 0 {
		if len(cfg.Secret) > 0 {
			algs = append(algs, "HS256")
		}
		if cfg.JWKSURL != "" {
			algs = append(algs, "RS256", "ES256")
		}
	}
	for _, a := range algs {
		switch a {
		case "HS256", "HS384", "HS512":
			if len(cfg.Secret) == 0 {
				return nil, fmt.Errorf("auth: algorithm %s needs a secret", a)
			}
		case "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "EdDSA":
			if cfg.JWKSURL == "" {
				return nil, fmt.Errorf("auth: algorithm %s needs a JWKS URL", a)
			}
		default:
			return nil, fmt.Errorf("auth: algorithm %q is not supported", a)
		}
	}
	v := &Verifier{
		secret: cfg.Secret,
		leeway: cfg.Leeway,
		cache:  newTokenCache(maxCachedTokens),
		now:    time.Now,
	}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods(algs),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(func() time.Time { return v.now() }),
	)
	if cfg.JWKSURL != "" {
		if err := CheckJWKSURL(cfg.JWKSURL); err != nil {
			return nil, fmt.Errorf("auth: JWKS URL: %w", err)
		}
		k, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{cfg.JWKSURL}, keyfunc.Override{
			Client: &http.Client{Timeout: time.Minute, CheckRedirect: jwksRedirect},
		})
		if err != nil {
			return nil, fmt.Errorf("auth: JWKS %s: %w", cfg.JWKSURL, err)
		}
		v.jwks = k
	}
	return v, nil
}

// CheckJWKSURL is the rule for the key set's address: https://, or http://
// only to a loopback host (tests, a local IdP) — the same loopback rule as
// the providers' base URLs (httpx.IsLoopback). Keys fetched over plain HTTP
// from elsewhere could be swapped on the way, and then anyone could mint
// tokens idcmd accepts.
func CheckJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	switch {
	case u.Host == "":
		return fmt.Errorf("%q has no host", raw)
	case u.User != nil:
		return errors.New("must not contain user info")
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && httpx.IsLoopback(u.Hostname()):
		return nil
	case u.Scheme == "http":
		return fmt.Errorf("%q: http:// is allowed only for loopback hosts; use https://", raw)
	default:
		return fmt.Errorf("%q: scheme must be https", raw)
	}
}

// jwksRedirect holds a redirect of the key set fetch to the same rule, so
// an https:// key set cannot be sent on to http://.
func jwksRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("auth: JWKS: too many redirects")
	}
	if err := CheckJWKSURL(req.URL.String()); err != nil {
		return fmt.Errorf("auth: JWKS redirect: %w", err)
	}
	return nil
}

// errCritical refuses a token that names critical header parameters: idcmd
// understands none, and RFC 7515 §4.1.11 says such a token must be refused.
// golang-jwt ignores crit.
var errCritical = errors.New("the token has critical header parameters (crit) idcmd does not understand")

// keyFor picks the key by the token's algorithm family. The parser has
// already refused algorithms outside the list, so an RS256 token can never
// be checked against the HS256 secret (the classic confusion attack).
func (v *Verifier) keyFor(t *jwt.Token) (any, error) {
	if _, ok := t.Header["crit"]; ok {
		return nil, errCritical
	}
	switch t.Method.(type) {
	case *jwt.SigningMethodHMAC:
		if len(v.secret) == 0 {
			return nil, errors.New("HMAC tokens are not accepted")
		}
		return v.secret, nil
	default:
		if v.jwks == nil {
			return nil, errors.New("public-key tokens are not accepted")
		}
		return v.jwks.Keyfunc(t)
	}
}

// Verify checks a token and returns its claims. A token that verified
// before is answered from the cache while the uncached check would still
// accept it (see tokenCache); the Claims returned then share their Scopes
// with the cache, so callers read them and never modify them.
func (v *Verifier) Verify(token string) (Claims, error) {
	sum, now := digest(token), v.now()
	if e, ok := v.cache.get(sum, now); ok && v.stillKeyed(e) {
		return e.claims, nil
	}
	var tc tokenClaims
	var key any
	t, err := v.parser.ParseWithClaims(token, &tc, func(t *jwt.Token) (any, error) {
		k, err := v.keyFor(t)
		key = k
		return k, err
	})
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %s", ErrInvalid, reason(err))
	}
	if tc.Subject == "" {
		return Claims{}, fmt.Errorf("%w: the token has no subject", ErrInvalid)
	}
	c := Claims{Subject: tc.Subject, Scopes: slices.Clip([]string(tc.Scope))}
	if tc.ExpiresAt != nil {
		c.Expires = tc.ExpiresAt.Time
	}
	if e, ok := v.entryFor(t, &tc, c, key); ok && now.Before(e.expires) {
		v.cache.add(sum, e)
	}
	return c, nil
}

// reason words a parse failure for the 401 body without echoing the token.
func reason(err error) string {
	msg := err.Error()
	switch {
	case errors.Is(err, errCritical):
		return errCritical.Error()
	case errors.Is(err, errDateNotNumber):
		return "the token's " + errDateNotNumber.Error()
	case strings.Contains(msg, "signing method"):
		return "the token's algorithm is not accepted"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "the token is malformed"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "the token has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "the token is not valid yet"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "the token is for another audience"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "the token is from another issuer"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		for _, claim := range []string{"aud", "iss", "exp"} {
			if strings.Contains(msg, claim+" claim") {
				return "the token lacks the required " + claim + " claim (" + map[string]string{"aud": "audience", "iss": "issuer", "exp": "expiry"}[claim] + ")"
			}
		}
		return "the token lacks a required claim"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "the token's signature does not verify"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "the token's algorithm or key is not accepted"
	default:
		return "the token is not valid"
	}
}

// Mint signs an HS256 token for idcmd token.
func Mint(secret []byte, issuer, audience, subject string, scopes []string, ttl time.Duration, now time.Time) (string, error) {
	if len(secret) == 0 {
		return "", errors.New("no secret: set IDCMD_JWT_SECRET")
	}
	if subject == "" {
		return "", errors.New("a subject is required")
	}
	if ttl <= 0 {
		return "", errors.New("the ttl must be positive")
	}
	claims := tokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   subject,
			Audience:  jwt.ClaimStrings{audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
		Scope: scopes,
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
}
