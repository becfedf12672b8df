package tests

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/idcmd/idcmd/api"
	"github.com/idcmd/idcmd/auth"
	"github.com/idcmd/idcmd/catalog"
	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/handlers"
	"github.com/idcmd/idcmd/internal/logbuf"
	"github.com/idcmd/idcmd/metrics"
	"github.com/idcmd/idcmd/panics"
	"github.com/idcmd/idcmd/server"
	"github.com/idcmd/idcmd/store"
)

type panicArgs struct {
	// The user.
	User string `json:"user" validate:"required"`
}

// panicky is a test-only catalog: a state-changing command whose run
// panics (counting its runs), a read that panics, and a healthy read.
type panicky struct {
	inv   *commands.Invoker
	st    store.Store
	runs  atomic.Int64
	logs  *logbuf.Buffer
	url   string
	write string
}

func newPanicky(t *testing.T) *panicky {
	t.Helper()
	p := &panicky{logs: &logbuf.Buffer{}}
	boom := commands.Spec[panicArgs, string]{
		Name: "okta-explode-user", Summary: "Panics, as a faulty command would.", Provider: commands.Okta, Risk: commands.Write,
		Context: commands.Context{Prefix: "Okta.User", Key: "ID"},
		Run: func(context.Context, commands.Providers, panicArgs) (commands.Reply[string], error) {
			p.runs.Add(1)
			var m map[string]int
			m["user"]++ // a nil-map write: a runtime panic, as a real bug would raise
			return commands.Reply[string]{}, nil
		},
	}
	boomRead := boom
	boomRead.Name, boomRead.Risk = "okta-explode-read", commands.Read
	fine := commands.Spec[panicArgs, string]{
		Name: "okta-echo-user", Summary: "Answers.", Provider: commands.Okta, Risk: commands.Read,
		Context: commands.Context{Prefix: "Okta.User", Key: "ID"},
		Run: func(_ context.Context, _ commands.Providers, a panicArgs) (commands.Reply[string], error) {
			return commands.Reply[string]{Outputs: a.User, Readable: a.User}, nil
		},
	}
	st, err := store.Open(t.Context(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	log := server.NewLogger(p.logs, "debug")
	p.inv = commands.NewInvoker(commands.MustCatalog(boom, boomRead, fine), commands.Providers{})
	p.inv.Store, p.inv.Log = st, log
	p.st = st
	t.Cleanup(func() { p.inv.Drain(); _ = st.Close() })
	v, err := auth.NewVerifier(t.Context(), auth.Config{Secret: []byte(testSecret), Issuer: "idcmd", Audience: "idcmd"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Options{Invoker: p.inv, Verifier: v, Metrics: metrics.New(), Logger: log}))
	t.Cleanup(srv.Close)
	p.url = srv.URL
	p.write = token(t, allScopes...)
	return p
}

func (p *panicky) post(t *testing.T, name, key string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, p.url+"/api/v1/commands/"+name, strings.NewReader(`{"user":"jdoe"}`))
	req.Header.Set("Authorization", "Bearer "+p.write)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v (did the server die?)", name, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// auditOf returns the newest audit record of a command.
func (p *panicky) auditOf(t *testing.T, name string) store.AuditRecord {
	t.Helper()
	p.inv.Drain()
	recs, _, err := p.st.ListAudit(t.Context(), store.AuditFilter{Command: name, Limit: 1})
	if err != nil || len(recs) == 0 {
		t.Fatalf("no audit record of %s: %v", name, err)
	}
	return recs[0]
}

func noStack(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(s, "goroutine ") || strings.Contains(s, ".go:") || strings.Contains(s, "runtime/debug") {
		t.Errorf("%s carries a stack: %s", what, s)
	}
}

// TestPanicInBackgroundCommandRun: an automated (in-process, non-HTTP)
// call whose command panics gets an error result, not a crash; the call has
// an audit record with outcome error and the panic (no stack) as its
// detail; its idempotency key is released, so a retry runs again.
func TestPanicInBackgroundCommandRun(t *testing.T) {
	p := newPanicky(t)
	req := commands.Request{
		Command: "okta-explode-user", Args: &panicArgs{User: "jdoe"}, RequestID: "rule-run-1", Automated: true,
		Caller:         commands.Caller{Subject: "automation:disable-on-impossible-travel", Scopes: allScopes},
		IdempotencyKey: "evt-1:disable-on-impossible-travel:suspend",
	}
	var res *commands.Result
	var err error
	done := make(chan struct{})
	go func() { // as the rules engine will: from a background goroutine
		defer close(done)
		res, err = p.inv.Invoke(context.Background(), req)
	}()
	<-done
	var pe *panics.Error
	var ae *commands.AuditedError
	if res != nil || !errors.As(err, &pe) || !errors.As(err, &ae) || ae.AuditID == 0 {
		t.Fatalf("Invoke = %v, %v; want no result and an audited panic error", res, err)
	}
	noStack(t, "the error", err.Error())
	rec := p.auditOf(t, "okta-explode-user")
	if rec.Seq != ae.AuditID || rec.Outcome != commands.OutcomeError ||
		!strings.Contains(rec.Detail, "panic in command okta-explode-user: assignment to entry in nil map") {
		t.Errorf("audit record = seq %d, %s, %q; want seq %d, error, naming the panic", rec.Seq, rec.Outcome, rec.Detail, ae.AuditID)
	}
	noStack(t, "the audit detail", rec.Detail)
	if !strings.Contains(p.logs.String(), `"msg":"panic contained"`) || !strings.Contains(p.logs.String(), "runtime/debug.Stack") {
		t.Errorf("the log lacks the contained panic with its stack:\n%s", p.logs.String())
	}

	// The key was released: whether the provider acted is unknown, so a
	// retry runs (and here fails again, and is recorded again).
	if _, err := p.inv.Invoke(context.Background(), req); !errors.As(err, &pe) {
		t.Fatalf("retry with the same key: %v, want it to run (and panic) again", err)
	}
	if got := p.runs.Load(); got != 2 {
		t.Errorf("the command ran %d times for two calls with one key, want 2 (the key released)", got)
	}

	// A read that panics (its record is written after the answer) too.
	read := req
	read.Command, read.IdempotencyKey = "okta-explode-read", ""
	if _, err := p.inv.Invoke(context.Background(), read); !errors.As(err, &pe) {
		t.Fatalf("panicking read: %v, want a panic error", err)
	}
	if rec := p.auditOf(t, "okta-explode-read"); rec.Outcome != commands.OutcomeError {
		t.Errorf("panicking read recorded as %s, want error", rec.Outcome)
	}

	// The process, and the Invoker, go on.
	ok := req
	ok.Command, ok.IdempotencyKey = "okta-echo-user", ""
	if res, err := p.inv.Invoke(context.Background(), ok); err != nil || res.Outputs != "jdoe" {
		t.Errorf("healthy call after the panics: %v, %v", res, err)
	}
}

// TestPanicInCommandOverHTTP: the HTTP caller of a command that panics gets
// a 500 problem with a request id and the audit id, and no stack or panic
// text; the server goes on serving.
func TestPanicInCommandOverHTTP(t *testing.T) {
	p := newPanicky(t)
	status, body := p.post(t, "okta-explode-user", "key-1")
	if status != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500: %s", status, body)
	}
	for _, want := range []string{`"type":`, `"request_id":"`, `"audit_id":`, `"status":500`} {
		if !strings.Contains(body, want) {
			t.Errorf("problem lacks %s: %s", want, body)
		}
	}
	noStack(t, "the problem", body)
	if strings.Contains(body, "nil map") || strings.Contains(body, "panic") {
		t.Errorf("the problem shows the panic to the caller: %s", body)
	}
	if rec := p.auditOf(t, "okta-explode-user"); rec.Outcome != commands.OutcomeError || !strings.Contains(rec.Detail, "panic in command") {
		t.Errorf("audit record = %s, %q; want error naming the panic", rec.Outcome, rec.Detail)
	}
	if status, body := p.post(t, "okta-explode-user", "key-1"); status != http.StatusInternalServerError {
		t.Errorf("retry with the same key: %d %s, want it to run again (500), not a replay or 409", status, body)
	}
	if status, body := p.post(t, "okta-echo-user", ""); status != http.StatusOK || !strings.Contains(body, `"outputs":"jdoe"`) {
		t.Errorf("the server stopped serving after the panic: %d %s", status, body)
	}
}

// explodingAudit is a store whose audit appends panic.
type explodingAudit struct{ store.Store }

func (explodingAudit) AppendAudit(context.Context, store.AuditRecord) (store.AuditRecord, error) {
	panic("audit append exploded")
}

func (explodingAudit) AppendAuditLater(store.AuditRecord, func(error)) error {
	panic("audit append exploded")
}

// TestPanicOutsideTheRun: a panic past the command's run (here in the
// store, writing the audit record) is still the call's error for an
// in-process caller, and a read's record written after its answer fails
// alone, in the log; the process goes on.
func TestPanicOutsideTheRun(t *testing.T) {
	p := newPanicky(t)
	p.inv.Store = explodingAudit{p.st}
	req := commands.Request{Command: "okta-echo-user", Args: &panicArgs{User: "jdoe"}, RequestID: "r-1", Automated: true,
		Caller: commands.Caller{Subject: "automation:x", Scopes: allScopes}}
	// A read answers before its record is written; the record's panic is
	// contained and logged, and the read still answers.
	if res, err := p.inv.Invoke(context.Background(), req); err != nil || res.Outputs != "jdoe" {
		t.Fatalf("read = %v, %v; want its answer", res, err)
	}
	p.inv.Drain()
	if !strings.Contains(p.logs.String(), `"msg":"audit record of a read not written"`) ||
		!strings.Contains(p.logs.String(), "panic in audit record of a read: audit append exploded") {
		t.Errorf("the lost read record is not in the log:\n%s", p.logs.String())
	}
	// A state-changing call waits for its record, so the panic is its error.
	req.Command, req.IdempotencyKey = "okta-explode-user", "k-1"
	var pe *panics.Error
	if res, err := p.inv.Invoke(context.Background(), req); res != nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), "audit append exploded") {
		t.Fatalf("write = %v, %v; want the store's panic as its error", res, err)
	}
}

// TestPanicInReadinessCheck: a readiness check that panics reports that
// dependency as failing (503); the server goes on.
func TestPanicInReadinessCheck(t *testing.T) {
	v, err := auth.NewVerifier(t.Context(), auth.Config{Secret: []byte(testSecret), Issuer: "idcmd", Audience: "idcmd"})
	if err != nil {
		t.Fatal(err)
	}
	logs := &logbuf.Buffer{}
	srv := httptest.NewServer(api.New(api.Options{
		Invoker: commands.NewInvoker(catalog.Default, commands.Providers{}), Verifier: v, Metrics: metrics.New(),
		Logger:      server.NewLogger(logs, "debug"),
		ReadyChecks: map[string]handlers.Check{"okta": func(context.Context) error { panic("ping exploded") }},
	}))
	defer srv.Close()
	for range 2 { // and again: the first did not take the server down
		resp, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatalf("GET /readyz: %v (did the server die?)", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), `"okta":"failing"`) {
			t.Errorf("GET /readyz = %d %s, want 503 with okta failing", resp.StatusCode, b)
		}
		noStack(t, "/readyz", string(b))
	}
	if !strings.Contains(logs.String(), "panic in readiness check okta: ping exploded") {
		t.Errorf("the panic is not in the log:\n%s", logs.String())
	}
}
