package pingonetest

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestTokenEndpoint(t *testing.T) {
	srv, _ := empty(t)
	form := "application/x-www-form-urlencoded"
	good := basic(srv.ClientID, srv.ClientSecret)
	tests := []struct {
		name       string
		method     string
		url        string
		header     http.Header
		body       string
		wantStatus int
		wantError  string // OAuth error code; "" for success
	}{
		{"basic", "POST", srv.TokenURL(), http.Header{"Content-Type": {form}, "Authorization": {"Basic " + good}},
			"grant_type=client_credentials", 200, ""},
		{"client_secret_post", "POST", srv.TokenURL(), http.Header{"Content-Type": {form}},
			"grant_type=client_credentials&client_id=" + srv.ClientID + "&client_secret=" + srv.ClientSecret, 200, ""},
		{"wrong secret basic", "POST", srv.TokenURL(), http.Header{"Content-Type": {form}, "Authorization": {"Basic " + basic(srv.ClientID, "nope")}},
			"grant_type=client_credentials", 401, "invalid_client"},
		{"wrong secret post", "POST", srv.TokenURL(), http.Header{"Content-Type": {form}},
			"grant_type=client_credentials&client_id=" + srv.ClientID + "&client_secret=nope", 401, "invalid_client"},
		{"unknown client", "POST", srv.TokenURL(), http.Header{"Content-Type": {form}, "Authorization": {"Basic " + basic("someone", srv.ClientSecret)}},
			"grant_type=client_credentials", 401, "invalid_client"},
		{"no credentials", "POST", srv.TokenURL(), http.Header{"Content-Type": {form}},
			"grant_type=client_credentials", 401, "invalid_client"},
		{"both methods", "POST", srv.TokenURL(), http.Header{"Content-Type": {form}, "Authorization": {"Basic " + good}},
			"grant_type=client_credentials&client_id=" + srv.ClientID + "&client_secret=" + srv.ClientSecret, 400, "invalid_request"},
		{"unsupported grant", "POST", srv.TokenURL(), http.Header{"Content-Type": {form}, "Authorization": {"Basic " + good}},
			"grant_type=password&username=a&password=b", 400, "unsupported_grant_type"},
		{"missing grant", "POST", srv.TokenURL(), http.Header{"Content-Type": {form}, "Authorization": {"Basic " + good}},
			"", 400, "invalid_request"},
		{"json body", "POST", srv.TokenURL(), http.Header{"Content-Type": {"application/json"}, "Authorization": {"Basic " + good}},
			`{"grant_type":"client_credentials"}`, 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, tt.method, tt.url, tt.header, tt.body)
			if r.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.status, tt.wantStatus, r.body)
			}
			if r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q", r.header.Get("Cache-Control"))
			}
			if tt.wantError != "" {
				var e oauthError
				r.decode(t, &e)
				if e.Error != tt.wantError || e.Description == "" {
					t.Errorf("error = %+v, want %s", e, tt.wantError)
				}
				return
			}
			var tr tokenResponse
			r.decode(t, &tr)
			if tr.AccessToken == "" || tr.TokenType != "Bearer" || tr.ExpiresIn != 3600 {
				t.Errorf("token response %+v", tr)
			}
		})
	}

	t.Run("wrong environment", func(t *testing.T) {
		r := send(t, "POST", srv.AuthURL+"/00000000-0000-4000-8000-000000000000/as/token",
			http.Header{"Content-Type": {form}, "Authorization": {"Basic " + good}}, "grant_type=client_credentials")
		if r.status != 404 || r.p1Error(t).Code != "NOT_FOUND" {
			t.Errorf("status %d body %s", r.status, r.body)
		}
	})
	t.Run("GET", func(t *testing.T) {
		r := send(t, "GET", srv.TokenURL(), nil, "")
		if r.status != 405 || r.header.Get("Allow") != "POST" {
			t.Errorf("status %d Allow %q", r.status, r.header.Get("Allow"))
		}
	})
	t.Run("form-encoded basic credentials", func(t *testing.T) {
		// golang.org/x/oauth2 form-encodes the ID and secret before
		// Basic encoding (RFC 6749 §2.3.1).
		secret := "s3cr3t+/=&"
		srv := NewServer(Options{ClientSecret: secret})
		defer srv.Close()
		r := send(t, "POST", srv.TokenURL(), http.Header{
			"Content-Type": {form}, "Authorization": {"Basic " + basic(srv.ClientID, secret)},
		}, "grant_type=client_credentials")
		must(t, r, 200)
		r = send(t, "POST", srv.TokenURL(), http.Header{"Content-Type": {form}},
			"grant_type=client_credentials&client_id="+srv.ClientID+"&client_secret="+url.QueryEscape(secret))
		must(t, r, 200)
	})
}

func TestTokenExpiry(t *testing.T) {
	clk := newClock()
	srv := NewServer(Options{Now: clk.Now, TokenTTL: 10 * time.Minute})
	defer srv.Close()
	c := newClient(t, srv)
	path := "/users"
	must(t, c.get(path), 200)

	clk.Advance(9*time.Minute + 59*time.Second)
	must(t, c.get(path), 200)
	clk.Advance(time.Second)
	r := must(t, c.get(path), 401)
	if e := r.p1Error(t); e.Code != "ACCESS_FAILED" || e.Message != "The request could not be completed. You do not have access to this resource." {
		t.Errorf("expired token error = %+v", e)
	}

	// A fresh token works; ExpireTokens expires it, and the next one works
	// again.
	c.tok = fetchToken(t, srv)
	must(t, c.get(path), 200)
	srv.ExpireTokens()
	must(t, c.get(path), 401)
	c.tok = fetchToken(t, srv)
	must(t, c.get(path), 200)
}

func TestTokenTTLAdvertised(t *testing.T) {
	srv := NewServer(Options{TokenTTL: 90 * time.Second})
	defer srv.Close()
	r := send(t, "POST", srv.TokenURL(), http.Header{
		"Content-Type": {"application/x-www-form-urlencoded"}, "Authorization": {"Basic " + basic(srv.ClientID, srv.ClientSecret)},
	}, "grant_type=client_credentials")
	var tr tokenResponse
	must(t, r, 200).decode(t, &tr)
	if tr.ExpiresIn != 90 {
		t.Errorf("expires_in = %d, want 90", tr.ExpiresIn)
	}
}

func TestAPIAuthentication(t *testing.T) {
	srv, _ := empty(t)
	tok := fetchToken(t, srv)
	users := srv.URL + "/environments/" + srv.EnvironmentID + "/users"
	tests := []struct {
		name   string
		auth   string
		status int
	}{
		{"none", "", 401},
		{"unknown token", "Bearer nope", 401},
		{"basic scheme", "Basic " + basic(srv.ClientID, srv.ClientSecret), 401},
		{"bearer", "Bearer " + tok, 200},
		{"lower-case scheme", "bearer " + tok, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.auth != "" {
				h.Set("Authorization", tt.auth)
			}
			r := send(t, "GET", users, h, "")
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.status == 401 {
				e := r.p1Error(t)
				if e.Code != "ACCESS_FAILED" || len(e.Details) != 1 || e.Details[0].Code != "INVALID_TOKEN" {
					t.Errorf("error = %+v", e)
				}
			}
		})
	}
}
