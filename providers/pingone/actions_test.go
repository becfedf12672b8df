package pingone

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcmd/idcmd/providers/upstream"
)

// sent is one request as the API saw it.
type sent struct {
	Method, Path, ContentType, ContentLength, Body string
}

func TestActionRequests(t *testing.T) {
	var mu sync.Mutex
	var got []sent
	c, clock, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, sent{r.Method, strings.TrimPrefix(r.URL.Path, envPath), r.Header.Get("Content-Type"), r.Header.Get("Content-Length"), string(body)})
		mu.Unlock()
		switch r.Method {
		case http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		case http.MethodPut:
			writeJSON(w, 200, `{"enabled":false}`)
		default:
			writeJSON(w, 200, userJSON)
		}
	}), nil)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Sub-second times round up to the next whole second.
	unlockAt := clock.Now().Add(2*time.Hour + 300*time.Millisecond)
	must(c.LockUser(ctx, testUserID, nil))
	must(c.LockUser(ctx, testUserID, &unlockAt))
	must(c.UnlockUser(ctx, testUserID))
	must(c.SetEnabled(ctx, testUserID, false))
	must(c.SetEnabled(ctx, testUserID, true))
	must(c.ForcePasswordChange(ctx, testUserID))
	must(c.SendRecoveryCode(ctx, testUserID))
	must(c.DeleteSession(ctx, testUserID, "s-1"))

	u := "/users/" + testUserID
	wantAt := clock.Now().Add(2*time.Hour + time.Second).UTC().Format(time.RFC3339)
	want := []sent{
		{"POST", u, "application/vnd.pingidentity.account.lock+json", "0", ""},
		{"POST", u, "application/vnd.pingidentity.account.lock+json", "35", `{"unlockAt":"` + wantAt + `"}`},
		{"POST", u, "application/vnd.pingidentity.account.unlock+json", "0", ""},
		{"PUT", u + "/enabled", "application/json", "17", `{"enabled":false}`},
		{"PUT", u + "/enabled", "application/json", "16", `{"enabled":true}`},
		{"POST", u + "/password", "application/vnd.pingidentity.password.forceChange", "0", ""},
		{"POST", u + "/password", "application/vnd.pingidentity.password.sendRecoveryCode+json", "0", ""},
		{"DELETE", u + "/sessions/s-1", "", "0", ""}, // fasthttp announces the empty body; net/http did not
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestLockRefusesPastUnlockAt(t *testing.T) {
	c, clock, e := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), nil)
	past := clock.Now().Add(-time.Minute)
	if err := c.LockUser(context.Background(), testUserID, &past); !upstream.IsKind(err, upstream.Invalid) {
		t.Errorf("err = %v, want Invalid", err)
	}
	if e.APIHits() != 0 {
		t.Errorf("%d requests sent, want none", e.APIHits())
	}
}

func TestRetryPolicies(t *testing.T) {
	risk := func(c *Client) error {
		_, err := c.CreateRiskEvaluation(context.Background(), RiskEvaluationRequest{IP: "192.0.2.1", UserID: "u"})
		return err
	}
	calls := []struct {
		name string
		call func(*Client) error
		// after503 is how many requests a 503 costs: 1 when the call is
		// not safe to repeat, 2 when it is retried.
		after503 int32
	}{
		{"read", func(c *Client) error { _, err := c.GetUser(context.Background(), testUserID); return err }, 2},
		{"lock", func(c *Client) error { return c.LockUser(context.Background(), testUserID, nil) }, 2},
		{"unlock", func(c *Client) error { return c.UnlockUser(context.Background(), testUserID) }, 2},
		{"disable", func(c *Client) error { return c.SetEnabled(context.Background(), testUserID, false) }, 2},
		{"force change", func(c *Client) error { return c.ForcePasswordChange(context.Background(), testUserID) }, 2},
		{"delete session", func(c *Client) error { return c.DeleteSession(context.Background(), testUserID, "s1") }, 2},
		{"recovery code", func(c *Client) error { return c.SendRecoveryCode(context.Background(), testUserID) }, 1},
		{"risk evaluation", risk, 1},
	}
	for _, tt := range calls {
		for _, first := range []int{429, 503} {
			t.Run(tt.name+" "+http.StatusText(first), func(t *testing.T) {
				var hits atomic.Int32
				c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if hits.Add(1) == 1 {
						if first == 429 {
							writeRateLimited(w, "1")
						} else {
							writeJSON(w, 503, `{"code":"UNEXPECTED_ERROR","message":"down"}`)
						}
						return
					}
					if r.URL.Path == envPath+"/riskEvaluations" {
						writeJSON(w, 201, `{"id":"re1"}`)
						return
					}
					writeJSON(w, 200, userJSON)
				}), nil)
				err := tt.call(c)
				want := int32(2) // every call is re-sent after a 429
				if first == 503 {
					want = tt.after503
				}
				if hits.Load() != want {
					t.Errorf("%d requests, want %d", hits.Load(), want)
				}
				if (want == 2) != (err == nil) {
					t.Errorf("err = %v", err)
				}
				if want == 1 && !upstream.IsKind(err, upstream.Unavailable) {
					t.Errorf("err = %v, want Unavailable", err)
				}
			})
		}
	}
}

func TestDeleteSessionNotFoundIsDone(t *testing.T) {
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, `{"id":"1","code":"NOT_FOUND","message":"The requested resource was not found."}`)
	}), nil)
	if err := c.DeleteSession(context.Background(), testUserID, "gone"); err != nil {
		t.Errorf("DeleteSession of a deleted session = %v, want nil", err)
	}
}
