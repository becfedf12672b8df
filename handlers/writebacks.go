package handlers

import (
	"errors"
	"net/http"

	"github.com/idcmd/idcmd/store"
	"github.com/labstack/echo/v4"
)

// Writebacks serves GET /api/v1/writebacks: where each incident entry is.
type Writebacks struct {
	Store store.Store
}

// WritebackList is the body of GET /api/v1/writebacks.
type WritebackList struct {
	Writebacks []store.WriteBack `json:"writebacks"`
	// Pass it back as cursor for the next page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// Get returns one write-back with its attempts and last error.
func (h *Writebacks) Get(c echo.Context) error {
	wb, err := h.Store.GetWriteBack(c.Request().Context(), c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		return notFound("write-back")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, wb)
}

// List returns write-backs, newest first, by status and incident.
func (h *Writebacks) List(c echo.Context) error {
	status := store.WriteBackStatus(c.QueryParam("status"))
	switch status {
	case "", store.WriteBackQueued, store.WriteBackDelivering, store.WriteBackDelivered, store.WriteBackFailed:
	default:
		return queryError("status", "must be one of queued, delivering, delivered, failed")
	}
	limit, err := queryInt(c, "limit", 50, 1, 500)
	if err != nil {
		return err
	}
	list, next, err := h.Store.ListWriteBacks(c.Request().Context(), store.WriteBackFilter{
		Status: status, IncidentID: c.QueryParam("incident"), Limit: limit, Cursor: c.QueryParam("cursor"),
	})
	if err != nil {
		return listError(err)
	}
	if list == nil {
		list = []store.WriteBack{}
	}
	return c.JSON(http.StatusOK, WritebackList{Writebacks: list, NextCursor: next})
}
