package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

const secret = "0123456789abcdef0123456789abcdef"

func TestEnvironmentAloneServes(t *testing.T) {
	c, err := Load("", env(map[string]string{"IDCMD_JWT_SECRET": secret, "OKTA_BASE_URL": "https://acme.okta.com", "OKTA_API_TOKEN": "t", "IDCMD_ADDR": "127.0.0.1:9999"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Addr != "127.0.0.1:9999" || c.Okta.BaseURL != "https://acme.okta.com" || c.Auth.Issuer != "idcmd" || c.Server.RequestTimeout != 30*time.Second {
		t.Errorf("config = %+v", c)
	}
}

func TestDefaultsListenOnLoopback(t *testing.T) {
	if Defaults().Server.Addr != "127.0.0.1:8080" {
		t.Fatal("default address is not loopback 8080")
	}
}

func TestLoadErrors(t *testing.T) {
	cases := map[string]struct {
		env  map[string]string
		file string
		want string
	}{
		"no secret":           {map[string]string{}, "", "IDCMD_JWT_SECRET"},
		"short secret":        {map[string]string{"IDCMD_JWT_SECRET": "short"}, "", "32 characters"},
		"okta no creds":       {map[string]string{"IDCMD_JWT_SECRET": secret, "OKTA_BASE_URL": "https://a.okta.com"}, "", "OKTA_API_TOKEN"},
		"unset variable":      {map[string]string{"IDCMD_JWT_SECRET": secret}, "okta:\n  api_token: ${OKTA_TOKEN_TYPO}\n", "OKTA_TOKEN_TYPO"},
		"unknown field":       {map[string]string{"IDCMD_JWT_SECRET": secret}, "okta:\n  base_ur: x\n", "base_ur"},
		"bad timeout env":     {map[string]string{"IDCMD_JWT_SECRET": secret, "IDCMD_REQUEST_TIMEOUT": "soon"}, "", "IDCMD_REQUEST_TIMEOUT"},
		"bad duration":        {map[string]string{"IDCMD_JWT_SECRET": secret}, "server:\n  request_timeout: forever\n", "forever"},
		"short cursor secret": {map[string]string{"IDCMD_JWT_SECRET": secret, "IDCMD_CURSOR_SECRET": "short"}, "", "IDCMD_CURSOR_SECRET"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			path := ""
			if tc.file != "" {
				path = filepath.Join(t.TempDir(), "c.yaml")
				if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Load(path, env(tc.env))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

// TestSeedConfigShape loads the SOP's configuration file as written, so the
// seeds' shape keeps working.
func TestSeedConfigShape(t *testing.T) {
	seed := `
okta:
  base_url: "${OKTA_BASE_URL}"
  api_token: "${OKTA_API_TOKEN}"
  webhook_secret: "${OKTA_WEBHOOK_SECRET:-}"
integrations:
  cortex_xdr:
    enabled: true
    api_key: "${XDR_API_KEY}"
    api_key_id: "${XDR_API_KEY_ID}"
    base_url: "${XDR_BASE_URL}"
    auto_create_incidents: true
    severity_threshold: "medium"
  xsoar:
    enabled: true
    base_url: "${XSOAR_URL}"
    api_key: "${XSOAR_API_KEY}"
    auto_create_incidents: true
    trigger_playbooks: true
event_routing:
  user.account.lock: [cortex_xdr, xsoar, prisma_cloud]
automated_responses:
  enabled: true
  actions:
    suspend_user:
      trigger_severity: "critical"
      require_approval: true
`
	path := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(path, []byte(seed), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"IDCMD_JWT_SECRET": secret, "OKTA_BASE_URL": "https://acme.okta.com", "OKTA_API_TOKEN": "tok\"en\nokta:", "XDR_API_KEY": "k", "XDR_API_KEY_ID": "7", "XDR_BASE_URL": "https://api-x.xdr.us.paloaltonetworks.com", "XSOAR_URL": "https://xsoar", "XSOAR_API_KEY": "x"}
	c, err := Load(path, env(vars))
	if err != nil {
		t.Fatal(err)
	}
	if c.Okta.APIToken != vars["OKTA_API_TOKEN"] {
		t.Errorf("a secret with a quote and newline was altered: %q", c.Okta.APIToken)
	}
	if !c.AutomatedResponses.Actions["suspend_user"].RequireApproval || c.Integrations.CortexXDR.APIKeyID != "7" || len(c.EventRouting["user.account.lock"]) != 3 {
		t.Errorf("config = %+v", c)
	}
}

// TestCursorSecret checks server.cursor_secret from IDCMD_CURSOR_SECRET and
// from the file.
func TestCursorSecret(t *testing.T) {
	fromEnv := strings.Repeat("e", 32)
	c, err := Load("", env(map[string]string{"IDCMD_JWT_SECRET": secret, "IDCMD_CURSOR_SECRET": fromEnv}))
	if err != nil || c.Server.CursorSecret != fromEnv {
		t.Fatalf("from the environment: %q, %v", c.Server.CursorSecret, err)
	}
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("server:\n  cursor_secret: ${CURSORS}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fromFile := strings.Repeat("f", 32)
	c, err = Load(path, env(map[string]string{"IDCMD_JWT_SECRET": secret, "CURSORS": fromFile}))
	if err != nil || c.Server.CursorSecret != fromFile {
		t.Fatalf("from the file: %q, %v", c.Server.CursorSecret, err)
	}
}

// TestPrivilegedSecretsKeys: the approval gate for one-time secrets reads
// its two keys from the file; unset, the gate is on with the SOPs' groups.
func TestPrivilegedSecretsKeys(t *testing.T) {
	c, err := Load("", env(map[string]string{"IDCMD_JWT_SECRET": secret}))
	if err != nil || c.Approvals.PrivilegedSecrets != nil || c.Approvals.PrivilegedGroups != nil {
		t.Fatalf("defaults: %+v, %v", c.Approvals, err)
	}
	path := filepath.Join(t.TempDir(), "c.yaml")
	yaml := "approvals:\n  privileged_secrets: true\n  privileged_groups: [\"Tier 0\", \"Domain Admins\"]\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = Load(path, env(map[string]string{"IDCMD_JWT_SECRET": secret}))
	if err != nil || c.Approvals.PrivilegedSecrets == nil || !*c.Approvals.PrivilegedSecrets || len(c.Approvals.PrivilegedGroups) != 2 {
		t.Fatalf("from the file: %+v, %v", c.Approvals, err)
	}
}

// TestPrismaCloudSection checks the prisma_cloud section: the environment
// configures it, credentials come together, and the SOPs' sync keys that
// name calls Prisma Cloud does not have are refused, not ignored.
func TestPrismaCloudSection(t *testing.T) {
	creds := map[string]string{"IDCMD_JWT_SECRET": secret, "PRISMA_API_URL": "https://api2.prismacloud.io", "PRISMA_ACCESS_KEY": "ak", "PRISMA_SECRET_KEY": "sk"}
	c, err := Load("", env(creds))
	if err != nil || !c.Integrations.PrismaCloud.Configured() {
		t.Fatalf("from the environment: configured %v, %v", c.Integrations.PrismaCloud.Configured(), err)
	}
	partial := map[string]string{"IDCMD_JWT_SECRET": secret, "PRISMA_API_URL": "https://api2.prismacloud.io"}
	if _, err := Load("", env(partial)); err == nil || !strings.Contains(err.Error(), "PRISMA_SECRET_KEY") {
		t.Errorf("a URL without keys: %v, want an error naming the missing variables", err)
	}
	write := func(body string) string {
		path := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	off, err := Load(write("integrations:\n  prisma_cloud:\n    enabled: false\n"), env(creds))
	if err != nil || off.Integrations.PrismaCloud.Configured() {
		t.Errorf("enabled: false: configured %v, %v", off.Integrations.PrismaCloud.Configured(), err)
	}
	// sync_events and sync_risk_events gate event_routing's prisma_cloud
	// routes (Prisma takes no events; the route reads the blast radius).
	for _, key := range []string{"sync_events", "sync_risk_events"} {
		c, err := Load(write("integrations:\n  prisma_cloud:\n    "+key+": true\n"), env(creds))
		if err != nil {
			t.Fatalf("%s: true: %v", key, err)
		}
		r, _ := c.RulesConfig()
		if got := map[string]bool{"sync_events": r.Prisma.AutoCreate, "sync_risk_events": r.Prisma.AutoCreateRisk}; !got[key] || len(got) != 2 {
			t.Errorf("%s: true: prisma gate %+v", key, r.Prisma)
		}
	}
	if _, err := Load(write("integrations:\n  prisma_cloud:\n    sync_users: true\n"), env(map[string]string{"IDCMD_JWT_SECRET": secret})); err == nil || !strings.Contains(err.Error(), "sync_users") {
		t.Errorf("sync_users without credentials: %v, want an error", err)
	}
	on, err := Load(write("integrations:\n  prisma_cloud:\n    sync_users: true\n"), env(creds))
	if err != nil || !on.Integrations.PrismaCloud.WatchesOktaPull(false) {
		t.Errorf("sync_users: true: watched %v, %v", on.Integrations.PrismaCloud.WatchesOktaPull(false), err)
	}
	unset := c.Integrations.PrismaCloud
	if !unset.WatchesOktaPull(true) || unset.WatchesOktaPull(false) {
		t.Error("sync_users unset: Prisma's pull of Okta must be watched exactly when Okta is configured")
	}
	offCfg, err := Load(write("integrations:\n  prisma_cloud:\n    sync_users: false\n"), env(creds))
	if err != nil || offCfg.Integrations.PrismaCloud.WatchesOktaPull(true) {
		t.Errorf("sync_users: false: watched %v, %v", offCfg.Integrations.PrismaCloud.WatchesOktaPull(true), err)
	}
}

func TestWorkflowsRespondRefusesUnknownActions(t *testing.T) {
	c := defaultWorkflows()
	if err := (Config{Workflows: c}).validateWorkflows(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	c.Respond.High = "delete_user"
	err := (Config{Workflows: c}).validateWorkflows()
	if err == nil || !strings.Contains(err.Error(), "workflows.respond.high") {
		t.Fatalf("err = %v, want it to name workflows.respond.high", err)
	}
}
