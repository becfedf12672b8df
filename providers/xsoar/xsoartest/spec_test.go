package xsoartest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Spec conformance: the fake's real responses are validated against the
// XSOAR server swagger, so the fake cannot drift into a shape XSOAR would
// never send (and a client tested against it cannot come to rely on one).

// specPath locates /work/shared/specs/xsoar_server_api_swagger.json from
// the repo root (the directory holding go.mod), which sits beside shared/.
func specPath() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "specs", "xsoar_server_api_swagger.json"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repo root (go.mod) not found")
		}
		dir = parent
	}
}

// The spec is loaded and indexed once per test binary.
var spec struct {
	once   sync.Once
	router routers.Router
	skip   string
	err    error
}

func specRouter(t *testing.T) routers.Router {
	t.Helper()
	spec.once.Do(func() {
		path, err := specPath()
		if err != nil {
			spec.skip = err.Error()
			return
		}
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
		// host "hostname:443" is a placeholder; without host, base path and
		// servers the router matches on the path alone.
		doc2.Host, doc2.BasePath, doc2.Schemes = "", "", nil
		doc, err := openapi2conv.ToV3(&doc2)
		if err != nil {
			spec.err = fmt.Errorf("convert %s to OpenAPI 3: %w", path, err)
			return
		}
		doc.Servers = nil
		repairSpec(doc)
		spec.router, spec.err = gorillamux.NewRouter(doc)
	})
	if spec.skip != "" {
		t.Skip(spec.skip)
	}
	if spec.err != nil {
		t.Fatal(spec.err)
	}
	return spec.router
}

// repairSpec fixes one artefact of how the swagger was generated from
// XSOAR's Go types: a map[string]interface{} became additionalProperties
// {"type": "object"}, which would refuse a custom field whose value is a
// string or number, the usual case ("scanip": "10.0.0.1"). Such values are
// allowed to be anything.
func repairSpec(doc *openapi3.T) {
	if s := doc.Components.Schemas["CustomFields"]; s != nil && s.Value != nil {
		s.Value.AdditionalProperties = openapi3.AdditionalProperties{Has: openapi3.Ptr(true)}
	}
}

// response is what the fake answered.
type response struct {
	status int
	header http.Header
	body   []byte
}

// post sends an authenticated XSOAR 6 request to the fake.
func post(t *testing.T, srv *Server, path string, body any) response {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, srv.URL+srv.PathPrefix+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", srv.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: rb}
}

// conform sends a request to the fake, checks the status, and validates
// both the request and the response (status, headers, body) against the
// operation in the swagger.
func conform(t *testing.T, srv *Server, path string, body any, wantStatus int) response {
	t.Helper()
	router := specRouter(t)
	r := post(t, srv, path, body)
	if r.status != wantStatus {
		t.Fatalf("POST %s: status %d, want %d; body %s", path, r.status, wantStatus, r.body)
	}
	reqBody, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, "http://xsoar.invalid"+path, bytes.NewReader(reqBody))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("POST %s: no operation in the swagger: %v", path, err)
	}
	opts := &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		t.Errorf("POST %s: request does not match the swagger: %v", path, err)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 r.status,
		Header:                 r.header,
		Body:                   io.NopCloser(bytes.NewReader(r.body)),
		Options:                opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("POST %s (%s): response does not match the swagger:\n%v\nbody: %.800s",
			path, route.Operation.OperationID, err, r.body)
	}
	return r
}

func TestSpecEntries(t *testing.T) {
	srv := NewServer(Options{})
	defer srv.Close()
	inv := srv.AddIncident("Okta: suspicious sign-in jdoe@example.com", SeverityHigh)

	r := conform(t, srv, "/entry", map[string]any{"investigationId": inv, "data": "**Suspended** jdoe", "markdown": true}, 200)
	var created struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(r.body, &created); err != nil || created.ID != "1@"+inv {
		t.Fatalf("entry id = %q (%v), want 1@%s", created.ID, err, inv)
	}
	conform(t, srv, "/entry/note", map[string]any{"id": created.ID, "version": -1, "investigationId": inv, "data": "true"}, 200)
	conform(t, srv, "/entry/tags", map[string]any{"id": created.ID, "version": -1, "investigationId": inv, "tags": []string{"idcmd"}}, 200)

	srv.CloseIncident(inv)
	conform(t, srv, "/entry", map[string]any{"investigationId": inv, "data": "too late"}, http.StatusPreconditionFailed)
}

func TestSpecIncident(t *testing.T) {
	srv := NewServer(Options{})
	defer srv.Close()
	conform(t, srv, "/incident", map[string]any{
		"name": "Okta: suspicious sign-in jdoe@example.com", "type": "Okta Identity", "severity": 3,
		"details": "new country", "occurred": "2026-01-02T03:04:05Z",
		"labels":       []map[string]string{{"type": "user", "value": "jdoe@example.com"}},
		"CustomFields": map[string]any{"oktauserid": "00u1", "riskscore": 87},
		"rawJSON":      `{"eventType":"user.session.start"}`, "createInvestigation": true,
	}, 200)
}

func TestSpecSearch(t *testing.T) {
	srv := NewServer(Options{})
	defer srv.Close()
	SeedDemo(srv)
	r := conform(t, srv, "/incidents/search", map[string]any{
		"filter": map[string]any{"query": "-status:closed -category:job", "page": 0, "size": 10},
	}, 200)
	var got struct {
		Data  []json.RawMessage `json:"data"`
		Total int               `json:"total"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Total != 4 || len(got.Data) != 4 {
		t.Errorf("open demo incidents: total %d, %d returned; want 4", got.Total, len(got.Data))
	}
	conform(t, srv, "/incidents/search", map[string]any{"filter": map[string]any{"id": []string{"1"}, "size": 1}}, 200)
}

// TestSpecIncidentUpdate: POST /incident with an id and the current
// version updates the incident (request and answer checked against the
// swagger), bumps the version and replaces what the client may set.
func TestSpecIncidentUpdate(t *testing.T) {
	srv := NewServer(Options{})
	defer srv.Close()
	id := srv.add(Incident{Name: "Okta: suspicious sign-in jdoe@example.com", Severity: SeverityHigh, Status: StatusActive,
		Details: "new country", Labels: []Label{{Type: "user", Value: "jdoe@example.com"}},
		CustomFields: map[string]any{"oktauserid": "00u1"}})
	update := map[string]any{
		"id": id, "version": 1, "name": "Okta: suspicious sign-in jdoe@example.com", "severity": 4,
		"labels":       []map[string]string{{"type": "user", "value": "jdoe@example.com"}},
		"CustomFields": map[string]any{"oktauserid": "00u1"},
	}
	r := conform(t, srv, "/incident", update, 200)
	var got struct {
		ID       string  `json:"id"`
		Version  int64   `json:"version"`
		Severity float64 `json:"severity"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil || got.ID != id || got.Version != 2 || got.Severity != 4 {
		t.Fatalf("update answered %s (%v), want the incident at version 2 and severity 4", r.body, err)
	}
	in, _ := srv.Incident(id)
	if in.Severity != SeverityCritical || in.Version != 2 || in.Status != StatusActive || len(in.Labels) != 1 ||
		in.CustomFields["oktauserid"] != "00u1" || in.Details != "" {
		t.Errorf("after the update: %+v; want severity 4, version 2, status kept, labels and fields sent, details (left out) cleared", in)
	}

	// A stale version is a DB version conflict and changes nothing.
	stale := post(t, srv, "/incident", map[string]any{"id": id, "version": 1, "name": "x", "severity": 1})
	var e struct {
		ID     string `json:"id"`
		Detail string `json:"detail"`
		Error  string `json:"error"`
	}
	if err := json.Unmarshal(stale.body, &e); err != nil || stale.status != 400 || e.Detail != "DB version conflict" ||
		!strings.Contains(e.Error, "current version 2") {
		t.Errorf("stale version: %d %s", stale.status, stale.body)
	}
	if none := post(t, srv, "/incident", map[string]any{"id": id, "name": "x"}); none.status != 400 {
		t.Errorf("no version: %d, want a conflict", none.status)
	}
	if in2, _ := srv.Incident(id); in2.Version != 2 || in2.Name != in.Name {
		t.Errorf("refused writes changed the incident: %+v", in2)
	}

	// version -1 forces the write.
	if forced := post(t, srv, "/incident", map[string]any{"id": id, "version": -1, "name": "forced", "severity": 1}); forced.status != 200 {
		t.Errorf("version -1: %d %s", forced.status, forced.body)
	}
	if in3, _ := srv.Incident(id); in3.Name != "forced" || in3.Version != 3 {
		t.Errorf("after a forced write: %+v", in3)
	}
	if unknown := post(t, srv, "/incident", map[string]any{"id": "999", "version": 1, "name": "x"}); unknown.status != 404 {
		t.Errorf("unknown id: %d %s", unknown.status, unknown.body)
	}
	if bad := post(t, srv, "/incident", map[string]any{"id": id, "version": -1, "name": "x", "severity": 7}); bad.status != 400 {
		t.Errorf("severity 7: %d", bad.status)
	}
}
