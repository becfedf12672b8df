package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/idcmd/idcmd/auth"
	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

// sandboxEnv is the embedded demo: fake providers on loopback, seeded with a
// realistic tenant, and the environment that points idcmd at them. idcmd
// talks to them through the same clients and HTTP calls as to real tenants.
type sandboxEnv struct {
	okta *oktatest.Server
	env  map[string]string
}

func startSandbox() (*sandboxEnv, error) {
	o := oktatest.NewServer(oktatest.Options{Seed: true})
	secret := os.Getenv("IDCMD_JWT_SECRET")
	if secret == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			o.Close()
			return nil, err
		}
		secret = base64.RawURLEncoding.EncodeToString(b)
	}
	return &sandboxEnv{okta: o, env: map[string]string{
		"OKTA_BASE_URL":    o.URL,
		"OKTA_API_TOKEN":   o.Token,
		"IDCMD_JWT_SECRET": secret,
	}}, nil
}

// getenv overlays the sandbox's variables on the real environment; the
// provider variables always point at the fakes, so a sandbox can never act
// on a real tenant by accident.
func (s *sandboxEnv) getenv(key string) string {
	if v, ok := s.env[key]; ok {
		return v
	}
	if strings.HasPrefix(key, "OKTA_") {
		return ""
	}
	return os.Getenv(key)
}

func (s *sandboxEnv) Close() { s.okta.Close() }

// announce prints what a new user needs: the Swagger UI address and a token
// with every scope.
func (s *sandboxEnv) announce(w io.Writer, addr string, cfg config.Config) error {
	scopes := []string{commands.ScopeRead, commands.ScopeWrite, commands.ScopeApprovalsDecide, commands.ScopeAuditRead}
	tok, err := auth.Mint([]byte(cfg.Auth.JWTSecret), cfg.Auth.Issuer, cfg.Auth.Audience, "sandbox-responder", scopes, 12*time.Hour, time.Now())
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, `
idcmd sandbox is up: a seeded fake Okta org at %s

  Swagger UI:  http://%s/swagger/index.html
  Catalog:     curl -H "Authorization: Bearer $IDCMD_TOKEN" http://%s/api/v1/commands

Paste this into your shell (and into Swagger UI's Authorize box as "Bearer <token>"):

export IDCMD_TOKEN=%s

Try:
  curl -s -X POST -H "Authorization: Bearer $IDCMD_TOKEN" -H 'Content-Type: application/json' \
    -d '{"user":"%s"}' http://%s/api/v1/commands/okta-suspend-user

`, s.okta.URL, addr, addr, tok, oktatest.DemoActiveUser, addr)
	return err
}
