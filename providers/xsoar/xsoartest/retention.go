package xsoartest

import (
	"slices"
	"strconv"
	"time"

	"github.com/idcmd/idcmd/providers/internal/retention"
)

// Retention: Options.IncidentRetention, .MaxIncidents and .MaxEntries.
const (
	// DefaultIncidentRetention is XSOAR 8's default incident retention:
	// an incident, and its war room with it, is deleted 180 days after it
	// was created, unless it is marked retained.
	DefaultIncidentRetention = 180 * 24 * time.Hour
	// DefaultMaxIncidents bounds the incidents created over the API.
	DefaultMaxIncidents = 10_000
	// DefaultMaxEntries bounds the war-room entries of all incidents
	// together: a sandbox writes every call with incident context into
	// the same few war rooms, which XSOAR bounds only with the incident.
	// An entry of idcmd's costs about 0.7 KB, so about 14 MB at the cap.
	DefaultMaxEntries = 20_000
)

// retainLocked drops what XSOAR would have deleted by now: incidents
// created more than the retention ago, unless retained, then the oldest
// unretained incidents while there are more than maxIncidents of those,
// each with its war room; then the oldest entries of any war room while
// there are more than maxEntries. s.mu is held.
func (s *Server) retainLocked(now time.Time) {
	cutoff := now.Add(-s.incidentRetention)
	for i := 0; i < len(s.incidents); {
		in := s.incidents[i]
		switch {
		case in.retained:
			i++
		case in.Created.Before(cutoff):
			s.dropIncidentAt(i)
		default:
			i = len(s.incidents) // the rest were created later
		}
	}
	for s.unretained > s.maxIncidents {
		s.dropIncidentAt(slices.IndexFunc(s.incidents, func(in *incident) bool { return !in.retained }))
	}
	for len(s.entryOrder) > s.maxEntries {
		ent := s.entryOrder[0]
		s.entryOrder = retention.DeleteAt(s.entryOrder, 0)
		if j := slices.Index(ent.in.entries, ent); j >= 0 {
			ent.in.entries = retention.DeleteAt(ent.in.entries, j)
		}
	}
}

// dropIncidentAt deletes incidents[i] and its war room.
func (s *Server) dropIncidentAt(i int) {
	in := s.incidents[i]
	s.incidents = retention.DeleteAt(s.incidents, i)
	delete(s.byID, in.ID)
	if !in.retained {
		s.unretained--
	}
	if len(in.entries) > 0 {
		s.entryOrder = slices.DeleteFunc(s.entryOrder, func(e *entry) bool { return e.in == in })
	}
}

// expire applies the retention before a read, so that a tenant nobody
// writes to still ages. s.mu is held.
func (s *Server) expireLocked() { s.retainLocked(s.now()) }

// nextIncidentID is the next consecutive incident ID. s.mu is held.
func (s *Server) nextIncidentID() string {
	s.lastID++
	return strconv.Itoa(s.lastID)
}
