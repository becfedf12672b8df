package pingonetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Spec conformance: the fake's real responses are validated against the
// vendor's OpenAPI documents (the community SDK's generator input, which
// Ping's Terraform provider builds on), so the fake cannot drift into a
// shape PingOne would never send, and a client tested against it cannot
// come to rely on one.
//
// Two documented defects of those documents are worked around in
// loadSpec: TAB characters in descriptions (strict YAML parsers refuse
// them) and the applications listing's oneOf, which no application can
// satisfy (see repairApplications).
//
// Where the spec leaves a response untyped (activities, sessions, the
// password state), the tests in this file check the shape by hand against
// PingOne's data model.

// specDir locates /work/shared/specs from the repository root (the
// directory holding go.mod), which sits beside shared/.
func specDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "specs"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repo root (go.mod) not found")
		}
		dir = parent
	}
}

// specPath is where file is: in shared/specs, or else in the directory
// IDCMD_VENDOR_SPECS names (for a document that is not in shared/specs
// yet, such as the MFA one; see spec_mfa_test.go).
func specPath(file string) (string, error) {
	dir, err := specDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, file)
	if _, err := os.Stat(path); err != nil {
		if extra := os.Getenv("IDCMD_VENDOR_SPECS"); extra != "" {
			return filepath.Join(extra, file), nil
		}
	}
	return path, nil
}

// loadedSpec is one vendor document and its router, loaded once per test
// binary (the management document is 1.4 MB).
type loadedSpec struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	skip   string
	err    error
}

var (
	managementSpec loadedSpec
	riskSpec       loadedSpec
)

// servedManagementPaths are the management spec paths the fake
// implements. Only they are routed, so that defects in operations the fake
// does not serve cannot hold the router up.
var servedManagementPaths = []string{
	"/environments/{environmentID}/users",
	"/environments/{environmentID}/users/{userID}",
	"/environments/{environmentID}/users/{userID}/enabled",
	"/environments/{environmentID}/users/{userID}/password",
	"/environments/{environmentID}/users/{userID}/memberOfGroups",
	"/environments/{environmentID}/users/{userID}/memberOfGroups/{groupID}",
	"/environments/{environmentID}/users/{userID}/roleAssignments",
	"/environments/{environmentID}/users/{userID}/sessions",
	"/environments/{environmentID}/users/{userID}/sessions/{sessionID}",
	"/environments/{environmentID}/groups",
	"/environments/{environmentID}/groups/{groupID}",
	"/environments/{environmentID}/applications",
	"/environments/{environmentID}/applications/{applicationID}",
	"/environments/{environmentID}/activities",
	"/environments/{environmentID}/activities/{activityID}",
	"/roles",
	"/roles/{roleID}",
}

var servedRiskPaths = []string{
	"/environments/{environmentID}/riskEvaluations",
	"/environments/{environmentID}/riskEvaluations/{riskEvaluationID}",
	"/environments/{environmentID}/riskEvaluations/{riskEvaluationID}/event",
}

func (ls *loadedSpec) load(t *testing.T, file string, served []string) (*openapi3.T, routers.Router) {
	t.Helper()
	ls.once.Do(func() {
		path, err := specPath(file)
		if err != nil {
			ls.skip = err.Error()
			return
		}
		data, err := os.ReadFile(path)
		if err != nil {
			ls.skip = "vendor spec not available: " + err.Error()
			return
		}
		// The documents contain TAB characters in some descriptions,
		// which YAML forbids there. One space each keeps every block
		// scalar's first line at least as indented as the block.
		data = bytes.ReplaceAll(data, []byte("\t"), []byte(" "))
		doc, err := openapi3.NewLoader().LoadFromData(data)
		if err != nil {
			ls.err = fmt.Errorf("load %s: %w", path, err)
			return
		}
		// Servers name PingOne's regional hosts; without them the router
		// matches the path relative to the API base, whatever the host.
		doc.Servers = nil
		paths := openapi3.NewPaths()
		for _, p := range served {
			item := doc.Paths.Value(p)
			if item == nil {
				ls.err = fmt.Errorf("%s: no path %s", file, p)
				return
			}
			item.Servers = nil
			paths.Set(p, item)
		}
		doc.Paths = paths
		repairApplications(doc)
		ls.doc = doc
		ls.router, ls.err = gorillamux.NewRouter(doc)
	})
	if ls.skip != "" {
		t.Skip(ls.skip)
	}
	if ls.err != nil {
		t.Fatal(ls.err)
	}
	return ls.doc, ls.router
}

// repairApplications relaxes the oneOf over application kinds to anyOf,
// in the listing (EntityArray._embedded.applications.items) and in
// readOneApplication. ApplicationPingOneAdminConsole declares no required
// properties, so every application also matches it and a oneOf can never
// hold. TestSpecConformanceApplications checks each application against
// the schema of its own protocol instead.
func repairApplications(doc *openapi3.T) {
	anyOf := func(ref *openapi3.SchemaRef) *openapi3.SchemaRef {
		if ref == nil || ref.Value == nil || len(ref.Value.OneOf) == 0 {
			return ref
		}
		repaired := *ref.Value
		repaired.AnyOf, repaired.OneOf = repaired.OneOf, nil
		return openapi3.NewSchemaRef("", &repaired)
	}
	if ea := doc.Components.Schemas["EntityArray"]; ea != nil && ea.Value != nil {
		if emb := ea.Value.Properties["_embedded"]; emb != nil && emb.Value != nil {
			if apps := emb.Value.Properties["applications"]; apps != nil && apps.Value != nil {
				apps.Value.Items = anyOf(apps.Value.Items)
			}
		}
	}
	if item := doc.Paths.Value("/environments/{environmentID}/applications/{applicationID}"); item != nil && item.Get != nil {
		if ok := item.Get.Responses.Status(200); ok != nil && ok.Value != nil {
			if mt := ok.Value.Content.Get("application/json"); mt != nil {
				mt.Schema = anyOf(mt.Schema)
			}
		}
	}
}

func specOptions() *openapi3filter.Options {
	return &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	}
}

// conform validates a response the fake gave to method path (relative to
// the API base, e.g. "/environments/.../users") against the operation in
// the document. An error status the operation does not declare must still
// carry a P1Error body.
func conform(t *testing.T, doc *openapi3.T, router routers.Router, method, path string, r response) {
	t.Helper()
	req, err := http.NewRequest(method, "http://pingone.test"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	route, params, err := router.FindRoute(req)
	if errors.Is(err, routers.ErrMethodNotAllowed) && r.status == http.StatusMethodNotAllowed {
		// Not an operation of PingOne either (e.g. a bulk DELETE of
		// sessions): the refusal must still be a P1Error.
		checkP1Error(t, doc, method+" "+path, r)
		return
	}
	if err != nil {
		t.Fatalf("%s %s: no operation in the spec: %v", method, path, err)
	}
	if r.status >= 400 && route.Operation.Responses.Status(r.status) == nil {
		checkP1Error(t, doc, method+" "+path, r)
		return
	}
	opts := specOptions()
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts},
		Status:                 r.status,
		Header:                 r.header,
		Body:                   io.NopCloser(bytes.NewReader(r.body)),
		Options:                opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s (%s) %d: response does not match the spec:\n%v\nbody: %.800s", method, path, route.Operation.OperationID, r.status, err, r.body)
	}
}

func checkP1Error(t *testing.T, doc *openapi3.T, what string, r response) {
	t.Helper()
	var body any
	r.decode(t, &body)
	if err := doc.Components.Schemas["P1Error"].Value.VisitJSON(body, openapi3.MultiErrors()); err != nil {
		t.Errorf("%s: undeclared %d body is not a P1Error: %v", what, r.status, err)
	}
	r.p1Error(t)
}

// mcall sends a request and validates the response against the management
// document.
func (c *client) mcall(method, path, contentType, body string, want int) response {
	c.t.Helper()
	doc, router := managementSpec.load(c.t, "pingone-management.openapi.yml", servedManagementPaths)
	r := c.do(method, path, contentType, body)
	if r.status != want {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, want, r.body)
	}
	conform(c.t, doc, router, method, "/environments/"+c.srv.EnvironmentID+path, r)
	return r
}

// rcall is mcall for the risk document.
func (c *client) rcall(method, path, body string, want int) response {
	c.t.Helper()
	doc, router := riskSpec.load(c.t, "pingone-risk.openapi.yml", servedRiskPaths)
	r := c.do(method, path, "application/json", body)
	if r.status != want {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, want, r.body)
	}
	conform(c.t, doc, router, method, "/environments/"+c.srv.EnvironmentID+path, r)
	return r
}

func TestSpecConformanceUsers(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	for _, name := range []string{DemoActiveUser, DemoLockedUser, DemoPasswordLockedUser, DemoDisabledUser, DemoNoPasswordUser, DemoRiskyUser} {
		id := userID(t, srv, name)
		c.mcall("GET", "/users/"+id, "", "", 200)
		c.mcall("GET", "/users/"+id+"?include=memberOfGroupIDs", "", "", 200)
		c.mcall("GET", "/users/"+id+"?include=memberOfGroupNames&expand=population", "", "", 200)
		c.mcall("GET", "/users/"+id+"/memberOfGroups", "", "", 200)
		c.mcall("GET", "/users/"+id+"/memberOfGroups?expand=group&limit=2", "", "", 200)
		c.mcall("GET", "/users/"+id+"/memberOfGroups?expand=group&filter=type%20eq%20%22DIRECT%22", "", "", 200)
		c.mcall("GET", "/users/"+id+"/roleAssignments", "", "", 200)
		c.mcall("GET", "/users/"+id+"/enabled", "", "", 200)
	}
	c.mcall("GET", "/users/00000000-0000-4000-8000-000000000000", "", "", 404)
	c.mcall("GET", "/users/"+userID(t, srv, DemoActiveUser)+"?include=everything", "", "", 400)
	for _, q := range []string{
		"", "?limit=5", "?limit=1000", "?filter=username%20eq%20%22jdoe%40example.com%22",
		"?filter=" + urlQuery(`account.status eq "LOCKED" or enabled eq false`),
		"?filter=" + urlQuery(`memberOfGroups[name eq "`+GroupPingOneAdmins+`"]`),
	} {
		c.mcall("GET", "/users"+q, "", "", 200)
	}
	c.mcall("GET", "/users?filter="+urlQuery(`username zz "x"`), "", "", 400)
	c.mcall("GET", "/users?limit=0", "", "", 400)
	c.mcall("GET", "/users?cursor=forged", "", "", 400)
	c.mcall("GET", "/groups", "", "", 200)
	c.mcall("GET", "/groups?filter="+urlQuery(`name sw "Fin"`), "", "", 200)
	c.mcall("GET", "/groups/"+groupIDOf(t, srv.Env(), GroupProdAccess), "", "", 200)
	c.mcall("GET", "/groups/nope", "", "", 404)

	// Rate limiting and authentication failures carry P1Error bodies.
	srv.InjectRateLimit(1)
	c.mcall("GET", "/users", "", "", 429)
	bad := &client{t: t, srv: srv, tok: "not-a-token"}
	bad.mcall("GET", "/users/"+userID(t, srv, DemoActiveUser), "", "", 401)
	srv.InjectStatus(1, http.StatusInternalServerError)
	c.mcall("GET", "/users/"+userID(t, srv, DemoActiveUser), "", "", 500)
	srv.InjectStatus(1, http.StatusForbidden)
	c.mcall("GET", "/users", "", "", 403)
}

func TestSpecConformanceUserActions(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	jdoe := userID(t, srv, DemoActiveUser)
	c.mcall("POST", "/users/"+jdoe, ctAccountLock, `{"unlockAt":"2030-01-01T00:00:00Z"}`, 200)
	c.mcall("POST", "/users/"+jdoe, ctAccountLock, `{"unlockAt":"2020-01-01T00:00:00Z"}`, 400)
	c.mcall("POST", "/users/"+jdoe, ctAccountUnlock, "", 200)
	c.mcall("POST", "/users/"+jdoe, "application/json", "{}", 415)
	c.mcall("PUT", "/users/"+jdoe+"/enabled", "application/json", `{"enabled":false}`, 200)
	c.mcall("PUT", "/users/"+jdoe+"/enabled", "application/json", `{"enabled":true}`, 200)
	c.mcall("PUT", "/users/"+jdoe+"/enabled", "application/json", `{}`, 400)
	c.mcall("GET", "/users/"+jdoe+"/password", "", "", 200)
	c.mcall("POST", "/users/"+jdoe+"/password", displayPasswordForce, "", 200)
	c.mcall("POST", "/users/"+userID(t, srv, DemoDisabledUser)+"/password", displayPasswordRecovery, "", 400)
	c.mcall("DELETE", "/users/"+jdoe+"/sessions", "", "", 405)
	c.mcall("DELETE", "/users/"+jdoe+"/sessions/00000000-0000-4000-8000-000000000000", "", "", 404)
}

func TestSpecConformanceApplications(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	r := c.mcall("GET", "/applications", "", "", 200)
	doc, _ := managementSpec.load(t, "pingone-management.openapi.yml", servedManagementPaths)
	_, apps := decodePage(t, r, "applications")
	kinds := map[string]bool{}
	for _, a := range apps {
		// The repaired anyOf accepts any application; each must still
		// match the schema of its own protocol.
		schema := map[string]string{"OPENID_CONNECT": "ApplicationOIDC", "SAML": "ApplicationSAML"}[a["protocol"].(string)]
		if a["type"] == "PING_ONE_ADMIN_CONSOLE" {
			schema = "ApplicationPingOneAdminConsole"
		}
		if err := doc.Components.Schemas[schema].Value.VisitJSON(a, openapi3.MultiErrors()); err != nil {
			t.Errorf("application %v is not a valid %s: %v", a["name"], schema, err)
		}
		kinds[a["protocol"].(string)+"/"+a["type"].(string)] = true
		c.mcall("GET", "/applications/"+a["id"].(string), "", "", 200)
	}
	for _, k := range []string{"OPENID_CONNECT/WORKER", "OPENID_CONNECT/WEB_APP", "SAML/WEB_APP"} {
		if !kinds[k] {
			t.Errorf("no %s application among %v", k, kinds)
		}
	}
	c.mcall("GET", "/applications/nope", "", "", 404)
	c.mcall("GET", "/activities/nope", "", "", 404)
}

func TestSpecConformanceRoles(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	doc, router := managementSpec.load(t, "pingone-management.openapi.yml", servedManagementPaths)
	for _, path := range []string{"/roles/" + roleByName(RoleEnvironmentAdmin).id, "/roles/nope"} {
		r := send(t, "GET", srv.URL+path, http.Header{"Authorization": {"Bearer " + c.tok}}, "")
		conform(t, doc, router, "GET", path, r)
	}
	r := send(t, "GET", srv.URL+"/roles", http.Header{"Authorization": {"Bearer " + c.tok}}, "")
	_, roles := decodePage(t, r, "roles")
	for _, ro := range roles {
		if err := doc.Components.Schemas["Role"].Value.VisitJSON(ro, openapi3.MultiErrors()); err != nil {
			t.Errorf("role %v: %v", ro["name"], err)
		}
	}
}

func TestSpecConformanceRiskEvaluations(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	body := `{"event":{"ip":"` + DemoTorExitIP + `","user":{"id":"` + userID(t, srv, DemoRiskyUser) + `","name":"` + DemoRiskyUser + `","type":"EXTERNAL"},"flow":{"type":"AUTHENTICATION"},"targetResource":{"name":"Workday"}}}`
	r := c.rcall("POST", "/riskEvaluations", body, 201)
	var created struct{ ID string }
	r.decode(t, &created)
	c.rcall("GET", "/riskEvaluations/"+created.ID, "", 200)
	c.rcall("PUT", "/riskEvaluations/"+created.ID+"/event", `{"completionStatus":"FAILED"}`, 200)
	c.rcall("GET", "/riskEvaluations/nope", "", 404)
	c.rcall("POST", "/riskEvaluations", `{"event":{"user":{"id":"x","type":"EXTERNAL"}}}`, 400)
	// Seeded evaluations are readable too.
	for _, re := range srv.Env().RiskEvaluations(DemoRiskyUser) {
		c.rcall("GET", "/riskEvaluations/"+re.ID, "", 200)
	}
}

func urlQuery(s string) string {
	return strings.NewReplacer("%", "%25", " ", "%20", `"`, "%22", "&", "%26", "+", "%2B", "#", "%23", "[", "%5B", "]", "%5D", "@", "%40").Replace(s)
}

// TestUntypedResponseShapes checks by hand the responses the spec leaves
// untyped, against PingOne's data models (reference §4.3 sessions, §4.5
// activities, the password state).
func TestUntypedResponseShapes(t *testing.T) {
	srv, clk := seeded(t)
	c := newClient(t, srv)
	id := userID(t, srv, DemoActiveUser)
	// hasKeys reports the dotted paths missing from v.
	missing := func(v map[string]any, paths ...string) []string {
		var out []string
		for _, p := range paths {
			cur := any(v)
			for _, k := range strings.Split(p, ".") {
				m, ok := cur.(map[string]any)
				if !ok {
					cur = nil
					break
				}
				cur = m[k]
			}
			if cur == nil {
				out = append(out, p)
			}
		}
		return out
	}

	r := c.get("/users/" + id + "/sessions")
	_, sessions := decodePage(t, must(t, r, 200), "sessions")
	for _, s := range sessions {
		if m := missing(s, "id", "environment.id", "user.id", "createdAt", "activeAt", "browser.name", "browser.version",
			"device.type", "operatingSystem.name", "lastSignOn.at", "lastSignOn.remoteIp", "locations"); len(m) > 0 {
			t.Errorf("session lacks %v: %v", m, s)
		}
		locs := s["locations"].([]any)
		if len(locs) == 0 || len(locs) > 5 {
			t.Errorf("session has %d locations", len(locs))
		}
		if m := missing(locs[0].(map[string]any), "at", "remoteIp"); len(m) > 0 {
			t.Errorf("location lacks %v", m)
		}
	}

	r = must(t, c.get("/activities?limit=200&filter="+urlQuery(activityFilterFor(clk.Now(), `actors.user.id eq "`+id+`"`))), 200)
	_, acts := decodePage(t, r, "activities")
	if len(acts) == 0 {
		t.Fatalf("%d activities", len(acts))
	}
	for _, a := range acts {
		if m := missing(a, "_links.self.href", "id", "recordedAt", "createdAt", "correlationId",
			"actors.user.id", "actors.user.name", "actors.user.type", "actors.user.environment.id", "actors.user.population.id", "actors.user.href",
			"actors.client.id", "actors.client.name", "actors.client.type", "actors.client.environment.id", "actors.client.href",
			"action.type", "action.description", "resources", "result.status", "source.ipAddress", "source.userAgent"); len(m) > 0 {
			t.Errorf("activity lacks %v: %v", m, a)
		}
		for _, res := range a["resources"].([]any) {
			if m := missing(res.(map[string]any), "type", "id", "environment.id"); len(m) > 0 {
				t.Errorf("resource lacks %v", m)
			}
		}
	}

	var pw map[string]any
	must(t, c.do("POST", "/users/"+id+"/password", displayPasswordForce, ""), 200).decode(t, &pw)
	if m := missing(pw, "status", "lastChangedAt", "user.id", "environment.id", "passwordPolicy.id", "_links.self.href"); len(m) > 0 {
		t.Errorf("password state lacks %v: %v", m, pw)
	}
}
