package tests

import (
	"net/http"
	"strings"
	"testing"

	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/providers/prisma/prismatest"
)

// TestPrismaGetIDPIntegration: GREEN in the sandbox; RED with a reason
// says Prisma's view of Okta is stale, and test reports the failure.
func TestPrismaGetIDPIntegration(t *testing.T) {
	e := newEnv(t, envOptions{prisma: true})
	r := e.run("prisma-get-idp-integration", `{}`)
	mustStatus(t, r, 200)
	o := outputs(t, r)
	if o["Status"] != "GREEN" || o["Healthy"] != true || o["Domain"] != prismatest.SandboxOktaDomain || o["LastModified"] == nil {
		t.Errorf("sandbox integration: %v", o)
	}
	if strings.Contains(string(r.body), "stale") || strings.Contains(string(r.body), "apiToken") {
		t.Errorf("a GREEN integration reads as stale, or the answer holds the token field: %s", r.body)
	}

	e.prisma.BreakIntegration(prismatest.SandboxOktaIntegration, "Okta API token revoked")
	r = e.run("prisma-get-idp-integration", `{"test":true}`)
	mustStatus(t, r, 200)
	o = outputs(t, r)
	if o["Status"] != "RED" || o["Healthy"] != false || !strings.Contains(o["Reason"].(string), "Okta API token revoked") ||
		o["ReasonUpdated"] == nil || o["TestPassed"] != false {
		t.Errorf("broken integration: %v", o)
	}
	readable := r.json(t)["readable_output"].(string)
	if !strings.Contains(readable, "Prisma's view of Okta is stale/broken because") || !strings.Contains(readable, "Okta API token revoked") {
		t.Errorf("readable output: %s", readable)
	}
}

// TestPrismaIDPIntegrationChoice: several integrations need a name; no
// integration is a 404 that says what to set up.
func TestPrismaIDPIntegrationChoice(t *testing.T) {
	e := newEnv(t, envOptions{prisma: true})
	e.prisma.AddIntegration("Okta (subsidiary)", "okta_idp", "subsidiary.okta.com")
	r := e.run("prisma-get-idp-integration", `{}`)
	mustStatus(t, r, 400)
	if !problemAt(t, r, "body.name") || !strings.Contains(string(r.body), "Okta (subsidiary)") || !strings.Contains(string(r.body), prismatest.SandboxOktaIntegration) {
		t.Errorf("ambiguous: %s", r.body)
	}
	r = e.run("prisma-get-idp-integration", `{"name":"okta (subsidiary)"}`)
	mustStatus(t, r, 200)
	if outputs(t, r)["Domain"] != "subsidiary.okta.com" {
		t.Errorf("named: %s", r.body)
	}
	r = e.run("prisma-get-idp-integration", `{"name":"nope"}`)
	mustStatus(t, r, 404)
	if !problemAt(t, r, "body.name") {
		t.Errorf("unknown name: %s", r.body)
	}
	e.prisma.RemoveIntegrations("okta_idp")
	r = e.run("prisma-get-idp-integration", `{}`)
	mustStatus(t, r, 404)
	if !strings.Contains(string(r.body), "IAM Security") || !strings.Contains(string(r.body), "Add Integration") {
		t.Errorf("no integration: %s", r.body)
	}
	mustStatus(t, e.run("prisma-get-idp-integration", `{"name":"`+strings.Repeat("x", 300)+`"}`), 400)
}

// TestPrismaReadyzAdvisory: with Okta and Prisma configured, /readyz shows
// the okta_idp integration; a RED one is degraded, never unready.
func TestPrismaReadyzAdvisory(t *testing.T) {
	e := newEnv(t, envOptions{prisma: true})
	reader := token(t, "commands:read")
	r := e.do(http.MethodGet, "/readyz", "", reader, nil)
	mustStatus(t, r, 200)
	if c := r.json(t)["checks"].(map[string]any); c["prisma_okta_idp"] != "ok" || r.json(t)["degraded"] != nil {
		t.Errorf("healthy readyz: %s", r.body)
	}

	e.prisma.BreakIntegration(prismatest.SandboxOktaIntegration, "Okta API token revoked")
	r = e.do(http.MethodGet, "/readyz", "", reader, nil)
	mustStatus(t, r, 200)
	body := r.json(t)
	why, _ := body["checks"].(map[string]any)["prisma_okta_idp"].(string)
	if body["status"] != "ok" || !strings.Contains(why, "stale/broken because") || !strings.Contains(why, "Okta API token revoked") ||
		len(asList(body["degraded"])) != 1 || asList(body["degraded"])[0] != "prisma_okta_idp" {
		t.Errorf("degraded readyz: %s", r.body)
	}
	anonymous := e.do(http.MethodGet, "/readyz", "", "", nil)
	mustStatus(t, anonymous, 200)
	if c := anonymous.json(t)["checks"].(map[string]any); c["prisma_okta_idp"] != "degraded" || strings.Contains(string(anonymous.body), "revoked") {
		t.Errorf("anonymous degraded readyz: %s", anonymous.body)
	}

	// sync_users: false turns the check off.
	off := false
	plain := newEnv(t, envOptions{prisma: true, configure: func(c *config.Config) { c.Integrations.PrismaCloud.SyncUsers = &off }})
	if c := plain.do(http.MethodGet, "/readyz", "", reader, nil).json(t)["checks"].(map[string]any); c["prisma_okta_idp"] != nil {
		t.Errorf("check without sync_users: %v", c)
	}
}

// TestPrismaDownDegradesOnly: Prisma Cloud unreachable degrades idcmd; the
// Okta commands stay in the load balancer.
func TestPrismaDownDegradesOnly(t *testing.T) {
	e := newEnv(t, envOptions{prisma: true})
	e.prisma.Close()
	r := e.do(http.MethodGet, "/readyz", "", token(t, "commands:read"), nil)
	mustStatus(t, r, 200)
	body := r.json(t)
	if d := asList(body["degraded"]); body["status"] != "ok" || body["checks"].(map[string]any)["okta"] != "ok" ||
		len(d) != 2 || d[0] != "prisma" || d[1] != "prisma_okta_idp" {
		t.Errorf("readyz with Prisma down: %s", r.body)
	}
}
