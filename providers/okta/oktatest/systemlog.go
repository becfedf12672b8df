package oktatest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/idcmd/idcmd/providers/internal/retention"
)

// System Log query rules (spec listLogEvents; System Log guide).
const (
	defaultLogLimit   = 100
	maxLogLimit       = 1000
	defaultLogWindow  = 7 * 24 * time.Hour
	maxLogSinceAge    = 180 * 24 * time.Hour
	maxLogKeywords    = 10
	maxLogKeywordSize = 40
)

// System Log retention: Options.LogRetention and Options.MaxLogEvents.
const (
	// DefaultLogRetention is Okta's: the System Log keeps 90 days of
	// events (reference §7), by when they were published.
	DefaultLogRetention = 90 * 24 * time.Hour
	// DefaultMaxLogEvents bounds the log for a sandbox that makes more
	// calls within 90 days than it can keep in memory. An event the API
	// records costs about 4 KB (the event, its JSON and its search text,
	// kept to serve pages quickly), so the cap is about 40 MB of heap; the
	// demo org's seeded week is about 1,400 of the events.
	DefaultMaxLogEvents = 10_000
)

// storedEvent is an event plus what the fake needs to serve it quickly.
type storedEvent struct {
	// seq is the persistence order, from 1, increasing; retention leaves
	// gaps where it dropped events.
	seq uint64
	// seeded marks the demo org's history, which the stories rely on: the
	// count cap drops it only when nothing else is left. Age drops it like
	// any event.
	seeded bool
	// persisted is when the event was stored. Polling requests select on it
	// rather than on published, as Okta does, so late-arriving events
	// (published long ago, stored now) are still delivered.
	persisted time.Time
	ev        LogEvent
	json      []byte
	text      string
}

// eventLog is the System Log, indexed by persistence order and by
// (published, seq). It keeps events for retention after they were
// published and at most max events, dropping the oldest first.
type eventLog struct {
	bySeq       []*storedEvent
	byPublished []*storedEvent
	lastSeq     uint64
	retention   time.Duration
	max         int
}

// insert stores se under the next seq.
func (l *eventLog) insert(se *storedEvent) {
	l.lastSeq++
	se.seq = l.lastSeq
	l.bySeq = append(l.bySeq, se)
	i, _ := slices.BinarySearchFunc(l.byPublished, se, func(a, b *storedEvent) int {
		return comparePublished(a, b.ev.Published, b.seq)
	})
	l.byPublished = slices.Insert(l.byPublished, i, se)
}

// expired reports whether the oldest event is past the retention at now.
func (l *eventLog) expired(now time.Time) bool {
	return len(l.byPublished) > 0 && l.byPublished[0].ev.Published.Before(now.Add(-l.retention))
}

// retain drops what Okta would no longer have at now: events published
// more than retention ago, oldest first, then, while the log holds more
// than max, the oldest stored event (persistence order) that is not part
// of the seeded history, or the oldest seeded one when only those are
// left.
func (l *eventLog) retain(now time.Time) {
	for l.expired(now) {
		l.drop(l.byPublished[0])
	}
	for len(l.bySeq) > l.max {
		victim := l.bySeq[0]
		for _, se := range l.bySeq {
			if !se.seeded {
				victim = se
				break
			}
		}
		l.drop(victim)
	}
}

// drop removes se from both indexes.
func (l *eventLog) drop(se *storedEvent) {
	if i, ok := slices.BinarySearchFunc(l.bySeq, se.seq, func(a *storedEvent, seq uint64) int { return cmp.Compare(a.seq, seq) }); ok {
		l.bySeq = retention.DeleteAt(l.bySeq, i)
	}
	if i, ok := slices.BinarySearchFunc(l.byPublished, se, func(a, b *storedEvent) int {
		return comparePublished(a, b.ev.Published, b.seq)
	}); ok {
		l.byPublished = retention.DeleteAt(l.byPublished, i)
	}
}

// expireLogs applies the retention before a read, so that a log nobody
// writes to still ages; it takes the write lock only when there is
// something to drop.
func (o *Org) expireLogs() {
	now := o.now()
	o.mu.RLock()
	stale := o.log.expired(now)
	o.mu.RUnlock()
	if stale {
		o.mu.Lock()
		o.log.retain(now)
		o.mu.Unlock()
	}
}

func comparePublished(a *storedEvent, pub time.Time, seq uint64) int {
	if d := a.ev.Published.Compare(pub); d != 0 {
		return d
	}
	switch {
	case a.seq < seq:
		return -1
	case a.seq > seq:
		return 1
	}
	return 0
}

// AppendEvents adds events to the System Log as if they had just been
// stored. Missing uuid, published, version and severity are filled in. An
// event published in the past still shows up on a polling request that is
// already past it, as Okta's late-arriving events do.
func (o *Org) AppendEvents(events ...LogEvent) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.now()
	for _, ev := range events {
		o.appendLocked(ev, now)
	}
}

// Events returns a copy of the System Log in persistence order. Nested
// maps and pointers are shared with the log: treat them as read-only.
func (o *Org) Events() []LogEvent {
	o.expireLogs()
	o.mu.RLock()
	defer o.mu.RUnlock()
	out := make([]LogEvent, len(o.log.bySeq))
	for i, se := range o.log.bySeq {
		out[i] = se.ev
	}
	return out
}

// EventCount returns the number of System Log events.
func (o *Org) EventCount() int {
	o.expireLogs()
	o.mu.RLock()
	defer o.mu.RUnlock()
	return len(o.log.bySeq)
}

func (o *Org) appendLocked(ev LogEvent, persisted time.Time) {
	o.storeLocked(ev, persisted, false)
}

// storeLocked stores ev, persisted at persisted, and applies the
// retention; seeded marks the demo org's history.
func (o *Org) storeLocked(ev LogEvent, persisted time.Time, seeded bool) {
	if ev.UUID == "" {
		ev.UUID = uuid.NewString()
	}
	if ev.Published.IsZero() {
		ev.Published = persisted
	}
	ev.Published = ev.Published.UTC().Truncate(time.Millisecond)
	if ev.Version == "" {
		ev.Version = "0"
	}
	if ev.Severity == "" {
		ev.Severity = "INFO"
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		panic("oktatest: marshal log event: " + err.Error())
	}
	se := &storedEvent{
		seeded:    seeded,
		persisted: persisted,
		ev:        ev,
		json:      raw,
		text:      ev.searchText(),
	}
	o.log.insert(se)
	o.log.retain(o.now())
	if o.hooks != nil && !seeded {
		o.hooks.enqueue(se)
	}
}

// logCursor is the sealed position of a System Log listing.
type logCursor struct {
	Mode  string `json:"m"` // "poll", "asc" or "desc"
	Since int64  `json:"s"` // unix nanos
	Until int64  `json:"u"` // unix nanos; bounded modes only
	Pub   int64  `json:"p"` // published of the last event returned (bounded)
	Seq   uint64 `json:"q"` // seq of the last event returned or scanned
}

// listLogs serves GET /api/v1/logs.
//
// Requests without until in ASCENDING order are polling requests: they
// return events in persistence order and always carry a next link, even
// on an empty page, so a collector can keep following it. All other
// requests are bounded (DESCENDING without until is bounded by now): they
// return events in published order within [since, until) and the last
// page has no next link.
func (s *Server) listLogs(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	q := r.URL.Query()
	now := s.now()

	limit := defaultLogLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxLogLimit {
			return errValidation("limit", "limit must be an integer between 0 and 1000")
		}
		limit = n
	}
	desc := false
	switch so := q.Get("sortOrder"); so {
	case "", "ASCENDING":
	case "DESCENDING":
		desc = true
	default:
		return errValidation("sortOrder", "sortOrder must be ASCENDING or DESCENDING, not "+strconv.Quote(so))
	}

	var match func(*storedEvent) bool
	if f := q.Get("filter"); f != "" {
		m, err := compileLogFilter(f)
		if err != nil {
			return err
		}
		match = func(se *storedEvent) bool { return m(&se.ev) }
	}
	keywords, kerr := parseLogKeywords(q.Get("q"))
	if kerr != nil {
		return kerr
	}

	var cur logCursor
	if after := q.Get("after"); after != "" {
		if q.Get("since") != "" {
			return errValidation("since", "since and after cannot be used together; follow the next link")
		}
		payload, ok := s.cursors.open(after)
		if !ok || json.Unmarshal(payload, &cur) != nil || (cur.Mode != "poll" && cur.Mode != "asc" && cur.Mode != "desc") {
			return errInvalidPaging()
		}
	} else {
		until := now
		untilSet := q.Get("until") != ""
		if untilSet {
			t, ok := parseTimestamp(q.Get("until"))
			if !ok {
				return errValidation("until", "until must be an ISO 8601 timestamp")
			}
			until = t
		}
		since := until.Add(-defaultLogWindow)
		if v := q.Get("since"); v != "" {
			t, ok := parseTimestamp(v)
			if !ok {
				return errValidation("since", "since must be an ISO 8601 timestamp")
			}
			since = t
		}
		if since.Before(now.Add(-maxLogSinceAge)) {
			return errInvalidSCIM("since must not be more than 180 days in the past")
		}
		if untilSet && until.Before(since) {
			return errValidation("until", "until must not be before since")
		}
		switch {
		case !untilSet && !desc:
			cur = logCursor{Mode: "poll", Since: since.UnixNano()}
		case desc:
			cur = logCursor{Mode: "desc", Since: since.UnixNano(), Until: until.UnixNano(), Pub: until.UnixNano()}
		default:
			cur = logCursor{Mode: "asc", Since: since.UnixNano(), Until: until.UnixNano(), Pub: since.UnixNano()}
		}
	}

	accept := func(se *storedEvent) bool {
		if match != nil && !match(se) {
			return false
		}
		for _, k := range keywords {
			if !strings.Contains(se.text, k) {
				return false
			}
		}
		return true
	}

	o := s.org
	o.expireLogs()
	o.mu.RLock()
	page, next := o.log.page(cur, limit, s.logScan, accept)
	var body bytes.Buffer
	body.WriteByte('[')
	for i, se := range page {
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(se.json)
	}
	body.WriteByte(']')
	o.mu.RUnlock()

	nextURL := ""
	if next != nil {
		payload, _ := json.Marshal(next)
		nq := url.Values{}
		for _, k := range []string{"filter", "q", "sortOrder"} {
			if v := q.Get(k); v != "" {
				nq.Set(k, v)
			}
		}
		nq.Set("limit", strconv.Itoa(limit))
		nq.Set("after", s.cursors.seal(payload))
		nextURL = s.pageURL(r, nq)
	}
	writeLinks(w.Header(), s.selfURL(r), nextURL)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body.Bytes())
	return nil
}

// page selects up to limit accepted events after cur and returns the cursor
// for the next page, or nil when a bounded listing is exhausted.
//
// A page examines at most scan stored events past the cursor, as Okta's
// System Log reads a bounded slice of its store per request: with a
// selective filter a page then holds fewer than limit events and still
// has a next link, which resumes after the last event examined. A bounded
// page can so be empty and still have a next link; a polling page is
// empty only when the client has caught up. Clients must follow next
// links until there are none (bounded) or a page is empty (polling), not
// stop at the first short page.
func (l *eventLog) page(cur logCursor, limit, scan int, accept func(*storedEvent) bool) ([]*storedEvent, *logCursor) {
	var out []*storedEvent
	scanned := 0
	if cur.Mode == "poll" {
		since := time.Unix(0, cur.Since)
		next := cur
		// The first event stored after the cursor's: when retention has
		// dropped the events that followed it, the oldest event kept.
		start, _ := slices.BinarySearchFunc(l.bySeq, cur.Seq+1, func(a *storedEvent, seq uint64) int { return cmp.Compare(a.seq, seq) })
		for i := start; i < len(l.bySeq); i++ {
			se := l.bySeq[i]
			// Short but never empty while events remain: a polling
			// client takes an empty page to mean it has caught up.
			if len(out) == limit || scanned >= scan && len(out) > 0 {
				break
			}
			next.Seq = se.seq
			if se.persisted.Before(since) {
				continue
			}
			scanned++
			if accept(se) {
				out = append(out, se)
			}
		}
		return out, &next
	}

	// A bounded page is over when its scan budget is spent (the next page
	// resumes after the last event examined) or when it is full and
	// another match follows (it resumes after the last event returned, so
	// a full last page has no next link).
	var last *storedEvent // the last event examined
	var next *logCursor
	examine := func(se *storedEvent) (over bool) {
		if scanned == scan {
			next = positionAfter(cur, last)
			return true
		}
		ok := accept(se)
		if ok && len(out) == limit {
			next = positionAfter(cur, out[len(out)-1])
			return true
		}
		scanned++
		last = se
		if ok {
			out = append(out, se)
		}
		return false
	}
	pos := time.Unix(0, cur.Pub)
	i, _ := slices.BinarySearchFunc(l.byPublished, pos, func(a *storedEvent, t time.Time) int {
		return comparePublished(a, t, cur.Seq)
	})
	if cur.Mode == "asc" {
		until := time.Unix(0, cur.Until)
		for ; i < len(l.byPublished); i++ {
			se := l.byPublished[i]
			if !se.ev.Published.Before(until) {
				break
			}
			if comparePublished(se, pos, cur.Seq) > 0 && examine(se) {
				break
			}
		}
		return out, next
	}
	since := time.Unix(0, cur.Since) // "desc"
	for i--; i >= 0; i-- {
		se := l.byPublished[i]
		if se.ev.Published.Before(since) || examine(se) {
			break
		}
	}
	return out, next
}

// positionAfter is the cursor just past se (cur itself when se is nil).
func positionAfter(cur logCursor, se *storedEvent) *logCursor {
	next := cur
	if se != nil {
		next.Pub = se.ev.Published.UnixNano()
		next.Seq = se.seq
	}
	return &next
}

// parseLogKeywords splits q into lower-cased keywords, enforcing Okta's
// limits of 10 keywords of at most 40 characters.
func parseLogKeywords(q string) ([]string, *apiError) {
	words := strings.Fields(q)
	if len(words) > maxLogKeywords {
		return nil, errValidation("q", "q accepts at most 10 keywords")
	}
	for i, w := range words {
		if len([]rune(w)) > maxLogKeywordSize {
			return nil, errValidation("q", "each q keyword must be at most 40 characters")
		}
		words[i] = strings.ToLower(w)
	}
	return words, nil
}

// apiEvent builds the System Log event for an action the API caller took
// on u: the caller is the actor, u the target, the request the client.
func (s *Server) apiEvent(r *http.Request, c *call, now time.Time, eventType, message string, u *user) LogEvent {
	ip := clientIP(r)
	detail := map[string]any{}
	if c.principal.tokenID != "" {
		detail["requestApiTokenId"] = c.principal.tokenID
	}
	ev := LogEvent{
		UUID:            uuid.NewString(),
		Published:       now,
		EventType:       eventType,
		Version:         "0",
		Severity:        "INFO",
		DisplayMessage:  message,
		LegacyEventType: legacyEventTypes[eventType],
		Actor:           c.principal.actor,
		Client: &LogClient{
			UserAgent: &LogUserAgent{RawUserAgent: r.UserAgent(), OS: "Unknown", Browser: "UNKNOWN"},
			Device:    "Unknown",
			IPAddress: ip,
		},
		AuthenticationContext: &LogAuthenticationContext{ExternalSessionID: "trs" + randomString(22)},
		Outcome:               &LogOutcome{Result: "SUCCESS"},
		Transaction:           &LogTransaction{Type: "WEB", ID: c.requestID, Detail: detail},
		DebugContext: &LogDebugContext{DebugData: map[string]any{
			"requestId":  c.requestID,
			"requestUri": r.URL.Path,
			"url":        r.URL.RequestURI(),
		}},
		SecurityContext: &LogSecurityContext{},
		Request:         &LogRequest{IPChain: []LogIPAddress{{IP: ip, Version: ipVersion(ip)}}},
	}
	if u != nil {
		ev.Target = []LogTarget{userTarget(u)}
	}
	return ev
}

func userTarget(u *user) LogTarget {
	return LogTarget{ID: u.id, Type: "User", AlternateID: u.login(), DisplayName: u.displayName()}
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func ipVersion(ip string) string {
	if strings.Contains(ip, ":") {
		return "V6"
	}
	return "V4"
}

// legacyEventTypes maps event types to Okta's legacy names where one exists.
var legacyEventTypes = map[string]string{
	"user.session.start":              "core.user_auth.login_success",
	"user.lifecycle.suspend":          "core.user.config.user_status.suspended",
	"user.lifecycle.unsuspend":        "core.user.config.user_status.unsuspended",
	"user.lifecycle.deactivate":       "core.user.config.user_deactivated",
	"user.lifecycle.activate":         "core.user.config.user_activated",
	"user.lifecycle.reactivate":       "core.user.config.user_reactivated",
	"user.lifecycle.create":           "core.user.config.user_creation.success",
	"user.account.unlock":             "core.user.account.unlock",
	"user.account.lock":               "core.user.account.locked",
	"user.account.reset_password":     "core.user.config.password_reset",
	"user.account.expire_password":    "core.user.config.password_expired",
	"user.mfa.factor.reset_all":       "core.user.factor.reset_all",
	"user.mfa.factor.deactivate":      "core.user.factor.deactivate",
	"user.session.clear":              "core.user_auth.session_clear",
	"user.mfa.factor.attempt_fail":    "core.user.factor.attempt_fail",
	"user.authentication.sso":         "app.auth.sso",
	"application.user_membership.add": "app.generic.provision.assign_user_to_app",
}
