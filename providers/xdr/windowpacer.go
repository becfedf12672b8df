package xdr

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/idcmd/idcmd/providers/upstream"
)

// windowPacer keeps a call under a "limit requests a minute" quota
// (get_incident_extra_data's 10 a minute, reference §6) by remembering when
// each of the last limit requests was sent: a request waits until the
// limit-th most recent one is a minute old.
//
// This is a sliding log rather than the golang.org/x/time/rate bucket
// alertPacer uses. A bucket can either burst or keep every 60 seconds under
// the limit, not both, and with a limit of 10 both matter: a bucket of 10
// refilling at 10 a minute lets 19 requests into some minute (XDR's window
// is undocumented, so every minute counts), and one of 1 refilling every
// 6 seconds makes the second of two concurrent workflow calls wait 6
// seconds for no reason. The log lets 10 calls go at once and makes the
// 11th wait for the first to age out, which is XDR's rule read strictly.
type windowPacer struct {
	op     string // the call's name, for the RateLimited message
	limit  int
	window time.Duration

	mu   sync.Mutex
	sent []time.Time // booked send times, ascending
}

func newWindowPacer(op string, limit int, window time.Duration) *windowPacer {
	return &windowPacer{op: op, limit: limit, window: window}
}

// booking is one reserved send time; cancel gives it back when the
// request will not be sent after all.
type booking struct {
	p  *windowPacer
	at time.Time
}

// reserve books the earliest send time at or after now that keeps every
// window under the limit. When ctx's deadline would come first, nothing is
// booked and the error is RateLimited with the wait needed, so a caller
// learns "retry after N s" at once instead of sleeping into a timeout.
func (p *windowPacer) reserve(ctx context.Context, now time.Time) (booking, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	// Bookings older than a window no longer count.
	cutoff := now.Add(-p.window)
	i := 0
	for i < len(p.sent) && !p.sent[i].After(cutoff) {
		i++
	}
	p.sent = slices.Delete(p.sent, 0, i)

	at := now
	if n := len(p.sent); n >= p.limit {
		at = later(at, p.sent[n-p.limit].Add(p.window))
	}
	if n := len(p.sent); n > 0 {
		at = later(at, p.sent[n-1]) // keep the log in order
	}
	if deadline, ok := ctx.Deadline(); ok && at.After(now) && !at.Before(deadline) {
		need := at.Sub(now)
		return booking{}, &upstream.Error{
			Provider:   provider,
			Kind:       upstream.RateLimited,
			Message:    fmt.Sprintf("%s is limited to %d requests a minute; the next one may go in %s, past the deadline", p.op, p.limit, need.Round(time.Millisecond)),
			RetryAfter: max(time.Second, time.Duration(math.Ceil(need.Seconds()))*time.Second),
		}
	}
	p.sent = append(p.sent, at)
	return booking{p: p, at: at}, nil
}

// cancel removes the booking, for a request that was not sent (its wait
// was cut short by ctx).
func (b booking) cancel() {
	if b.p == nil {
		return
	}
	b.p.mu.Lock()
	defer b.p.mu.Unlock()
	if i := slices.Index(b.p.sent, b.at); i >= 0 {
		b.p.sent = slices.Delete(b.p.sent, i, i+1)
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
