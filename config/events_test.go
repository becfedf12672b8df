package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func loadYAML(t *testing.T, vars map[string]string, yaml string) (Config, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return Load(path, env(vars))
}

var withProviders = map[string]string{
	"IDCMD_JWT_SECRET": secret, "OKTA_BASE_URL": "https://acme.okta.com", "OKTA_API_TOKEN": "t",
	"PINGONE_ENVIRONMENT_ID": "env", "PINGONE_CLIENT_ID": "c", "PINGONE_CLIENT_SECRET": "s",
}

func TestEventsDefaults(t *testing.T) {
	c, err := Load("", env(withProviders))
	if err != nil {
		t.Fatal(err)
	}
	e := c.Events
	if e.Retention != 30*24*time.Hour || e.OktaPoll.Enabled || e.PingOnePoll.Enabled {
		t.Fatalf("events defaults %+v", e)
	}
	if e.OktaPoll.Interval != 15*time.Minute || e.PingOnePoll.FirstFetch != 15*time.Minute || e.PingOnePoll.Overlap != 2*time.Minute || e.OktaPoll.Lease != time.Minute {
		t.Fatalf("poll defaults %+v", e)
	}
	if c.Okta.WebhookHeader != "Authorization" || c.PingOne.WebhookHeader != "Authorization" {
		t.Fatalf("webhook headers %q %q", c.Okta.WebhookHeader, c.PingOne.WebhookHeader)
	}
}

func TestEventsKeys(t *testing.T) {
	c, err := loadYAML(t, withProviders, `
okta:
  webhook_secret: "0123456789abcdef-okta"
  webhook_header: X-Okta-Hook
pingone:
  webhook_secret: "0123456789abcdef-ping"
events:
  retention: 72h
  okta_poll:
    enabled: true
    interval: 5m
    first_fetch: 24h
    event_types: [user.session.start, user.account.lock]
    lease: 30s
  pingone_poll:
    enabled: true
    interval: 1m
    first_fetch: 48h
    overlap: 5m
    event_types: [USER_LOCKED, OTP.CHECK_FAILED]
`)
	if err != nil {
		t.Fatal(err)
	}
	if c.Okta.WebhookHeader != "X-Okta-Hook" || c.PingOne.WebhookSecret != "0123456789abcdef-ping" || c.Events.Retention != 72*time.Hour {
		t.Fatalf("config %+v", c)
	}
	if p := c.Events.OktaPoll; !p.Enabled || p.Interval != 5*time.Minute || p.FirstFetch != 24*time.Hour || len(p.EventTypes) != 2 || p.Lease != 30*time.Second {
		t.Fatalf("okta_poll %+v", p)
	}
	if p := c.Events.PingOnePoll; p.Overlap != 5*time.Minute || p.EventTypes[0] != "USER_LOCKED" {
		t.Fatalf("pingone_poll %+v", p)
	}
}

func TestEventsRefused(t *testing.T) {
	only := map[string]string{"IDCMD_JWT_SECRET": secret}
	cases := map[string]struct {
		vars map[string]string
		yaml string
		want string
	}{
		"poll without okta":    {only, "events:\n  okta_poll:\n    enabled: true\n", "events.okta_poll.enabled: needs okta"},
		"poll without pingone": {only, "events:\n  pingone_poll:\n    enabled: true\n", "events.pingone_poll.enabled: needs pingone"},
		"okta overlap":         {withProviders, "events:\n  okta_poll:\n    overlap: 1m\n", "overlap is for pingone_poll"},
		"short interval":       {withProviders, "events:\n  okta_poll:\n    enabled: true\n    interval: 1s\n", "interval must be at least"},
		"okta first fetch":     {withProviders, "events:\n  okta_poll:\n    enabled: true\n    first_fetch: 4400h\n", "first_fetch must be between"},
		"pingone first fetch":  {withProviders, "events:\n  pingone_poll:\n    enabled: true\n    first_fetch: 400h\n", "first_fetch must be between"},
		"short lease":          {withProviders, "events:\n  pingone_poll:\n    enabled: true\n    lease: 1s\n", "lease must be at least"},
		"bad okta type":        {withProviders, "events:\n  okta_poll:\n    enabled: true\n    event_types: ['x\" or 1']\n", "is not an event type"},
		"bad pingone type":     {withProviders, "events:\n  pingone_poll:\n    enabled: true\n    event_types: ['USER LOCKED']\n", "is not an event type"},
		"negative retention":   {withProviders, "events:\n  retention: -1h\n", "events.retention must not be negative"},
		"short okta secret":    {withProviders, "okta:\n  webhook_secret: short\n", "okta.webhook_secret must be at least 16"},
		"short pingone secret": {withProviders, "pingone:\n  webhook_secret: short\n", "pingone.webhook_secret must be at least 16"},
		"bad header":           {withProviders, "okta:\n  webhook_secret: 0123456789abcdef0\n  webhook_header: 'X Bad'\n", "okta.webhook_header"},
		"unknown key":          {withProviders, "events:\n  okta_poll:\n    intervall: 5m\n", "intervall"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := loadYAML(t, tc.vars, tc.yaml)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}
