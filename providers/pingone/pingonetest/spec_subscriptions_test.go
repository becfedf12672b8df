package pingonetest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// Spec conformance of the Subscriptions (webhooks) routes: the requests
// the tests send and the fake's answers are validated against the
// management document's createSubscription, readAllSubscriptions,
// readOneSubscription, updateSubscription and deleteSubscription.

var subscriptionsSpec loadedSpec

var servedSubscriptionPaths = []string{
	"/environments/{environmentID}/subscriptions",
	"/environments/{environmentID}/subscriptions/{subscriptionID}",
}

// scall sends a request whose body (if any) must be a valid Subscription,
// and validates the answer.
func (c *client) scall(method, path, body string, want int) response {
	c.t.Helper()
	doc, router := subscriptionsSpec.load(c.t, "pingone-management.openapi.yml", servedSubscriptionPaths)
	full := "/environments/" + c.srv.EnvironmentID + path
	if body != "" && want < 400 {
		req, err := http.NewRequest(method, "http://pingone.test"+full, bytes.NewReader([]byte(body)))
		if err != nil {
			c.t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		route, params, err := router.FindRoute(req)
		if err != nil {
			c.t.Fatal(err)
		}
		if err := openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route, Options: specOptions(),
		}); err != nil {
			c.t.Errorf("%s %s: request does not match the spec: %v\n%s", method, path, err, body)
		}
	}
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	r := c.do(method, path, ct, body)
	if r.status != want {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, want, r.body)
	}
	conform(c.t, doc, router, method, full, r)
	return r
}

func TestSpecConformanceSubscriptions(t *testing.T) {
	srv, _ := fastDelivery(t, true)
	c := newClient(t, srv)
	full := subBody("https://siem.example.com/pingone", []string{"USER.LOCKED", "PASSWORD.CHECK_FAILED"}, func(m map[string]any) {
		m["protocol"] = "HTTPS"
		fo := sub(m, "filterOptions")
		fo["includedPopulations"] = []map[string]string{{"id": populationIDOf(t, srv.Env(), PopulationEmployees)}}
		fo["includedTags"] = []string{"adminIdentityEvent"}
		fo["ipAddressExposed"], fo["userAgentExposed"] = true, true
		m["payloadOptions"] = map[string]any{
			"maximumPayloadLimit": map[string]any{"type": "EVENTS_PER_PAYLOAD", "size": 100},
			"payloadFormat":       map[string]any{"https": map[string]any{"format": "ND_JSON", "prettyPrint": false}},
		}
	})
	r := c.scall("POST", "/subscriptions", full, http.StatusCreated)
	var created struct{ ID string }
	r.decode(t, &created)
	c.scall("POST", "/subscriptions", subBody("http://127.0.0.1:8080/pingone/webhook", []string{"USER.LOCKED"}), http.StatusCreated)
	c.scall("GET", "/subscriptions", "", http.StatusOK)
	c.scall("GET", "/subscriptions/"+created.ID, "", http.StatusOK)
	c.scall("PUT", "/subscriptions/"+created.ID, subBody("https://siem.example.com/v2", []string{"USER.UNLOCKED"}), http.StatusOK)
	c.scall("DELETE", "/subscriptions/"+created.ID, "", http.StatusNoContent)
	c.scall("GET", "/subscriptions/"+created.ID, "", http.StatusNotFound)
	c.scall("PUT", "/subscriptions/"+created.ID, subBody("https://siem.example.com/v2", []string{"USER.UNLOCKED"}), http.StatusNotFound)
	c.scall("DELETE", "/subscriptions/"+created.ID, "", http.StatusNotFound)
	c.scall("POST", "/subscriptions", `{"name":"x"}`, http.StatusBadRequest)
	c.scall("POST", "/subscriptions", subBody("http://siem.example.com/", []string{"USER.LOCKED"}), http.StatusBadRequest)
	c.scall("PATCH", "/subscriptions/"+created.ID, "", http.StatusMethodNotAllowed)
	for range MaxSubscriptions - 1 {
		c.do("POST", "/subscriptions", "application/json", subBody("https://siem.example.com/", []string{"USER.LOCKED"}))
	}
	c.scall("POST", "/subscriptions", subBody("https://siem.example.com/", []string{"USER.LOCKED"}), http.StatusForbidden)
	srv.InjectRateLimit(1)
	c.scall("GET", "/subscriptions", "", http.StatusTooManyRequests)
	bad := &client{t: t, srv: srv, tok: "not-a-token"}
	bad.scall("GET", "/subscriptions", "", http.StatusUnauthorized)
}

// TestBurstActionTypesAreReal checks that every action type a burst
// records is one PingOne has (the observed list in shared/specs).
func TestBurstActionTypesAreReal(t *testing.T) {
	known := knownActionTypes(t)
	for _, kind := range BurstKinds() {
		srv, _ := seeded(t)
		if _, err := srv.EmitBurst(kind); err != nil {
			t.Fatal(err)
		}
		for _, a := range srv.Env().Activities() {
			if !known[a.Type] {
				t.Errorf("%s: %s is not a PingOne action type", kind, a.Type)
			}
		}
	}
}

// knownActionTypes loads the observed action types, or skips.
func knownActionTypes(t *testing.T) map[string]bool {
	t.Helper()
	path, err := specPath("pingone-audit-action-types.json")
	if err != nil {
		t.Skip(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Skip("action type list not available: ", err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ActionTypes   []string `json:"actionTypes"`
		ExtraObserved []string `json:"extraObserved"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, s := range append(doc.ActionTypes, doc.ExtraObserved...) {
		known[s] = true
	}
	return known
}
