package pingonetest

import (
	"cmp"
	"crypto/tls"
	"github.com/idcmd/idcmd/providers/internal/fakeserver"
	"github.com/idcmd/idcmd/providers/internal/fault"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// Defaults for Options. They are fixed so that a sandbox and its tests can
// hard-code them; a real environment has different values.
const (
	DefaultEnvironmentID = "4f1c3a8e-6b2d-4e7a-9c5f-0d8e2b7a1c36"
	// DefaultClientID is the worker application's ID, which is also its
	// OAuth client_id in PingOne.
	DefaultClientID     = "8d3e6f21-5a9c-4b0e-b7d4-2c6f1e9a0b58"
	DefaultClientSecret = "pingonetest-worker-secret"
	DefaultTokenTTL     = time.Hour
)

// Options configures a fake environment.
type Options struct {
	// EnvironmentID is the environment's ID; DefaultEnvironmentID if empty.
	EnvironmentID string
	// ClientID and ClientSecret are the worker application's credentials;
	// DefaultClientID and DefaultClientSecret if empty.
	ClientID, ClientSecret string
	// TokenTTL is the access token lifetime; one hour (PingOne's) if zero.
	TokenTTL time.Duration
	// Now is the clock; time.Now if nil. It drives timestamps, token
	// expiry, automatic unlock at unlockAt, the activities retention window
	// and risk scoring, so tests can move time without sleeping.
	Now func() time.Time
	// Seed loads the demo environment (SeedDemo) at start.
	Seed bool
	// BadIPs are addresses Protect scores as HIGH risk whatever else it
	// knows about them (a threat-intelligence block list).
	BadIPs []string
	// UserPageSize is the most users one page of GET /users holds;
	// DefaultUserPageSize if zero. PingOne documents that it does not
	// always honour limit on /users ("the page size limit of 200 ... may
	// be smaller"): a larger limit gets a page of this size with a next
	// link. A small value makes that happen on a small environment.
	UserPageSize int
	// MaxActivities bounds the audit trail, which PingOne bounds only by
	// age (14 days of direct access, which the fake keeps), for a sandbox
	// that makes many calls within them; DefaultMaxActivities if zero or
	// less. Past it the oldest activity goes first, the seeded history
	// only when nothing else is left. A cursor past dropped activities
	// continues with the older ones still kept.
	MaxActivities int
	// MaxRiskEvaluations bounds the stored risk evaluations the same way;
	// DefaultMaxRiskEvaluations if zero or less. A dropped evaluation is
	// 404 NOT_FOUND, like an unknown one.
	MaxRiskEvaluations int
	// SubscriptionWindow is how long a subscription's sender lets a batch
	// fill after the first queued event (PingOne amalgamates events into
	// batches of up to maximumPayloadLimit); DefaultSubscriptionWindow if
	// zero. SubscriptionBackoff is the wait before the first retry of a
	// failed batch, doubling up to SubscriptionMaxBackoff;
	// SubscriptionTimeout bounds one delivery attempt. Tests use
	// milliseconds.
	SubscriptionWindow, SubscriptionBackoff, SubscriptionMaxBackoff, SubscriptionTimeout time.Duration
	// SubscriptionTLS is the TLS configuration deliveries start from (the
	// RootCAs of a test's HTTPS receiver); verifyTlsCertificates false
	// still trusts every certificate.
	SubscriptionTLS *tls.Config
}

// DefaultUserPageSize is Options.UserPageSize's default, PingOne's
// documented page size limit for users.
const DefaultUserPageSize = 200

// Server is a fake PingOne environment served over HTTP. A single listener
// serves both hosts PingOne splits them across: the API (/v1/...) and the
// auth host's token endpoint (/{envID}/as/token).
type Server struct {
	// URL is the API base, "http://127.0.0.1:port/v1", the equivalent of
	// https://api.pingone.com/v1. Resource paths follow it:
	// URL + "/environments/" + EnvironmentID + "/users".
	URL string
	// AuthURL is the auth base, "http://127.0.0.1:port", the equivalent of
	// https://auth.pingone.com. The token URL is
	// AuthURL + "/" + EnvironmentID + "/as/token" (see TokenURL).
	AuthURL string
	// EnvironmentID, ClientID and ClientSecret are what a client needs to
	// be configured with.
	EnvironmentID, ClientID, ClientSecret string

	now      func() time.Time
	ttl      time.Duration
	env      *Env
	base     atomic.Pointer[string]
	tokens   *tokenStore
	cursors  cursorSealer
	userPage int
	inject   fault.Queue
	latency  atomic.Int64 // time.Duration
	requests atomic.Int64

	listener *fakeserver.Listener
	subs     *subStore
}

// NewServer starts a fake environment listening on 127.0.0.1 on a free
// port, ready to serve when it returns. Close it when done.
func NewServer(opts Options) *Server {
	s := NewHandlerServer(opts)
	var url string
	url, s.listener = fakeserver.Start("pingonetest", s.Handler())
	s.SetURL(url)
	return s
}

// NewHandlerServer builds a fake environment without listening, for
// callers that serve Handler on their own listener. Call SetURL with the
// address clients use before serving; until then links are derived from
// the request's Host.
func NewHandlerServer(opts Options) *Server {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s := &Server{
		EnvironmentID: cmp.Or(opts.EnvironmentID, DefaultEnvironmentID),
		ClientID:      cmp.Or(opts.ClientID, DefaultClientID),
		ClientSecret:  cmp.Or(opts.ClientSecret, DefaultClientSecret),
		now:           now,
		ttl:           opts.TokenTTL,
		tokens:        newTokenStore(),
		cursors:       newCursorSealer(),
		userPage:      cmp.Or(max(opts.UserPageSize, 0), DefaultUserPageSize),
	}
	if s.ttl <= 0 {
		s.ttl = DefaultTokenTTL
	}
	s.env = newEnv(s.EnvironmentID, s.ClientID, now)
	s.subs = newSubStore(s, opts)
	s.env.observe = s.subs.offer
	if opts.MaxActivities > 0 {
		s.env.activities.max = opts.MaxActivities
	}
	if opts.MaxRiskEvaluations > 0 {
		s.env.maxRisk = opts.MaxRiskEvaluations
	}
	s.env.AddBadIPs(opts.BadIPs...)
	if opts.Seed {
		SeedDemo(s.env, now())
	}
	return s
}

// SetURL sets the base URL clients reach the fake at, e.g.
// "http://127.0.0.1:41234" (a trailing "/v1" is ignored). It sets URL and
// AuthURL and is what _links point at. Call it before the server handles
// requests.
func (s *Server) SetURL(base string) {
	base = strings.TrimSuffix(strings.TrimSuffix(base, "/"), "/v1")
	s.AuthURL = base
	s.URL = base + "/v1"
	s.base.Store(&base)
}

// TokenURL is the worker application's token endpoint.
func (s *Server) TokenURL() string { return s.AuthURL + "/" + s.EnvironmentID + "/as/token" }

// baseURL is the configured base, or one derived from the request.
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

// requestURL is the absolute URL of the request as the client addressed it.
func (s *Server) requestURL(r *http.Request) string { return s.baseURL(r) + r.URL.RequestURI() }

// envURL is the absolute URL of a path under the environment, for _links
// and hrefs.
func (s *Server) envURL(r *http.Request, path string) string {
	return s.baseURL(r) + "/v1/environments/" + s.EnvironmentID + path
}

// Close shuts the listener and every connection down and waits for the
// serving goroutine. It is a no-op for a NewHandlerServer.
func (s *Server) Close() {
	s.listener.Close()
	s.subs.close()
}

// Handler returns the fake's HTTP handler.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Env gives tests direct access to the environment's state.
func (s *Server) Env() *Env { return s.env }

// Requests returns how many HTTP requests the fake has received: API calls
// and token requests alike, including those answered with an error. Tests
// use it to assert that the provider was, or was not, called.
func (s *Server) Requests() int64 { return s.requests.Load() }

// call carries what the front door learned about an API request.
type call struct {
	now time.Time
	// correlationID is echoed in the Correlation-Id header and recorded on
	// the audit activities the request causes.
	correlationID string
	id            string // the first path parameter: {userID}, {groupID}...
	sub           string // the second: {sessionID}, {groupID}, {deviceID}
}

type handlerFunc = func(*Server, http.ResponseWriter, *http.Request, *call) *apiError

// methods maps HTTP methods to the operations of one path.
type methods map[string]handlerFunc

func (m methods) allow() []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// Routing tables. They are never modified.
var (
	usersRoutes         = methods{"GET": (*Server).listUsers}
	userRoutes          = methods{"GET": (*Server).getUser, "POST": (*Server).userAccountAction}
	userEnabledRoutes   = methods{"GET": (*Server).getUserEnabled, "PUT": (*Server).putUserEnabled}
	userPasswordRoutes  = methods{"GET": (*Server).getPassword, "POST": (*Server).postPassword, "PUT": (*Server).putPassword}
	userGroupsRoutes    = methods{"GET": (*Server).listUserGroups, "POST": (*Server).addUserToGroup}
	userGroupRoutes     = methods{"GET": (*Server).getUserGroupMembership, "DELETE": (*Server).removeUserFromGroup}
	userDevicesRoutes   = methods{"GET": (*Server).listDevices}
	userDeviceRoutes    = methods{"GET": (*Server).getDevice, "DELETE": (*Server).deleteDevice}
	userRolesRoutes     = methods{"GET": (*Server).listUserRoleAssignments}
	userSessionsRoutes  = methods{"GET": (*Server).listSessions} // no bulk DELETE, as in PingOne
	userSessionRoutes   = methods{"GET": (*Server).getSession, "DELETE": (*Server).deleteSession}
	groupsRoutes        = methods{"GET": (*Server).listGroups}
	groupRoutes         = methods{"GET": (*Server).getGroup}
	applicationsRoutes  = methods{"GET": (*Server).listApplications}
	applicationRoutes   = methods{"GET": (*Server).getApplication}
	activitiesRoutes    = methods{"GET": (*Server).listActivities, "POST": (*Server).listActivities}
	activityRoutes      = methods{"GET": (*Server).getActivity}
	riskEvalsRoutes     = methods{"POST": (*Server).createRiskEvaluation}
	riskEvalRoutes      = methods{"GET": (*Server).getRiskEvaluation}
	riskEvalEventRoutes = methods{"PUT": (*Server).updateRiskEvaluationEvent}
	rolesRoutes         = methods{"GET": (*Server).listRoles}
	roleRoutes          = methods{"GET": (*Server).getRole}
	subscriptionsRoutes = methods{"GET": (*Server).listSubscriptions, "POST": (*Server).createSubscription}
	subscriptionRoutes  = methods{"GET": (*Server).getSubscription, "PUT": (*Server).updateSubscription, "DELETE": (*Server).deleteSubscription}
)

// route matches the path segments after /v1/environments/{envID}/ to
// their operations and path parameters.
func route(segs []string) (ms methods, id, sub string) {
	n := len(segs)
	if n == 0 || slices.Contains(segs, "") {
		return nil, "", ""
	}
	switch segs[0] {
	case "users":
		switch {
		case n == 1:
			return usersRoutes, "", ""
		case n == 2:
			return userRoutes, segs[1], ""
		case n == 3:
			switch segs[2] {
			case "enabled":
				return userEnabledRoutes, segs[1], ""
			case "password":
				return userPasswordRoutes, segs[1], ""
			case "memberOfGroups":
				return userGroupsRoutes, segs[1], ""
			case "roleAssignments":
				return userRolesRoutes, segs[1], ""
			case "sessions":
				return userSessionsRoutes, segs[1], ""
			case "devices":
				return userDevicesRoutes, segs[1], ""
			}
		case n == 4 && segs[2] == "sessions":
			return userSessionRoutes, segs[1], segs[3]
		case n == 4 && segs[2] == "memberOfGroups":
			return userGroupRoutes, segs[1], segs[3]
		case n == 4 && segs[2] == "devices":
			return userDeviceRoutes, segs[1], segs[3]
		}
	case "groups":
		return oneOrMany(segs, groupsRoutes, groupRoutes)
	case "applications":
		return oneOrMany(segs, applicationsRoutes, applicationRoutes)
	case "activities":
		return oneOrMany(segs, activitiesRoutes, activityRoutes)
	case "subscriptions":
		return oneOrMany(segs, subscriptionsRoutes, subscriptionRoutes)
	case "riskEvaluations":
		if n == 3 && segs[2] == "event" {
			return riskEvalEventRoutes, segs[1], ""
		}
		return oneOrMany(segs, riskEvalsRoutes, riskEvalRoutes)
	}
	return nil, "", ""
}

// oneOrMany routes a collection path and its item path.
func oneOrMany(segs []string, many, one methods) (methods, string, string) {
	switch len(segs) {
	case 1:
		return many, "", ""
	case 2:
		return one, segs[1], ""
	}
	return nil, "", ""
}

// resolve routes an API path (after /v1/). Roles are organization-level
// resources outside any environment; everything else lives under
// /environments/{envID}, and another environment's ID is not found.
func (s *Server) resolve(path string) (methods, string, string) {
	segs := strings.Split(path, "/")
	switch {
	case segs[0] == "roles":
		return oneOrMany(segs, rolesRoutes, roleRoutes)
	case len(segs) >= 3 && segs[0] == "environments" && segs[1] == s.EnvironmentID:
		return route(segs[2:])
	}
	return nil, "", ""
}

// maxBodyBytes bounds request bodies; PingOne's are small JSON documents.
const maxBodyBytes = 1 << 20

// serveHTTP is the fake's front door. Order matters and mirrors PingOne's
// edge: latency, then the token endpoint (not subject to injection), then
// injected failures, authentication, routing and methods, the operation.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	path := r.URL.Path
	apiPath, isAPI := strings.CutPrefix(path, "/v1/")
	env, isToken := tokenPathEnv(path)
	if (isAPI || isToken) && !s.wait(r.Context()) {
		return // the client has gone; nobody is listening for a response
	}
	correlationID := uuid.NewString()
	w.Header().Set("Correlation-Id", correlationID)
	switch {
	case isToken:
		s.serveToken(w, r, env)
		return
	case strings.HasPrefix(path, fakeControlPrefix):
		s.serveFakeControl(w, r)
		return
	case !isAPI:
		writeAPIError(w, errNotFound())
		return
	}
	if status := s.inject.Next(); status != 0 {
		writeAPIError(w, errForStatus(status))
		return
	}
	now := s.now()
	if !s.tokens.valid(bearerToken(r), now) {
		writeAPIError(w, errAccessFailed())
		return
	}
	ms, id, sub := s.resolve(apiPath)
	if ms == nil {
		writeAPIError(w, errNotFound())
		return
	}
	h, ok := ms[r.Method]
	if !ok {
		writeAPIError(w, errMethodNotAllowed(ms.allow()))
		return
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	}
	if e := h(s, w, r, &call{now: now, correlationID: correlationID, id: id, sub: sub}); e != nil {
		writeAPIError(w, e)
	}
}
