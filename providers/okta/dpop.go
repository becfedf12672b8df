package okta

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// dpopKey is the ephemeral key a DPoP-bound token is tied to (RFC 9449).
// It lives as long as the Client: a token issued for its thumbprint is only
// usable with proofs it signs.
type dpopKey struct {
	priv   *ecdsa.PrivateKey
	jwk    map[string]string
	method *signerMethod
}

// newDPoPKey makes a P-256 key. Okta's SDK uses RSA; any key works, and
// ECDSA is cheaper to generate.
func newDPoPKey() (*dpopKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("okta: generating DPoP key: %w", err)
	}
	pub, err := priv.PublicKey.ECDH()
	if err != nil {
		return nil, fmt.Errorf("okta: DPoP key: %w", err)
	}
	point := pub.Bytes() // 0x04 || X || Y, 32 bytes each
	return &dpopKey{
		priv: priv,
		jwk: map[string]string{
			"kty": "EC",
			"crv": "P-256",
			"x":   base64.RawURLEncoding.EncodeToString(point[1:33]),
			"y":   base64.RawURLEncoding.EncodeToString(point[33:65]),
		},
		method: &signerMethod{alg: "ES256", hash: crypto.SHA256, ecSize: 32},
	}, nil
}

// proof signs a DPoP proof for one request. htu is the target URL without
// query or fragment; accessToken, when set, is bound through ath; nonce is
// the server-provided DPoP-Nonce, if any.
func (k *dpopKey) proof(method string, target *url.URL, now time.Time, nonce, accessToken string) (string, error) {
	htu := url.URL{Scheme: target.Scheme, Host: target.Host, Path: target.Path, RawPath: target.RawPath}
	claims := jwt.MapClaims{
		"htm": method,
		"htu": htu.String(),
		"iat": now.Unix(),
		"jti": uuid.NewString(),
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	t := jwt.NewWithClaims(k.method, claims)
	t.Header["typ"] = "dpop+jwt"
	t.Header["jwk"] = k.jwk
	s, err := t.SignedString(k.priv)
	if err != nil {
		return "", fmt.Errorf("okta: signing DPoP proof: %w", err)
	}
	return s, nil
}
