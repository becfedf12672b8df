package pingonetest

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"
)

func TestBursts(t *testing.T) {
	for _, tc := range []struct {
		kind  string
		users int
		want  []string // action types that must be among the burst's
		check func(t *testing.T, srv *Server, acts []Activity)
	}{
		{BurstPasswordSpray, sprayTargets, []string{"AUTHENTICATION.CREATED", "PASSWORD.CHECK_FAILED", "USER.ACCESS_DENIED", "RISK_EVALUATION.CREATED"},
			func(t *testing.T, _ *Server, acts []Activity) {
				for _, a := range acts {
					if a.IP != BurstSprayIP {
						t.Errorf("spray activity from %s", a.IP)
					}
				}
				if span := acts[len(acts)-1].RecordedAt.Sub(acts[0].RecordedAt); span > 2*time.Minute {
					t.Errorf("spray spans %v", span)
				}
			}},
		{BurstMFAFatigue, 1, []string{"PASSWORD.CHECK_SUCCEEDED", "OTP.CHECK_FAILED", "OTP.CHECK_INVALID", "RISK_EVALUATION.CREATED"},
			func(t *testing.T, srv *Server, acts []Activity) {
				n := 0
				for _, a := range acts {
					if a.Type == "OTP.CHECK_FAILED" || a.Type == "OTP.CHECK_INVALID" {
						n++
						if a.Result != ResultFailed || a.UserID != userID(t, srv, DemoActiveUser) {
							t.Errorf("MFA check %+v", a)
						}
					}
				}
				if n < 6 {
					t.Errorf("%d failed MFA checks", n)
				}
			}},
		{BurstImpossibleTravel, 1, []string{"AUTHENTICATION.CREATED", "SESSION.CREATED", "RISK_EVALUATION.CREATED"},
			func(t *testing.T, srv *Server, acts []Activity) {
				var signIns []Activity
				for _, a := range acts {
					if a.Type == "SESSION.CREATED" {
						signIns = append(signIns, a)
					}
				}
				if len(signIns) != 2 || signIns[0].IP != DemoOfficeIP || signIns[1].IP != BurstTravelIP {
					t.Fatalf("sign-ins %+v", signIns)
				}
				gap := signIns[1].RecordedAt.Sub(signIns[0].RecordedAt)
				if gap > time.Hour {
					t.Errorf("gap %v", gap)
				}
				// Protect sees the travel: the second evaluation is not LOW,
				// the first (the office) is.
				evals := srv.Env().RiskEvaluations(DemoRiskyUser)
				if first, last := evals[len(evals)-2], evals[len(evals)-1]; last.Level == "LOW" || first.Level != "LOW" {
					t.Errorf("sign-in risks %+v then %+v", first, last)
				}
			}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			srv, _ := fastDelivery(t, true)
			c := newClient(t, srv)
			rc := newReceiver(t)
			id := createSub(t, c, subBody(rc.URL, tc.want))
			b, err := srv.EmitBurst(tc.kind)
			if err != nil || b.Count == 0 || b.Count != len(b.ActivityIDs) || len(b.Users) != tc.users {
				t.Fatalf("burst %+v %v", b, err)
			}
			all := srv.Env().Activities()
			var acts []Activity
			for _, id := range b.ActivityIDs {
				i := slices.IndexFunc(all, func(a Activity) bool { return a.ID == id })
				if i < 0 {
					t.Fatalf("activity %s not recorded", id)
				}
				acts = append(acts, all[i])
			}
			slices.SortStableFunc(acts, func(a, b Activity) int { return a.RecordedAt.Compare(b.RecordedAt) })
			types := map[string]bool{}
			for _, a := range acts {
				types[a.Type] = true
				if a.CorrelationID == "" || a.ClientID == "" || a.UserID == "" || a.UserAgent == "" {
					t.Errorf("incomplete activity %+v", a)
				}
				if a.RecordedAt.After(testNow) || a.RecordedAt.Before(testNow.Add(-time.Hour)) {
					t.Errorf("recorded at %v", a.RecordedAt)
				}
			}
			for _, w := range tc.want {
				if !types[w] {
					t.Errorf("no %s among %v", w, types)
				}
			}
			tc.check(t, srv, acts)

			// It reaches subscriptions and the activities API.
			mustFlush(t, srv)
			var delivered []string
			for _, d := range srv.Deliveries(id) {
				delivered = append(delivered, d.ActivityIDs...)
			}
			if len(delivered) == 0 {
				t.Error("nothing delivered")
			}
			for _, id := range delivered {
				must(t, c.get("/activities/"+id), http.StatusOK)
				if !slices.Contains(b.ActivityIDs, id) {
					t.Errorf("delivered %s, not of the burst", id)
				}
			}
		})
	}
	srv, _ := empty(t)
	if _, err := srv.EmitBurst(BurstPasswordSpray); err != ErrNoUsers {
		t.Errorf("unseeded: %v", err)
	}
}

func TestBurstEndpoint(t *testing.T) {
	srv, _ := seeded(t)
	base := srv.AuthURL + "/_fake/bursts"
	r := must(t, send(t, "POST", base+"/mfa_fatigue", nil, ""), http.StatusOK)
	var b Burst
	r.decode(t, &b)
	if b.Kind != BurstMFAFatigue || b.Count != len(b.ActivityIDs) || b.Count == 0 || b.Users[0] != DemoActiveUser {
		t.Errorf("burst %s", r.body)
	}
	r = must(t, send(t, "POST", base+"/ddos", nil, ""), http.StatusNotFound)
	r.p1Error(t)
	must(t, send(t, "GET", base+"/mfa_fatigue", nil, ""), http.StatusMethodNotAllowed)
	r = must(t, send(t, "GET", base, nil, ""), http.StatusOK)
	var kinds struct{ Kinds []string }
	if err := json.Unmarshal(r.body, &kinds); err != nil || len(kinds.Kinds) != 3 {
		t.Errorf("kinds %s", r.body)
	}
	must(t, send(t, "POST", srv.AuthURL+"/_fake/other", nil, ""), http.StatusNotFound)
}
