package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

// hookSecret is minfake.HookSecret (package main cannot be imported).
const hookSecret = "bench-hook-secret-0123456789"

// Intake load: batches of 100 real System Log events (the seeded org's, each
// batch with fresh uuids, so every event is new and stored), sent by
// intakeSenders at once for intakePhase, to idcmd's POST /okta/webhook and,
// as the baseline, to minfake's /hook-sink, which reads each delivery and
// answers 204 without storing it.
const (
	intakeBatch   = 100
	intakeSenders = 8
	intakePhase   = 3 * time.Second
)

// BenchmarkHookIntake measures sustained event intake through the Okta
// event hook: idcmd as users run it (its own process), answering each
// delivery only once all its events are committed and flushed (SQLite
// synchronous=FULL; PostgreSQL synchronous_commit=on), beside the same
// deliveries sent to minfake's sink in the same round. Target: at least
// 5,000 events/s on SQLite. Metrics are medians over IDCMD_BENCH_ROUNDS
// rounds: events/s and the p50/p99 time to acknowledge a batch of 100 from
// intakeSenders senders at once (saturated: each batch queues behind the
// others), and the p50/p99 from one sender (one hook's deliveries), for
// idcmd and the sink. With IDCMD_TEST_POSTGRES_URL the postgres sub-benchmark
// runs the same on PostgreSQL.
func BenchmarkHookIntake(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchIntake(b, "") })
	b.Run("postgres", func(b *testing.B) {
		base := os.Getenv("IDCMD_TEST_POSTGRES_URL")
		if base == "" {
			b.Skip("IDCMD_TEST_POSTGRES_URL not set")
		}
		benchIntake(b, freshSchema(b, base))
	})
}

func benchIntake(b *testing.B, storeURL string) {
	bin := benchBinary(b)
	fakeBin := buildPackage(b, "./minfake")
	tmpl := newBatchTemplate(b)
	rounds := benchRounds()
	for range b.N {
		fake := startMinfake(b, fakeBin)
		cfg := "okta:\n  webhook_secret: " + hookSecret + "\n"
		if storeURL != "" {
			cfg += "store:\n  url: " + storeURL + "\n"
		}
		idc := startServe(b, bin, fake, cfg)
		client := loadClient()
		idcmdHook, sink := idc.url+"/okta/webhook", fake.url+"/hook-sink"
		for _, u := range []string{idcmdHook, sink} {
			if _, err := intakeLoad(client, u, tmpl, 300*time.Millisecond); err != nil {
				b.Fatalf("warm-up %s: %v", u, err)
			}
		}
		var via, direct, via1, direct1 []intakeResult
		for i := range rounds {
			d, err := intakeLoad(client, sink, tmpl, intakePhase)
			if err != nil {
				b.Fatal(err)
			}
			v, err := intakeLoad(client, idcmdHook, tmpl, intakePhase)
			if err != nil {
				b.Fatal(err)
			}
			checkStored(b, client, idc.url, v.lastBatch)
			// One sender, as one hook delivers: the time to acknowledge a
			// batch without queueing behind others.
			d1, err := intakeLoadFrom(1, client, sink, tmpl, intakePhase/2)
			if err != nil {
				b.Fatal(err)
			}
			v1, err := intakeLoadFrom(1, client, idcmdHook, tmpl, intakePhase/2)
			if err != nil {
				b.Fatal(err)
			}
			direct, via = append(direct, d), append(via, v)
			direct1, via1 = append(direct1, d1), append(via1, v1)
			b.Logf("round %d (load %s): %d senders: idcmd %.0f events/s, ack p50 %.2f ms p99 %.2f ms; sink %.0f events/s, p50 %.2f ms p99 %.2f ms; "+
				"1 sender: idcmd ack p50 %.2f ms p99 %.2f ms, sink p50 %.2f ms p99 %.2f ms",
				i+1, loadAverage(), intakeSenders, v.rate, ms(v.p50), ms(v.p99), d.rate, ms(d.p50), ms(d.p99), ms(v1.p50), ms(v1.p99), ms(d1.p50), ms(d1.p99))
		}
		med := func(rs []intakeResult, f func(intakeResult) float64) float64 {
			v := make([]float64, len(rs))
			for i, r := range rs {
				v[i] = f(r)
			}
			return median(v)
		}
		b.ReportMetric(med(via, func(r intakeResult) float64 { return r.rate }), "idcmd-events/s")
		b.ReportMetric(med(via, func(r intakeResult) float64 { return ms(r.p50) }), "idcmd-ack-p50-ms")
		b.ReportMetric(med(via, func(r intakeResult) float64 { return ms(r.p99) }), "idcmd-ack-p99-ms")
		b.ReportMetric(med(via1, func(r intakeResult) float64 { return ms(r.p50) }), "idcmd-1sender-ack-p50-ms")
		b.ReportMetric(med(via1, func(r intakeResult) float64 { return ms(r.p99) }), "idcmd-1sender-ack-p99-ms")
		b.ReportMetric(med(direct1, func(r intakeResult) float64 { return ms(r.p99) }), "sink-1sender-ack-p99-ms")
		b.ReportMetric(med(direct, func(r intakeResult) float64 { return r.rate }), "sink-events/s")
		b.ReportMetric(med(direct, func(r intakeResult) float64 { return ms(r.p99) }), "sink-ack-p99-ms")
		ratios := make([]intakeResult, len(via))
		for i := range via {
			ratios[i] = intakeResult{rate: via[i].rate / direct[i].rate}
		}
		b.ReportMetric(med(ratios, func(r intakeResult) float64 { return r.rate }), "ratio-to-sink")
		idc.stop(b)
		fake.stop(b)
	}
}

// batchTemplate is one delivery of intakeBatch events whose uuids are at
// known offsets, so each send stamps fresh ones without re-encoding.
type batchTemplate struct {
	body    []byte
	offsets []int // where each 36-byte uuid starts
}

func newBatchTemplate(b *testing.B) *batchTemplate {
	full := oktatest.NewServer(oktatest.Options{Seed: true})
	defer full.Close()
	log := full.Org().Events()
	evs := make([]oktatest.LogEvent, intakeBatch)
	for i := range evs {
		evs[i] = log[len(log)-1-i%len(log)]
		evs[i].UUID = uuid.NewString()
	}
	body, err := json.Marshal(map[string]any{"eventType": "com.okta.event_hook", "eventTypeVersion": "1.0",
		"cloudEventsVersion": "0.1", "contentType": "application/json", "eventId": uuid.NewString(),
		"eventTime": time.Now().UTC().Format(time.RFC3339), "source": "https://bench.okta.com/api/v1/eventHooks/who1",
		"data": map[string]any{"events": evs}})
	if err != nil {
		b.Fatal(err)
	}
	t := &batchTemplate{body: body}
	for _, ev := range evs {
		i := bytes.Index(body, []byte(`"uuid":"`+ev.UUID+`"`))
		if i < 0 {
			b.Fatal("uuid not found in the template")
		}
		t.offsets = append(t.offsets, i+len(`"uuid":"`))
	}
	return t
}

// stamp returns a copy of the template with batch n's uuids: the batch
// number and the event's index in the last 12 hex digits of each.
var batchSeq atomic.Int64

func (t *batchTemplate) stamp() ([]byte, string) {
	n := batchSeq.Add(1)
	body := slices.Clone(t.body)
	var last string
	for i, off := range t.offsets {
		id := fmt.Sprintf("%08x-0000-4000-8000-%012x", n, i)
		copy(body[off:off+36], id)
		last = id
	}
	return body, last
}

type intakeResult struct {
	rate      float64 // events acknowledged per second
	p50, p99  time.Duration
	lastBatch string // an event uuid of an acknowledged batch
}

// intakeLoad sends batches from intakeSenders senders for d.
func intakeLoad(c *http.Client, url string, t *batchTemplate, d time.Duration) (intakeResult, error) {
	return intakeLoadFrom(intakeSenders, c, url, t, d)
}

// intakeLoadFrom is intakeLoad from senders senders.
func intakeLoadFrom(senders int, c *http.Client, url string, t *batchTemplate, d time.Duration) (intakeResult, error) {
	var mu sync.Mutex
	var lat []time.Duration
	var last string
	start := time.Now()
	n, err := parallel(senders, d, func() error {
		body, id := t.stamp()
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", hookSecret)
		began := time.Now()
		if err := sendOK(c, req); err != nil {
			return err
		}
		took := time.Since(began)
		mu.Lock()
		lat, last = append(lat, took), id
		mu.Unlock()
		return nil
	})
	elapsed := time.Since(start)
	if err != nil {
		return intakeResult{}, fmt.Errorf("%s: %w (after %d batches)", url, err, n)
	}
	slices.Sort(lat)
	return intakeResult{rate: float64(n*intakeBatch) / elapsed.Seconds(), p50: lat[len(lat)/2], p99: lat[len(lat)*99/100], lastBatch: last}, nil
}

// checkStored: an acknowledged event is in the log.
func checkStored(b *testing.B, c *http.Client, base, id string) {
	tok := mintTokenScopes(b, "events:read")
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/events/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if err := sendOK(c, req); err != nil {
		b.Fatalf("acknowledged event %s: %v", id, err)
	}
}
