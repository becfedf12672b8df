package okta

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
)

// TestDecodeAsEncodingJSON: Okta's objects decode as they did with
// encoding/json, in the corners where go-json-experiment's defaults differ:
// names in another case, a name given twice, a custom attribute whose name
// differs only by an underscore, invalid UTF-8, nulls; and every user,
// group, app and factor of the fake's seeded org.
func TestDecodeAsEncodingJSON(t *testing.T) {
	bodies := map[string]string{
		"case":             `{"ID":"00u1","Status":"ACTIVE","profile":{"LOGIN":"a@example.com","firstname":"A"}}`,
		"repeated name":    `{"id":"00u1","status":"STAGED","status":"ACTIVE","profile":{"login":"a","login":"b"}}`,
		"exact beats fold": `{"id":"00u1","ID":"00u2","profile":{"login":"a"}}`,
		"underscore":       `{"id":"00u1","profile":{"login":"a","first_name":"custom","firstName":"A","display-name":"x"}}`,
		"invalid UTF-8":    "{\"id\":\"00u1\",\"profile\":{\"login\":\"a\",\"displayName\":\"J\xffD\"}}",
		"nulls":            `{"id":"00u1","status":null,"created":null,"lastLogin":"2026-01-02T03:04:05.000Z","profile":{"login":"a","email":null}}`,
		"unknown members":  `{"id":"00u1","type":{"id":"oty1"},"credentials":{"provider":{"type":"OKTA"}},"_links":{"self":{"href":"x"}},"profile":{"login":"a","costCenter":7}}`,
		"time offsets":     `{"id":"00u1","created":"2026-01-02T03:04:05+02:00","activated":"2026-01-02T03:04:05.123456789Z","profile":{"login":"a"}}`,
	}
	for name, body := range bodies {
		compareDecode[User](t, name, []byte(body))
	}
	for _, bad := range []string{`{"id":5}`, `{"id":"x"`, `[]`, `{"created":"yesterday"}`, `{"id":"a"} {}`} {
		var u User
		if err := unmarshal([]byte(bad), &u); err == nil {
			t.Errorf("%s: decoded without an error", bad)
		}
		if err := json.Unmarshal([]byte(bad), &u); err == nil {
			t.Errorf("%s: encoding/json decodes it: the list above is wrong", bad)
		}
	}

	fake := oktatest.NewServer(oktatest.Options{Seed: true})
	defer fake.Close()
	get := func(path string) []json.RawMessage {
		req, _ := http.NewRequest(http.MethodGet, fake.URL+path, nil)
		req.Header.Set("Authorization", "SSWS "+fake.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var list []json.RawMessage
		if err := json.Unmarshal(b, &list); err != nil {
			t.Fatalf("%s: %v: %s", path, err, b)
		}
		return list
	}
	users := get("/api/v1/users?limit=200")
	if len(users) < 5 {
		t.Fatalf("%d seeded users", len(users))
	}
	for _, u := range users {
		compareDecode[User](t, "seeded user", u)
		var id struct{ ID string }
		_ = json.Unmarshal(u, &id)
		for _, g := range get("/api/v1/users/" + id.ID + "/groups") {
			compareDecode[Group](t, "seeded group", g)
		}
		for _, a := range get("/api/v1/users/" + id.ID + "/appLinks") {
			compareDecode[AppLink](t, "seeded app link", a)
		}
		for _, f := range get("/api/v1/users/" + id.ID + "/factors") {
			compareDecode[Factor](t, "seeded factor", f)
		}
	}
}

func compareDecode[T any](t *testing.T, name string, body []byte) {
	t.Helper()
	var want, got T
	if err := json.Unmarshal(body, &want); err != nil {
		t.Fatalf("%s: encoding/json: %v", name, err)
	}
	if err := unmarshal(body, &got); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("%s: decoded differently from encoding/json (-want +got):\n%s\n%s", name, d, body)
	}
}
