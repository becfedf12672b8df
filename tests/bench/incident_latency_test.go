package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/xsoar"
	"github.com/idcmd/idcmd/providers/xsoar/xsoartest"
)

// Event-to-incident load: incidentEvents account lockouts of as many users,
// one hook delivery each, sent at incidentRate a second (a burst a SOC sees
// in a bad minute, well above the SOPs' 15-minute polls).
const (
	incidentEvents = 200
	incidentRate   = 50
)

// BenchmarkEventToIncident measures how long an identity event takes from
// the Okta hook delivery leaving the sender to its XSOAR incident existing
// on the fake XSOAR (its creation time there): the intake, the decider,
// the write-back queue and the incident delivery (search for an earlier
// one, create it, add the SOP's description), idcmd as users run it (its
// own process, SQLite, synchronous=FULL). Target: p99 under 2 s. The
// baseline, in the same round, is the same incidents created straight on
// the fake by the XSOAR client at the same rate (the time to create one,
// which every incident of idcmd's also pays). Metrics are medians over
// IDCMD_BENCH_ROUNDS rounds.
func BenchmarkEventToIncident(b *testing.B) {
	bin := benchBinary(b)
	fakeBin := buildPackage(b, "./minfake")
	rounds := benchRounds()
	template := lockTemplate(b)
	for range b.N {
		fake := startMinfake(b, fakeBin)
		xs := xsoartest.NewServer(xsoartest.Options{APIKey: "bench-xsoar-key"})
		cfg := "okta:\n  webhook_secret: " + hookSecret + "\n" +
			"event_routing:\n  user.account.lock: [xsoar]\n" +
			"integrations:\n  xsoar:\n    auto_create_incidents: true\n"
		idc := startServe(b, bin, fake, cfg, "XSOAR_URL="+xs.URL, "XSOAR_API_KEY=bench-xsoar-key")
		direct, err := xsoar.New(xsoar.Config{BaseURL: xs.URL, APIKey: "bench-xsoar-key"})
		if err != nil {
			b.Fatal(err)
		}
		client := loadClient()
		var viaP50, viaP99, dirP50, dirP99, ratio []float64
		for i := range rounds {
			via := eventToIncident(b, client, idc.url, xs, template)
			dir := directIncidents(b, direct, xs)
			viaP50, viaP99 = append(viaP50, ms(percentile(via, 0.5))), append(viaP99, ms(percentile(via, 0.99)))
			dirP50, dirP99 = append(dirP50, ms(percentile(dir, 0.5))), append(dirP99, ms(percentile(dir, 0.99)))
			ratio = append(ratio, ms(percentile(via, 0.99))/ms(percentile(dir, 0.99)))
			b.Logf("round %d (load %s): event to incident p50 %.1f ms p99 %.1f ms; straight to the fake p50 %.2f ms p99 %.2f ms",
				i+1, loadAverage(), viaP50[i], viaP99[i], dirP50[i], dirP99[i])
		}
		xs.Close()
		b.ReportMetric(median(viaP50), "event-to-incident-p50-ms")
		b.ReportMetric(median(viaP99), "event-to-incident-p99-ms")
		b.ReportMetric(median(dirP50), "direct-create-p50-ms")
		b.ReportMetric(median(dirP99), "direct-create-p99-ms")
		b.ReportMetric(median(ratio), "p99-vs-direct")
	}
}

// lockTemplate is a seeded System Log event made an account lockout.
func lockTemplate(b *testing.B) oktatest.LogEvent {
	full := oktatest.NewServer(oktatest.Options{Seed: true})
	defer full.Close()
	ev := full.Org().Events()[0]
	ev.EventType, ev.DisplayMessage, ev.Target = "user.account.lock", "Max sign in attempts exceeded", nil
	return ev
}

// eventToIncident sends incidentEvents lockouts, each its own delivery, at
// incidentRate, and returns each one's time from sending to its incident's
// creation on the fake.
func eventToIncident(b *testing.B, client *http.Client, base string, xs *xsoartest.Server, template oktatest.LogEvent) []time.Duration {
	sent := map[string]time.Time{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / incidentRate)
	defer tick.Stop()
	run := uuid.NewString()[:8]
	for i := range incidentEvents {
		<-tick.C
		ev := template
		ev.UUID = uuid.NewString()
		ev.Published = time.Now().UTC()
		ev.Actor = oktatest.LogActor{ID: fmt.Sprintf("00u%s%05d", run, i), Type: "User", AlternateID: fmt.Sprintf("u%s%d@example.com", run, i)}
		body, err := json.Marshal(map[string]any{"eventType": "com.okta.event_hook", "eventTypeVersion": "1.0", "cloudEventsVersion": "0.1",
			"contentType": "application/json", "eventId": uuid.NewString(), "eventTime": time.Now().UTC().Format(time.RFC3339),
			"source": "https://bench.okta.com/api/v1/eventHooks/who1", "data": map[string]any{"events": []oktatest.LogEvent{ev}}})
		if err != nil {
			b.Fatal(err)
		}
		mu.Lock()
		sent[ev.UUID] = time.Now()
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, base+"/okta/webhook", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", hookSecret)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				b.Errorf("hook delivery: %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(time.Minute)
	for {
		got := map[string]time.Time{}
		for _, in := range xs.Incidents() {
			for _, l := range in.Labels {
				if l.Type == "idcmd_event" {
					if _, ok := sent[strings.TrimPrefix(l.Value, "okta:")]; ok {
						got[strings.TrimPrefix(l.Value, "okta:")] = in.Created
					}
				}
			}
		}
		if len(got) == len(sent) {
			out := make([]time.Duration, 0, len(sent))
			for id, at := range got {
				out = append(out, at.Sub(sent[id]))
			}
			return out
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d incidents after a minute", len(got), len(sent))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// directIncidents creates incidentEvents incidents straight on the fake at
// incidentRate and returns each one's time from the call to its creation.
func directIncidents(b *testing.B, c *xsoar.Client, xs *xsoartest.Server) []time.Duration {
	tick := time.NewTicker(time.Second / incidentRate)
	defer tick.Stop()
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := make([]time.Duration, 0, incidentEvents)
	for i := range incidentEvents {
		<-tick.C
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			if _, err := c.CreateIncident(context.Background(), xsoar.NewIncident{Name: fmt.Sprintf("direct %d", i), Severity: xsoar.SeverityCritical,
				Labels: []xsoar.Label{{Type: "idcmd_event", Value: "direct:" + uuid.NewString()}}, CreateInvestigation: true}); err != nil {
				b.Error(err)
				return
			}
			mu.Lock()
			out = append(out, time.Since(start))
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}
