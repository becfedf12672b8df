package pingone

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/idcmd/idcmd/providers/upstream"
)

func TestRequestHeadersAndUserDecoding(t *testing.T) {
	var got *http.Request
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		writeJSON(w, 200, userJSON)
	}), nil)
	u, err := c.GetUser(context.Background(), testUserID)
	if err != nil {
		t.Fatal(err)
	}
	if got.URL.Path != envPath+"/users/"+testUserID || got.Method != "GET" {
		t.Errorf("request = %s %s", got.Method, got.URL.Path)
	}
	if got.Header.Get("Authorization") != "Bearer tok-1" || got.Header.Get("Accept") != "application/json" || got.Header.Get("User-Agent") != "idcmd/test" {
		t.Errorf("headers = %v", got.Header)
	}
	at := func(s string) *time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &tm
	}
	want := &User{
		ID: testUserID, Username: "jdoe", Email: "jdoe@example.com", Name: Name{Given: "J", Family: "Doe"},
		Enabled:   true,
		Account:   Account{Status: "LOCKED", LockedAt: at("2026-01-02T03:04:05Z"), UnlockAt: at("2026-01-03T03:04:05Z"), SecondsUntilUnlock: 60},
		Lifecycle: Lifecycle{Status: "ACCOUNT_OK"}, MFAEnabled: true, Population: Population{ID: "p1"},
		LastSignOn: &SignOn{At: at("2026-01-01T00:00:00Z"), RemoteIP: "192.0.2.1"},
		CreatedAt:  at("2025-01-02T03:04:05Z"), UpdatedAt: at("2025-02-02T03:04:05Z"),
		Raw: []byte(userJSON),
	}
	if diff := cmp.Diff(want, u); diff != "" {
		t.Errorf("user (-want +got):\n%s", diff)
	}
}

func TestGetUser(t *testing.T) {
	const other = `{"id":"0b1c2d3e-0000-4000-8000-000000000001","username":"JDOE"}`
	tests := []struct {
		name     string
		user     string
		byID     int    // status of GET users/{id}; 0 means not expected
		hits     string // users found by the username filter; "-" means no search expected
		wantID   string
		wantKind upstream.Kind
		wantReqs []string
	}{
		{"by id", testUserID, 200, "-", testUserID, 0,
			[]string{"/users/" + testUserID}},
		{"by username", "jdoe", 0, userJSON, testUserID, 0,
			[]string{`/users?filter=username eq "jdoe"&limit=2`}},
		{"unknown username", "nobody", 0, "", "", upstream.NotFound,
			[]string{`/users?filter=username eq "nobody"&limit=2`}},
		{"ambiguous username", "jdoe", 0, userJSON + "," + other, "", upstream.Invalid,
			[]string{`/users?filter=username eq "jdoe"&limit=2`}},
		{"uuid-shaped username", "0b1c2d3e-0000-4000-8000-000000000001", 404, userJSON, testUserID, 0,
			[]string{"/users/0b1c2d3e-0000-4000-8000-000000000001", `/users?filter=username eq "0b1c2d3e-0000-4000-8000-000000000001"&limit=2`}},
		{"unknown uuid", "0b1c2d3e-0000-4000-8000-000000000001", 404, "", "", upstream.NotFound,
			[]string{"/users/0b1c2d3e-0000-4000-8000-000000000001", `/users?filter=username eq "0b1c2d3e-0000-4000-8000-000000000001"&limit=2`}},
		{"id read fails otherwise", testUserID, 500, "-", "", upstream.Unavailable,
			[]string{"/users/" + testUserID}},
		{"quotes escaped", `a"b\c`, 0, "", "", upstream.NotFound,
			[]string{`/users?filter=username eq "a\"b\\c"&limit=2`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var reqs []string
			c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				p := strings.TrimPrefix(r.URL.Path, envPath)
				mu.Lock()
				if q := r.URL.Query(); len(q) > 0 {
					reqs = append(reqs, p+"?filter="+q.Get("filter")+"&limit="+q.Get("limit"))
				} else {
					reqs = append(reqs, p)
				}
				mu.Unlock()
				switch {
				case p == "/users" && tt.hits != "-":
					writeJSON(w, 200, `{"_embedded":{"users":[`+tt.hits+`]},"count":1,"size":1}`)
				case p == "/users/"+tt.user && tt.byID == 200:
					writeJSON(w, 200, userJSON)
				case p == "/users/"+tt.user && tt.byID != 0:
					writeJSON(w, tt.byID, `{"id":"1","code":"X","message":"m"}`)
				default:
					t.Errorf("unexpected request %s", r.URL)
				}
			}), func(cfg *Config) { cfg.MaxRetries = -1 })
			u, err := c.GetUser(context.Background(), tt.user)
			switch {
			case tt.wantKind != 0 && !upstream.IsKind(err, tt.wantKind):
				t.Errorf("err = %v, want %v", err, tt.wantKind)
			case tt.wantKind == 0 && (err != nil || u.ID != tt.wantID):
				t.Errorf("GetUser = %+v, %v; want user %s", u, err, tt.wantID)
			}
			if diff := cmp.Diff(tt.wantReqs, reqs); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUserArgumentsRefusedLocally(t *testing.T) {
	c, _, e := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), nil)
	ctx := context.Background()
	checks := map[string]error{}
	_, checks["GetUser empty"] = c.GetUser(ctx, "")
	for _, id := range []string{"", "jdoe", "../" + testUserID, testUserID + "/x", "{" + testUserID + "}"} {
		checks["LockUser "+id] = c.LockUser(ctx, id, nil)
		_, checks["ListSessions "+id] = c.ListSessions(ctx, id)
	}
	checks["DeleteSession empty"] = c.DeleteSession(ctx, testUserID, "")
	checks["DeleteSession slash"] = c.DeleteSession(ctx, testUserID, "a/b")
	checks["DeleteSession dotdot"] = c.DeleteSession(ctx, testUserID, "..")
	_, checks["GetRiskEvaluation query"] = c.GetRiskEvaluation(ctx, "x?y")
	_, _, checks["ListUsers limit"] = c.ListUsers(ctx, UserQuery{Limit: 1001})
	_, _, checks["ListUsers negative"] = c.ListUsers(ctx, UserQuery{Limit: -1})
	for name, err := range checks {
		if !upstream.IsKind(err, upstream.Invalid) {
			t.Errorf("%s: err = %v, want Invalid", name, err)
		}
	}
	if e.APIHits() != 0 || len(e.TokenRequests()) != 0 {
		t.Errorf("%d API and %d token requests sent, want none", e.APIHits(), len(e.TokenRequests()))
	}
}

func TestPing(t *testing.T) {
	var query atomic.Value
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query.Store(r.URL.Path + "?" + r.URL.RawQuery)
		writeJSON(w, 200, hal("users", "", userJSON))
	}), nil)
	if err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := query.Load(); got != envPath+"/users?limit=1" {
		t.Errorf("ping request = %s", got)
	}
}

func TestListsDecodeRawPerElement(t *testing.T) {
	roles := `{"id":"r1","role":{"id":"role-1"},"scope":{"id":"` + testEnvID + `","type":"ENVIRONMENT"},"readOnly":true,"environment":{"id":"e"}}`
	app := `{"id":"a1","name":"Portal","description":"d","type":"WEB_APP","protocol":"OPENID_CONNECT","enabled":true,"grantTypes":["AUTHORIZATION_CODE"]}`
	session := `{"id":"s1","createdAt":"2026-01-01T00:00:00.000Z","activeAt":"2026-01-01T01:00:00.000Z","browser":{"name":"Chrome","version":"120"},"device":{"type":"Desktop"},"operatingSystem":{"name":"macOS"},"lastSignOn":{"at":"2026-01-01T00:00:00.000Z","remoteIp":"192.0.2.9"},"locations":[{"at":"2026-01-01T00:00:00.000Z","remoteIp":"192.0.2.9","city":"Denver","state":"CO","region":"Colorado","country":"US"}]}`
	password := `{"status":"MUST_CHANGE_PASSWORD","lastChangedAt":"2026-01-01T00:00:00.000Z","passwordPolicy":{"id":"pp"}}`
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch strings.TrimPrefix(r.URL.Path, envPath) {
		case "/users/" + testUserID + "/roleAssignments":
			writeJSON(w, 200, hal("roleAssignments", "", roles))
		case "/applications":
			writeJSON(w, 200, hal("applications", "", app))
		case "/users/" + testUserID + "/sessions":
			writeJSON(w, 200, hal("sessions", "", session))
		case "/users/" + testUserID + "/password":
			writeJSON(w, 200, password)
		default:
			http.NotFound(w, r)
		}
	}), nil)
	ctx := context.Background()
	rs, err := c.ListRoleAssignments(ctx, testUserID)
	if err != nil || len(rs) != 1 || rs[0].Role.ID != "role-1" || rs[0].Scope.Type != "ENVIRONMENT" || !rs[0].ReadOnly || string(rs[0].Raw) != roles {
		t.Errorf("ListRoleAssignments = %+v, %v", rs, err)
	}
	as, err := c.ListApplications(ctx)
	if err != nil || len(as) != 1 || as[0].Protocol != "OPENID_CONNECT" || !as[0].Enabled || string(as[0].Raw) != app {
		t.Errorf("ListApplications = %+v, %v", as, err)
	}
	ss, err := c.ListSessions(ctx, testUserID)
	if err != nil || len(ss) != 1 || ss[0].Browser.Name != "Chrome" || ss[0].LastSignOn.RemoteIP != "192.0.2.9" ||
		len(ss[0].Locations) != 1 || ss[0].Locations[0].City != "Denver" || ss[0].ActiveAt == nil || string(ss[0].Raw) != session {
		t.Errorf("ListSessions = %+v, %v", ss, err)
	}
	ps, err := c.GetPasswordState(ctx, testUserID)
	if err != nil || ps.Status != "MUST_CHANGE_PASSWORD" || ps.LastChangedAt == nil || string(ps.Raw) != password {
		t.Errorf("GetPasswordState = %+v, %v", ps, err)
	}
}

func TestNonJSONSuccessIsUnknown(t *testing.T) {
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `<html>login</html>`)
	}), nil)
	if _, err := c.GetUser(context.Background(), testUserID); !upstream.IsKind(err, upstream.Unknown) {
		t.Errorf("err = %v, want Unknown", err)
	}
}
