package tests

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestBadInput: every kind of bad input is a 4xx problem that names what is
// wrong, never a 5xx, never an echo of the token.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	good := token(t, allScopes...)
	readOnly := token(t, "commands:read")
	sign := func(m jwt.SigningMethod, key any, mod func(jwt.MapClaims)) string {
		c := jwt.MapClaims{"iss": "idcmd", "aud": "idcmd", "sub": "x", "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(), "scope": "commands:read commands:write"}
		if mod != nil {
			mod(c)
		}
		s, err := jwt.NewWithClaims(m, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	expired := sign(jwt.SigningMethodHS256, []byte(testSecret), func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() })
	wrongAud := sign(jwt.SigningMethodHS256, []byte(testSecret), func(c jwt.MapClaims) { c["aud"] = "someone-else" })
	wrongAlg := sign(jwt.SigningMethodHS384, []byte(testSecret), nil)
	none := sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil)
	otherKey := sign(jwt.SigningMethodHS256, []byte("another-secret-0123456789abcdef0123"), nil)

	cases := []struct {
		name        string
		method      string
		path        string
		contentType string
		tok         string
		body        []byte
		status      int
		location    string // an errors[].location the problem must name
		detail      string // text the detail must contain
	}{
		{"malformed JSON", "POST", "/api/v1/commands/okta-get-user", "application/json", good, []byte(`{"user":`), 400, "body", ""},
		{"not an object", "POST", "/api/v1/commands/okta-get-user", "application/json", good, []byte(`"jdoe"`), 400, "body", ""},
		{"wrong type", "POST", "/api/v1/commands/okta-get-user", "application/json", good, []byte(`{"user":["a"]}`), 400, "body.user", ""},
		{"wrong type int", "POST", "/api/v1/commands/okta-search-users", "application/json", good, []byte(`{"limit":"10"}`), 400, "body.limit", ""},
		{"unknown field", "POST", "/api/v1/commands/okta-get-user", "application/json", good, []byte(`{"user":"a","userId":"b"}`), 400, "body.userId", ""},
		{"missing required", "POST", "/api/v1/commands/okta-suspend-user", "application/json", good, []byte(`{}`), 400, "body.user", ""},
		{"out of range", "POST", "/api/v1/commands/okta-get-logs", "application/json", good, []byte(`{"limit":5000}`), 400, "body.limit", ""},
		{"bad enum", "POST", "/api/v1/commands/okta-get-logs", "application/json", good, []byte(`{"sort_order":"sideways"}`), 400, "body.sort_order", ""},
		{"bad incident", "POST", "/api/v1/commands/okta-suspend-user", "application/json", good, []byte(`{"user":"a","incident":{"platform":"servicenow","id":"1"}}`), 400, "body.incident.platform", ""},
		{"body over limit", "POST", "/api/v1/commands/okta-get-user", "application/json", good, bytes.Repeat([]byte(" "), 2<<20), 413, "", ""},
		{"wrong content type", "POST", "/api/v1/commands/okta-get-user", "text/plain", good, []byte(`{"user":"a"}`), 415, "", ""},
		{"form content type", "POST", "/api/v1/commands/okta-get-user", "application/x-www-form-urlencoded", good, []byte(`user=a`), 415, "", ""},
		{"unknown command", "POST", "/api/v1/commands/okta-delete-everything", "application/json", good, []byte(`{}`), 404, "", "okta-delete-everything"},
		{"no token", "POST", "/api/v1/commands/okta-get-user", "application/json", "", []byte(`{"user":"a"}`), 401, "", "Bearer"},
		{"expired token", "POST", "/api/v1/commands/okta-get-user", "application/json", expired, []byte(`{"user":"a"}`), 401, "", "expired"},
		{"wrong audience", "POST", "/api/v1/commands/okta-get-user", "application/json", wrongAud, []byte(`{"user":"a"}`), 401, "", "audience"},
		{"wrong algorithm", "POST", "/api/v1/commands/okta-get-user", "application/json", wrongAlg, []byte(`{"user":"a"}`), 401, "", "algorithm"},
		{"alg none", "POST", "/api/v1/commands/okta-get-user", "application/json", none, []byte(`{"user":"a"}`), 401, "", "algorithm"},
		{"wrong key", "POST", "/api/v1/commands/okta-get-user", "application/json", otherKey, []byte(`{"user":"a"}`), 401, "", "signature"},
		{"missing scope", "POST", "/api/v1/commands/okta-suspend-user", "application/json", readOnly, []byte(`{"user":"a"}`), 403, "", "commands:write"},
		{"catalog without token", "GET", "/api/v1/commands", "", "", nil, 401, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			r := e.do(tc.method, tc.path, tc.contentType, tc.tok, tc.body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d:\n%s", r.status, tc.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("content type %q", ct)
			}
			p := r.json(t)
			if p["status"] != float64(tc.status) || p["title"] == "" || p["type"] == "" || p["request_id"] == "" {
				t.Errorf("problem fields: %s", r.body)
			}
			if tc.location != "" {
				found := false
				for _, fe := range asList(p["errors"]) {
					fe := fe.(map[string]any)
					if fe["location"] == tc.location && fe["message"] != "" {
						found = true
					}
				}
				if !found {
					t.Errorf("no error at %s: %s", tc.location, r.body)
				}
			}
			if tc.detail != "" && !strings.Contains(p["detail"].(string), tc.detail) {
				t.Errorf("detail %q lacks %q", p["detail"], tc.detail)
			}
			if tc.tok != "" && strings.Contains(string(r.body), tc.tok) {
				t.Error("the token is echoed in the response")
			}
			if tc.status == 401 && r.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	e.t = t
	// Nothing was sent to Okta for any of these.
	if strings.Contains(e.logs.String(), `"status":500`) {
		t.Error("a bad input produced a 500")
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest(http.MethodGet, e.url+"/api/v2/nothing", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("unknown route: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
