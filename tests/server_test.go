package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/api"
	"github.com/idcmd/idcmd/auth"
	"github.com/idcmd/idcmd/catalog"
	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/metrics"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/server"
	"github.com/labstack/echo/v4"
)

func TestHealthAndReadiness(t *testing.T) {
	e := newEnv(t)
	mustStatus(t, e.do(http.MethodGet, "/healthz", "", "", nil), 200)
	r := e.do(http.MethodGet, "/readyz", "", "", nil)
	mustStatus(t, r, 200)
	if r.json(t)["checks"].(map[string]any)["okta"] != "ok" {
		t.Errorf("readyz: %s", r.body)
	}

	// Okta refusing idcmd's token: not ready, and the reason says so
	// without repeating the token.
	bad := newEnv(t, envOptions{oktaToken: "not-the-token"})
	r = bad.do(http.MethodGet, "/readyz", "", "", nil)
	mustStatus(t, r, 503)
	if strings.Contains(string(r.body), "not-the-token") {
		t.Error("readyz leaks the API token")
	}
	// Okta unreachable: not ready.
	e.okta.Close()
	mustStatus(t, e.do(http.MethodGet, "/readyz", "", "", nil), 503)
	mustStatus(t, e.do(http.MethodGet, "/healthz", "", "", nil), 200)
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	mustStatus(t, e.run("okta-get-user", fmt.Sprintf(`{"user":%q}`, oktatest.DemoActiveUser)), 200)
	mustStatus(t, e.run("okta-get-user", `{"user":"nobody@example.com"}`), 404)
	mustStatus(t, e.run("okta-get-user", `{}`), 400)
	r := e.do(http.MethodGet, "/metrics", "", "", nil)
	mustStatus(t, r, 200)
	text := string(r.body)
	for _, want := range []string{
		`idcmd_command_runs_total{command="okta-get-user",outcome="success"} 1`,
		`idcmd_command_runs_total{command="okta-get-user",outcome="error"} 1`,
		`idcmd_command_errors_total{command="okta-get-user"} 1`,
		`idcmd_command_duration_seconds_bucket{command="okta-get-user"`,
		`idcmd_provider_calls_total{operation=`,
		`status="404"`,
		`idcmd_provider_call_duration_seconds_bucket{provider="okta",status="200"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestEveryRouteIsDocumented walks Echo's route table: each route but
// Swagger UI's own must be an operation of the OpenAPI document.
func TestEveryRouteIsDocumented(t *testing.T) {
	v, err := auth.NewVerifier(context.Background(), auth.Config{Secret: []byte(testSecret), Issuer: "idcmd", Audience: "idcmd"})
	if err != nil {
		t.Fatal(err)
	}
	e := api.New(api.Options{
		Invoker:  commands.NewInvoker(catalog.Default, commands.Providers{}),
		Verifier: v,
		Metrics:  metrics.New(),
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	doc := loadSwagger(t)
	for _, r := range e.Routes() {
		if strings.HasPrefix(r.Path, "/swagger") || r.Method == echo.RouteNotFound {
			continue
		}
		method := strings.ToLower(r.Method)
		if r.Path == "/api/v1/commands/:name" {
			for _, cmd := range catalog.Default.All() {
				if _, ok := doc[("/api/v1/commands/" + cmd.Info().Name)][method]; !ok {
					t.Errorf("%s %s is not documented", r.Method, cmd.Info().Name)
				}
			}
			continue
		}
		path := regexp.MustCompile(`:([a-z]+)`).ReplaceAllString(r.Path, "{$1}")
		if _, ok := doc[path][method]; !ok {
			t.Errorf("route %s %s is not in the OpenAPI document", r.Method, r.Path)
		}
	}
}

func loadSwagger(t *testing.T) map[string]map[string]any {
	t.Helper()
	b, err := os.ReadFile("../openapi/swagger.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d.Paths
}

func TestSwaggerUI(t *testing.T) {
	e := newEnv(t)
	for path, want := range map[string]string{"/swagger/index.html": "swagger-ui", "/swagger/doc.json": `"okta-suspend-user"`} {
		resp, err := http.Get(e.url + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d, lacks %s", path, resp.StatusCode, want)
		}
	}
}

// TestGracefulShutdown: on shutdown an in-flight call finishes with its
// answer, and a new connection is refused.
func TestGracefulShutdown(t *testing.T) {
	fake := oktatest.NewServer(oktatest.Options{Seed: true})
	defer fake.Close()
	vars := map[string]string{"IDCMD_JWT_SECRET": testSecret, "OKTA_BASE_URL": fake.URL, "OKTA_API_TOKEN": fake.Token, "IDCMD_DATA_DIR": t.TempDir()}
	cfg, err := config.Load("", func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	noRoster(&cfg)
	log := server.NewLogger(io.Discard, "error")
	app, err := server.Build(context.Background(), cfg, log, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	h := app.Handler
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	srvCfg := cfg.Server
	srvCfg.ShutdownTimeout = 10 * time.Second
	go func() { done <- server.Run(ctx, h, ln, srvCfg, log) }()

	fake.SetLatency(300 * time.Millisecond)
	status := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/commands/okta-get-user", strings.NewReader(fmt.Sprintf(`{"user":%q}`, oktatest.DemoActiveUser)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token(t, "commands:read"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			status <- -1
			return
		}
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	// Wait until the call is in flight at the fake, then stop.
	for fake.Requests() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	if got := <-status; got != 200 {
		t.Errorf("in-flight call answered %d during shutdown", got)
	}
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Error("a new connection was accepted after shutdown")
	}
}
