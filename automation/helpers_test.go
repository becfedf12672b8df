package automation_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/idcmd/idcmd/automation"
	"github.com/idcmd/idcmd/catalog"
	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/rules"
	"github.com/idcmd/idcmd/store"
	"github.com/idcmd/idcmd/writeback"
)

// env is an Invoker on a real store ("sqlite::memory:") against the fake
// Okta, counting the lifecycle calls the fake received.
type env struct {
	t         *testing.T
	st        store.Store
	inv       *commands.Invoker
	okta      *oktatest.Server
	lifecycle atomic.Int64 // POST .../lifecycle/* received
	mu        sync.Mutex
	requests  []string // paths of lifecycle calls, with their query
}

// lifecycleCalls are the lifecycle calls received, with their query.
func (e *env) lifecycleCalls() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.requests)
}

func newEnv(t *testing.T, policy commands.ApprovalPolicy) *env {
	t.Helper()
	e := &env{t: t}
	st, err := store.Open(t.Context(), "sqlite::memory:", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	e.st = st
	e.okta = oktatest.NewHandlerServer(oktatest.Options{Seed: true})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/lifecycle/") {
			e.lifecycle.Add(1)
			e.mu.Lock()
			e.requests = append(e.requests, r.URL.Path+"?"+r.URL.RawQuery)
			e.mu.Unlock()
		}
		e.okta.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e.okta.SetURL(srv.URL)
	oc, err := okta.New(okta.Config{BaseURL: srv.URL, APIToken: e.okta.Token})
	if err != nil {
		t.Fatal(err)
	}
	e.inv = commands.NewInvoker(catalog.Default, commands.Providers{Okta: oc})
	e.inv.Store, e.inv.Policy = st, policy
	e.inv.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	return e
}

// userID is the fake Okta's id of login.
func (e *env) userID(login string) string {
	id, ok := e.okta.Org().UserID(login)
	if !ok {
		e.t.Fatalf("no user %s", login)
	}
	return id
}

// cfg is automation on with every default.
func cfg() rules.Automation {
	a := rules.Defaults().Automation
	a.Enabled = true
	return a
}

// queue enqueues a response for the Okta event id.
func (e *env) queue(eventID string, p rules.ResponsePayload) store.WriteBack {
	e.t.Helper()
	b, _ := json.Marshal(p)
	wb, err := e.st.EnqueueWriteBack(e.t.Context(), store.WriteBack{Platform: store.PlatformIdcmd, Kind: rules.KindResponse,
		EventProvider: "okta", EventID: eventID, Payload: b})
	if err != nil {
		e.t.Fatal(err)
	}
	return wb
}

// queueIncident enqueues an XSOAR incident delivery.
func (e *env) queueIncident(eventID string) store.WriteBack {
	e.t.Helper()
	wb, err := e.st.EnqueueWriteBack(e.t.Context(), store.WriteBack{Platform: store.PlatformXSOAR, Kind: rules.KindXSOARIncident,
		EventProvider: "okta", EventID: eventID})
	if err != nil {
		e.t.Fatal(err)
	}
	return wb
}

// settle records o for write-back id as a worker would, giving back the
// others it claimed.
func (e *env) settle(id string, o store.WriteBackOutcome) {
	e.t.Helper()
	ctx := e.t.Context()
	claimed, err := e.st.ClaimWriteBacks(ctx, "test", 100, time.Minute, time.Now().Add(time.Hour))
	if err != nil {
		e.t.Fatal(err)
	}
	for _, wb := range claimed {
		out := store.WriteBackOutcome{Interrupted: true}
		if wb.ID == id {
			out = o
		}
		if _, err := e.st.FinishWriteBack(ctx, wb.ID, "test", out, time.Now()); err != nil {
			e.t.Fatal(err)
		}
	}
}

// deliver runs the response wb through r, returning its result.
func deliver(t *testing.T, r *automation.Responses, wb store.WriteBack) (automation.Result, error) {
	t.Helper()
	p, err := r.DeliverResult(context.Background(), wb)
	var res automation.Result
	if len(p.Result) > 0 {
		if jerr := json.Unmarshal(p.Result, &res); jerr != nil {
			t.Fatal(jerr)
		}
	}
	return res, err
}

// audit is every record, oldest first.
func (e *env) audit() []store.AuditRecord {
	e.t.Helper()
	recs, _, err := e.st.ListAudit(e.t.Context(), store.AuditFilter{Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	for i, j := 0, len(recs)-1; i < j; i, j = i+1, j-1 {
		recs[i], recs[j] = recs[j], recs[i]
	}
	return recs
}

// at is a clock fixed at d after wb was queued.
func at(wb store.WriteBack, d time.Duration) func() time.Time {
	return func() time.Time { return wb.CreatedAt.Add(d) }
}

var _ writeback.ResultTarget = (*automation.Responses)(nil)
var _ writeback.ResultTarget = (*automation.Alerts)(nil)

// rulesPolicy is the approval policy of a server with no approvals set.
func rulesPolicy() commands.ApprovalPolicy { return commands.ApprovalPolicy{} }
