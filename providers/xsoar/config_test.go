package xsoar_test

import (
	"strings"
	"testing"

	"github.com/idcmd/idcmd/providers/xsoar"
)

func TestNewValidatesConfig(t *testing.T) {
	empty, public, bad, relative := "", "/xsoar/public/v1/", "/xsoar/../x", "xsoar"
	tests := []struct {
		name    string
		cfg     xsoar.Config
		wantErr string // substring; "" means valid
	}{
		{"XSOAR 6", xsoar.Config{BaseURL: "https://xsoar.example.com", APIKey: testKey}, ""},
		{"trailing slash", xsoar.Config{BaseURL: "https://xsoar.example.com/", APIKey: testKey}, ""},
		{"XSOAR 8", xsoar.Config{BaseURL: "https://api-acme.xdr.us.paloaltonetworks.com", APIKey: testKey, APIKeyID: "3"}, ""},
		{"XSOAR 8 advanced", xsoar.Config{BaseURL: "https://api-acme.crtx.eu.paloaltonetworks.com", APIKey: testKey, APIKeyID: "3", Advanced: true}, ""},
		{"prefix public v1", xsoar.Config{BaseURL: "https://api-acme.xdr.us.paloaltonetworks.com", APIKey: testKey, APIKeyID: "3", PathPrefix: &public}, ""},
		{"prefix forced off", xsoar.Config{BaseURL: "https://api-acme.xdr.us.paloaltonetworks.com", APIKey: testKey, APIKeyID: "3", PathPrefix: &empty}, ""},
		{"http loopback", xsoar.Config{BaseURL: "http://127.0.0.1:8443", APIKey: testKey}, ""},
		{"http localhost", xsoar.Config{BaseURL: "http://localhost:8443", APIKey: testKey}, ""},
		{"http loopback v6", xsoar.Config{BaseURL: "http://[::1]:8443", APIKey: testKey}, ""},
		{"http remote", xsoar.Config{BaseURL: "http://xsoar.example.com", APIKey: testKey}, "http:// is allowed only for loopback"},
		{"http lookalike", xsoar.Config{BaseURL: "http://127.0.0.1.evil.com", APIKey: testKey}, "http:// is allowed only for loopback"},
		{"other scheme", xsoar.Config{BaseURL: "ftp://xsoar.example.com", APIKey: testKey}, "scheme must be https"},
		{"no base", xsoar.Config{APIKey: testKey}, "BaseURL is required"},
		{"no host", xsoar.Config{BaseURL: "xsoar.example.com", APIKey: testKey}, "BaseURL"},
		{"path in base", xsoar.Config{BaseURL: "https://api-acme.xdr.us.paloaltonetworks.com/xsoar", APIKey: testKey, APIKeyID: "3"}, "PathPrefix"},
		{"query", xsoar.Config{BaseURL: "https://xsoar.example.com?x=1", APIKey: testKey}, "just scheme and host"},
		{"userinfo", xsoar.Config{BaseURL: "https://u:p@xsoar.example.com", APIKey: testKey}, "user info"},
		{"no key", xsoar.Config{BaseURL: "https://xsoar.example.com"}, "APIKey is required"},
		{"key with newline", xsoar.Config{BaseURL: "https://xsoar.example.com", APIKey: testKey + "\n"}, "APIKey contains whitespace"},
		{"key id with space", xsoar.Config{BaseURL: "https://xsoar.example.com", APIKey: testKey, APIKeyID: "3 "}, "APIKeyID contains whitespace"},
		{"advanced without id", xsoar.Config{BaseURL: "https://xsoar.example.com", APIKey: testKey, Advanced: true}, "Advanced needs APIKeyID"},
		{"console host", xsoar.Config{BaseURL: "https://acme.xdr.us.paloaltonetworks.com", APIKey: testKey, APIKeyID: "3"}, "https://api-acme.xdr.us.paloaltonetworks.com"},
		{"dot-dot prefix", xsoar.Config{BaseURL: "https://xsoar.example.com", APIKey: testKey, PathPrefix: &bad}, "PathPrefix"},
		{"relative prefix", xsoar.Config{BaseURL: "https://xsoar.example.com", APIKey: testKey, PathPrefix: &relative}, "must start with /"},
		{"negative timeout", xsoar.Config{BaseURL: "https://xsoar.example.com", APIKey: testKey, Timeout: -1}, "Timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := xsoar.New(tt.cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("New error = %v, want one containing %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), strings.TrimSpace(testKey)) {
				t.Errorf("config error shows the key: %v", err)
			}
		})
	}
}
