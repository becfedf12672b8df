package roster

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/pingone"
	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
	"github.com/idcmd/idcmd/rules"
)

var clock = time.Date(2026, 1, 13, 15, 0, 0, 0, time.UTC)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func oktaClient(t *testing.T) (*oktatest.Server, *okta.Client) {
	t.Helper()
	fake := oktatest.NewServer(oktatest.Options{Seed: true, Now: func() time.Time { return clock }})
	t.Cleanup(fake.Close)
	c, err := okta.New(okta.Config{BaseURL: fake.URL, APIToken: fake.Token, MaxRetries: 0})
	if err != nil {
		t.Fatal(err)
	}
	return fake, c
}

func pingOneClient(t *testing.T) (*pingonetest.Server, *pingone.Client) {
	t.Helper()
	fake := pingonetest.NewServer(pingonetest.Options{Seed: true, Now: func() time.Time { return clock }})
	t.Cleanup(fake.Close)
	c, err := pingone.New(pingone.Config{EnvironmentID: fake.EnvironmentID, ClientID: fake.ClientID, ClientSecret: fake.ClientSecret,
		APIURL: fake.URL, AuthURL: fake.AuthURL, Region: "com"})
	if err != nil {
		t.Fatal(err)
	}
	return fake, c
}

func TestOktaRoster(t *testing.T) {
	fake, c := oktaClient(t)
	cfg := rules.Privileged{Enabled: true, Groups: []string{oktatest.GroupSuperAdmins}, AdminRoles: true}
	r := New(cfg, 0, c, nil, quiet())
	if _, known := r.Privileged(events.Okta, "", oktatest.DemoAdminUser); known {
		t.Fatal("known before the first read")
	}
	if err := r.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	admin, _ := fake.Org().UserID(oktatest.DemoAdminUser)
	why, known := r.Privileged(events.Okta, admin, "")
	if !known || !strings.Contains(why, "holds SUPER_ADMIN") {
		t.Errorf("admin: %q %v, want holds SUPER_ADMIN (its own role, listed by /iam/assignees/users)", why, known)
	}
	why, known = r.Privileged(events.Okta, "", oktatest.DemoActiveUser)
	if !known || why != "" {
		t.Errorf("an ordinary user: %q %v", why, known)
	}
	// A member of a privileged group, by login and by ID.
	if !fake.Org().IsMember(oktatest.DemoAdminUser, oktatest.GroupSuperAdmins) {
		t.Fatalf("the seed's admin is not in %s: %v", oktatest.GroupSuperAdmins, fake.Org().GroupNames(oktatest.DemoAdminUser))
	}
	for _, key := range [][2]string{{admin, ""}, {"", strings.ToUpper(oktatest.DemoAdminUser)}} {
		if why, _ := r.Privileged(events.Okta, key[0], key[1]); !strings.Contains(why, "member of Super Admins") {
			t.Errorf("%v: %q, want member of Super Admins", key, why)
		}
	}
	// PingOne is not configured: unknown.
	if _, known := r.Privileged(events.PingOne, "x", "y"); known {
		t.Error("pingone known without a client")
	}
}

func TestOktaAssigneesPaging(t *testing.T) {
	fake, c := oktaClient(t)
	for _, login := range []string{oktatest.DemoActiveUser, oktatest.DemoLockedUser, oktatest.DemoSuspendedUser} {
		fake.Org().AssignRole(login, oktatest.RoleHelpDeskAdmin)
	}
	got, err := c.ListRoleAssignees(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("%d assignees, want the admin and the three help-desk admins: %+v", len(got), got)
	}
	// The fake pages with _links.next in the body; limit=1 takes four pages.
	req, _ := http.NewRequest(http.MethodGet, fake.URL+"/api/v1/iam/assignees/users?limit=1", nil)
	req.Header.Set("Authorization", "SSWS "+fake.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"next"`) || !strings.Contains(string(b), `"orn":"orn:okta:`) {
		t.Errorf("limit=1: %d %s", resp.StatusCode, b)
	}
}

func TestFailedRefreshKeepsTheLastRoster(t *testing.T) {
	fake, c := oktaClient(t)
	r := New(rules.Privileged{AdminRoles: true}, 0, c, nil, quiet())
	if err := r.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	admin, _ := fake.Org().UserID(oktatest.DemoAdminUser)
	fake.Close() // the provider is gone
	if err := r.Refresh(context.Background()); err == nil {
		t.Fatal("refresh against a closed server succeeded")
	}
	if why, known := r.Privileged(events.Okta, admin, ""); !known || why == "" {
		t.Errorf("after a failed refresh: %q %v, want the last roster", why, known)
	}
	// Never read successfully: stays unknown.
	r2 := New(rules.Privileged{AdminRoles: true}, 0, c, nil, quiet())
	_ = r2.Refresh(context.Background())
	if _, known := r2.Privileged(events.Okta, admin, ""); known {
		t.Error("known without a successful read")
	}
}

func TestPingOneRoster(t *testing.T) {
	_, c := pingOneClient(t)
	r := New(rules.Privileged{Groups: []string{pingonetest.GroupPingOneAdmins, "No Such Group"}}, 0, nil, c, quiet())
	if err := r.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	why, known := r.Privileged(events.PingOne, "", pingonetest.DemoAdminUser)
	if !known || why != "member of "+pingonetest.GroupPingOneAdmins {
		t.Errorf("admin: %q %v", why, known)
	}
	if why, known := r.Privileged(events.PingOne, "", pingonetest.DemoActiveUser); !known || why != "" {
		t.Errorf("an ordinary user: %q %v", why, known)
	}
}

func TestRunReadsAtOnceAndStops(t *testing.T) {
	_, c := oktaClient(t)
	r := New(rules.Privileged{AdminRoles: true}, time.Hour, c, nil, quiet())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	for i := 0; ; i++ {
		if _, known := r.Privileged(events.Okta, "x", ""); known {
			break
		}
		if i > 5000 {
			t.Fatal("Run never read the roster")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
}
