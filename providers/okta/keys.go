package okta

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// parsePrivateKey reads the first private key in a PEM bundle: PKCS#1
// ("RSA PRIVATE KEY"), SEC 1 ("EC PRIVATE KEY", possibly after an
// "EC PARAMETERS" block as openssl writes it) or PKCS#8 ("PRIVATE KEY").
// Errors never quote the key.
func parsePrivateKey(data []byte) (crypto.Signer, error) {
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("okta: PrivateKeyPEM: no PEM private key found")
		}
		if strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") || block.Type == "ENCRYPTED PRIVATE KEY" {
			return nil, errors.New("okta: PrivateKeyPEM: encrypted keys are not supported; decrypt it first")
		}
		switch block.Type {
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("okta: PrivateKeyPEM: %w", err)
			}
			return k, nil
		case "EC PRIVATE KEY":
			k, err := x509.ParseECPrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("okta: PrivateKeyPEM: %w", err)
			}
			return k, nil
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("okta: PrivateKeyPEM: %w", err)
			}
			s, ok := k.(crypto.Signer)
			if !ok {
				return nil, fmt.Errorf("okta: PrivateKeyPEM: unsupported key type %T", k)
			}
			return s, nil
		}
	}
}

// signingMethodFor picks the JWS algorithm for a key: RS256 for RSA, and
// the ES variant matching the curve for ECDSA.
func signingMethodFor(key crypto.Signer) (jwt.SigningMethod, error) {
	switch pub := key.Public().(type) {
	case *rsa.PublicKey:
		return &signerMethod{alg: "RS256", hash: crypto.SHA256}, nil
	case *ecdsa.PublicKey:
		switch pub.Curve {
		case elliptic.P256():
			return &signerMethod{alg: "ES256", hash: crypto.SHA256, ecSize: 32}, nil
		case elliptic.P384():
			return &signerMethod{alg: "ES384", hash: crypto.SHA384, ecSize: 48}, nil
		case elliptic.P521():
			return &signerMethod{alg: "ES512", hash: crypto.SHA512, ecSize: 66}, nil
		}
		return nil, fmt.Errorf("okta: private key: unsupported ECDSA curve %s", pub.Curve.Params().Name)
	default:
		return nil, fmt.Errorf("okta: private key: unsupported type %T; use RSA or ECDSA", pub)
	}
}

// signerMethod is a jwt.SigningMethod that signs through crypto.Signer
// rather than requiring *rsa.PrivateKey or *ecdsa.PrivateKey, so a key
// held by an HSM or KMS works too. It is passed to jwt.NewWithClaims
// directly and never registered: golang-jwt's registry is global state.
type signerMethod struct {
	alg    string
	hash   crypto.Hash
	ecSize int // bytes per ECDSA coordinate; 0 for RSA
}

func (m *signerMethod) Alg() string { return m.alg }

func (m *signerMethod) Verify(string, []byte, any) error {
	return errors.New("okta: signerMethod only signs")
}

func (m *signerMethod) Sign(signingString string, key any) ([]byte, error) {
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("okta: %s needs a crypto.Signer, got %T", m.alg, key)
	}
	h := m.hash.New()
	h.Write([]byte(signingString))
	sig, err := signer.Sign(rand.Reader, h.Sum(nil), m.hash)
	if err != nil || m.ecSize == 0 {
		return sig, err
	}
	// crypto.Signer returns ECDSA signatures in ASN.1; JWS wants r||s.
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(sig, &rs); err != nil {
		return nil, fmt.Errorf("okta: decoding ECDSA signature: %w", err)
	}
	out := make([]byte, 2*m.ecSize)
	rs.R.FillBytes(out[:m.ecSize])
	rs.S.FillBytes(out[m.ecSize:])
	return out, nil
}
