package oktatest

import (
	"net/url"
	"strings"
	"testing"
)

func TestSpecConformanceGroups(t *testing.T) {
	srv, _ := seeded(t)
	auth := "SSWS " + srv.Token
	org := srv.Org()
	jdoe := userIDOf(t, srv, DemoActiveUser)
	quarantine, _ := org.GroupID(GroupQuarantine)
	eng, _ := org.GroupID("Engineering")
	domainAdmins, _ := org.GroupID(GroupDomainAdmins)

	for _, q := range []string{"", "?limit=3", "?q=Su", "?search=" + url.QueryEscape(`profile.name eq "Quarantine"`),
		"?filter=" + url.QueryEscape(`type eq "APP_GROUP"`)} {
		conform(t, srv, "GET", "/api/v1/groups"+q, auth, 200)
	}
	conform(t, srv, "GET", "/api/v1/groups/"+domainAdmins, auth, 200)
	conform(t, srv, "GET", "/api/v1/groups/00gnope", auth, 404)
	r := conform(t, srv, "GET", "/api/v1/groups/"+eng+"/users?limit=2", auth, 200)
	next := r.links()["next"]
	if next == "" {
		t.Fatal("no next link")
	}
	conform(t, srv, "GET", strings.TrimPrefix(next, srv.URL), auth, 200)
	conform(t, srv, "GET", "/api/v1/groups/00gnope/users", auth, 404)

	conform(t, srv, "PUT", "/api/v1/groups/"+quarantine+"/users/"+jdoe, auth, 204)
	conform(t, srv, "PUT", "/api/v1/groups/"+quarantine+"/users/"+jdoe, auth, 204)
	conform(t, srv, "DELETE", "/api/v1/groups/"+quarantine+"/users/"+jdoe, auth, 204)
	conform(t, srv, "PUT", "/api/v1/groups/"+domainAdmins+"/users/"+jdoe, auth, 403)
	conform(t, srv, "DELETE", "/api/v1/groups/"+quarantine+"/users/00unope", auth, 404)

	srv.InjectRateLimit(1)
	conform(t, srv, "GET", "/api/v1/groups/"+eng+"/users", auth, 429)
}

func TestSpecConformanceFactors(t *testing.T) {
	srv, clk := seeded(t)
	auth := "SSWS " + srv.Token
	for _, login := range []string{DemoAdminUser, DemoPushRejectUser, DemoPushSilentUser} {
		id, factor, poll := verifyPush(t, srv, login)
		path := strings.TrimPrefix(poll, srv.URL)
		conform(t, srv, "GET", path, auth, 200) // WAITING
		clk.Advance(SeedPushDelay)
		conform(t, srv, "GET", path, auth, 200) // SUCCESS, REJECTED or still WAITING
		clk.Advance(DefaultPushExpiry)
		conform(t, srv, "GET", path, auth, 200)
		conform(t, srv, "POST", "/api/v1/users/"+id+"/factors/"+factor+"/verify", auth, 201)
		conform(t, srv, "GET", "/api/v1/users/"+id+"/factors/"+factor+"/transactions/v2mst.nope", auth, 404)
		conform(t, srv, "POST", "/api/v1/users/"+id+"/factors/opfnope/verify", auth, 404)
		conform(t, srv, "GET", "/api/v1/users/"+id+"/factors/"+factor, auth, 200)
		conform(t, srv, "DELETE", "/api/v1/users/"+id+"/factors/"+factor, auth, 204)
		conform(t, srv, "DELETE", "/api/v1/users/"+id+"/factors/"+factor, auth, 404)
	}
	gone := userIDOf(t, srv, DemoDeprovisionedUser)
	var fs []struct{ ID string }
	api(t, srv, "GET", "/api/v1/users/"+gone+"/factors").decode(t, &fs)
	conform(t, srv, "DELETE", "/api/v1/users/"+gone+"/factors/"+fs[0].ID, auth, 403)
}

func TestSpecConformanceActivation(t *testing.T) {
	srv, _ := seeded(t)
	auth := "SSWS " + srv.Token
	id := func(login string) string { return userIDOf(t, srv, login) }
	post := func(path string, status int) { conform(t, srv, "POST", path, auth, status) }
	post("/api/v1/users/"+id(DemoStagedUser)+"/lifecycle/activate?sendEmail=true", 200)
	post("/api/v1/users/"+id(DemoActiveUser)+"/lifecycle/activate?sendEmail=false", 403)
	post("/api/v1/users/"+id(DemoDeprovisionedUser)+"/lifecycle/activate?sendEmail=false", 200)
	post("/api/v1/users/"+id(DemoRecoveryUser)+"/lifecycle/reactivate?sendEmail=false", 200)
	post("/api/v1/users/"+id(DemoActiveUser)+"/lifecycle/reactivate?sendEmail=false", 403)
	post("/api/v1/users/"+id(DemoActiveUser)+"/lifecycle/expire_password_with_temp_password?revokeSessions=true", 200)
	post("/api/v1/users/"+id(DemoSuspendedUser)+"/lifecycle/expire_password_with_temp_password", 403)
}
