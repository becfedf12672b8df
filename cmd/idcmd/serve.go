package main

import (
	"context"
	"flag"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/idcmd/idcmd/catalog"
	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/server"
)

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "YAML config file (optional; environment variables suffice)")
	addr := fs.String("addr", "", "listen address (default 127.0.0.1:8080, or IDCMD_ADDR)")
	sandbox := fs.Bool("sandbox", false, "start the embedded fake Okta org and point idcmd at it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*sandbox {
		// The sandbox's live heap is its fakes' data (tens of MB, not
		// idcmd's 3): there the higher target would cost about 60 MB
		// (BenchmarkSandboxRSS) to speed up a demo.
		tuneGC(os.Getenv)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	getenv := os.Getenv
	var sb *sandboxEnv
	if *sandbox {
		var err error
		sb, err = startSandbox()
		if err != nil {
			return err
		}
		defer sb.Close()
		getenv = sb.getenv
	}
	cfg, err := config.Load(*cfgPath, getenv)
	if err != nil {
		return err
	}
	if *addr != "" {
		cfg.Server.Addr = *addr
	}
	if sb != nil {
		sb.configure(&cfg)
	}
	// Log lines are queued by the goroutine that logs them and written to
	// stdout by one writer goroutine, off the request path; Close (last,
	// after the app's shutdown) writes what is left.
	logs := server.NewLogWriter(os.Stdout)
	defer logs.Close()
	log := server.NewLogger(logs, cfg.Server.LogLevel)
	app, err := server.Build(ctx, cfg, log, version)
	if err != nil {
		return err
	}
	app.Logs = logs
	// Serve shuts the app down gracefully; this closes it when serving
	// never began.
	defer app.Close()
	ln, err := net.Listen("tcp", cfg.Server.Addr)
	if err != nil {
		return err
	}
	if sb != nil {
		// Through the log writer, so it stays after the lines logged before it.
		if err := sb.announce(logs, ln.Addr().String(), cfg); err != nil {
			return err
		}
	}
	log.Info("idcmd listening", "addr", ln.Addr().String(), "version", version, "commands", len(catalog.Default.All()))
	var h http.Handler = app.Handler
	if sb != nil {
		h = sb.handler(h)
		// Once serving: the fakes verify a hook by calling it.
		go sb.registerHooks(ctx, ln.Addr().String(), cfg, log)
	}
	return app.Serve(ctx, h, ln)
}
