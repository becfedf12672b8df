package pingone

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/idcmd/idcmd/providers/upstream"
)

func TestRiskEvaluationBody(t *testing.T) {
	tests := []struct {
		name    string
		r       RiskEvaluationRequest
		want    string
		wantErr bool
	}{
		{"defaults", RiskEvaluationRequest{IP: "192.0.2.1", UserID: testUserID},
			`{"event":{"ip":"192.0.2.1","user":{"id":"` + testUserID + `","type":"PING_ONE"},"flow":{"type":"AUTHENTICATION"}}}`, false},
		{"everything", RiskEvaluationRequest{IP: "2001:db8::1", UserID: "ext-7", UserName: "jane", UserType: "external", FlowType: "access",
			RiskPolicySetID: "rps-1", TargetResourceName: "Portal"},
			`{"event":{"ip":"2001:db8::1","user":{"id":"ext-7","name":"jane","type":"EXTERNAL"},"flow":{"type":"ACCESS"},"targetResource":{"name":"Portal"}},"riskPolicySet":{"id":"rps-1"}}`, false},
		{"no ip", RiskEvaluationRequest{UserID: "u"}, "", true},
		{"bad ip", RiskEvaluationRequest{IP: "999.1.1.1", UserID: "u"}, "", true},
		{"no user", RiskEvaluationRequest{IP: "192.0.2.1"}, "", true},
		{"bad user type", RiskEvaluationRequest{IP: "192.0.2.1", UserID: "u", UserType: "ADMIN"}, "", true},
		{"bad flow type", RiskEvaluationRequest{IP: "192.0.2.1", UserID: "u", FlowType: "LOGIN"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.r.body()
			if tt.wantErr {
				if !upstream.IsKind(err, upstream.Invalid) {
					t.Errorf("err = %v, want Invalid", err)
				}
				return
			}
			if err != nil || string(b) != tt.want {
				t.Errorf("body = %s, %v\nwant   %s", b, err, tt.want)
			}
		})
	}
}

func TestRiskEvaluationCreateAndRead(t *testing.T) {
	const evaluation = `{"_links":{"self":{"href":"x"}},"id":"re-1","createdAt":"2026-03-20T10:00:00.000Z","environment":{"id":"e"},` +
		`"event":{"ip":"192.0.2.1","user":{"id":"u","name":"jane","type":"PING_ONE"},"flow":{"type":"AUTHENTICATION"},"completionStatus":"IN_PROGRESS"},` +
		`"result":{"level":"HIGH","score":80.5,"source":"AGGREGATED_SCORES","recommendedAction":"BOT_MITIGATION","type":"VALUE","value":"x"},` +
		`"details":{"ipAddressReputation":{"level":"HIGH","score":90},"impossibleTravel":true}}`
	var posted string
	var contentType string
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == envPath+"/riskEvaluations":
			b, _ := io.ReadAll(r.Body)
			posted, contentType = string(b), r.Header.Get("Content-Type")
			writeJSON(w, 201, evaluation)
		case r.Method == http.MethodGet && r.URL.Path == envPath+"/riskEvaluations/re-1":
			writeJSON(w, 200, evaluation)
		default:
			writeJSON(w, 404, `{"code":"NOT_FOUND","message":"nope"}`)
		}
	}), nil)
	ctx := context.Background()
	re, err := c.CreateRiskEvaluation(ctx, RiskEvaluationRequest{IP: "192.0.2.1", UserID: "u", UserName: "jane"})
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "application/json" || !json.Valid([]byte(posted)) {
		t.Errorf("posted %q as %q", posted, contentType)
	}
	if re.ID != "re-1" || re.CreatedAt == nil || re.Result.Level != "HIGH" || re.Result.Score != 80.5 || re.Result.RecommendedAction != "BOT_MITIGATION" ||
		re.Event.User.Name != "jane" || re.Event.CompletionStatus != "IN_PROGRESS" || string(re.Raw) != evaluation ||
		string(re.Details) != `{"ipAddressReputation":{"level":"HIGH","score":90},"impossibleTravel":true}` {
		t.Errorf("evaluation = %+v", re)
	}
	got, err := c.GetRiskEvaluation(ctx, "re-1")
	if err != nil || got.ID != "re-1" {
		t.Errorf("GetRiskEvaluation = %+v, %v", got, err)
	}
	if _, err := c.GetRiskEvaluation(ctx, "re-2"); !upstream.IsKind(err, upstream.NotFound) {
		t.Errorf("unknown evaluation: err = %v, want NotFound", err)
	}
}
