package okta

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// fakeClock advances on Sleep instead of blocking.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	f.now = f.now.Add(d)
	return nil
}

func (f *fakeClock) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

const testToken = "00TESTsswsTOKENvalue-must-not-leak"

// newTestClient starts handler on loopback and returns an SSWS client for
// it with a fake clock.
func newTestClient(t *testing.T, handler http.Handler, mod func(*Config)) (*Client, *fakeClock, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	cfg := Config{BaseURL: srv.URL, APIToken: testToken, Version: "test"}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Now().Truncate(time.Second)}
	SetTestClock(c, clock.Now, clock.Sleep)
	return c, clock, srv
}

// serverDate is the fake server's clock, far from the client's, to prove
// waits are computed from the Date header.
var serverDate = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func writeRateLimited(w http.ResponseWriter, resetIn time.Duration) {
	w.Header().Set("Date", serverDate.Format(http.TimeFormat))
	w.Header().Set("X-Rate-Limit-Limit", "600")
	w.Header().Set("X-Rate-Limit-Remaining", "0")
	w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(serverDate.Add(resetIn).Unix(), 10))
	writeJSON(w, http.StatusTooManyRequests, `{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"x","errorCauses":[]}`)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

const userJSON = `{"id":"00u1","status":"ACTIVE","created":"2024-01-02T03:04:05.000Z","profile":{"login":"jdoe@example.com","email":"jdoe@example.com","firstName":"J","lastName":"Doe","customAttr":{"a":1}},"_links":{"self":{"href":"x"}}}`
