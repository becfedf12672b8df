package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/idcmd/idcmd/auth"
	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/providers/okta/oktatest"
	"github.com/idcmd/idcmd/providers/pingone/pingonetest"
	"github.com/idcmd/idcmd/providers/prisma/prismatest"
	"github.com/idcmd/idcmd/providers/xdr/xdrtest"
	"github.com/idcmd/idcmd/providers/xsoar/xsoartest"
	"github.com/idcmd/idcmd/risk"
	"github.com/idcmd/idcmd/rules"
)

// sandboxEnv is the embedded demo: fake providers on loopback, seeded with a
// realistic tenant, and the environment that points idcmd at them. idcmd
// talks to them through the same clients and HTTP calls as to real tenants.
type sandboxEnv struct {
	okta    *oktatest.Server
	pingone *pingonetest.Server
	prisma  *prismatest.Server
	xsoar   *xsoartest.Server
	xdr     *xdrtest.Server
	env     map[string]string
	// dataDir is the store's directory; ownDataDir says the sandbox made
	// it (a temporary directory, removed at exit) rather than taking
	// IDCMD_DATA_DIR.
	dataDir    string
	ownDataDir bool
	// ownSecret says the JWT secret is the sandbox's own random one (so
	// announce prints it) rather than the caller's IDCMD_JWT_SECRET.
	ownSecret bool
}

func startSandbox() (*sandboxEnv, error) {
	o := oktatest.NewServer(oktatest.Options{Seed: true})
	p := pingonetest.NewServer(pingonetest.Options{Seed: true})
	pc := prismatest.NewServer(prismatest.Options{Seed: true})
	xs := xsoartest.NewServer(xsoartest.Options{APIKey: "sandbox-xsoar-key"})
	xsoartest.SeedDemo(xs)
	xd := xdrtest.NewServer(xdrtest.Options{APIKey: "sandbox-xdr-key", APIKeyID: "1"})
	xdrtest.SeedDemo(xd)
	closeAll := func() { o.Close(); p.Close(); pc.Close(); xs.Close(); xd.Close() }
	// The caller's IDCMD_JWT_SECRET, if set, so that tokens minted with
	// idcmd token (for XSOAR, say) keep working across sandbox runs;
	// otherwise a random one, which announce prints.
	secret, ownSecret := os.Getenv("IDCMD_JWT_SECRET"), false
	if secret == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			closeAll()
			return nil, fmt.Errorf("sandbox: random JWT secret: %w", err)
		}
		secret, ownSecret = base64.RawURLEncoding.EncodeToString(b), true
	}
	oktaHook, err := hookSecret()
	if err != nil {
		closeAll()
		return nil, err
	}
	pingOneHook, err := hookSecret()
	if err != nil {
		closeAll()
		return nil, err
	}
	// A fresh store per run, unless IDCMD_DATA_DIR names one: the sandbox's
	// audit log and approvals belong to its throwaway org.
	dir, ownDir := os.Getenv("IDCMD_DATA_DIR"), false
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "idcmd-sandbox-"); err != nil {
			closeAll()
			return nil, fmt.Errorf("sandbox: data directory: %w", err)
		}
		ownDir = true
	}
	return &sandboxEnv{okta: o, pingone: p, prisma: pc, xsoar: xs, xdr: xd, dataDir: dir, ownDataDir: ownDir, ownSecret: ownSecret, env: map[string]string{
		"XSOAR_URL":              xs.URL,
		"XSOAR_API_KEY":          "sandbox-xsoar-key",
		"XDR_BASE_URL":           xd.URL,
		"XDR_API_KEY":            "sandbox-xdr-key",
		"XDR_API_KEY_ID":         "1",
		"OKTA_BASE_URL":          o.URL,
		"OKTA_API_TOKEN":         o.Token,
		"PINGONE_ENVIRONMENT_ID": p.EnvironmentID,
		"PINGONE_CLIENT_ID":      p.ClientID,
		"PINGONE_CLIENT_SECRET":  p.ClientSecret,
		"PINGONE_API_URL":        p.URL,
		"PINGONE_AUTH_URL":       p.AuthURL,
		"PINGONE_REGION":         "com",
		"OKTA_WEBHOOK_SECRET":    oktaHook,
		"PINGONE_WEBHOOK_SECRET": pingOneHook,
		"PRISMA_API_URL":         pc.URL,
		"PRISMA_ACCESS_KEY":      pc.AccessKey,
		"PRISMA_SECRET_KEY":      pc.SecretKey,
		"IDCMD_JWT_SECRET":       secret,
		"IDCMD_DATA_DIR":         dir,
		"IDCMD_STORE_URL":        "",
	}}, nil
}

// configure sets what the environment cannot: unless the config file names
// approvals.privileged_groups, they are the SOPs' groups and the seeded
// orgs' own (Super Admins, PingOne Admins, ...), so the sandbox holds a
// reset link for awong, or adding someone to Super Admins, as a deployment
// that lists its real groups would. The risk model's and the privileged
// detector's groups, unless the file changes them, get the seeded orgs'
// groups too.
func (s *sandboxEnv) configure(cfg *config.Config) {
	if cfg.EventRouting == nil && !cfg.AutomatedResponses.Enabled {
		sandboxRules(cfg)
	}
	seeded := append(oktatest.PrivilegedGroups(), pingonetest.PrivilegedGroups()...)
	if pa := &cfg.Risk.Factors.PrivilegedAccess; slices.Equal(pa.Groups, risk.Defaults().Factors.PrivilegedAccess.Groups) {
		pa.Groups = append(slices.Clone(pa.Groups), seeded...)
	}
	if pd := &cfg.Rules.Detectors.Privileged; slices.Equal(pd.Groups, rules.DefaultDetectors().Privileged.Groups) {
		pd.Groups = append(slices.Clone(pd.Groups), seeded...)
	}
	if cfg.Approvals.PrivilegedGroups != nil {
		return
	}
	cfg.Approvals.PrivilegedGroups = append(slices.Clone(commands.DefaultPrivilegedGroups), seeded...)
}

// getenv overlays the sandbox's variables on the real environment; the
// provider variables always point at the fakes, so a sandbox can never act
// on a real tenant by accident.
func (s *sandboxEnv) getenv(key string) string {
	if v, ok := s.env[key]; ok {
		if key == "IDCMD_STORE_URL" {
			if env := os.Getenv(key); env != "" {
				return env
			}
		}
		return v
	}
	for _, prefix := range []string{"OKTA_", "PINGONE_", "PRISMA_", "XSOAR_", "XDR_"} {
		if strings.HasPrefix(key, prefix) {
			return ""
		}
	}
	return os.Getenv(key)
}

func (s *sandboxEnv) Close() {
	s.okta.Close()
	s.pingone.Close()
	s.prisma.Close()
	s.xsoar.Close()
	s.xdr.Close()
	if s.ownDataDir {
		_ = os.RemoveAll(s.dataDir)
	}
}

// announce prints what a new user needs: the addresses, and a block of
// export lines to paste into a shell: a token with every scope, a second
// person's token for approvals, the secret idcmd token signs with and the
// store idcmd audit verify reads. With them pasted, the README's examples
// run as written.
func (s *sandboxEnv) announce(w io.Writer, addr string, cfg config.Config) error {
	scopes := []string{commands.ScopeRead, commands.ScopeWrite, commands.ScopeApprovalsDecide, commands.ScopeAuditRead, commands.ScopeEventsRead}
	tok, err := auth.Mint([]byte(cfg.Auth.JWTSecret), cfg.Auth.Issuer, cfg.Auth.Audience, "sandbox-responder", scopes, 12*time.Hour, time.Now())
	if err != nil {
		return fmt.Errorf("sandbox: responder token: %w", err)
	}
	// A second person, for approving what the responder's token requested.
	approver, err := auth.Mint([]byte(cfg.Auth.JWTSecret), cfg.Auth.Issuer, cfg.Auth.Audience, "sandbox-approver",
		[]string{commands.ScopeRead, commands.ScopeApprovalsDecide, commands.ScopeAuditRead}, 12*time.Hour, time.Now())
	if err != nil {
		return fmt.Errorf("sandbox: approver token: %w", err)
	}
	secretLine := "# tokens are signed with your IDCMD_JWT_SECRET; idcmd token mints more with it"
	if s.ownSecret {
		secretLine = "export IDCMD_JWT_SECRET=" + cfg.Auth.JWTSecret
	}
	dataDir := cfg.Store.DataDir
	storeNote := "removed when the sandbox stops"
	if !s.ownDataDir {
		storeNote = "your IDCMD_DATA_DIR, kept"
	}
	if cfg.Store.URL != "" {
		dataDir, storeNote = "", "IDCMD_STORE_URL"
	}
	dataLine := "export IDCMD_DATA_DIR=" + dataDir
	if dataDir == "" {
		dataLine = "# the store is your IDCMD_STORE_URL"
	}
	_, err = fmt.Fprintf(w, `
idcmd %s sandbox is up: seeded fakes of Okta (%s), PingOne (%s), Prisma Cloud, XSOAR and Cortex XDR.
The demo users' stories happen in US Eastern time (UTC-5).

  Open incidents and what idcmd wrote to them: http://%s/sandbox/incidents
  Swagger UI:  http://%s/swagger/index.html (Authorize: "Bearer $IDCMD_TOKEN")
  Catalog:     curl -H "Authorization: Bearer $IDCMD_TOKEN" http://%s/api/v1/commands

Paste this into your shell:

export IDCMD_TOKEN=%s
export IDCMD_APPROVER_TOKEN=%s
%s
%s

IDCMD_TOKEN (subject sandbox-responder) has every scope. IDCMD_APPROVER_TOKEN
(sandbox-approver, approvals:decide) is the second person who approves held
commands such as okta-deactivate-user. IDCMD_JWT_SECRET is this sandbox's
signing secret, valid for this run only: idcmd token mints more tokens with it
(for XSOAR, say). IDCMD_DATA_DIR is the sandbox's store (audit log, approvals;
%s): idcmd audit verify checks its hash chain.

Try (the first call is also written to that XSOAR incident: see the incidents page):
  curl -s -X POST -H "Authorization: Bearer $IDCMD_TOKEN" -H 'Content-Type: application/json' \
    -d '{"user":"%s","incident":{"platform":"xsoar","id":"%s"}}' http://%s/api/v1/commands/okta-get-user

  curl -s -X POST -H "Authorization: Bearer $IDCMD_TOKEN" -H 'Content-Type: application/json' \
    -d '{"provider":"pingone","user":"%s","hours":48}' http://%s/api/v1/commands/get-user-events

  # Events: the fakes deliver to idcmd's /okta/webhook and /pingone/webhook (registered at
  # start by okta-create-event-hook and pingone-create-subscription). Make both emit an attack
  # (password_spray, mfa_fatigue or impossible_travel), then read the event log:
  curl -s -X POST http://%s/sandbox/events/password_spray
  curl -s -H "Authorization: Bearer $IDCMD_TOKEN" 'http://%s/api/v1/events?type=user.session.start&outcome=FAILURE'

`, version, s.okta.URL, s.pingone.URL, addr, addr, addr, tok, approver, secretLine, dataLine, storeNote,
		oktatest.DemoActiveUser, s.firstXSOARIncident(), addr, pingonetest.DemoRiskyUser, addr, addr, addr)
	return err
}

func (s *sandboxEnv) firstXSOARIncident() string {
	for _, inc := range s.xsoar.Incidents() {
		if inc.Status != xsoartest.StatusDone {
			return inc.ID
		}
	}
	return "1"
}

// incidentsPage shows the fake incidents and the entries and comments idcmd
// wrote to them, so a new user sees write-back happen.
func (s *sandboxEnv) incidentsPage() http.Handler {
	page := template.Must(template.New("incidents").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>idcmd sandbox: incidents</title>
<meta http-equiv="refresh" content="5">
<style>body{font-family:sans-serif;margin:2em}pre{background:#f4f4f4;padding:.6em;white-space:pre-wrap}h2{margin-top:1.5em}small{color:#666}</style>
</head><body>
<h1>idcmd sandbox: incidents</h1>
<p>Pass <code>"incident":{"platform":"xsoar","id":"ID"}</code> (or <code>"platform":"xdr"</code>) with a command; its outcome appears here. This page refreshes every 5 seconds.</p>
<h2>XSOAR</h2>
{{range .XSOAR}}<h3>#{{.ID}} {{.Name}} {{if .Closed}}<small>(closed: entries are refused with 412)</small>{{end}}</h3>
{{range .Entries}}<pre>{{.Markdown}}</pre><small>{{.Created.Format "2006-01-02 15:04:05"}}{{if .Note}} · note{{end}}</small>{{else}}<p><small>No entries yet.</small></p>{{end}}
{{end}}
<h2>Cortex XDR</h2>
{{range .XDR}}<h3>#{{.ID}} {{.Description}} <small>({{.Status}})</small></h3>
{{range .Comments}}<pre>{{.Text}}</pre><small>{{.Time.Format "2006-01-02 15:04:05"}}</small>{{else}}<p><small>No comments yet.</small></p>{{end}}
{{end}}
<h2>Cortex XDR alerts</h2>
<p><small>What idcmd's event rules sent (insert_parsed_alerts); XDR groups alerts into incidents itself, which this fake does not. Newest first.</small></p>
{{range .Alerts}}<h3>{{.AlertName}} <small>({{.Severity}}, request {{.Request}})</small></h3><pre>{{.AlertDescription}}</pre>{{else}}<p><small>No alerts yet.</small></p>{{end}}
</body></html>`))
	type xsoarIncident struct {
		ID, Name string
		Closed   bool
		Entries  []xsoartest.Entry
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var data struct {
			XSOAR  []xsoarIncident
			XDR    []xdrtest.Incident
			Alerts []xdrtest.ParsedAlertRecord
		}
		for _, inc := range s.xsoar.Incidents() {
			data.XSOAR = append(data.XSOAR, xsoarIncident{ID: inc.ID, Name: inc.Name, Closed: inc.Status == xsoartest.StatusDone, Entries: s.xsoar.Entries(inc.InvestigationID)})
		}
		data.XDR = s.xdr.Incidents()
		data.Alerts = s.xdr.Alerts()
		slices.Reverse(data.Alerts)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = page.Execute(w, data)
	})
}

// handler serves the sandbox page beside idcmd's own routes.
func (s *sandboxEnv) handler(app http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/sandbox/incidents", s.incidentsPage())
	mux.Handle("/sandbox/events/", s.burstsHandler())
	mux.Handle("/", app)
	return mux
}

// sandboxRules are the SOPs' event half (both SOPs' section 7.2), for a
// config file that sets none of it: the Okta SOP's event_routing and the
// PingOne SOP's, with its comments ("only if suspicious", "only if HIGH or
// CRITICAL") as conditions; XDR and XSOAR creating alerts and incidents,
// XSOAR running the SOPs' playbooks; Prisma's blast radius on the events
// routed there; and the automated responses, suspensions and locks held
// for a person. So an attack from POST /sandbox/events/{kind} ends as XDR
// alerts, XSOAR incidents with playbooks and a held suspension on
// /sandbox/incidents.
func sandboxRules(cfg *config.Config) {
	to := func(dests ...string) []rules.RouteRule {
		out := make([]rules.RouteRule, len(dests))
		for i, d := range dests {
			out[i] = rules.RouteRule{To: d}
		}
		return out
	}
	cfg.EventRouting = map[string][]rules.RouteRule{
		"user.account.lock":            to(rules.ToXDR, rules.ToXSOAR, rules.ToPrisma),
		"user.mfa.factor.attempt_fail": to(rules.ToXDR, rules.ToXSOAR),
		"user.session.start":           {{To: rules.ToXSOAR, Suspicious: true}},
		// What Okta logs of an MFA fatigue attack (a push denied, or timed
		// out): the SOP's user.mfa.factor.attempt_fail is not among them.
		"user.mfa.okta_verify.deny_push":   {{To: rules.ToXDR, Suspicious: true}, {To: rules.ToXSOAR, Suspicious: true}},
		"user.authentication.auth_via_mfa": {{To: rules.ToXDR, Suspicious: true}, {To: rules.ToXSOAR, Suspicious: true}},
		"user.lifecycle.delete":            to(rules.ToXDR, rules.ToXSOAR, rules.ToPrisma),
		"USER_LOCKED":                      to(rules.ToXDR),
		"USER_DELETED":                     to(rules.ToXDR),
		"MFA_VERIFY_FAILED":                {{To: rules.ToXDR}, {To: rules.ToXSOAR, Suspicious: true}},
		"USER_LOGIN":                       {{To: rules.ToXDR, Suspicious: true}, {To: rules.ToXSOAR, Suspicious: true}},
		"USER_LOGIN_FAILED":                {{To: rules.ToXSOAR, Suspicious: true}},
		"RISK_EVENT":                       {{To: rules.ToXDR, Risk: []string{"HIGH", "CRITICAL"}}},
	}
	x, xs, p := &cfg.Integrations.CortexXDR, &cfg.Integrations.XSOAR, &cfg.Integrations.PrismaCloud
	x.AutoCreateIncidents, x.SeverityThreshold = true, "medium"
	xs.AutoCreateIncidents, xs.TriggerPlaybooks = true, true
	p.SyncEvents = true
	cfg.AutomatedResponses.Enabled = true
	cfg.AutomatedResponses.Actions = map[string]config.ResponseAction{
		"suspend_user":       {TriggerSeverity: "critical", RequireApproval: true},
		"lock_user":          {TriggerSeverity: "critical", RequireApproval: true},
		"clear_sessions":     {TriggerSeverity: "high"},
		"terminate_sessions": {TriggerSeverity: "high"},
	}
}
