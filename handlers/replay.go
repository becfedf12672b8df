package handlers

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/problem"
	"github.com/idcmd/idcmd/rules"
	"github.com/idcmd/idcmd/store"
	"github.com/labstack/echo/v4"
)

// RulesOptions are what POST /api/v1/rules/replay decides by: the
// server's rules, as the decider runs them.
type RulesOptions struct {
	Config rules.Config
	// Directory answers the privileged-user detector; nil: unknown.
	Directory rules.Directory
}

// Rules serves POST /api/v1/rules/replay: what the current rules would
// have done with the stored events of a time range.
type Rules struct {
	Store store.Store
	RulesOptions
}

// ReplayRequest is the body of POST /api/v1/rules/replay.
type ReplayRequest struct {
	// Since is the start of the range (RFC 3339, inclusive), by the time
	// the events happened.
	Since string `json:"since" example:"2026-11-23T00:00:00Z"`
	// Until is its end (RFC 3339, exclusive), after since and at most 31
	// days after it.
	Until string `json:"until" example:"2026-11-24T00:00:00Z"`
	// Limit is how many decisions the report lists (1-1000, default 100);
	// every event is counted whatever it is.
	Limit *int `json:"limit,omitempty" example:"100"`
}

// Replay bounds.
const (
	// MaxReplayRange is the longest range one replay covers.
	MaxReplayRange = 31 * 24 * time.Hour
	// DefaultReplayLimit and MaxReplayLimit bound the decisions listed.
	DefaultReplayLimit = 100
	MaxReplayLimit     = 1000
)

// Replay runs the server's rules over the stored events of the range and
// returns rules.ReplayReport. Nothing is queued, recorded or audited.
func (h *Rules) Replay(c echo.Context) error {
	var req ReplayRequest
	if err := readJSONBody(c, &req); err != nil {
		return err
	}
	since, until, limit, err := req.check()
	if err != nil {
		return err
	}
	rep, err := rules.Replay(c.Request().Context(), h.Store, h.Config, h.Directory, since, until, limit)
	if err != nil {
		return err
	}
	if rep.Decisions == nil {
		rep.Decisions = []rules.Decision{} // the document's array, not null
	}
	return c.JSON(http.StatusOK, rep)
}

// check reads the range and the limit; problems name the body member.
func (r ReplayRequest) check() (since, until time.Time, limit int, err error) {
	var errs []commands.FieldError
	parse := func(name, v string) time.Time {
		if v == "" {
			errs = append(errs, commands.FieldError{Location: "body." + name, Message: "is required: an RFC 3339 time such as 2026-11-24T08:00:00Z"})
			return time.Time{}
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			errs = append(errs, commands.FieldError{Location: "body." + name, Message: "must be an RFC 3339 time such as 2026-11-24T08:00:00Z"})
		}
		return t
	}
	since, until = parse("since", r.Since), parse("until", r.Until)
	if len(errs) == 0 {
		switch {
		case !until.After(since):
			errs = append(errs, commands.FieldError{Location: "body.until", Message: "must be after since"})
		case until.Sub(since) > MaxReplayRange:
			errs = append(errs, commands.FieldError{Location: "body.until", Message: "must be at most 31 days after since"})
		}
	}
	limit = DefaultReplayLimit
	if r.Limit != nil {
		limit = *r.Limit
		if limit < 1 || limit > MaxReplayLimit {
			errs = append(errs, commands.FieldError{Location: "body.limit", Message: "must be an integer from 1 to " + strconv.Itoa(MaxReplayLimit)})
		}
	}
	if len(errs) > 0 {
		return since, until, limit, &commands.InputError{Detail: "The replay request is invalid", Errors: errs}
	}
	return since, until, limit, nil
}

// readJSONBody reads a small JSON body strictly into v (no unknown
// members); an empty body leaves v as it is.
func readJSONBody(c echo.Context, v any) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	return commands.DecodeJSON(body, v)
}

// readBody checks that the body is JSON and reads it. Over the limit is a
// 413 and too slow a 408; any other failure is the caller's body cut off
// on the wire or badly chunked: a 400, never a 500.
func readBody(c echo.Context) ([]byte, error) {
	if err := requireJSON(c.Request()); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return nil, he
		}
		return nil, problem.New(http.StatusBadRequest, "unreadable-body", "Unreadable body", "The request body could not be read: it was cut off (fewer bytes than its Content-Length) or badly chunked.")
	}
	return body, nil
}
