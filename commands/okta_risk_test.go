package commands

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/upstream"
)

// TestSetUserRiskRefusals: Okta's 400 to the PUT is about the level or
// the reason, so it names body.risk_level; a refusal of idcmd's own rights
// (403, no ITP in the org) names no argument.
func TestSetUserRiskRefusals(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		kind     upstream.Kind
		argument bool
	}{
		{"validation", 400, `{"errorCode":"E0000001","errorSummary":"Api validation failed: userRisk","errorLink":"E0000001","errorId":"x","errorCauses":[{"errorSummary":"riskLevel: Risk level must be one of HIGH, MEDIUM, LOW."}]}`, upstream.Invalid, true},
		{"no ITP", 403, `{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action","errorLink":"E0000006","errorId":"x","errorCauses":[]}`, upstream.Unauthorized, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			of := oktatest.NewHandlerServer(oktatest.Options{Seed: true})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/risk") {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(tc.status)
					io.WriteString(w, tc.body)
					return
				}
				of.Handler().ServeHTTP(w, r)
			}))
			t.Cleanup(srv.Close)
			of.SetURL(srv.URL)
			oc, err := okta.New(okta.Config{BaseURL: srv.URL, APIToken: of.Token})
			if err != nil {
				t.Fatal(err)
			}
			_, err = OktaSetUserRisk.Run(context.Background(), Providers{Okta: oc},
				OktaSetUserRiskArgs{OktaUserArgs: OktaUserArgs{User: oktatest.DemoActiveUser}, RiskLevel: "LOW"})
			var ae *ArgumentError
			if errors.As(err, &ae) != tc.argument || (tc.argument && ae.Location != "body.risk_level") {
				t.Errorf("err = %v; argument error %v, want %v", err, ae, tc.argument)
			}
			if !upstream.IsKind(err, tc.kind) {
				t.Errorf("err = %v, want %v", err, tc.kind)
			}
		})
	}
}

func TestSetUserRiskArgsValidate(t *testing.T) {
	val := NewValidator()
	for reason, ok := range map[string]bool{
		"":                         true,
		"MFA fatigue, case 4711.":  true,
		"50% sure":                 false,
		"<script>":                 false,
		strings.Repeat("a", 500):   true,
		strings.Repeat("a", 501):   false,
		"Risk level changed - ext": true,
	} {
		err := val.Check(&OktaSetUserRiskArgs{OktaUserArgs: OktaUserArgs{User: "jdoe"}, RiskLevel: "HIGH", RiskReason: reason}, nil)
		var ie *InputError
		if (err == nil) != ok || (err != nil && (!errors.As(err, &ie) || ie.Errors[0].Location != "body.risk_reason")) {
			t.Errorf("reason %.20q: %v, want ok %v", reason, err, ok)
		}
	}
}
