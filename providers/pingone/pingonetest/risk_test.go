package pingonetest

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

type riskView struct {
	ID            string
	Event         riskEventJSON
	Result        riskResultJSON
	Details       riskDetailsJSON
	RiskPolicySet policySetRef
}

func riskBody(ip, userID, userType string) string {
	return fmt.Sprintf(`{"event":{"ip":%q,"user":{"id":%q,"name":"someone","type":%q},"flow":{"type":"AUTHENTICATION"}}}`, ip, userID, userType)
}

func TestRiskScoring(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	jdoe := userID(t, srv, DemoActiveUser)
	tests := []struct {
		name      string
		ip, user  string
		level     string
		anonymous bool
		country   string
		action    string
	}{
		{"private network", "10.1.2.3", "external-user", RiskLow, false, "", ""},
		{"documentation range office", DemoOfficeIP, jdoe, RiskLow, false, "United States", ""},
		{"loopback v6", "::1", "external-user", RiskLow, false, "", ""},
		{"hosting provider", DemoVPSIP, "external-user", RiskMedium, false, "Netherlands", ""},
		{"Lagos", DemoLagosIP, "external-user", RiskMedium, false, "Nigeria", ""},
		{"North Korea", DemoKPIP, "external-user", RiskHigh, false, "North Korea", ""},
		{"Iran", "5.160.1.1", "external-user", RiskHigh, false, "Iran", ""},
		{"Tor exit", DemoTorExitIP, "external-user", RiskHigh, true, "Germany", ""},
		{"bad IP list", DemoBotnetIP, "external-user", RiskHigh, false, "", "BOT_MITIGATION"},
		{"locked user's recent failures", DemoLagosIP, DemoLockedUser, RiskHigh, false, "Nigeria", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var re riskView
			must(t, c.do("POST", "/riskEvaluations", "application/json", riskBody(tt.ip, tt.user, "EXTERNAL")), 201).decode(t, &re)
			if re.Result.Level != tt.level || re.Result.Value != tt.level || re.Result.Type != "VALUE" || re.Result.Source != "AGGREGATED_SCORES" {
				t.Errorf("result %+v, want level %s", re.Result, tt.level)
			}
			d := re.Details
			if d.AnonymousNetworkDetected != tt.anonymous || d.Country != tt.country || re.Result.RecommendedAction != tt.action {
				t.Errorf("details %+v, action %q", d, re.Result.RecommendedAction)
			}
			if re.Event.CompletionStatus != "IN_PROGRESS" || re.Event.IP != tt.ip || re.RiskPolicySet.Name != "Default Risk Policy" {
				t.Errorf("event %+v, policy %+v", re.Event, re.RiskPolicySet)
			}
		})
	}

	// Scores are a function of the input alone: the same request twice
	// gives the same result.
	var a, b riskView
	must(t, c.do("POST", "/riskEvaluations", "application/json", riskBody("93.184.216.34", "x", "EXTERNAL")), 201).decode(t, &a)
	must(t, c.do("POST", "/riskEvaluations", "application/json", riskBody("93.184.216.34", "x", "EXTERNAL")), 201).decode(t, &b)
	if a.ID == b.ID || a.Result != b.Result {
		t.Errorf("same input, different results: %+v vs %+v", a.Result, b.Result)
	}
}

func TestRiskImpossibleTravel(t *testing.T) {
	srv, clk := empty(t)
	c := newClient(t, srv)
	id := srv.Env().AddUser(UserSpec{Username: "traveller@example.com"})
	srv.Env().AppendActivities(Activity{Type: "SESSION.CREATED", UserID: id, IP: DemoOfficeIP, RecordedAt: clk.Now().Add(-30 * time.Minute)})
	var re riskView
	must(t, c.do("POST", "/riskEvaluations", "application/json", riskBody("81.2.69.10", id, "PING_ONE")), 201).decode(t, &re)
	d := re.Details
	if !d.ImpossibleTravel || d.EstimatedSpeed == nil || *d.EstimatedSpeed < 5000 ||
		d.PreviousSuccessfulTransaction == nil || d.PreviousSuccessfulTransaction.IP != DemoOfficeIP {
		t.Errorf("New York to London in 30 minutes: %+v", d)
	}
	if re.Result.Level != RiskMedium {
		t.Errorf("level %s (score %v), want MEDIUM: a clean IP plus impossible travel", re.Result.Level, re.Result.Score)
	}

	// Failed checks in the last day raise the score.
	for range 5 {
		srv.Env().AppendActivities(Activity{Type: "PASSWORD.CHECK_FAILED", Result: ResultFailed, UserID: id})
	}
	must(t, c.do("POST", "/riskEvaluations", "application/json", riskBody("81.2.69.10", id, "PING_ONE")), 201).decode(t, &re)
	if re.Result.Level != RiskHigh || re.Details.UserRiskBehavior.Level != RiskHigh {
		t.Errorf("after five failures: %+v / %+v", re.Result, re.Details.UserRiskBehavior)
	}
}

func TestRiskValidation(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	tests := []struct {
		name    string
		body    string
		targets []string
	}{
		{"no event", `{}`, []string{"event"}},
		{"no ip", `{"event":{"user":{"id":"u","type":"EXTERNAL"}}}`, []string{"event.ip"}},
		{"bad ip", `{"event":{"ip":"999.1.1.1","user":{"id":"u","type":"EXTERNAL"}}}`, []string{"event.ip"}},
		{"no user", `{"event":{"ip":"10.0.0.1"}}`, []string{"event.user.id"}},
		{"no user id", `{"event":{"ip":"10.0.0.1","user":{"type":"EXTERNAL"}}}`, []string{"event.user.id"}},
		{"no user type", `{"event":{"ip":"10.0.0.1","user":{"id":"u"}}}`, []string{"event.user.type"}},
		{"bad user type", `{"event":{"ip":"10.0.0.1","user":{"id":"u","type":"ADMIN"}}}`, []string{"event.user.type"}},
		{"everything", `{"event":{"flow":{"type":"LOGIN"},"completionStatus":"DONE"}}`,
			[]string{"event.ip", "event.user.id", "event.flow.type", "event.completionStatus"}},
		{"unknown policy set", `{"event":{"ip":"10.0.0.1","user":{"id":"u","type":"EXTERNAL"}},"riskPolicySet":{"id":"nope"}}`,
			[]string{"riskPolicySet.id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := must(t, c.do("POST", "/riskEvaluations", "application/json", tt.body), 400).p1Error(t)
			var targets []string
			for _, d := range e.Details {
				targets = append(targets, d.Target)
			}
			if e.Code != "INVALID_DATA" || !slices.Equal(targets, tt.targets) {
				t.Errorf("error %+v, want targets %v", e, tt.targets)
			}
		})
	}
	must(t, c.do("POST", "/riskEvaluations", "text/plain", riskBody("10.0.0.1", "u", "EXTERNAL")), 415)
	must(t, c.do("POST", "/riskEvaluations", "application/json", `{"event":`), 400)
}

func TestRiskReadAndUpdate(t *testing.T) {
	srv, clk := seeded(t)
	c := newClient(t, srv)
	id := userID(t, srv, DemoActiveUser)
	var created riskView
	r := must(t, c.do("POST", "/riskEvaluations", "application/json", riskBody(DemoMoscowIP, id, "EXTERNAL")), 201)
	r.decode(t, &created)
	var read riskView
	must(t, c.get("/riskEvaluations/"+created.ID), 200).decode(t, &read)
	if read.ID != created.ID || read.Result != created.Result {
		t.Errorf("read %+v, created %+v", read, created)
	}
	must(t, c.do("PUT", "/riskEvaluations/"+created.ID+"/event", "application/json", `{"completionStatus":"SUCCESS"}`), 200).decode(t, &read)
	if read.Event.CompletionStatus != "SUCCESS" {
		t.Errorf("after update %+v", read.Event)
	}
	must(t, c.do("PUT", "/riskEvaluations/"+created.ID+"/event", "application/json", `{"completionStatus":"MAYBE"}`), 400)
	must(t, c.do("PUT", "/riskEvaluations/nope/event", "application/json", `{"completionStatus":"FAILED"}`), 404)
	must(t, c.get("/riskEvaluations/nope"), 404)

	// Both are audited, with the evaluation as a resource.
	_, p := c.activities(activityFilterFor(clk.Now(), `resources.id eq "`+created.ID+`"`), "")
	var types []string
	for _, a := range p.items {
		types = append(types, a.Action.Type)
		if !hasResource(a, "USER", id) {
			t.Errorf("%s lacks the user resource", a.Action.Type)
		}
	}
	if !slices.Equal(types, []string{"RISK_EVALUATION.UPDATED", "RISK_EVALUATION.CREATED"}) {
		t.Errorf("activities %v", types)
	}
}
