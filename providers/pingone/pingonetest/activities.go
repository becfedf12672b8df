package pingonetest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// Audit activity query rules.
const (
	// activityRetention is how far back /activities reaches; older data
	// must be restored first ("Restore Activities").
	activityRetention = 14 * 24 * time.Hour
	// retentionGrace forgives a client that computes "now - 14 days" on a
	// clock slightly behind the server's.
	retentionGrace = 5 * time.Minute
)

// activityFilter is what the activities filter may say (PingOne's query
// parameter quick reference). recordedat is handled by recordedAtField
// and is required as a range.
var activityFilter = filterSchema[*storedActivity]{fields: map[string]fieldMatcher[*storedActivity]{
	"recordedat":    recordedAtField,
	"correlationid": stringField(func(a *storedActivity) string { return a.act.CorrelationID }, "eq"),
	"actors.client.id": stringField(func(a *storedActivity) string {
		if a.client == nil {
			return ""
		}
		return a.client.id
	}, "eq"),
	"actors.user.id": stringField(func(a *storedActivity) string {
		if a.user == nil {
			return ""
		}
		return a.user.id
	}, "eq"),
	"actors.user.name": stringField(func(a *storedActivity) string {
		if a.user == nil {
			return ""
		}
		return a.user.name
	}, "eq"),
	"resources.id":            multiStringField(resourceField(func(r resourceRef) string { return r.id }), "eq"),
	"resources.type":          multiStringField(resourceField(func(r resourceRef) string { return r.typ }), "eq"),
	"resources.population.id": multiStringField(resourceField(func(r resourceRef) string { return r.popID }), "eq"),
	"action.type":             stringField(func(a *storedActivity) string { return a.act.Type }, "eq", "in"),
}}

func resourceField(get func(resourceRef) string) func(*storedActivity) []string {
	return func(a *storedActivity) []string {
		out := make([]string, len(a.resources))
		for i, r := range a.resources {
			out[i] = get(r)
		}
		return out
	}
}

// recordedAtField compares recordedAt with an RFC 3339 timestamp.
func recordedAtField(attr, op string, v filterValue) (func(*storedActivity) bool, error) {
	if err := checkOp(attr, op, []string{"gt", "ge", "lt", "le"}); err != nil {
		return nil, err
	}
	t, ok := recordedAtValue(v)
	if !ok {
		return nil, unsupported("%s needs a quoted RFC 3339 timestamp such as \"2024-06-01T00:00:00Z\"", attr)
	}
	switch op {
	case "gt":
		return func(a *storedActivity) bool { return a.act.RecordedAt.After(t) }, nil
	case "ge":
		return func(a *storedActivity) bool { return !a.act.RecordedAt.Before(t) }, nil
	case "lt":
		return func(a *storedActivity) bool { return a.act.RecordedAt.Before(t) }, nil
	}
	return func(a *storedActivity) bool { return !a.act.RecordedAt.After(t) }, nil
}

func recordedAtValue(v filterValue) (time.Time, bool) {
	if v.kind != valueString {
		return time.Time{}, false
	}
	return parseTime(v.text)
}

// timeRange is the recordedat range a filter requires of every match.
type timeRange struct {
	from, to       time.Time
	hasFrom, hasTo bool
}

// requiredRange collects the recordedat bounds that hold for every match:
// those in the filter's top-level conjunction (bounds inside an "or" do
// not constrain the whole result).
func requiredRange(n filterNode) timeRange {
	var tr timeRange
	var walk func(filterNode)
	walk = func(n filterNode) {
		switch n := n.(type) {
		case *logicalNode:
			if n.op == "and" {
				walk(n.left)
				walk(n.right)
			}
		case *compareNode:
			if !equalFoldASCII(n.attr, "recordedat") {
				return
			}
			t, ok := recordedAtValue(n.value)
			if !ok {
				return
			}
			switch n.op {
			case "gt", "ge":
				if !tr.hasFrom || t.After(tr.from) {
					tr.from, tr.hasFrom = t, true
				}
			case "lt", "le":
				if !tr.hasTo || t.Before(tr.to) {
					tr.to, tr.hasTo = t, true
				}
			}
		}
	}
	walk(n)
	return tr
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// activityQuery is a compiled activities request.
type activityQuery struct {
	filter string
	match  func(*storedActivity) bool
	rng    timeRange
}

// compileActivityQuery applies PingOne's rules: the filter must parse,
// use only supported attributes, bound recordedat on both sides, and stay
// within the retention window.
func compileActivityQuery(filter string, now time.Time) (*activityQuery, *apiError) {
	if filter == "" {
		return nil, requiredValue("filter", "A filter with a recordedat range is required, e.g. recordedat gt \"2024-06-01T00:00:00Z\" and recordedat lt \"2024-06-02T00:00:00Z\".")
	}
	n, err := parseFilter(filter)
	if err != nil {
		return nil, errFilter(err)
	}
	match, err := activityFilter.compile(n)
	if err != nil {
		return nil, errFilter(err)
	}
	rng := requiredRange(n)
	if !rng.hasFrom || !rng.hasTo {
		return nil, invalidValue("filter", "The filter must include a recordedat range: recordedat gt (or ge) a start and recordedat lt (or le) an end, joined by and.")
	}
	oldest := now.Add(-activityRetention - retentionGrace)
	if rng.from.Before(oldest) || rng.to.Before(oldest) {
		return nil, invalidValue("filter", "Activities older than 14 days cannot be queried directly; restore them first, or start the recordedat range within the last 14 days.")
	}
	return &activityQuery{filter: filter, match: match, rng: rng}, nil
}

// activityCursor is the sealed position of an activities listing: the
// filter it answers and the last activity returned.
type activityCursor struct {
	Filter string `json:"f"`
	At     int64  `json:"t"` // recordedAt, Unix nanoseconds
	Seq    uint64 `json:"s"`
}

// activitiesBody is the POST /activities body.
type activitiesBody struct {
	Filter string `json:"filter"`
	Limit  *int   `json:"limit,omitempty"`
}

// listActivities serves GET and POST /activities, newest first. POST
// keeps the filter (which often holds user IDs and names) out of the URL;
// its next link carries the filter inside the sealed cursor, so it can be
// followed with GET or POSTed again.
func (s *Server) listActivities(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	q := r.URL.Query()
	filter := q.Get("filter")
	if r.Method == http.MethodPost {
		body, aerr := readActivitiesBody(r)
		if aerr != nil {
			return aerr
		}
		if body.Filter != "" {
			filter = body.Filter
		}
		if body.Limit != nil && q.Get("limit") == "" {
			q.Set("limit", strconv.Itoa(*body.Limit))
		}
	}
	limit, aerr := pageLimit(q)
	if aerr != nil {
		return aerr
	}
	var after *activityCursor
	if cur := q.Get("cursor"); cur != "" {
		after = new(activityCursor)
		if !s.cursors.open(cur, after) || (filter != "" && filter != after.Filter) {
			return errBadCursor()
		}
		filter = after.Filter
	}
	aq, aerr := compileActivityQuery(filter, c.now)
	if aerr != nil {
		return aerr
	}

	e := s.env
	e.mu.RLock()
	list := e.activities.list
	// Scan newest first, from the end of the range down to its start.
	end, _ := slices.BinarySearchFunc(list, aq.rng.to, func(a *storedActivity, t time.Time) int {
		if a.act.RecordedAt.After(t) {
			return 1
		}
		return -1
	})
	var page []activityJSON
	var last *storedActivity
	count, eligible := 0, 0 // matches in all, and those past the cursor
	for i := end - 1; i >= 0; i-- {
		a := list[i]
		if a.act.RecordedAt.Before(aq.rng.from) {
			break
		}
		if !aq.match(a) {
			continue
		}
		count++
		if after != nil && !olderThan(a, after) {
			continue
		}
		if eligible++; len(page) < limit {
			page = append(page, s.renderActivity(r, a))
			last = a
		}
	}
	e.mu.RUnlock()

	next := ""
	if eligible > len(page) {
		cur := s.cursors.seal(activityCursor{Filter: aq.filter, At: last.act.RecordedAt.UnixNano(), Seq: last.seq})
		if r.Method == http.MethodPost {
			nq := url.Values{"cursor": {cur}, "limit": {strconv.Itoa(limit)}}
			next = s.baseURL(r) + r.URL.EscapedPath() + "?" + nq.Encode()
		} else {
			next = s.nextURL(r, cur)
		}
	}
	writeCollection(w, r, s, "activities", page, count, next)
	return nil
}

// olderThan reports whether a comes after the cursor position in the
// newest-first order.
func olderThan(a *storedActivity, pos *activityCursor) bool {
	at := a.act.RecordedAt.UnixNano()
	return at < pos.At || at == pos.At && a.seq < pos.Seq
}

// readActivitiesBody decodes the POST /activities body: JSON per the
// spec, or form-encoded as some clients send it. An empty body (as when a
// next link is POSTed again) needs no Content-Type.
func readActivitiesBody(r *http.Request) (activitiesBody, *apiError) {
	var body activitiesBody
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return body, errMalformedBody("The request body is too large or could not be read.")
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return body, nil
	}
	switch mt := mediaType(r); mt {
	case ctJSON:
		if err := json.Unmarshal(raw, &body); err != nil {
			return body, errMalformedBody("The body must be a JSON object such as {\"filter\": \"...\"}.")
		}
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return body, errMalformedBody("The form body could not be parsed.")
		}
		body.Filter = form.Get("filter")
		if v := form.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return body, invalidValue("limit", "limit must be an integer from 1 to 1000")
			}
			body.Limit = &n
		}
	default:
		return body, errUnsupportedMediaType(mt, ctJSON, "application/x-www-form-urlencoded")
	}
	return body, nil
}

// getActivity serves GET /activities/{id}, within the retention window.
func (s *Server) getActivity(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	e := s.env
	e.mu.RLock()
	a := e.activities.byID[c.id]
	ok := a != nil && !a.act.RecordedAt.Before(c.now.Add(-activityRetention))
	var j activityJSON
	if ok {
		j = s.renderActivity(r, a)
	}
	e.mu.RUnlock()
	if !ok {
		return errNotFound()
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}
