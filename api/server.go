// Package api assembles idcmd's Echo server: middleware, authentication, the
// error handler and the route table. It owns no behaviour of its own beyond
// wiring; handlers and the command model do the work.
package api

import (
	"context"
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

// BodyLimit is the largest request body accepted (413 above it).
const BodyLimit = "1M"

// Options are everything the server needs; cmd/idcmd builds them from config.
type Options struct {
	Invoker        *commands.Invoker
	Verifier       *auth.Verifier
	Metrics        *metrics.Metrics
	Logger         *slog.Logger
	ReadyChecks    map[string]handlers.Check
	RequestTimeout time.Duration
	CORSOrigins    []string
	// XSOARIntegration is the file GET /api/v1/xsoar/integration.yml
	// serves, stamped with the binary's version; the committed one if nil.
	XSOARIntegration []byte
}

// New builds the Echo server with every route.
func New(o Options) *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = errorHandler(o.Logger)

	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{
		// Accept a caller's id (XSOAR passes its own) only when it is sane.
		Skipper: func(echo.Context) bool { return false },
		RequestIDHandler: func(c echo.Context, id string) {
			c.Set(echo.HeaderXRequestID, id)
		},
	}))
	e.Use(sanitizeRequestID)
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
	e.Use(middleware.BodyLimit(BodyLimit))
	e.Use(deadline(o.RequestTimeout))

	health := &handlers.Health{Checks: o.ReadyChecks}
	e.GET("/healthz", health.Live)
	e.GET("/readyz", health.Ready)
	e.GET("/metrics", echo.WrapHandler(o.Metrics.Handler()))
	mountSwagger(e)

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
	return e
}

// deadline gives every request a context deadline, so a slow provider
// cannot hold a caller (or a connection) forever.
func deadline(d time.Duration) echo.MiddlewareFunc {
	if d <= 0 {
		d = 30 * time.Second
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx, cancel := context.WithTimeout(c.Request().Context(), d)
			defer cancel()
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	}
}

// sanitizeRequestID replaces a caller-supplied X-Request-Id that is too long
// or has characters that would garble logs.
func sanitizeRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Response().Header().Get(echo.HeaderXRequestID)
		if !saneID(id) {
			id = newRequestID()
			c.Response().Header().Set(echo.HeaderXRequestID, id)
		}
		return next(c)
	}
}

func saneID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == ':') {
			return false
		}
	}
	return true
}

func accessLog(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus:    true,
		LogMethod:    true,
		LogURIPath:   true,
		LogLatency:   true,
		LogRemoteIP:  true,
		LogRequestID: true,
		LogError:     true,
		HandleError:  true, // run the error handler first, so the logged status is the one sent
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			attrs := []slog.Attr{
				slog.String("request_id", v.RequestID),
				slog.String("method", v.Method),
				slog.String("path", v.URIPath),
				slog.Int("status", v.Status),
				slog.Float64("latency_ms", float64(v.Latency.Microseconds())/1000),
				slog.String("remote_ip", v.RemoteIP),
			}
			if caller := handlers.CallerFrom(c); caller.Subject != "" {
				attrs = append(attrs, slog.String("subject", caller.Subject))
			}
			if name := c.Param("name"); name != "" {
				attrs = append(attrs, slog.String("command", name))
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
