package pingonetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/internal/fakeserver"
)

// Delivery, as PingOne does it (pingone.md §8, developer docs
// "Subscriptions (webhooks)"): each subscription has one sender that POSTs
// batches of matched activities, in order, to httpEndpoint.url with the
// configured headers. It retries the current batch until it gets a 200
// and does not move on meanwhile; anything else (204 and 4xx included, a
// redirect, a timeout) is a failure. A suspended subscription accumulates
// its events (two weeks at most) and delivers them once enabled again.

// Delivery is one delivery attempt, for tests.
type Delivery struct {
	SubscriptionID string
	// Batch numbers a subscription's batches from 1; every attempt at the
	// same batch carries the same number and the same Body.
	Batch   int
	Attempt int
	// Status is the receiver's HTTP status, 0 when none arrived (Error
	// says why).
	Status      int
	Error       string
	ActivityIDs []string
	ContentType string
	Body        []byte
	// Redelivery marks a batch sent again by Redeliver or
	// RedeliverOverlapping.
	Redelivery bool
	At         time.Time
}

// queuedEvent is a matched activity rendered for one subscription.
type queuedEvent struct {
	id         string
	recordedAt time.Time
	body       []byte
}

// sentBatch is a delivered batch, kept for Redeliver.
type sentBatch struct {
	number int
	events []queuedEvent
	body   []byte
	ctype  string
}

// outbox is one subscription's queue and sender state. Guarded by
// subStore.mu, except wake, ctx and cancel.
type outbox struct {
	pending []queuedEvent
	// inflight is how many events at the head of pending the sender is
	// delivering; nothing removes them but their delivery.
	inflight int
	batches  []sentBatch
	nextNo   int
	// failedAt is the subStore attempt count at the last failed attempt.
	failedAt uint64
	deleted  bool
	wake     chan struct{}
	ctx      context.Context
	cancel   context.CancelFunc
}

func (o *outbox) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

func (o *outbox) push(ev queuedEvent) {
	if len(o.pending) >= maxPendingEvents && len(o.pending) > o.inflight {
		o.pending = slices.Delete(o.pending, o.inflight, o.inflight+1)
	}
	o.pending = append(o.pending, ev)
	o.signal()
}

// deliveryRequest stands in for an HTTP request when activities are
// rendered outside one: links use the configured base URL.
var deliveryRequest = &http.Request{Host: "127.0.0.1"}

// deliveryJSON renders an activity as GET /activities returns it, with
// the source section as the subscription exposes it: the IP only with
// ipAddressExposed, the User-Agent only with userAgentExposed.
func (s *Server) deliveryJSON(sa *storedActivity, c *subscriptionConfig) []byte {
	j := s.renderActivity(deliveryRequest, sa)
	j.Source = nil
	src := sourceJSON{}
	if c.ipExposed {
		src.IPAddress = sa.act.IP
	}
	if c.uaExposed {
		src.UserAgent = sa.act.UserAgent
	}
	if src != (sourceJSON{}) {
		j.Source = &src
	}
	b, err := json.Marshal(j)
	if err != nil {
		panic(fmt.Sprintf("pingonetest: marshal activity: %v", err))
	}
	return b
}

// takeLocked picks the next batch from the head of pending: up to
// limitSize events, or as many as fit in limitSize KB (at least one).
// Events older than two weeks are dropped first.
func (o *outbox) takeLocked(c *subscriptionConfig, now time.Time) []queuedEvent {
	cutoff := now.Add(-subscriptionBuffer)
	o.pending = slices.DeleteFunc(o.pending, func(ev queuedEvent) bool { return ev.recordedAt.Before(cutoff) })
	n := min(len(o.pending), c.limitSize)
	if c.limitType == LimitKBPerPayload {
		budget, size := c.limitSize*1024, 2
		n = 0
		for _, ev := range o.pending {
			if size += len(ev.body) + 1; n > 0 && size > budget {
				break
			}
			n++
		}
	}
	o.inflight = n
	return slices.Clone(o.pending[:n])
}

// encodeBatch builds the request body: a top-level JSON array
// (JSON_ARRAY, indented with prettyPrint) or one activity per line
// (ND_JSON).
func encodeBatch(events []queuedEvent, c *subscriptionConfig) ([]byte, string) {
	var b bytes.Buffer
	if c.payload == PayloadNDJSON {
		for _, ev := range events {
			b.Write(ev.body)
			b.WriteByte('\n')
		}
		return b.Bytes(), "application/x-ndjson"
	}
	b.WriteByte('[')
	for i, ev := range events {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(ev.body)
	}
	b.WriteByte(']')
	if c.prettyPrint {
		var ind bytes.Buffer
		if json.Indent(&ind, b.Bytes(), "", "  ") == nil {
			return ind.Bytes(), ctJSON
		}
	}
	return b.Bytes(), ctJSON
}

func eventIDs(events []queuedEvent) []string {
	ids := make([]string, len(events))
	for i, ev := range events {
		ids[i] = ev.id
	}
	return ids
}

// run is a subscription's sender.
func (st *subStore) run(sub *subscription) {
	defer st.wg.Done()
	o := sub.out
	for {
		// Wait for an enabled subscription with something to send.
		st.mu.Lock()
		for !(sub.cfg.enabled && len(o.pending) > 0) {
			st.mu.Unlock()
			select {
			case <-o.wake:
			case <-o.ctx.Done():
				return
			}
			st.mu.Lock()
		}
		full := sub.cfg.limitType == LimitEventsPerPayload && len(o.pending) >= sub.cfg.limitSize
		st.mu.Unlock()
		// Amalgamate: let the batch fill for a moment unless it is full.
		if !full && !fakeserver.Sleep(o.ctx, st.window) {
			return
		}
		st.mu.Lock()
		if !sub.cfg.enabled || len(o.pending) == 0 {
			st.mu.Unlock()
			continue
		}
		batch := o.takeLocked(&sub.cfg, st.srv.now())
		o.nextNo++
		number := o.nextNo
		body, ctype := encodeBatch(batch, &sub.cfg)
		st.mu.Unlock()
		if !st.deliverBatch(sub, number, batch, body, ctype) {
			return
		}
	}
}

// deliverBatch sends one batch until it gets a 200. It returns false when
// the subscription is deleted or the fake closed, and true when the batch
// was delivered or the subscription suspended (the batch stays queued).
// Each attempt uses the subscription's endpoint as it is configured then.
func (st *subStore) deliverBatch(sub *subscription, number int, batch []queuedEvent, body []byte, ctype string) bool {
	o := sub.out
	for attempt := 1; ; attempt++ {
		st.mu.Lock()
		cfg := sub.cfg
		st.mu.Unlock()
		d := st.post(o.ctx, sub.id, &cfg, body, ctype)
		d.Batch, d.Attempt, d.ActivityIDs = number, attempt, eventIDs(batch)
		st.mu.Lock()
		st.recordLocked(d)
		if o.deleted || o.ctx.Err() != nil {
			st.mu.Unlock()
			return false
		}
		if d.Status == http.StatusOK {
			o.pending = slices.Delete(o.pending, 0, o.inflight)
			o.inflight = 0
			o.batches = append(o.batches, sentBatch{number: number, events: batch, body: body, ctype: ctype})
			if len(o.batches) > maxKeptBatches {
				o.batches = slices.Delete(o.batches, 0, 1)
			}
			st.notifyLocked()
			st.mu.Unlock()
			return true
		}
		o.failedAt = st.attempts
		st.notifyLocked()
		if !sub.cfg.enabled {
			o.inflight = 0
			st.mu.Unlock()
			return true
		}
		st.mu.Unlock()
		if !fakeserver.Sleep(o.ctx, st.backoffFor(attempt)) {
			return false
		}
	}
}

// backoffFor is the wait after the attempt-th failure: Options'
// SubscriptionBackoff, doubling up to SubscriptionMaxBackoff.
func (st *subStore) backoffFor(attempt int) time.Duration {
	d := st.backoff
	for range attempt - 1 {
		if d *= 2; d >= st.maxBackoff {
			return st.maxBackoff
		}
	}
	return min(d, st.maxBackoff)
}

// post makes one delivery attempt.
func (st *subStore) post(ctx context.Context, subID string, c *subscriptionConfig, body []byte, ctype string) Delivery {
	d := Delivery{SubscriptionID: subID, ContentType: ctype, Body: body, At: st.srv.now()}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		d.Error = err.Error()
		return d
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("User-Agent", "PingOne-Webhooks (pingonetest)")
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	client := st.verifying
	if !c.verifyTLS {
		client = st.trusting
	}
	resp, err := client.Do(req)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	d.Status = resp.StatusCode
	return d
}

func (st *subStore) recordLocked(d Delivery) {
	st.attempts++
	st.deliveries = append(st.deliveries, d)
	if len(st.deliveries) > maxKeptDeliveries {
		st.deliveries = slices.Delete(st.deliveries, 0, len(st.deliveries)-maxKeptDeliveries)
	}
}

// Deliveries returns the delivery attempts made so far, oldest first: all
// of them, or one subscription's.
func (s *Server) Deliveries(subscriptionID string) []Delivery {
	s.subs.mu.Lock()
	defer s.subs.mu.Unlock()
	var out []Delivery
	for _, d := range s.subs.deliveries {
		if subscriptionID == "" || d.SubscriptionID == subscriptionID {
			out = append(out, d)
		}
	}
	return out
}

// FlushSubscriptions waits until every enabled subscription's queue is
// delivered, or its delivery has failed since the call began (it then
// keeps retrying in the background). It returns an error naming the
// failing subscriptions, or ctx's error. Suspended subscriptions are not
// waited for: they accumulate.
func (s *Server) FlushSubscriptions(ctx context.Context) error {
	st := s.subs
	st.mu.Lock()
	start := st.attempts
	st.mu.Unlock()
	for {
		st.mu.Lock()
		settled, closed := true, st.closed
		var failing []string
		for _, sub := range st.order {
			o := sub.out
			if !sub.cfg.enabled || len(o.pending) == 0 && o.inflight == 0 {
				continue
			}
			if o.failedAt > start {
				failing = append(failing, fmt.Sprintf("%s (%s)", sub.id, st.lastFailureLocked(sub.id)))
				continue
			}
			settled = false
		}
		ch := st.changed
		st.mu.Unlock()
		switch {
		case closed:
			return errors.New("pingonetest: the server is closed")
		case settled && len(failing) > 0:
			return fmt.Errorf("pingonetest: deliveries failing for subscription %s", strings.Join(failing, ", "))
		case settled:
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (st *subStore) lastFailureLocked(subID string) string {
	for i := len(st.deliveries) - 1; i >= 0; i-- {
		if d := st.deliveries[i]; d.SubscriptionID == subID {
			if d.Status != 0 {
				return fmt.Sprintf("HTTP %d", d.Status)
			}
			return d.Error
		}
	}
	return "no attempt"
}

// Redeliver sends a delivered batch again, byte for byte, as PingOne may
// (at-least-once): one attempt, recorded with Redelivery set. batch is a
// Delivery.Batch of that subscription.
func (s *Server) Redeliver(ctx context.Context, subscriptionID string, batch int) (Delivery, error) {
	sub, past, err := s.subs.pastBatch(subscriptionID, batch)
	if err != nil {
		return Delivery{}, err
	}
	return s.subs.resend(ctx, sub, batch, past.events, past.body, past.ctype), nil
}

// RedeliverOverlapping sends a batch that overlaps a delivered one: its
// last keep activities followed by acts, which are recorded as new
// activities of the environment first. Those are queued as usual too, so
// they reach the receiver again in a later batch: the overlap a receiver
// must deduplicate. One attempt, recorded with Redelivery set.
func (s *Server) RedeliverOverlapping(ctx context.Context, subscriptionID string, batch, keep int, acts ...Activity) (Delivery, error) {
	sub, past, err := s.subs.pastBatch(subscriptionID, batch)
	if err != nil {
		return Delivery{}, err
	}
	events := slices.Clone(past.events[len(past.events)-min(max(keep, 0), len(past.events)):])
	e := s.env
	e.mu.Lock()
	now := e.now()
	for _, a := range acts {
		sa := e.appendActivityLocked(a, now)
		s.subs.mu.Lock()
		events = append(events, queuedEvent{id: sa.act.ID, recordedAt: sa.act.RecordedAt, body: s.deliveryJSON(sa, &sub.cfg)})
		s.subs.mu.Unlock()
	}
	e.mu.Unlock()
	s.subs.mu.Lock()
	cfg := sub.cfg
	s.subs.mu.Unlock()
	body, ctype := encodeBatch(events, &cfg)
	return s.subs.resend(ctx, sub, 0, events, body, ctype), nil
}

func (st *subStore) pastBatch(subID string, number int) (*subscription, sentBatch, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	sub := st.byID[subID]
	if sub == nil {
		return nil, sentBatch{}, fmt.Errorf("pingonetest: no subscription %q", subID)
	}
	for _, b := range sub.out.batches {
		if b.number == number {
			return sub, b, nil
		}
	}
	return nil, sentBatch{}, fmt.Errorf("pingonetest: subscription %s delivered no batch %d (or it is no longer kept)", subID, number)
}

// resend makes one recorded attempt with a body, to the subscription's
// endpoint as it is configured now.
func (st *subStore) resend(ctx context.Context, sub *subscription, number int, events []queuedEvent, body []byte, ctype string) Delivery {
	st.mu.Lock()
	cfg := sub.cfg
	st.mu.Unlock()
	d := st.post(ctx, sub.id, &cfg, body, ctype)
	d.Batch, d.Attempt, d.ActivityIDs, d.Redelivery = number, 1, eventIDs(events), true
	st.mu.Lock()
	st.recordLocked(d)
	st.notifyLocked()
	st.mu.Unlock()
	return d
}
