package oktatest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Spec conformance: the fake's real responses are validated against the
// vendor's OpenAPI document, so the fake cannot drift into a shape Okta
// would never send (and a client tested against it cannot come to rely on
// one).
//
// Where the spec and Okta's observed payloads disagree, the fake follows
// the spec for the fields it declares (see LogEvent): postalCode is a
// string although real events sometimes carry a number, and optional
// scalars Okta sends as null are omitted unless the schema marks them
// nullable.

// specPath locates /work/shared/specs/okta-management.yaml from the repo
// root (the directory holding go.mod), which sits beside shared/.
func specPath() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "specs", "okta-management.yaml"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repo root (go.mod) not found")
		}
		dir = parent
	}
}

// The spec is 3.4 MB: load and index it once per test binary.
var spec struct {
	once   sync.Once
	doc    *openapi3.T
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
		if _, err := os.Stat(path); err != nil {
			spec.skip = "vendor spec not available: " + err.Error()
			return
		}
		doc, err := openapi3.NewLoader().LoadFromFile(path)
		if err != nil {
			spec.err = fmt.Errorf("load %s: %w", path, err)
			return
		}
		// The servers use a templated {yourOktaDomain}; without servers the
		// router matches on the path alone, whatever the host.
		doc.Servers = nil
		keepServedPaths(doc)
		repairSpec(doc)
		spec.doc = doc
		spec.router, spec.err = legacy.NewRouter(doc,
			openapi3.DisableExamplesValidation(), openapi3.DisableSchemaDefaultsValidation())
	})
	if spec.skip != "" {
		t.Skip(spec.skip)
	}
	if spec.err != nil {
		t.Fatal(spec.err)
	}
	return spec.router
}

// conform sends a request to the fake and validates the response it gets
// (status, declared headers and body) against the operation in the spec.
func conform(t *testing.T, srv *Server, method, path, auth string, wantStatus int) response {
	t.Helper()
	return conformBody(t, srv, method, path, auth, nil, wantStatus)
}

// conformBody is conform for a request with a JSON body (a zone
// replacement).
func conformBody(t *testing.T, srv *Server, method, path, auth string, body []byte, wantStatus int) response {
	t.Helper()
	router := specRouter(t)
	var r response
	if body == nil {
		r = send(t, method, srv.URL+path, auth, nil)
	} else {
		r = sendBody(t, method, srv.URL+path, auth, body)
	}
	if r.status != wantStatus {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, wantStatus, r.body)
	}
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s: no operation in the spec: %v", method, path, err)
	}
	opts := &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.WithStringFormatValidator("email", openapi3.NewCallbackValidator(func(s string) error {
				_, err := mail.ParseAddress(s)
				return err
			})),
		},
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts},
		Status:                 r.status,
		Header:                 r.header,
		Body:                   io.NopCloser(bytes.NewReader(r.body)),
		Options:                opts,
	}
	if r.status >= 400 && route.Operation.Responses.Status(r.status) == nil {
		// Okta answers some errors the operation does not declare (401
		// everywhere, 400 for a bad users search). Their bodies must still
		// be the spec's Error.
		var body any
		r.decode(t, &body)
		if r.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: error Content-Type %q", method, path, r.header.Get("Content-Type"))
		}
		if err := spec.doc.Components.Schemas["Error"].Value.VisitJSON(body, openapi3.MultiErrors()); err != nil {
			t.Errorf("%s %s: undeclared %d body is not an Error: %v", method, path, r.status, err)
		}
		return r
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s (%s): response does not match the spec:\n%v\nbody: %.600s", method, path, route.Operation.OperationID, err, r.body)
	}
	return r
}

func TestSpecConformanceReads(t *testing.T) {
	srv, clk := seeded(t)
	auth := "SSWS " + srv.Token
	jdoe := userIDOf(t, srv, DemoActiveUser)

	for _, id := range []string{jdoe, DemoActiveUser, "jdoe", DemoStagedUser, DemoDeprovisionedUser, ServiceAccountLogin} {
		r := conform(t, srv, "GET", "/api/v1/users/"+id, auth, 200)
		if r.header.Get("Etag") == "" {
			t.Errorf("getUser %s: no Etag header", id)
		}
	}
	conform(t, srv, "GET", "/api/v1/users/nobody@example.com", auth, 404)
	conform(t, srv, "GET", "/api/v1/users/"+jdoe, "SSWS wrong", 401)

	for _, q := range []string{
		"", "?limit=5", "?q=jo", "?search=status%20eq%20%22DEPROVISIONED%22",
		"?filter=status%20eq%20%22ACTIVE%22%20and%20lastUpdated%20gt%20%222020-01-01T00:00:00.000Z%22",
	} {
		conform(t, srv, "GET", "/api/v1/users"+q, auth, 200)
	}
	conform(t, srv, "GET", "/api/v1/users?search=foo%20zz%20%22x%22", auth, 400)

	for _, login := range []string{DemoActiveUser, DemoAdminUser, DemoDeprovisionedUser} {
		conform(t, srv, "GET", "/api/v1/users/"+login+"/groups", auth, 200)
		conform(t, srv, "GET", "/api/v1/users/"+login+"/appLinks", auth, 200)
		conform(t, srv, "GET", "/api/v1/users/"+userIDOf(t, srv, login)+"/factors", auth, 200)
	}
	conform(t, srv, "GET", "/api/v1/users/nobody/groups", auth, 404)
	conform(t, srv, "GET", "/api/v1/users/nobody/appLinks", auth, 404)
	conform(t, srv, "GET", "/api/v1/users/"+DemoActiveUser+"/factors", auth, 404) // {userId}: ID only

	conform(t, srv, "GET", "/api/v1/logs?limit=1000", auth, 200)
	conform(t, srv, "GET", "/api/v1/logs?since=2026-06-04T00:00:00Z&until=2026-06-10T00:00:00Z&sortOrder=DESCENDING&limit=500", auth, 200)
	conform(t, srv, "GET", "/api/v1/logs?filter=eventType%20gt%20%22a%22", auth, 400)
	conform(t, srv, "GET", "/api/v1/logs?filter=eventType%20eq", auth, 400)

	srv.InjectRateLimit(2)
	conform(t, srv, "GET", "/api/v1/users/"+jdoe, auth, 429)
	conform(t, srv, "GET", "/api/v1/logs", auth, 429)

	logsOnly := "Bearer " + bearerToken(t, srv, clk, ScopeLogsRead)
	conform(t, srv, "GET", "/api/v1/users", logsOnly, 403)
	conform(t, srv, "GET", "/api/v1/users/"+jdoe, logsOnly, 403)
	conform(t, srv, "GET", "/api/v1/logs?limit=10", logsOnly, 200)
}

func TestSpecConformanceLifecycle(t *testing.T) {
	srv, _ := seeded(t)
	auth := "SSWS " + srv.Token
	id := func(login string) string { return userIDOf(t, srv, login) }
	post := func(path string, status int) { conform(t, srv, "POST", path, auth, status) }

	jdoe := id(DemoActiveUser)
	post("/api/v1/users/"+jdoe+"/lifecycle/suspend", 200)
	post("/api/v1/users/"+jdoe+"/lifecycle/suspend", 403)
	post("/api/v1/users/"+jdoe+"/lifecycle/unsuspend", 200)
	post("/api/v1/users/"+jdoe+"/lifecycle/expire_password", 200)
	post("/api/v1/users/"+jdoe+"/lifecycle/reset_password?sendEmail=false&revokeSessions=true", 200)
	post("/api/v1/users/"+jdoe+"/lifecycle/reset_factors", 200)
	post("/api/v1/users/"+id(DemoLockedUser)+"/lifecycle/unlock", 200)
	post("/api/v1/users/"+id(DemoStagedUser)+"/lifecycle/unlock", 403)
	post("/api/v1/users/"+id(DemoStagedUser)+"/lifecycle/activate?sendEmail=false", 200)
	post("/api/v1/users/"+id(DemoProvisionedUser)+"/lifecycle/reactivate?sendEmail=false", 200)
	post("/api/v1/users/"+DemoSuspendedUser+"/lifecycle/deactivate", 200)
	post("/api/v1/users/"+DemoSuspendedUser+"/lifecycle/deactivate", 403)
	post("/api/v1/users/nobody/lifecycle/suspend", 404)

	conform(t, srv, "DELETE", "/api/v1/users/"+id(DemoAdminUser)+"/sessions?oauthTokens=true", auth, 204)
	conform(t, srv, "DELETE", "/api/v1/users/00u0000000000000none/sessions", auth, 404)
}

// servedPaths are the spec paths the fake implements.
var servedPaths = []string{
	"/api/v1/users",
	"/api/v1/users/{id}",
	"/api/v1/users/{id}/groups",
	"/api/v1/users/{id}/appLinks",
	"/api/v1/users/{userId}/factors",
	"/api/v1/users/{userId}/roles",
	"/api/v1/users/{userId}/risk",
	"/api/v1/users/{userId}/factors/{factorId}",
	"/api/v1/users/{userId}/sessions",
	"/api/v1/users/{id}/lifecycle/activate",
	"/api/v1/users/{id}/lifecycle/reactivate",
	"/api/v1/users/{id}/lifecycle/deactivate",
	"/api/v1/users/{id}/lifecycle/suspend",
	"/api/v1/users/{id}/lifecycle/unsuspend",
	"/api/v1/users/{id}/lifecycle/unlock",
	"/api/v1/users/{id}/lifecycle/reset_password",
	"/api/v1/users/{id}/lifecycle/expire_password",
	"/api/v1/users/{id}/lifecycle/expire_password_with_temp_password",
	"/api/v1/users/{id}/lifecycle/reset_factors",
	"/api/v1/logs",
	"/api/v1/groups",
	"/api/v1/groups/{groupId}",
	"/api/v1/groups/{groupId}/users",
	"/api/v1/groups/{groupId}/users/{userId}",
	"/api/v1/users/{userId}/factors/{factorId}/verify",
	"/api/v1/users/{userId}/factors/{factorId}/transactions/{transactionId}",
	"/api/v1/zones",
	"/api/v1/zones/{zoneId}",
	"/api/v1/eventHooks",
	"/api/v1/eventHooks/{eventHookId}",
	"/api/v1/eventHooks/{eventHookId}/lifecycle/activate",
	"/api/v1/eventHooks/{eventHookId}/lifecycle/deactivate",
	"/api/v1/eventHooks/{eventHookId}/lifecycle/verify",
}

// keepServedPaths drops every other path, so the router (which validates
// the whole document first) is not held up by defects in operations the
// fake does not serve.
func keepServedPaths(doc *openapi3.T) {
	paths := openapi3.NewPaths()
	for _, p := range servedPaths {
		if item := doc.Paths.Value(p); item != nil {
			paths.Set(p, item)
		}
	}
	doc.Paths = paths
}

// repairSpec fixes defects in the vendor document that make kin-openapi
// refuse to build a router from it, without changing what any operation
// the fake serves declares: an array schema without items (e.g.
// RegistrationInlineHookResponse.commands) gets items of any type.
func repairSpec(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var fix func(ref *openapi3.SchemaRef)
	fix = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if s.Type.Is("array") && s.Items == nil {
			s.Items = openapi3.NewSchemaRef("", openapi3.NewSchema())
		}
		fix(s.Items)
		for _, p := range s.Properties {
			fix(p)
		}
		for _, group := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, r := range group {
				fix(r)
			}
		}
		fix(s.Not)
		if s.AdditionalProperties.Schema != nil {
			fix(s.AdditionalProperties.Schema)
		}
	}
	for _, ref := range doc.Components.Schemas {
		fix(ref)
	}
}
