package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func loadFile(t *testing.T, vars map[string]string, file string) (Config, error) {
	t.Helper()
	path := ""
	if file != "" {
		path = filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return Load(path, env(vars))
}

// TestJWKSURLMustBeHTTPS: auth.jwks_url (file or IDCMD_JWKS_URL) is
// https://, or http:// to loopback only; the error names the key.
func TestJWKSURLMustBeHTTPS(t *testing.T) {
	cases := map[string]struct {
		env  string
		file string
		ok   bool
	}{
		"https":               {file: "https://idp.example.com/oauth2/v1/keys", ok: true},
		"loopback http":       {file: "http://127.0.0.1:9000/keys", ok: true},
		"localhost http":      {env: "http://localhost:9000/keys", ok: true},
		"remote http in file": {file: "http://idp.example.com/keys"},
		"remote http in env":  {env: "http://idp.example.com/keys"},
		"no scheme":           {file: "idp.example.com/keys"},
		"other scheme":        {file: "file:///etc/keys.json"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			vars := map[string]string{"IDCMD_JWKS_URL": tc.env}
			file := ""
			if tc.file != "" {
				file = "auth:\n  jwks_url: " + tc.file + "\n"
			}
			c, err := loadFile(t, vars, file)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				if c.Auth.JWKSURL == "" {
					t.Error("jwks_url not loaded")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "auth.jwks_url") {
				t.Fatalf("err = %v, want it to name auth.jwks_url", err)
			}
		})
	}
}

// TestServerTimeouts: server.read_header_timeout and server.idle_timeout
// have defaults, are read from the file, and must be positive.
func TestServerTimeouts(t *testing.T) {
	vars := map[string]string{"IDCMD_JWT_SECRET": secret}
	c, err := loadFile(t, vars, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.ReadHeaderTimeout != 10*time.Second || c.Server.IdleTimeout != 2*time.Minute {
		t.Errorf("defaults: read_header_timeout %s, idle_timeout %s", c.Server.ReadHeaderTimeout, c.Server.IdleTimeout)
	}
	c, err = loadFile(t, vars, "server:\n  read_header_timeout: 3s\n  idle_timeout: 45s\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.ReadHeaderTimeout != 3*time.Second || c.Server.IdleTimeout != 45*time.Second {
		t.Errorf("from file: read_header_timeout %s, idle_timeout %s", c.Server.ReadHeaderTimeout, c.Server.IdleTimeout)
	}
	for _, bad := range []string{"read_header_timeout: 0s", "idle_timeout: -1s"} {
		_, err := loadFile(t, vars, "server:\n  "+bad+"\n")
		key := strings.SplitN(bad, ":", 2)[0]
		if err == nil || !strings.Contains(err.Error(), "server."+key) {
			t.Errorf("%s: err = %v, want it to name server.%s", bad, err, key)
		}
	}
}
