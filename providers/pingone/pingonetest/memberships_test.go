package pingonetest

import (
	"slices"
	"testing"
)

func lastActivity(e *Env) Activity {
	acts := e.Activities()
	return acts[len(acts)-1]
}

func TestAddAndRemoveMembership(t *testing.T) {
	srv, _ := seeded(t)
	c := newClient(t, srv)
	id := userID(t, srv, DemoActiveUser)
	q := groupIDOf(t, srv.Env(), GroupQuarantine)
	path := "/users/" + id + "/memberOfGroups"

	var m membershipView
	must(t, c.do("POST", path, "application/json", `{"id":"`+q+`"}`), 201).decode(t, &m)
	if m.ID != q || m.Name != GroupQuarantine || m.Type != "DIRECT" {
		t.Errorf("created membership %+v", m)
	}
	if a := lastActivity(srv.Env()); a.Type != "MEMBER_OF_GROUP.CREATED" || !slices.ContainsFunc(a.Resources, func(r ActivityResource) bool { return r.ID == q }) {
		t.Errorf("activity %+v", a)
	}
	must(t, c.get(path+"/"+q+"?expand=group"), 200)

	// Already a member: PingOne's uniqueness refusal.
	e := must(t, c.do("POST", path, "application/json", `{"id":"`+q+`"}`), 400).p1Error(t)
	if e.Code != codeInvalidData || len(e.Details) != 1 || e.Details[0].Code != detailUniquenessViolation || e.Details[0].Target != "id" {
		t.Errorf("duplicate: %+v", e)
	}
	for _, tc := range []struct {
		ct, body string
		status   int
		detail   string
	}{
		{"application/json", `{}`, 400, detailRequiredValue},
		{"application/json", `{"id":"nope"}`, 400, detailInvalidValue},
		{"application/json", `{"id":`, 400, detailInvalidValue},
		{"text/plain", `{"id":"` + q + `"}`, 415, detailInvalidValue},
	} {
		e := must(t, c.do("POST", path, tc.ct, tc.body), tc.status).p1Error(t)
		if len(e.Details) == 0 || e.Details[0].Code != tc.detail {
			t.Errorf("%s %s: %+v", tc.ct, tc.body, e)
		}
	}
	must(t, c.do("POST", "/users/00000000-0000-4000-8000-000000000000/memberOfGroups", "application/json", `{"id":"`+q+`"}`), 404)

	// A population group refuses another population's user.
	off := groupIDOf(t, srv.Env(), GroupContractorOffboarding)
	e = must(t, c.do("POST", path, "application/json", `{"id":"`+off+`"}`), 400).p1Error(t)
	if e.Details[0].Code != detailConstraintViolation {
		t.Errorf("population group: %+v", e)
	}
	must(t, c.do("POST", "/users/"+userID(t, srv, DemoDisabledUser)+"/memberOfGroups", "application/json", `{"id":"`+off+`"}`), 201)

	must(t, c.do("DELETE", path+"/"+q, "", ""), 204)
	if slices.Contains(srv.Env().GroupNames(id), GroupQuarantine) {
		t.Error("still a member after DELETE")
	}
	if a := lastActivity(srv.Env()); a.Type != "MEMBER_OF_GROUP.DELETED" {
		t.Errorf("activity %+v", a)
	}
	must(t, c.do("DELETE", path+"/"+q, "", ""), 404).p1Error(t)
	must(t, c.get(path+"/"+q), 404)
	// INDIRECT memberships are read, not removed.
	all := groupIDOf(t, srv.Env(), "All Staff")
	must(t, c.get(path+"/"+all), 200)
	must(t, c.do("DELETE", path+"/"+all, "", ""), 404)
	must(t, c.do("PUT", path+"/"+all, "application/json", "{}"), 405)
}
