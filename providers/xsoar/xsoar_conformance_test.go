package xsoar_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/upstream"
	"github.com/idcmd/idcmd/providers/xsoar"
	"github.com/idcmd/idcmd/providers/xsoar/xsoartest"
)

// These tests run every client method against xsoartest, the stateful
// fake, over real HTTP: the conformance suite the client and its fake must
// both pass.

// modes are the deployments the client must speak to.
var modes = []struct {
	name string
	opts xsoartest.Options
}{
	{"XSOAR 6", xsoartest.Options{APIKey: "v6-secret-key-value"}},
	{"XSOAR 8 standard", xsoartest.Options{APIKey: "v8-secret-key-value", APIKeyID: "21"}},
	{"XSOAR 8 advanced", xsoartest.Options{APIKey: "adv-secret-key-value", APIKeyID: "22", Advanced: true}},
	{"XSOAR 8 public/v1 prefix", xsoartest.Options{APIKey: "pub-secret-key-value", APIKeyID: "23", Advanced: true, PathPrefix: "/xsoar/public/v1"}},
	{"XSOAR 6 behind a proxy path", xsoartest.Options{APIKey: "proxied-secret-key-value", PathPrefix: "/demisto"}},
}

func TestEveryMethodInEveryMode(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			f := newFixture(t, m.opts, nil)
			ctx := context.Background()
			if err := f.client.Ping(ctx); err != nil {
				t.Fatalf("Ping: %v", err)
			}

			id, err := f.client.CreateIncident(ctx, xsoar.NewIncident{
				Name: "Okta: suspicious sign-in jdoe@example.com", Type: "Okta Identity",
				Severity: xsoar.SeverityHigh, Details: "sign-in from a new country",
				Occurred:            time.Date(2026, 3, 4, 4, 0, 0, 0, time.UTC),
				Labels:              []xsoar.Label{{Type: "user", Value: "jdoe@example.com"}},
				CustomFields:        map[string]any{"oktauserid": "00u1abc", "riskscore": 87},
				CreateInvestigation: true,
				RawJSON:             `{"eventType":"user.session.start"}`,
			})
			if err != nil {
				t.Fatalf("CreateIncident: %v", err)
			}
			in, err := f.client.GetIncident(ctx, id)
			if err != nil {
				t.Fatalf("GetIncident: %v", err)
			}
			if in.ID != id || in.InvestigationID != id || in.Name != "Okta: suspicious sign-in jdoe@example.com" ||
				in.Type != "Okta Identity" || in.Severity != xsoar.SeverityHigh || in.Status != xsoar.StatusActive ||
				in.IsClosed() || len(in.Labels) != 1 || in.CustomFields["oktauserid"] != "00u1abc" ||
				in.RawJSON != `{"eventType":"user.session.start"}` || !in.Occurred.Equal(time.Date(2026, 3, 4, 4, 0, 0, 0, time.UTC)) ||
				!in.Created.Equal(f.clock.Now()) || len(in.Raw) == 0 {
				t.Errorf("GetIncident = %+v", in)
			}

			entryID, err := f.client.AddEntry(ctx, xsoar.Entry{
				InvestigationID: in.InvestigationID,
				Markdown:        "### okta-suspend-user\n| user | status |\n|---|---|\n| jdoe@example.com | SUSPENDED |",
				Note:            true,
				Tags:            []string{"idcmd", "okta"},
			})
			if err != nil {
				t.Fatalf("AddEntry: %v", err)
			}
			if _, err := f.client.AddEntry(ctx, xsoar.Entry{InvestigationID: id, Markdown: "second, plain"}); err != nil {
				t.Fatalf("AddEntry without note: %v", err)
			}
			got := f.srv.Entries(id)
			if len(got) != 2 {
				t.Fatalf("entries = %+v, want 2", got)
			}
			if got[0].ID != entryID || got[0].Format != "markdown" || !got[0].Note ||
				!strings.HasPrefix(got[0].Markdown, "### okta-suspend-user") || strings.Join(got[0].Tags, ",") != "idcmd,okta" {
				t.Errorf("first entry = %+v", got[0])
			}
			if got[1].Format != "markdown" || got[1].Note || len(got[1].Tags) != 0 {
				t.Errorf("second entry = %+v", got[1])
			}
		})
	}
}

func TestClosedInvestigationIsPermanentConflict(t *testing.T) {
	for _, m := range modes[:3] {
		t.Run(m.name, func(t *testing.T) {
			f := newFixture(t, m.opts, nil)
			id := f.srv.AddIncident("PingOne: password spraying", xsoartest.SeverityMedium)
			f.srv.CloseIncident(id)
			before := f.srv.Requests()

			entryID, err := f.client.AddEntry(context.Background(), xsoar.Entry{InvestigationID: id, Markdown: "too late", Note: true})
			ue := wantKind(t, err, upstream.Conflict)
			if ue.Status != 412 || ue.Code != xsoar.CodeInvestigationClosed || !xsoar.Permanent(err) || entryID != "" {
				t.Errorf("err = %#v, id %q; want a permanent 412 investigation_closed", ue, entryID)
			}
			if n := f.srv.Requests() - before; n != 1 {
				t.Errorf("%d requests, want 1: a closed investigation is not retried", n)
			}
			if len(f.srv.Entries(id)) != 0 {
				t.Error("an entry was written to a closed investigation")
			}
			in, err := f.client.GetIncident(context.Background(), id)
			if err != nil || !in.IsClosed() || in.Closed.IsZero() {
				t.Errorf("GetIncident = %+v, %v; want closed", in, err)
			}
		})
	}
}

func TestWrongKeyIsUnauthorized(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			const wrong = "wrong-secret-key-value"
			f := newFixture(t, m.opts, func(c *xsoar.Config) { c.APIKey = wrong })
			id := f.srv.AddIncident("x", xsoartest.SeverityLow)
			calls := map[string]func() error{
				"Ping": func() error { return f.client.Ping(context.Background()) },
				"AddEntry": func() error {
					_, err := f.client.AddEntry(context.Background(), xsoar.Entry{InvestigationID: id, Markdown: "x"})
					return err
				},
				"CreateIncident": func() error {
					_, err := f.client.CreateIncident(context.Background(), xsoar.NewIncident{Name: "x"})
					return err
				},
				"GetIncident": func() error { _, err := f.client.GetIncident(context.Background(), id); return err },
			}
			for name, call := range calls {
				before := f.srv.Requests()
				err := call()
				wantKind(t, err, upstream.Unauthorized)
				if xsoar.Permanent(err) {
					t.Errorf("%s: Unauthorized reported permanent", name)
				}
				if n := f.srv.Requests() - before; n != 1 {
					t.Errorf("%s: %d requests, want 1", name, n)
				}
				noSecret(t, err, wrong, m.opts.APIKey)
			}
		})
	}
}

func TestWrongKeyIDIsUnauthorized(t *testing.T) {
	f := newFixture(t, modes[2].opts, func(c *xsoar.Config) { c.APIKeyID = "99" })
	wantKind(t, f.client.Ping(context.Background()), upstream.Unauthorized)
}

func TestAdvancedKeyReplayedNonceIsRefused(t *testing.T) {
	f := newFixture(t, modes[2].opts, nil)
	nonce := strings.Repeat("N0nce", 12) + "abcd"
	xsoar.SetNonce(f.client, func() (string, error) { return nonce, nil })
	if err := f.client.Ping(context.Background()); err != nil {
		t.Fatalf("first use of the nonce: %v", err)
	}
	before := f.srv.Requests()
	err := f.client.Ping(context.Background())
	wantKind(t, err, upstream.Unauthorized)
	if n := f.srv.Requests() - before; n != 1 {
		t.Errorf("%d requests; a refused key is not retried", n)
	}
	noSecret(t, err, modes[2].opts.APIKey, nonce)
}

func TestAdvancedKeyStaleTimestampIsRefused(t *testing.T) {
	f := newFixture(t, modes[2].opts, nil)
	// The client's clock runs ten minutes slow; the fake keeps the shared one.
	xsoar.SetTestClock(f.client, func() time.Time { return f.clock.Now().Add(-10 * time.Minute) }, f.clock.Sleep)
	wantKind(t, f.client.Ping(context.Background()), upstream.Unauthorized)
}

func TestAdvancedKeyRetryBringsFreshNonce(t *testing.T) {
	// Injected failures come after authentication and use the nonce up; a
	// retry with the same nonce would be refused as a replay.
	f := newFixture(t, modes[2].opts, nil)
	f.srv.InjectStatus(2, 503)
	if err := f.client.Ping(context.Background()); err != nil {
		t.Fatalf("Ping after two 503s: %v", err)
	}
	if n := f.srv.Requests(); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestRateLimitedAddEntryIsRetried(t *testing.T) {
	f := newFixture(t, modes[2].opts, nil)
	id := f.srv.AddIncident("x", xsoartest.SeverityLow)
	f.srv.InjectStatus(1, 429)
	if _, err := f.client.AddEntry(context.Background(), xsoar.Entry{InvestigationID: id, Markdown: "x"}); err != nil {
		t.Fatalf("AddEntry after a 429: %v", err)
	}
	if n, e := f.srv.Requests(), len(f.srv.Entries(id)); n != 2 || e != 1 {
		t.Errorf("%d requests, %d entries; want 2 requests and one entry", n, e)
	}
	if len(f.clock.Sleeps()) != 1 {
		t.Errorf("sleeps = %v, want one backoff", f.clock.Sleeps())
	}
}

func TestRateLimitedCreateIncidentIsRetried(t *testing.T) {
	f := newFixture(t, modes[0].opts, nil)
	f.srv.InjectStatus(1, 429)
	if _, err := f.client.CreateIncident(context.Background(), xsoar.NewIncident{Name: "x"}); err != nil {
		t.Fatalf("CreateIncident after a 429: %v", err)
	}
	if n := len(f.srv.Incidents()); n != 1 {
		t.Errorf("%d incidents, want 1", n)
	}
}

func TestServerErrorOnWritesIsNotRetried(t *testing.T) {
	for _, status := range []int{500, 502, 503, 504} {
		f := newFixture(t, modes[0].opts, nil)
		id := f.srv.AddIncident("x", xsoartest.SeverityLow)
		f.srv.InjectStatus(1, status)
		_, err := f.client.AddEntry(context.Background(), xsoar.Entry{InvestigationID: id, Markdown: "x"})
		ue := wantKind(t, err, upstream.Unavailable)
		if ue.Status != status || xsoar.Permanent(err) {
			t.Errorf("%d: err %#v, permanent %v", status, ue, xsoar.Permanent(err))
		}
		f.srv.InjectStatus(1, status)
		_, err = f.client.CreateIncident(context.Background(), xsoar.NewIncident{Name: "x"})
		wantKind(t, err, upstream.Unavailable)
		if n := f.srv.Requests(); n != 2 {
			t.Errorf("%d: %d requests, want 2 (one per write, none retried)", status, n)
		}
	}
}

func TestReadsAreRetriedOn5xx(t *testing.T) {
	f := newFixture(t, modes[0].opts, nil)
	id := f.srv.AddIncident("x", xsoartest.SeverityLow)
	f.srv.InjectStatus(2, 503)
	if _, err := f.client.GetIncident(context.Background(), id); err != nil {
		t.Fatalf("GetIncident after two 503s: %v", err)
	}
	f.srv.InjectStatus(3, 502)
	err := f.client.Ping(context.Background())
	wantKind(t, err, upstream.Unavailable)
	if n := f.srv.Requests(); n != 6 {
		t.Errorf("%d requests, want 3 + 3 (MaxRetries 2)", n)
	}
}

func TestUnknownInvestigationIsPermanent(t *testing.T) {
	f := newFixture(t, modes[0].opts, nil)
	_, err := f.client.AddEntry(context.Background(), xsoar.Entry{InvestigationID: "4242", Markdown: "x"})
	ue := wantKind(t, err, upstream.Invalid)
	if !xsoar.Permanent(err) || !strings.Contains(ue.Message, "4242") {
		t.Errorf("err = %v, permanent %v", err, xsoar.Permanent(err))
	}
}

func TestGetIncidentNotFound(t *testing.T) {
	f := newFixture(t, modes[1].opts, nil)
	_, err := f.client.GetIncident(context.Background(), "77")
	wantKind(t, err, upstream.NotFound)
}

func TestDownIsUnavailable(t *testing.T) {
	f := newFixture(t, modes[1].opts, func(c *xsoar.Config) { c.MaxRetries = -1 })
	f.srv.SetDown(true)
	err := f.client.Ping(context.Background())
	ue := wantKind(t, err, upstream.Unavailable)
	if ue.Status != 503 || strings.Contains(ue.Message, "<") {
		t.Errorf("err = %#v", ue)
	}
	f.srv.SetDown(false)
	if err := f.client.Ping(context.Background()); err != nil {
		t.Errorf("Ping after recovery: %v", err)
	}
}

func TestSlowServerHitsTheDeadline(t *testing.T) {
	f := newFixture(t, modes[0].opts, nil)
	id := f.srv.AddIncident("x", xsoartest.SeverityLow)
	f.srv.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := f.client.AddEntry(ctx, xsoar.Entry{InvestigationID: id, Markdown: "x"})
	wantKind(t, err, upstream.Timeout)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want it to wrap context.DeadlineExceeded", err)
	}
}

func TestCanceledCallIsTimeout(t *testing.T) {
	f := newFixture(t, modes[0].opts, nil)
	id := f.srv.AddIncident("x", xsoartest.SeverityLow)
	f.srv.SetLatency(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	// Cancel once the request is on the wire: no timing involved.
	go func() {
		for f.srv.Requests() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := f.client.AddEntry(ctx, xsoar.Entry{InvestigationID: id, Markdown: "x"})
	wantKind(t, err, upstream.Timeout)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want it to wrap context.Canceled", err)
	}
}
