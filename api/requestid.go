package api

import (
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

// maxRequestID is the longest caller-supplied X-Request-Id idcmd keeps. A
// UUID is 36 characters, a W3C traceparent 55.
const maxRequestID = 64

// requestID gives every request one id: the caller's X-Request-Id when it
// is short and printable (XSOAR passes its own), a fresh UUID otherwise.
// The id chosen replaces the request header too, so every later reader —
// the access log included — sees that id and never the caller's original,
// which could be megabytes of log-garbling text.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !saneID(id) {
			id = newRequestID()
		}
		c.Request().Header.Set(echo.HeaderXRequestID, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

func newRequestID() string { return uuid.NewString() }

// saneID accepts ids of letters, digits and - _ . : up to maxRequestID.
func saneID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == ':') {
			return false
		}
	}
	return true
}

// maxEchoedName is how much of a caller-supplied name (an unknown command)
// idcmd repeats in a problem or a log line; maxLoggedPath is the same for
// the request path in the access log.
const (
	maxEchoedName = 64
	maxLoggedPath = 256
)

// truncateName cuts caller text to maxEchoedName runes with a marker, so
// a 1 MB path segment is not copied into every answer and log line.
func truncateName(s string) string { return truncate(s, maxEchoedName) }

// truncate cuts s to max runes, marking the cut.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max {
			return s[:i] + "…(truncated)"
		}
		n++
	}
	return s
}
