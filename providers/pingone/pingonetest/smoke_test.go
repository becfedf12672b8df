package pingonetest

import (
	"fmt"
	"testing"
)

func TestSmoke(t *testing.T) {
	srv, _ := seeded(t)
	e := srv.Env()
	fmt.Println("users", e.UserCount(), "activities", e.ActivityCount())
	lv := map[string]int{}
	for _, r := range e.RiskEvaluations("") {
		lv[r.Level]++
	}
	fmt.Println("risk", lv)
	for _, u := range []string{DemoActiveUser, DemoAdminUser, DemoLockedUser, DemoPasswordLockedUser, DemoDisabledUser, DemoMustChangePasswordUser, DemoRiskyUser, DemoNoPasswordUser, DemoHelpDeskUser, DemoEscalatedUser} {
		st, _ := e.User(u)
		fmt.Printf("%-22s %+v groups=%v roles=%v\n", u, st, e.GroupNames(u), e.RoleNames(u))
		for _, r := range e.RiskEvaluations(u) {
			fmt.Println("   ", r.Level, r.Score, r.IP, r.CreatedAt)
		}
	}
	c := newClient(t, srv)
	r := c.get("/users/" + userID(t, srv, DemoActiveUser) + "?include=memberOfGroupNames")
	fmt.Println(r.status, string(r.body))
	r = c.get("/users/" + userID(t, srv, DemoActiveUser) + "/sessions")
	fmt.Println(r.status, string(r.body)[:1500])
}
