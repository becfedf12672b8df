package oktatest

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/idcmd/idcmd/providers/internal/fakeserver"
	"github.com/idcmd/idcmd/providers/internal/fault"
)

// DefaultToken is the SSWS API token the fake accepts unless Options.Token
// says otherwise.
const DefaultToken = "test-ssws-token"

// Options configures a fake org.
type Options struct {
	// Token is the SSWS API token the fake accepts; DefaultToken if empty.
	Token string
	// Now is the clock; time.Now if nil. It drives timestamps, token and
	// assertion expiry, System Log windows and rate-limit windows, so tests
	// can move time without sleeping.
	Now func() time.Time
	// Seed loads the demo org (SeedDemo) at start.
	Seed bool
	// RateLimitPerMinute, when positive, enforces that many API calls per
	// minute per endpoint family (users, logs, token, other) and answers
	// 429 E0000047 beyond it. Zero enforces nothing; X-Rate-Limit-* headers
	// then report Okta's nominal limits (users 600, logs 120) so that
	// benchmarks are never throttled by default.
	RateLimitPerMinute int
	// LogScanLimit is how many stored events one System Log request
	// examines before it answers with the matches it found and a next
	// link; DefaultLogScanLimit if zero. Okta's System Log answers a
	// selective query with short pages (fewer events than limit, even
	// none) that still have a next link; a small value makes that happen
	// on a small org.
	LogScanLimit int
	// LogRetention is how long System Log events are kept after they were
	// published; DefaultLogRetention (Okta's 90 days) if zero or less.
	// Older events are dropped, oldest first, and no request returns them.
	LogRetention time.Duration
	// MaxLogEvents bounds the System Log, which Okta bounds only by age,
	// for a sandbox that makes many calls within the retention;
	// DefaultMaxLogEvents if zero or less. Past it the oldest event goes
	// first, the seeded history only when nothing else is left. A polling
	// cursor whose next events were dropped continues with the oldest
	// event kept after it.
	MaxLogEvents int
	// HookBatchWindow is how long an event hook delivery waits after its
	// first event for more to amalgamate; DefaultHookBatchWindow if zero.
	// FlushHooks cuts it short, so tests can set it long and flush.
	HookBatchWindow time.Duration
	// HookMaxBatch bounds the events of one delivery; DefaultHookMaxBatch
	// if zero.
	HookMaxBatch int
	// HookTimeout is the timeout of each verification and delivery
	// request to a hook; DefaultHookTimeout (Okta's 3 s) if zero.
	HookTimeout time.Duration
}

// DefaultLogScanLimit is Options.LogScanLimit's default: as many events as
// the largest page holds, so an unfiltered page is full and a filtered one
// over the demo org's week of events is short.
const DefaultLogScanLimit = maxLogLimit

// Server is a fake Okta org served over HTTP.
type Server struct {
	// URL is the base URL, e.g. "http://127.0.0.1:41234", with no trailing
	// slash. It is what Link headers and _links point at.
	URL string
	// Token is the SSWS API token the fake accepts.
	Token string

	now         func() time.Time
	org         *Org
	base        atomic.Pointer[string]
	cursors     cursorSealer
	logScan     int
	limiter     *rateLimiter
	inject      fault.Queue
	routeFaults routeFaults  // failures injected on one operation (inject_route.go)
	latency     atomic.Int64 // time.Duration
	requests    atomic.Int64
	oauth       *oauthServer
	hooks       *hookHub // event hooks (eventhooks*.go)
	// sswsPrincipal is the caller behind the SSWS token.
	sswsPrincipal *principal

	listener *fakeserver.Listener
}

// NewServer starts a fake org listening on 127.0.0.1 on a free port, ready
// to serve when it returns. Close it when done.
func NewServer(opts Options) *Server {
	s := NewHandlerServer(opts)
	var url string
	url, s.listener = fakeserver.Start("oktatest", s.Handler())
	s.SetURL(url)
	return s
}

// NewHandlerServer builds a fake org without listening, for callers that
// serve Handler on their own listener. Call SetURL with the address clients
// use before serving; until then links are derived from the request's Host.
func NewHandlerServer(opts Options) *Server {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	token := opts.Token
	if token == "" {
		token = DefaultToken
	}
	s := &Server{
		Token:   token,
		now:     now,
		org:     newOrg(now),
		cursors: newCursorSealer(),
		logScan: opts.LogScanLimit,
		limiter: newRateLimiter(opts.RateLimitPerMinute),
		oauth:   newOAuthServer(),
	}
	s.sswsPrincipal = &principal{
		actor: LogActor{
			ID: s.org.svcID, Type: "User", AlternateID: ServiceAccountLogin,
			DisplayName: "idcmd Service Account",
		},
		tokenID: s.org.svcTokenID,
	}
	s.hooks = newHookHub(s.org, opts, func() string {
		if p := s.base.Load(); p != nil {
			return *p
		}
		return ""
	})
	s.hooks.logFailure = func(d HookDelivery, name string) {
		s.org.AppendEvents(deliveryFailureEvent(d, name, s.now()))
	}
	s.org.hooks = s.hooks
	if s.logScan <= 0 {
		s.logScan = DefaultLogScanLimit
	}
	if opts.LogRetention > 0 {
		s.org.log.retention = opts.LogRetention
	}
	if opts.MaxLogEvents > 0 {
		s.org.log.max = opts.MaxLogEvents
	}
	if opts.Seed {
		SeedDemo(s.org, now())
	}
	return s
}

// SetURL sets the base URL used in Link headers, _links, and to check the
// aud of client assertions and the htu of DPoP proofs. Call it before the
// server handles requests.
func (s *Server) SetURL(u string) {
	u = strings.TrimSuffix(u, "/")
	s.URL = u
	s.base.Store(&u)
}

// baseURL is the configured URL, or one derived from the request.
func (s *Server) baseURL(r *http.Request) string {
	if p := s.base.Load(); p != nil && *p != "" {
		return *p
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// requestURLs are the absolute URLs a request for path may legitimately
// have been addressed to: under the configured URL, and under the Host it
// arrived with (the two differ behind the sandbox's own listener or a
// proxy).
func (s *Server) requestURLs(r *http.Request, path string) []string {
	urls := []string{s.baseURL(r) + path, "http://" + r.Host + path}
	if r.TLS != nil {
		urls = append(urls, "https://"+r.Host+path)
	}
	return urls
}

// Close shuts the listener and every connection down and waits for the
// serving goroutine. It is a no-op for a NewHandlerServer.
func (s *Server) Close() {
	s.listener.Close()
	s.hooks.close()
}

// Handler returns the fake's HTTP handler.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Org gives tests direct access to the org's state.
func (s *Server) Org() *Org { return s.org }

// SetLatency makes every API call (and token request) wait d before it is
// handled. The wait ends early, with no response, if the request is
// cancelled.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// Requests returns how many HTTP requests the fake has received: API calls
// and token requests alike, including those answered with an error. Tests
// use it to assert that the provider was, or was not, called.
func (s *Server) Requests() int64 { return s.requests.Load() }

// call carries what the router and authentication learned about a request.
type call struct {
	principal *principal
	requestID string
	param     string // {id} or {userId}
	sub       string // {action} or {factorId}
}

// endpoint is one operation on a path.
type endpoint struct {
	scope string
	serve handlerFunc
}

type methods map[string]endpoint

type handlerFunc = func(*Server, http.ResponseWriter, *http.Request, *call) *apiError

func readUsers(f handlerFunc) endpoint   { return endpoint{ScopeUsersRead, f} }
func manageUsers(f handlerFunc) endpoint { return endpoint{ScopeUsersManage, f} }

// route matches an /api/v1 path (split on "/", after the prefix) to its
// operations and path parameters.
func route(segs []string) (methods, string, string) {
	n := len(segs)
	if n == 0 || slices.Contains(segs, "") {
		return nil, "", ""
	}
	switch {
	case n == 1 && segs[0] == "logs":
		return methods{"GET": {ScopeLogsRead, (*Server).listLogs}}, "", ""
	case segs[0] == "groups":
		return groupRoute(segs)
	case segs[0] == "zones":
		return zoneRoute(segs)
	case segs[0] == "eventHooks":
		return eventHookRoute(segs)
	case segs[0] == "iam":
		return iamRoute(segs)
	case segs[0] != "users":
		return nil, "", ""
	case n == 1:
		return methods{"GET": readUsers((*Server).listUsers)}, "", ""
	case n == 2:
		return methods{"GET": readUsers((*Server).getUser)}, segs[1], ""
	case n == 3 && segs[2] == "groups":
		return methods{"GET": readUsers((*Server).listUserGroups)}, segs[1], ""
	case n == 3 && segs[2] == "appLinks":
		return methods{"GET": readUsers((*Server).listAppLinks)}, segs[1], ""
	case n == 3 && segs[2] == "roles":
		return methods{"GET": {ScopeRolesRead, (*Server).listUserRoles}}, segs[1], ""
	case n == 3 && segs[2] == "risk":
		return riskRoute(segs[1])
	case n == 3 && segs[2] == "factors":
		return methods{"GET": readUsers((*Server).listFactors)}, segs[1], ""
	case n == 4 && segs[2] == "factors":
		return methods{
			"GET":    readUsers((*Server).getFactor),
			"DELETE": manageUsers((*Server).unenrollFactor),
		}, segs[1], segs[3]
	case n == 5 && segs[2] == "factors" && segs[4] == "verify":
		return methods{"POST": manageUsers((*Server).verifyFactor)}, segs[1], segs[3]
	case n == 6 && segs[2] == "factors" && segs[4] == "transactions":
		return methods{"GET": readUsers((*Server).getFactorTransaction)}, segs[1], segs[3] + "/" + segs[5]
	case n == 3 && segs[2] == "sessions":
		return methods{"DELETE": manageUsers((*Server).clearSessions)}, segs[1], ""
	case n == 4 && segs[2] == "lifecycle" && slices.Contains(lifecycleActions, segs[3]):
		return methods{"POST": manageUsers((*Server).lifecycle)}, segs[1], segs[3]
	}
	return nil, "", ""
}

func (m methods) allow() string {
	var names []string
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// serveHTTP is the fake's front door. Order matters and mirrors Okta's
// edge: latency, rate-limit accounting and headers, injected failures,
// the rate limit itself, authentication, routing, scopes, then the
// operation.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	path := r.URL.Path
	isAPI := strings.HasPrefix(path, "/api/v1/")
	if isAPI || path == tokenPath {
		if !s.wait(r.Context()) {
			return // the client has gone; nobody is listening for a response
		}
	}
	now := s.now()
	h := w.Header()
	h.Set("Date", now.UTC().Format(http.TimeFormat))
	requestID := randomString(27)
	h.Set("X-Okta-Request-Id", requestID)
	rate := s.limiter.take(rateFamily(path), now)
	rate.setHeaders(h)

	if path == tokenPath {
		if !rate.allowed {
			s.writeAPIError(w, errRateLimited())
			return
		}
		s.serveToken(w, r, now)
		return
	}
	if strings.HasPrefix(path, fakePrefix) {
		s.serveFake(w, r)
		return
	}
	if !isAPI {
		s.writeAPIError(w, errNotFound(path, "Resource"))
		return
	}
	if status := s.injectedStatus(r); status != 0 {
		if status == http.StatusTooManyRequests {
			rateState{limit: rate.limit, remaining: 0, reset: now.Add(time.Second)}.setHeaders(h)
		}
		s.writeAPIError(w, errForStatus(status))
		return
	}
	if !rate.allowed {
		s.writeAPIError(w, errRateLimited())
		return
	}
	p, aerr := s.authenticate(r, now)
	if aerr != nil {
		s.writeAPIError(w, aerr)
		return
	}
	ms, param, sub := route(strings.Split(strings.TrimPrefix(path, "/api/v1/"), "/"))
	if ms == nil {
		s.writeAPIError(w, errNotFound(path, "Resource"))
		return
	}
	ep, ok := ms[r.Method]
	if !ok {
		s.writeAPIError(w, errMethodNotAllowed(ms.allow()))
		return
	}
	if !p.allows(ep.scope) {
		s.writeAPIError(w, insufficientScope(ep.scope))
		return
	}
	if (r.Method == http.MethodPost || r.Method == http.MethodPut) &&
		r.Header.Get("Content-Length") == "" && len(r.TransferEncoding) == 0 {
		// Okta's edge refuses a POST/PUT that announces no length.
		s.writeAPIError(w, errLengthRequired())
		return
	}
	if e := ep.serve(s, w, r, &call{principal: p, requestID: requestID, param: param, sub: sub}); e != nil {
		s.writeAPIError(w, e)
	}
}

// wait applies the configured latency; it reports false if the request was
// cancelled meanwhile.
func (s *Server) wait(ctx context.Context) bool {
	return fakeserver.Sleep(ctx, time.Duration(s.latency.Load()))
}
