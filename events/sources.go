package events

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/pingone"
)

// pollPageSize is the page each poll asks for: both providers' maximum,
// and within what one AppendEvents stores.
const pollPageSize = 1000

// OktaLog reads the Okta System Log as Okta says to poll it (okta.md §7):
// the first request is since + sortOrder=ASCENDING, and after it the next
// link, followed verbatim. In polling mode the System Log selects on when
// Okta stored an event, not when it happened, so a late event still comes
// after the cursor, and the next link exists even after an empty page.
type OktaLog struct {
	Client *okta.Client
	// Types filter the log (eventType eq ... or ...); none reads all.
	Types []string
	// FirstFetch is how far back the first request starts.
	FirstFetch time.Duration
	// Now is the clock of the first request; nil is time.Now.
	Now func() time.Time
}

// Read returns the page after cursor (the client's cursor for the next
// link of the page before; "" starts at FirstFetch ago).
func (s *OktaLog) Read(ctx context.Context, cursor string) (Page, error) {
	q := okta.LogQuery{Cursor: cursor}
	if cursor == "" {
		now := time.Now
		if s.Now != nil {
			now = s.Now
		}
		q = okta.LogQuery{Since: now().Add(-s.FirstFetch), SortOrder: "ASCENDING", Limit: pollPageSize}
		if len(s.Types) > 0 {
			q.Filter = okta.EventTypeFilter(s.Types)
		}
	}
	logs, next, err := s.Client.ListLogs(ctx, q)
	if err != nil {
		return Page{}, err
	}
	if next == "" {
		// Polling requests always have a next link; without one, stay on
		// this page's link rather than lose the place.
		if next = cursor; next == "" {
			return Page{}, fmt.Errorf("events: the Okta System Log answered the first poll without a next link")
		}
	}
	evs := make([]Event, len(logs))
	for i, l := range logs {
		evs[i] = fromOktaLog(l)
	}
	// A full page means more are waiting; a short one (or an empty one)
	// that the poller has caught up.
	return Page{Events: evs, Cursor: next, More: len(logs) >= pollPageSize}, nil
}

// PingOneActivities reads PingOne's audit activities in recordedat
// windows: each starts where the last ended, less Overlap (PingOne may
// record an activity after the window that should have held it was read),
// and duplicates are dropped by activity id. A window is read page by
// page; the stored cursor names the window and the page, so a restart
// resumes inside it.
type PingOneActivities struct {
	Client *pingone.Client
	// Types are real action types (events.PingOneActionTypes expands the
	// SOP's names); none reads all.
	Types      []string
	FirstFetch time.Duration
	Overlap    time.Duration
	Now        func() time.Time
}

// pingOneCursor is the stored cursor: the next window's start, or within
// a window its end and the client's cursor of its next page.
type pingOneCursor struct {
	Since time.Time `json:"since"`
	Until time.Time `json:"until,omitzero"`
	Page  string    `json:"page,omitempty"`
}

// pingOneRetention is how far back /activities serves without a restore,
// less a margin so a window's start is never refused as too old.
const pingOneRetention = 14*24*time.Hour - time.Hour

// Read returns the next page of the current window, or the first page of
// the next window.
func (s *PingOneActivities) Read(ctx context.Context, cursor string) (Page, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	var cur pingOneCursor
	if cursor != "" {
		if err := json.Unmarshal([]byte(cursor), &cur); err != nil {
			return Page{}, fmt.Errorf("events: stored PingOne poll cursor: %w", err)
		}
	}
	var q pingone.ActivityQuery
	if cur.Page != "" {
		q = pingone.ActivityQuery{Cursor: cur.Page}
	} else {
		t := now()
		since := cur.Since
		if since.IsZero() {
			since = t.Add(-s.FirstFetch)
		}
		// Activities older than PingOne keeps are gone; start at the
		// oldest it still serves.
		since = maxTime(since, t.Add(-pingOneRetention))
		cur = pingOneCursor{Since: since, Until: t}
		q = pingone.ActivityQuery{Since: since, Until: t, ActionTypes: s.Types, Limit: pollPageSize}
	}
	acts, next, err := s.Client.ListActivities(ctx, q)
	if err != nil {
		return Page{}, err
	}
	evs := make([]Event, len(acts))
	for i, a := range acts {
		evs[i] = fromPingOneActivity(a)
	}
	var stored pingOneCursor
	if next != "" {
		stored = pingOneCursor{Since: cur.Since, Until: cur.Until, Page: next}
	} else {
		stored = pingOneCursor{Since: cur.Until.Add(-s.Overlap)}
	}
	b, _ := json.Marshal(stored)
	return Page{Events: evs, Cursor: string(b), More: next != ""}, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
