package pingonetest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

var lockTypes = []string{"USER.LOCKED", "USER.UNLOCKED"}

func TestSubscriptionCRUD(t *testing.T) {
	srv, _ := empty(t)
	c := newClient(t, srv)
	body := subBody("https://siem.example.com/pingone", lockTypes)
	r := must(t, c.do("POST", "/subscriptions", "application/json", body), http.StatusCreated)
	var got map[string]any
	r.decode(t, &got)
	id, _ := got["id"].(string)
	if id == "" || r.header.Get("Location") != c.envURL("/subscriptions/"+id) {
		t.Fatalf("created %s, Location %q", r.body, r.header.Get("Location"))
	}
	// Defaults are filled in and the headers are returned, as PingOne does.
	po := got["payloadOptions"].(map[string]any)
	if lim := po["maximumPayloadLimit"].(map[string]any); lim["type"] != LimitEventsPerPayload || lim["size"] != 500.0 {
		t.Errorf("payload limit default: %v", lim)
	}
	if f := po["payloadFormat"].(map[string]any)["https"].(map[string]any); f["format"] != PayloadJSONArray {
		t.Errorf("payload format default: %v", f)
	}
	if h := got["httpEndpoint"].(map[string]any)["headers"].(map[string]any); h["X-Hook-Secret"] != "s3cret" {
		t.Errorf("headers: %v", h)
	}
	if fo := got["filterOptions"].(map[string]any); fo["ipAddressExposed"] != false || fo["userAgentExposed"] != false {
		t.Errorf("exposure defaults: %v", fo)
	}

	must(t, c.get("/subscriptions/"+id), http.StatusOK)
	_, items := decodePage(t, must(t, c.get("/subscriptions"), http.StatusOK), "subscriptions")
	if len(items) != 1 || items[0]["id"] != id {
		t.Fatalf("list: %v", items)
	}

	upd := subBody("https://siem.example.com/v2", []string{"USER.DELETED"}, func(m map[string]any) { m["enabled"] = false; m["name"] = "renamed" })
	r = must(t, c.do("PUT", "/subscriptions/"+id, "application/json", upd), http.StatusOK)
	r.decode(t, &got)
	if got["name"] != "renamed" || got["enabled"] != false || got["httpEndpoint"].(map[string]any)["url"] != "https://siem.example.com/v2" {
		t.Errorf("updated: %s", r.body)
	}
	if s := srv.Subscriptions(); len(s) != 1 || s[0].Name != "renamed" || s[0].ActionTypes[0] != "USER.DELETED" {
		t.Errorf("fake holds %+v", s)
	}
	must(t, c.do("PUT", "/subscriptions/nope", "application/json", upd), http.StatusNotFound)
	must(t, c.do("DELETE", "/subscriptions/"+id, "", ""), http.StatusNoContent)
	must(t, c.get("/subscriptions/"+id), http.StatusNotFound)
	must(t, c.do("DELETE", "/subscriptions/"+id, "", ""), http.StatusNotFound)
	must(t, c.do("PATCH", "/subscriptions/"+id, "application/json", "{}"), http.StatusMethodNotAllowed)
	// An API call needs a token, as every other route does.
	bad := &client{t: t, srv: srv, tok: "not-a-token"}
	must(t, bad.do("POST", "/subscriptions", "application/json", body), http.StatusUnauthorized)
}

func TestSubscriptionValidation(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	types := []string{"USER.LOCKED"}
	del := func(keys ...string) func(map[string]any) {
		return func(m map[string]any) {
			for _, k := range keys {
				obj, key := m, k
				if a, b, ok := strings.Cut(k, "."); ok {
					obj, key = sub(m, a), b
				}
				delete(obj, key)
			}
		}
	}
	set := func(path string, v any) func(map[string]any) {
		return func(m map[string]any) {
			parts := strings.Split(path, ".")
			obj := m
			for _, p := range parts[:len(parts)-1] {
				obj = sub(obj, p)
			}
			obj[parts[len(parts)-1]] = v
		}
	}
	for _, tc := range []struct {
		name, target, code string
		mod                func(map[string]any)
	}{
		{"no name", "name", detailRequiredValue, del("name")},
		{"no enabled", "enabled", detailRequiredValue, del("enabled")},
		{"no verifyTlsCertificates", "verifyTlsCertificates", detailRequiredValue, del("verifyTlsCertificates")},
		{"no format", "format", detailRequiredValue, del("format")},
		{"no url", "httpEndpoint.url", detailRequiredValue, del("httpEndpoint.url")},
		{"no action types", "filterOptions.includedActionTypes", detailRequiredValue, del("filterOptions.includedActionTypes")},
		{"empty action types", "filterOptions.includedActionTypes", detailInvalidValue, set("filterOptions.includedActionTypes", []string{})},
		{"SOP name", "filterOptions.includedActionTypes[1]", detailInvalidValue, set("filterOptions.includedActionTypes", []string{"USER.LOCKED", "USER_LOGIN"})},
		{"bad format", "format", detailInvalidValue, set("format", "XML")},
		{"splunk", "format", detailInvalidValue, set("format", "SPLUNK")},
		{"http elsewhere", "httpEndpoint.url", detailInvalidValue, set("httpEndpoint.url", "http://siem.example.com/hook")},
		{"not a URL", "httpEndpoint.url", detailInvalidValue, set("httpEndpoint.url", "siem.example.com")},
		{"ftp", "httpEndpoint.url", detailInvalidValue, set("httpEndpoint.url", "ftp://siem.example.com/")},
		{"bad header", "httpEndpoint.headers", detailInvalidValue, set("httpEndpoint.headers", map[string]string{"Bad Header": "x"})},
		{"events 0", "payloadOptions.maximumPayloadLimit.size", detailInvalidValue, set("payloadOptions.maximumPayloadLimit", map[string]any{"type": "EVENTS_PER_PAYLOAD", "size": 0})},
		{"events 501", "payloadOptions.maximumPayloadLimit.size", detailInvalidValue, set("payloadOptions.maximumPayloadLimit", map[string]any{"type": "EVENTS_PER_PAYLOAD", "size": 501})},
		{"kb 4097", "payloadOptions.maximumPayloadLimit.size", detailInvalidValue, set("payloadOptions.maximumPayloadLimit", map[string]any{"type": "KB_PER_PAYLOAD", "size": 4097})},
		{"kb no size", "payloadOptions.maximumPayloadLimit.size", detailInvalidValue, set("payloadOptions.maximumPayloadLimit", map[string]any{"type": "KB_PER_PAYLOAD"})},
		{"limit type", "payloadOptions.maximumPayloadLimit.type", detailInvalidValue, set("payloadOptions.maximumPayloadLimit", map[string]any{"type": "LINES"})},
		{"payload format", "payloadOptions.payloadFormat.https.format", detailInvalidValue, set("payloadOptions.payloadFormat", map[string]any{"https": map[string]any{"format": "XML"}})},
		{"tag", "filterOptions.includedTags[0]", detailInvalidValue, set("filterOptions.includedTags", []string{"everything"})},
		{"unknown app", "filterOptions.includedApplications[0].id", detailInvalidValue, set("filterOptions.includedApplications", []map[string]string{{"id": "nope"}})},
		{"unknown population", "filterOptions.includedPopulations[0].id", detailInvalidValue, set("filterOptions.includedPopulations", []map[string]string{{"id": "nope"}})},
		{"tcp", "protocol", detailInvalidValue, set("protocol", "TCP_IP")},
		{"mtls without verify", "tlsClientAuthKeyPair", detailConstraintViolation, set("tlsClientAuthKeyPair", map[string]string{"id": "k"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do("POST", "/subscriptions", "application/json", subBody("https://siem.example.com/", types, tc.mod))
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			e := r.p1Error(t)
			if e.Code != codeInvalidData || len(e.Details) == 0 || e.Details[0].Target != tc.target || e.Details[0].Code != tc.code {
				t.Errorf("error %s, want detail %s on %s", r.body, tc.code, tc.target)
			}
		})
	}
	if n := len(srv.Subscriptions()); n != 0 {
		t.Errorf("%d subscriptions stored from bad requests", n)
	}
	must(t, c.do("POST", "/subscriptions", "text/plain", subBody("https://x.example/", types)), http.StatusUnsupportedMediaType)
	must(t, c.do("POST", "/subscriptions", "application/json", `{"name":`), http.StatusBadRequest)

	// The fake's one deviation: http:// on loopback hosts only.
	for _, u := range []string{"http://127.0.0.1:8080/pingone/webhook", "http://localhost/hook", "http://[::1]:9/x", "HTTPS://siem.example.com/"} {
		must(t, c.do("POST", "/subscriptions", "application/json", subBody(u, types)), http.StatusCreated)
	}
	// Real filters are accepted.
	app := srv.Env().appByNameLocked("Salesforce").id
	pop := populationIDOf(t, srv.Env(), PopulationEmployees)
	must(t, c.do("POST", "/subscriptions", "application/json", subBody("https://siem.example.com/", types,
		set("filterOptions.includedApplications", []map[string]string{{"id": app}}),
		set("filterOptions.includedPopulations", []map[string]string{{"id": pop}}),
		set("filterOptions.includedTags", []string{"adminIdentityEvent"}),
		set("payloadOptions", map[string]any{"maximumPayloadLimit": map[string]any{"type": "KB_PER_PAYLOAD", "size": 4096},
			"payloadFormat": map[string]any{"https": map[string]any{"format": "ND_JSON"}}}))), http.StatusCreated)
}

func TestSubscriptionLimit(t *testing.T) {
	srv, _ := empty(t)
	c := newClient(t, srv)
	for i := range MaxSubscriptions {
		createSub(t, c, subBody(fmt.Sprintf("https://siem.example.com/%d", i), lockTypes))
	}
	r := must(t, c.do("POST", "/subscriptions", "application/json", subBody("https://siem.example.com/51", lockTypes)), http.StatusForbidden)
	if e := r.p1Error(t); len(e.Details) == 0 || e.Details[0].Code != detailConstraintViolation {
		t.Errorf("limit error %s", r.body)
	}
	// Deleting one makes room again.
	id := srv.Subscriptions()[0].ID
	must(t, c.do("DELETE", "/subscriptions/"+id, "", ""), http.StatusNoContent)
	createSub(t, c, subBody("https://siem.example.com/51", lockTypes))
}
