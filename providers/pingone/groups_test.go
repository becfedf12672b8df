package pingone

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/providers/upstream"
)

// TestGetGroupByAmbiguousName: groups of different populations may share
// a name, and PingOne's eq may ignore case. A name in the exact case of
// one group picks it; otherwise the answer lists the candidates' IDs so
// the responder can pass one.
func TestGetGroupByAmbiguousName(t *testing.T) {
	var filters []string
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		filters = append(filters, r.URL.Query().Get("filter"))
		writeJSON(w, 200, hal("groups", "",
			`{"id":"11111111-1111-4111-8111-111111111111","name":"Red Team"}`,
			`{"id":"22222222-2222-4222-8222-222222222222","name":"red team"}`))
	})
	c, _, _ := newTestClient(t, api, nil)
	g, err := c.GetGroup(context.Background(), "red team")
	if err != nil || g.ID != "22222222-2222-4222-8222-222222222222" {
		t.Errorf("exact case: %+v %v", g, err)
	}
	_, err = c.GetGroup(context.Background(), "RED TEAM")
	if !upstream.IsKind(err, upstream.Invalid) {
		t.Fatalf("ambiguous: %v", err)
	}
	msg := upstream.As(err).Message
	if !strings.Contains(msg, "11111111-1111-4111-8111-111111111111") || !strings.Contains(msg, "22222222-2222-4222-8222-222222222222") {
		t.Errorf("ambiguity does not list the IDs: %s", msg)
	}
	if filters[0] != `name eq "red team"` {
		t.Errorf("filter = %q", filters[0])
	}
}

// TestMembershipErrorKinds: PingOne explains a refused membership by its
// detail code; a duplicate or a population rule is a state conflict, a
// bad value the caller's to fix.
func TestMembershipErrorKinds(t *testing.T) {
	for _, tc := range []struct {
		detail string
		want   upstream.Kind
	}{
		{"UNIQUENESS_VIOLATION", upstream.Conflict},
		{"CONSTRAINT_VIOLATION", upstream.Conflict},
		{"INVALID_VALUE", upstream.Invalid},
	} {
		eb := errorBody{Code: "INVALID_DATA", Details: []errorDetail{{Code: tc.detail, Target: "id"}}}
		if k := errorKind(opAddUserToGroup, 400, eb); k != tc.want {
			t.Errorf("%s: %v, want %v", tc.detail, k, tc.want)
		}
		if k := errorKind(opSetPassword, 400, eb); tc.detail != "UNIQUENESS_VIOLATION" && k != tc.want {
			t.Errorf("set password %s: %v, want %v", tc.detail, k, tc.want)
		}
	}
	// Other calls keep their own mapping.
	if k := errorKind("listUsers", 400, errorBody{Code: "INVALID_DATA", Details: []errorDetail{{Code: "CONSTRAINT_VIOLATION"}}}); k != upstream.Invalid {
		t.Errorf("listUsers: %v", k)
	}
}
