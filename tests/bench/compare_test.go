package bench

import (
	"fmt"
	"os"
	"testing"
	"time"
)

// BenchmarkProcessCompare compares two builds of idcmd in one run, which
// BenchmarkProcess run once per build cannot do on a noisy machine: a
// change worth a few per cent of CPU is smaller than how much two runs a
// minute apart differ. Both builds run at once, as users run them, against
// one minfake, and take turns: a 2 s phase of 64 callers each, then 1,000
// single-caller calls each (their CPU per call too), and so on for
// IDCMD_BENCH_ROUNDS rounds (7 by default here), so the machine's changing
// load falls on both alike. The
// metrics are each build's medians; "a" is IDCMD_BENCH_BINARY (or this
// tree), "b" is IDCMD_BENCH_COMPARE, which the benchmark needs.
//
//	IDCMD_BENCH_COMPARE=/tmp/idcmd-prev go test -run '^$' -bench ProcessCompare -benchtime 1x -v .
func BenchmarkProcessCompare(b *testing.B) {
	other := os.Getenv("IDCMD_BENCH_COMPARE")
	if other == "" {
		b.Skip("IDCMD_BENCH_COMPARE names the build to compare with")
	}
	rounds := 7
	if os.Getenv("IDCMD_BENCH_ROUNDS") != "" {
		rounds = benchRounds()
	}
	fakeBin := buildPackage(b, "./minfake")
	type build struct {
		name                string
		rig                 *processRig
		cpu, rate, p50, p99 []float64
		cpuOne              []float64 // CPU per call at one caller
	}
	for range b.N {
		fake := startMinfake(b, fakeBin)
		token := mintToken(b)
		var builds []*build
		for _, bb := range []struct{ name, bin string }{{"a", benchBinary(b)}, {"b", other}} {
			rig := &processRig{client: loadClient(), fake: fake, idcmd: startServe(b, bb.bin, fake, ""), token: token,
				userBody: `{"user":"` + fake.userID + `"}`}
			rig.warm(b)
			builds = append(builds, &build{name: bb.name, rig: rig})
		}
		for i := range rounds {
			for _, bl := range builds {
				cpu0 := cpuTime(b, bl.rig.idcmd.pid())
				n, elapsed := bl.rig.load(b, bl.rig.getUser)
				bl.cpu = append(bl.cpu, float64((cpuTime(b, bl.rig.idcmd.pid())-cpu0).Microseconds())/float64(n))
				bl.rate = append(bl.rate, float64(n)/elapsed.Seconds())
			}
			for _, bl := range builds {
				lat := make([]time.Duration, 0, 1000)
				cpu0 := cpuTime(b, bl.rig.idcmd.pid())
				for range 1000 {
					t0 := time.Now()
					if err := bl.rig.getUser(); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
				bl.cpuOne = append(bl.cpuOne, float64((cpuTime(b, bl.rig.idcmd.pid())-cpu0).Microseconds())/1000)
				bl.p50 = append(bl.p50, ms(percentile(lat, .5)))
				bl.p99 = append(bl.p99, ms(percentile(lat, .99)))
			}
			b.Logf("round %d (load %s): %s", i+1, loadAverage(), func() string {
				s := ""
				for _, bl := range builds {
					s += fmt.Sprintf("%s %.0f µs/call, %.0f calls/s, one caller %.0f µs/call, p50 %.3f p99 %.3f ms; ", bl.name,
						bl.cpu[i], bl.rate[i], bl.cpuOne[i], bl.p50[i], bl.p99[i])
				}
				return s
			}())
		}
		for _, bl := range builds {
			b.ReportMetric(median(bl.cpu), bl.name+"-cpu-µs/call")
			b.ReportMetric(median(bl.rate), bl.name+"-calls/s")
			b.ReportMetric(median(bl.cpuOne), bl.name+"-one-caller-cpu-µs/call")
			b.ReportMetric(median(bl.p50), bl.name+"-p50-ms")
			b.ReportMetric(median(bl.p99), bl.name+"-p99-ms")
		}
		b.ReportMetric(median(builds[0].cpu)/median(builds[1].cpu), "a/b-cpu")
		for _, bl := range builds {
			bl.rig.idcmd.stop(b)
		}
		fake.stop(b)
	}
}
