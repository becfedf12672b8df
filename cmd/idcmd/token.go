package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/idcmd/idcmd/auth"
	"github.com/idcmd/idcmd/config"
)

// token mints an HS256 bearer token with the configured secret, for XSOAR's
// HTTP block or curl. Against the sandbox, the secret is the one it printed
// (or the IDCMD_JWT_SECRET it was started with).
func token(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	subject := fs.String("subject", "", "who the token is for (recorded with every action)")
	scope := fs.String("scope", "commands:read commands:write", "space-separated scopes")
	ttl := fs.Duration("ttl", 720*time.Hour, "lifetime")
	cfgPath := fs.String("config", "", "config file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *subject == "" {
		return errors.New("token: --subject is required")
	}
	cfg, err := config.LoadUnchecked(*cfgPath, os.Getenv)
	if err != nil {
		return err
	}
	if cfg.Auth.JWTSecret == "" {
		return errors.New("token: IDCMD_JWT_SECRET is not set: idcmd token signs with the server's HS256 secret " +
			"(idcmd serve --sandbox prints its own as export IDCMD_JWT_SECRET=...)")
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("token: %w", err)
	}
	tok, err := auth.Mint([]byte(cfg.Auth.JWTSecret), cfg.Auth.Issuer, cfg.Auth.Audience, *subject, strings.Fields(*scope), *ttl, time.Now())
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	_, err = fmt.Fprintln(out, tok)
	return err
}
