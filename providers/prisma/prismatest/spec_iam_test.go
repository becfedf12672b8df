package prismatest

import (
	"bytes"
	"context"
	"encoding/json"

	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// The IAM search routes are checked against pan.dev's IAMMicroService.json,
// loaded like the others by loadCSPMDoc (spec_alerts_test.go): fetched
// content is not committed, so without IDCMD_VENDOR_SPECS the test skips.

// iamCall is one raw call to the fake with a fresh JWT.
type iamCall struct {
	status int
	header http.Header
	body   []byte
}

func postIAM(t *testing.T, srv *Server, tok, path, body string) iamCall {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("x-redlock-auth", tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return iamCall{status: resp.StatusCode, header: resp.Header, body: b}
}

func TestSpecConformanceIAMSearch(t *testing.T) {
	_, router := loadCSPMDoc(t, "IAMMicroService.json")
	c := newSpecClient(t)
	srv, tok := c.srv, c.tok

	check := func(p, reqBody string, r iamCall) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, "http://prisma.test"+p, strings.NewReader(reqBody))
		req.Header.Set("Content-Type", "application/json")
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		opts := &openapi3filter.Options{IncludeResponseStatus: false, MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
		rin := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
		if err := openapi3filter.ValidateRequest(context.Background(), rin); err != nil {
			t.Errorf("%s: the test's request does not match the spec: %v", p, err)
		}
		if r.status >= 400 {
			// Undeclared error statuses: the IAM error body, no x-redlock-status.
			if r.header.Get("x-redlock-status") != "" {
				t.Errorf("%s %d: IAM errors carry no x-redlock-status", p, r.status)
			}
			var eb struct {
				Error *struct{ Code, Message, Target string } `json:"error"`
			}
			if json.Unmarshal(r.body, &eb) != nil || eb.Error == nil || eb.Error.Code == "" || eb.Error.Message == "" {
				t.Errorf("%s %d: not Prisma's error body: %s", p, r.status, r.body)
			}
			return
		}
		in := &openapi3filter.ResponseValidationInput{RequestValidationInput: rin, Status: r.status, Header: r.header,
			Body: io.NopCloser(bytes.NewReader(r.body)), Options: opts}
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			t.Errorf("%s %d: response does not match the spec: %v\n%.600s", p, r.status, err, r.body)
		}
	}

	q := `{"query":"config from iam where source.idp.service = 'Okta' AND source.idp.email = 'awong@example.com'","limit":5}`
	r := postIAM(t, srv, tok, "/api/v1/permission", q)
	if r.status != 200 {
		t.Fatalf("search: %d %s", r.status, r.body)
	}
	check("/api/v1/permission", q, r)
	var first struct {
		Data struct {
			NextPageToken string `json:"nextPageToken"`
		} `json:"data"`
	}
	_ = json.Unmarshal(r.body, &first)
	if first.Data.NextPageToken == "" {
		t.Fatal("no nextPageToken on a 14-row search at limit 5")
	}
	pq, _ := json.Marshal(map[string]any{"pageToken": first.Data.NextPageToken, "limit": 5})
	r = postIAM(t, srv, tok, "/api/v1/permission/page", string(pq))
	if r.status != 200 {
		t.Fatalf("page: %d %s", r.status, r.body)
	}
	check("/api/v1/permission/page", string(pq), r)

	cloud := `{"query":"config from iam where source.email = 'dlee@example.com' AND dest.cloud.type IN ('AWS','AZURE')","limit":50}`
	check("/api/v1/permission", cloud, postIAM(t, srv, tok, "/api/v1/permission", cloud))
	bad := `{"query":"config from iam where source.idp.email = 'x' OR source.idp.email != ''","limit":5}`
	r = postIAM(t, srv, tok, "/api/v1/permission", bad)
	if r.status != 400 {
		t.Fatalf("OR query: %d", r.status)
	}
	check("/api/v1/permission", bad, r)
	badTok := `{"pageToken":"bm90IGEgdG9rZW4=","limit":5}`
	r = postIAM(t, srv, tok, "/api/v1/permission/page", badTok)
	if r.status != 400 {
		t.Fatalf("forged token: %d", r.status)
	}
	check("/api/v1/permission/page", badTok, r)

}
