package prisma_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/prisma"
	"github.com/idcmd/idcmd/providers/prisma/prismatest"
	"github.com/idcmd/idcmd/providers/upstream"
)

// clock is a settable time shared by a client and its fake, so token
// lifetimes can be crossed without waiting.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a seeded fake and a client of it, on one clock.
type fixture struct {
	srv    *prismatest.Server
	client *prisma.Client
	clock  *clock
}

func newFixture(t *testing.T, edit ...func(*prisma.Config)) *fixture {
	t.Helper()
	clk := newClock()
	srv := prismatest.NewServer(prismatest.Options{Seed: true, Now: clk.Now})
	t.Cleanup(srv.Close)
	cfg := prisma.Config{APIURL: srv.URL, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Now: clk.Now}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := prisma.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: srv, client: c, clock: clk}
}

const awongQuery = "config from iam where source.idp.service = 'Okta' AND source.idp.email = 'awong@example.com'"

func (f *fixture) search(t *testing.T) *prisma.PermissionPage {
	t.Helper()
	page, err := f.client.SearchPermissions(context.Background(), awongQuery, 10)
	if err != nil {
		t.Fatal(err)
	}
	return page
}

func TestSessionReusesToken(t *testing.T) {
	f := newFixture(t)
	f.search(t)
	f.clock.Advance(6 * time.Minute) // 4 minutes left: still no renewal
	f.search(t)
	if f.srv.Logins() != 1 || f.srv.Extends() != 0 {
		t.Fatalf("logins %d extends %d, want 1 and 0", f.srv.Logins(), f.srv.Extends())
	}
}

func TestSessionExtendsBeforeExpiry(t *testing.T) {
	f := newFixture(t)
	f.search(t)
	f.clock.Advance(7*time.Minute + 30*time.Second) // 2m30s left
	f.search(t)
	if f.srv.Logins() != 1 || f.srv.Extends() != 1 {
		t.Fatalf("logins %d extends %d, want 1 and 1", f.srv.Logins(), f.srv.Extends())
	}
	// The extended token is good for another 10 minutes from now.
	f.clock.Advance(5 * time.Minute)
	f.search(t)
	if f.srv.Logins() != 1 || f.srv.Extends() != 1 {
		t.Fatalf("after extension: logins %d extends %d, want 1 and 1", f.srv.Logins(), f.srv.Extends())
	}
}

func TestSessionLogsInAgainAfterExpiry(t *testing.T) {
	f := newFixture(t)
	f.search(t)
	f.clock.Advance(11 * time.Minute) // expired: an extension is no longer possible
	f.search(t)
	if f.srv.Logins() != 2 || f.srv.Extends() != 0 {
		t.Fatalf("logins %d extends %d, want 2 and 0", f.srv.Logins(), f.srv.Extends())
	}
}

func TestSessionReloginOn401(t *testing.T) {
	f := newFixture(t)
	f.search(t)
	f.srv.ExpireTokens() // revoked early: the next call gets 401
	if page := f.search(t); len(page.Items) != 10 {
		t.Fatalf("%d rows after re-login", len(page.Items))
	}
	if f.srv.Logins() != 2 {
		t.Fatalf("logins %d, want 2 (one re-login)", f.srv.Logins())
	}
}

func TestSessionWrongSecret(t *testing.T) {
	const secret = "definitely-not-the-secret-42"
	f := newFixture(t, func(c *prisma.Config) { c.SecretKey = secret })
	_, err := f.client.SearchPermissions(context.Background(), awongQuery, 10)
	var ue *upstream.Error
	if !errors.As(err, &ue) || ue.Kind != upstream.Unauthorized || ue.Code != "invalid_credentials" {
		t.Fatalf("err %#v", err)
	}
	if strings.Contains(err.Error(), secret) || strings.Contains(ue.Message, secret) || strings.Contains(f.client.String(), secret) {
		t.Fatalf("the secret leaked: %v", err)
	}
	if !strings.Contains(ue.Message, "PRISMA_SECRET_KEY") {
		t.Errorf("message %q does not say what to fix", ue.Message)
	}
}

func TestRateLimitIsWaitedOut(t *testing.T) {
	f := newFixture(t)
	f.srv.Inject(2, http.StatusTooManyRequests) // X-RateLimit-Replenish-Rate 100: 10ms each
	before := f.srv.Requests()
	if page := f.search(t); len(page.Items) != 10 {
		t.Fatalf("%d rows", len(page.Items))
	}
	if got := f.srv.Requests() - before; got != 4 { // login, 2 refused, 1 answered
		t.Fatalf("%d requests, want 4", got)
	}
}

func TestUnavailableIsRetriedAfterRetryAfter(t *testing.T) {
	f := newFixture(t)
	f.srv.Inject(1, http.StatusServiceUnavailable) // Retry-After: 1
	if page := f.search(t); len(page.Items) != 10 {
		t.Fatalf("%d rows", len(page.Items))
	}
}

func TestRateLimitGivesUpWithRetryAfter(t *testing.T) {
	f := newFixture(t, func(c *prisma.Config) { c.MaxRetries = -1 })
	f.srv.Inject(1, http.StatusTooManyRequests)
	_, err := f.client.SearchPermissions(context.Background(), awongQuery, 10)
	var ue *upstream.Error
	if !errors.As(err, &ue) || ue.Kind != upstream.RateLimited || ue.RetryAfter < time.Second || ue.Code != "too_many_requests" {
		t.Fatalf("err %#v", err)
	}
}

// TestRedlockStatusParsed: an endpoint that answers with x-redlock-status
// (most CSPM endpoints) has its i18nKey and subject read into the error.
func TestRedlockStatusParsed(t *testing.T) {
	fake := prismatest.NewServer(prismatest.Options{})
	t.Cleanup(fake.Close)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/permission", func(w http.ResponseWriter, r *http.Request) {
		prismatest.WriteStatus(w, http.StatusBadRequest, "invalid_rql_query", "query")
	})
	mux.Handle("/", fake.Handler())
	front := httptest.NewServer(mux)
	t.Cleanup(front.Close)
	c, err := prisma.New(prisma.Config{APIURL: front.URL, AccessKey: fake.AccessKey, SecretKey: fake.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.SearchPermissions(context.Background(), awongQuery, 10)
	var ue *upstream.Error
	if !errors.As(err, &ue) || ue.Kind != upstream.Invalid || ue.Status != 400 || ue.Code != "invalid_rql_query" ||
		len(ue.Causes) != 1 || ue.Causes[0] != "invalid_rql_query: query" {
		t.Fatalf("err %#v", err)
	}
}

// TestIAMErrorBodyParsed: the IAM endpoints answer a JSON error body.
func TestIAMErrorBodyParsed(t *testing.T) {
	f := newFixture(t)
	_, err := f.client.SearchPermissions(context.Background(), "config from iam where source.idp.email = 'x' OR source.idp.email != ''", 10)
	var ue *upstream.Error
	if !errors.As(err, &ue) || ue.Kind != upstream.Invalid || ue.Code != "BadArgument" ||
		!strings.Contains(ue.Message, "AND") || len(ue.Causes) != 1 || ue.Causes[0] != "target: query" {
		t.Fatalf("err %#v", err)
	}
}

// TestSessionSharedByConcurrentCalls: calls that start together share one
// login, and later one extension: a burst must not spend Prisma's login
// rate limit or race two JWTs.
func TestSessionSharedByConcurrentCalls(t *testing.T) {
	f := newFixture(t)
	burst := func() {
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := f.client.SearchPermissions(context.Background(), awongQuery, 10); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
	burst()
	if f.srv.Logins() != 1 {
		t.Fatalf("logins %d, want 1 for 20 concurrent calls", f.srv.Logins())
	}
	f.clock.Advance(8 * time.Minute)
	burst()
	if f.srv.Logins() != 1 || f.srv.Extends() != 1 {
		t.Fatalf("near expiry: logins %d extends %d, want 1 and 1", f.srv.Logins(), f.srv.Extends())
	}
}
