package okta

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

func TestNewValidatesConfig(t *testing.T) {
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalECPrivateKey(ecKey)
	ecPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER})

	tests := []struct {
		name    string
		cfg     Config
		wantErr string // substring; "" means valid
	}{
		{"ssws https", Config{BaseURL: "https://acme.okta.com", APIToken: "t"}, ""},
		{"trailing slash", Config{BaseURL: "https://acme.okta.com/", APIToken: "t"}, ""},
		{"http loopback v4", Config{BaseURL: "http://127.0.0.1:8080", APIToken: "t"}, ""},
		{"http loopback v6", Config{BaseURL: "http://[::1]:8080", APIToken: "t"}, ""},
		{"http localhost", Config{BaseURL: "http://localhost:8080", APIToken: "t"}, ""},
		{"http remote", Config{BaseURL: "http://acme.okta.com", APIToken: "t"}, "http:// is allowed only for loopback"},
		{"http lookalike", Config{BaseURL: "http://127.0.0.1.evil.com", APIToken: "t"}, "http:// is allowed only for loopback"},
		{"other scheme", Config{BaseURL: "ftp://acme.okta.com", APIToken: "t"}, "scheme must be https"},
		{"no base", Config{APIToken: "t"}, "BaseURL is required"},
		{"no host", Config{BaseURL: "acme.okta.com", APIToken: "t"}, "BaseURL"},
		{"path", Config{BaseURL: "https://acme.okta.com/api/v1", APIToken: "t"}, "just scheme and host"},
		{"userinfo", Config{BaseURL: "https://u:p@acme.okta.com", APIToken: "t"}, "user info"},
		{"no auth", Config{BaseURL: "https://acme.okta.com"}, "no credentials"},
		{"both auth", Config{BaseURL: "https://acme.okta.com", APIToken: "t", ClientID: "c", PrivateKey: ecKey}, "not both"},
		{"client without key", Config{BaseURL: "https://acme.okta.com", ClientID: "c"}, "ClientID needs PrivateKey"},
		{"key without client", Config{BaseURL: "https://acme.okta.com", PrivateKey: ecKey}, "needs ClientID"},
		{"two keys", Config{BaseURL: "https://acme.okta.com", ClientID: "c", PrivateKey: ecKey, PrivateKeyPEM: ecPEM}, "not both"},
		{"oauth key", Config{BaseURL: "https://acme.okta.com", ClientID: "c", PrivateKey: ecKey}, ""},
		{"oauth pem", Config{BaseURL: "https://acme.okta.com", ClientID: "c", PrivateKeyPEM: ecPEM, DPoP: true}, ""},
		{"bad pem", Config{BaseURL: "https://acme.okta.com", ClientID: "c", PrivateKeyPEM: []byte("nope")}, "PrivateKeyPEM"},
		{"dpop with token", Config{BaseURL: "https://acme.okta.com", APIToken: "t", DPoP: true}, "DPoP"},
		{"token with newline", Config{BaseURL: "https://acme.okta.com", APIToken: "t\n"}, "APIToken"},
		{"negative timeout", Config{BaseURL: "https://acme.okta.com", APIToken: "t", Timeout: -1}, "Timeout"},
		{"negative rate", Config{BaseURL: "https://acme.okta.com", APIToken: "t", RequestsPerSecond: -1}, "RequestsPerSecond"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("New error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestParsePrivateKeyFormats(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	pkcs8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	ecDER, _ := x509.MarshalECPrivateKey(ecKey)
	// openssl ecparam -genkey writes an EC PARAMETERS block first.
	ecWithParams := append(pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7}}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER})...)

	tests := []struct {
		name    string
		pem     []byte
		wantAlg string
		wantErr string
	}{
		{"pkcs1", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}), "RS256", ""},
		{"pkcs8 rsa", pkcs8(rsaKey), "RS256", ""},
		{"pkcs8 ec", pkcs8(ecKey), "ES256", ""},
		{"sec1 ec with params", ecWithParams, "ES256", ""},
		{"p384", pkcs8(ec384), "ES384", ""},
		{"ed25519", pkcs8(edKey), "", "unsupported"},
		{"encrypted", pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}}), "", "encrypted"},
		{"public key only", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}}), "", "no PEM private key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := parsePrivateKey(tt.pem)
			if err == nil {
				var m interface{ Alg() string }
				m, err = signingMethodFor(key)
				if err == nil && m.Alg() != tt.wantAlg {
					t.Errorf("alg = %s, want %s", m.Alg(), tt.wantAlg)
				}
			}
			if tt.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
