package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// EventSource is how an identity event reached idcmd.
type EventSource string

const (
	// SourceHook: pushed by the provider (an Okta event hook, a PingOne
	// webhook subscription).
	SourceHook EventSource = "hook"
	// SourcePoll: read by idcmd's poller (Okta System Log, PingOne
	// activities).
	SourcePoll EventSource = "poll"
)

// Bounds on what an event may store.
const (
	// MaxEventID bounds the dedup key. Okta uuids and PingOne ids are 36
	// characters; anything much longer is not an id.
	MaxEventID = 256
	// MaxEventsPerAppend bounds one AppendEvents: a PingOne batch is at
	// most 500 activities, a poller page at most 1,000 events.
	MaxEventsPerAppend = 1000
)

// Event is one identity event as the log keeps it. The columns the events
// API filters on are fields of their own; Body is the whole normalized
// event (package events decides its shape) and Raw the provider's event
// exactly as it arrived.
type Event struct {
	// Seq is the arrival order, assigned by AppendEvents.
	Seq      int64
	Provider string
	// ID is the provider's event id (Okta uuid, PingOne activity id), or
	// for an event that could not be read, an id derived from its bytes.
	ID      string
	Type    string
	Source  EventSource
	Outcome string
	// UserID and UserName are the user the event is about; ActorID and
	// ActorName who did it. A filter by user matches either.
	UserID, UserName   string
	ActorID, ActorName string
	IP                 string
	// Time is when it happened, by the provider's clock.
	Time time.Time
	// ReceivedAt is when idcmd stored it; AppendEvents sets it when zero.
	ReceivedAt time.Time
	// Rejected says why the event could not be read ("" when it could).
	// A rejected event is kept, so a malformed one is visible and never
	// blocks the batch it came in.
	Rejected string
	Body     json.RawMessage
	Raw      []byte
}

// EventFilter selects events for ListEvents. Zero fields match everything.
type EventFilter struct {
	Provider string
	// User matches the user the event is about or its actor, by id or by
	// name (login), names without regard to case.
	User string
	// Types matches any of these event types.
	Types   []string
	Outcome string
	Source  EventSource
	// Since and Until bound Time: Since ≤ Time < Until.
	Since, Until time.Time
	// Rejected, when set, keeps only rejected (true) or readable (false)
	// events.
	Rejected *bool
	Limit    int
	Cursor   string
}

// PollCheckpoint names the poll cursor to advance with a page of events,
// and the lease that makes its writer the one poller of that source.
type PollCheckpoint struct {
	// Name is the lease's and the cursor's name (one per tenant).
	Name   string
	Owner  string
	Cursor string
}

// ErrLeaseLost: the poller's lease ran out and another replica took it
// over; the page it read was not stored and it must stop polling.
var ErrLeaseLost = errors.New("store: lease is held by another owner")

const eventColumns = `seq, provider, event_id, type, source, outcome, user_id, user_name, actor_id, actor_name,
	ip, occurred_at, received_at, rejected, body, raw`

// eventInsertColumns are eventColumns but seq, which the database assigns.
// decided is set to false explicitly: the column's default marks the
// events stored before the rules existed as decided (migration 00007).
const eventInsertColumns = `provider, event_id, type, source, outcome, user_id, user_name, actor_id, actor_name,
	ip, occurred_at, received_at, rejected, body, raw, decided`

// eventConflict makes an insert of an event already stored do nothing.
const eventConflict = " ON CONFLICT (provider, event_id) DO NOTHING"

// checkEvent makes e storable, or says why it is not.
func checkEvent(e Event) (Event, error) {
	if e.Provider != "okta" && e.Provider != "pingone" {
		return e, fmt.Errorf("store: event provider must be okta or pingone, got %q", e.Provider)
	}
	if e.Source != SourceHook && e.Source != SourcePoll {
		return e, fmt.Errorf("store: event source must be hook or poll, got %q", e.Source)
	}
	e.ID = cleanText(e.ID)
	if e.ID == "" || len(e.ID) > MaxEventID {
		return e, fmt.Errorf("store: event id must be 1 to %d bytes", MaxEventID)
	}
	if len(e.Body) == 0 {
		return e, errors.New("store: event body is empty")
	}
	if err := checkJSON("event body", e.Body); err != nil {
		return e, err
	}
	for _, s := range []*string{&e.Type, &e.Outcome, &e.UserID, &e.UserName, &e.ActorID, &e.ActorName, &e.IP, &e.Rejected} {
		*s = cleanText(*s)
	}
	if e.Raw == nil {
		e.Raw = []byte{}
	}
	e.Time = dbTimeOf(e.Time)
	return e, nil
}

func appendEventArgs(args []any, d dialect, e Event) []any {
	return append(args, e.Provider, e.ID, e.Type, string(e.Source), e.Outcome, e.UserID, e.UserName, e.ActorID,
		e.ActorName, e.IP, d.ts(e.Time), d.ts(e.ReceivedAt), e.Rejected, string(e.Body), e.Raw, false)
}

func scanEvent(row rowScanner) (Event, error) {
	var e Event
	var occurred, received scanTime
	var body string
	var raw scanBytes
	err := row.Scan(&e.Seq, &e.Provider, &e.ID, &e.Type, &e.Source, &e.Outcome, &e.UserID, &e.UserName,
		&e.ActorID, &e.ActorName, &e.IP, &occurred, &received, &e.Rejected, &body, &raw)
	if err != nil {
		return Event{}, err
	}
	e.Time, e.ReceivedAt = occurred.t, received.t
	e.Body, e.Raw = json.RawMessage(body), []byte(raw)
	return e, nil
}

// AppendEvents stores in one transaction.
func (s *sqlStore) AppendEvents(ctx context.Context, events []Event, cp *PollCheckpoint) (int, error) {
	if len(events) > MaxEventsPerAppend {
		return 0, fmt.Errorf("store: at most %d events per append, got %d", MaxEventsPerAppend, len(events))
	}
	now := dbNow()
	checked := make([]Event, len(events))
	for i, e := range events {
		e, err := checkEvent(e)
		if err != nil {
			return 0, fmt.Errorf("store: event %d: %w", i, err)
		}
		if e.ReceivedAt.IsZero() {
			e.ReceivedAt = now
		}
		e.ReceivedAt = dbTimeOf(e.ReceivedAt)
		checked[i] = e
	}
	var stored int64
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		stored = 0
		if cp != nil {
			if err := s.checkLease(ctx, tx, cp.Name, cp.Owner, now); err != nil {
				return err
			}
		}
		args := make([]any, 0, 64*16)
		err := inChunks(len(checked), func(lo, hi int) error {
			args = args[:0]
			for _, e := range checked[lo:hi] {
				args = appendEventArgs(args, s.d, e)
			}
			n, err := rowsAffected(s.stmts.exec(ctx, tx, s.d.inserts().events[hi-lo], args...))
			stored += n
			return err
		})
		if err != nil {
			return fmt.Errorf("store: append events: %w", err)
		}
		if cp != nil {
			if _, err := s.stmts.exec(ctx, tx, pollCursorUpsert, cp.Name, cp.Cursor, s.d.ts(now)); err != nil {
				return fmt.Errorf("store: save poll cursor %s: %w", cp.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return int(stored), nil
}

func (s *sqlStore) GetEvent(ctx context.Context, provider, id string) (Event, error) {
	var w where
	w.add("event_id = ?", id)
	if provider != "" {
		w.add("provider = ?", provider)
	}
	e, err := scanEvent(s.db.QueryRowContext(ctx, "SELECT "+eventColumns+" FROM events"+w.String()+" ORDER BY seq DESC LIMIT 1", w.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Event{}, fmt.Errorf("store: event %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Event{}, fmt.Errorf("store: get event %s: %w", id, err)
	}
	return e, nil
}

func (s *sqlStore) ListEvents(ctx context.Context, f EventFilter) ([]Event, string, error) {
	var w where
	if f.Provider != "" {
		w.add("provider = ?", f.Provider)
	}
	if f.User != "" {
		u := strings.ToLower(f.User)
		w.add("(user_id = ? OR actor_id = ? OR lower(user_name) = ? OR lower(actor_name) = ?)", f.User, f.User, u, u)
	}
	if len(f.Types) > 0 {
		marks := make([]string, len(f.Types))
		for i, t := range f.Types {
			marks[i] = w.arg(t)
		}
		w.conds = append(w.conds, "type IN ("+strings.Join(marks, ", ")+")")
	}
	if f.Outcome != "" {
		w.add("outcome = ?", f.Outcome)
	}
	if f.Source != "" {
		w.add("source = ?", string(f.Source))
	}
	if !f.Since.IsZero() {
		w.add("occurred_at >= ?", s.d.ts(dbTimeOf(f.Since)))
	}
	if !f.Until.IsZero() {
		w.add("occurred_at < ?", s.d.ts(dbTimeOf(f.Until)))
	}
	if f.Rejected != nil {
		if *f.Rejected {
			w.add("rejected <> ''")
		} else {
			w.add("rejected = ''")
		}
	}
	if f.Cursor != "" {
		parts, err := decodeCursor("e", f.Cursor, 2)
		if err != nil {
			return nil, "", err
		}
		micros, err1 := strconv.ParseInt(parts[0], 10, 64)
		seq, err2 := strconv.ParseInt(parts[1], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, "", ErrInvalidCursor
		}
		w.add("(occurred_at, seq) < (?, ?)", s.d.ts(time.UnixMicro(micros).UTC()), seq)
	}
	limit := pageLimit(f.Limit)
	query := "SELECT " + eventColumns + " FROM events" + w.String() +
		" ORDER BY occurred_at DESC, seq DESC LIMIT " + w.arg(limit+1)
	rows, err := s.db.QueryContext(ctx, query, w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("store: list events: %w", err)
	}
	defer rows.Close()
	var list []Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, "", fmt.Errorf("store: list events: %w", err)
		}
		list = append(list, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("store: list events: %w", err)
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		next = encodeCursor("e", strconv.FormatInt(last.Time.UnixMicro(), 10), strconv.FormatInt(last.Seq, 10))
	}
	return list, next, nil
}

// PurgeEvents deletes in chunks over events_received, each chunk its own
// transaction, as PurgeWriteBacks does.
func (s *sqlStore) PurgeEvents(ctx context.Context, receivedBefore time.Time) (int64, error) {
	const pick = "SELECT seq FROM events WHERE received_at < $1 ORDER BY received_at LIMIT $2"
	query := "DELETE FROM events WHERE seq IN (" + pick + ")"
	if s.d.name == postgresName {
		query = "DELETE FROM events WHERE seq = ANY(ARRAY(" + pick + "))"
	}
	before := s.d.ts(dbTimeOf(receivedBefore))
	total, err := s.purgeChunks(ctx, query, before)
	if err != nil {
		return total, fmt.Errorf("store: purge events: %w", err)
	}
	// A decision goes with its event: decided after it was received, it
	// is purged by the same horizon, a little later at most.
	pickDecisions := "SELECT provider, event_id FROM event_decisions WHERE decided_at < $1 ORDER BY decided_at LIMIT $2"
	if _, err := s.purgeChunks(ctx, "DELETE FROM event_decisions WHERE (provider, event_id) IN ("+pickDecisions+")", before); err != nil {
		return total, fmt.Errorf("store: purge decisions: %w", err)
	}
	return total, nil
}

// purgeChunks runs a chunked DELETE (parameters: the horizon and the chunk
// size) until a chunk deletes less than a whole one.
func (s *sqlStore) purgeChunks(ctx context.Context, query string, before any) (int64, error) {
	var total int64
	for {
		n, err := rowsAffected(s.exec(ctx, query, before, purgeChunk))
		total += n
		if err != nil {
			return total, err
		}
		if n < purgeChunk {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

const pollCursorUpsert = `INSERT INTO poll_cursors (name, cursor, updated_at) VALUES ($1, $2, $3)
	ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`

func (s *sqlStore) PollCursor(ctx context.Context, name string) (string, error) {
	var cursor string
	err := s.db.QueryRowContext(ctx, "SELECT cursor FROM poll_cursors WHERE name = $1", name).Scan(&cursor)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: read poll cursor %s: %w", name, err)
	}
	return cursor, nil
}

// leaseAcquire takes the lease when it is free, expired, or already the
// owner's (a renewal), as one statement: of two replicas racing for an
// expired lease the database lets exactly one update it.
const leaseAcquire = `INSERT INTO leases (name, owner, expires_at) VALUES ($1, $2, $3)
	ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
	WHERE leases.owner = excluded.owner OR leases.expires_at <= $4`

func (s *sqlStore) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration, now time.Time) (bool, error) {
	if name == "" || owner == "" || ttl <= 0 {
		return false, errors.New("store: a lease needs a name, an owner and a positive ttl")
	}
	now = dbTimeOf(now)
	n, err := rowsAffected(s.exec(ctx, leaseAcquire, name, owner, s.d.ts(now.Add(ttl)), s.d.ts(now)))
	if err != nil {
		return false, fmt.Errorf("store: acquire lease %s: %w", name, err)
	}
	return n == 1, nil
}

func (s *sqlStore) ReleaseLease(ctx context.Context, name, owner string) error {
	if _, err := s.exec(ctx, "DELETE FROM leases WHERE name = $1 AND owner = $2", name, owner); err != nil {
		return fmt.Errorf("store: release lease %s: %w", name, err)
	}
	return nil
}

// checkLease fails with ErrLeaseLost unless owner holds lease name at now.
// On PostgreSQL the row stays locked to the end of the transaction, so a
// takeover waits for the page being stored rather than racing it.
func (s *sqlStore) checkLease(ctx context.Context, tx *sql.Tx, name, owner string, now time.Time) error {
	var holder string
	var until scanTime
	err := tx.QueryRowContext(ctx, "SELECT owner, expires_at FROM leases WHERE name = $1"+s.d.forUpdate, name).Scan(&holder, &until)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (holder != owner || !until.t.After(now))) {
		return fmt.Errorf("store: lease %s: %w", name, ErrLeaseLost)
	}
	if err != nil {
		return fmt.Errorf("store: check lease %s: %w", name, err)
	}
	return nil
}
