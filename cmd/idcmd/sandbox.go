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
	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
)

// sandboxEnv is the embedded demo: fake providers on loopback, seeded with a
// realistic tenant, and the environment that points idcmd at them. idcmd
// talks to them through the same clients and HTTP calls as to real tenants.
type sandboxEnv struct {
	okta    *oktatest.Server
	pingone *pingonetest.Server
	env     map[string]string
	dataDir string
}

func startSandbox() (*sandboxEnv, error) {
	o := oktatest.NewServer(oktatest.Options{Seed: true})
	p := pingonetest.NewServer(pingonetest.Options{Seed: true})
	secret := os.Getenv("IDCMD_JWT_SECRET")
	if secret == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			o.Close()
			p.Close()
			return nil, err
		}
		secret = base64.RawURLEncoding.EncodeToString(b)
	}
	// A fresh store per run: the sandbox's audit log and approvals belong
	// to its throwaway org.
	dir, err := os.MkdirTemp("", "idcmd-sandbox-")
	if err != nil {
		o.Close()
		p.Close()
		return nil, err
	}
	return &sandboxEnv{okta: o, pingone: p, dataDir: dir, env: map[string]string{
		"OKTA_BASE_URL":          o.URL,
		"OKTA_API_TOKEN":         o.Token,
		"PINGONE_ENVIRONMENT_ID": p.EnvironmentID,
		"PINGONE_CLIENT_ID":      p.ClientID,
		"PINGONE_CLIENT_SECRET":  p.ClientSecret,
		"PINGONE_API_URL":        p.URL,
		"PINGONE_AUTH_URL":       p.AuthURL,
		"PINGONE_REGION":         "com",
		"IDCMD_JWT_SECRET": secret,
		"IDCMD_DATA_DIR":   dir,
		"IDCMD_STORE_URL":  "",
	}}, nil
}

// getenv overlays the sandbox's variables on the real environment; the
// provider variables always point at the fakes, so a sandbox can never act
// on a real tenant by accident.
func (s *sandboxEnv) getenv(key string) string {
	if v, ok := s.env[key]; ok {
		if key == "IDCMD_STORE_URL" || key == "IDCMD_DATA_DIR" {
			if env := os.Getenv(key); env != "" {
				return env
			}
		}
		return v
	}
	if strings.HasPrefix(key, "OKTA_") || strings.HasPrefix(key, "PINGONE_") {
		return ""
	}
	return os.Getenv(key)
}

func (s *sandboxEnv) Close() {
	s.okta.Close()
	s.pingone.Close()
	_ = os.RemoveAll(s.dataDir)
}

// announce prints what a new user needs: the Swagger UI address and a token
// with every scope.
func (s *sandboxEnv) announce(w io.Writer, addr string, cfg config.Config) error {
	scopes := []string{commands.ScopeRead, commands.ScopeWrite, commands.ScopeApprovalsDecide, commands.ScopeAuditRead}
	tok, err := auth.Mint([]byte(cfg.Auth.JWTSecret), cfg.Auth.Issuer, cfg.Auth.Audience, "sandbox-responder", scopes, 12*time.Hour, time.Now())
	if err != nil {
		return err
	}
	// A second person, for approving what the responder's token requested.
	approver, err := auth.Mint([]byte(cfg.Auth.JWTSecret), cfg.Auth.Issuer, cfg.Auth.Audience, "sandbox-approver",
		[]string{commands.ScopeRead, commands.ScopeApprovalsDecide, commands.ScopeAuditRead}, 12*time.Hour, time.Now())
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, `
idcmd sandbox is up: a seeded fake Okta org at %s and a seeded fake PingOne environment at %s

  Swagger UI:  http://%s/swagger/index.html
  Catalog:     curl -H "Authorization: Bearer $IDCMD_TOKEN" http://%s/api/v1/commands

Paste this into your shell (and into Swagger UI's Authorize box as "Bearer <token>"):

export IDCMD_TOKEN=%s

A second person (approvals:decide), for commands that need approval such as okta-deactivate-user:

export IDCMD_APPROVER_TOKEN=%s

Try:
  curl -s -X POST -H "Authorization: Bearer $IDCMD_TOKEN" -H 'Content-Type: application/json' \
    -d '{"user":"%s"}' http://%s/api/v1/commands/okta-suspend-user

  curl -s -X POST -H "Authorization: Bearer $IDCMD_TOKEN" -H 'Content-Type: application/json' \
    -d '{"provider":"pingone","user":"%s","hours":48}' http://%s/api/v1/commands/get-user-events

`, s.okta.URL, s.pingone.URL, addr, addr, tok, approver, oktatest.DemoActiveUser, addr, pingonetest.DemoRiskyUser, addr)
	return err
}
