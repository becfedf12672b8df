package okta_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/upstream"
)

// roleSummary is what a privilege check reads from a role: type and how
// it is held.
func roleSummary(roles []okta.Role) []string {
	out := []string{}
	for _, r := range roles {
		out = append(out, r.Type+"/"+r.AssignmentType+"/"+r.Status)
	}
	return out
}

func TestConformanceListUserRoles(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	admin := f.userID(t, oktatest.DemoAdminUser)

	roles, err := f.client.ListUserRoles(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"SUPER_ADMIN/USER/ACTIVE", "ORG_ADMIN/GROUP/ACTIVE"}, roleSummary(roles)); diff != "" {
		t.Errorf("DemoAdminUser roles (-want +got):\n%s", diff)
	}
	for _, r := range roles {
		var raw map[string]any
		if err := json.Unmarshal(r.Raw, &raw); err != nil || raw["id"] != r.ID || raw["_links"] == nil || r.ID == "" || r.Label == "" {
			t.Errorf("role %s: id %q, label %q, Raw %s", r.Type, r.ID, r.Label, r.Raw)
		}
	}
	// The group-held role carries the group as its assignee.
	if !strings.Contains(string(roles[1].Raw), "/api/v1/groups/") {
		t.Errorf("group-held role's assignee: %s", roles[1].Raw)
	}

	svc, err := f.client.ListUserRoles(ctx, f.userID(t, oktatest.ServiceAccountLogin))
	if err != nil || len(svc) != 1 || svc[0].Type != "ORG_ADMIN" || svc[0].ID != roles[1].ID {
		t.Errorf("service account (Okta Admins) roles = %v, %v; want the group's ORG_ADMIN %s", roleSummary(svc), err, roles[1].ID)
	}

	// No role: an empty, non-nil slice, so "no roles" and "not asked" differ.
	jdoe := f.userID(t, oktatest.DemoActiveUser)
	none, err := f.client.ListUserRoles(ctx, jdoe)
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("DemoActiveUser roles = %#v, %v; want empty", none, err)
	}
	f.srv.Org().AssignRole(jdoe, oktatest.RoleHelpDeskAdmin)
	f.srv.Org().AssignGroupRole("Engineering", oktatest.RoleReadOnlyAdmin)
	got, err := f.client.ListUserRoles(ctx, jdoe)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"HELP_DESK_ADMIN/USER/ACTIVE", "READ_ONLY_ADMIN/GROUP/ACTIVE"}, roleSummary(got)); diff != "" {
		t.Errorf("after assigning (-want +got):\n%s", diff)
	}
}

func TestConformanceListUserRolesErrors(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()

	// {userId} is the ID only: a login is an unknown user to Okta.
	_, err := f.client.ListUserRoles(ctx, oktatest.DemoAdminUser)
	wantKind(t, err, upstream.NotFound, "E0000007")
	_, err = f.client.ListUserRoles(ctx, "00u0000000000000none")
	wantKind(t, err, upstream.NotFound, "E0000007")

	before := f.srv.Requests()
	for _, bad := range []string{"", "a/b", ".."} {
		if _, err := f.client.ListUserRoles(ctx, bad); !upstream.IsKind(err, upstream.Invalid) {
			t.Errorf("ListUserRoles(%q) = %v, want Invalid", bad, err)
		}
	}
	if n := f.srv.Requests() - before; n != 0 {
		t.Errorf("%d requests reached Okta for bad IDs, want none", n)
	}

	// A 429 is waited out and retried, as for every read.
	f.srv.InjectRateLimit(1)
	if _, err := f.client.ListUserRoles(ctx, f.userID(t, oktatest.DemoAdminUser)); err != nil {
		t.Errorf("after one 429: %v", err)
	}
}

// With OAuth the default scopes do not reach roles: Okta refuses the call
// until okta.roles.read is requested.
func TestConformanceListUserRolesOAuthScope(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const clientID = "0oaROLESCONFORMANCE"
	f.srv.RegisterServiceApp(clientID, &key.PublicKey, false)
	admin := f.userID(t, oktatest.DemoAdminUser)

	c := newClient(t, okta.Config{BaseURL: f.srv.URL, ClientID: clientID, PrivateKey: key}, f.clock)
	_, err = c.ListUserRoles(ctx, admin)
	wantKind(t, err, upstream.Unauthorized, "E0000006")

	c = newClient(t, okta.Config{BaseURL: f.srv.URL, ClientID: clientID, PrivateKey: key,
		Scopes: []string{"okta.users.read", "okta.roles.read"}}, f.clock)
	roles, err := c.ListUserRoles(ctx, admin)
	if err != nil || len(roles) != 2 {
		t.Errorf("with okta.roles.read: %v, %v", roleSummary(roles), err)
	}
}

// sswsClient is an SSWS client for a hand-written server, for wire shapes
// the fake never sends.
func sswsClient(t *testing.T, h http.HandlerFunc) *okta.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := okta.New(okta.Config{BaseURL: srv.URL, APIToken: "00TEST-roles", Version: "test", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestListUserRolesDecoding(t *testing.T) {
	// A custom role (spec CustomRole) keeps its extra fields in Raw.
	custom := `{"id":"irb1q92TFAHzySt3x0g4","role":"cr0Yq6IJxGIr0ouum0g3","label":"UserCreatorRole","type":"CUSTOM","status":"ACTIVE","assignmentType":"USER","resource-set":"iamoJDFKaJxGIr0oamd9g"}`
	var hits atomic.Int32
	c := sswsClient(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/api/v1/users/00u1/roles" || r.URL.Query().Has("expand") {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("after") == "" {
			// Should Okta ever page this list, the client follows.
			w.Header().Add("Link", `<http://`+r.Host+`/api/v1/users/00u1/roles?after=p2>; rel="next"`)
			io.WriteString(w, `[{"id":"ra1","label":"Super Organization Administrator","type":"SUPER_ADMIN","status":"ACTIVE","assignmentType":"USER"}]`)
			return
		}
		io.WriteString(w, `[`+custom+`]`)
	})
	roles, err := c.ListUserRoles(context.Background(), "00u1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"SUPER_ADMIN/USER/ACTIVE", "CUSTOM/USER/ACTIVE"}, roleSummary(roles)); diff != "" || hits.Load() != 2 {
		t.Errorf("roles (-want +got), %d requests:\n%s", hits.Load(), diff)
	}
	if string(roles[1].Raw) != custom {
		t.Errorf("Raw = %s, want the exact JSON", roles[1].Raw)
	}
}

func TestListUserRolesErrorBodies(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		kind   upstream.Kind
		code   string
	}{
		{"no permission", 403, `{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action","errorLink":"E0000006","errorId":"x","errorCauses":[]}`, upstream.Unauthorized, "E0000006"},
		{"unknown user", 404, `{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: 00u1 (User)","errorLink":"E0000007","errorId":"x","errorCauses":[]}`, upstream.NotFound, "E0000007"},
		{"not a list", 200, `{"id":"ra1"}`, upstream.Unknown, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sswsClient(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			roles, err := c.ListUserRoles(context.Background(), "00u1")
			if roles != nil {
				t.Errorf("roles = %v alongside an error", roles)
			}
			ue := upstream.As(err)
			if ue == nil || ue.Kind != tt.kind || ue.Code != tt.code {
				t.Fatalf("err = %v, want %v %s", err, tt.kind, tt.code)
			}
		})
	}
}
