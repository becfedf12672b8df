package pingone

import (
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

func TestNewValidatesConfig(t *testing.T) {
	ok := Config{EnvironmentID: testEnvID, ClientID: "c", ClientSecret: testSecret}
	with := func(mod func(*Config)) Config {
		c := ok
		mod(&c)
		return c
	}
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // substring; "" means valid
	}{
		{"minimal", ok, ""},
		{"no environment", with(func(c *Config) { c.EnvironmentID = "" }), "EnvironmentID is required"},
		{"environment not a uuid", with(func(c *Config) { c.EnvironmentID = "prod" }), "EnvironmentID"},
		{"environment urn form", with(func(c *Config) { c.EnvironmentID = "urn:uuid:" + testEnvID }), "EnvironmentID"},
		{"no client id", with(func(c *Config) { c.ClientID = "" }), "ClientID is required"},
		{"client id with space", with(func(c *Config) { c.ClientID = "a b" }), "ClientID"},
		{"no secret", with(func(c *Config) { c.ClientSecret = "" }), "ClientSecret is required"},
		{"secret with newline", with(func(c *Config) { c.ClientSecret = testSecret + "\n" }), "ClientSecret"},
		{"unknown region", with(func(c *Config) { c.Region = "mars" }), `Region "mars"`},
		{"region case", with(func(c *Config) { c.Region = "EU" }), ""},
		{"api http loopback", with(func(c *Config) { c.APIURL = "http://127.0.0.1:9/v1" }), ""},
		{"api http localhost", with(func(c *Config) { c.APIURL = "http://localhost:9/v1" }), ""},
		{"api http v6 loopback", with(func(c *Config) { c.APIURL = "http://[::1]:9/v1" }), ""},
		{"api http remote", with(func(c *Config) { c.APIURL = "http://api.pingone.com/v1" }), "APIURL"},
		{"api http lookalike", with(func(c *Config) { c.APIURL = "http://127.0.0.1.evil.example/v1" }), "loopback"},
		{"api other scheme", with(func(c *Config) { c.APIURL = "ftp://api.pingone.com/v1" }), "scheme must be https"},
		{"api no host", with(func(c *Config) { c.APIURL = "api.pingone.com/v1" }), "APIURL"},
		{"api query", with(func(c *Config) { c.APIURL = "https://api.pingone.com/v1?x=1" }), "query"},
		{"api user info", with(func(c *Config) { c.APIURL = "https://u:p@api.pingone.com/v1" }), "user info"},
		{"auth http remote", with(func(c *Config) { c.AuthURL = "http://auth.example.com" }), "AuthURL"},
		{"auth custom domain", with(func(c *Config) { c.AuthURL = "https://login.example.com" }), ""},
		{"auth style post", with(func(c *Config) { c.AuthStyle = "POST" }), ""},
		{"auth style pingone name", with(func(c *Config) { c.AuthStyle = "CLIENT_SECRET_BASIC" }), ""},
		{"auth style jwt", with(func(c *Config) { c.AuthStyle = "private_key_jwt" }), "AuthStyle"},
		{"negative timeout", with(func(c *Config) { c.Timeout = -1 }), "Timeout"},
		{"negative rate", with(func(c *Config) { c.RequestsPerSecond = -1 }), "RequestsPerSecond"},
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
			if err != nil && tt.cfg.ClientSecret != "" && strings.Contains(err.Error(), strings.TrimSpace(tt.cfg.ClientSecret)) {
				t.Errorf("error %q repeats the secret", err)
			}
		})
	}
}

func TestRegionURLs(t *testing.T) {
	tests := []struct {
		region, api, auth string
	}{
		{"", "https://api.pingone.com/v1", "https://auth.pingone.com"},
		{"com", "https://api.pingone.com/v1", "https://auth.pingone.com"},
		{"us", "https://api.pingone.com/v1", "https://auth.pingone.com"},
		{"NA", "https://api.pingone.com/v1", "https://auth.pingone.com"},
		{"na", "https://api.pingone.com/v1", "https://auth.pingone.com"},
		{"ca", "https://api.pingone.ca/v1", "https://auth.pingone.ca"},
		{"EU", "https://api.pingone.eu/v1", "https://auth.pingone.eu"},
		{"com.au", "https://api.pingone.com.au/v1", "https://auth.pingone.com.au"},
		{"au", "https://api.pingone.com.au/v1", "https://auth.pingone.com.au"},
		{"sg", "https://api.pingone.sg/v1", "https://auth.pingone.sg"},
		{"asia", "https://api.pingone.asia/v1", "https://auth.pingone.asia"},
		{"AP", "https://api.pingone.asia/v1", "https://auth.pingone.asia"},
		{" eu ", "https://api.pingone.eu/v1", "https://auth.pingone.eu"},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			c, err := New(Config{EnvironmentID: testEnvID, ClientID: "c", ClientSecret: "s", Region: tt.region})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := c.endpoint("/users", nil), tt.api+"/environments/"+testEnvID+"/users"; got != want {
				t.Errorf("users URL = %s, want %s", got, want)
			}
			if got, want := c.tokens.cc.TokenURL, tt.auth+"/"+testEnvID+"/as/token"; got != want {
				t.Errorf("token URL = %s, want %s", got, want)
			}
		})
	}

	// Overrides replace the hosts whatever the region; a trailing slash is
	// forgiven.
	c, err := New(Config{EnvironmentID: testEnvID, ClientID: "c", ClientSecret: "s", Region: "eu",
		APIURL: "http://127.0.0.1:8080/v1/", AuthURL: "http://127.0.0.1:8081/"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.endpoint("/users", nil), "http://127.0.0.1:8080/v1/environments/"+testEnvID+"/users"; got != want {
		t.Errorf("users URL = %s, want %s", got, want)
	}
	if got, want := c.tokens.cc.TokenURL, "http://127.0.0.1:8081/"+testEnvID+"/as/token"; got != want {
		t.Errorf("token URL = %s, want %s", got, want)
	}
}

func TestAuthStyles(t *testing.T) {
	for in, want := range map[string]oauth2.AuthStyle{
		"": oauth2.AuthStyleInHeader, "basic": oauth2.AuthStyleInHeader, "Basic": oauth2.AuthStyleInHeader,
		"client_secret_basic": oauth2.AuthStyleInHeader, "post": oauth2.AuthStyleInParams,
		"CLIENT_SECRET_POST": oauth2.AuthStyleInParams,
	} {
		c, err := New(Config{EnvironmentID: testEnvID, ClientID: "c", ClientSecret: "s", AuthStyle: in})
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if c.tokens.cc.AuthStyle != want {
			t.Errorf("AuthStyle %q = %v, want %v", in, c.tokens.cc.AuthStyle, want)
		}
	}
}
