package oktatest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// asymmetricAlgs are the JWS algorithms Okta accepts for client assertions
// and DPoP proofs.
var asymmetricAlgs = []string{"RS256", "RS384", "RS512", "ES256", "ES384", "ES512"}

// DPoP proof freshness: how far iat may lie behind or ahead of the clock.
const (
	dpopMaxAge  = 5 * time.Minute
	dpopMaxSkew = time.Minute
)

// dpopProof is a verified DPoP proof (RFC 9449).
type dpopProof struct {
	jkt   string // RFC 7638 thumbprint of the proof's key
	jti   string
	nonce string
	ath   string
	iat   time.Time
}

// verifyDPoPProof checks a DPoP proof JWT: typ dpop+jwt, an asymmetric alg,
// a public jwk header that verifies the signature, htm equal to method, htu
// equal to one of urls (query and fragment ignored), a fresh iat and a jti.
// Nonce and ath are returned for the caller to check, since their rules
// differ between the token endpoint and resource requests.
func verifyDPoPProof(raw, method string, urls []string, now time.Time) (*dpopProof, error) {
	var jkt string
	tok, err := jwt.Parse(raw, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); typ != "dpop+jwt" {
			return nil, errors.New(`DPoP proof typ must be "dpop+jwt"`)
		}
		jwk, ok := t.Header["jwk"].(map[string]any)
		if !ok {
			return nil, errors.New("DPoP proof has no jwk header")
		}
		key, thumb, err := parseJWK(jwk)
		if err != nil {
			return nil, err
		}
		jkt = thumb
		return key, nil
	}, jwt.WithValidMethods(asymmetricAlgs), jwt.WithoutClaimsValidation())
	if err != nil {
		return nil, fmt.Errorf("invalid DPoP proof: %w", err)
	}
	claims, _ := tok.Claims.(jwt.MapClaims)
	str := func(k string) string { s, _ := claims[k].(string); return s }
	if htm := str("htm"); htm != method {
		return nil, fmt.Errorf("DPoP proof htm %q does not match %s", htm, method)
	}
	if htu := str("htu"); !matchesAnyURL(htu, urls) {
		return nil, fmt.Errorf("DPoP proof htu %q does not match the request URL", htu)
	}
	iatNum, ok := claims["iat"].(float64)
	if !ok {
		return nil, errors.New("DPoP proof has no iat")
	}
	iat := time.Unix(int64(iatNum), 0)
	if iat.Before(now.Add(-dpopMaxAge)) || iat.After(now.Add(dpopMaxSkew)) {
		return nil, errors.New("DPoP proof iat is not fresh")
	}
	p := &dpopProof{jkt: jkt, jti: str("jti"), nonce: str("nonce"), ath: str("ath"), iat: iat}
	if p.jti == "" {
		return nil, errors.New("DPoP proof has no jti")
	}
	return p, nil
}

// accessTokenHash is the ath claim for token: base64url(SHA-256(token)).
func accessTokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// parseJWK turns a public JWK (RSA or EC) into a key and its RFC 7638
// thumbprint. A JWK carrying private material is refused.
func parseJWK(jwk map[string]any) (any, string, error) {
	str := func(k string) string { s, _ := jwk[k].(string); return s }
	if str("d") != "" {
		return nil, "", errors.New("DPoP jwk must not contain a private key")
	}
	b64 := func(k string) ([]byte, error) {
		b, err := base64.RawURLEncoding.DecodeString(str(k))
		if err != nil || len(b) == 0 {
			return nil, fmt.Errorf("DPoP jwk member %q is not base64url", k)
		}
		return b, nil
	}
	switch str("kty") {
	case "RSA":
		n, err := b64("n")
		if err != nil {
			return nil, "", err
		}
		e, err := b64("e")
		if err != nil {
			return nil, "", err
		}
		if len(e) > 4 {
			return nil, "", errors.New("DPoP jwk exponent too large")
		}
		key := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if key.N.BitLen() < 2048 {
			return nil, "", errors.New("DPoP jwk RSA key must be at least 2048 bits")
		}
		return key, thumbprint(map[string]string{"e": str("e"), "kty": "RSA", "n": str("n")}), nil
	case "EC":
		var curve elliptic.Curve
		switch str("crv") {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return nil, "", fmt.Errorf("DPoP jwk curve %q is not supported", str("crv"))
		}
		x, err := b64("x")
		if err != nil {
			return nil, "", err
		}
		y, err := b64("y")
		if err != nil {
			return nil, "", err
		}
		size := (curve.Params().BitSize + 7) / 8
		if len(x) != size || len(y) != size {
			return nil, "", errors.New("DPoP jwk coordinates have the wrong length")
		}
		key, err := ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, "", fmt.Errorf("DPoP jwk: %w", err)
		}
		return key, thumbprint(map[string]string{"crv": str("crv"), "kty": "EC", "x": str("x"), "y": str("y")}), nil
	}
	return nil, "", fmt.Errorf("DPoP jwk kty %q is not supported", str("kty"))
}

// thumbprint is the RFC 7638 JWK thumbprint of the required members;
// encoding/json sorts map keys, which gives the canonical member order.
func thumbprint(members map[string]string) string {
	b, _ := json.Marshal(members)
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// matchesAnyURL compares an htu claim with the URLs the request may have
// been addressed to, ignoring query, fragment and the case of scheme and
// host.
func matchesAnyURL(htu string, urls []string) bool {
	n := normalizeURL(htu)
	if n == "" {
		return false
	}
	for _, u := range urls {
		if normalizeURL(u) == n {
			return true
		}
	}
	return false
}

func normalizeURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + u.EscapedPath()
}
