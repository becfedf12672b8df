package pingonetest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// receiver is a webhook endpoint on loopback that records what PingOne
// sends and answers with a status the test sets.
type receiver struct {
	*httptest.Server
	status atomic.Int64
	mu     sync.Mutex
	got    []received
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.status.Store(http.StatusOK)
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{header: r.Header.Clone(), body: b})
		rc.mu.Unlock()
		w.WriteHeader(int(rc.status.Load()))
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// fastDelivery starts a fake whose senders amalgamate and back off for
// milliseconds.
func fastDelivery(t *testing.T, seed bool) (*Server, *fakeClock) {
	t.Helper()
	clk := newClock()
	srv := NewServer(Options{Seed: seed, Now: clk.Now, SubscriptionWindow: time.Millisecond,
		SubscriptionBackoff: time.Millisecond, SubscriptionMaxBackoff: 5 * time.Millisecond, SubscriptionTimeout: 5 * time.Second})
	t.Cleanup(srv.Close)
	return srv, clk
}

// subBody is a valid create body for url and the action types; mod,
// if given, changes it first (delete a key to leave it out).
func subBody(url string, types []string, mod ...func(m map[string]any)) string {
	m := map[string]any{
		"name": "siem", "enabled": true, "verifyTlsCertificates": false, "format": "ACTIVITY",
		"httpEndpoint":  map[string]any{"url": url, "headers": map[string]any{"X-Hook-Secret": "s3cret"}},
		"filterOptions": map[string]any{"includedActionTypes": types},
	}
	for _, f := range mod {
		f(m)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// sub returns m's nested object at key.
func sub(m map[string]any, key string) map[string]any {
	if v, ok := m[key].(map[string]any); ok {
		return v
	}
	v := map[string]any{}
	m[key] = v
	return v
}

// createSub creates a subscription and returns its ID.
func createSub(t *testing.T, c *client, body string) string {
	t.Helper()
	r := must(t, c.do("POST", "/subscriptions", "application/json", body), http.StatusCreated)
	var s struct{ ID string }
	r.decode(t, &s)
	return s.ID
}

func flush(t *testing.T, srv *Server) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := srv.FlushSubscriptions(ctx)
	if ctx.Err() != nil {
		t.Fatalf("flush did not settle: %v", err)
	}
	return err
}

func mustFlush(t *testing.T, srv *Server) {
	t.Helper()
	if err := flush(t, srv); err != nil {
		t.Fatal(err)
	}
}

// batchOf decodes a JSON_ARRAY delivery.
func batchOf(t *testing.T, body []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("delivery is not a JSON array: %v: %s", err, body)
	}
	return out
}
