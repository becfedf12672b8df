package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/problem"
	"github.com/idcmd/idcmd/store"
	"github.com/labstack/echo/v4"
)

// Approvals serves /api/v1/approvals: list, read, approve, reject, cancel.
type Approvals struct {
	Invoker *commands.Invoker
}

// ApprovalList is the body of GET /api/v1/approvals.
type ApprovalList struct {
	Approvals []store.Approval `json:"approvals"`
	// Pass it back as cursor for the next page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// Decision is the body of approve and reject.
type Decision struct {
	// Why, for the audit log and the requester.
	Comment string `json:"comment" validate:"max=1000" example:"Confirmed with the user's manager"`
}

// List returns approvals, newest first, optionally by status.
func (h *Approvals) List(c echo.Context) error {
	status := c.QueryParam("status")
	switch store.ApprovalStatus(status) {
	case "", store.ApprovalPending, store.ApprovalApproved, store.ApprovalRejected, store.ApprovalExpired,
		store.ApprovalCancelled, store.ApprovalRunning, store.ApprovalExecuted, store.ApprovalFailed:
	default:
		return queryError("status", "must be one of pending, approved, rejected, expired, cancelled, running, executed, failed")
	}
	limit, err := queryInt(c, "limit", 50, 1, 500)
	if err != nil {
		return err
	}
	list, next, err := h.Invoker.Store.ListApprovals(c.Request().Context(), store.ApprovalFilter{
		Status: store.ApprovalStatus(status), Requester: c.QueryParam("requester"), Command: c.QueryParam("command"),
		Limit: limit, Cursor: c.QueryParam("cursor"),
	})
	if err != nil {
		return listError(err)
	}
	if list == nil {
		list = []store.Approval{}
	}
	return c.JSON(http.StatusOK, ApprovalList{Approvals: list, NextCursor: next})
}

// Get returns one approval.
func (h *Approvals) Get(c echo.Context) error {
	a, err := h.Invoker.Store.GetApproval(c.Request().Context(), c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		return commands.ErrApprovalNotFound
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

// Approve runs the held command (at most once) and returns the approval
// with the command's result.
func (h *Approvals) Approve(c echo.Context) error { return h.decide(c, true) }

// Reject refuses the held command.
func (h *Approvals) Reject(c echo.Context) error { return h.decide(c, false) }

func (h *Approvals) decide(c echo.Context, approve bool) error {
	var d Decision
	if err := decodeOptional(c, &d); err != nil {
		return err
	}
	a, err := h.Invoker.Decide(c.Request().Context(), c.Param("id"), CallerFrom(c), approve, d.Comment)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

// Cancel withdraws a pending approval; only its requester may.
func (h *Approvals) Cancel(c echo.Context) error {
	a, err := h.Invoker.Cancel(c.Request().Context(), c.Param("id"), CallerFrom(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

// decodeOptional reads an optional small JSON body strictly.
func decodeOptional(c echo.Context, v *Decision) error {
	if c.Request().ContentLength == 0 {
		return nil
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if err := commands.DecodeJSON(body, v); err != nil {
		return err
	}
	if len(v.Comment) > 1000 {
		return &commands.InputError{Detail: "The decision is invalid", Errors: []commands.FieldError{{Location: "body.comment", Message: "must be at most 1000 characters long"}}}
	}
	return nil
}

// notFound is a 404 problem for a missing object of the API's own.
func notFound(what string) error {
	return problem.New(http.StatusNotFound, "not-found", "Not found", "No "+what+" with that id.")
}

func queryError(name, msg string) error {
	return &commands.InputError{Detail: "A query parameter is invalid", Errors: []commands.FieldError{{Location: "query." + name, Message: msg}}}
}

func queryInt(c echo.Context, name string, def, lo, hi int) (int, error) {
	s := c.QueryParam(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, queryError(name, "must be an integer from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
	}
	return n, nil
}
