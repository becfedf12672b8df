package xsoartest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestSearchByLabel: labels.type and labels.value match any label of the
// incident, each on its own, the whole value, quoted or not.
func TestSearchByLabel(t *testing.T) {
	srv := NewServer(Options{})
	defer srv.Close()
	a := srv.AddIncidentWith(Incident{Name: "a", Labels: []Label{{Type: "idcmd_event", Value: "okta:e1"}}})
	b := srv.AddIncidentWith(Incident{Name: "b", Labels: []Label{{Type: "idcmd_event", Value: "okta:e2"}, {Type: "user", Value: "okta:e1"}}})
	auth := http.Header{"Authorization": {srv.APIKey}}
	search := func(q string) string {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"filter": map[string]any{"query": q, "size": 10}})
		r := send(t, srv, "/incidents/search", auth, string(body))
		var out searchResponse
		if r.status != 200 || json.Unmarshal(r.body, &out) != nil {
			t.Fatalf("%s: %d %s", q, r.status, r.body)
		}
		var ids []string
		for _, in := range out.Data {
			ids = append(ids, in.ID)
		}
		return strings.Join(ids, ",")
	}
	for q, want := range map[string]string{
		`labels.type:idcmd_event labels.value:"okta:e1"`: b + "," + a, // b has the value under another type
		`labels.value:"okta:e2"`:                         b,
		`labels.type:user`:                               b,
		`labels.value:okta`:                              "", // the whole value, not a part
		`-labels.type:user`:                              a,
	} {
		if got := search(q); got != want {
			t.Errorf("%s = [%s], want [%s]", q, got, want)
		}
	}
}
