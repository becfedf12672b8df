package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

// TestKillNineLosesNoAcknowledgedEvent kills idcmd with SIGKILL under a
// stream of Okta hook deliveries, restarts it on the same data directory,
// and checks that every event of every delivery answered 204 is stored.
// The same process polls the Okta System Log; after the restart the poller
// resumes at its stored cursor (once the dead process's 5 s lease has run
// out) and re-reads nothing.
func TestKillNineLosesNoAcknowledgedEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	fake := oktatest.NewServer(oktatest.Options{Seed: true})
	defer fake.Close()
	cfg := filepath.Join(t.TempDir(), "idcmd.yaml")
	if err := os.WriteFile(cfg, []byte("events:\n  okta_poll:\n    enabled: true\n    first_fetch: 192h\n    event_types: []\n    lease: 5s\nrules:\n  lease: 5s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"IDCMD_JWT_SECRET": testSecret, "OKTA_BASE_URL": fake.URL, "OKTA_API_TOKEN": fake.Token,
		"IDCMD_DATA_DIR": t.TempDir(), "OKTA_WEBHOOK_SECRET": oktaHookSecret}
	p := startIdcmd(t, env, "--config", cfg)
	reader := token(t, "events:read")
	template := fake.Org().Events()[:20]

	var acked sync.Map // uuid → true, for every event of an acknowledged delivery
	var batches atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				evs := make([]oktatest.LogEvent, len(template))
				for j, ev := range template {
					ev.UUID = fmt.Sprintf("%08x-%04x-4000-8000-%012x", w, i, j)
					evs[j] = ev
				}
				req, _ := http.NewRequest(http.MethodPost, p.url+"/okta/webhook", bytes.NewReader(oktaDelivery(t, evs...)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", oktaHookSecret)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return // the process is gone
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusNoContent {
					for _, ev := range evs {
						acked.Store(ev.UUID, true)
					}
					batches.Add(1)
				}
			}
		}()
	}
	eventually(t, "a stream of deliveries", func() bool { return batches.Load() >= 30 })
	// The poller has read the seeded log by now (its first poll runs at
	// start); wait for it so the restart has a cursor to resume at.
	eventually(t, "the first poll", func() bool {
		return len(asList(p.get(t, "/api/v1/events?source=poll&limit=1", reader)["events"])) == 1
	})
	p.kill()
	close(stop)
	wg.Wait()

	p2 := startIdcmd(t, env, "--config", cfg)
	missing, total := 0, 0
	acked.Range(func(k, _ any) bool {
		total++
		req, _ := http.NewRequest(http.MethodGet, p2.url+"/api/v1/events/"+k.(string), nil)
		req.Header.Set("Authorization", "Bearer "+reader)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			missing++
		}
		return true
	})
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged events are missing after kill -9", missing, total)
	}
	// And each is decided: once the dead process's 5 s decider lease has
	// run out, the restarted one decides what it left undecided.
	undecided := 0
	acked.Range(func(k, _ any) bool {
		if decisionStatus(t, p2.url, k.(string), reader) != "decided" {
			undecided++
		}
		return true
	})
	if undecided > 0 {
		eventually(t, "every acknowledged event decided", func() bool {
			undecided = 0
			acked.Range(func(k, _ any) bool {
				if decisionStatus(t, p2.url, k.(string), reader) != "decided" {
					undecided++
				}
				return undecided == 0
			})
			return undecided == 0
		})
	}
	// The restarted poller resumed at its cursor: it stored no event it
	// had stored before (the intake counts duplicates by source).
	eventually(t, "a poll after the restart", func() bool {
		return strings.Contains(metricsOf(t, p2.url), `idcmd_event_polls_total{outcome="ok",provider="okta"}`)
	})
	if m := metricsOf(t, p2.url); strings.Contains(m, `idcmd_events_received_total{provider="okta",result="duplicate",source="poll"}`) {
		t.Fatalf("the restarted poller re-read events:\n%s", grepLines(m, "idcmd_events_received_total"))
	}
	t.Logf("%d deliveries (%d events) acknowledged before SIGKILL, all stored", batches.Load(), total)
}

// decisionStatus is GET /api/v1/events/{id}'s decision_status.
func decisionStatus(t *testing.T, base, id, tok string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/events/"+id+"?provider=okta", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"decision_status"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return body.Status
}

func metricsOf(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
