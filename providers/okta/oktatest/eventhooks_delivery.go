package oktatest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Event hook delivery (reference okta.md §8). Every event the System Log
// stores (API actions, AppendEvents, EmitBurst) whose type an ACTIVE and
// VERIFIED hook subscribes to is queued for that hook. Each hook has one
// delivery goroutine: it waits Options.HookBatchWindow after the first
// queued event so that events close together are amalgamated, then POSTs
// up to Options.HookMaxBatch of them in one envelope. An attempt times out
// after Options.HookTimeout (Okta's 3 s); a timeout, a connection error or
// a 5xx is retried once, a 4xx never. A delivery that still fails is
// recorded and logged as an event_hook.delivery System Log event with
// outcome FAILURE. Okta's delivery is at least once: Redeliver,
// RedeliverLast and OverlapNext let tests send the duplicates and
// overlaps a receiver must tolerate.

// Defaults of the delivery options.
const (
	// DefaultHookBatchWindow is how long a delivery waits for more events
	// to amalgamate. Okta says only "events that occur within a short
	// time of each other".
	DefaultHookBatchWindow = 200 * time.Millisecond
	// DefaultHookMaxBatch bounds one delivery's events. Okta documents no
	// maximum; the fake picks one so a burst arrives in a few POSTs.
	DefaultHookMaxBatch = 50
	// DefaultHookTimeout is Okta's: 3 s per outbound request.
	DefaultHookTimeout = 3 * time.Second
)

// hookUserAgent is the User-Agent of Okta's hook requests, as Okta's
// verification example shows it.
const hookUserAgent = "Okta-Integrations"

// HookDelivery records one POST (with its retry) to a hook.
type HookDelivery struct {
	HookID string
	// EventID is the envelope's eventId; a redelivery repeats it.
	EventID string
	// EventUUIDs are the uuids of data.events, in order.
	EventUUIDs []string
	// Status is the last attempt's HTTP status, 0 when it got none.
	Status int
	// Attempts is 1, or 2 after a retry.
	Attempts int
	// OK says the receiver answered 2xx.
	OK bool
	// Err says why it failed (empty when OK).
	Err string
	// Redelivery marks a Redeliver/RedeliverLast send.
	Redelivery bool
	// Body is the envelope exactly as sent.
	Body []byte
}

type queuedEvent struct {
	uuid string
	json []byte
}

// hookOptions are the delivery knobs from Options.
type hookOptions struct {
	window   time.Duration
	maxBatch int
	timeout  time.Duration
}

// hookHub holds the org's event hooks and their deliveries. Lock order:
// Org.mu before hookHub.mu (the System Log queues while holding Org.mu);
// nothing holding hookHub.mu takes Org.mu or makes an HTTP request.
type hookHub struct {
	mu         sync.Mutex
	hooks      map[string]*eventHook
	order      []string // creation order: the listing order
	deliveries []HookDelivery
	verifies   []VerifyAttempt
	// pending counts queued events not yet attempted; idle is closed
	// when it is zero and replaced when it becomes positive.
	pending int
	idle    chan struct{}
	// hurry is closed by FlushHooks to cut batch windows short.
	hurry chan struct{}

	opts   hookOptions
	client *http.Client
	org    *Org
	// base is the org URL envelopes name as their source.
	base func() string
	now  func() time.Time
	wg   sync.WaitGroup
	// logFailure records a failed delivery in the System Log.
	logFailure func(h HookDelivery, name string)
}

func newHookHub(o *Org, opts Options, base func() string) *hookHub {
	ho := hookOptions{window: opts.HookBatchWindow, maxBatch: opts.HookMaxBatch, timeout: opts.HookTimeout}
	if ho.window <= 0 {
		ho.window = DefaultHookBatchWindow
	}
	if ho.maxBatch <= 0 {
		ho.maxBatch = DefaultHookMaxBatch
	}
	if ho.timeout <= 0 {
		ho.timeout = DefaultHookTimeout
	}
	idle := make(chan struct{})
	close(idle)
	return &hookHub{
		hooks: map[string]*eventHook{}, idle: idle, hurry: make(chan struct{}),
		opts: ho, org: o, base: base, now: o.now,
		// No client-wide timeout: each attempt has its own context. A
		// redirect is answered as it is, not followed.
		client: &http.Client{
			Transport:     &http.Transport{},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// addLocked registers h and starts its delivery goroutine.
func (hub *hookHub) addLocked(h *eventHook) {
	for {
		h.id = prefixEventHook + randomString(17)
		if hub.hooks[h.id] == nil {
			break
		}
	}
	h.wake, h.stop = make(chan struct{}, 1), make(chan struct{})
	hub.hooks[h.id] = h
	hub.order = append(hub.order, h.id)
	hub.wg.Add(1)
	go hub.run(h)
}

// removeLocked deletes h; what it had queued is dropped.
func (hub *hookHub) removeLocked(h *eventHook) {
	delete(hub.hooks, h.id)
	hub.order = slices.DeleteFunc(hub.order, func(id string) bool { return id == h.id })
	hub.donePendingLocked(len(h.queue))
	h.queue = nil
	close(h.stop)
}

// enqueue queues a stored event for every hook that should receive it.
// The System Log calls it while holding Org.mu; it never blocks.
func (hub *hookHub) enqueue(se *storedEvent) {
	if se.ev.EventType == deliveryEventType {
		return
	}
	hub.mu.Lock()
	defer hub.mu.Unlock()
	for _, id := range hub.order {
		h := hub.hooks[id]
		if h.status != HookActive || h.verification != HookVerified || !slices.Contains(h.items, se.ev.EventType) {
			continue
		}
		h.queue = append(h.queue, queuedEvent{uuid: se.ev.UUID, json: se.json})
		if hub.pending == 0 {
			hub.idle = make(chan struct{})
		}
		hub.pending++
		select {
		case h.wake <- struct{}{}:
		default:
		}
	}
}

func (hub *hookHub) donePendingLocked(n int) {
	if n == 0 {
		return
	}
	hub.pending -= n
	if hub.pending == 0 {
		close(hub.idle)
		hub.hurry = make(chan struct{})
	}
}

// run is h's delivery goroutine.
func (hub *hookHub) run(h *eventHook) {
	defer hub.wg.Done()
	for {
		select {
		case <-h.stop:
			return
		case <-h.wake:
		}
		for {
			hub.mu.Lock()
			empty, hurry := len(h.queue) == 0, hub.hurry
			hub.mu.Unlock()
			if empty {
				break
			}
			t := time.NewTimer(hub.opts.window)
			select {
			case <-h.stop:
				t.Stop()
				return
			case <-t.C:
			case <-hurry:
				t.Stop()
			}
			hub.deliverNext(h)
		}
	}
}

// deliverNext sends up to maxBatch of h's queued events, plus the events
// of the previous delivery OverlapNext asked to repeat.
func (hub *hookHub) deliverNext(h *eventHook) {
	hub.mu.Lock()
	n := min(len(h.queue), hub.opts.maxBatch)
	batch := slices.Clone(h.queue[:n])
	h.queue = slices.Delete(h.queue, 0, n)
	var repeat []queuedEvent
	if h.overlap > 0 && h.last != nil {
		repeat = lastEvents(h.last, h.overlap)
		h.overlap = 0
	}
	ch, id, name := h.channel, h.id, h.name
	hub.mu.Unlock()

	d := hub.send(id, ch, uuid.NewString(), append(repeat, batch...))
	hub.mu.Lock()
	hub.deliveries = append(hub.deliveries, d)
	h.last = &d
	hub.donePendingLocked(n)
	hub.mu.Unlock()
	if !d.OK {
		hub.logFailure(d, name)
	}
}

// lastEvents are the last n events of delivery d, from its body.
func lastEvents(d *HookDelivery, n int) []queuedEvent {
	var env struct {
		Data struct {
			Events []json.RawMessage `json:"events"`
		} `json:"data"`
	}
	_ = json.Unmarshal(d.Body, &env)
	evs := env.Data.Events
	evs = evs[max(0, len(evs)-n):]
	out := make([]queuedEvent, len(evs))
	for i, raw := range evs {
		out[i] = queuedEvent{uuid: d.EventUUIDs[len(d.EventUUIDs)-len(evs)+i], json: raw}
	}
	return out
}

// send builds the envelope for events and POSTs it to ch.
func (hub *hookHub) send(hookID string, ch hookChannel, eventID string, events []queuedEvent) HookDelivery {
	var body bytes.Buffer
	head, _ := json.Marshal(map[string]string{
		"eventType": "com.okta.event_hook", "eventTypeVersion": "1.0", "cloudEventsVersion": "0.1",
		"contentType": "application/json", "eventId": eventID,
		"eventTime": hub.now().UTC().Format(oktaTimeLayout),
		"source":    hub.base() + eventHooksPath + "/" + hookID,
	})
	body.Write(head[:len(head)-1])
	body.WriteString(`,"data":{"events":[`)
	uuids := make([]string, len(events))
	for i, e := range events {
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(e.json)
		uuids[i] = e.uuid
	}
	body.WriteString("]}}")
	d := HookDelivery{HookID: hookID, EventID: eventID, EventUUIDs: uuids, Body: body.Bytes()}
	hub.post(ch, &d)
	return d
}

// post makes a delivery's attempts: one, and a retry after a timeout, a
// connection error or a 5xx.
func (hub *hookHub) post(ch hookChannel, d *HookDelivery) {
	for d.Attempts < 2 {
		d.Attempts++
		status, err := hub.attempt(http.MethodPost, ch, d.Body, nil)
		d.Status = status
		switch {
		case err == nil && status/100 == 2:
			d.OK, d.Err = true, ""
			return
		case err != nil:
			d.Err = err.Error()
		default:
			d.Err = "the endpoint answered " + strconv.Itoa(status)
			if status < 500 {
				return // Okta does not retry a 4xx (or a redirect)
			}
		}
	}
}

// attempt makes one hook request with Okta's headers and the hook's own,
// within the hook timeout, and returns the status; body, if not nil,
// receives up to 64 KB of the response.
func (hub *hookHub) attempt(method string, ch hookChannel, payload []byte, respBody *[]byte, extra ...string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), hub.opts.timeout)
	defer cancel()
	var rd *bytes.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	var req *http.Request
	var err error
	if rd != nil {
		req, err = http.NewRequestWithContext(ctx, method, ch.uri, rd)
	} else {
		req, err = http.NewRequestWithContext(ctx, method, ch.uri, nil)
	}
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", hookUserAgent)
	req.Header.Set("X-Okta-Request-Id", randomString(27))
	for _, h := range ch.headers {
		req.Header.Set(h.Key, h.Value)
	}
	if ch.hasAuth {
		req.Header.Set(ch.authKey, ch.authValue)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		req.Header.Set(extra[i], extra[i+1])
	}
	resp, err := hub.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			return 0, fmt.Errorf("no response within %s", hub.opts.timeout)
		}
		return 0, fmt.Errorf("connection failed: %w", err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, rerr := buf.ReadFrom(io.LimitReader(resp.Body, 64<<10))
	if respBody != nil {
		*respBody = buf.Bytes()
	}
	if rerr != nil && ctx.Err() != nil {
		return 0, fmt.Errorf("no response within %s", hub.opts.timeout)
	}
	return resp.StatusCode, nil
}

// close stops every delivery goroutine and waits for them.
func (hub *hookHub) close() {
	hub.mu.Lock()
	for _, h := range hub.hooks {
		select {
		case <-h.stop:
		default:
			close(h.stop)
		}
	}
	hub.mu.Unlock()
	hub.wg.Wait()
	hub.client.CloseIdleConnections()
}

// FlushHooks cuts every batch window short and waits until every event
// queued so far has been attempted (delivered, or failed after its retry),
// or ctx is done.
func (s *Server) FlushHooks(ctx context.Context) error {
	hub := s.hooks
	for {
		hub.mu.Lock()
		if hub.pending == 0 {
			hub.mu.Unlock()
			return nil
		}
		idle, hurry := hub.idle, hub.hurry
		select {
		case <-hurry:
		default:
			close(hurry)
		}
		hub.mu.Unlock()
		select {
		case <-idle:
		case <-ctx.Done():
			return fmt.Errorf("oktatest: flush hooks: %w", ctx.Err())
		}
	}
}

// HookDeliveries returns every delivery made so far, oldest first.
func (s *Server) HookDeliveries() []HookDelivery {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return slices.Clone(s.hooks.deliveries)
}

// Redeliver sends the delivery with eventID again, verbatim (same eventId,
// same events), as Okta's at-least-once delivery may, and records it.
func (s *Server) Redeliver(ctx context.Context, eventID string) (HookDelivery, error) {
	hub := s.hooks
	hub.mu.Lock()
	i := slices.IndexFunc(hub.deliveries, func(d HookDelivery) bool { return d.EventID == eventID })
	if i < 0 {
		hub.mu.Unlock()
		return HookDelivery{}, fmt.Errorf("oktatest: no delivery with eventId %s", eventID)
	}
	return hub.redeliverLocked(ctx, hub.deliveries[i])
}

// RedeliverLast sends hookID's most recent delivery again, verbatim.
func (s *Server) RedeliverLast(ctx context.Context, hookID string) (HookDelivery, error) {
	hub := s.hooks
	hub.mu.Lock()
	h := hub.hooks[hookID]
	if h == nil || h.last == nil {
		hub.mu.Unlock()
		return HookDelivery{}, fmt.Errorf("oktatest: hook %s has made no delivery", hookID)
	}
	return hub.redeliverLocked(ctx, *h.last)
}

// redeliverLocked is called with hub.mu held and releases it.
func (hub *hookHub) redeliverLocked(ctx context.Context, prev HookDelivery) (HookDelivery, error) {
	h := hub.hooks[prev.HookID]
	if h == nil {
		hub.mu.Unlock()
		return HookDelivery{}, fmt.Errorf("oktatest: hook %s was deleted", prev.HookID)
	}
	ch := h.channel
	hub.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return HookDelivery{}, err
	}
	d := HookDelivery{HookID: prev.HookID, EventID: prev.EventID, EventUUIDs: prev.EventUUIDs, Body: prev.Body, Redelivery: true}
	hub.post(ch, &d)
	hub.mu.Lock()
	hub.deliveries = append(hub.deliveries, d)
	hub.mu.Unlock()
	return d, nil
}

// OverlapNext makes hookID's next delivery start with the last n events
// of its previous one, before the newly queued events, under a new
// eventId: the overlapping batch an at-least-once receiver must
// deduplicate by event uuid.
func (s *Server) OverlapNext(hookID string, n int) error {
	hub := s.hooks
	hub.mu.Lock()
	defer hub.mu.Unlock()
	h := hub.hooks[hookID]
	if h == nil || h.last == nil {
		return fmt.Errorf("oktatest: hook %s has made no delivery", hookID)
	}
	h.overlap = n
	return nil
}

// deliveryFailureEvent is the System Log event Okta writes when a hook
// delivery fails.
func deliveryFailureEvent(d HookDelivery, name string, now time.Time) LogEvent {
	hook := LogTarget{ID: d.HookID, Type: "EventHook", AlternateID: name, DisplayName: name}
	reqID := randomString(27)
	return LogEvent{
		UUID: uuid.NewString(), Published: now, EventType: deliveryEventType, Version: "0", Severity: "WARN",
		DisplayMessage: "Event hook delivery",
		Actor:          LogActor{ID: d.HookID, Type: "EventHook", AlternateID: name, DisplayName: name},
		Outcome:        &LogOutcome{Result: "FAILURE", Reason: d.Err},
		Target:         []LogTarget{hook},
		Transaction:    &LogTransaction{Type: "JOB", ID: reqID},
		DebugContext: &LogDebugContext{DebugData: map[string]any{
			"requestId": reqID, "eventId": d.EventID, "attempts": strconv.Itoa(d.Attempts),
			"statusCode": strconv.Itoa(d.Status),
		}},
	}
}
