package automation_test

import (
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/automation"
	"github.com/idcmd/idcmd/providers/xdr"
	"github.com/idcmd/idcmd/providers/xdr/xdrtest"
	"github.com/idcmd/idcmd/providers/xsoar"
	"github.com/idcmd/idcmd/providers/xsoar/xsoartest"
	"github.com/idcmd/idcmd/rules"
	"github.com/idcmd/idcmd/store"
)

// queueAlertCase queues two held responses, one that runs, and the
// alert on platform.
func queueAlertCase(e *env, platform string) (alert store.WriteBack, held []store.WriteBack, free store.WriteBack) {
	hold := "automated_responses.rate_limit: 2 runs of suspend_user in the last 10m0s"
	for _, ev := range []string{"h1", "h2"} {
		p := suspend("00u"+ev, "")
		p.Hold = hold
		held = append(held, e.queue(ev, p))
	}
	free = e.queue("f1", suspend("00ufree", ""))
	alert, err := e.st.EnqueueWriteBack(e.t.Context(), store.WriteBack{Platform: platform, Kind: rules.KindAutomationAlert})
	if err != nil {
		e.t.Fatal(err)
	}
	return alert, held, free
}

// TestRateLimitAlertXSOAR: the alert is a high XSOAR incident of type
// Identity Access Management listing the held responses.
func TestRateLimitAlertXSOAR(t *testing.T) {
	e := newEnv(t, rulesPolicy())
	fake := xsoartest.NewServer(xsoartest.Options{APIKey: "k"})
	t.Cleanup(fake.Close)
	xc, err := xsoar.New(xsoar.Config{BaseURL: fake.URL, APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	alert, held, free := queueAlertCase(e, store.PlatformXSOAR)
	p, err := automation.NewAlerts(e.st, xc, nil, cfg(), at(alert, time.Second)).DeliverResult(t.Context(), alert)
	if err != nil {
		t.Fatal(err)
	}
	inc, ok := fake.Incident(p.RemoteID)
	if !ok {
		t.Fatalf("no incident %q in XSOAR", p.RemoteID)
	}
	if inc.Name != automation.AlertName || inc.Type != "Identity Access Management" || inc.Severity != xsoar.SeverityHigh {
		t.Errorf("incident %q type %q severity %v", inc.Name, inc.Type, inc.Severity)
	}
	for _, h := range held {
		if !strings.Contains(inc.Details, h.ID) {
			t.Errorf("details do not list held response %s:\n%s", h.ID, inc.Details)
		}
	}
	if strings.Contains(inc.Details, free.ID) {
		t.Errorf("details list a response that was not held:\n%s", inc.Details)
	}
	if !strings.Contains(string(p.Result), `"incident":"`+p.RemoteID+`","held":2`) {
		t.Errorf("result %s", p.Result)
	}
	// Past the window, the responses held before it are not listed.
	p, err = automation.NewAlerts(e.st, xc, nil, cfg(), at(alert, 11*time.Minute)).DeliverResult(t.Context(), alert)
	if err != nil || !strings.Contains(string(p.Result), `"held":0`) {
		t.Errorf("result past the window %s, err %v", p.Result, err)
	}
}

// TestRateLimitAlertXDR: on platform xdr, the alert is one parsed alert.
func TestRateLimitAlertXDR(t *testing.T) {
	e := newEnv(t, rulesPolicy())
	fake := xdrtest.NewServer(xdrtest.Options{APIKey: "k", APIKeyID: "7"})
	t.Cleanup(fake.Close)
	xc, err := xdr.New(xdr.Config{BaseURL: fake.URL, APIKey: "k", APIKeyID: "7"})
	if err != nil {
		t.Fatal(err)
	}
	alert, held, _ := queueAlertCase(e, store.PlatformXDR)
	p, err := automation.NewAlerts(e.st, nil, xc, cfg(), at(alert, time.Second)).DeliverResult(t.Context(), alert)
	if err != nil {
		t.Fatal(err)
	}
	got := fake.Alerts()
	if len(got) != 1 || got[0].AlertName != automation.AlertName || got[0].Severity != xdr.SeverityHigh ||
		!strings.Contains(got[0].AlertDescription, held[0].ID) {
		t.Fatalf("XDR alerts %+v", got)
	}
	if p.RemoteID != automation.AlertName {
		t.Errorf("remote id %q", p.RemoteID)
	}
}
