package pingonetest

import (
	"slices"
	"time"

	"github.com/idcmd/idcmd/providers/internal/retention"
)

// Retention of the audit trail and of risk evaluations: Options
// .MaxActivities and .MaxRiskEvaluations.
const (
	// DefaultMaxActivities bounds the audit trail for a sandbox that makes
	// more calls within PingOne's 14 days than it can keep in memory (an
	// activity costs about 0.7 KB, so about 14 MB at the cap); the demo
	// environment's seeded week is about 1,800 activities.
	DefaultMaxActivities = 20_000
	// DefaultMaxRiskEvaluations bounds the stored risk evaluations, one per
	// evaluation request (about 0.7 KB each).
	DefaultMaxRiskEvaluations = 10_000
)

// activityKept is how long the fake keeps an activity: PingOne's 14 days
// of direct access and the grace that queries get. PingOne keeps older
// activities for restoring, which the fake does not do, so nothing older
// can be asked for.
const activityKept = activityRetention + retentionGrace

// retainActivitiesLocked drops what PingOne would no longer serve at now:
// activities recorded before the retention window, oldest first, then,
// while the trail holds more than max, the oldest activity that is not
// part of the seeded history (the oldest seeded one when only those are
// left). e.mu is held for writing.
func (e *Env) retainActivitiesLocked(now time.Time) {
	l := &e.activities
	cutoff := now.Add(-activityKept)
	for len(l.list) > 0 && l.list[0].act.RecordedAt.Before(cutoff) {
		l.dropAt(0)
	}
	for len(l.list) > l.max {
		victim := 0
		for i, sa := range l.list {
			if !sa.seeded {
				victim = i
				break
			}
		}
		l.dropAt(victim)
	}
}

// dropAt removes list[i] from the trail and its indexes.
func (l *activityLog) dropAt(i int) {
	sa := l.list[i]
	l.list = retention.DeleteAt(l.list, i)
	delete(l.byID, sa.act.ID)
	if sa.user == nil {
		return
	}
	mine := l.byUser[sa.user.id]
	if j := slices.Index(mine, sa); j >= 0 {
		mine = retention.DeleteAt(mine, j)
	}
	if len(mine) == 0 {
		delete(l.byUser, sa.user.id)
	} else {
		l.byUser[sa.user.id] = mine
	}
}

// expireActivities applies the age limit before a read of the whole
// trail, so that a trail nobody writes to still ages; it takes the write
// lock only when there is something to drop. (Queries need not: they
// cannot reach past the window.)
func (e *Env) expireActivities() {
	now := e.now()
	cutoff := now.Add(-activityKept)
	e.mu.RLock()
	l := e.activities.list
	stale := len(l) > 0 && l[0].act.RecordedAt.Before(cutoff)
	e.mu.RUnlock()
	if stale {
		e.mu.Lock()
		e.retainActivitiesLocked(now)
		e.mu.Unlock()
	}
}

// storeRiskLocked keeps re and, while more than maxRisk evaluations are
// stored, drops the oldest that is not seeded (the oldest seeded one when
// only those are left). The reference documents no retention for
// evaluations, so only the count bounds them. e.mu is held for writing.
func (e *Env) storeRiskLocked(re *riskEvaluation) {
	e.risk[re.id] = re
	e.riskOrder = append(e.riskOrder, re)
	for len(e.riskOrder) > e.maxRisk {
		victim := 0
		for i, r := range e.riskOrder {
			if !r.seeded {
				victim = i
				break
			}
		}
		delete(e.risk, e.riskOrder[victim].id)
		e.riskOrder = retention.DeleteAt(e.riskOrder, victim)
	}
}
