package rules

import (
	"context"
	"fmt"
	"time"

	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/store"
)

// MaxReplayEvents bounds one replay: a report a person reads, not a
// backfill.
const MaxReplayEvents = 50_000

// ReplayReport is what the rules would have done with the stored events
// of a time range. Nothing is queued or changed.
type ReplayReport struct {
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	// Events is how many events of the range were decided again.
	Events int `json:"events"`
	// Truncated is set when the range held more than MaxReplayEvents.
	Truncated bool `json:"truncated,omitempty"`
	// BySeverity counts the events by the severity they would get.
	BySeverity map[string]int `json:"by_severity"`
	// Suspicious counts the events a detector flagged; Findings counts
	// them by detector.
	Suspicious int            `json:"suspicious"`
	Findings   map[string]int `json:"findings"`
	// Routed counts the routes that would be taken, by destination.
	Routed map[string]int `json:"routed"`
	// Responses counts the automated responses that would run, by
	// action; Held those the rate limit would hold for a person.
	Responses map[string]int `json:"responses"`
	Held      map[string]int `json:"held"`
	// Decisions are the decisions of the events that anything would be
	// done for (a route taken or a response), at most limit of them.
	Decisions []Decision `json:"decisions"`
}

// Replay runs cfg over the events that happened in [since, until),
// decided as they were stored, and reports what would have been routed
// and done. It changes nothing: the engine is its own, its memory warmed
// from the events before since, and the deliveries are dropped. At most
// limit decisions are listed (every event is counted).
func Replay(ctx context.Context, s store.Store, cfg Config, dir Directory, since, until time.Time, limit int) (ReplayReport, error) {
	if !until.After(since) {
		return ReplayReport{}, fmt.Errorf("rules: replay: until (%s) must be after since (%s)", until.Format(time.RFC3339), since.Format(time.RFC3339))
	}
	e, err := NewEngine(cfg, dir)
	if err != nil {
		return ReplayReport{}, err
	}
	if _, err := rememberDecided(ctx, s, e, since.Add(-cfg.Detectors.memoryWindow()), since); err != nil {
		return ReplayReport{}, err
	}
	rep := ReplayReport{Since: since, Until: until, BySeverity: map[string]int{}, Findings: map[string]int{},
		Routed: map[string]int{}, Responses: map[string]int{}, Held: map[string]int{}}
	var after int64
	for {
		page, err := s.DecidedEvents(ctx, after, since, store.MaxDecisionsPerRecord)
		if err != nil {
			return rep, err
		}
		for _, rec := range page {
			after = rec.Seq
			if !rec.Time.Before(until) {
				continue
			}
			if rep.Events == MaxReplayEvents {
				rep.Truncated = true
				return rep, nil
			}
			ev := events.FromRecord(rec, false)
			// The event is decided at the time it was stored, as the
			// decider would have: windows and groups run on that clock.
			e.now = func() time.Time { return rec.ReceivedAt }
			d, _ := e.Decide(ev)
			rep.add(d, limit)
		}
		if len(page) < store.MaxDecisionsPerRecord {
			return rep, nil
		}
	}
}

func (rep *ReplayReport) add(d Decision, limit int) {
	rep.Events++
	rep.BySeverity[d.Severity.String()]++
	if d.Suspicious {
		rep.Suspicious++
	}
	for _, f := range d.Findings {
		rep.Findings[f.Detector]++
	}
	acted := false
	for i := range d.Routes {
		d.Routes[i].Delivery = ""
		if d.Routes[i].Taken {
			rep.Routed[d.Routes[i].To]++
			acted = true
		}
	}
	for i := range d.Responses {
		r := &d.Responses[i]
		r.Delivery = ""
		switch {
		case r.Taken && r.Hold != "":
			rep.Held[r.Action]++
			acted = true
		case r.Taken:
			rep.Responses[r.Action]++
			acted = true
		}
	}
	if acted && len(rep.Decisions) < limit {
		rep.Decisions = append(rep.Decisions, d)
	}
}
