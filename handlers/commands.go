package handlers

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/problem"
	"github.com/labstack/echo/v4"
)

// Commands serves POST /api/v1/commands/{name} for every command in the catalog.
type Commands struct {
	Invoker *commands.Invoker
}

// Run decodes the body strictly, and runs the command through the Invoker.
func (h *Commands) Run(c echo.Context) error {
	cmd, err := h.Invoker.Lookup(c.Param("name"))
	if err != nil {
		return err
	}
	caller := CallerFrom(c)
	// Refuse a missing scope before reading the body; Invoke checks again,
	// because it is the gate for every path, not only HTTP.
	if err := h.Invoker.Authorize(cmd, caller); err != nil {
		return err
	}
	if err := requireJSON(c.Request()); err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return he
		}
		return problem.New(http.StatusBadRequest, "unreadable-body", "Unreadable body", "The request body could not be read.")
	}
	args, inc, err := commands.Decode(cmd, body)
	if err != nil {
		return err
	}
	res, err := h.Invoker.Invoke(c.Request().Context(), commands.Request{
		Command:   cmd.Info().Name,
		Args:      args,
		Incident:  inc,
		Caller:    caller,
		RequestID: c.Response().Header().Get(echo.HeaderXRequestID),
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// requireJSON accepts application/json (any parameters) and an empty body
// without a type; everything else is 415.
func requireJSON(r *http.Request) error {
	ct := r.Header.Get(echo.HeaderContentType)
	if ct == "" && r.ContentLength == 0 {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != echo.MIMEApplicationJSON {
		return problem.New(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
			"Send the arguments as a JSON object with Content-Type: application/json.")
	}
	return nil
}
