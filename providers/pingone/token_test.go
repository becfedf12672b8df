package pingone

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcmd/idcmd/providers/upstream"
)

func okUsers(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, hal("users", "")) }

func TestTokenRequestBasicAndPost(t *testing.T) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(testClientID)+":"+url.QueryEscape(testSecret)))
	tests := []struct {
		style    string
		wantAuth string
		wantForm map[string]string
	}{
		{"", basic, map[string]string{"grant_type": "client_credentials"}},
		{"basic", basic, map[string]string{"grant_type": "client_credentials"}},
		{"post", "", map[string]string{"grant_type": "client_credentials", "client_id": testClientID, "client_secret": testSecret}},
	}
	for _, tt := range tests {
		t.Run(tt.style, func(t *testing.T) {
			c, _, e := newTestClient(t, http.HandlerFunc(okUsers), func(cfg *Config) { cfg.AuthStyle = tt.style })
			if err := c.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
			reqs := e.TokenRequests()
			if len(reqs) != 1 {
				t.Fatalf("%d token requests, want 1", len(reqs))
			}
			got := reqs[0]
			if got.auth != tt.wantAuth {
				t.Errorf("Authorization = %q, want %q", got.auth, tt.wantAuth)
			}
			if diff := cmp.Diff(tt.wantForm, got.form); diff != "" {
				t.Errorf("form (-want +got):\n%s", diff)
			}
			if got.contentType != "application/x-www-form-urlencoded" || got.userAgent != "idcmd/test" || got.accept != "application/json" {
				t.Errorf("headers: Content-Type %q, User-Agent %q, Accept %q", got.contentType, got.userAgent, got.accept)
			}
		})
	}
}

func TestTokenReusedUntilShortlyBeforeExpiry(t *testing.T) {
	tests := []struct {
		name       string
		expiresIn  int
		wantTokens int
	}{
		// An hour-long token serves both calls.
		{"fresh", 3600, 1},
		// A token with less than refreshEarly left is renewed before use.
		{"about to expire", int(refreshEarly.Seconds()) - 30, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen []string
			var mu sync.Mutex
			c, _, e := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				seen = append(seen, r.Header.Get("Authorization"))
				mu.Unlock()
				okUsers(w, r)
			}), nil)
			e.expiresIn = tt.expiresIn
			for range 2 {
				if err := c.Ping(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			if n := len(e.TokenRequests()); n != tt.wantTokens {
				t.Errorf("%d token requests, want %d", n, tt.wantTokens)
			}
			if want := fmt.Sprintf("Bearer tok-%d", tt.wantTokens); seen[1] != want {
				t.Errorf("second call sent %q, want %q", seen[1], want)
			}
		})
	}
}

func TestTokenSharedByConcurrentCalls(t *testing.T) {
	c, _, e := newTestClient(t, http.HandlerFunc(okUsers), nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := c.Ping(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(e.TokenRequests()); n != 1 {
		t.Errorf("%d token requests for 8 concurrent calls, want 1", n)
	}
}

func TestUnauthorizedRefreshesTokenOnce(t *testing.T) {
	t.Run("revoked token replaced", func(t *testing.T) {
		c, _, e := newTestClient(t, http.HandlerFunc(okUsers), nil)
		if err := c.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
		e.Revoke("tok-1") // PingOne forgot it before its expiry
		// A send-once action is safe to repeat after a 401: PingOne did nothing.
		if err := c.SendRecoveryCode(context.Background(), testUserID); err != nil {
			t.Fatal(err)
		}
		if n := len(e.TokenRequests()); n != 2 {
			t.Errorf("%d token requests, want 2", n)
		}
		if n := e.APIHits(); n != 3 {
			t.Errorf("%d API requests, want 3 (ping, refused, retried)", n)
		}
	})
	t.Run("still refused", func(t *testing.T) {
		c, _, e := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 401, `{"id":"x","code":"ACCESS_FAILED","message":"You do not have access to this resource."}`)
		}), nil)
		err := c.Ping(context.Background())
		ue := upstream.As(err)
		if ue == nil || ue.Kind != upstream.Unauthorized || ue.Code != "ACCESS_FAILED" || ue.Status != 401 {
			t.Fatalf("err = %#v, want Unauthorized ACCESS_FAILED", err)
		}
		if n, hits := len(e.TokenRequests()), e.APIHits(); n != 2 || hits != 2 {
			t.Errorf("%d token requests and %d API requests, want 2 and 2", n, hits)
		}
	})
}

func TestTokenEndpointErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		header   map[string]string
		body     string
		wantKind upstream.Kind
		wantCode string
		wantMsg  string
	}{
		{"wrong secret", 401, nil, `{"error":"invalid_client","error_description":"Request denied: Invalid client credentials (Correlation ID: 1)"}`,
			upstream.Unauthorized, "invalid_client", "token request for client " + testClientID + " refused: Request denied: Invalid client credentials"},
		{"wrong auth method", 401, nil, `{"error":"invalid_client","error_description":"Request denied: Unsupported authentication method"}`,
			upstream.Unauthorized, "invalid_client", "Unsupported authentication method"},
		{"gateway error shape", 403, nil, `{"id":"1","code":"ACCESS_FAILED","message":"Forbidden"}`,
			upstream.Unauthorized, "ACCESS_FAILED", "refused: Forbidden"},
		{"echoes the secret", 400, nil, `{"error":"invalid_request","error_description":"bad secret ` + testSecret + `"}`,
			upstream.Unauthorized, "invalid_request", "bad secret [redacted]"},
		{"down", 503, nil, `<html>down</html>`, upstream.Unavailable, "", "token request for client " + testClientID + " failed"},
		{"rate limited", 429, map[string]string{"Retry-After": "30"}, `{"code":"REQUEST_LIMITED","message":"slow down"}`,
			upstream.RateLimited, "REQUEST_LIMITED", "slow down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tokenHits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/"+testEnvID+"/as/token" {
					t.Errorf("%s called without a token", r.URL.Path)
					return
				}
				tokenHits.Add(1)
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				writeJSON(w, tt.status, tt.body)
			}))
			defer srv.Close()
			c, clock := newClient(t, Config{EnvironmentID: testEnvID, ClientID: testClientID, ClientSecret: testSecret,
				APIURL: srv.URL + "/v1", AuthURL: srv.URL})
			ctx, cancel := context.WithDeadline(context.Background(), clock.Now().Add(10*time.Second))
			defer cancel()

			err := c.Ping(ctx)
			ue := upstream.As(err)
			if ue == nil {
				t.Fatalf("err = %v, want an *upstream.Error", err)
			}
			if ue.Kind != tt.wantKind || ue.Code != tt.wantCode || ue.Status != tt.status || !strings.Contains(ue.Message, tt.wantMsg) {
				t.Errorf("err = %+v, want kind %v, code %q, message containing %q", ue, tt.wantKind, tt.wantCode, tt.wantMsg)
			}
			if tt.wantKind == upstream.RateLimited && ue.RetryAfter != 30*time.Second {
				t.Errorf("RetryAfter = %v, want 30s", ue.RetryAfter)
			}
			for _, s := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%#v", c)} {
				if strings.Contains(s, testSecret) || strings.Contains(s, base64.StdEncoding.EncodeToString([]byte(testClientID+":"+testSecret))) {
					t.Errorf("the secret leaks: %s", s)
				}
			}
			// 5xx and 429 are retried like a read; a refusal is not.
			wantHits := int32(1)
			if tt.status >= 500 {
				wantHits = 3
			}
			if got := tokenHits.Load(); got != wantHits {
				t.Errorf("%d token requests, want %d", got, wantHits)
			}
		})
	}
}

func TestObserverSeesTokenAndCalls(t *testing.T) {
	type obs struct {
		Provider, Op string
		Status       int
	}
	var mu sync.Mutex
	var got []obs
	c, _, _ := newTestClient(t, http.HandlerFunc(okUsers), func(cfg *Config) {
		cfg.Observer = func(provider, op string, status int, _ time.Duration) {
			mu.Lock()
			got = append(got, obs{provider, op, status})
			mu.Unlock()
		}
	})
	if err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []obs{{"pingone", "token", 200}, {"pingone", "ping", 200}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("observations (-want +got):\n%s", diff)
	}
}
