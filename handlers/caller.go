// Package handlers holds idcmd's HTTP handlers: the one generic command
// handler, the catalog, and health. Handlers decode, call the Invoker and
// encode; they return errors and leave the mapping to the API's error handler.
package handlers

import (
	"github.com/idcmd/idcmd/commands"
	"github.com/labstack/echo/v4"
)

const callerKey = "idcmd.caller"

// SetCaller records the authenticated caller on the request.
func SetCaller(c echo.Context, caller commands.Caller) { c.Set(callerKey, caller) }

// CallerFrom returns the authenticated caller; the zero Caller (no scopes)
// when authentication did not run, so nothing is allowed by accident.
func CallerFrom(c echo.Context) commands.Caller {
	caller, _ := c.Get(callerKey).(commands.Caller)
	return caller
}
