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
// records the caller. Authorization (scopes) is the Invoker's job. It never
// reads the body: an unauthenticated request is answered at once (and
// guardBody closes its connection rather than wait for the body).
func requireToken(v *auth.Verifier) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			caller, err := authenticate(v, c.Request())
			if err != nil {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, wwwAuthenticate(err))
				return err
			}
			handlers.SetCaller(c, caller)
			return next(c)
		}
	}
}

// optionalToken records the caller when the request carries a valid bearer
// token and lets every request through: endpoints open to anyone (/readyz)
// show more to an authenticated caller. An invalid token counts as none,
// so a probe with a stale token still gets the public answer.
func optionalToken(v *auth.Verifier) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if c.Request().Header.Get(echo.HeaderAuthorization) != "" {
				if caller, err := authenticate(v, c.Request()); err == nil {
					handlers.SetCaller(c, caller)
				}
			}
			return next(c)
		}
	}
}

// errNoToken is the 401 for a request without a bearer token.
var errNoToken = problem.New(http.StatusUnauthorized, "unauthorized", "Unauthorized",
	"Send Authorization: Bearer <token>; idcmd token mints one.")

// authenticate verifies the request's bearer token and returns its caller,
// or a 401 problem saying what is wrong without repeating the token.
func authenticate(v *auth.Verifier, r *http.Request) (commands.Caller, error) {
	scheme, token, ok := strings.Cut(r.Header.Get(echo.HeaderAuthorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return commands.Caller{}, errNoToken
	}
	claims, err := v.Verify(strings.TrimSpace(token))
	if err != nil {
		detail := "The bearer token is not valid."
		if errors.Is(err, auth.ErrInvalid) {
			detail = strings.TrimPrefix(err.Error(), auth.ErrInvalid.Error()+": ")
			detail = strings.ToUpper(detail[:1]) + detail[1:] + "."
		}
		return commands.Caller{}, problem.New(http.StatusUnauthorized, "unauthorized", "Unauthorized", detail)
	}
	return commands.Caller{Subject: claims.Subject, Scopes: claims.Scopes}, nil
}

// wwwAuthenticate is the challenge for a 401 (RFC 6750 §3).
func wwwAuthenticate(err error) string {
	if err == errNoToken {
		return `Bearer realm="idcmd"`
	}
	return `Bearer realm="idcmd", error="invalid_token"`
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
