package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
