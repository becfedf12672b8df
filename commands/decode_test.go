package commands

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeAndValidate(t *testing.T) {
	v := NewValidator()
	cases := []struct {
		name    string
		cmd     Command
		body    string
		wantLoc []string // locations of the problems; nil means valid
	}{
		{"valid", OktaGetUser, `{"user":"jdoe@example.com"}`, nil},
		{"valid with incident", OktaSuspendUser, `{"user":"jdoe","incident":{"platform":"xsoar","id":"42","investigation_id":"42"}}`, nil},
		{"missing required", OktaGetUser, `{}`, []string{"body.user"}},
		{"empty body", OktaGetUser, ``, []string{"body.user"}},
		{"unknown field", OktaGetUser, `{"user":"a","username":"b"}`, []string{"body.username"}},
		{"wrong type", OktaGetUser, `{"user":42}`, []string{"body.user"}},
		{"malformed", OktaGetUser, `{"user":`, []string{"body"}},
		{"not an object", OktaGetUser, `["user"]`, []string{"body"}},
		{"trailing data", OktaGetUser, `{"user":"a"} {"user":"b"}`, []string{"body"}},
		{"too long", OktaGetUser, `{"user":"` + strings.Repeat("a", 256) + `"}`, []string{"body.user"}},
		{"embedded required", OktaDeactivateUser, `{"send_email":true}`, []string{"body.user"}},
		{"bad enum", OktaGetLogs, `{"sort_order":"UP"}`, []string{"body.sort_order"}},
		{"bad time", OktaGetLogs, `{"since":"yesterday"}`, []string{"body.since"}},
		{"until before since", OktaGetLogs, `{"since":"2026-11-24T00:00:00Z","until":"2026-11-23T00:00:00Z"}`, []string{"body.until"}},
		{"limit range", OktaSearchUsers, `{"limit":500}`, []string{"body.limit"}},
		{"limit wrong type", OktaSearchUsers, `{"limit":"ten"}`, []string{"body.limit"}},
		{"two query styles", OktaSearchUsers, `{"search":"a","q":"b"}`, []string{"body.search"}},
		{"hours and since", OktaGetUserEvents, `{"user":"a","hours":2,"since":"2026-11-24T00:00:00Z"}`, []string{"body.since"}},
		{"event type injection", OktaGetUserEvents, `{"user":"a","event_types":["x\" or eventType sw \""]}`, []string{"body.event_types[0]"}},
		{"incident platform", OktaSuspendUser, `{"user":"a","incident":{"platform":"jira","id":"1"}}`, []string{"body.incident.platform"}},
		{"incident missing id", OktaSuspendUser, `{"user":"a","incident":{"platform":"xdr"}}`, []string{"body.incident.id"}},
		{"incident unknown field", OktaSuspendUser, `{"user":"a","incident":{"platform":"xdr","id":"1","x":1}}`, []string{"body.incident.x"}},
		{"incident wrong type", OktaSuspendUser, `{"user":"a","incident":"42"}`, []string{"body.incident"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args, inc, err := Decode(tc.cmd, []byte(tc.body))
			if err == nil {
				err = v.Check(args, inc)
			}
			if tc.wantLoc == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error = %v, want an InputError", err)
			}
			var locs []string
			for _, fe := range ie.Errors {
				locs = append(locs, fe.Location)
				if fe.Message == "" {
					t.Errorf("%s has no message", fe.Location)
				}
			}
			if diff := cmp.Diff(tc.wantLoc, locs); diff != "" {
				t.Errorf("locations (-want +got):\n%s\n%v", diff, err)
			}
		})
	}
}

func TestDecodeSplitsIncident(t *testing.T) {
	args, inc, err := Decode(OktaClearSessions, []byte(`{"user":"jdoe","oauth_tokens":true,"incident":{"platform":"xdr","id":"77"}}`))
	if err != nil {
		t.Fatal(err)
	}
	a := args.(*OktaClearSessionsArgs)
	if a.User != "jdoe" || !a.OAuthTokens || a.ForgetDevices != nil {
		t.Errorf("args = %+v", a)
	}
	if inc == nil || inc.Platform != "xdr" || inc.ID != "77" {
		t.Errorf("incident = %+v", inc)
	}
}
