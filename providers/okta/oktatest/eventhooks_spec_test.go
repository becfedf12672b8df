package oktatest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// conformRequest validates a request body the tests send against the
// operation's requestBody, so the bodies the fake accepts are the spec's.
func conformRequest(t *testing.T, srv *Server, method, path string, body []byte) {
	t.Helper()
	router := specRouter(t)
	req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		t.Errorf("%s %s: request body does not match the spec: %v", method, path, err)
	}
}

func TestSpecConformanceEventHooks(t *testing.T) {
	srv, _ := hookServer(t)
	rc := newReceiver(t)
	auth := "SSWS " + srv.Token
	body := hookBody("Event Hook Test", rc.URL+"/hook", "user.session.start", "user.account.lock")
	conformRequest(t, srv, "POST", eventHooksPath, body)
	var h hookJSON
	conformBody(t, srv, "POST", eventHooksPath, auth, body, 200).decode(t, &h)
	bad := []byte(`{"name":"x","events":{"type":"EVENT_TYPE","items":["user.session.start"]},"channel":{"type":"HTTP","version":"1.0.0","config":{"uri":"http://hooks.example.com"}}}`)
	conformRequest(t, srv, "POST", eventHooksPath, bad)
	conformBody(t, srv, "POST", eventHooksPath, auth, bad, 400)

	one := eventHooksPath + "/" + h.ID
	conform(t, srv, "GET", eventHooksPath, auth, 200)
	conform(t, srv, "GET", one, auth, 200)
	conform(t, srv, "GET", eventHooksPath+"/whoNoSuchHook0000000", auth, 404)
	conform(t, srv, "POST", one+"/lifecycle/verify", auth, 200)

	replaced := hookBody("Event Hook Test", rc.URL+"/hook", "user.session.start")
	conformRequest(t, srv, "PUT", one, replaced)
	conformBody(t, srv, "PUT", one, auth, replaced, 200)
	conform(t, srv, "DELETE", one, auth, 403)
	conform(t, srv, "POST", one+"/lifecycle/deactivate", auth, 200)
	conform(t, srv, "POST", one+"/lifecycle/activate", auth, 200)
	conform(t, srv, "POST", one+"/lifecycle/deactivate", auth, 200)

	failing := hookBody("Failing", rc.URL+"/hook", "user.session.start")
	rc.answer = func(*http.Request, int) (int, string) { return 404, "" }
	var f hookJSON
	conformBody(t, srv, "POST", eventHooksPath, auth, failing, 200).decode(t, &f)
	conform(t, srv, "POST", eventHooksPath+"/"+f.ID+"/lifecycle/verify", auth, 400)

	conform(t, srv, "DELETE", one, auth, 204)
	conform(t, srv, "DELETE", one, auth, 404)
	var list []json.RawMessage
	conform(t, srv, "GET", eventHooksPath, auth, 200).decode(t, &list)
	if len(list) != 1 {
		t.Errorf("%d hooks left", len(list))
	}
}
