package xsoar_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/upstream"
	"github.com/idcmd/idcmd/providers/xsoar"
	"github.com/idcmd/idcmd/providers/xsoar/xsoartest"
)

// clock is shared by the fake and the client, so advanced-key timestamps
// and retry waits move together without anyone sleeping.
type clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sleeps)
}

// fixture is a fake XSOAR and a client configured for it.
type fixture struct {
	srv    *xsoartest.Server
	client *xsoar.Client
	clock  *clock
}

// newFixture starts a fake with opts and a client for it; mod may change
// the client's config before New.
func newFixture(t *testing.T, opts xsoartest.Options, mod func(*xsoar.Config)) *fixture {
	t.Helper()
	clk := newClock()
	opts.Now = clk.Now
	srv := xsoartest.NewServer(opts)
	t.Cleanup(srv.Close)
	cfg := configFor(srv)
	if mod != nil {
		mod(&cfg)
	}
	return &fixture{srv: srv, client: newClient(t, cfg, clk), clock: clk}
}

// configFor is the client config a fake asks for. The prefix is left to
// the client's default unless the fake serves a different one.
func configFor(srv *xsoartest.Server) xsoar.Config {
	cfg := xsoar.Config{BaseURL: srv.URL, APIKey: srv.APIKey, APIKeyID: srv.APIKeyID, Advanced: srv.Advanced, Version: "test"}
	defaultPrefix := ""
	if srv.APIKeyID != "" {
		defaultPrefix = xsoartest.DefaultV8Prefix
	}
	if srv.PathPrefix != defaultPrefix {
		cfg.PathPrefix = &srv.PathPrefix
	}
	return cfg
}

func newClient(t *testing.T, cfg xsoar.Config, clk *clock) *xsoar.Client {
	t.Helper()
	c, err := xsoar.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	xsoar.SetTestClock(c, clk.Now, clk.Sleep)
	return c
}

// wantKind fails unless err is an xsoar *upstream.Error of kind k, and
// returns it.
func wantKind(t *testing.T, err error, k upstream.Kind) *upstream.Error {
	t.Helper()
	ue := upstream.As(err)
	if ue == nil {
		t.Fatalf("err = %v (%T), want an *upstream.Error of kind %v", err, err, k)
	}
	if ue.Kind != k || ue.Provider != "xsoar" {
		t.Fatalf("err = %v: kind %v provider %q, want %v from xsoar", err, ue.Kind, ue.Provider, k)
	}
	return ue
}

// noSecret fails if err, printed in any of the usual ways, shows secret.
func noSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	var shown []string
	shown = append(shown, err.Error())
	if ue := upstream.As(err); ue != nil {
		shown = append(shown, ue.Message, ue.Code, strings.Join(ue.Causes, " "))
	}
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
		shown = append(shown, u.Error())
	}
	for _, s := range shown {
		for _, secret := range secrets {
			if secret != "" && strings.Contains(s, secret) {
				t.Errorf("error shows a secret: %q", s)
			}
		}
	}
}
