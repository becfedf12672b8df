package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/panics"
	"github.com/labstack/echo/v4"
)

// Check reports whether one dependency (a provider) is reachable and accepts
// idcmd's credentials.
type Check func(ctx context.Context) error

// Advisory marks a check whose failure degrades idcmd without making it
// unready: /readyz still answers 200 "ok", shows the check as degraded
// (why, with a commands:read token) and lists it under degraded. Prisma's
// stale view of Okta is such a failure: a load balancer must not drop
// idcmd for it. A panic in check is contained here, so it degrades too.
func Advisory(check Check) Check {
	return func(ctx context.Context) error {
		if err := panics.Contain(nil, "advisory readiness check", func() error { return check(ctx) }); err != nil {
			return &advisoryError{err: err}
		}
		return nil
	}
}

// advisoryError is an advisory check's failure.
type advisoryError struct{ err error }

func (e *advisoryError) Error() string { return e.err.Error() }
func (e *advisoryError) Unwrap() error { return e.err }

// Health serves /healthz (the process is up) and /readyz (every configured
// provider can be reached and authenticated). /readyz is open to anyone (a
// load balancer's probe has no token), so by default it says only ok or
// failing per provider: an upstream error can name a client ID, a tenant
// URL or an account. A caller with a commands:read token sees why.
type Health struct {
	Checks  map[string]Check
	Timeout time.Duration
	// Log gets the stack of a check that panicked; slog.Default() when nil.
	Log *slog.Logger
}

// HealthStatus is the body of /healthz and /readyz.
type HealthStatus struct {
	// ok or failing.
	Status string `json:"status" example:"ok"`
	// Per dependency: ok, failing or degraded; with a commands:read token, why it fails instead.
	Checks map[string]string `json:"checks,omitempty"`
	// The advisory checks that fail: idcmd serves, but what they watch is degraded (Prisma's view of Okta is stale).
	Degraded []string `json:"degraded,omitempty"`
}

// Live answers 200 while the process serves.
func (h *Health) Live(c echo.Context) error {
	return c.JSON(http.StatusOK, HealthStatus{Status: "ok"})
}

// checkFailing is what an anonymous caller sees for a failing dependency,
// checkDegraded for a failing advisory check.
const (
	checkFailing  = "failing"
	checkDegraded = "degraded"
)

// Ready runs every check concurrently and answers 503 when one fails.
func (h *Health) Ready(c echo.Context) error {
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), timeout)
	defer cancel()
	names := make([]string, 0, len(h.Checks))
	for n := range h.Checks {
		names = append(names, n)
	}
	sort.Strings(names)
	results := make([]string, len(names))
	advisory := make([]bool, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A check that panics fails; the process goes on.
			if err := panics.Contain(h.Log, "readiness check "+n, func() error { return h.Checks[n](ctx) }); err != nil {
				var ae *advisoryError
				advisory[i] = errors.As(err, &ae)
				results[i] = err.Error()
			} else {
				results[i] = "ok"
			}
		}()
	}
	wg.Wait()
	detailed := CallerFrom(c).Has(commands.ScopeRead)
	out := HealthStatus{Status: "ok", Checks: make(map[string]string, len(names))}
	for i, n := range names {
		out.Checks[n] = results[i]
		switch {
		case results[i] == "ok":
		case advisory[i]:
			out.Degraded = append(out.Degraded, n)
			if !detailed {
				out.Checks[n] = checkDegraded
			}
		default:
			out.Status = checkFailing
			if !detailed {
				out.Checks[n] = checkFailing
			}
		}
	}
	if out.Status != "ok" {
		return c.JSON(http.StatusServiceUnavailable, out)
	}
	return c.JSON(http.StatusOK, out)
}
