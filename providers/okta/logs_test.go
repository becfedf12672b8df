package okta

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// specLogEvent is shaped like the spec's ListLogs example: postalCode is a
// number and there is an undeclared top-level device object.
const specLogEvent = `{"actor":{"id":"00u1","type":"User","alternateId":"admin@example.com","displayName":"Admin","detailEntry":null},
"client":{"userAgent":{"rawUserAgent":"Mozilla/5.0","os":"Mac OS X","browser":"CHROME"},"zone":"null","device":"Computer","id":null,"ipAddress":"10.0.0.1",
"geographicalContext":{"city":"New York","state":"New York","country":"United States","postalCode":10013,"geolocation":{"lat":40.3157,"lon":-74.01}}},
"device":{"id":"guo1","name":"MacBook","os_platform":"OSX"},
"authenticationContext":{"externalSessionId":"102bZ"},"displayMessage":"User login to Okta","eventType":"user.session.start",
"outcome":{"result":"SUCCESS","reason":null},"published":"2024-04-16T17:09:55.163Z","securityContext":{},"severity":"INFO",
"debugContext":{"debugData":{"requestId":"ab609"}},"legacyEventType":"core.user_auth.login_success","transaction":{"type":"WEB","id":"ab609","detail":{}},
"uuid":"dc9fd3c0-598c-11ef-8478-2b7584bf8d5a","version":"0","request":{"ipChain":[]},"target":[{"id":"00u2","type":"User","alternateId":"jdoe@example.com"}]}`

func TestListLogsLenientDecoding(t *testing.T) {
	page := `[` + specLogEvent + `,
{"uuid":"bad-time","published":"yesterday","eventType":"user.lifecycle.suspend","outcome":{"result":"SUCCESS"}},
{"uuid":"bad-types","published":"2024-04-16T17:09:56.000Z","eventType":5,"client":{"ipAddress":["1.2.3.4"],"geographicalContext":{"city":7,"country":"FR"}},"severity":"WARN"},
"not an object"]`
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, page)
	}), nil)
	events, next, err := c.ListLogs(context.Background(), LogQuery{Since: time.Now().Add(-time.Hour), Until: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if next != "" {
		t.Errorf("next = %q, want none", next)
	}
	if len(events) != 4 {
		t.Fatalf("got %d events, want all 4 kept", len(events))
	}
	e := events[0]
	if e.UUID != "dc9fd3c0-598c-11ef-8478-2b7584bf8d5a" || e.Client.GeographicalContext.City != "New York" ||
		e.Target[0].AlternateID != "jdoe@example.com" || e.Published.IsZero() || e.Outcome.Result != "SUCCESS" {
		t.Errorf("spec event decoded as %+v", e)
	}
	if e := events[1]; e.UUID != "bad-time" || e.EventType != "user.lifecycle.suspend" || e.Outcome.Result != "SUCCESS" || !e.Published.IsZero() {
		t.Errorf("bad-time event = %+v, want everything but published", e)
	}
	if e := events[2]; e.UUID != "bad-types" || e.Severity != "WARN" || e.Client.GeographicalContext.Country != "FR" || e.Published.IsZero() {
		t.Errorf("bad-types event = %+v, want the well-typed fields", e)
	}
	for i, e := range events {
		if len(e.Raw) == 0 {
			t.Errorf("event %d has no Raw", i)
		}
	}
	if string(events[3].Raw) != `"not an object"` {
		t.Errorf("non-object Raw = %s", events[3].Raw)
	}
}

func TestListLogsQuery(t *testing.T) {
	var got []string
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.RawQuery)
		// A polling query always has a next link, even on an empty page.
		w.Header().Add("Link", `<https://acme.okta.com/api/v1/logs?sortOrder=ASCENDING&limit=100&since=2024-01-01T00%3A00%3A00.000Z>; rel="self"`)
		w.Header().Add("Link", `<https://acme.okta.com/api/v1/logs?after=1713287395163_1&limit=100&sortOrder=ASCENDING>; rel="next"`)
		writeJSON(w, 200, `[]`)
	}), nil)
	since := time.Date(2024, 1, 1, 1, 0, 0, 0, time.FixedZone("CET", 3600))
	events, next, err := c.ListLogs(context.Background(), LogQuery{Since: since, Filter: `eventType eq "user.session.start"`, SortOrder: "ascending", Limit: 100})
	if err != nil || len(events) != 0 || next == "" {
		t.Fatalf("ListLogs = %v, %q, %v", events, next, err)
	}
	if _, next2, err := c.ListLogs(context.Background(), LogQuery{Cursor: next}); err != nil || next2 != next {
		t.Fatalf("polling again = %q, %v; want the same next cursor", next2, err)
	}
	want := []string{
		"filter=eventType+eq+%22user.session.start%22&limit=100&since=2024-01-01T00%3A00%3A00.000Z&sortOrder=ASCENDING",
		"after=1713287395163_1&limit=100&sortOrder=ASCENDING",
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("query %d = %q, want %q", i, got[i], want[i])
		}
	}
}
