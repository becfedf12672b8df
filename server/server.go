// Package server assembles a runnable idcmd from a Config: provider clients,
// metrics, token verification, the Invoker and the Echo app, and serves it
// with graceful shutdown. cmd/idcmd and the black-box tests share it, so the
// tests run exactly what production runs.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/idcmd/idcmd/api"
	"github.com/idcmd/idcmd/auth"
	"github.com/idcmd/idcmd/automation"
	"github.com/idcmd/idcmd/catalog"
	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/handlers"
	"github.com/idcmd/idcmd/metrics"
	"github.com/idcmd/idcmd/openapi"
	"github.com/idcmd/idcmd/panics"
	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/pingone"
	"github.com/idcmd/idcmd/providers/prisma"
	"github.com/idcmd/idcmd/providers/xdr"
	"github.com/idcmd/idcmd/providers/xsoar"
	"github.com/idcmd/idcmd/rules"
	"github.com/idcmd/idcmd/store"
	"github.com/idcmd/idcmd/writeback"
)

// App is a wired idcmd: the HTTP handler, and the background work and store
// that Shutdown ends in order.
type App struct {
	Handler http.Handler
	Invoker *commands.Invoker
	Store   store.Store
	// Logs, when set, is the LogWriter under the logger Build was given.
	// Serve and Shutdown flush it last, so every line logged before they
	// return (the access log of the last calls, "stopped") is written.
	Logs *LogWriter

	worker *writeback.Worker
	// stop ends housekeeping (and is the worker's hard stop, unused once
	// the worker has stopped gracefully).
	stop context.CancelFunc
	// background counts the worker's and housekeeping's goroutines.
	background sync.WaitGroup
	server     config.Server
	log        *slog.Logger

	closeOnce sync.Once
	closeErr  error
}

// Shutdown ends background work in order and then closes the store, so
// nothing that was done goes unrecorded:
//
//  1. the write-back worker claims no more; deliveries in flight finish
//     until ctx ends and are then cut off, and each records its outcome. A
//     delivery cut off, or claimed and not started, is given back to the
//     queue without counting as an attempt;
//  2. housekeeping stops, and Shutdown waits for it;
//  3. the audit records of answered reads are written (Invoker.Drain);
//  4. the store closes, once its queued writes have committed;
//  5. the log lines queued so far are written (Logs).
//
// Only the first call does anything; later calls return its result.
func (a *App) Shutdown(ctx context.Context) error {
	a.closeOnce.Do(func() {
		a.worker.Stop(ctx)
		a.stop()
		a.background.Wait()
		a.Invoker.Drain()
		a.closeErr = a.Store.Close()
		a.flushLogs()
	})
	return a.closeErr
}

// flushLogs writes the queued log lines, if the log is a LogWriter. A write
// error is not the shutdown's: the output is gone, and there is nowhere
// left to report it.
func (a *App) flushLogs() {
	if a.Logs != nil {
		_ = a.Logs.Flush()
	}
}

// Close is Shutdown without a grace period: deliveries in flight are cut
// off at once (and given back to the queue). The server's own shutdown is
// Serve's; Close is for tests and for a start that failed before serving.
func (a *App) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return a.Shutdown(ctx)
}

// Serve serves h on ln until ctx ends (SIGTERM), then shuts down within
// server.shutdown_timeout in all: first HTTP, as Run does (new connections
// refused, calls in flight finished), then background work with what is
// left of that time (Shutdown). It returns once the store is closed and
// every line logged, the last ("stopped") included, is written (Logs).
func (a *App) Serve(ctx context.Context, h http.Handler, ln net.Listener) error {
	defer a.flushLogs()
	return serve(ctx, h, ln, a.server, a.log, a.Shutdown)
}

// Build wires configuration into a ready App: provider clients, the store,
// metrics, token verification, the Invoker and the Echo routes.
func Build(ctx context.Context, cfg config.Config, log *slog.Logger, version string) (*App, error) {
	rulesConfig, err := cfg.RulesConfig()
	if err != nil {
		return nil, err
	}
	m := metrics.New()
	providers, checks, err := buildProviders(cfg, m, version)
	if err != nil {
		return nil, err
	}
	providers.CursorKey = commands.CursorKey(cfg.Server.CursorSecret, cfg.Auth.JWTSecret)
	verifier, err := auth.NewVerifier(ctx, auth.Config{
		Secret:     []byte(cfg.Auth.JWTSecret),
		JWKSURL:    cfg.Auth.JWKSURL,
		Issuer:     cfg.Auth.Issuer,
		Audience:   cfg.Auth.Audience,
		Algorithms: cfg.Auth.Algorithms,
		Leeway:     30 * time.Second,
	})
	if err != nil {
		return nil, err
	}
	settings, err := workflowSettings(cfg)
	if err != nil {
		return nil, err
	}
	cat, err := catalog.New(settings)
	if err != nil {
		return nil, err
	}
	policy, err := approvalPolicy(cfg, cat)
	if err != nil {
		return nil, err
	}
	integration, err := openapi.XSOARIntegrationFor(version, "")
	if err != nil {
		return nil, fmt.Errorf("xsoar integration: %w", err)
	}
	if cfg.Audit.Retention > 0 {
		// Fail the start, not every hourly prune.
		if err := store.CheckExportDir(cfg.Audit.ExportDir); err != nil {
			return nil, fmt.Errorf("audit.export_dir: %w", err)
		}
	}
	st, err := store.Open(ctx, cfg.Store.URL, cfg.Store.DataDir)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	targets, err := writebackTargets(cfg, m, version, checks, &providers)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	worker := &writeback.Worker{Store: st, Targets: targets, Owner: replicaName(), Log: log, Observe: m.ObserveWriteBack,
		BaseBackoff: cfg.WriteBack.BaseBackoff, MaxBackoff: cfg.WriteBack.MaxBackoff, MaxAttempts: cfg.WriteBack.MaxAttempts, Lease: cfg.WriteBack.Lease,
		Timeout: min(15*time.Second, cfg.WriteBack.Lease/2)}
	inv := commands.NewInvoker(cat, providers)
	inv.Observe = m.ObserveCommand
	inv.Store = st
	inv.Policy = policy
	inv.IdempotencyTTL = cfg.Store.IdempotencyTTL
	inv.SyncReadAudit = cfg.Store.SyncReadAudit
	inv.ApprovalTTL = cfg.Approvals.TTL
	inv.OnWriteBack = worker.Notify
	inv.Log = log
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	app := &App{Invoker: inv, Store: st, worker: worker, stop: stop, server: cfg.Server, log: log}
	if err := automation.Check(cat, rulesConfig.Automation); err != nil {
		_ = st.Close()
		return nil, err
	}
	worker.Kinds = ruleDeliveries(cfg, providers, inv, st)
	worker.Kinds[rules.KindResponse] = automation.NewResponses(st, inv, rulesConfig.Automation, nil)
	if providers.XSOAR != nil || providers.XDR != nil {
		worker.Kinds[rules.KindAutomationAlert] = automation.NewAlerts(st, providers.XSOAR, providers.XDR, rulesConfig.Automation, nil)
	}
	decider := &rules.Decider{Store: st, Config: rulesConfig, Owner: worker.Owner, Log: log, Queued: worker.Notify, Observe: m.ObserveDecision,
		Lease: rulesConfig.Lease, Directory: startRoster(bg, &app.background, rulesConfig, providers, log)}
	intake := &events.Intake{Store: st, Observe: m.ObserveEvents, Stored: decider.Notify}
	for _, p := range eventPollers(cfg, providers, intake, worker.Owner, log, m) {
		checks["events_poll_"+p.Provider] = handlers.Advisory(p.Check)
		app.background.Add(1)
		go func() {
			defer app.background.Done()
			supervise(bg, log, p.Provider+" event poller", housekeepingRestart, p.Run)
		}()
	}
	app.background.Add(3)
	go func() {
		defer app.background.Done()
		worker.Run(bg) // contains its own panics, per delivery and per pass
	}()
	go func() {
		defer app.background.Done()
		decider.Run(bg) // contains its own panics, per batch
	}()
	go func() {
		defer app.background.Done()
		supervise(bg, log, "housekeeping", housekeepingRestart, func(ctx context.Context) {
			housekeeping(ctx, st, cfg, log)
		})
	}()
	h := api.New(api.Options{
		Invoker:        inv,
		Verifier:       verifier,
		Metrics:        m,
		Logger:         log,
		ReadyChecks:    checks,
		RequestTimeout: cfg.Server.RequestTimeout,
		CORSOrigins:    cfg.Server.CORSOrigins,
		Hooks: &handlers.Hooks{Intake: intake, Log: log,
			Okta:    handlers.HookSecret{Header: cfg.Okta.WebhookHeader, Secret: cfg.Okta.WebhookSecret},
			PingOne: handlers.HookSecret{Header: cfg.PingOne.WebhookHeader, Secret: cfg.PingOne.WebhookSecret}},
		Rules: handlers.RulesOptions{Config: rulesConfig, Directory: decider.Directory},
		// The served integration names this binary's version.
		XSOARIntegration: integration,
	})
	app.Handler = h
	return app, nil
}

// housekeepingRestart is how long housekeeping pauses after a panic before
// it starts again, so a panic on every pass cannot spin.
const housekeepingRestart = 5 * time.Second

// supervise runs fn until ctx ends. A panic in fn is logged with its stack
// (panics.Contain), and fn is started again after pause, so one bad pass of
// a background loop does not end the loop, let alone the process.
func supervise(ctx context.Context, log *slog.Logger, unit string, pause time.Duration, fn func(ctx context.Context)) {
	for {
		err := panics.Contain(log, unit, func() error { fn(ctx); return nil })
		if err == nil || ctx.Err() != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
			log.Warn("restarting after a panic", "unit", unit)
		}
	}
}

// writebackTargets builds the XSOAR and XDR clients that incident entries
// go to, and adds their readiness checks.
// The same clients serve the workflows that read incidents (providers).
func writebackTargets(cfg config.Config, m *metrics.Metrics, version string, checks map[string]handlers.Check, providers *commands.Providers) (map[string]writeback.Target, error) {
	targets := map[string]writeback.Target{}
	if x := cfg.Integrations.XSOAR; x.Configured() {
		c, err := xsoar.New(xsoar.Config{BaseURL: x.BaseURL, APIKey: x.APIKey, APIKeyID: x.APIKeyID, Advanced: x.Advanced,
			PathPrefix: x.PathPrefix, Observer: m.ObserveProvider, Version: version})
		if err != nil {
			return nil, fmt.Errorf("xsoar: %w", err)
		}
		targets["xsoar"] = writeback.XSOAR{Client: c, Note: x.NoteEntries}
		providers.XSOAR = c
		checks["xsoar"] = c.Ping
	}
	if x := cfg.Integrations.CortexXDR; x.Configured() {
		c, err := xdr.New(xdr.Config{BaseURL: x.BaseURL, APIKey: x.APIKey, APIKeyID: x.APIKeyID, Advanced: x.Advanced,
			Observer: m.ObserveProvider, Version: version})
		if err != nil {
			return nil, fmt.Errorf("cortex xdr: %w", err)
		}
		targets["xdr"] = writeback.XDR{Client: c}
		providers.XDR = c
		checks["xdr"] = c.Ping
	}
	return targets, nil
}

// replicaName identifies this process in the store's write-back leases.
func replicaName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/%d", host, os.Getpid(), time.Now().UnixNano())
}

// approvalPolicy turns the approvals and automated_responses sections into
// the Invoker's policy.
func approvalPolicy(cfg config.Config, cat *commands.Catalog) (commands.ApprovalPolicy, error) {
	p := commands.ApprovalPolicy{Destructive: true, Commands: map[string]bool{}, Providers: map[commands.Provider]bool{},
		PrivilegedSecrets: true, PrivilegedGrants: true, PrivilegedGroups: cfg.Approvals.PrivilegedGroups}
	if cfg.Approvals.Destructive != nil {
		p.Destructive = *cfg.Approvals.Destructive
	}
	if cfg.Approvals.PrivilegedSecrets != nil {
		p.PrivilegedSecrets = *cfg.Approvals.PrivilegedSecrets
	}
	if cfg.Approvals.PrivilegedGrants != nil {
		p.PrivilegedGrants = *cfg.Approvals.PrivilegedGrants
	}
	if !p.PrivilegedSecrets && !p.PrivilegedGrants && len(p.PrivilegedGroups) > 0 {
		return p, errors.New("approvals.privileged_groups has no effect with approvals.privileged_secrets and approvals.privileged_grants both false; remove one of them")
	}
	for name, req := range cfg.Approvals.Commands {
		cmd, ok := cat.Lookup(name)
		if !ok {
			return p, fmt.Errorf("approvals.commands: unknown command %q", name)
		}
		if cmd.Info().Delegates {
			// The gate judges the provider command a neutral command runs,
			// so a neutral name here would never match anything.
			return p, fmt.Errorf("approvals.commands: %q is provider-neutral and runs provider commands; name those (for example okta-suspend-user, pingone-lock-user)", name)
		}
		p.Commands[name] = req
	}
	for prov, req := range cfg.Approvals.Providers {
		p.Providers[commands.Provider(prov)] = req
	}
	automated := map[string]bool{}
	for action, a := range cfg.AutomatedResponses.Actions {
		automated[action] = a.RequireApproval
	}
	var err error
	p.Automated, err = commands.AutomatedPolicy(automated)
	return p, err
}

// housekeeping expires pending approvals and forgets old idempotency keys
// every 30 seconds, and applies the retention policies at start and then
// hourly (see applyRetention).
func housekeeping(ctx context.Context, st store.Store, cfg config.Config, log *slog.Logger) {
	// Each task is its own unit: a panic in one is logged and the others
	// still run, this pass and the next.
	task := func(unit string, fn func()) {
		_ = panics.Contain(log, "housekeeping: "+unit, func() error { fn(); return nil })
	}
	task("retention", func() { applyRetention(ctx, st, cfg, time.Now(), log) })
	nextRetention := time.Now().Add(retentionEvery)
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			task("expire approvals", func() {
				if _, err := st.ExpireApprovals(ctx, now); err != nil && ctx.Err() == nil {
					log.Warn("expire approvals", "error", err)
				}
			})
			task("purge idempotency keys", func() {
				if _, err := st.PurgeIdempotent(ctx, now.Add(-cfg.Store.IdempotencyTTL)); err != nil && ctx.Err() == nil {
					log.Warn("purge idempotency keys", "error", err)
				}
			})
			if !now.Before(nextRetention) {
				task("retention", func() { applyRetention(ctx, st, cfg, now, log) })
				nextRetention = now.Add(retentionEvery)
			}
		}
	}
}

// retentionEvery is how often the retention policies run. Retentions are
// days long; an hour's lag is nothing, and each run costs a few index reads
// when there is nothing to delete.
const retentionEvery = time.Hour

// applyRetention deletes the write-backs finished longer than
// writeback.retention ago and, with audit.retention, prunes the audit
// records older than it after exporting them to audit.export_dir
// (store.ExportAndPruneAudit, the code path of idcmd audit prune). A failure
// is logged and deletes nothing it has not exported; the next run tries
// again.
func applyRetention(ctx context.Context, st store.Store, cfg config.Config, now time.Time, log *slog.Logger) {
	if r := cfg.WriteBack.Retention; r > 0 {
		n, err := st.PurgeWriteBacks(ctx, now.Add(-r))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("write-back retention: purge failed", "error", err, "purged", n)
		case n > 0:
			log.Info("write-back retention: finished write-backs deleted", "purged", n, "retention", r.String())
		}
	}
	if r := cfg.Events.Retention; r > 0 {
		n, err := st.PurgeEvents(ctx, now.Add(-r))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("event retention: purge failed", "error", err, "purged", n)
		case n > 0:
			log.Info("event retention: old events deleted", "purged", n, "retention", r.String())
		}
	}
	if r := cfg.Audit.Retention; r > 0 {
		res, err := store.ExportAndPruneAudit(ctx, st, store.PruneOptions{Dir: cfg.Audit.ExportDir, Before: now.Add(-r)})
		files := make([]string, 0, len(res.Files))
		for _, f := range res.Files {
			files = append(files, f.Path)
		}
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("audit retention: prune failed; records not exported are kept", "error", err,
				"pruned", res.Pruned, "files", files, "anchor_seq", res.Anchor.Seq)
		case res.Pruned > 0:
			log.Info("audit retention: records exported and pruned", "pruned", res.Pruned, "files", files,
				"anchor_seq", res.Anchor.Seq, "anchor_hash", res.Anchor.Hash, "retention", r.String())
		}
	}
}

// buildProviders creates a client for each configured provider and its
// readiness check.
func buildProviders(cfg config.Config, m *metrics.Metrics, version string) (commands.Providers, map[string]handlers.Check, error) {
	p := commands.Providers{Hooks: commands.HookAuth{
		OktaHeader: cfg.Okta.WebhookHeader, OktaSecret: cfg.Okta.WebhookSecret,
		PingOneHeader: cfg.PingOne.WebhookHeader, PingOneSecret: cfg.PingOne.WebhookSecret,
	}}
	checks := map[string]handlers.Check{}
	if cfg.Okta.Configured() {
		keyPEM := []byte(cfg.Okta.PrivateKey)
		if cfg.Okta.PrivateKeyFile != "" {
			b, err := os.ReadFile(cfg.Okta.PrivateKeyFile)
			if err != nil {
				return p, nil, fmt.Errorf("okta private key: %w", err)
			}
			keyPEM = b
		}
		c, err := okta.New(okta.Config{
			BaseURL:           cfg.Okta.BaseURL,
			APIToken:          cfg.Okta.APIToken,
			ClientID:          cfg.Okta.ClientID,
			PrivateKeyPEM:     keyPEM,
			KeyID:             cfg.Okta.KeyID,
			Scopes:            cfg.Okta.Scopes,
			DPoP:              cfg.Okta.DPoP,
			RequestsPerSecond: cfg.Okta.RequestsPerSecond,
			Observer:          m.ObserveProvider,
			Version:           version,
			BlocklistZone:     cfg.Okta.BlocklistZone,
		})
		if err != nil {
			return p, nil, fmt.Errorf("okta: %w", err)
		}
		p.Okta = c
		checks["okta"] = c.Ping
	}
	if cfg.PingOne.Configured() {
		c, err := pingone.New(pingone.Config{
			EnvironmentID:     cfg.PingOne.EnvironmentID,
			ClientID:          cfg.PingOne.ClientID,
			ClientSecret:      cfg.PingOne.ClientSecret,
			Region:            cfg.PingOne.Region,
			APIURL:            cfg.PingOne.APIURL,
			AuthURL:           cfg.PingOne.AuthURL,
			AuthStyle:         cfg.PingOne.ClientAuth,
			RequestsPerSecond: cfg.PingOne.RequestsPerSecond,
			Observer:          m.ObserveProvider,
			Version:           version,
		})
		if err != nil {
			return p, nil, fmt.Errorf("pingone: %w", err)
		}
		p.PingOne = c
		checks["pingone"] = c.Ping
	}
	if pc := cfg.Integrations.PrismaCloud; pc.Configured() {
		c, err := prisma.New(prisma.Config{
			APIURL:    pc.APIURL,
			AccessKey: pc.AccessKey,
			SecretKey: pc.SecretKey,
			Observer:  m.ObserveProvider,
			Version:   version,
		})
		if err != nil {
			return p, nil, fmt.Errorf("prisma_cloud: %w", err)
		}
		p.Prisma = c
		// Advisory, both: Prisma Cloud enriches a response (blast radius,
		// identity alerts) but no containment depends on it, so Prisma down
		// or its view of Okta stale degrades idcmd and never takes it out
		// of a load balancer, with the Okta and PingOne commands.
		checks["prisma"] = handlers.Advisory(c.Ping)
		if pc.WatchesOktaPull(cfg.Okta.Configured()) {
			checks["prisma_okta_idp"] = handlers.Advisory(commands.PrismaIDPHealth(c))
		}
	}
	return p, checks, nil
}

// Run serves until ctx ends (SIGTERM), then shuts down gracefully: the
// listener closes at once, so new connections are refused, while in-flight
// calls get up to cfg.ShutdownTimeout to finish.
func Run(ctx context.Context, h http.Handler, ln net.Listener, cfg config.Server, log *slog.Logger) error {
	return serve(ctx, h, ln, cfg, log, nil)
}

// serve is Run, and then, when after is set, after with what is left of
// the grace period: one deadline bounds the whole shutdown.
func serve(ctx context.Context, h http.Handler, ln net.Listener, cfg config.Server, log *slog.Logger, after func(context.Context) error) error {
	grace := cfg.ShutdownTimeout
	srv := HTTPServer(h, cfg, log)
	errc := make(chan error, 1)
	go func() {
		// Serve recovers a handler's panic itself; this guards the rest.
		errc <- panics.Contain(log, "http server", func() error { return srv.Serve(ln) })
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: refusing new calls, finishing in-flight ones", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	httpErr := srv.Shutdown(sctx)
	if httpErr != nil {
		httpErr = fmt.Errorf("shutdown: %w", httpErr)
	} else if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		httpErr = err
	}
	if after != nil {
		log.Info("shutting down: finishing write-backs in flight", "left", time.Until(deadlineOf(sctx)).Round(time.Millisecond).String())
		if err := after(sctx); err != nil {
			return errors.Join(httpErr, err)
		}
	}
	if httpErr != nil {
		return httpErr
	}
	log.Info("stopped")
	return nil
}

func deadlineOf(ctx context.Context) time.Time {
	dl, _ := ctx.Deadline()
	return dl
}

// HTTPServer is the http.Server idcmd serves with. Its timeouts bound how
// long a slow or idle client can hold a connection: the headers must arrive
// within ReadHeaderTimeout; the whole request, body included, within that
// plus the request deadline (the API also sets the request deadline as the
// read deadline, so this is the backstop); an idle kept-alive connection
// closes after IdleTimeout. A zero setting (a Server built by hand, not
// loaded) takes the default, never "no timeout".
func HTTPServer(h http.Handler, cfg config.Server, log *slog.Logger) *http.Server {
	def := config.Defaults().Server
	header := positiveOr(cfg.ReadHeaderTimeout, def.ReadHeaderTimeout)
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: header,
		ReadTimeout:       header + positiveOr(cfg.RequestTimeout, def.RequestTimeout),
		IdleTimeout:       positiveOr(cfg.IdleTimeout, def.IdleTimeout),
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

func positiveOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// NewLogger is idcmd's structured JSON logger at the configured level.
func NewLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
