package prisma

import (
	"fmt"
	"strings"
	"testing"
)

// TestConfigValidation: each mistake is refused with the field to fix, and
// no error repeats the secret.
func TestConfigValidation(t *testing.T) {
	const secret = "s3cr3t-value-never-printed"
	ok := Config{APIURL: "https://api2.prismacloud.io", AccessKey: "ak", SecretKey: secret}
	if _, err := New(ok); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for name, tc := range map[string]struct {
		mod  func(*Config)
		want string
	}{
		"no URL":         {func(c *Config) { c.APIURL = "" }, "APIURL is required"},
		"console host":   {func(c *Config) { c.APIURL = "https://app2.prismacloud.io" }, "api host"},
		"http to tenant": {func(c *Config) { c.APIURL = "http://api.prismacloud.io" }, "https"},
		"path":           {func(c *Config) { c.APIURL = "https://api.prismacloud.io/v2" }, "scheme and host"},
		"no access key":  {func(c *Config) { c.AccessKey = "" }, "AccessKey is required"},
		"spaced key":     {func(c *Config) { c.AccessKey = "a k" }, "whitespace"},
		"no secret":      {func(c *Config) { c.SecretKey = "" }, "SecretKey is required"},
		"negative":       {func(c *Config) { c.Timeout = -1 }, "Timeout"},
	} {
		cfg := ok
		tc.mod(&cfg)
		_, err := New(cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), secret) {
			t.Errorf("%s: %v, want an error containing %q and not the secret", name, err, tc.want)
		}
	}
	if _, err := New(Config{APIURL: "http://127.0.0.1:1", AccessKey: "ak", SecretKey: secret}); err != nil {
		t.Errorf("loopback http (a local fake): %v", err)
	}
}

// TestSecretNeverFormatted: logging a Config or a Client with any verb
// shows no secret key.
func TestSecretNeverFormatted(t *testing.T) {
	const secret = "s3cr3t-value-never-printed"
	cfg := Config{APIURL: "https://api.prismacloud.io", AccessKey: "ak", SecretKey: secret}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		for _, v := range []any{cfg, &cfg, c} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, secret) {
				t.Errorf("%s of %T shows the secret: %s", verb, v, out)
			}
		}
	}
}
