package xdrtest

import (
	"time"

	"github.com/idcmd/idcmd/providers/internal/retention"
)

// Retention: Options.AlertRetention, .MaxAlerts and .MaxComments.
const (
	// DefaultAlertRetention is Cortex XDR's default retention of alert
	// data: 180 days after the alert was created.
	DefaultAlertRetention = 180 * 24 * time.Hour
	// DefaultMaxAlerts bounds the alerts insert_parsed_alerts accepted.
	DefaultMaxAlerts = 20_000
	// DefaultMaxComments bounds the comments of all incidents together:
	// a sandbox writes every call with incident context to the same few
	// incidents, and XDR keeps an incident (comments included) for 180
	// days after its last update, which each comment is. idcmd's comments
	// cost about 0.5 KB, so about 10 MB at the cap.
	DefaultMaxComments = 20_000
)

// retainAlertsLocked drops alerts received more than the retention before
// now, then the oldest while more than maxAlerts are kept. Alerts are
// stored in the order they were received. s.mu is held.
func (s *Server) retainAlertsLocked(now time.Time) {
	cutoff := now.Add(-s.alertRetention)
	drop := 0
	for drop < len(s.alerts) && s.alerts[drop].Received.Before(cutoff) {
		drop++
	}
	drop = max(drop, len(s.alerts)-s.maxAlerts)
	clear(s.alerts[:drop])
	s.alerts = s.alerts[drop:]
}

// addCommentsLocked records that inc just got n more comments and drops
// the oldest comments of any incident while more than maxComments are
// kept. s.mu is held.
func (s *Server) addCommentsLocked(inc *incident, n int) {
	for range n {
		s.commentOrder = append(s.commentOrder, inc)
	}
	for len(s.commentOrder) > s.maxComments {
		oldest := s.commentOrder[0]
		s.commentOrder = retention.DeleteAt(s.commentOrder, 0)
		oldest.comments = retention.DeleteAt(oldest.comments, 0)
	}
}
