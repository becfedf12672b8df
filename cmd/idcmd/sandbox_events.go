package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/idcmd/idcmd/auth"
	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

// The sandbox's event intake: each run has its own hook secrets, and once
// idcmd serves it registers its own /okta/webhook and /pingone/webhook with
// the fakes, through the same commands (and so the same Invoker, audit and
// approvals) a deployment would run. POST /sandbox/events/{kind} then makes
// both fakes emit an attack, which they deliver to those hooks.

// hookSecret returns a random shared secret for one sandbox run.
func hookSecret() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("sandbox: random webhook secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// registerHooks runs okta-create-event-hook and pingone-create-subscription
// against the server at addr as subject sandbox-setup, once it answers.
func (s *sandboxEnv) registerHooks(ctx context.Context, addr string, cfg config.Config, log *slog.Logger) {
	tok, err := auth.Mint([]byte(cfg.Auth.JWTSecret), cfg.Auth.Issuer, cfg.Auth.Audience, "sandbox-setup",
		[]string{commands.ScopeRead, commands.ScopeWrite}, time.Hour, time.Now())
	if err != nil {
		log.Error("sandbox: hook registration token", "error", err)
		return
	}
	base := "http://" + addr
	client := &http.Client{Timeout: 30 * time.Second}
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			log.Error("sandbox: idcmd did not answer; hooks not registered", "error", err)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, reg := range []struct{ command, path string }{
		{"okta-create-event-hook", "/okta/webhook"},
		{"pingone-create-subscription", "/pingone/webhook"},
	} {
		body := fmt.Sprintf(`{"url":%q}`, base+reg.path)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/commands/"+reg.command, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			log.Error("sandbox: hook registration failed", "command", reg.command, "error", err)
			continue
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			log.Error("sandbox: hook registration refused", "command", reg.command, "status", resp.StatusCode, "answer", string(msg))
			continue
		}
		log.Info("sandbox: hook registered", "command", reg.command, "url", base+reg.path)
	}
}

// burstAnswer is the body of POST /sandbox/events/{kind}.
type burstAnswer struct {
	Kind string `json:"kind"`
	// The Okta System Log events and PingOne activities the fakes
	// recorded; they reach idcmd through its hooks within a second or two.
	OktaEvents      []string `json:"okta_events"`
	PingOneActivity []string `json:"pingone_activities"`
	Next            string   `json:"next"`
}

// burstsHandler serves POST /sandbox/events/{kind}: password_spray,
// mfa_fatigue or impossible_travel, emitted by both fakes at once.
func (s *sandboxEnv) burstsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind := strings.TrimPrefix(r.URL.Path, "/sandbox/events/")
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			w.WriteHeader(http.StatusMethodNotAllowed)
			_, _ = io.WriteString(w, `{"detail":"POST /sandbox/events/{kind}"}`)
			return
		}
		okta, err := s.okta.EmitBurst(kind)
		if errors.Is(err, oktatest.ErrUnknownBurst) {
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(map[string]string{"detail": "unknown kind " + kind + "; one of " + strings.Join(oktatest.BurstKinds, ", ")})
			return
		}
		if err != nil {
			w.WriteHeader(http.StatusConflict)
			_ = json.NewEncoder(w).Encode(map[string]string{"detail": err.Error()})
			return
		}
		p1, err := s.pingone.EmitBurst(kind)
		if err != nil {
			w.WriteHeader(http.StatusConflict)
			_ = json.NewEncoder(w).Encode(map[string]string{"detail": err.Error()})
			return
		}
		ans := burstAnswer{Kind: kind, PingOneActivity: p1.ActivityIDs,
			Next: "GET /api/v1/events (events:read) lists them once the fakes have delivered"}
		for _, ev := range okta {
			ans.OktaEvents = append(ans.OktaEvents, ev.UUID)
		}
		_ = json.NewEncoder(w).Encode(ans)
	})
}
