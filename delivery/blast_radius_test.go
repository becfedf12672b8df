package delivery_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idcmd/idcmd/catalog"
	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/delivery"
	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/prisma"
	"github.com/idcmd/idcmd/providers/prisma/prismatest"
	"github.com/idcmd/idcmd/rules"
	"github.com/idcmd/idcmd/store"
	"github.com/idcmd/idcmd/writeback"
)

// stubInvoker answers prisma-get-user-cloud-access with a fixed access,
// or err, and keeps the requests.
type stubInvoker struct {
	mu   sync.Mutex
	reqs []commands.Request
	err  error
}

func (s *stubInvoker) Invoke(_ context.Context, req commands.Request) (*commands.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, req)
	if s.err != nil {
		return nil, s.err
	}
	return &commands.Result{ResultMeta: commands.ResultMeta{AuditID: 77}, Outputs: commands.PrismaCloudAccess{
		Email: "jdoe@example.com", IdP: "okta", MatchedBy: "okta_idp",
		Summary: commands.CloudAccessSummary{Accounts: []string{"AWS 1111", "AZURE 2222"}, AccountCount: 2, Clouds: []string{"AWS", "AZURE"},
			AdminLevel: true, AdminAccounts: []string{"AWS 1111"}, Resources: 14, Permissions: 9, Complete: true},
	}}, nil
}

func (s *stubInvoker) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

// prismaRouted is highDecision with a taken prisma_cloud route.
func prismaRouted(e ...store.WriteBack) []store.WriteBack {
	return append([]store.WriteBack{prismaWB()}, e...)
}

// TestBlastRadiusSharedByAlertAndIncident: the Prisma delivery, the XDR
// alert and the XSOAR incident of one event make one audited read (as
// rules, with the read scope, named after the event); the alert and the
// incident show its summary; after 10 minutes the user is looked up again.
func TestBlastRadiusSharedByAlertAndIncident(t *testing.T) {
	clk := newClock()
	st := openStore(t)
	xdrSrv, xc := newXDR(t, clk, 0)
	xsoarSrv, sc := newXSOAR(t, clk)
	inv := &stubInvoker{}
	br := delivery.NewBlastRadius(inv)
	br.Now = clk.Now
	e := oktaEvent("ev1")
	wbs := record(t, st, e, highDecision(e), prismaRouted(alertWB(), incidentWB())...)
	w := worker(st, clk, map[string]writeback.Target{
		rules.KindPrisma:        delivery.NewPrismaBlastRadius(st, br),
		rules.KindXDRAlert:      delivery.NewXDRAlerts(st, xc, br),
		rules.KindXSOARIncident: delivery.NewXSOARIncidents(st, sc, br),
	})
	runOnce(t, w)
	for _, wb := range wbs {
		if got := get(t, st, wb.ID); got.Status != store.WriteBackDelivered {
			t.Fatalf("%s: %s (%s)", wb.Kind, got.Status, got.LastError)
		}
	}
	if inv.calls() != 1 {
		t.Fatalf("%d lookups, want 1", inv.calls())
	}
	req := inv.reqs[0]
	args, _ := req.Args.(*commands.PrismaUserCloudAccessArgs)
	if req.Command != "prisma-get-user-cloud-access" || args == nil || args.User != "00u1jdoe" || args.IdP != "okta" ||
		req.Caller.Subject != "rules" || len(req.Caller.Scopes) != 1 || req.Caller.Scopes[0] != commands.ScopeRead || req.RequestID != "event:okta:ev1" {
		t.Fatalf("request = %+v, args %+v", req, args)
	}
	var res map[string]any
	if err := json.Unmarshal(get(t, st, wbs[0].ID).Result, &res); err != nil || res["resources"] != 14.0 || len(res["accounts"].([]any)) != 2 || res["audit_id"] != 77.0 {
		t.Fatalf("prisma result %v (%v)", res, err)
	}
	const want = "2 accounts (AWS 1111, AZURE 2222), 2 clouds (AWS, AZURE), 14 resources through 9 permissions, ADMIN-LEVEL in AWS 1111"
	if d := xdrSrv.Alerts()[0].AlertDescription; !strings.Contains(d, "Cloud blast radius (Prisma Cloud): "+want) {
		t.Errorf("alert description: %s", d)
	}
	in := xsoarSrv.Incidents()[0]
	if m := xsoarSrv.Entries(in.InvestigationID)[0].Markdown; !strings.Contains(m, "## Cloud Blast Radius (Prisma Cloud)") ||
		!strings.Contains(m, "- Admin-level access: YES in AWS 1111") || !strings.Contains(m, "- Resources: 14, through 9 permissions") {
		t.Errorf("incident entry:\n%s", m)
	}

	// Within the TTL the cache answers; past it Prisma Cloud is asked again.
	clk.Advance(9 * time.Minute)
	if _, err := br.Lookup(context.Background(), e); err != nil || inv.calls() != 1 {
		t.Fatalf("within 10 minutes: %d lookups, %v", inv.calls(), err)
	}
	clk.Advance(2 * time.Minute)
	if _, err := br.Lookup(context.Background(), e); err != nil || inv.calls() != 2 {
		t.Fatalf("after 10 minutes: %d lookups, %v", inv.calls(), err)
	}
}

// TestBlastRadiusFailureDoesNotBlock: when Prisma Cloud fails, the alert
// and the incident are delivered saying why, and the Prisma delivery is
// retried; when Prisma Cloud is not configured, it fails for good.
func TestBlastRadiusFailureDoesNotBlock(t *testing.T) {
	clk := newClock()
	st := openStore(t)
	xdrSrv, xc := newXDR(t, clk, 0)
	xsoarSrv, sc := newXSOAR(t, clk)
	inv := &stubInvoker{err: errors.New("prisma: Prisma Cloud is down (HTTP 503)")}
	br := delivery.NewBlastRadius(inv)
	e := oktaEvent("ev1")
	wbs := record(t, st, e, highDecision(e), prismaRouted(alertWB(), incidentWB())...)
	w := worker(st, clk, map[string]writeback.Target{
		rules.KindPrisma:        delivery.NewPrismaBlastRadius(st, br),
		rules.KindXDRAlert:      delivery.NewXDRAlerts(st, xc, br),
		rules.KindXSOARIncident: delivery.NewXSOARIncidents(st, sc, br),
	})
	runOnce(t, w)
	const why = "blast radius unavailable: prisma: Prisma Cloud is down (HTTP 503)"
	if d := xdrSrv.Alerts()[0].AlertDescription; !strings.Contains(d, why) {
		t.Errorf("alert: %s", d)
	}
	if m := xsoarSrv.Entries(xsoarSrv.Incidents()[0].InvestigationID)[0].Markdown; !strings.Contains(m, why) {
		t.Errorf("incident entry:\n%s", m)
	}
	if got := get(t, st, wbs[0].ID); got.Status != store.WriteBackQueued || !strings.Contains(got.LastError, "503") {
		t.Errorf("prisma delivery: %s %q, want a retry", got.Status, got.LastError)
	}
	inv.err = commands.ErrProviderNotConfigured
	clk.Advance(10 * time.Minute)
	runOnce(t, w)
	if got := get(t, st, wbs[0].ID); got.Status != store.WriteBackFailed {
		t.Errorf("not configured: %s %q, want failed", got.Status, got.LastError)
	}
}

// TestBlastRadiusThroughTheInvoker: with the real Invoker on the Okta and
// Prisma Cloud fakes, the lookup is the command's audited read and the
// result its summary.
func TestBlastRadiusThroughTheInvoker(t *testing.T) {
	clk := newClock()
	st := openStore(t)
	of := oktatest.NewServer(oktatest.Options{Seed: true})
	t.Cleanup(of.Close)
	pf := prismatest.NewServer(prismatest.Options{Seed: true})
	t.Cleanup(pf.Close)
	oc, err := okta.New(okta.Config{BaseURL: of.URL, APIToken: of.Token})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := prisma.New(prisma.Config{APIURL: pf.URL, AccessKey: pf.AccessKey, SecretKey: pf.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	inv := commands.NewInvoker(catalog.Default, commands.Providers{Okta: oc, Prisma: pc})
	inv.Store, inv.SyncReadAudit = st, true
	uid, ok := of.Org().UserID(oktatest.DemoAdminUser)
	if !ok {
		t.Fatal("no demo admin")
	}
	e := oktaEvent("ev9")
	e.User, e.UserID = oktatest.DemoAdminUser, uid
	wbs := record(t, st, e, highDecision(e), prismaWB())
	w := worker(st, clk, map[string]writeback.Target{rules.KindPrisma: delivery.NewPrismaBlastRadius(st, delivery.NewBlastRadius(inv))})
	runOnce(t, w)
	got := get(t, st, wbs[0].ID)
	var sum delivery.CloudSummary
	if got.Status != store.WriteBackDelivered || json.Unmarshal(got.Result, &sum) != nil {
		t.Fatalf("%s %q %s", got.Status, got.LastError, got.Result)
	}
	if sum.Email != oktatest.DemoAdminUser || len(sum.Accounts) == 0 || sum.Permissions == 0 || !sum.AdminLevel || sum.AuditID == 0 {
		t.Fatalf("summary %+v", sum)
	}
	rec, err := st.GetAudit(context.Background(), sum.AuditID)
	if err != nil || rec.RequestID != "event:okta:ev9" || rec.Subject != "rules" {
		t.Fatalf("audit record %+v, %v", rec, err)
	}
}
