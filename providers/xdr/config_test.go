package xdr

import (
	"fmt"
	"strings"
	"testing"
)

func TestNewValidatesConfig(t *testing.T) {
	ok := func(mod func(*Config)) Config {
		c := Config{BaseURL: "https://api-acme.xdr.us.paloaltonetworks.com", APIKey: "k", APIKeyID: "7"}
		if mod != nil {
			mod(&c)
		}
		return c
	}
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // substring; "" means valid
	}{
		{"standard", ok(nil), ""},
		{"advanced", ok(func(c *Config) { c.Advanced = true }), ""},
		{"trailing slash", ok(func(c *Config) { c.BaseURL += "/" }), ""},
		{"http loopback", ok(func(c *Config) { c.BaseURL = "http://127.0.0.1:8080" }), ""},
		{"http localhost", ok(func(c *Config) { c.BaseURL = "http://localhost:8080" }), ""},
		{"http loopback v6", ok(func(c *Config) { c.BaseURL = "http://[::1]:8080" }), ""},
		{"http remote", ok(func(c *Config) { c.BaseURL = "http://api-acme.xdr.us.paloaltonetworks.com" }), "only for loopback"},
		{"http lookalike", ok(func(c *Config) { c.BaseURL = "http://127.0.0.1.evil.example" }), "only for loopback"},
		{"other scheme", ok(func(c *Config) { c.BaseURL = "ftp://api-acme.example" }), "scheme must be https"},
		{"console host", ok(func(c *Config) { c.BaseURL = "https://acme.xdr.us.paloaltonetworks.com" }), "https://api-acme.xdr.us.paloaltonetworks.com"},
		{"path", ok(func(c *Config) { c.BaseURL += "/public_api/v1" }), "just scheme and host"},
		{"userinfo", ok(func(c *Config) { c.BaseURL = "https://u:p@api-acme.example" }), "user info"},
		{"no base", ok(func(c *Config) { c.BaseURL = "" }), "BaseURL is required"},
		{"no key", ok(func(c *Config) { c.APIKey = "" }), "APIKey is required"},
		{"key with newline", ok(func(c *Config) { c.APIKey = "k\n" }), "APIKey contains whitespace"},
		{"no key id", ok(func(c *Config) { c.APIKeyID = "" }), "APIKeyID is required"},
		{"negative timeout", ok(func(c *Config) { c.Timeout = -1 }), "Timeout"},
		{"alerts per minute 1", ok(func(c *Config) { c.AlertsPerMinute = 1 }), "AlertsPerMinute"},
		{"alerts per minute negative", ok(func(c *Config) { c.AlertsPerMinute = -5 }), "AlertsPerMinute"},
		{"alerts per minute 2", ok(func(c *Config) { c.AlertsPerMinute = 2 }), ""},
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

func TestClientNeverPrintsTheKey(t *testing.T) {
	c, err := New(Config{BaseURL: "https://api-acme.example", APIKey: testKey, APIKeyID: testKeyID, Advanced: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{BaseURL: "https://api-acme.example", APIKey: testKey, APIKeyID: testKeyID}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		for _, v := range []any{c, cfg, &cfg} {
			if out := fmt.Sprintf(format, v); strings.Contains(out, testKey) || strings.Contains(out, fmt.Sprintf("%x", testKey)) {
				t.Errorf("%s of a %T shows the key: %s", format, v, out)
			}
		}
	}
	if _, err := New(Config{BaseURL: "http://api-acme.example", APIKey: testKey, APIKeyID: testKeyID}); err == nil || strings.Contains(err.Error(), testKey) {
		t.Errorf("config error = %v; want an error without the key", err)
	}
}

func TestAlertPacerKeepsAnyMinuteUnderTheLimit(t *testing.T) {
	for _, tt := range []struct{ perMinute, batch int }{{600, 60}, {200, 60}, {100, 50}, {3, 1}, {2, 1}} {
		p := newAlertPacer(tt.perMinute)
		if p.batch != tt.batch || p.limiter.Burst() != tt.batch {
			t.Errorf("perMinute %d: batch %d, burst %d; want %d", tt.perMinute, p.batch, p.limiter.Burst(), tt.batch)
		}
		// A full bucket plus a minute of refill is exactly the limit.
		if got := float64(p.limiter.Burst()) + float64(p.limiter.Limit())*60; got > float64(tt.perMinute)+1e-9 {
			t.Errorf("perMinute %d: burst + a minute of refill = %v, over the limit", tt.perMinute, got)
		}
	}
}
