package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Decision is what the event rules decided about one stored event: its
// severity, whether it is suspicious, the group of repeats it belongs to,
// and (Body, JSON; package rules decides its shape) the detectors that
// fired, the routes and the responses. Deliveries are what it sends, queued
// with it.
type Decision struct {
	Provider  string
	EventID   string
	EventSeq  int64
	DecidedAt time.Time
	// Severity is info, low, medium, high or critical.
	Severity   string
	Suspicious bool
	// GroupKey names the repeats of one cause for one user; "" for none.
	GroupKey string
	Body     json.RawMessage
	// Deliveries are queued in the transaction that stores the decision
	// (see WriteBack: Kind, EventProvider and EventID are set from it).
	// Reads leave it nil: ListWriteBacks by event finds them.
	Deliveries []WriteBack
}

// DecisionLease names the lease under which decisions are recorded: only
// its holder may decide, so two replicas never decide the same event.
type DecisionLease struct {
	Name, Owner string
}

// MaxDecisionsPerRecord bounds one RecordDecisions.
const MaxDecisionsPerRecord = 1000

const decisionColumns = "provider, event_id, event_seq, decided_at, severity, suspicious, group_key, body"

func scanDecision(row rowScanner) (Decision, error) {
	var d Decision
	var decided scanTime
	var body string
	if err := row.Scan(&d.Provider, &d.EventID, &d.EventSeq, &decided, &d.Severity, &d.Suspicious, &d.GroupKey, &body); err != nil {
		return Decision{}, err
	}
	d.DecidedAt, d.Body = decided.t, json.RawMessage(body)
	return d, nil
}

// undecidedCondition selects the events not decided yet, in the words of
// the events_undecided partial index, so the planner uses it.
func (d dialect) undecidedCondition() string {
	if d.name == sqliteName {
		return "decided = 0"
	}
	return "NOT decided"
}

// UndecidedEvents returns up to limit events not decided yet, in arrival
// (Seq) order.
func (s *sqlStore) UndecidedEvents(ctx context.Context, limit int) ([]Event, error) {
	limit = max(1, min(limit, MaxDecisionsPerRecord))
	rows, err := s.db.QueryContext(ctx, "SELECT "+eventColumns+" FROM events WHERE "+s.d.undecidedCondition()+
		" ORDER BY seq LIMIT $1", limit)
	if err != nil {
		return nil, fmt.Errorf("store: undecided events: %w", err)
	}
	return collectEvents(rows)
}

// DecidedEvents returns up to limit decided events with Seq > afterSeq
// that happened at or after since, in Seq order: what a new decider reads
// to rebuild the detectors' memory (sign-in history, bursts).
func (s *sqlStore) DecidedEvents(ctx context.Context, afterSeq int64, since time.Time, limit int) ([]Event, error) {
	limit = max(1, min(limit, MaxDecisionsPerRecord))
	rows, err := s.db.QueryContext(ctx, "SELECT "+eventColumns+" FROM events WHERE seq > $1 AND occurred_at >= $2 AND NOT ("+
		s.d.undecidedCondition()+") ORDER BY seq LIMIT $3", afterSeq, s.d.ts(dbTimeOf(since)), limit)
	if err != nil {
		return nil, fmt.Errorf("store: decided events: %w", err)
	}
	return collectEvents(rows)
}

func collectEvents(rows *sql.Rows) ([]Event, error) {
	defer rows.Close()
	var list []Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("store: read events: %w", err)
		}
		list = append(list, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read events: %w", err)
	}
	return list, nil
}

// checkDecision makes d storable: its deliveries are checked as write-backs
// and tied to its event.
func checkDecision(d Decision, now time.Time) (Decision, error) {
	if d.Provider == "" || d.EventID == "" || d.EventSeq <= 0 {
		return d, errors.New("store: a decision names its event (provider, id and seq)")
	}
	switch d.Severity {
	case "info", "low", "medium", "high", "critical":
	default:
		return d, fmt.Errorf("store: decision severity %q is not info, low, medium, high or critical", d.Severity)
	}
	if err := checkJSON("decision body", d.Body); err != nil {
		return d, err
	}
	d.DecidedAt = dbTimeOf(nowOr(d.DecidedAt))
	d.GroupKey = cleanText(d.GroupKey)
	out := make([]WriteBack, len(d.Deliveries))
	for i, in := range d.Deliveries {
		in.EventProvider, in.EventID = d.Provider, d.EventID
		wb, err := newWriteBack(in)
		if err != nil {
			return d, fmt.Errorf("store: decision on %s %s: delivery %d: %w", d.Provider, d.EventID, i, err)
		}
		if in.ID != "" {
			if !strings.HasPrefix(in.ID, "wb_") || len(in.ID) != len(wb.ID) {
				return d, fmt.Errorf("store: decision on %s %s: delivery id %q is not one NewWriteBackID made", d.Provider, d.EventID, in.ID)
			}
			wb.ID = in.ID
		}
		wb.CreatedAt = now
		wb.NextAttemptAt = dbTimeOf(nowOr(in.NextAttemptAt))
		if wb.NextAttemptAt.Before(now) {
			wb.NextAttemptAt = now
		}
		out[i] = wb
	}
	d.Deliveries = out
	return d, nil
}

// RecordDecisions stores ds, queues their deliveries and marks their events
// decided, in one transaction, and only while lease.Owner holds lease.Name
// (ErrLeaseLost otherwise, and nothing is stored). A decision for an event
// already decided is an error: each event is decided once. It returns the
// decisions as stored, with their deliveries' ids and times.
func (s *sqlStore) RecordDecisions(ctx context.Context, lease DecisionLease, ds []Decision) ([]Decision, error) {
	if len(ds) > MaxDecisionsPerRecord {
		return nil, fmt.Errorf("store: at most %d decisions per record, got %d", MaxDecisionsPerRecord, len(ds))
	}
	if lease.Name == "" || lease.Owner == "" {
		return nil, errors.New("store: decisions are recorded under a lease")
	}
	now := dbNow()
	checked := make([]Decision, len(ds))
	var deliveries []WriteBack
	for i, d := range ds {
		d, err := checkDecision(d, now)
		if err != nil {
			return nil, err
		}
		checked[i] = d
		deliveries = append(deliveries, d.Deliveries...)
	}
	err := s.writeTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.checkLease(ctx, tx, lease.Name, lease.Owner, now); err != nil {
			return err
		}
		args := make([]any, 0, 64*16)
		err := inChunks(len(checked), func(lo, hi int) error {
			args = args[:0]
			seqs := make([]string, 0, hi-lo)
			for _, d := range checked[lo:hi] {
				args = append(args, d.Provider, d.EventID, d.EventSeq, s.d.ts(d.DecidedAt), d.Severity, d.Suspicious, d.GroupKey, string(d.Body))
				seqs = append(seqs, fmt.Sprint(d.EventSeq))
			}
			if _, err := s.stmts.exec(ctx, tx, s.d.inserts().decisions[hi-lo], args...); err != nil {
				return fmt.Errorf("store: record decisions: %w", err)
			}
			// The seqs are integers this function formatted: no injection.
			marked, err := rowsAffected(tx.ExecContext(ctx, "UPDATE events SET decided = "+s.d.trueLiteral()+
				" WHERE seq IN ("+strings.Join(seqs, ", ")+") AND "+s.d.undecidedCondition()))
			if err != nil {
				return fmt.Errorf("store: mark events decided: %w", err)
			}
			if marked != int64(hi-lo) {
				return fmt.Errorf("store: record decisions: %d of %d events were not undecided (decided already, or purged)", int64(hi-lo)-marked, hi-lo)
			}
			return nil
		})
		if err != nil {
			return err
		}
		return inChunks(len(deliveries), func(lo, hi int) error {
			args = args[:0]
			for _, wb := range deliveries[lo:hi] {
				args = appendWriteBackArgs(args, s.d, wb)
			}
			if _, err := s.stmts.exec(ctx, tx, s.d.inserts().writeBacks[hi-lo], args...); err != nil {
				return fmt.Errorf("store: queue deliveries: %w", err)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return checked, nil
}

func (d dialect) trueLiteral() string {
	if d.name == sqliteName {
		return "1"
	}
	return "true"
}

// GetDecision returns the decision on the event with the provider's id,
// or ErrNotFound (not decided yet, decided before the rules existed, or
// purged).
func (s *sqlStore) GetDecision(ctx context.Context, provider, id string) (Decision, error) {
	d, err := scanDecision(s.db.QueryRowContext(ctx, "SELECT "+decisionColumns+
		" FROM event_decisions WHERE provider = $1 AND event_id = $2", provider, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Decision{}, fmt.Errorf("store: decision on %s %s: %w", provider, id, ErrNotFound)
	}
	if err != nil {
		return Decision{}, fmt.Errorf("store: get decision on %s %s: %w", provider, id, err)
	}
	return d, nil
}

// GroupOf returns the first decision of group key decided at or after
// since, and how many decisions the group holds from there; ErrNotFound
// when it holds none. Two reads on the group index, however large the
// group has grown.
func (s *sqlStore) GroupOf(ctx context.Context, key string, since time.Time) (Decision, int, error) {
	at := s.d.ts(dbTimeOf(since))
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM event_decisions WHERE group_key = $1 AND decided_at >= $2", key, at).Scan(&n); err != nil {
		return Decision{}, 0, fmt.Errorf("store: group %s: %w", key, err)
	}
	if n == 0 {
		return Decision{}, 0, fmt.Errorf("store: group %s: %w", key, ErrNotFound)
	}
	first, err := scanDecision(s.db.QueryRowContext(ctx, "SELECT "+decisionColumns+" FROM event_decisions WHERE group_key = $1 AND decided_at >= $2"+
		" ORDER BY decided_at, event_seq LIMIT 1", key, at))
	if err != nil {
		return Decision{}, 0, fmt.Errorf("store: group %s: %w", key, err)
	}
	return first, n, nil
}
