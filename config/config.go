// Package config loads idcmd's configuration: environment variables alone
// are enough to serve, and an optional YAML file (the seeds' shape, with
// ${ENV} expansion and strict fields) adds the rest.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/idcmd/idcmd/auth"
	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/risk"
	"github.com/idcmd/idcmd/rules"
	"go.yaml.in/yaml/v3"
)

// Config is the whole configuration.
type Config struct {
	Server       Server       `yaml:"server"`
	Auth         Auth         `yaml:"auth"`
	Store        Store        `yaml:"store"`
	WriteBack    WriteBack    `yaml:"writeback"`
	Audit        Audit        `yaml:"audit"`
	Approvals    Approvals    `yaml:"approvals"`
	Okta         Okta         `yaml:"okta"`
	PingOne      PingOne      `yaml:"pingone"`
	Integrations Integrations `yaml:"integrations"`
	Events       Events       `yaml:"events"`
	// EventRouting is the SOPs' event_routing: event type → destinations
	// (config/rules.go).
	EventRouting       map[string][]rules.RouteRule `yaml:"event_routing"`
	AutomatedResponses AutomatedResponses           `yaml:"automated_responses"`
	// Rules are idcmd's own event rules: severity, detectors, grouping
	// (config/rules.go).
	Rules rules.Config `yaml:"rules"`
	// Risk is the risk model of the workflows (config/risk.go).
	Risk risk.Model `yaml:"risk"`
	// Workflows configures the workflow commands (config/workflows.go).
	Workflows Workflows `yaml:"workflows"`
}

// Server holds listener and request settings.
type Server struct {
	// Addr to listen on; loopback unless told otherwise.
	Addr string `yaml:"addr"`
	// RequestTimeout is the deadline of one API call, provider waits
	// included; the request body must have arrived by then too.
	RequestTimeout time.Duration `yaml:"request_timeout"`
	// ReadHeaderTimeout bounds how long a client may take to send the
	// request line and headers.
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	// IdleTimeout is how long a kept-alive connection may wait for its next request.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// ShutdownTimeout bounds the whole graceful shutdown on SIGTERM: calls
	// in flight finish first, then write-back deliveries in flight, with
	// what is left; a delivery still running at the end is cut off and
	// queued again, uncounted. Keep it below the orchestrator's kill
	// timeout (Kubernetes: terminationGracePeriodSeconds, 30 s).
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// CORSOrigins enables CORS for these origins; empty means CORS is off.
	CORSOrigins []string `yaml:"cors_origins"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
	// CursorSecret signs the cursors paged commands hand out (32+
	// characters; IDCMD_CURSOR_SECRET). Default: derived from
	// auth.jwt_secret; with neither, a key random per process.
	CursorSecret string `yaml:"cursor_secret"`
}

// Store is where the audit log, idempotency keys and approvals live.
type Store struct {
	// URL is a postgres:// URL for replicas sharing one database; empty
	// means embedded SQLite in DataDir.
	URL string `yaml:"url"`
	// DataDir holds the SQLite file; created on first start.
	DataDir string `yaml:"data_dir"`
	// IdempotencyTTL is how long an Idempotency-Key is remembered.
	IdempotencyTTL time.Duration `yaml:"idempotency_ttl"`
	// SyncReadAudit makes read-only calls wait for their audit record to be
	// on disk before answering, as state-changing calls always do.
	SyncReadAudit bool `yaml:"sync_read_audit"`
}

// WriteBack tunes the delivery of incident entries.
type WriteBack struct {
	// BaseBackoff is the first retry delay; it doubles per attempt up to MaxBackoff.
	BaseBackoff time.Duration `yaml:"base_backoff"`
	MaxBackoff  time.Duration `yaml:"max_backoff"`
	// MaxAttempts before a write-back is marked failed.
	MaxAttempts int `yaml:"max_attempts"`
	// Lease is how long a replica owns a write-back it is delivering; a
	// replica that dies mid-delivery releases it when the lease runs out.
	Lease time.Duration `yaml:"lease"`
	// Retention is how long a delivered or failed write-back is kept after
	// its outcome (default 720h, 30 days), for GET /api/v1/writebacks;
	// housekeeping then deletes it. Queued and delivering ones are never
	// deleted. 0 keeps finished write-backs forever.
	Retention time.Duration `yaml:"retention"`
}

// Audit is the audit log's retention policy. By default the log is kept
// forever; pruning is explicit, and never without an export.
type Audit struct {
	// Retention, when positive, makes housekeeping prune (hourly) the
	// records older than it, after exporting them to ExportDir. 0 (the
	// default) keeps every record.
	Retention time.Duration `yaml:"retention"`
	// ExportDir receives the export files (JSON lines) of pruned records;
	// required with Retention, and checked writable at start.
	ExportDir string `yaml:"export_dir"`
}

// Approvals is the policy for commands that need a second person. The
// most specific setting wins: commands, then providers, then destructive.
type Approvals struct {
	// TTL is how long a request may wait for a decision.
	TTL time.Duration `yaml:"ttl"`
	// Destructive requires approval for every destructive command (default true).
	Destructive *bool `yaml:"destructive"`
	// Commands maps a command name to whether it needs approval.
	Commands map[string]bool `yaml:"commands"`
	// Providers maps okta / pingone / prisma to whether their state-changing commands need approval.
	Providers map[string]bool `yaml:"providers"`
	// PrivilegedSecrets holds a call that would return a one-time secret
	// (a reset link, a temporary password) for a user with an admin role or
	// in a privileged group for a second person (default true).
	PrivilegedSecrets *bool `yaml:"privileged_secrets"`
	// PrivilegedGrants holds a call that would add a user to one of the
	// privileged groups for a second person (default true).
	PrivilegedGrants *bool `yaml:"privileged_grants"`
	// PrivilegedGroups are the group names that make a user privileged
	// (compared without case); default the SOPs' Administrators, Security
	// Team and IT Admins. Any admin role makes a user privileged too.
	PrivilegedGroups []string `yaml:"privileged_groups"`
}

// Auth configures bearer-token checking.
type Auth struct {
	// JWTSecret is the HS256 secret (IDCMD_JWT_SECRET).
	JWTSecret string `yaml:"jwt_secret"`
	// JWKSURL is the company IdP's key set for RS256/ES256 tokens.
	JWKSURL string `yaml:"jwks_url"`
	// Issuer and Audience every token must carry.
	Issuer   string `yaml:"issuer"`
	Audience string `yaml:"audience"`
	// Algorithms accepted; default HS256 with a secret, RS256 and ES256 with a JWKS URL.
	Algorithms []string `yaml:"algorithms"`
}

// Okta configures the Okta provider (the seeds' okta section).
type Okta struct {
	BaseURL  string `yaml:"base_url"`
	APIToken string `yaml:"api_token"`
	// OAuth 2.0 service app with private_key_jwt, instead of an API token.
	ClientID       string   `yaml:"client_id"`
	PrivateKey     string   `yaml:"private_key"`      // PEM
	PrivateKeyFile string   `yaml:"private_key_file"` // or a path to it
	KeyID          string   `yaml:"key_id"`
	Scopes         []string `yaml:"scopes"`
	DPoP           bool     `yaml:"dpop"`
	// RequestsPerSecond caps idcmd's calls to this org (0: no cap).
	RequestsPerSecond float64 `yaml:"requests_per_second"`
	// WebhookSecret is the shared secret Okta event hooks send to POST
	// /okta/webhook in WebhookHeader (OKTA_WEBHOOK_SECRET). Without it the
	// hook endpoint is off (404): an unauthenticated intake would let anyone
	// forge identity events.
	WebhookSecret string `yaml:"webhook_secret"`
	// WebhookHeader is the header the hook carries the secret in (its
	// channel.config.authScheme.key); default Authorization, the SOP's.
	WebhookHeader string `yaml:"webhook_header"`
	// BlocklistZone is the network zone (ID or name) okta-block-ip and
	// okta-unblock-ip edit when the call names none (OKTA_BLOCKLIST_ZONE):
	// an IP zone with usage BLOCKLIST. Default BlockedIpZone, the system
	// blocklist zone every Okta org has.
	BlocklistZone string `yaml:"blocklist_zone"`
}

// Configured reports whether the Okta section names an org.
func (o Okta) Configured() bool { return o.BaseURL != "" }

// PingOne configures the PingOne provider (the seeds' pingone section).
type PingOne struct {
	EnvironmentID string `yaml:"environment_id"`
	ClientID      string `yaml:"client_id"`
	ClientSecret  string `yaml:"client_secret"`
	// Region is com (NA; the SOP's "us"), ca, eu, com.au, sg or asia.
	Region string `yaml:"region"`
	// APIURL and AuthURL replace the region's hosts (tests, the sandbox).
	APIURL  string `yaml:"api_url"`
	AuthURL string `yaml:"auth_url"`
	// ClientAuth is how the worker app authenticates: basic (default) or post.
	ClientAuth        string  `yaml:"client_auth"`
	RequestsPerSecond float64 `yaml:"requests_per_second"`
	// WebhookSecret is the static header value a PingOne webhook
	// subscription sends to POST /pingone/webhook in WebhookHeader
	// (PINGONE_WEBHOOK_SECRET); PingOne signs nothing. Without it the
	// endpoint is off (404).
	WebhookSecret string `yaml:"webhook_secret"`
	// WebhookHeader is the subscription's httpEndpoint.headers key that
	// carries the secret; default Authorization.
	WebhookHeader string `yaml:"webhook_header"`
}

// Configured reports whether the PingOne section names an environment.
func (p PingOne) Configured() bool { return p.EnvironmentID != "" }

// Integrations are the outside systems events and write-backs go to.
type Integrations struct {
	CortexXDR   CortexXDR   `yaml:"cortex_xdr"`
	XSOAR       XSOAR       `yaml:"xsoar"`
	PrismaCloud PrismaCloud `yaml:"prisma_cloud"`
}

// CortexXDR is the seeds' integrations.cortex_xdr section.
type CortexXDR struct {
	// Enabled: false turns the integration off; unset means on when configured.
	Enabled  *bool  `yaml:"enabled"`
	APIKey   string `yaml:"api_key"`
	APIKeyID string `yaml:"api_key_id"`
	BaseURL  string `yaml:"base_url"`
	// Advanced marks an advanced API key (nonce, timestamp and hash per request).
	Advanced bool `yaml:"advanced"`
	// AutoCreateIncidents: event_routing's cortex_xdr routes are taken
	// (as alerts: XDR groups them into incidents itself).
	AutoCreateIncidents bool `yaml:"auto_create_incidents"`
	// SeverityThreshold is the least severity an event needs to reach
	// XDR (default low).
	SeverityThreshold string `yaml:"severity_threshold"`
}

// XSOAR is the seeds' integrations.xsoar section.
type XSOAR struct {
	// Enabled: false turns the integration off; unset means on when configured.
	Enabled *bool  `yaml:"enabled"`
	BaseURL string `yaml:"base_url"`
	APIKey  string `yaml:"api_key"`
	// APIKeyID is XSOAR 8 / XSIAM's key id (x-xdr-auth-id); it selects XSOAR 8 authentication.
	APIKeyID string `yaml:"api_key_id"`
	// Advanced marks an advanced API key.
	Advanced bool `yaml:"advanced"`
	// PathPrefix overrides the XSOAR 8 API path prefix (default /xsoar).
	PathPrefix *string `yaml:"path_prefix"`
	// NoteEntries marks war-room entries as notes.
	NoteEntries bool `yaml:"note_entries"`
	// AutoCreateIncidents: event_routing's xsoar routes are taken.
	AutoCreateIncidents bool `yaml:"auto_create_incidents"`
	// SeverityThreshold is the least severity an event needs to become an
	// XSOAR incident (default low).
	SeverityThreshold string `yaml:"severity_threshold"`
	// TriggerPlaybooks runs the SOPs' playbook per event type on the
	// incidents idcmd creates (playbookId), not the incident type's.
	TriggerPlaybooks bool `yaml:"trigger_playbooks"`
	// Playbooks overrides the SOPs' playbook per event type (the
	// provider's type or the SOP's name → playbook id).
	Playbooks map[string]string `yaml:"playbooks"`
	// IncidentTypes overrides the SOPs' incident type per event type.
	IncidentTypes map[string]string `yaml:"incident_types"`
}

// Configured reports whether XSOAR write-back (and later incident creation) is on.
func (x XSOAR) Configured() bool {
	return x.BaseURL != "" && x.APIKey != "" && (x.Enabled == nil || *x.Enabled)
}

// Configured reports whether XDR write-back (and later alerts) is on.
func (x CortexXDR) Configured() bool {
	return x.BaseURL != "" && x.APIKey != "" && x.APIKeyID != "" && (x.Enabled == nil || *x.Enabled)
}

// PrismaCloud is the seeds' integrations.prisma_cloud section.
type PrismaCloud struct {
	// Enabled: false turns the integration off; unset means on when configured.
	Enabled *bool `yaml:"enabled"`
	// APIURL is the tenant's API stack, https://api<n>.prismacloud.io.
	APIURL    string `yaml:"api_url"`
	AccessKey string `yaml:"access_key"`
	SecretKey string `yaml:"secret_key"`
	// SyncUsers: Prisma Cloud has no API that accepts users (the SOP's
	// POST /v2/identity); it pulls Okta itself through its okta_idp
	// integration. idcmd watches that pull: /readyz runs the advisory
	// check prisma_okta_idp (GET /integration?type=okta_idp), which shows
	// ok or why Prisma's view of Okta is stale (RED, YELLOW, invalid,
	// disabled, no integration) and lists it under degraded, never making
	// idcmd unready. Unset: watched when Okta is configured too; false:
	// not watched; true: watched, and the Prisma credentials are required.
	SyncUsers *bool `yaml:"sync_users"`
	// SyncEvents and SyncRiskEvents: Prisma Cloud has no API that accepts
	// events (the SOP's POST /v2/event does not exist). They gate
	// event_routing's prisma_cloud routes instead, as auto_create_incidents
	// gates the others: the route reads the user's cloud blast radius from
	// Prisma and attaches it to the event, its XDR alert and its XSOAR
	// incident. SyncRiskEvents gates the routes of risk events (PingOne
	// RISK_EVENT), SyncEvents those of every other event.
	SyncEvents     bool `yaml:"sync_events"`
	SyncRiskEvents bool `yaml:"sync_risk_events"`
}

// Configured reports whether the Prisma Cloud commands are on.
func (p PrismaCloud) Configured() bool {
	return p.APIURL != "" && p.AccessKey != "" && p.SecretKey != "" && (p.Enabled == nil || *p.Enabled)
}

// AutomatedResponses is the seeds' automated_responses section, and the
// safety a SOC needs around it (config/rules.go).
type AutomatedResponses struct {
	// Enabled is the kill switch: false takes no automated response, and
	// runs none already queued.
	Enabled bool `yaml:"enabled"`
	// DryRun records on each event what would have been done, and does
	// nothing.
	DryRun bool `yaml:"dry_run"`
	// Scope is suspicious (default: answer only the events a detector
	// flagged) or all.
	Scope string `yaml:"scope"`
	// ProtectedUsers are accounts automation never touches (break-glass
	// admins): logins or provider user ids.
	ProtectedUsers []string `yaml:"protected_users"`
	// RateLimit bounds automated runs per action (default 10 in 10m); past
	// it a response is held for a person and an alert raised.
	RateLimit RateLimit `yaml:"rate_limit"`
	// WaitForIncident is how long a response waits for the XSOAR incident
	// idcmd creates for its event, to run in its context (default 1m).
	WaitForIncident time.Duration             `yaml:"wait_for_incident"`
	Actions         map[string]ResponseAction `yaml:"actions"`
}

// RateLimit is at most Max runs in Window; max 0 turns it off.
type RateLimit struct {
	Max    int           `yaml:"max"`
	Window time.Duration `yaml:"window"`
}

// ResponseAction is one automated action's trigger and approval rule.
type ResponseAction struct {
	TriggerSeverity string `yaml:"trigger_severity"`
	RequireApproval bool   `yaml:"require_approval"`
}

// Defaults are the values used when neither the environment nor the file sets one.
func Defaults() Config {
	return Config{
		Server: Server{Addr: "127.0.0.1:8080", RequestTimeout: 30 * time.Second, ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout: 2 * time.Minute, ShutdownTimeout: 25 * time.Second, LogLevel: "info"},
		Auth:      Auth{Issuer: "idcmd", Audience: "idcmd"},
		Store:     Store{DataDir: "data", IdempotencyTTL: 24 * time.Hour},
		WriteBack: WriteBack{BaseBackoff: 2 * time.Second, MaxBackoff: 5 * time.Minute, MaxAttempts: 12, Lease: 30 * time.Second, Retention: 30 * 24 * time.Hour},
		Approvals: Approvals{TTL: time.Hour},
		Events:    defaultEvents(),
		Okta:      Okta{WebhookHeader: "Authorization"},
		PingOne:   PingOne{WebhookHeader: "Authorization"},
		Risk:      risk.Defaults(),
		Workflows: defaultWorkflows(),
		Rules:     rules.Defaults(),
		AutomatedResponses: AutomatedResponses{Scope: "suspicious", WaitForIncident: time.Minute,
			RateLimit: RateLimit{Max: 10, Window: 10 * time.Minute}},
	}
}

// FromEnv applies the environment variables the README documents on top of c.
func FromEnv(c Config, getenv func(string) string) (Config, error) {
	set := func(dst *string, key string) {
		if v := getenv(key); v != "" {
			*dst = v
		}
	}
	set(&c.Server.Addr, "IDCMD_ADDR")
	set(&c.Server.LogLevel, "IDCMD_LOG_LEVEL")
	set(&c.Server.CursorSecret, "IDCMD_CURSOR_SECRET")
	set(&c.Auth.JWTSecret, "IDCMD_JWT_SECRET")
	set(&c.Store.URL, "IDCMD_STORE_URL")
	set(&c.Store.DataDir, "IDCMD_DATA_DIR")
	set(&c.Auth.JWKSURL, "IDCMD_JWKS_URL")
	set(&c.Auth.Issuer, "IDCMD_JWT_ISSUER")
	set(&c.Auth.Audience, "IDCMD_JWT_AUDIENCE")
	set(&c.Okta.BaseURL, "OKTA_BASE_URL")
	set(&c.Okta.APIToken, "OKTA_API_TOKEN")
	set(&c.Okta.ClientID, "OKTA_CLIENT_ID")
	set(&c.Okta.PrivateKey, "OKTA_PRIVATE_KEY")
	set(&c.Okta.PrivateKeyFile, "OKTA_PRIVATE_KEY_FILE")
	set(&c.Okta.KeyID, "OKTA_KEY_ID")
	set(&c.Okta.WebhookSecret, "OKTA_WEBHOOK_SECRET")
	set(&c.Okta.BlocklistZone, "OKTA_BLOCKLIST_ZONE")
	if v := getenv("OKTA_SCOPES"); v != "" {
		c.Okta.Scopes = strings.Fields(v)
	}
	if v := getenv("OKTA_DPOP"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("OKTA_DPOP: %q is not true or false", v)
		}
		c.Okta.DPoP = b
	}
	if v := getenv("IDCMD_REQUEST_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("IDCMD_REQUEST_TIMEOUT: %q is not a positive duration such as 30s", v)
		}
		c.Server.RequestTimeout = d
	}
	set(&c.PingOne.EnvironmentID, "PINGONE_ENVIRONMENT_ID")
	set(&c.PingOne.ClientID, "PINGONE_CLIENT_ID")
	set(&c.PingOne.ClientSecret, "PINGONE_CLIENT_SECRET")
	set(&c.PingOne.Region, "PINGONE_REGION")
	set(&c.PingOne.APIURL, "PINGONE_API_URL")
	set(&c.PingOne.AuthURL, "PINGONE_AUTH_URL")
	set(&c.PingOne.ClientAuth, "PINGONE_CLIENT_AUTH")
	set(&c.Integrations.XSOAR.BaseURL, "XSOAR_URL")
	set(&c.Integrations.XSOAR.APIKey, "XSOAR_API_KEY")
	set(&c.Integrations.XSOAR.APIKeyID, "XSOAR_API_KEY_ID")
	set(&c.Integrations.PrismaCloud.APIURL, "PRISMA_API_URL")
	set(&c.Integrations.PrismaCloud.AccessKey, "PRISMA_ACCESS_KEY")
	set(&c.Integrations.PrismaCloud.SecretKey, "PRISMA_SECRET_KEY")
	set(&c.Integrations.CortexXDR.BaseURL, "XDR_BASE_URL")
	set(&c.Integrations.CortexXDR.APIKey, "XDR_API_KEY")
	set(&c.Integrations.CortexXDR.APIKeyID, "XDR_API_KEY_ID")
	for key, dst := range map[string]*bool{"XSOAR_ADVANCED_KEY": &c.Integrations.XSOAR.Advanced, "XDR_ADVANCED_KEY": &c.Integrations.CortexXDR.Advanced} {
		if v := getenv(key); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return c, fmt.Errorf("%s: %q is not true or false", key, v)
			}
			*dst = b
		}
	}
	set(&c.PingOne.WebhookSecret, "PINGONE_WEBHOOK_SECRET")
	return c, nil
}

// Load builds the configuration: defaults, then the environment, then the
// file when path is not empty (the file's values win where it sets them).
func Load(path string, getenv func(string) string) (Config, error) {
	c, err := LoadUnchecked(path, getenv)
	if err != nil {
		return c, err
	}
	return c, c.Validate()
}

// LoadUnchecked is Load without Validate, for tools that need only part of
// the configuration (idcmd audit verify needs the store, not a JWT secret).
func LoadUnchecked(path string, getenv func(string) string) (Config, error) {
	c, err := FromEnv(Defaults(), getenv)
	if err != nil {
		return c, err
	}
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("read config: %w", err)
		}
		if err := Parse(data, getenv, &c); err != nil {
			return c, fmt.Errorf("config %s: %w", path, err)
		}
	}
	return c, nil
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// Expand replaces ${NAME} (or ${NAME:-default}) in s with the environment's
// value. An unset variable without a default is an error that names it, so a
// typo in a secret's name fails at start, not at the first call.
func Expand(s string, getenv func(string) string) (string, error) {
	var missing []string
	out := envRef.ReplaceAllStringFunc(s, func(m string) string {
		sub := envRef.FindStringSubmatch(m)
		if v := getenv(sub[1]); v != "" {
			return v
		}
		if sub[2] != "" {
			return sub[3]
		}
		missing = append(missing, sub[1])
		return ""
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("environment variable %s is not set", strings.Join(missing, ", "))
	}
	return out, nil
}

// Parse decodes YAML strictly into c, expanding ${ENV} inside scalar values
// only: expansion happens on the parsed tree, so a secret containing a quote
// or a newline stays one value and cannot inject keys.
func Parse(data []byte, getenv func(string) string, c *Config) error {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return err
	}
	if root.Kind == 0 {
		return nil // empty file
	}
	if err := expandNode(&root, getenv); err != nil {
		return err
	}
	expanded, err := yaml.Marshal(&root)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(expanded))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

func expandNode(n *yaml.Node, getenv func(string) string) error {
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "${") {
		v, err := Expand(n.Value, getenv)
		if err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		n.Value = v
		// A quoted "${X}" stays a string; a plain ${X} takes the type its
		// value has (enabled: ${XDR_ENABLED} becomes a bool).
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 {
			n.Tag = ""
		}
	}
	for _, ch := range n.Content {
		if err := expandNode(ch, getenv); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks what can be checked without dialling anything.
func (c Config) Validate() error {
	if c.Auth.JWTSecret == "" && c.Auth.JWKSURL == "" {
		return errors.New("no token verification configured: set IDCMD_JWT_SECRET (HS256) or auth.jwks_url")
	}
	if c.Auth.JWTSecret != "" && len(c.Auth.JWTSecret) < 32 {
		return errors.New("IDCMD_JWT_SECRET must be at least 32 characters")
	}
	if c.Server.CursorSecret != "" && len(c.Server.CursorSecret) < 32 {
		return errors.New("IDCMD_CURSOR_SECRET (server.cursor_secret) must be at least 32 characters")
	}
	if c.Auth.Issuer == "" || c.Auth.Audience == "" {
		return errors.New("auth.issuer and auth.audience must not be empty")
	}
	if c.Auth.JWKSURL != "" {
		if err := auth.CheckJWKSURL(c.Auth.JWKSURL); err != nil {
			return fmt.Errorf("auth.jwks_url (IDCMD_JWKS_URL): %w", err)
		}
	}
	if c.Server.RequestTimeout <= 0 {
		return errors.New("server.request_timeout must be positive")
	}
	if c.Server.ReadHeaderTimeout <= 0 || c.Server.IdleTimeout <= 0 {
		return errors.New("server.read_header_timeout and server.idle_timeout must be positive")
	}
	if c.Store.URL == "" && c.Store.DataDir == "" {
		return errors.New("store: set IDCMD_DATA_DIR (SQLite) or IDCMD_STORE_URL (postgres://...)")
	}
	if c.Store.IdempotencyTTL <= 0 || c.Approvals.TTL <= 0 {
		return errors.New("store.idempotency_ttl and approvals.ttl must be positive")
	}
	if err := c.validateRetention(); err != nil {
		return err
	}
	if err := c.validateEvents(); err != nil {
		return err
	}
	if err := c.validateRisk(); err != nil {
		return err
	}
	if err := c.validateWorkflows(); err != nil {
		return err
	}
	if _, err := c.RulesConfig(); err != nil {
		return err
	}
	for p := range c.Approvals.Providers {
		if p != "okta" && p != "pingone" && p != "prisma" {
			return fmt.Errorf("approvals.providers: unknown provider %q (okta, pingone or prisma)", p)
		}
	}
	if c.Okta.Configured() && c.Okta.APIToken == "" && c.Okta.ClientID == "" {
		return errors.New("okta: set OKTA_API_TOKEN, or OKTA_CLIENT_ID with a private key")
	}
	if err := okta.CheckZoneRef(c.Okta.BlocklistZone); err != nil {
		return fmt.Errorf("okta.blocklist_zone (OKTA_BLOCKLIST_ZONE): %w", err)
	}
	if c.PingOne.Configured() && (c.PingOne.ClientID == "" || c.PingOne.ClientSecret == "") {
		return errors.New("pingone: set PINGONE_CLIENT_ID and PINGONE_CLIENT_SECRET for the worker application")
	}
	return c.Integrations.PrismaCloud.validate()
}

// WatchesOktaPull reports whether /readyz shows the state of Prisma's
// pull of Okta (see SyncUsers).
func (p PrismaCloud) WatchesOktaPull(oktaConfigured bool) bool {
	if !p.Configured() {
		return false
	}
	if p.SyncUsers != nil {
		return *p.SyncUsers
	}
	return oktaConfigured
}

// validate checks the prisma_cloud section: credentials come together, and
// the SOPs' sync keys that name calls Prisma Cloud does not have are
// refused rather than accepted and ignored.
func (p PrismaCloud) validate() error {
	set := 0
	for _, v := range []string{p.APIURL, p.AccessKey, p.SecretKey} {
		if v != "" {
			set++
		}
	}
	if set != 0 && set != 3 {
		return errors.New("integrations.prisma_cloud: set all of PRISMA_API_URL, PRISMA_ACCESS_KEY and PRISMA_SECRET_KEY (api_url, access_key, secret_key), or none")
	}
	if p.SyncUsers != nil && *p.SyncUsers && !p.Configured() {
		return errors.New("integrations.prisma_cloud.sync_users: needs the Prisma Cloud credentials (PRISMA_API_URL, PRISMA_ACCESS_KEY, PRISMA_SECRET_KEY)")
	}
	for key, on := range map[string]bool{"sync_events": p.SyncEvents, "sync_risk_events": p.SyncRiskEvents} {
		if on && !p.Configured() {
			return fmt.Errorf("integrations.prisma_cloud.%s: needs the Prisma Cloud credentials (PRISMA_API_URL, PRISMA_ACCESS_KEY, PRISMA_SECRET_KEY)", key)
		}
	}
	return nil
}

// validateRetention checks writeback.retention and the audit section. An
// export directory without a retention would be a key accepted and ignored.
func (c Config) validateRetention() error {
	check := func(key string, d time.Duration, zero string) error {
		if d < 0 {
			return fmt.Errorf("%s must not be negative (0 %s)", key, zero)
		}
		return nil
	}
	if err := check("writeback.retention", c.WriteBack.Retention, "keeps finished write-backs forever"); err != nil {
		return err
	}
	if err := check("audit.retention", c.Audit.Retention, "keeps every audit record"); err != nil {
		return err
	}
	switch {
	case c.Audit.Retention > 0 && c.Audit.ExportDir == "":
		return errors.New("audit.retention needs audit.export_dir: pruned records are exported there first")
	case c.Audit.Retention == 0 && c.Audit.ExportDir != "":
		return errors.New("audit.export_dir is only used with audit.retention; set both, or neither to keep every record")
	}
	return nil
}
