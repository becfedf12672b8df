package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/problem"
	"github.com/labstack/echo/v4"
)

// errorHandler is the one place an error becomes a response: an RFC 9457
// problem with the request id. A 5xx is logged with its cause; the caller
// only ever sees the problem text.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		var p *problem.Problem
		var he *echo.HTTPError
		switch {
		case errors.As(err, &he):
			p = fromHTTPError(he)
		case errors.Is(err, commands.ErrUnknownCommand) && c.Param("name") != "":
			p = unknownCommand(c.Param("name"))
		default:
			p = problem.From(err)
		}
		out := *p // never mutate a shared problem value
		out.RequestID = c.Response().Header().Get(echo.HeaderXRequestID)
		if out.Status >= 500 {
			log.Error("request failed", "request_id", out.RequestID, "status", out.Status, "error", err)
		}
		h := c.Response().Header()
		for k, vs := range out.Headers() {
			for _, v := range vs {
				h.Add(k, v)
			}
		}
		h.Set(echo.HeaderContentType, problem.ContentType)
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(out.Status)
			return
		}
		_ = c.JSON(out.Status, &out)
	}
}

// fromHTTPError maps Echo's own errors (no route, wrong method, body too large).
func fromHTTPError(he *echo.HTTPError) *problem.Problem {
	switch he.Code {
	case http.StatusNotFound:
		return problem.New(http.StatusNotFound, "not-found", "Not found", "No such endpoint; see /swagger/index.html.")
	case http.StatusMethodNotAllowed:
		return problem.New(http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed", "This endpoint does not accept that method.")
	case http.StatusRequestEntityTooLarge:
		return problem.New(http.StatusRequestEntityTooLarge, "body-too-large", "Request body too large", "The request body exceeds the 1 MiB (1,048,576 bytes) limit.")
	case http.StatusRequestTimeout:
		return problem.New(http.StatusRequestTimeout, "request-timeout", "Request timeout", "The request body did not arrive before the request deadline.")
	case http.StatusUnauthorized:
		return problem.New(http.StatusUnauthorized, "unauthorized", "Unauthorized", "A valid bearer token is required.")
	}
	if he.Code >= 400 && he.Code < 500 {
		return problem.New(he.Code, "http-"+http.StatusText(he.Code), http.StatusText(he.Code), http.StatusText(he.Code))
	}
	return problem.New(http.StatusInternalServerError, "internal", "Internal error", "idcmd failed to handle the request; the request id finds it in the logs.")
}

// unknownCommand is the 404 for a command name not in the catalog. The name
// is the caller's text, so it is quoted and cut to a bounded length.
func unknownCommand(name string) *problem.Problem {
	return problem.New(http.StatusNotFound, "unknown-command", "Unknown command",
		fmt.Sprintf("unknown command: %q; GET /api/v1/commands lists them.", truncateName(name)))
}
