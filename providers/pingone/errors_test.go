package pingone

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/idcmd/idcmd/providers/upstream"
)

func TestErrorMapping(t *testing.T) {
	// Calls by what they are: a read, account and password actions.
	calls := map[string]func(*Client) error{
		"read": func(c *Client) error { _, err := c.GetPasswordState(context.Background(), testUserID); return err },
		"list": func(c *Client) error {
			_, _, err := c.ListUsers(context.Background(), UserQuery{Filter: "x"})
			return err
		},
		"lock":    func(c *Client) error { return c.LockUser(context.Background(), testUserID, nil) },
		"unlock":  func(c *Client) error { return c.UnlockUser(context.Background(), testUserID) },
		"disable": func(c *Client) error { return c.SetEnabled(context.Background(), testUserID, false) },
		"force":   func(c *Client) error { return c.ForcePasswordChange(context.Background(), testUserID) },
		"recover": func(c *Client) error { return c.SendRecoveryCode(context.Background(), testUserID) },
		"risk": func(c *Client) error {
			_, err := c.CreateRiskEvaluation(context.Background(), RiskEvaluationRequest{IP: "192.0.2.1", UserID: "u"})
			return err
		},
	}
	const invalidData = `"code":"INVALID_DATA","message":"The request could not be completed. One or more validation errors were in the request."`
	tests := []struct {
		name   string
		call   string
		status int
		body   string
		want   upstream.Error
	}{
		{"not found", "read", 404, `{"id":"1","code":"NOT_FOUND","message":"The requested resource was not found."}`,
			upstream.Error{Kind: upstream.NotFound, Status: 404, Code: "NOT_FOUND", Message: "The requested resource was not found."}},
		{"not found on action", "lock", 404, `{"id":"1","code":"NOT_FOUND","message":"not found"}`,
			upstream.Error{Kind: upstream.NotFound, Status: 404, Code: "NOT_FOUND", Message: "not found"}},
		{"bad filter", "list", 400, `{"id":"1",` + invalidData + `,"details":[{"code":"INVALID_FILTER","target":"filter","message":"Invalid filter"}]}`,
			upstream.Error{Kind: upstream.Invalid, Status: 400, Code: "INVALID_DATA", Message: "The request could not be completed. One or more validation errors were in the request.",
				Causes: []string{"filter: Invalid filter"}}},
		{"disabled user gets no code", "recover", 400, `{"id":"1",` + invalidData + `,"details":[{"code":"CONSTRAINT_VIOLATION","target":"enabled","message":"The user is disabled"}]}`,
			upstream.Error{Kind: upstream.Conflict, Status: 400, Code: "INVALID_DATA", Message: "The request could not be completed. One or more validation errors were in the request.",
				Causes: []string{"enabled: The user is disabled"}}},
		{"no password to force", "force", 400, `{"id":"1",` + invalidData + `,"details":[{"code":"INVALID_VALUE","message":"User has no password"}]}`,
			upstream.Error{Kind: upstream.Conflict, Status: 400, Code: "INVALID_DATA", Message: "The request could not be completed. One or more validation errors were in the request.",
				Causes: []string{"User has no password"}}},
		{"request failed on unlock", "unlock", 400, `{"id":"1","code":"REQUEST_FAILED","message":"The user is disabled"}`,
			upstream.Error{Kind: upstream.Conflict, Status: 400, Code: "REQUEST_FAILED", Message: "The user is disabled"}},
		{"request failed 403 on disable", "disable", 403, `{"id":"1","code":"REQUEST_FAILED","message":"not allowed"}`,
			upstream.Error{Kind: upstream.Conflict, Status: 403, Code: "REQUEST_FAILED", Message: "not allowed"}},
		{"409 on lock", "lock", 409, `{"id":"1","code":"REQUEST_FAILED","message":"conflict"}`,
			upstream.Error{Kind: upstream.Conflict, Status: 409, Code: "REQUEST_FAILED", Message: "conflict"}},
		{"bare 400 on action", "unlock", 400, ``,
			upstream.Error{Kind: upstream.Conflict, Status: 400, Message: "Bad Request"}},
		{"malformed request on action", "unlock", 400, `{"id":"1","code":"INVALID_REQUEST","message":"malformed"}`,
			upstream.Error{Kind: upstream.Invalid, Status: 400, Code: "INVALID_REQUEST", Message: "malformed"}},
		{"wrong content type", "force", 415, `{"id":"1","code":"INVALID_REQUEST","message":"Unsupported Content-Type"}`,
			upstream.Error{Kind: upstream.Unknown, Status: 415, Code: "INVALID_REQUEST", Message: "Unsupported Content-Type"}},
		{"invalid data on a read", "read", 400, `{"id":"1",` + invalidData + `}`,
			upstream.Error{Kind: upstream.Invalid, Status: 400, Code: "INVALID_DATA", Message: "The request could not be completed. One or more validation errors were in the request."}},
		{"invalid risk input", "risk", 400, `{"id":"1",` + invalidData + `,"details":[{"code":"INVALID_VALUE","target":"riskPolicySet.id","message":"unknown"}]}`,
			upstream.Error{Kind: upstream.Invalid, Status: 400, Code: "INVALID_DATA", Message: "The request could not be completed. One or more validation errors were in the request.",
				Causes: []string{"riskPolicySet.id: unknown"}}},
		{"missing role", "disable", 403, `{"id":"1","code":"ACCESS_FAILED","message":"You do not have access to this resource.","details":[{"code":"INSUFFICIENT_PERMISSIONS","message":"no permission"}]}`,
			upstream.Error{Kind: upstream.Unauthorized, Status: 403, Code: "ACCESS_FAILED", Message: "You do not have access to this resource.", Causes: []string{"no permission"}}},
		{"bare 403", "read", 403, ``,
			upstream.Error{Kind: upstream.Unauthorized, Status: 403, Message: "Forbidden"}},
		{"server error", "recover", 500, `{"id":"1","code":"UNEXPECTED_ERROR","message":"An unexpected error occurred."}`,
			upstream.Error{Kind: upstream.Unavailable, Status: 500, Code: "UNEXPECTED_ERROR", Message: "An unexpected error occurred."}},
		{"html from a proxy", "recover", 502, `<html><body>Bad gateway Bearer tok-1</body></html>`,
			upstream.Error{Kind: upstream.Unavailable, Status: 502, Message: "Bad Gateway"}},
		{"method not allowed", "risk", 405, `{"id":"1","code":"METHOD_NOT_ALLOWED","message":"no"}`,
			upstream.Error{Kind: upstream.Unknown, Status: 405, Code: "METHOD_NOT_ALLOWED", Message: "no"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.body == "" {
					w.WriteHeader(tt.status)
					return
				}
				writeJSON(w, tt.status, tt.body)
			}), func(cfg *Config) { cfg.MaxRetries = -1 })
			err := calls[tt.call](c)
			ue := upstream.As(err)
			if ue == nil {
				t.Fatalf("err = %v, want an *upstream.Error", err)
			}
			tt.want.Provider = "pingone"
			if diff := cmp.Diff(tt.want, *ue, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLockUnlockAtRefusalIsInvalid(t *testing.T) {
	c, clock, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, `{"id":"1","code":"INVALID_DATA","message":"m","details":[{"code":"INVALID_VALUE","target":"unlockAt","message":"too far"}]}`)
	}), nil)
	at := clock.Now().Add(24 * time.Hour)
	if err := c.LockUser(context.Background(), testUserID, &at); !upstream.IsKind(err, upstream.Invalid) {
		t.Errorf("err = %v, want Invalid", err)
	}
}

func TestRateLimitedRetriedAfterRetryAfter(t *testing.T) {
	var hits atomic.Int32
	c, clock, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			writeRateLimited(w, "3")
			return
		}
		writeJSON(w, 200, userJSON)
	}), nil)
	if _, err := c.GetUser(context.Background(), testUserID); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{3 * time.Second}, clock.Sleeps()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
}

func TestRateLimitedPastDeadline(t *testing.T) {
	var hits atomic.Int32
	c, clock, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		writeRateLimited(w, "30")
	}), nil)
	ctx, cancel := context.WithDeadline(context.Background(), clock.Now().Add(10*time.Second))
	defer cancel()

	err := c.SendRecoveryCode(ctx, testUserID)
	ue := upstream.As(err)
	if ue == nil || ue.Kind != upstream.RateLimited || ue.RetryAfter != 30*time.Second || ue.Code != "REQUEST_LIMITED" || ue.Status != 429 {
		t.Fatalf("err = %#v, want RateLimited, REQUEST_LIMITED, RetryAfter 30s", ue)
	}
	if hits.Load() != 1 || len(clock.Sleeps()) != 0 {
		t.Errorf("%d requests, sleeps %v; want one request and no wait", hits.Load(), clock.Sleeps())
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		header, date string
		wait         time.Duration
		ok           bool
		retryAfter   time.Duration
	}{
		{"2", "", 2 * time.Second, true, 2 * time.Second},
		{"0", "", 0, true, time.Second},
		{"1.5", "", 1500 * time.Millisecond, true, 2 * time.Second},
		{now.Add(7 * time.Second).Format(http.TimeFormat), now.Format(http.TimeFormat), 7 * time.Second, true, 7 * time.Second},
		{"", "", 0, false, defaultRetryAfter},
		{"soon", "", 0, false, defaultRetryAfter},
		{"-3", "", 0, false, defaultRetryAfter},
		{"1e300", "", maxRetryAfterSeconds * time.Second, true, maxRetryAfterSeconds * time.Second},
	}
	for _, tt := range tests {
		resp := &http.Response{Header: http.Header{}}
		if tt.header != "" {
			resp.Header.Set("Retry-After", tt.header)
		}
		if tt.date != "" {
			resp.Header.Set("Date", tt.date)
		}
		wait, ok := retryAfterWait(resp, now.Add(time.Hour)) // a skewed local clock
		if wait != tt.wait || ok != tt.ok {
			t.Errorf("retryAfterWait(%q) = %v, %v; want %v, %v", tt.header, wait, ok, tt.wait, tt.ok)
		}
		if got := retryAfter(resp, now); got != tt.retryAfter {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.header, got, tt.retryAfter)
		}
	}
}

func TestTimeoutAndUnreachable(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}), func(cfg *Config) { cfg.MaxRetries = -1; cfg.Timeout = 50 * time.Millisecond })
	if _, err := c.GetUser(context.Background(), testUserID); !upstream.IsKind(err, upstream.Timeout) {
		t.Errorf("slow API: err = %v, want Timeout", err)
	}

	dead, err := New(Config{EnvironmentID: testEnvID, ClientID: testClientID, ClientSecret: testSecret,
		APIURL: "http://127.0.0.1:1/v1", AuthURL: "http://127.0.0.1:1", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := dead.Ping(context.Background()); !upstream.IsKind(err, upstream.Unavailable) {
		t.Errorf("closed port: err = %v, want Unavailable", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := dead.Ping(ctx); !upstream.IsKind(err, upstream.Timeout) {
		t.Errorf("canceled: err = %v, want Timeout", err)
	}
}
