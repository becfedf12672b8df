package commands

import (
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
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
		{"limit range", OktaSearchUsers, `{"limit":1001}`, []string{"body.limit"}},
		{"limit above one Okta page", OktaSearchUsers, `{"limit":300}`, nil},
		{"limit wrong type", OktaSearchUsers, `{"limit":"ten"}`, []string{"body.limit"}},
		{"two query styles", OktaSearchUsers, `{"search":"a","q":"b"}`, []string{"body.search"}},
		{"hours and since", OktaGetUserEvents, `{"user":"a","hours":2,"since":"2026-11-24T00:00:00Z"}`, []string{"body.since"}},
		{"event type injection", OktaGetUserEvents, `{"user":"a","event_types":["x\" or eventType sw \""]}`, []string{"body.event_types[0]"}},
		{"incident platform", OktaSuspendUser, `{"user":"a","incident":{"platform":"jira","id":"1"}}`, []string{"body.incident.platform"}},
		{"incident missing id", OktaSuspendUser, `{"user":"a","incident":{"platform":"xdr"}}`, []string{"body.incident.id"}},
		{"incident unknown field", OktaSuspendUser, `{"user":"a","incident":{"platform":"xdr","id":"1","x":1}}`, []string{"body.incident.x"}},
		{"incident wrong type", OktaSuspendUser, `{"user":"a","incident":"42"}`, []string{"body.incident"}},
		{"duplicate key", OktaGetUser, `{"user":"a","user":"b"}`, []string{"body.user"}},
		{"duplicate key with incident", OktaSuspendUser, `{"user":"a","user":"b","incident":{"platform":"xdr","id":"1"}}`, []string{"body.user"}},
		{"case variant", OktaGetUser, `{"user":"a","USER":"b"}`, []string{"body.USER"}},
		{"case variant first", OktaGetUser, `{"USER":"b","user":"a"}`, []string{"body.USER"}},
		{"case variant with incident", OktaSuspendUser, `{"user":"a","USER":"b","incident":{"platform":"xdr","id":"1"}}`, []string{"body.USER"}},
		{"case variant alone", OktaGetUser, `{"USER":"a"}`, []string{"body.USER"}},
		{"unicode fold variant", OktaGetUser, `{"uſer":"a"}`, []string{"body.uſer"}},
		{"embedded case variant", OktaDeactivateUser, `{"user":"a","Send_Email":true}`, []string{"body.Send_Email"}},
		{"incident duplicate key", OktaSuspendUser, `{"user":"a","incident":{"platform":"xdr","id":"1","id":"2"}}`, []string{"body.incident.id"}},
		{"incident case variant", OktaSuspendUser, `{"user":"a","incident":{"platform":"xdr","id":"1","ID":"2"}}`, []string{"body.incident.ID"}},
		{"incident twice", OktaSuspendUser, `{"user":"a","incident":{"platform":"xdr","id":"1"},"incident":{"platform":"xsoar","id":"2"}}`, []string{"body.incident"}},
		{"incident case variant of the member", OktaSuspendUser, `{"user":"a","Incident":{"platform":"xdr","id":"1"}}`, []string{"body.Incident"}},
		{"wrong type in a list", OktaGetUserEvents, `{"user":"a","event_types":["x",1]}`, []string{"body.event_types[1]"}},
		{"invalid UTF-8", OktaGetUser, "{\"user\":\"\xff\"}", []string{"body.user"}},
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

// TestDecodeNamesTheCaseVariant checks that a member differing from an
// argument only in case says so, whichever comes first.
func TestDecodeNamesTheCaseVariant(t *testing.T) {
	for _, body := range []string{`{"user":"a","USER":"b"}`, `{"USER":"b","user":"a"}`, `{"USER":"b"}`} {
		_, _, err := Decode(OktaGetUser, []byte(body))
		var ie *InputError
		if !errors.As(err, &ie) || len(ie.Errors) != 1 {
			t.Fatalf("%s: error = %v", body, err)
		}
		if fe := ie.Errors[0]; fe.Location != "body.USER" || !strings.Contains(fe.Message, "differs only in case from user") {
			t.Errorf("%s: %+v", body, fe)
		}
	}
}

// TestDecodeJSONIsStrict applies the same rules to non-command bodies.
func TestDecodeJSONIsStrict(t *testing.T) {
	type decision struct {
		Reason string `json:"reason"`
	}
	for body, loc := range map[string]string{
		`{"reason":"a","reason":"b"}`: "body.reason",
		`{"reason":"a","Reason":"b"}`: "body.Reason",
		`{"REASON":"a"}`:              "body.REASON",
		`{"reason":"a"} {}`:           "body",
		`{"reason":`:                  "body",
	} {
		var d decision
		err := DecodeJSON([]byte(body), &d)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Errors[0].Location != loc {
			t.Errorf("%s: error = %v, want one at %s", body, err, loc)
		}
	}
	var d decision
	if err := DecodeJSON([]byte(`{"reason":"ok"}`), &d); err != nil || d.Reason != "ok" {
		t.Errorf("valid body: %v %+v", err, d)
	}
}

// FuzzDecode checks Decode against an independent reading of the body: a
// body Decode accepts is one JSON object in which no object repeats a
// member name, every top-level name is exactly a declared argument (or
// incident) and every incident name exactly a declared incident field.
// Whatever Decode refuses, it refuses as an InputError naming a location
// under body.
func FuzzDecode(f *testing.F) {
	cmds := []Command{OktaGetUser, OktaSuspendUser, OktaDeactivateUser, OktaGetUserEvents, OktaSearchUsers}
	for _, seed := range []string{
		`{"user":"a"}`, `{"user":"a","USER":"b"}`, `{"user":"a","user":"b"}`, `{"USER":"a"}`, `{"uſer":"a"}`,
		`{"user":"a","incident":{"platform":"xdr","id":"1"}}`, `{"user":"a","incident":{"platform":"xdr","id":"1","id":"2"}}`,
		`{"user":"a","incident":{"platform":"xdr","ID":"1"}}`, `{"user":"a","Incident":{}}`, `{"incident":null}`,
		`{"user":"a","send_email":true,"SEND_EMAIL":false}`, `{"event_types":["a","b"],"user":"x"}`, `{"limit":1e3}`,
		`{"user":"\u0055"}`, `{"\u0075ser":"a","user":"b"}`, `{"user":"a"} {}`, `{}`, ``,
	} {
		for i := range cmds {
			f.Add(uint8(i), seed)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		cmd := cmds[int(which)%len(cmds)]
		args, _, err := Decode(cmd, []byte(body))
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || len(ie.Errors) == 0 || !strings.HasPrefix(ie.Errors[0].Location, "body") {
				t.Fatalf("%q: error %v is not an InputError naming a body location", body, err)
			}
			return
		}
		if args == nil {
			t.Fatalf("%q: no arguments and no error", body)
		}
		if strings.TrimSpace(body) == "" {
			return
		}
		argNames := declaredNames(cmd.Info().ArgsType)
		incNames := declaredNames(reflect.TypeFor[Incident]())
		dec := jsontext.NewDecoder(strings.NewReader(body), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
		checkObjectNames(t, body, dec, func(depth int, parent, name string) {
			switch {
			case depth == 1 && name != "incident" && !slices.Contains(argNames, name):
				t.Fatalf("%q: accepted the member %q, which %s does not declare", body, name, cmd.Info().Name)
			case depth == 2 && parent == "incident" && !slices.Contains(incNames, name):
				t.Fatalf("%q: accepted the incident member %q", body, name)
			}
		})
	})
}

// checkObjectNames walks one JSON value, fails on a name repeated within
// an object, and reports every member name with its depth and the name
// of the member holding its object.
func checkObjectNames(t *testing.T, body string, dec *jsontext.Decoder, visit func(depth int, parent, name string)) {
	type frame struct {
		object bool
		names  map[string]bool
		holder string // the member name this object or array is the value of
		key    bool   // the next token of an object is a name
	}
	var stack []*frame
	pending := ""
	for {
		tok, err := dec.ReadToken()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%q: Decode accepted it but jsontext cannot read it: %v", body, err)
		}
		top := (*frame)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.key && tok.Kind() == '"' {
			name := tok.String()
			if top.names[name] {
				t.Fatalf("%q: accepted the name %q twice in one object", body, name)
			}
			top.names[name] = true
			visit(len(stack), top.holder, name)
			pending, top.key = name, false
			continue
		}
		switch tok.Kind() {
		case '{', '[':
			stack = append(stack, &frame{object: tok.Kind() == '{', names: map[string]bool{}, holder: pending, key: true})
		case '}', ']':
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 {
			stack[len(stack)-1].key = true
		}
	}
}
