package oktatest

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"
)

func typesOf(evs []LogEvent) map[string]int {
	out := map[string]int{}
	for _, e := range evs {
		out[e.EventType+" "+e.Outcome.Result]++
	}
	return out
}

func TestBurstPasswordSpray(t *testing.T) {
	srv, clk := seeded(t)
	evs, err := srv.EmitBurst(BurstPasswordSpray)
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]bool{}
	for _, e := range evs[:len(evs)-1] {
		if e.EventType != "user.session.start" || e.Outcome.Result != "FAILURE" || e.Outcome.Reason != "INVALID_CREDENTIALS" ||
			e.Client.IPAddress != netVPS.ip || e.Client.GeographicalContext == nil || e.SecurityContext == nil || e.DebugContext == nil {
			t.Fatalf("spray event %+v", e)
		}
		users[e.Actor.AlternateID] = true
	}
	if len(users) < 10 || evs[len(evs)-1].EventType != "security.threat.detected" {
		t.Errorf("%d users sprayed; last %s", len(users), evs[len(evs)-1].EventType)
	}
	if span := evs[len(evs)-1].Published.Sub(evs[0].Published); span > 2*time.Minute || evs[len(evs)-1].Published.After(clk.Now()) {
		t.Errorf("spray spans %s", span)
	}
}

func TestBurstMFAFatigue(t *testing.T) {
	srv, _ := seeded(t)
	evs, err := srv.EmitBurst(BurstMFAFatigue)
	if err != nil {
		t.Fatal(err)
	}
	got := typesOf(evs)
	if got["system.push.send_factor_verify_push SUCCESS"] < 5 || got["user.mfa.okta_verify.deny_push FAILURE"] < 3 ||
		got["user.authentication.auth_via_mfa FAILURE"] < 1 || got["user.session.start SUCCESS"] != 1 {
		t.Errorf("fatigue events %v", got)
	}
	for _, e := range evs {
		if e.Actor.AlternateID != DemoActiveUser || e.Client.GeographicalContext.City != "Moscow" {
			t.Fatalf("fatigue event %+v", e)
		}
	}
}

func TestBurstImpossibleTravel(t *testing.T) {
	srv, _ := seeded(t)
	evs, err := srv.EmitBurst(BurstImpossibleTravel)
	if err != nil {
		t.Fatal(err)
	}
	var cities []string
	var times []time.Time
	for _, e := range evs {
		if e.EventType == "user.session.start" && e.Outcome.Result == "SUCCESS" && e.Actor.AlternateID == DemoActiveUser {
			cities = append(cities, e.Client.GeographicalContext.City)
			times = append(times, e.Published)
		}
	}
	if !slices.Equal(cities, []string{"New York", "Singapore"}) || times[1].Sub(times[0]) > 30*time.Minute {
		t.Errorf("sign-ins from %v at %v", cities, times)
	}
}

func TestBurstReachesHooksAndPollers(t *testing.T) {
	srv, _ := hookServer(t)
	rc := newReceiver(t)
	verifiedHook(t, srv, rc, "user.session.start")
	before := srv.Org().EventCount()
	evs, err := srv.EmitBurst(BurstPasswordSpray)
	if err != nil {
		t.Fatal(err)
	}
	if srv.Org().EventCount() != before+len(evs) {
		t.Errorf("System Log grew by %d, want %d", srv.Org().EventCount()-before, len(evs))
	}
	flush(t, srv)
	n := 0
	for _, p := range rc.requests("POST") {
		n += len(decodeEnvelope(t, p.body).Data.Events)
	}
	if n != len(evs)-1 { // all but security.threat.detected
		t.Errorf("hook got %d events of %d", n, len(evs)-1)
	}
}

func TestBurstOverHTTP(t *testing.T) {
	srv, _ := seeded(t)
	r := send(t, "POST", srv.URL+"/_fake/bursts/impossible_travel", "", nil)
	var out burstResponse
	if r.status != 200 || json.Unmarshal(r.body, &out) != nil || out.Count == 0 || len(out.UUIDs) != out.Count {
		t.Fatalf("%d %s", r.status, r.body)
	}
	r = send(t, "POST", srv.URL+"/_fake/bursts/ddos", "", nil)
	var p problemBody
	if r.status != 404 || r.header.Get("Content-Type") != "application/problem+json" || json.Unmarshal(r.body, &p) != nil || p.Status != 404 {
		t.Errorf("unknown kind: %d %s", r.status, r.body)
	}
	if r := send(t, "GET", srv.URL+"/_fake/bursts/mfa_fatigue", "", nil); r.status != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", r.status)
	}
	empty, _ := empty(t)
	if r := send(t, "POST", empty.URL+"/_fake/bursts/password_spray", "", nil); r.status != 409 {
		t.Errorf("unseeded: %d %s", r.status, r.body)
	}
}
