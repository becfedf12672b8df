// Package api assembles idcmd's Echo server: middleware, authentication, the
// error handler and the route table. It owns no behaviour of its own beyond
// wiring; handlers and the command model do the work.
package api

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/idcmd/idcmd/auth"
	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/handlers"
	"github.com/idcmd/idcmd/metrics"
	"github.com/idcmd/idcmd/openapi"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// Options are everything the server needs; cmd/idcmd builds them from config.
type Options struct {
	Invoker        *commands.Invoker
	Verifier       *auth.Verifier
	Metrics        *metrics.Metrics
	Logger         *slog.Logger
	ReadyChecks    map[string]handlers.Check
	RequestTimeout time.Duration
	CORSOrigins    []string
	// Hooks serves /okta/webhook and /pingone/webhook; a provider whose
	// secret is empty has no hook route (404).
	Hooks *handlers.Hooks
	// Rules are the rules POST /api/v1/rules/replay runs: the decider's.
	Rules handlers.RulesOptions
	// XSOARIntegration is the file GET /api/v1/xsoar/integration.yml
	// serves, stamped with the binary's version; the committed one if nil.
	XSOARIntegration []byte
}

// The hook paths are the SOPs'.
const (
	oktaHookPath    = "/okta/webhook"
	pingOneHookPath = "/pingone/webhook"
)

// hookPaths take bodies up to handlers.MaxHookBody, not BodyLimit: a
// PingOne payload may be 4 MB.
var hookPaths = []string{oktaHookPath, pingOneHookPath}

// New builds the Echo server with every route.
func New(o Options) *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = errorHandler(o.Logger)

	e.Use(requestID)
	e.Use(accessLog(o.Logger))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll:   true,
		DisablePrintStack: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			o.Logger.Error("panic", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "error", err, "stack", string(stack))
			return err
		},
	}))
	if len(o.CORSOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins: o.CORSOrigins,
			AllowHeaders: []string{echo.HeaderAuthorization, echo.HeaderContentType, "Idempotency-Key"},
			AllowMethods: []string{http.MethodGet, http.MethodPost},
		}))
	}
	e.Use(limitBody(hookPaths...))
	e.Use(guardBody)
	e.Use(deadline(o.RequestTimeout))

	health := &handlers.Health{Checks: o.ReadyChecks, Log: o.Logger}
	e.GET("/healthz", health.Live)
	// Anyone may ask whether idcmd is ready; why a provider fails (upstream
	// error text) is for a caller with a commands:read token.
	e.GET("/readyz", health.Ready, optionalToken(o.Verifier))
	e.GET("/metrics", echo.WrapHandler(o.Metrics.Handler()))
	mountSwagger(e)

	if h := o.Hooks; h != nil {
		// Authenticated by the provider's shared secret, not a JWT: Okta
		// and PingOne cannot mint idcmd tokens.
		if h.Okta.Secret != "" {
			e.GET(oktaHookPath, h.OktaVerify)
			e.POST(oktaHookPath, h.OktaDeliver)
		}
		if h.PingOne.Secret != "" {
			e.POST(pingOneHookPath, h.PingOneDeliver)
		}
	}

	cmds := &handlers.Commands{Invoker: o.Invoker}
	catalog := handlers.NewCatalog(o.Invoker.Catalog)
	v1 := e.Group("/api/v1", requireToken(o.Verifier))
	v1.GET("/commands", catalog.List, requireScope(commands.ScopeRead))
	v1.POST("/commands/:name", cmds.Run)
	integration := o.XSOARIntegration
	if integration == nil {
		integration = openapi.XSOARIntegration
	}
	v1.GET("/xsoar/integration.yml", catalog.Integration(integration), requireScope(commands.ScopeRead))

	approvals := &handlers.Approvals{Invoker: o.Invoker}
	v1.GET("/approvals", approvals.List, requireAnyScope(commands.ScopeRead, commands.ScopeApprovalsDecide))
	v1.GET("/approvals/:id", approvals.Get, requireAnyScope(commands.ScopeRead, commands.ScopeApprovalsDecide))
	v1.POST("/approvals/:id/approve", approvals.Approve) // the Invoker checks approvals:decide
	v1.POST("/approvals/:id/reject", approvals.Reject)
	v1.POST("/approvals/:id/cancel", approvals.Cancel) // only the requester, checked by the store

	writebacks := &handlers.Writebacks{Store: o.Invoker.Store}
	v1.GET("/writebacks", writebacks.List, requireScope(commands.ScopeRead))
	v1.GET("/writebacks/:id", writebacks.Get, requireScope(commands.ScopeRead))

	audit := &handlers.Audit{Store: o.Invoker.Store}
	v1.GET("/audit", audit.List, requireScope(commands.ScopeAuditRead))

	evs := &handlers.Events{Store: o.Invoker.Store}
	v1.GET("/events", evs.List, requireScope(commands.ScopeEventsRead))
	v1.GET("/events/:id", evs.Get, requireScope(commands.ScopeEventsRead))
	// Replay reads the event log and changes nothing: the log's scope.
	replay := &handlers.Rules{Store: o.Invoker.Store, RulesOptions: o.Rules}
	v1.POST("/rules/replay", replay.Replay, requireScope(commands.ScopeEventsRead))
	return e
}

func accessLog(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus:   true,
		LogMethod:   true,
		LogURIPath:  true,
		LogLatency:  true,
		LogRemoteIP: true,
		LogError:    true,
		HandleError: true, // run the error handler first, so the logged status is the one sent
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			attrs := []slog.Attr{
				// The id requestID chose, never the caller's raw header.
				slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)),
				slog.String("method", v.Method),
				slog.String("path", truncate(v.URIPath, maxLoggedPath)),
				slog.Int("status", v.Status),
				slog.Float64("latency_ms", float64(v.Latency.Microseconds())/1000),
				slog.String("remote_ip", v.RemoteIP),
			}
			if caller := handlers.CallerFrom(c); caller.Subject != "" {
				attrs = append(attrs, slog.String("subject", caller.Subject))
			}
			if name := c.Param("name"); name != "" {
				attrs = append(attrs, slog.String("command", truncateName(name)))
			}
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			log.LogAttrs(c.Request().Context(), level, "request", attrs...)
			return nil
		},
	})
}
