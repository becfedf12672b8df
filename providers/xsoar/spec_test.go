package xsoar_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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

	"github.com/idcmd/idcmd/providers/xsoar"
	"github.com/idcmd/idcmd/providers/xsoar/xsoartest"
)

// The client's requests are validated against the XSOAR server swagger
// (xsoartest validates the fake's responses), so neither side of the
// conformance suite can agree on a body XSOAR would not accept.

// specRouter loads /work/shared/specs/xsoar_server_api_swagger.json, found
// beside the repo root (the directory holding go.mod), once per test
// binary, and skips when it is not there.
func specRouter(t *testing.T) routers.Router {
	t.Helper()
	spec.once.Do(loadSpec)
	if spec.skip != "" {
		t.Skip(spec.skip)
	}
	if spec.err != nil {
		t.Fatal(spec.err)
	}
	return spec.router
}

var spec struct {
	once   sync.Once
	router routers.Router
	skip   string
	err    error
}

func loadSpec() {
	dir, err := os.Getwd()
	for err == nil {
		if _, serr := os.Stat(filepath.Join(dir, "go.mod")); serr == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			err = errors.New("repo root (go.mod) not found")
		}
		dir = filepath.Dir(dir)
	}
	if err != nil {
		spec.skip = err.Error()
		return
	}
	path := filepath.Join(dir, "..", "shared", "specs", "xsoar_server_api_swagger.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		spec.skip = "XSOAR swagger not available: " + err.Error()
		return
	}
	var doc2 openapi2.T
	if err := json.Unmarshal(raw, &doc2); err != nil {
		spec.err = fmt.Errorf("parse %s: %w", path, err)
		return
	}
	// host "hostname:443" is a placeholder: match on the path alone.
	doc2.Host, doc2.BasePath, doc2.Schemes = "", "", nil
	doc, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		spec.err = fmt.Errorf("convert %s: %w", path, err)
		return
	}
	doc.Servers = nil
	// The swagger renders Go's map[string]interface{} as
	// additionalProperties {"type": "object"}, which would refuse custom
	// field values that are strings or numbers; they may be anything.
	if s := doc.Components.Schemas["CustomFields"]; s != nil && s.Value != nil {
		s.Value.AdditionalProperties = openapi3.AdditionalProperties{Has: openapi3.Ptr(true)}
	}
	spec.router, spec.err = gorillamux.NewRouter(doc)
}

// validatingProxy serves the fake behind a check of every request against
// the swagger, reporting mismatches and the operations seen.
type validatingProxy struct {
	t      *testing.T
	router routers.Router
	fake   *xsoartest.Server
	mu     sync.Mutex
	ops    []string
}

func (p *validatingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	path := strings.TrimPrefix(r.URL.Path, p.fake.PathPrefix)
	req, _ := http.NewRequest(r.Method, "http://xsoar.invalid"+path, bytes.NewReader(body))
	req.Header = r.Header.Clone()
	route, params, err := p.router.FindRoute(req)
	if err != nil {
		p.t.Errorf("%s %s: no operation in the swagger: %v", r.Method, path, err)
	} else {
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			p.t.Errorf("%s %s (%s): request does not match the swagger: %v\nbody: %s", r.Method, path, route.Operation.OperationID, err, body)
		}
		p.mu.Lock()
		p.ops = append(p.ops, route.Operation.OperationID)
		p.mu.Unlock()
	}
	p.fake.Handler().ServeHTTP(w, r)
}

func TestClientRequestsMatchTheSwagger(t *testing.T) {
	router := specRouter(t)
	clk := newClock()
	fake := xsoartest.NewHandlerServer(xsoartest.Options{APIKeyID: "8", Advanced: true, Now: clk.Now})
	proxy := &validatingProxy{t: t, router: router, fake: fake}
	ts := httptest.NewServer(proxy)
	defer ts.Close()
	fake.SetURL(ts.URL)
	c := newClient(t, configFor(fake), clk)
	ctx := context.Background()

	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	id, err := c.CreateIncident(ctx, xsoar.NewIncident{
		Name: "Okta: suspicious sign-in jdoe@example.com", Type: "Okta Identity", Severity: xsoar.SeverityCritical,
		Details: "d", Occurred: clk.Now().Add(-time.Hour), Labels: []xsoar.Label{{Type: "user", Value: "jdoe@example.com"}},
		CustomFields:        map[string]any{"oktauserid": "00u1", "riskscore": 90, "tags": []string{"a"}},
		CreateInvestigation: true, PlaybookID: "Okta triage", RawJSON: `{"a":1}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetIncident(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddEntry(ctx, xsoar.Entry{InvestigationID: id, Markdown: "| a |\n|---|\n| b |", Note: true, Tags: []string{"idcmd"}}); err != nil {
		t.Fatal(err)
	}
	want := "searchIncidents createIncident searchIncidents investigationAddEntryHandler updateEntryNote updateEntryTagsOp"
	if got := strings.Join(proxy.ops, " "); got != want {
		t.Errorf("operations %q, want %q", got, want)
	}
}
