package okta

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcmd/idcmd/providers/upstream"
)

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name   string
		op     string // which call triggers it
		status int
		body   string
		want   upstream.Error
	}{
		{"not found", "get", 404, `{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: x (User)","errorLink":"E0000007","errorId":"oae1","errorCauses":[]}`,
			upstream.Error{Kind: upstream.NotFound, Status: 404, Code: "E0000007", Message: "Not found: Resource not found: x (User)"}},
		{"wrong status", "suspend", 403, `{"errorCode":"E0000038","errorSummary":"This operation is not allowed in the user's current status."}`,
			upstream.Error{Kind: upstream.Conflict, Status: 403, Code: "E0000038", Message: "This operation is not allowed in the user's current status."}},
		{"unlock refused", "unlock", 403, `{"errorCode":"E0000032","errorSummary":"Unlock is not allowed for this user."}`,
			upstream.Error{Kind: upstream.Conflict, Status: 403, Code: "E0000032", Message: "Unlock is not allowed for this user."}},
		{"400 on suspend", "suspend", 400, `{"errorCode":"E0000001","errorSummary":"Api validation failed: suspend","errorCauses":[{"errorSummary":"Cannot suspend a user that is not active"}]}`,
			upstream.Error{Kind: upstream.Conflict, Status: 400, Code: "E0000001", Message: "Api validation failed: suspend", Causes: []string{"Cannot suspend a user that is not active"}}},
		{"400 on unsuspend", "unsuspend", 400, `{"errorCode":"E0000001","errorSummary":"Api validation failed"}`,
			upstream.Error{Kind: upstream.Conflict, Status: 400, Code: "E0000001", Message: "Api validation failed"}},
		{"bad filter", "list", 400, `{"errorCode":"E0000031","errorSummary":"Invalid filter"}`,
			upstream.Error{Kind: upstream.Invalid, Status: 400, Code: "E0000031", Message: "Invalid filter"}},
		{"search and filter", "list", 400, `{"errorCode":"E0000033","errorSummary":"Search and filter"}`,
			upstream.Error{Kind: upstream.Invalid, Status: 400, Code: "E0000033", Message: "Search and filter"}},
		{"altered cursor", "list", 400, `{"errorCode":"E0000029","errorSummary":"Invalid paging request."}`,
			upstream.Error{Kind: upstream.Invalid, Status: 400, Code: "E0000029", Message: "Invalid paging request."}},
		{"bad token", "get", 401, `{"errorCode":"E0000011","errorSummary":"Invalid token provided"}`,
			upstream.Error{Kind: upstream.Unauthorized, Status: 401, Code: "E0000011", Message: "Invalid token provided"}},
		{"auth failed", "get", 401, `{"errorCode":"E0000004","errorSummary":"Authentication failed"}`,
			upstream.Error{Kind: upstream.Unauthorized, Status: 401, Code: "E0000004", Message: "Authentication failed"}},
		{"no permission", "suspend", 403, `{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action"}`,
			upstream.Error{Kind: upstream.Unauthorized, Status: 403, Code: "E0000006", Message: "You do not have permission to perform the requested action"}},
		{"no feature", "get", 403, `{"errorCode":"E0000015","errorSummary":"no permission to access the feature"}`,
			upstream.Error{Kind: upstream.Unauthorized, Status: 403, Code: "E0000015", Message: "no permission to access the feature"}},
		{"server error", "suspend", 500, `{"errorCode":"E0000009","errorSummary":"Internal Server Error"}`,
			upstream.Error{Kind: upstream.Unavailable, Status: 500, Code: "E0000009", Message: "Internal Server Error"}},
		{"html from a proxy", "suspend", 502, `<html><body>Bad gateway SSWS secret-ish</body></html>`,
			upstream.Error{Kind: upstream.Unavailable, Status: 502, Message: "Bad Gateway"}},
		{"empty 404", "get", 404, ``,
			upstream.Error{Kind: upstream.NotFound, Status: 404, Message: "Not Found"}},
		{"unsupported method", "get", 404, `{"errorCode":"E0000022","errorSummary":"The endpoint does not support the provided HTTP method"}`,
			upstream.Error{Kind: upstream.Unknown, Status: 404, Code: "E0000022", Message: "The endpoint does not support the provided HTTP method"}},
		{"411", "suspend", 411, `{}`,
			upstream.Error{Kind: upstream.Unknown, Status: 411, Message: "Length Required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, tt.status, tt.body)
			}), func(cfg *Config) { cfg.MaxRetries = -1 })
			ctx := context.Background()
			var err error
			switch tt.op {
			case "get":
				_, err = c.GetUser(ctx, "x")
			case "list":
				_, _, err = c.ListUsers(ctx, UserQuery{Filter: "x"})
			case "suspend":
				err = c.SuspendUser(ctx, "x")
			case "unsuspend":
				err = c.UnsuspendUser(ctx, "x")
			case "unlock":
				err = c.UnlockUser(ctx, "x")
			}
			got := upstream.As(err)
			if got == nil {
				t.Fatalf("err = %v, want an *upstream.Error", err)
			}
			want := tt.want
			want.Provider = "okta"
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRetryAfterWithoutHeaders(t *testing.T) {
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 429, `{"errorCode":"E0000047"}`)
	}), func(cfg *Config) { cfg.MaxRetries = -1 })
	err := c.SuspendUser(context.Background(), "x")
	if ue := upstream.As(err); ue == nil || ue.Kind != upstream.RateLimited || ue.RetryAfter != time.Minute {
		t.Fatalf("err = %#v, want RateLimited with the one-minute fallback", ue)
	}
}

func TestLocalRateLimitIsRateLimited(t *testing.T) {
	c, clock, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, userJSON)
	}), func(cfg *Config) { cfg.RequestsPerSecond = 0.1 })
	ctx, cancel := context.WithDeadline(context.Background(), clock.Now().Add(time.Second))
	defer cancel()
	if _, err := c.GetUser(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	_, err := c.GetUser(ctx, "x")
	if ue := upstream.As(err); ue == nil || ue.Kind != upstream.RateLimited || ue.RetryAfter != 10*time.Second {
		t.Fatalf("err = %#v, want RateLimited, RetryAfter 10s", ue)
	}
}

// TestSecretsNeverInErrors drives every failure path that could echo a
// credential and checks the error text in all its formats.
func TestSecretsNeverInErrors(t *testing.T) {
	const resetURL = "https://acme.okta.com/reset_password/SECRETRESETTOKEN"
	c, _, srv := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/users/401":
			writeJSON(w, 401, `{"errorCode":"E0000011","errorSummary":"Invalid token provided"}`)
		case "/api/v1/users/x/lifecycle/reset_password":
			// A 200 whose JSON is broken right after the URL.
			writeJSON(w, 200, `{"resetPasswordUrl":"`+resetURL+`", 5}`)
		case "/api/v1/users/y/lifecycle/reset_password":
			writeJSON(w, 200, `{"resetPasswordUrl":["`+resetURL+`"]}`)
		default:
			writeJSON(w, 500, `not json `+r.Header.Get("Authorization"))
		}
	}), func(cfg *Config) { cfg.MaxRetries = -1 })
	ctx := context.Background()
	var errs []error
	_, err := c.GetUser(ctx, "401")
	errs = append(errs, err)
	_, err = c.GetUser(ctx, "500")
	errs = append(errs, err)
	_, err = c.ResetPassword(ctx, "x", false, false)
	errs = append(errs, err)
	_, err = c.ResetPassword(ctx, "y", false, false)
	errs = append(errs, err)
	srv.Close()
	_, err = c.GetUser(ctx, "gone")
	errs = append(errs, err)

	for i, err := range errs {
		if err == nil {
			t.Fatalf("case %d: no error", i)
		}
		for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%#v", c)} {
			for _, secret := range []string{testToken, "SECRETRESETTOKEN"} {
				if strings.Contains(s, secret) {
					t.Errorf("case %d: error text contains a secret: %s", i, s)
				}
			}
		}
	}
}
