package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/idcmd/idcmd/auth"
	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/handlers"
	"github.com/idcmd/idcmd/problem"
	"github.com/labstack/echo/v4"
)

// requireToken authenticates every /api/ request with a bearer JWT and
// records the caller. Authorization (scopes) is the Invoker's job.
func requireToken(v *auth.Verifier) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Request().Header.Get(echo.HeaderAuthorization)
			scheme, token, ok := strings.Cut(h, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="idcmd"`)
				return problem.New(http.StatusUnauthorized, "unauthorized", "Unauthorized",
					"Send Authorization: Bearer <token>; idcmd token mints one.")
			}
			claims, err := v.Verify(strings.TrimSpace(token))
			if err != nil {
				detail := "The bearer token is not valid."
				if errors.Is(err, auth.ErrInvalid) {
					detail = strings.TrimPrefix(err.Error(), auth.ErrInvalid.Error()+": ")
					detail = strings.ToUpper(detail[:1]) + detail[1:] + "."
				}
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="idcmd", error="invalid_token"`)
				return problem.New(http.StatusUnauthorized, "unauthorized", "Unauthorized", detail)
			}
			handlers.SetCaller(c, commands.Caller{Subject: claims.Subject, Scopes: claims.Scopes})
			return next(c)
		}
	}
}

// requireScope guards non-command endpoints; commands are checked by the Invoker.
func requireScope(scope string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !handlers.CallerFrom(c).Has(scope) {
				return &commands.ScopeError{Scope: scope}
			}
			return next(c)
		}
	}
}

// requireAnyScope passes a caller holding at least one of scopes.
func requireAnyScope(scopes ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			caller := handlers.CallerFrom(c)
			for _, s := range scopes {
				if caller.Has(s) {
					return next(c)
				}
			}
			return &commands.ScopeError{Scope: strings.Join(scopes, " or ")}
		}
	}
}
