package pingone

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcmd/idcmd/providers/upstream"
)

func TestActivityFilter(t *testing.T) {
	now := time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
	since := now.Add(-24 * time.Hour)
	rng := `recordedat ge "2026-03-19T12:00:00.000Z" and recordedat le "2026-03-20T12:00:00.000Z"`
	tests := []struct {
		name    string
		q       ActivityQuery
		want    string
		wantErr string
	}{
		{"range only", ActivityQuery{Since: since, Until: now}, rng, ""},
		{"other zone, millis", ActivityQuery{Since: since.In(time.FixedZone("X", 3600)).Add(1500 * time.Microsecond), Until: now},
			`recordedat ge "2026-03-19T12:00:00.001Z" and recordedat le "2026-03-20T12:00:00.000Z"`, ""},
		{"actor", ActivityQuery{Since: since, Until: now, ActorUserID: testUserID},
			rng + ` and actors.user.id eq "` + testUserID + `"`, ""},
		{"resource", ActivityQuery{Since: since, Until: now, ResourceID: "r-1"},
			rng + ` and resources.id eq "r-1"`, ""},
		{"one type", ActivityQuery{Since: since, Until: now, ActionTypes: []string{"user.locked"}},
			rng + ` and action.type eq "USER.LOCKED"`, ""},
		{"several types", ActivityQuery{Since: since, Until: now, ActionTypes: []string{"USER.LOCKED", " USER.UNLOCKED", "USER.LOCKED"}},
			rng + ` and (action.type eq "USER.LOCKED" or action.type eq "USER.UNLOCKED")`, ""},
		{"everything", ActivityQuery{Since: since, Until: now, ActorUserID: "a", ResourceID: "b", ActionTypes: []string{"A.B", "C.D"}},
			rng + ` and actors.user.id eq "a" and resources.id eq "b" and (action.type eq "A.B" or action.type eq "C.D")`, ""},
		{"fourteen days", ActivityQuery{Since: now.Add(-14 * 24 * time.Hour), Until: now},
			`recordedat ge "2026-03-06T12:00:00.000Z" and recordedat le "2026-03-20T12:00:00.000Z"`, ""},
		{"too old", ActivityQuery{Since: now.Add(-15 * 24 * time.Hour), Until: now}, "", "14 days"},
		{"no since", ActivityQuery{Until: now}, "", "required"},
		{"no until", ActivityQuery{Since: since}, "", "required"},
		{"reversed", ActivityQuery{Since: now, Until: since}, "", "before since"},
		{"quote in actor", ActivityQuery{Since: since, Until: now, ActorUserID: `x" or actors.user.id pr or "`}, "", "actor user ID"},
		{"backslash in resource", ActivityQuery{Since: since, Until: now, ResourceID: `x\`}, "", "resource ID"},
		{"bad action type", ActivityQuery{Since: since, Until: now, ActionTypes: []string{`USER.LOCKED" or "`}}, "", "action type"},
		{"action type without verb", ActivityQuery{Since: since, Until: now, ActionTypes: []string{"USER"}}, "", "RESOURCE.VERB"},
	}
	c, _ := newClient(t, Config{EnvironmentID: testEnvID, ClientID: "c", ClientSecret: "s"})
	c.now = func() time.Time { return now }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.activityFilter(tt.q)
			if tt.wantErr != "" {
				if !upstream.IsKind(err, upstream.Invalid) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want Invalid containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("filter = %q, %v\nwant     %q", got, err, tt.want)
			}
		})
	}
}

func TestListActivitiesPagesAndDecodesLeniently(t *testing.T) {
	good := `{"_links":{"self":{"href":"x"}},"id":"a1","recordedAt":"2026-03-20T10:00:00.123Z","createdAt":"2026-03-20T10:00:00.100Z","correlationId":"c1",` +
		`"actors":{"client":{"id":"app","name":"Admin Console","type":"CLIENT"},"user":{"id":"` + testUserID + `","name":"jdoe","type":"USER"}},` +
		`"action":{"type":"USER.LOCKED","description":"User Locked"},"resources":[{"type":"USER","id":"` + testUserID + `","name":"jdoe"}],` +
		`"result":{"status":"SUCCESS","description":"ok"},"source":{"ipAddress":"192.0.2.1","userAgent":"curl"},"tags":["adminIdentityEvent"]}`
	// A bad timestamp and a resources field of the wrong type cost only
	// themselves.
	odd := `{"id":"a2","recordedAt":"yesterday","action":{"type":"USER.UPDATED"},"resources":{"id":"x"},"result":{"status":"FAILED"}}`
	var mu sync.Mutex
	var queries []string
	var base string
	c, clock, e := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		if r.URL.Query().Get("cursor") == "" {
			writeJSON(w, 200, hal("activities", base+envPath+"/activities?cursor=p2&limit=2&filter=x", good, odd, `"not an object"`))
			return
		}
		writeJSON(w, 200, hal("activities", ""))
	}), nil)
	base = e.srv.URL
	now := clock.Now()
	acts, next, err := c.ListActivities(context.Background(), ActivityQuery{Since: now.Add(-time.Hour), Until: now, Limit: 2, ActionTypes: []string{"USER.LOCKED"}})
	if err != nil || next == "" || len(acts) != 3 {
		t.Fatalf("ListActivities = %d activities, next %q, %v", len(acts), next, err)
	}
	a := acts[0]
	if a.ID != "a1" || a.RecordedAt.IsZero() || a.Actors.User == nil || a.Actors.User.Name != "jdoe" || a.Actors.Client.Type != "CLIENT" ||
		a.Action.Type != "USER.LOCKED" || len(a.Resources) != 1 || a.Result.Status != "SUCCESS" || a.Source == nil || a.Source.IPAddress != "192.0.2.1" {
		t.Errorf("activity = %+v", a)
	}
	var raw map[string]any
	if err := json.Unmarshal(a.Raw, &raw); err != nil || raw["tags"] == nil {
		t.Errorf("Raw = %s", a.Raw)
	}
	b := acts[1]
	if b.ID != "a2" || !b.RecordedAt.IsZero() || b.Action.Type != "USER.UPDATED" || b.Result.Status != "FAILED" || b.Resources != nil || string(b.Raw) != odd {
		t.Errorf("odd activity = %+v", b)
	}
	if string(acts[2].Raw) != `"not an object"` {
		t.Errorf("non-object activity = %+v", acts[2])
	}
	if _, next, err = c.ListActivities(context.Background(), ActivityQuery{Cursor: next}); err != nil || next != "" {
		t.Fatalf("page 2: next %q, %v", next, err)
	}
	want := []string{
		strings.ReplaceAll(url.Values{"limit": {"2"}, "filter": {
			`recordedat ge "` + now.Add(-time.Hour).UTC().Format(activityTimeFormat) + `" and recordedat le "` +
				now.UTC().Format(activityTimeFormat) + `" and action.type eq "USER.LOCKED"`}}.Encode(), "+", "%20"),
		"cursor=p2&limit=2&filter=x",
	}
	if diff := cmp.Diff(want, queries); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}
}
