package tests

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/xdr/xdrtest"
	"github.com/idcmd/idcmd/providers/xsoar/xsoartest"
)

// lockEvents are n account lockouts of n different users, cloned from a
// seeded System Log event with fresh uuids.
func lockEvents(t *testing.T, fake *oktatest.Server, n int) []oktatest.LogEvent {
	t.Helper()
	template := fake.Org().Events()[0]
	out := make([]oktatest.LogEvent, n)
	for i := range out {
		ev := template
		ev.UUID = fmt.Sprintf("10c%05d-0000-4000-8000-%012d", i, time.Now().UnixNano()%1e12)
		ev.EventType, ev.DisplayMessage = "user.account.lock", "Max sign in attempts exceeded"
		ev.Actor = oktatest.LogActor{ID: fmt.Sprintf("00ulock%05d", i), Type: "User", AlternateID: fmt.Sprintf("user%d@example.com", i), DisplayName: fmt.Sprintf("User %d", i)}
		ev.Target = nil
		ev.Published = time.Now().Add(-time.Minute).UTC()
		out[i] = ev
	}
	return out
}

func postHook(t *testing.T, base string, evs []oktatest.LogEvent) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/okta/webhook", bytes.NewReader(oktaDelivery(t, evs...)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", oktaHookSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("hook delivery: %d", resp.StatusCode)
	}
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "idcmd.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestTwoReplicasDecideAndRouteEachEventOnce: two idcmd processes on one
// PostgreSQL receive the deliveries in turn; each event is decided once
// (one replica decides at a time) and raises one XSOAR incident, and XDR
// gets its alerts in requests of at most 60.
func TestTwoReplicasDecideAndRouteEachEventOnce(t *testing.T) {
	dsn := postgresSchema(t)
	fake := oktatest.NewServer(oktatest.Options{Seed: true})
	defer fake.Close()
	xs := xsoartest.NewServer(xsoartest.Options{APIKey: "k"})
	defer xs.Close()
	xd := xdrtest.NewServer(xdrtest.Options{APIKey: "xk", APIKeyID: "7"})
	defer xd.Close()
	env := map[string]string{"IDCMD_JWT_SECRET": testSecret, "OKTA_BASE_URL": fake.URL, "OKTA_API_TOKEN": fake.Token, "OKTA_WEBHOOK_SECRET": oktaHookSecret,
		"IDCMD_STORE_URL": dsn, "XSOAR_URL": xs.URL, "XSOAR_API_KEY": "k", "XDR_BASE_URL": xd.URL, "XDR_API_KEY": "xk", "XDR_API_KEY_ID": "7"}
	cfg := writeConfig(t, `writeback:
  base_backoff: 50ms
  max_backoff: 300ms
  lease: 2s
event_routing:
  user.account.lock: [cortex_xdr, xsoar]
integrations:
  cortex_xdr: {auto_create_incidents: true}
  xsoar: {auto_create_incidents: true}
rules:
  lease: 5s
`)
	a, b := startIdcmd(t, env, "--config", cfg), startIdcmd(t, env, "--config", cfg)
	const n, per = 150, 10
	evs := lockEvents(t, fake, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i += per {
		wg.Add(1)
		go func() {
			defer wg.Done()
			postHook(t, []*proc{a, b}[(i/per)%2].url, evs[i:i+per])
		}()
	}
	wg.Wait()
	lockIncidents := func() map[string]int {
		byName := map[string]int{}
		for _, in := range xs.Incidents() {
			if strings.Contains(in.Name, "user.account.lock") {
				byName[in.Name]++
			}
		}
		return byName
	}
	eventually(t, "an incident per lockout", func() bool { return len(lockIncidents()) == n })
	eventually(t, "an alert per lockout", func() bool { return len(xd.Alerts()) >= n })
	time.Sleep(300 * time.Millisecond) // a duplicate would come within a retry's backoff
	for name, c := range lockIncidents() {
		if c != 1 {
			t.Errorf("%d incidents named %q", c, name)
		}
	}
	perRequest := map[int]int{}
	for _, al := range xd.Alerts() {
		perRequest[al.Request]++
	}
	if got := len(xd.Alerts()); got != n {
		t.Errorf("%d XDR alerts for %d lockouts", got, n)
	}
	for req, c := range perRequest {
		if c > 60 {
			t.Errorf("insert_parsed_alerts request %d carried %d alerts", req, c)
		}
	}
	reader := token(t, "events:read")
	for _, ev := range evs {
		if s := decisionStatus(t, a.url, ev.UUID, reader); s != "decided" {
			t.Fatalf("event %s: %s", ev.UUID, s)
		}
	}
}
