package events

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// oktaSignIn is a System Log event as Okta documents it (okta.md §4):
// a failed sign-in with geo, network, device and Okta's risk verdict.
const oktaSignIn = `{
  "uuid": "f0b1c2d3-0000-4000-8000-000000000001",
  "published": "2026-12-01T08:12:03.123Z",
  "eventType": "user.session.start",
  "version": "0",
  "severity": "INFO",
  "displayMessage": "User login to Okta",
  "actor": {"id": "00u1", "type": "User", "alternateId": "jdoe@example.com", "displayName": "John Doe"},
  "client": {"ipAddress": "95.173.136.72", "device": "Computer",
    "userAgent": {"rawUserAgent": "Mozilla/5.0", "os": "Windows 10", "browser": "CHROME"},
    "geographicalContext": {"city": "Moscow", "state": "Moscow", "country": "Russia", "postalCode": 101000,
      "geolocation": {"lat": 55.7522, "lon": 37.6156}}},
  "outcome": {"result": "FAILURE", "reason": "INVALID_CREDENTIALS"},
  "securityContext": {"asNumber": 8359, "asOrg": "mts pjsc", "isp": "mts pjsc", "domain": "mts.ru", "isProxy": false},
  "debugContext": {"debugData": {"risk": "{reasons=Anomalous Location, level=HIGH}", "requestUri": "/idp/idx/identify"}},
  "target": []
}`

func TestFromOktaSignIn(t *testing.T) {
	e := FromOkta(json.RawMessage(oktaSignIn))
	if e.Rejected != "" {
		t.Fatalf("rejected: %s", e.Rejected)
	}
	want := Event{ID: "f0b1c2d3-0000-4000-8000-000000000001", Provider: Okta, Type: "user.session.start",
		Outcome: "FAILURE", Reason: "INVALID_CREDENTIALS", Actor: "jdoe@example.com", ActorID: "00u1",
		User: "jdoe@example.com", UserID: "00u1", IP: "95.173.136.72", Location: "Moscow, Moscow, Russia",
		UserAgent: "Mozilla/5.0", Device: "Computer", RiskLevel: "HIGH"}
	got := e
	got.Time, got.Geo, got.Network, got.Raw = time.Time{}, nil, nil, nil
	if !equalJSON(t, got, want) {
		t.Fatalf("event\n got %+v\nwant %+v", got, want)
	}
	if !e.Time.Equal(time.Date(2026, 12, 1, 8, 12, 3, 123e6, time.UTC)) {
		t.Fatalf("time %v", e.Time)
	}
	// postalCode is a number here, as in Okta's own examples: the rest of
	// the geo context still decodes.
	if e.Geo == nil || e.Geo.Country != "Russia" || e.Geo.Lat == nil || *e.Geo.Lat != 55.7522 || *e.Geo.Lon != 37.6156 {
		t.Fatalf("geo %+v", e.Geo)
	}
	if e.Network == nil || e.Network.ASN != 8359 || e.Network.ASOrg != "mts pjsc" || e.Network.Proxy == nil || *e.Network.Proxy {
		t.Fatalf("network %+v", e.Network)
	}
	if string(e.Raw) != oktaSignIn {
		t.Fatal("the raw event is not kept as it came")
	}
}

func TestFromOktaTargetUser(t *testing.T) {
	// An admin suspends a user: the event is about the target.
	raw := `{"uuid":"u2","published":"2026-12-01T08:00:00Z","eventType":"user.lifecycle.suspend",
	  "actor":{"id":"00uadmin","type":"User","alternateId":"awong@example.com"},
	  "target":[{"id":"00u9","type":"User","alternateId":"bwilson@example.com"}],
	  "outcome":{"result":"SUCCESS"},
	  "debugContext":{"debugData":{"logOnlySecurityData":"{\"risk\":{\"level\":\"medium\"}}"}}}`
	e := FromOkta(json.RawMessage(raw))
	if e.User != "bwilson@example.com" || e.UserID != "00u9" || e.Actor != "awong@example.com" || e.Target != "bwilson@example.com" {
		t.Fatalf("user %q/%q actor %q target %q", e.User, e.UserID, e.Actor, e.Target)
	}
	if e.RiskLevel != "MEDIUM" {
		t.Fatalf("risk from logOnlySecurityData: %q", e.RiskLevel)
	}
	if e.Geo != nil || e.Network != nil {
		t.Fatalf("geo %+v, network %+v: want none for an event without them", e.Geo, e.Network)
	}
}

func TestFromOktaRejects(t *testing.T) {
	for name, raw := range map[string]string{
		"not an object":  `"x"`,
		"no uuid":        `{"eventType":"user.session.start","published":"2026-12-01T08:00:00Z"}`,
		"no type":        `{"uuid":"a","published":"2026-12-01T08:00:00Z"}`,
		"bad time":       `{"uuid":"a","eventType":"user.session.start","published":"yesterday"}`,
		"no time at all": `{"uuid":"a","eventType":"user.session.start"}`,
	} {
		e := FromOkta(json.RawMessage(raw))
		if e.Rejected == "" || !strings.HasPrefix(e.ID, "rejected-") || string(e.Raw) != raw {
			t.Errorf("%s: %+v, want rejected with its bytes", name, e)
		}
	}
	// The same bytes get the same id, so a redelivery is stored once.
	a, b := FromOkta(json.RawMessage(`"x"`)), FromOkta(json.RawMessage(`"x"`))
	if a.ID != b.ID || a.ID == FromOkta(json.RawMessage(`"y"`)).ID {
		t.Fatal("rejected ids are not derived from the bytes")
	}
}

const pingOneLockout = `{"id":"a1","recordedAt":"2026-12-01T08:00:00.000Z","createdAt":"2026-12-01T08:00:00.000Z",
  "actors":{"client":{"id":"app","name":"Admin Console","type":"CLIENT"},"user":{"id":"admin1","name":"soc@example.com","type":"USER"}},
  "action":{"type":"USER.LOCKED","description":"User Locked"},
  "resources":[{"type":"USER","id":"u7","name":"kpatel@example.com"}],
  "result":{"status":"SUCCESS","description":"Locked"},
  "source":{"ipAddress":"105.112.96.14","userAgent":"curl/8"}}`

func TestFromPingOne(t *testing.T) {
	e := FromPingOne(json.RawMessage(pingOneLockout))
	if e.Rejected != "" || e.ID != "a1" || e.Type != "USER.LOCKED" || !slices.Equal(e.SOPTypes, []string{"USER_LOCKED"}) {
		t.Fatalf("event %+v", e)
	}
	if e.User != "kpatel@example.com" || e.UserID != "u7" || e.Actor != "soc@example.com" || e.IP != "105.112.96.14" || e.Outcome != "SUCCESS" {
		t.Fatalf("event %+v", e)
	}
	// Without a user resource, the acting user is who it is about.
	self := FromPingOne(json.RawMessage(`{"id":"a2","recordedAt":"2026-12-01T08:00:00Z","action":{"type":"PASSWORD.CHECK_FAILED"},
	  "actors":{"user":{"id":"u1","name":"jdoe@example.com"}},"result":{"status":"FAILED"}}`))
	if self.User != "jdoe@example.com" || !slices.Equal(self.SOPTypes, []string{"USER_LOGIN_FAILED"}) {
		t.Fatalf("self %+v", self)
	}
	for name, raw := range map[string]string{
		"no id":     `{"recordedAt":"2026-12-01T08:00:00Z","action":{"type":"USER.LOCKED"}}`,
		"no action": `{"id":"a3","recordedAt":"2026-12-01T08:00:00Z"}`,
		"no time":   `{"id":"a4","action":{"type":"USER.LOCKED"}}`,
		"an array":  `[1]`,
	} {
		if e := FromPingOne(json.RawMessage(raw)); e.Rejected == "" {
			t.Errorf("%s: not rejected: %+v", name, e)
		}
	}
}

func TestPingOneSOPTypes(t *testing.T) {
	cases := map[string][]string{
		"USER.LOCKED":             {"USER_LOCKED"},
		"OTP.CHECK_FAILED":        {"MFA_VERIFY_FAILED"},
		"RISK_EVALUATION.CREATED": {"RISK_EVENT"},
		"PASSWORD.RESET":          {"PASSWORD_RESET", "USER_PASSWORD_CHANGED", "USER_PASSWORD_RESET"},
		// An enable and a disable are both USER.UPDATED: named USER_UPDATED only.
		"USER.UPDATED":         {"USER_UPDATED"},
		"MFA_SETTINGS.UPDATED": nil,
	}
	for typ, want := range cases {
		if got := PingOneSOPTypes(typ); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", typ, got, want)
		}
	}
}

func TestRecordRoundTrip(t *testing.T) {
	e := FromOkta(json.RawMessage(oktaSignIn))
	received := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	r, err := e.Record("hook", received)
	if err != nil {
		t.Fatal(err)
	}
	if r.UserName != "jdoe@example.com" || r.Outcome != "FAILURE" || r.IP != e.IP || string(r.Raw) != oktaSignIn {
		t.Fatalf("record %+v", r)
	}
	if strings.Contains(string(r.Body), `"Raw"`) {
		t.Fatal("the body carries the raw event a second time")
	}
	back := FromRecord(r, true)
	e.Source, e.ReceivedAt = "hook", received
	if !equalJSON(t, back, e) {
		t.Fatalf("round trip\n got %+v\nwant %+v", back, e)
	}
	if FromRecord(r, false).Raw != nil {
		t.Fatal("the raw event without withRaw")
	}
	// A rejected event whose bytes are not JSON comes back as text.
	bad := rejected(PingOne, []byte("not json"), "the line is not JSON")
	r, _ = bad.Record("hook", received)
	if got := FromRecord(r, true); got.RawText != "not json" || got.Raw != nil {
		t.Fatalf("rejected round trip %+v", got)
	}
}

func TestParsePingOneBatch(t *testing.T) {
	one := strings.ReplaceAll(pingOneLockout, "\n", "")
	two := strings.Replace(one, `"id":"a1"`, `"id":"a2"`, 1)
	for name, c := range map[string]struct {
		ct, body string
		ids      []string
	}{
		"array":          {"application/json", "[" + one + "," + two + "]", []string{"a1", "a2"}},
		"object":         {"application/json; charset=utf-8", pingOneLockout, []string{"a1"}},
		"ndjson":         {"application/x-ndjson", one + "\n" + two + "\n", []string{"a1", "a2"}},
		"ndjson as json": {"application/json", one + "\n\n" + two, []string{"a1", "a2"}},
	} {
		evs, err := ParsePingOneBatch(c.ct, []byte(c.body))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var ids []string
		for _, e := range evs {
			ids = append(ids, e.ID)
		}
		if !slices.Equal(ids, c.ids) {
			t.Errorf("%s: ids %v, want %v", name, ids, c.ids)
		}
	}
}

func equalJSON(t *testing.T, a, b any) bool {
	t.Helper()
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return string(x) == string(y)
}
