package rules_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
	"github.com/idcmd/idcmd/rules"
)

// The fakes' seeds and bursts, read as the poller reads them (events.OktaLog,
// events.PingOneActivities: the same normalization as the hooks), decided
// by the engine in arrival order. Several fixed clocks, so nothing depends
// on the time of day the test runs.
var fakeClocks = []time.Time{
	time.Date(2026, 1, 13, 15, 0, 0, 0, time.UTC), // Tuesday 10:00 New York
	time.Date(2026, 3, 7, 8, 30, 0, 0, time.UTC),  // Saturday 03:30, the weekend before DST
	time.Date(2026, 7, 1, 2, 0, 0, 0, time.UTC),   // Tuesday 22:00 EDT
}

// decided is one event and the detectors that fired on it.
type decided struct {
	ev       events.Event
	findings []rules.Finding
}

func (d decided) fired(name string) bool {
	return slices.ContainsFunc(d.findings, func(f rules.Finding) bool { return f.Detector == name })
}

// decider runs an engine over pages of events.
type decider struct {
	t   *testing.T
	eng *rules.Engine
}

func newDecider(t *testing.T) *decider {
	t.Helper()
	eng, err := rules.NewEngine(rules.Defaults(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return &decider{t: t, eng: eng}
}

func (d *decider) decide(evs []events.Event) []decided {
	out := make([]decided, 0, len(evs))
	for _, ev := range evs {
		dec, _ := d.eng.Decide(ev)
		out = append(out, decided{ev, dec.Findings})
	}
	return out
}

// readAll reads a source to its end, page by page as the poller does,
// from cursor; it returns the events in arrival order and the cursor.
func readAll(t *testing.T, src interface {
	Read(context.Context, string) (events.Page, error)
}, cursor string) ([]events.Event, string) {
	t.Helper()
	var all []events.Event
	for range 1000 {
		p, err := src.Read(context.Background(), cursor)
		if err != nil {
			t.Fatal(err)
		}
		all, cursor = append(all, p.Events...), p.Cursor
		if len(p.Events) == 0 || !p.More && strings.HasPrefix(cursor, "{") {
			return all, cursor
		}
	}
	t.Fatal("the source never ends")
	return nil, ""
}

func oktaFake(t *testing.T, now time.Time) (*oktatest.Server, *events.OktaLog) {
	t.Helper()
	fake := oktatest.NewServer(oktatest.Options{Seed: true, Now: func() time.Time { return now }})
	t.Cleanup(fake.Close)
	c, err := okta.New(okta.Config{BaseURL: fake.URL, APIToken: fake.Token, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	return fake, &events.OktaLog{Client: c, FirstFetch: 30 * 24 * time.Hour, Now: func() time.Time { return now }}
}

// pingOneFake starts a seeded environment and returns a reader of its
// activities. The PingOne client checks a window against the wall clock
// (14 days' retention), which a fixed clock in the past fails, so the
// activities are read from the fake's /activities by hand and normalized
// by events.ParsePingOneBatch, the subscription (hook) path, oldest first
// as a subscription delivers them.
func pingOneFake(t *testing.T, now time.Time) (*pingonetest.Server, func(since time.Time) []events.Event) {
	t.Helper()
	fake := pingonetest.NewServer(pingonetest.Options{Seed: true, Now: func() time.Time { return now }})
	t.Cleanup(fake.Close)
	form := url.Values{"grant_type": {"client_credentials"}}
	req, _ := http.NewRequest(http.MethodPost, fake.TokenURL(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(fake.ClientID, fake.ClientSecret)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	getJSON(t, req, &tok)
	read := func(since time.Time) []events.Event {
		var raws []json.RawMessage
		next := fake.URL + "/environments/" + fake.EnvironmentID + "/activities?" + url.Values{
			"filter": {fmt.Sprintf(`recordedat ge "%s" and recordedat le "%s"`, since.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))},
			"limit":  {"1000"},
		}.Encode()
		for next != "" {
			req, _ := http.NewRequest(http.MethodGet, next, nil)
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			var page struct {
				Embedded struct {
					Activities []json.RawMessage `json:"activities"`
				} `json:"_embedded"`
				Links struct {
					Next *struct {
						Href string `json:"href"`
					} `json:"next"`
				} `json:"_links"`
			}
			getJSON(t, req, &page)
			raws = append(raws, page.Embedded.Activities...)
			next = ""
			if page.Links.Next != nil {
				next = page.Links.Next.Href
			}
		}
		var all []events.Event
		for chunk := range slices.Chunk(raws, events.MaxPingOneBatch) {
			body, _ := json.Marshal(chunk)
			evs, err := events.ParsePingOneBatch("application/json", body)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, evs...)
		}
		slices.SortStableFunc(all, func(a, b events.Event) int { return a.Time.Compare(b.Time) })
		return all
	}
	return fake, read
}

func getJSON(t *testing.T, req *http.Request, v any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func dump(ds []decided) string {
	var b strings.Builder
	for _, d := range ds {
		for _, f := range d.findings {
			fmt.Fprintf(&b, "%s %s %s %s %s: %s\n", d.ev.Time.Format(time.RFC3339), d.ev.Type, d.ev.User, d.ev.IP, f.Detector, f.Summary)
		}
	}
	return b.String()
}

// firedOn lists "user|ip" of the events where name fired.
func firedOn(ds []decided, name string) map[string]int {
	out := map[string]int{}
	for _, d := range ds {
		if d.fired(name) {
			out[d.ev.User+"|"+d.ev.IP]++
		}
	}
	return out
}

// onlyWhere checks that name fired only on events allowed says are that
// attack (a seeded story, the burst).
func onlyWhere(t *testing.T, what string, ds []decided, name string, allowed func(events.Event) bool) {
	t.Helper()
	for _, d := range ds {
		if d.fired(name) && !allowed(d.ev) {
			t.Errorf("%s: %s fired on %s %s %s %s", what, name, d.ev.Time.Format(time.RFC3339), d.ev.Type, d.ev.User, d.ev.IP)
		}
	}
}

// usOnly reports whether an impossible_travel finding is between two
// sign-ins in the United States, where every ordinary seeded sign-in is.
func usOnly(f rules.Finding) bool {
	prev, _ := f.Evidence["previous"].(map[string]any)
	cur, _ := f.Evidence["current"].(map[string]any)
	p, _ := prev["location"].(string)
	c, _ := cur["location"].(string)
	return strings.HasSuffix(p, "United States") && strings.HasSuffix(c, "United States")
}

func TestOktaFakeBursts(t *testing.T) {
	for _, now := range fakeClocks {
		for _, kind := range oktatest.BurstKinds {
			t.Run(now.Format(time.RFC3339)+"/"+kind, func(t *testing.T) {
				fake, src := oktaFake(t, now)
				seed, cursor := readAll(t, src, "")
				dec := newDecider(t)
				history := dec.decide(seed)
				// The seeded history: its stories fire, and the detectors
				// do not fire on ordinary sign-ins where they should not.
				onlyWhere(t, "seed", history, rules.DetectPasswordSpray, func(ev events.Event) bool { return ev.IP == "105.112.96.14" }) // the Lagos spray story
				onlyWhere(t, "seed", history, rules.DetectMFAFatigue, func(ev events.Event) bool { return ev.User == oktatest.DemoActiveUser })
				onlyWhere(t, "seed", history, rules.DetectNewCountry, func(ev events.Event) bool { return ev.Geo != nil && ev.Geo.Country != "United States" })
				for _, d := range history {
					for _, f := range d.findings {
						if f.Detector == rules.DetectImpossibleTravel && usOnly(f) {
							t.Errorf("seed: impossible_travel between two US sign-ins: %s", f.Summary)
						}
					}
				}
				for _, name := range []string{rules.DetectPasswordSpray, rules.DetectMFAFatigue, rules.DetectImpossibleTravel} {
					if len(firedOn(history, name)) == 0 {
						t.Errorf("seed: %s never fired on its story", name)
					}
				}
				if _, err := fake.EmitBurst(kind); err != nil {
					t.Fatal(err)
				}
				evs, _ := readAll(t, src, cursor)
				got := dec.decide(evs)
				count := func(name string) int {
					n := 0
					for _, d := range got {
						if d.fired(name) {
							n++
						}
					}
					return n
				}
				switch kind {
				case oktatest.BurstPasswordSpray:
					// 15 users, threshold 10: the 10th to the 15th failure.
					if n := count(rules.DetectPasswordSpray); n != 6 {
						t.Errorf("spray: password_spray fired %d times, want 6:\n%s", n, dump(got))
					}
					onlyWhere(t, kind, got, rules.DetectPasswordSpray, func(ev events.Event) bool { return ev.IP == "192.0.2.200" })
				case oktatest.BurstMFAFatigue:
					// 8 failures, threshold 5: the 5th to the 8th.
					if n := count(rules.DetectMFAFatigue); n != 4 {
						t.Errorf("fatigue: mfa_fatigue fired %d times, want 4:\n%s", n, dump(got))
					}
				case oktatest.BurstImpossibleTravel:
					travel := firedOn(got, rules.DetectImpossibleTravel)
					if travel[oktatest.DemoActiveUser+"|203.117.42.18"] != 1 {
						t.Errorf("travel: impossible_travel on %v:\n%s", travel, dump(got))
					}
				}
				for _, name := range []string{rules.DetectPasswordSpray, rules.DetectMFAFatigue, rules.DetectImpossibleTravel} {
					if name != kind && count(name) > 0 && !(kind == oktatest.BurstMFAFatigue && name == rules.DetectImpossibleTravel) {
						// (The fatigue burst's attacker signs in from Moscow
						// minutes after the victim's own sign-in in New York:
						// that is impossible travel too.)
						t.Errorf("%s burst: %s fired:\n%s", kind, name, dump(got))
					}
				}
			})
		}
	}
}

func TestPingOneFakeBursts(t *testing.T) {
	for _, now := range fakeClocks {
		t.Run(now.Format(time.RFC3339), func(t *testing.T) {
			fake, read := pingOneFake(t, now)
			since := now.Add(-13 * 24 * time.Hour)
			seed := read(since)
			dec := newDecider(t)
			history := dec.decide(seed)
			onlyWhere(t, "seed", history, rules.DetectMFAFatigue, func(ev events.Event) bool { return ev.User == pingonetest.DemoActiveUser })
			onlyWhere(t, "seed", history, rules.DetectImpossibleTravel, func(events.Event) bool { return false }) // no geo in PingOne activities
			sprayIPs := map[string]bool{}
			for ipUser := range firedOn(history, rules.DetectPasswordSpray) {
				sprayIPs[ipUser[strings.Index(ipUser, "|")+1:]] = true
			}
			for ip := range sprayIPs {
				if ip != pingonetest.DemoBotnetIP && !strings.HasPrefix(ip, "105.112.") {
					t.Errorf("seed: password_spray fired on %s, not a spray story's address", ip)
				}
			}
			// The seeded spray story tries 8 users from the botnet address
			// and 4 from Lagos: below password_spray's default count (10),
			// so only the fatigue story must fire.
			if len(firedOn(history, rules.DetectMFAFatigue)) == 0 {
				t.Errorf("seed: the fatigue story did not fire:\n%s", dump(history))
			}
			for _, kind := range pingonetest.BurstKinds() {
				if _, err := fake.EmitBurst(kind); err != nil {
					t.Fatal(err)
				}
				all := read(since)
				// The new activities: those not read before (the burst is
				// recorded in the past minutes, among the history).
				known := map[string]bool{}
				for _, ev := range seed {
					known[ev.ID] = true
				}
				var evs []events.Event
				for _, ev := range all {
					if !known[ev.ID] {
						evs = append(evs, ev)
					}
				}
				seed = all
				got := dec.decide(evs)
				switch kind {
				case pingonetest.BurstPasswordSpray:
					onlyWhere(t, kind, got, rules.DetectPasswordSpray, func(ev events.Event) bool { return ev.IP == pingonetest.BurstSprayIP })
					if len(firedOn(got, rules.DetectPasswordSpray)) < 5 {
						t.Errorf("spray: password_spray fired on %v:\n%s", firedOn(got, rules.DetectPasswordSpray), dump(got))
					}
				case pingonetest.BurstMFAFatigue:
					f := firedOn(got, rules.DetectMFAFatigue)
					// 9 failures, threshold 5: the 5th to the 9th.
					if len(f) != 1 || f[pingonetest.DemoActiveUser+"|"+pingonetest.DemoMoscowIP] != 5 {
						t.Errorf("fatigue: mfa_fatigue on %v:\n%s", f, dump(got))
					}
				case pingonetest.BurstImpossibleTravel:
					// PingOne's audit activities carry the source IP but no
					// geolocation, so there is nothing to measure: the
					// travel pair does not fire (see the report).
					if f := firedOn(got, rules.DetectImpossibleTravel); len(f) != 0 {
						t.Errorf("travel: %v", f)
					}
					signIns := 0
					for _, ev := range evs {
						if ev.Type == "SESSION.CREATED" && ev.User == pingonetest.DemoRiskyUser {
							signIns++
						}
					}
					if signIns != 2 {
						t.Errorf("travel: %d sign-ins of %s, want the pair", signIns, pingonetest.DemoRiskyUser)
					}
				}
				for _, name := range []string{rules.DetectPasswordSpray, rules.DetectMFAFatigue} {
					if name != kind && len(firedOn(got, name)) > 0 {
						t.Errorf("%s burst: %s fired:\n%s", kind, name, dump(got))
					}
				}
			}
		})
	}
}
