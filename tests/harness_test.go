// Package tests holds black-box tests of the whole server over HTTP: the
// real Echo app, the real Okta client, and the fake Okta org on loopback.
package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/idcmd/idcmd/auth"
	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/internal/logbuf"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
	"github.com/idcmd/idcmd/providers/prisma/prismatest"
	"github.com/idcmd/idcmd/providers/xdr/xdrtest"
	"github.com/idcmd/idcmd/providers/xsoar/xsoartest"
	"github.com/idcmd/idcmd/server"
)

const testSecret = "test-secret-0123456789abcdef0123456789"

// env is one idcmd server wired to one fake Okta org.
type env struct {
	t       *testing.T
	okta    *oktatest.Server
	pingone *pingonetest.Server
	prisma  *prismatest.Server
	xsoar   *xsoartest.Server
	xdr     *xdrtest.Server
	url     string
	logs    *logbuf.Buffer
	// dataDir holds the store's files (IDCMD_DATA_DIR).
	dataDir string
}

type envOptions struct {
	// pingone also configures the fake PingOne environment.
	pingone bool
	// prisma also configures a seeded fake Prisma Cloud tenant.
	prisma bool
	// xsoar and xdr configure fake XSOAR / XDR tenants for write-back;
	// advanced gives both advanced API keys.
	xsoar, xdr, advanced bool
	// syncReads makes reads wait for their audit record.
	syncReads      bool
	requestTimeout time.Duration
	oktaToken      string // overrides the fake's token (to test refused credentials)
	noOkta         bool
	// configure adjusts the loaded configuration before the server starts.
	configure func(*config.Config)
}

func newEnv(t *testing.T, opts ...envOptions) *env {
	t.Helper()
	var o envOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	fake := oktatest.NewServer(oktatest.Options{Seed: true})
	t.Cleanup(fake.Close)
	dataDir := t.TempDir()
	vars := map[string]string{"IDCMD_JWT_SECRET": testSecret, "IDCMD_DATA_DIR": dataDir, "OKTA_WEBHOOK_SECRET": oktaHookSecret}
	if !o.noOkta {
		vars["OKTA_BASE_URL"] = fake.URL
		vars["OKTA_API_TOKEN"] = fake.Token
		if o.oktaToken != "" {
			vars["OKTA_API_TOKEN"] = o.oktaToken
		}
	}
	var p1 *pingonetest.Server
	if o.pingone {
		// Subscriptions deliver within milliseconds: tests wait for
		// deliveries (FlushSubscriptions), not for batching or backoff.
		p1 = pingonetest.NewServer(pingonetest.Options{Seed: true,
			SubscriptionWindow: 5 * time.Millisecond, SubscriptionBackoff: 10 * time.Millisecond, SubscriptionMaxBackoff: 100 * time.Millisecond})
		t.Cleanup(p1.Close)
		vars["PINGONE_ENVIRONMENT_ID"] = p1.EnvironmentID
		vars["PINGONE_CLIENT_ID"] = p1.ClientID
		vars["PINGONE_CLIENT_SECRET"] = p1.ClientSecret
		vars["PINGONE_API_URL"] = p1.URL
		vars["PINGONE_AUTH_URL"] = p1.AuthURL
		vars["PINGONE_WEBHOOK_SECRET"] = pingOneHookSecret
	}
	var pc *prismatest.Server
	if o.prisma {
		pc = prismatest.NewServer(prismatest.Options{Seed: true})
		t.Cleanup(pc.Close)
		vars["PRISMA_API_URL"], vars["PRISMA_ACCESS_KEY"], vars["PRISMA_SECRET_KEY"] = pc.URL, pc.AccessKey, pc.SecretKey
	}
	var xs *xsoartest.Server
	if o.xsoar {
		xs = xsoartest.NewServer(xsoartest.Options{APIKey: "xsoar-test-key", APIKeyID: advancedID(o.advanced), Advanced: o.advanced})
		t.Cleanup(xs.Close)
		vars["XSOAR_URL"], vars["XSOAR_API_KEY"], vars["XSOAR_API_KEY_ID"] = xs.URL, "xsoar-test-key", advancedID(o.advanced)
		if o.advanced {
			vars["XSOAR_ADVANCED_KEY"] = "true"
		}
	}
	var xd *xdrtest.Server
	if o.xdr {
		xd = xdrtest.NewServer(xdrtest.Options{APIKey: "xdr-test-key", APIKeyID: "7", Advanced: o.advanced})
		t.Cleanup(xd.Close)
		vars["XDR_BASE_URL"], vars["XDR_API_KEY"], vars["XDR_API_KEY_ID"] = xd.URL, "xdr-test-key", "7"
		if o.advanced {
			vars["XDR_ADVANCED_KEY"] = "true"
		}
	}
	cfg, err := config.Load("", func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store.SyncReadAudit = o.syncReads
	// Retry quickly: the tests wait for deliveries, not for backoff.
	cfg.WriteBack.BaseBackoff, cfg.WriteBack.MaxBackoff = 20*time.Millisecond, 200*time.Millisecond
	if o.requestTimeout > 0 {
		cfg.Server.RequestTimeout = o.requestTimeout
	}
	noRoster(&cfg)
	if o.configure != nil {
		o.configure(&cfg)
	}
	logs := &logbuf.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	app, err := server.Build(ctx, cfg, server.NewLogger(logs, "debug"), "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Close() })
	srv := httptest.NewServer(app.Handler)
	t.Cleanup(srv.Close)
	return &env{t: t, okta: fake, pingone: p1, prisma: pc, xsoar: xs, xdr: xd, url: srv.URL, logs: logs, dataDir: dataDir}
}

// advancedID is the XSOAR 8 key id used with advanced keys; standard keys
// in these tests are XSOAR 6 keys (no id).
func advancedID(advanced bool) string {
	if advanced {
		return "3"
	}
	return ""
}

// token mints a token for subject "tester" with the given scopes.
func token(t *testing.T, scopes ...string) string {
	t.Helper()
	return tokenFor(t, "tester", scopes...)
}

// tokenFor mints a token for a subject with the given scopes.
func tokenFor(t *testing.T, subject string, scopes ...string) string {
	t.Helper()
	tok, err := auth.Mint([]byte(testSecret), "idcmd", "idcmd", subject, scopes, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

var allScopes = []string{"commands:read", "commands:write"}

// response is a finished call.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// do sends a request and checks the response against the OpenAPI document.
func (e *env) do(method, path, contentType, tok string, body []byte) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return e.send(req, body)
}

// send sends a prepared request and checks the response against the
// OpenAPI document.
func (e *env) send(req *http.Request, body []byte) response {
	e.t.Helper()
	method, path := req.Method, req.URL.Path
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := response{status: resp.StatusCode, header: resp.Header, body: b}
	checkAgainstDocument(e.t, req, body, r)
	if r.status >= 500 && r.status != 502 && r.status != 503 && r.status != 504 {
		e.t.Errorf("%s %s answered %d:\n%s", method, path, r.status, b)
	}
	return r
}

// run calls a command with every scope.
func (e *env) run(name, body string) response {
	e.t.Helper()
	return e.do(http.MethodPost, "/api/v1/commands/"+name, "application/json", token(e.t, allScopes...), []byte(body))
}

var (
	docOnce   sync.Once
	docRouter routers.Router
	docErr    error
)

// checkAgainstDocument validates a real response against the generated
// OpenAPI document: status declared, content type declared, body matches
// the schema. Swagger UI routes are not in the document.
func checkAgainstDocument(t *testing.T, req *http.Request, reqBody []byte, r response) {
	t.Helper()
	if strings.HasPrefix(req.URL.Path, "/swagger") {
		return
	}
	docOnce.Do(func() {
		var b []byte
		b, docErr = os.ReadFile("../openapi/swagger.json")
		if docErr != nil {
			return
		}
		var v2 openapi2.T
		if docErr = json.Unmarshal(b, &v2); docErr != nil {
			return
		}
		var v3 *openapi3.T
		v3, docErr = openapi2conv.ToV3(&v2)
		if docErr != nil {
			return
		}
		v3.Servers = nil
		docRouter, docErr = gorillamux.NewRouter(v3)
	})
	if docErr != nil {
		t.Fatalf("load OpenAPI document: %v", docErr)
	}
	vreq := req.Clone(context.Background())
	vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := docRouter.FindRoute(vreq)
	if err != nil {
		// An unknown command or path has no operation to check against; it
		// must still be a problem 404.
		if r.status != http.StatusNotFound {
			t.Errorf("%s %s is not in the OpenAPI document: %v", req.Method, req.URL.Path, err)
		}
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route},
		Status:                 r.status,
		Header:                 r.header,
		Body:                   io.NopCloser(bytes.NewReader(r.body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s → %d does not match the OpenAPI document: %.1500s\n%.1500s", req.Method, req.URL.Path, r.status, err.Error(), r.body)
	}
}

// noRoster turns the privileged-user roster off. It reads the providers in
// the background, at start and every 10 minutes: calls no test asked for,
// which would make every count of provider calls racy. A test of the
// detector turns it on again.
func noRoster(cfg *config.Config) { cfg.Rules.Detectors.Privileged.Enabled = false }
