package commands

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/providers/okta"
)

// OktaGetLogsArgs query the Okta System Log.
type OktaGetLogsArgs struct {
	// System Log filter (SCIM): eq, sw, co on eventType, actor.id, actor.alternateId, target.id, outcome.result; and/or; e.g. eventType eq "user.session.start" and outcome.result eq "FAILURE".
	Filter string `json:"filter,omitempty" validate:"omitempty,max=2048" example:"eventType eq \"user.session.start\""`
	// Keyword search (up to 10 words of at most 40 characters).
	Q string `json:"q,omitempty" validate:"omitempty,max=440"`
	// Start of the range (RFC 3339); Okta's default is 7 days ago.
	Since string `json:"since,omitempty" validate:"omitempty,datetime=2006-01-02T15:04:05Z07:00" format:"date-time" example:"2026-11-23T00:00:00Z"`
	// End of the range (RFC 3339). Without it the query is a polling query.
	Until string `json:"until,omitempty" validate:"omitempty,datetime=2006-01-02T15:04:05Z07:00" format:"date-time"`
	// Order by publish time.
	SortOrder string `json:"sort_order,omitempty" validate:"omitempty,oneof=ASCENDING DESCENDING" default:"ASCENDING"`
	// Maximum events to return (1-1000), read across as many Okta pages as it takes.
	Limit int `json:"limit,omitempty" validate:"omitempty,min=1,max=1000" default:"100"`
	// next_cursor of a previous call with the same other arguments (limit may differ); next_cursor is set only when more remain.
	Cursor string `json:"cursor,omitempty" validate:"omitempty,max=16384"`
}

// Validate checks the range and Okta's keyword limits.
func (a *OktaGetLogsArgs) Validate() error {
	if a.Since != "" && a.Until != "" && !parseTime(a.Since).Before(parseTime(a.Until)) {
		return inputError("The arguments are invalid", "body.until", "must be after since")
	}
	if a.Q != "" {
		words := strings.Fields(a.Q)
		if len(words) > 10 {
			return inputError("The arguments are invalid", "body.q", "must have at most 10 keywords")
		}
		for _, w := range words {
			if len(w) > 40 {
				return inputError("The arguments are invalid", "body.q", "keywords must be at most 40 characters long")
			}
		}
	}
	return nil
}

// OktaGetLogs reads System Log events.
var OktaGetLogs = Spec[OktaGetLogsArgs, []okta.LogEvent]{
	Name:     "okta-get-logs",
	Summary:  "Query the Okta System Log",
	Provider: Okta,
	Context:  Context{Prefix: "Okta.Logs.Events", Key: "uuid"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a OktaGetLogsArgs) (Reply[[]okta.LogEvent], error) {
		q := okta.LogQuery{Filter: a.Filter, Q: a.Q, Since: parseTime(a.Since), Until: parseTime(a.Until), SortOrder: a.SortOrder, Limit: orDefault(a.Limit, 100)}
		return oktaLogReply(ctx, p, "Okta System Log events", q, scopeOf("okta-get-logs", a), a.Cursor)
	},
}

// OktaUserEventsArgs select the events around one user.
type OktaUserEventsArgs struct {
	OktaUserArgs
	// Look back this many hours (1-2160, the 90-day retention); default 24.
	Hours int `json:"hours,omitempty" validate:"omitempty,min=1,max=2160" default:"24" example:"24"`
	// Start of the range (RFC 3339) instead of hours.
	Since string `json:"since,omitempty" validate:"omitempty,datetime=2006-01-02T15:04:05Z07:00" format:"date-time"`
	// Only these event types, e.g. user.session.start.
	EventTypes []string `json:"event_types,omitempty" validate:"omitempty,max=20,dive,min=1,max=128,printascii"`
	// Maximum events to return (1-1000), read across as many Okta pages as it takes.
	Limit int `json:"limit,omitempty" validate:"omitempty,min=1,max=1000" default:"100"`
	// next_cursor of a previous call with the same other arguments (limit may differ); next_cursor is set only when more remain.
	Cursor string `json:"cursor,omitempty" validate:"omitempty,max=16384"`
}

// Validate forbids giving both forms of the start.
func (a *OktaUserEventsArgs) Validate() error {
	if a.Hours != 0 && a.Since != "" {
		return inputError("The arguments are invalid", "body.since", "use either hours or since, not both")
	}
	return validEventTypes(a.EventTypes)
}

// OktaGetUserEvents reads events where the user is the actor or a target.
var OktaGetUserEvents = Spec[OktaUserEventsArgs, []okta.LogEvent]{
	Name:     "okta-get-user-events",
	Summary:  "Get System Log events where an Okta user is actor or target",
	Provider: Okta,
	Context:  Context{Prefix: "Okta.Logs.Events", Key: "uuid"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a OktaUserEventsArgs) (Reply[[]okta.LogEvent], error) {
		return oktaUserEvents(ctx, p, a, scopeOf("okta-get-user-events", a))
	},
}

// oktaUserEvents runs okta-get-user-events; scope binds its cursors to the
// command that was called (get-user-events runs this too).
func oktaUserEvents(ctx context.Context, p Providers, a OktaUserEventsArgs, scope cursorScope) (Reply[[]okta.LogEvent], error) {
	if err := p.checkCursor(scope, a.Cursor, 1); err != nil {
		return Reply[[]okta.LogEvent]{}, err
	}
	_, u, err := resolveOktaUser(ctx, p, a.User)
	if err != nil {
		return Reply[[]okta.LogEvent]{}, err
	}
	now := time.Now().UTC()
	who := `(actor.id eq "` + u.ID + `" or target.id eq "` + u.ID + `")`
	filter := who
	if len(a.EventTypes) > 0 {
		filter = who + " and " + okta.EventTypeFilter(a.EventTypes)
	}
	// Bounded (since and until) so the answer is ordered by time and finite.
	q := okta.LogQuery{Filter: filter, Since: window(now, a.Since, a.Hours, 24), Until: now, SortOrder: "DESCENDING", Limit: orDefault(a.Limit, 100)}
	return oktaLogReply(ctx, p, "Okta events of "+u.Profile.Login, q, scope, a.Cursor)
}

// SecurityEventTypes are the SOP's security event types, queried by
// okta-get-security-events when the caller names none.
var SecurityEventTypes = events.OktaSecurityEvents

// OktaSecurityEventsArgs select security events org-wide.
type OktaSecurityEventsArgs struct {
	// Start of the range (RFC 3339); default: hours ago.
	Since string `json:"since,omitempty" validate:"omitempty,datetime=2006-01-02T15:04:05Z07:00" format:"date-time"`
	// Look back this many hours when since is not given (1-2160); default 24.
	Hours int `json:"hours,omitempty" validate:"omitempty,min=1,max=2160" default:"24"`
	// Event types to include; default the SOP's security event list.
	EventTypes []string `json:"event_types,omitempty" validate:"omitempty,max=20,dive,min=1,max=128,printascii"`
	// Only failures (outcome.result FAILURE or DENY).
	FailuresOnly bool `json:"failures_only,omitempty"`
	// Maximum events to return (1-1000), read across as many Okta pages as it takes.
	Limit int `json:"limit,omitempty" validate:"omitempty,min=1,max=1000" default:"100"`
	// next_cursor of a previous call with the same other arguments (limit may differ); next_cursor is set only when more remain.
	Cursor string `json:"cursor,omitempty" validate:"omitempty,max=16384"`
}

// Validate forbids giving both forms of the start.
func (a *OktaSecurityEventsArgs) Validate() error {
	if a.Hours != 0 && a.Since != "" {
		return inputError("The arguments are invalid", "body.since", "use either hours or since, not both")
	}
	return validEventTypes(a.EventTypes)
}

// OktaGetSecurityEvents reads the SOP's security events since a time.
var OktaGetSecurityEvents = Spec[OktaSecurityEventsArgs, []okta.LogEvent]{
	Name:     "okta-get-security-events",
	Summary:  "Get Okta security events (sign-ins, MFA failures, lockouts, lifecycle) since a time",
	Provider: Okta,
	Context:  Context{Prefix: "Okta.Logs.Events", Key: "uuid"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a OktaSecurityEventsArgs) (Reply[[]okta.LogEvent], error) {
		types := a.EventTypes
		if len(types) == 0 {
			types = SecurityEventTypes
		}
		filter := okta.EventTypeFilter(types)
		if a.FailuresOnly {
			filter += ` and (outcome.result eq "FAILURE" or outcome.result eq "DENY")`
		}
		now := time.Now().UTC()
		q := okta.LogQuery{Filter: filter, Since: window(now, a.Since, a.Hours, 24), Until: now, SortOrder: "DESCENDING", Limit: orDefault(a.Limit, 100)}
		return oktaLogReply(ctx, p, "Okta security events", q, scopeOf("okta-get-security-events", a), a.Cursor)
	},
}

// validEventTypes keeps event types to Okta's dotted names, so a value
// cannot smuggle a quote into the filter expression.
func validEventTypes(types []string) error {
	for i, t := range types {
		for _, r := range t {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
				return inputError("The arguments are invalid", "body.event_types["+strconv.Itoa(i)+"]", "must be an event type name such as user.session.start")
			}
		}
	}
	return nil
}

// oktaLogReply reads up to q.Limit events of q (or from cursor on),
// following System Log next links; q.Limit is also the page size asked for.
// A polling query (no until, ascending) keeps a cursor even at its end: it
// is where the next events will arrive.
func oktaLogReply(ctx context.Context, p Providers, title string, q okta.LogQuery, scope cursorScope, cursor string) (Reply[[]okta.LogEvent], error) {
	c, err := p.oktaClient()
	if err != nil {
		return Reply[[]okta.LogEvent]{}, err
	}
	events, next, err := readPaged(ctx, p, pagedQuery[okta.LogEvent]{
		scope: scope, cursor: cursor, limit: q.Limit,
		fetch: func(ctx context.Context, ref string) ([]okta.LogEvent, string, error) {
			return c.ListLogs(ctx, okta.LogQuery{Cursor: ref})
		},
		first:   []func() (string, error){func() (string, error) { return c.LogsCursor(q) }},
		polling: q.Until.IsZero() && !strings.EqualFold(q.SortOrder, "DESCENDING"),
	}, keepAll)
	if err != nil {
		return Reply[[]okta.LogEvent]{}, err
	}
	rows := make([][]string, 0, len(events))
	for _, e := range events {
		rows = append(rows, []string{
			e.Published.UTC().Format(time.RFC3339), e.EventType, e.Outcome.Result,
			e.Actor.AlternateID, targetNames(e.Target), e.Client.IPAddress, place(e.Client.GeographicalContext),
		})
	}
	return Reply[[]okta.LogEvent]{
		Outputs:    events,
		Readable:   table(pageTitle(len(events), title, next), []string{"Time", "Event type", "Outcome", "Actor", "Target", "IP", "Location"}, rows),
		Raw:        rawList(events, func(e okta.LogEvent) []byte { return e.Raw }),
		NextCursor: next,
	}, nil
}

func targetNames(ts []okta.LogTarget) string {
	names := make([]string, 0, len(ts))
	for _, t := range ts {
		n := t.AlternateID
		if n == "" {
			n = t.DisplayName
		}
		names = append(names, n)
	}
	return strings.Join(names, ", ")
}

func place(g okta.LogGeo) string {
	parts := make([]string, 0, 3)
	for _, s := range []string{g.City, g.State, g.Country} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
