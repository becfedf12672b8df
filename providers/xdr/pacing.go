package xdr

import (
	"context"
	"fmt"
	"math"
	"time"

	"golang.org/x/time/rate"

	"github.com/idcmd/idcmd/providers/upstream"
)

// maxAlertsPerRequest is insert_parsed_alerts' limit per request
// (reference §6).
const maxAlertsPerRequest = 60

// alertPacer keeps InsertParsedAlerts under the alerts-per-minute limit
// with a token bucket of one token per alert.
//
// The bucket holds one batch, so a batch can go at once, and refills at
// (perMinute − batch) per minute. Any 60 seconds then carry at most
// batch + (perMinute − batch) = perMinute alerts, whatever window XDR
// counts in: a bucket that refilled at the full perMinute would allow a
// burst on top of a minute's worth. At the default 600 that is one batch
// of 60 at once and 540 a minute sustained.
type alertPacer struct {
	perMinute int
	batch     int
	limiter   *rate.Limiter
}

func newAlertPacer(perMinute int) *alertPacer {
	batch := min(maxAlertsPerRequest, perMinute/2)
	return &alertPacer{
		perMinute: perMinute,
		batch:     batch,
		limiter:   rate.NewLimiter(rate.Limit(float64(perMinute-batch)/60), batch),
	}
}

// schedule is the booked send time of each batch of one insert.
type schedule struct {
	res []*rate.Reservation
	at  []time.Time
}

// reserve books tokens at now for batches of the given sizes and returns
// when each may be sent. When ctx's deadline would come before the last
// batch may start, nothing stays booked and the error is RateLimited:
// pacing is all or nothing, so a refused insert has sent no alert at all.
// Its RetryAfter is the pacing the whole insert needs (for one batch, the
// wait until it could go at once), so a caller can tell how much longer a
// deadline has to be.
func (p *alertPacer) reserve(ctx context.Context, now time.Time, sizes []int) (*schedule, error) {
	s := &schedule{}
	for _, n := range sizes {
		r := p.limiter.ReserveN(now, n) // n ≤ batch = burst, so always OK
		s.res = append(s.res, r)
		s.at = append(s.at, now.Add(r.DelayFrom(now)))
	}
	last := s.at[len(s.at)-1]
	if deadline, ok := ctx.Deadline(); ok && !last.Before(deadline) {
		s.cancelFrom(0, now)
		need := last.Sub(now)
		total := 0
		for _, n := range sizes {
			total += n
		}
		return nil, &upstream.Error{
			Provider:   provider,
			Kind:       upstream.RateLimited,
			Message:    fmt.Sprintf("sending %d alerts within %d alerts a minute needs %s, past the deadline", total, p.perMinute, need.Round(time.Millisecond)),
			RetryAfter: max(time.Second, time.Duration(math.Ceil(need.Seconds()))*time.Second),
		}
	}
	return s, nil
}

// cancelFrom gives back the tokens of batches i and later, which will not
// be sent. Later reservations go first so each cancel restores its tokens
// in full.
func (s *schedule) cancelFrom(i int, now time.Time) {
	for j := len(s.res) - 1; j >= i; j-- {
		s.res[j].CancelAt(now)
	}
}
