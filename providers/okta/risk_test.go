package okta_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/upstream"
)

func TestConformanceUserRisk(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	jdoe := f.userID(t, oktatest.DemoActiveUser)
	admin := f.userID(t, oktatest.DemoAdminUser)

	// Seeded: jdoe is HIGH with ITP's reason; awong has none.
	risk, err := f.client.GetUserRisk(ctx, jdoe)
	if err != nil || risk.RiskLevel != okta.RiskHigh || risk.Reason == "" || risk.Created {
		t.Fatalf("jdoe's risk = %+v, %v; want HIGH with a reason", risk, err)
	}
	var raw map[string]any
	if err := json.Unmarshal(risk.Raw, &raw); err != nil || raw["_links"] == nil || raw["riskLevel"] != "HIGH" {
		t.Errorf("Raw = %s", risk.Raw)
	}
	none, err := f.client.GetUserRisk(ctx, admin)
	if err != nil || none.Level() != okta.RiskNone || none.Reason != "" {
		t.Errorf("awong's risk = %+v, %v; want NONE", none, err)
	}

	// The first PUT creates, with Okta's default reason; the next replaces.
	set, err := f.client.SetUserRisk(ctx, admin, okta.RiskMedium, "")
	if err != nil || !set.Created || set.RiskLevel != okta.RiskMedium || set.Reason != okta.DefaultRiskReason {
		t.Fatalf("first SetUserRisk = %+v, %v; want a created MEDIUM override.by.admin", set, err)
	}
	set, err = f.client.SetUserRisk(ctx, admin, okta.RiskLow, "Reviewed, travel confirmed by manager.")
	if err != nil || set.Created || set.RiskLevel != okta.RiskLow || set.Reason != "Reviewed, travel confirmed by manager." {
		t.Fatalf("second SetUserRisk = %+v, %v", set, err)
	}
	if got, err := f.client.GetUserRisk(ctx, admin); err != nil || got.RiskLevel != okta.RiskLow {
		t.Errorf("read back = %+v, %v", got, err)
	}
	if level, _, _ := f.srv.Org().UserRisk(admin); level != okta.RiskLow {
		t.Errorf("the org holds %s", level)
	}
}

func TestConformanceUserRiskErrors(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	jdoe := f.userID(t, oktatest.DemoActiveUser)

	// {userId} is the ID only: a login is an unknown user to Okta.
	_, err := f.client.GetUserRisk(ctx, oktatest.DemoActiveUser)
	wantKind(t, err, upstream.NotFound, "E0000007")
	_, err = f.client.SetUserRisk(ctx, "00u0000000000000none", okta.RiskLow, "")
	wantKind(t, err, upstream.NotFound, "E0000007")

	// Refused before anything is sent: bad IDs, a level that cannot be set
	// (NONE included: the spec's PUT enum has no NONE), a reason Okta's
	// pattern or length refuses.
	before := f.srv.Requests()
	for _, bad := range []string{"", "a/b", ".."} {
		if _, err := f.client.GetUserRisk(ctx, bad); !upstream.IsKind(err, upstream.Invalid) {
			t.Errorf("GetUserRisk(%q) = %v, want Invalid", bad, err)
		}
	}
	for _, level := range []string{okta.RiskNone, "high", "CRITICAL", ""} {
		if _, err := f.client.SetUserRisk(ctx, jdoe, level, ""); !upstream.IsKind(err, upstream.Invalid) {
			t.Errorf("SetUserRisk level %q = %v, want Invalid", level, err)
		}
	}
	for _, reason := range []string{"<script>", "50% sure", strings.Repeat("a", okta.MaxRiskReason+1)} {
		if _, err := f.client.SetUserRisk(ctx, jdoe, okta.RiskLow, reason); !upstream.IsKind(err, upstream.Invalid) {
			t.Errorf("SetUserRisk reason %.20q = %v, want Invalid", reason, err)
		}
	}
	if n := f.srv.Requests() - before; n != 0 {
		t.Errorf("%d requests reached Okta for refused arguments, want none", n)
	}
	if _, err := f.client.SetUserRisk(ctx, jdoe, okta.RiskLow, strings.Repeat("a", okta.MaxRiskReason)); err != nil {
		t.Errorf("a reason of exactly %d characters: %v", okta.MaxRiskReason, err)
	}

	// A 429 is waited out and retried, the PUT too: it is an upsert.
	f.srv.InjectRateLimit(1)
	if _, err := f.client.GetUserRisk(ctx, jdoe); err != nil {
		t.Errorf("GET after one 429: %v", err)
	}
	f.srv.InjectRateLimit(1)
	if r, err := f.client.SetUserRisk(ctx, jdoe, okta.RiskHigh, ""); err != nil || r.RiskLevel != okta.RiskHigh {
		t.Errorf("PUT after one 429: %+v, %v", r, err)
	}
}

// With OAuth the default scopes do not reach user risk: Okta refuses until
// okta.userRisk.read (okta.userRisk.manage to set) is requested.
func TestConformanceUserRiskOAuthScope(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const clientID = "0oaRISKCONFORMANCE0"
	f.srv.RegisterServiceApp(clientID, &key.PublicKey, false)
	jdoe := f.userID(t, oktatest.DemoActiveUser)

	c := newClient(t, okta.Config{BaseURL: f.srv.URL, ClientID: clientID, PrivateKey: key}, f.clock)
	_, err = c.GetUserRisk(ctx, jdoe)
	wantKind(t, err, upstream.Unauthorized, "E0000006")

	c = newClient(t, okta.Config{BaseURL: f.srv.URL, ClientID: clientID, PrivateKey: key,
		Scopes: []string{"okta.users.read", "okta.userRisk.read"}}, f.clock)
	if _, err := c.GetUserRisk(ctx, jdoe); err != nil {
		t.Errorf("with okta.userRisk.read: %v", err)
	}
	_, err = c.SetUserRisk(ctx, jdoe, okta.RiskLow, "")
	wantKind(t, err, upstream.Unauthorized, "E0000006")

	c = newClient(t, okta.Config{BaseURL: f.srv.URL, ClientID: clientID, PrivateKey: key,
		Scopes: []string{"okta.users.read", "okta.userRisk.manage"}}, f.clock)
	if _, err := c.SetUserRisk(ctx, jdoe, okta.RiskLow, ""); err != nil {
		t.Errorf("with okta.userRisk.manage: %v", err)
	}
}

// The wire: the PUT's exact body, and a risk object without riskLevel read
// as NONE.
func TestUserRiskWire(t *testing.T) {
	var bodies []string
	var hits atomic.Int32
	c := sswsClient(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/api/v1/users/00u1/risk" {
			http.NotFound(w, r)
			return
		}
		if r.Method == http.MethodPut {
			b, _ := io.ReadAll(r.Body)
			bodies = append(bodies, r.Header.Get("Content-Type")+" "+string(b))
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"riskLevel":"HIGH","reason":"override.by.admin"}`)
			return
		}
		io.WriteString(w, `{"_links":{"self":{"href":"x"}}}`)
	})
	ctx := context.Background()
	r, err := c.GetUserRisk(ctx, "00u1")
	if err != nil || r.RiskLevel != "" || r.Level() != okta.RiskNone || string(r.Raw) != `{"_links":{"self":{"href":"x"}}}` {
		t.Errorf("GetUserRisk = %+v, %v", r, err)
	}
	if _, err := c.SetUserRisk(ctx, "00u1", okta.RiskHigh, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetUserRisk(ctx, "00u1", okta.RiskMedium, "Elevated risk, case 9."); err != nil {
		t.Fatal(err)
	}
	want := []string{`application/json {"riskLevel":"HIGH"}`, `application/json {"riskLevel":"MEDIUM","riskReason":"Elevated risk, case 9."}`}
	if len(bodies) != 2 || bodies[0] != want[0] || bodies[1] != want[1] {
		t.Errorf("PUT bodies = %q, want %q", bodies, want)
	}
}

func TestUserRiskErrorBodies(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		kind   upstream.Kind
		code   string
		causes int
	}{
		{"no ITP or no permission", 403, `{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action","errorLink":"E0000006","errorId":"x","errorCauses":[]}`, upstream.Unauthorized, "E0000006", 0},
		{"unknown user", 404, `{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: 00u1 (User)","errorLink":"E0000007","errorId":"x","errorCauses":[]}`, upstream.NotFound, "E0000007", 0},
		{"validation", 400, `{"errorCode":"E0000001","errorSummary":"Api validation failed: userRisk","errorLink":"E0000001","errorId":"x","errorCauses":[{"errorSummary":"riskLevel: Risk level must be one of HIGH, MEDIUM, LOW."}]}`, upstream.Invalid, "E0000001", 1},
		{"unavailable", 503, `{"errorCode":"E0000009","errorSummary":"Service Unavailable","errorLink":"E0000009","errorId":"x","errorCauses":[]}`, upstream.Unavailable, "E0000009", 0},
		{"not an object", 200, `["HIGH"]`, upstream.Unknown, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sswsClient(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			for _, call := range []func() (*okta.UserRisk, error){
				func() (*okta.UserRisk, error) { return c.GetUserRisk(context.Background(), "00u1") },
				func() (*okta.UserRisk, error) { return c.SetUserRisk(context.Background(), "00u1", okta.RiskLow, "") },
			} {
				risk, err := call()
				if risk != nil {
					t.Errorf("risk = %+v alongside an error", risk)
				}
				ue := upstream.As(err)
				if ue == nil || ue.Kind != tt.kind || ue.Code != tt.code || len(ue.Causes) != tt.causes {
					t.Fatalf("err = %v, want %v %s with %d causes", err, tt.kind, tt.code, tt.causes)
				}
			}
		})
	}
}

func TestCheckRiskReason(t *testing.T) {
	for reason, ok := range map[string]bool{
		"":                  true,
		"override.by.admin": true,
		"Risk level changed, external signal - 3": true,
		"tab\tand\nnewline":                       true,
		strings.Repeat("é", okta.MaxRiskReason):   false, // not in the pattern
		strings.Repeat("a", okta.MaxRiskReason):   true,
		strings.Repeat("a", okta.MaxRiskReason+1): false,
		"colon: no": false,
		"it's":      false,
	} {
		if err := okta.CheckRiskReason(reason); (err == nil) != ok {
			t.Errorf("CheckRiskReason(%.30q) = %v, want ok %v", reason, err, ok)
		}
	}
}
