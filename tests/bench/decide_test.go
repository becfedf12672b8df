package bench

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/rules"
	"github.com/idcmd/idcmd/store"
)

// decideEvents is how many events one round decides: ten of the decider's
// batches.
const decideEvents = 5000

// BenchmarkDecide measures events through decision and routing: the
// decider reading undecided events, running the severity tables, every
// detector and the routes (each event of the load routed to XDR and
// XSOAR, a delivery queued for each), and recording decisions and
// deliveries in one transaction per batch, durable (SQLite
// synchronous=FULL). Target: at least 5,000 events/s on SQLite. The
// baseline, in the same round, is storing the same number of events
// through the intake (the write the hooks make): decisions cost a read, a
// decision row, two deliveries and an update per event on top of that
// much. Metrics are medians over IDCMD_BENCH_ROUNDS rounds. With
// IDCMD_TEST_POSTGRES_URL the postgres sub-benchmark runs the same on
// PostgreSQL.
func BenchmarkDecide(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchDecide(b, func() string { return "" }) })
	b.Run("postgres", func(b *testing.B) {
		base := os.Getenv("IDCMD_TEST_POSTGRES_URL")
		if base == "" {
			b.Skip("IDCMD_TEST_POSTGRES_URL not set")
		}
		benchDecide(b, func() string { return freshSchema(b, base) })
	})
}

// decideLoad is decideEvents of the seeded Okta org's System Log events,
// each with a fresh uuid: sign-ins, MFA failures, lifecycle changes.
func decideLoad(b *testing.B) []events.Event {
	fake := oktatest.NewServer(oktatest.Options{Seed: true})
	defer fake.Close()
	logEvents := fake.Org().Events()
	out := make([]events.Event, 0, decideEvents)
	for len(out) < decideEvents {
		for _, le := range logEvents {
			if len(out) == decideEvents {
				break
			}
			le.UUID = uuid.NewString()
			raw, err := json.Marshal(le)
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, events.FromOkta(raw))
		}
	}
	return out
}

func decideConfig(b *testing.B) rules.Config {
	cfg := rules.Defaults()
	on := rules.Integration{Configured: true, AutoCreate: true, Threshold: rules.Info}
	cfg.XDR, cfg.XSOAR = on, on
	cfg.Routing = map[string][]rules.RouteRule{}
	for _, t := range events.OktaSecurityEvents {
		cfg.Routing[t] = []rules.RouteRule{{To: rules.ToXDR}, {To: rules.ToXSOAR}}
	}
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	return cfg
}

// benchDecide runs each round on a fresh store (storeURL's), as a new
// decider would find it: a store that kept the rounds before would make
// each round's decider warm its memory from all of them.
func benchDecide(b *testing.B, storeURL func() string) {
	load := decideLoad(b)
	cfg := decideConfig(b)
	rounds := benchRounds()
	ctx := context.Background()
	for range b.N {
		var stored, decided, ratio []float64
		for i := range rounds {
			st, err := store.Open(ctx, storeURL(), b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			in := &events.Intake{Store: st}
			for j := range load {
				load[j].ID = uuid.NewString()
			}
			start := time.Now()
			for lo := 0; lo < len(load); lo += 100 {
				if _, err := in.Add(ctx, store.SourceHook, load[lo:min(lo+100, len(load))], nil); err != nil {
					b.Fatal(err)
				}
			}
			storeRate := float64(len(load)) / time.Since(start).Seconds()
			d := &rules.Decider{Store: st, Config: cfg, Owner: "bench", Log: quietLog()}
			start = time.Now()
			n := 0
			for n < len(load) {
				k, err := d.RunOnce(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if k == 0 {
					b.Fatalf("decided %d of %d, then nothing", n, len(load))
				}
				n += k
			}
			decideRate := float64(n) / time.Since(start).Seconds()
			queued, _, err := st.ListWriteBacks(ctx, store.WriteBackFilter{Kind: rules.KindXSOARIncident, Limit: 1})
			if err != nil || len(queued) == 0 {
				b.Fatalf("no XSOAR incident queued: %v", err)
			}
			_ = st.Close()
			stored, decided, ratio = append(stored, storeRate), append(decided, decideRate), append(ratio, decideRate/storeRate)
			b.Logf("round %d (load %s): decided %.0f events/s; stored (intake, baseline) %.0f events/s; ratio %.2f",
				i+1, loadAverage(), decideRate, storeRate, decideRate/storeRate)
		}
		b.ReportMetric(median(decided), "decided-events/s")
		b.ReportMetric(median(stored), "stored-events/s")
		b.ReportMetric(median(ratio), "decided/stored")
	}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
