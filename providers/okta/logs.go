package okta

import (
	"context"
	"encoding/json"
	"net/url"
	"reflect"
	"strconv"
	"strings"
)

const (
	logsPath = "/api/v1/logs"
	// maxLogLimit is the System Log's page size ceiling (spec: 0–1000).
	maxLogLimit = 1000
	// logTimeFormat is the ISO 8601 form Okta's own examples use.
	logTimeFormat = "2006-01-02T15:04:05.000Z"
)

// ListLogs returns one page of System Log events and the cursor of the next
// page. A bounded query (Since and Until) ends with cursor ""; a polling
// query (no Until, ascending) always has a next cursor, even after an empty
// page: keep it and call again later (reference §7). With q.Cursor set,
// the other fields are ignored.
func (c *Client) ListLogs(ctx context.Context, q LogQuery) ([]LogEvent, string, error) {
	u, err := c.logsURL(q)
	if err != nil {
		return nil, "", err
	}
	resp, err := c.get(ctx, "listLogEvents", u)
	if err != nil {
		return nil, "", err
	}
	raws, err := decodeRawList("listLogEvents", resp)
	if err != nil {
		return nil, "", err
	}
	events := make([]LogEvent, len(raws))
	for i, raw := range raws {
		events[i] = DecodeLogEvent(raw)
	}
	next, err := c.cursorFrom(resp, logsPath)
	if err != nil {
		return nil, "", err
	}
	return events, next, nil
}

// LogsCursor returns the cursor of the first page of q: ListLogs with it as
// the Cursor fetches that same page. A caller that reads a listing page by
// page can so name every page, the first one included, in one way, and
// come back to a page it has read only in part.
func (c *Client) LogsCursor(q LogQuery) (string, error) {
	u, err := c.logsURL(q)
	if err != nil {
		return "", err
	}
	return encodeCursor(u, logsPath)
}

func (c *Client) logsURL(q LogQuery) (string, error) {
	if q.Cursor != "" {
		return c.cursorURL(q.Cursor, logsPath)
	}
	if q.Limit < 0 || q.Limit > maxLogLimit {
		return "", invalid("limit must be between 0 and 1000 (0 means Okta's default of 100)")
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && q.Until.Before(q.Since) {
		return "", invalid("until must not be before since")
	}
	order := strings.ToUpper(q.SortOrder)
	if order != "" && order != "ASCENDING" && order != "DESCENDING" {
		return "", invalid("sortOrder must be ASCENDING or DESCENDING")
	}
	v := url.Values{}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.UTC().Format(logTimeFormat))
	}
	if !q.Until.IsZero() {
		v.Set("until", q.Until.UTC().Format(logTimeFormat))
	}
	setIf(v, "filter", q.Filter)
	setIf(v, "q", q.Q)
	setIf(v, "sortOrder", order)
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return c.endpoint(logsPath, v), nil
}

// EventTypeFilter is the System Log filter (eventType eq "a" or eventType
// eq "b" ...). The types must already be checked to be dotted names: a
// quote in one would end the string.
func EventTypeFilter(types []string) string {
	parts := make([]string, 0, len(types))
	for _, t := range types {
		parts = append(parts, `eventType eq "`+t+`"`)
	}
	return "(" + strings.Join(parts, " or ") + ")"
}

// DecodeLogEvent decodes one event leniently, as ListLogs does; event hook
// deliveries carry the same events. Real events do not always
// match the spec (postalCode as a number, undeclared fields), and the Okta
// SDK has broken on them repeatedly. So a malformed event is never dropped
// and never fails the page: it is KEPT, with every typed field that could
// be decoded and Raw always set to the event as Okta sent it. (Even an
// element that is not an object is kept, as an event with only Raw.)
func DecodeLogEvent(raw json.RawMessage) LogEvent {
	var ev LogEvent
	// The faster decoder the other Okta objects use (decode.go): an event
	// hook delivery is a hundred of these on the intake's request path.
	if err := unmarshal(raw, &ev); err != nil {
		// A decoder stops at the first value whose own decoding fails (a
		// bad timestamp), so retry field by field: one bad field then
		// costs only itself.
		ev = decodeLogEventFields(raw)
	}
	ev.Raw = raw
	return ev
}

// decodeLogEventFields decodes each top-level field of LogEvent on its own,
// leaving those that fail at their zero value.
func decodeLogEventFields(raw json.RawMessage) LogEvent {
	var ev LogEvent
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return ev
	}
	v := reflect.ValueOf(&ev).Elem()
	t := v.Type()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if value, ok := fields[name]; ok && name != "" && name != "-" {
			_ = json.Unmarshal(value, v.Field(i).Addr().Interface())
		}
	}
	return ev
}
