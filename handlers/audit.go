package handlers

import (
	"errors"
	"net/http"
	"time"

	"github.com/idcmd/idcmd/store"
	"github.com/labstack/echo/v4"
)

// Audit serves GET /api/v1/audit.
type Audit struct {
	Store store.Store
}

// AuditList is the body of GET /api/v1/audit.
type AuditList struct {
	Records []store.AuditRecord `json:"records"`
	// Pass it back as cursor for the next page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// List returns audit records, newest first, filtered by the query.
func (h *Audit) List(c echo.Context) error {
	f := store.AuditFilter{
		Command:    c.QueryParam("command"),
		Subject:    c.QueryParam("subject"),
		TargetUser: c.QueryParam("user"),
		IncidentID: c.QueryParam("incident"),
		Outcome:    c.QueryParam("outcome"),
		Cursor:     c.QueryParam("cursor"),
	}
	switch f.Outcome {
	case "", "success", "provider_error", "rejected", "pending_approval", "error":
	default:
		return queryError("outcome", "must be one of success, provider_error, rejected, pending_approval, error")
	}
	var err error
	if f.Since, f.Until, f.Limit, err = timePage(c); err != nil {
		return err
	}
	recs, next, err := h.Store.ListAudit(c.Request().Context(), f)
	if err != nil {
		return listError(err)
	}
	if recs == nil {
		recs = []store.AuditRecord{}
	}
	return c.JSON(http.StatusOK, AuditList{Records: recs, NextCursor: next})
}

// timePage reads the since, until and limit of a paged list by time.
func timePage(c echo.Context) (since, until time.Time, limit int, err error) {
	if since, err = queryTime(c, "since"); err != nil {
		return
	}
	if until, err = queryTime(c, "until"); err != nil {
		return
	}
	limit, err = queryInt(c, "limit", 50, 1, 500)
	return
}

// listError is a list's store error as the caller should see it: a
// cursor the store does not know is the caller's.
func listError(err error) error {
	if errors.Is(err, store.ErrInvalidCursor) {
		return queryError("cursor", "is not a cursor this server handed out")
	}
	return err
}

func queryTime(c echo.Context, name string) (time.Time, error) {
	s := c.QueryParam(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, queryError(name, "must be an RFC 3339 time such as 2026-11-24T08:00:00Z")
	}
	return t, nil
}
