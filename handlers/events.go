package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/store"
	"github.com/labstack/echo/v4"
)

// Events serves GET /api/v1/events: the identity event log.
type Events struct {
	Store store.Store
}

// EventList is the body of GET /api/v1/events.
type EventList struct {
	// Most recent first; without Raw (GET /api/v1/events/{id} has it).
	Events []events.Event `json:"events"`
	// Pass it back as cursor for the next page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// maxTypeFilters bounds the type query, so a filter stays one small query.
const maxTypeFilters = 50

// List returns events, most recent first, filtered by the query.
func (h *Events) List(c echo.Context) error {
	f := store.EventFilter{
		Provider: c.QueryParam("provider"),
		User:     c.QueryParam("user"),
		Outcome:  strings.ToUpper(c.QueryParam("outcome")),
		Source:   store.EventSource(c.QueryParam("source")),
		Cursor:   c.QueryParam("cursor"),
	}
	switch f.Provider {
	case "", events.Okta, events.PingOne:
	default:
		return queryError("provider", "must be okta or pingone")
	}
	switch f.Source {
	case "", store.SourceHook, store.SourcePoll:
	default:
		return queryError("source", "must be hook or poll")
	}
	// Several types: repeated or comma-separated. The SOPs' PingOne names
	// (MFA_VERIFY_FAILED) stand for their real action types.
	for _, v := range c.QueryParams()["type"] {
		for t := range strings.SplitSeq(v, ",") {
			if t = strings.TrimSpace(t); t == "" {
				continue
			}
			if _, alias := events.PingOneAliases[strings.ToUpper(t)]; alias {
				f.Types = append(f.Types, events.PingOneActionTypes([]string{t})...)
			} else {
				f.Types = append(f.Types, t)
			}
		}
	}
	if len(f.Types) > maxTypeFilters {
		return queryError("type", "names more than 50 event types")
	}
	switch c.QueryParam("rejected") {
	case "":
	case "true":
		f.Rejected = new(bool)
		*f.Rejected = true
	case "false":
		f.Rejected = new(bool)
	default:
		return queryError("rejected", "must be true or false")
	}
	var err error
	if f.Since, f.Until, f.Limit, err = timePage(c); err != nil {
		return err
	}
	recs, next, err := h.Store.ListEvents(c.Request().Context(), f)
	if err != nil {
		return listError(err)
	}
	list := make([]events.Event, len(recs))
	for i, r := range recs {
		list[i] = events.FromRecord(r, false)
	}
	return c.JSON(http.StatusOK, EventList{Events: list, NextCursor: next})
}

// Get returns one event by the provider's event id, with its raw payload
// and what the rules decided about it (EventDetail).
func (h *Events) Get(c echo.Context) error {
	provider := c.QueryParam("provider")
	switch provider {
	case "", events.Okta, events.PingOne:
	default:
		return queryError("provider", "must be okta or pingone")
	}
	r, err := h.Store.GetEvent(c.Request().Context(), provider, c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		return notFound("event")
	}
	if err != nil {
		return err
	}
	d, status, err := eventDecision(c.Request().Context(), h.Store, r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, EventDetail{Event: events.FromRecord(r, true), Decision: d, DecisionStatus: status})
}
