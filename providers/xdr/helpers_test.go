package xdr

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
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

func newFakeClock() *fakeClock { return &fakeClock{now: time.Now().Truncate(time.Second)} }

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
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
	return slices.Clone(f.sleeps)
}

const (
	testKey   = "SECRETxdrKEYvalue-must-never-leak-0123456789"
	testKeyID = "42"
)

// newTestClient starts handler on loopback and returns a client for it
// with a fake clock.
func newTestClient(t *testing.T, handler http.Handler, mod func(*Config)) (*Client, *fakeClock) {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	cfg := Config{BaseURL: srv.URL, APIKey: testKey, APIKeyID: testKeyID, Version: "test"}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	clock := newFakeClock()
	SetTestClock(c, clock.Now, clock.Sleep)
	return c, clock
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// validAlert is an alert the client accepts.
func validAlert() ParsedAlert {
	return ParsedAlert{
		Product: "idcmd", Vendor: "Okta",
		LocalIP: "0.0.0.0", RemoteIP: "203.0.113.7",
		EventTimestamp: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixMilli(),
		Severity:       SeverityHigh, AlertName: "MFA fatigue", AlertDescription: "12 pushes denied",
	}
}
