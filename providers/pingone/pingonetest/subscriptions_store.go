package pingonetest

import (
	"context"
	"crypto/tls"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Delivery defaults (Options.Subscription*). PingOne documents none of
// them but the retry rule; these keep a sandbox lively without hammering a
// receiver that is down.
const (
	DefaultSubscriptionWindow     = time.Second
	DefaultSubscriptionBackoff    = 2 * time.Second
	DefaultSubscriptionMaxBackoff = time.Minute
	DefaultSubscriptionTimeout    = 10 * time.Second
	// subscriptionBuffer is how long undelivered events are kept: PingOne
	// keeps a suspended subscription's events for two weeks.
	subscriptionBuffer = 14 * 24 * time.Hour
	// maxPendingEvents bounds one subscription's queue in a long-running
	// sandbox; past it the oldest event not in flight is dropped.
	maxPendingEvents = 20000
	// maxKeptBatches and maxKeptDeliveries bound the history kept for
	// Redeliver and Deliveries.
	maxKeptBatches    = 200
	maxKeptDeliveries = 10000
)

// subStore holds the environment's subscriptions and their senders. Lock
// order: Env.mu before subStore.mu (activities are offered while the
// environment is locked); never the other way round.
type subStore struct {
	srv   *Server
	mu    sync.Mutex
	byID  map[string]*subscription
	order []*subscription // creation order
	// attempts counts delivery attempts, so that FlushSubscriptions can
	// tell a failure that happened while it waited from an older one.
	attempts   uint64
	deliveries []Delivery
	// changed is closed and replaced whenever delivery state changes.
	changed chan struct{}
	closed  bool
	wg      sync.WaitGroup

	window, backoff, maxBackoff time.Duration
	verifying, trusting         *http.Client
}

func newSubStore(s *Server, opts Options) *subStore {
	st := &subStore{
		srv: s, byID: map[string]*subscription{}, changed: make(chan struct{}),
		window:     pick(opts.SubscriptionWindow, DefaultSubscriptionWindow),
		backoff:    pick(opts.SubscriptionBackoff, DefaultSubscriptionBackoff),
		maxBackoff: pick(opts.SubscriptionMaxBackoff, DefaultSubscriptionMaxBackoff),
	}
	timeout := pick(opts.SubscriptionTimeout, DefaultSubscriptionTimeout)
	newClient := func(verify bool) *http.Client {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy = nil // deliveries go straight to the endpoint
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if opts.SubscriptionTLS != nil {
			cfg = opts.SubscriptionTLS.Clone()
		}
		// verifyTlsCertificates false: "all certificates are trusted".
		cfg.InsecureSkipVerify = !verify
		tr.TLSClientConfig = cfg
		return &http.Client{
			Transport: tr, Timeout: timeout,
			// A redirect is not a 200: the batch is retried.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	st.verifying, st.trusting = newClient(true), newClient(false)
	return st
}

// pick is d, or def when d is zero or less.
func pick(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// notifyLocked wakes everyone waiting for a change of delivery state.
func (st *subStore) notifyLocked() {
	close(st.changed)
	st.changed = make(chan struct{})
}

func (st *subStore) create(cfg subscriptionConfig, now time.Time) (*subscription, *apiError) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.order) >= MaxSubscriptions {
		return nil, errSubscriptionLimit()
	}
	ctx, cancel := context.WithCancel(context.Background())
	sub := &subscription{cfg: cfg, id: uuid.NewString(), createdAt: now, updatedAt: now,
		out: &outbox{wake: make(chan struct{}, 1), ctx: ctx, cancel: cancel}}
	st.byID[sub.id] = sub
	st.order = append(st.order, sub)
	if !st.closed {
		st.wg.Add(1)
		go st.run(sub)
	}
	return sub, nil
}

// errSubscriptionLimit is PingOne's 403 for a 51st subscription.
func errSubscriptionLimit() *apiError {
	return &apiError{
		status: http.StatusForbidden, code: codeRequestFailed,
		message: "The request could not be completed. The maximum number of subscriptions has been reached.",
		details: []errorDetail{{Code: detailConstraintViolation, Target: "subscriptions",
			Message: "An environment can have at most 50 subscriptions; delete one first."}},
	}
}

func (st *subStore) update(id string, cfg subscriptionConfig, now time.Time) *subscription {
	st.mu.Lock()
	defer st.mu.Unlock()
	sub := st.byID[id]
	if sub == nil {
		return nil
	}
	sub.cfg, sub.updatedAt = cfg, now
	sub.out.signal()
	st.notifyLocked()
	return sub
}

func (st *subStore) remove(id string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	sub := st.byID[id]
	if sub == nil {
		return false
	}
	delete(st.byID, id)
	st.order = slices.DeleteFunc(st.order, func(x *subscription) bool { return x == sub })
	sub.out.deleted = true
	sub.out.cancel()
	st.notifyLocked()
	return true
}

// close stops every sender and waits for them.
func (st *subStore) close() {
	st.mu.Lock()
	st.closed = true
	for _, sub := range st.order {
		sub.out.cancel()
	}
	st.notifyLocked()
	st.mu.Unlock()
	st.wg.Wait()
}

// offer queues an activity for every subscription it matches, enabled or
// not (a suspended subscription accumulates). It is called for each
// activity the environment records, with Env.mu held.
func (st *subStore) offer(sa *storedActivity) {
	if sa.seeded {
		return // the seeded history happened before any subscription
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, sub := range st.order {
		if !sub.cfg.matches(sa) {
			continue
		}
		sub.out.push(queuedEvent{id: sa.act.ID, recordedAt: sa.act.RecordedAt, body: st.srv.deliveryJSON(sa, &sub.cfg)})
	}
	st.notifyLocked()
}

// Subscriptions returns the IDs and names of the environment's
// subscriptions, oldest first, for tests.
func (s *Server) Subscriptions() []SubscriptionSummary {
	s.subs.mu.Lock()
	defer s.subs.mu.Unlock()
	out := make([]SubscriptionSummary, 0, len(s.subs.order))
	for _, sub := range s.subs.order {
		c := sub.cfg
		out = append(out, SubscriptionSummary{
			ID: sub.id, Name: c.name, Enabled: c.enabled, URL: c.url, Headers: maps.Clone(c.headers),
			ActionTypes: slices.Clone(c.actionTypes), Format: c.format, PayloadFormat: c.payload,
			LimitType: c.limitType, LimitSize: c.limitSize, VerifyTLS: c.verifyTLS, IPExposed: c.ipExposed, UserAgentExposed: c.uaExposed,
			Pending: len(sub.out.pending),
		})
	}
	return out
}

// SubscriptionSummary is what a test sees of a subscription.
type SubscriptionSummary struct {
	ID, Name           string
	Enabled, VerifyTLS bool
	URL                string
	Headers            map[string]string
	ActionTypes        []string
	Format             string
	PayloadFormat      string
	LimitType          string
	LimitSize          int
	// IPExposed and UserAgentExposed are filterOptions' ipAddressExposed
	// and userAgentExposed.
	IPExposed, UserAgentExposed bool
	// Pending is the number of matched events not yet delivered.
	Pending int
}
