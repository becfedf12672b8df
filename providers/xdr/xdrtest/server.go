package xdrtest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/idcmd/idcmd/providers/cortexkey"
	"github.com/idcmd/idcmd/providers/internal/fakeserver"
	"github.com/idcmd/idcmd/providers/internal/fault"
)

// Defaults for Options, fixed so that a sandbox and its tests can hard-code
// them; a real tenant's key is 128 characters and its ID a small number.
const (
	DefaultAPIKey   = "xdrtest-api-key-0123456789abcdefghijklmnopqrstuvwxyz"
	DefaultAPIKeyID = "7"
	// DefaultAlertsPerMinute is XDR's documented insert_parsed_alerts limit.
	DefaultAlertsPerMinute = 600
	// DefaultExtraDataPerMinute is XDR's documented
	// get_incident_extra_data limit.
	DefaultExtraDataPerMinute = 10
)

// Options configures a fake tenant.
type Options struct {
	// APIKey and APIKeyID are the key the fake accepts; DefaultAPIKey and
	// DefaultAPIKeyID if empty.
	APIKey, APIKeyID string
	// Advanced makes the key an advanced key: requests must then carry a
	// nonce, a timestamp and the hash instead of the key.
	Advanced bool
	// Now is the clock; time.Now if nil. It drives the advanced key's
	// timestamp check and nonce memory, incident and comment times and the
	// per-minute alert window, so tests can move time without sleeping.
	Now func() time.Time
	// AlertsPerMinute is how many alerts insert_parsed_alerts accepts in
	// any 60 seconds before answering 429; DefaultAlertsPerMinute if 0 or
	// less.
	AlertsPerMinute int
	// AlertRetention is how long an accepted alert is kept after it was
	// received; DefaultAlertRetention (XDR's 180 days) if zero or less.
	AlertRetention time.Duration
	// MaxAlerts bounds the alerts kept; past it the oldest goes first.
	// DefaultMaxAlerts if zero or less.
	MaxAlerts int
	// MaxComments bounds the comments of all incidents together; past it
	// the oldest comment goes, whichever incident holds it.
	// DefaultMaxComments if zero or less.
	MaxComments int
	// ExtraDataPerMinute is how many get_incident_extra_data requests the
	// key may make in any 60 seconds before a 429;
	// DefaultExtraDataPerMinute if zero or less.
	ExtraDataPerMinute int
}

// Server is a fake XDR tenant served over HTTP.
type Server struct {
	// URL is the API base, e.g. "http://127.0.0.1:41234", the equivalent
	// of https://api-<fqdn>. It has no trailing slash.
	URL string
	// APIKey, APIKeyID and Advanced are what a client needs to be
	// configured with.
	APIKey, APIKeyID string
	Advanced         bool

	now      func() time.Time
	base     atomic.Pointer[string]
	verifier *cortexkey.Verifier
	inject   fault.Queue
	latency  atomic.Int64 // time.Duration
	down     atomic.Bool
	requests atomic.Int64

	mu        sync.Mutex // guards the tenant's state below
	incidents []*incident
	alerts    []ParsedAlertRecord
	window    alertWindow
	inserts   int // accepted insert_parsed_alerts requests
	extraData requestWindow
	lastAlert int // numbers the alerts AddAlert attaches to incidents
	// commentOrder names, for every comment kept in the order they were
	// added, the incident that holds it: for MaxComments.
	commentOrder []*incident

	alertRetention time.Duration
	maxAlerts      int
	maxComments    int

	listener *fakeserver.Listener
}

// NewServer starts a fake tenant listening on 127.0.0.1 on a free port,
// ready to serve when it returns. Close it when done.
func NewServer(opts Options) *Server {
	s := NewHandlerServer(opts)
	var url string
	url, s.listener = fakeserver.Start("xdrtest", s.Handler())
	s.SetURL(url)
	return s
}

// NewHandlerServer builds a fake tenant without listening, for callers
// that serve Handler on their own listener. Call SetURL with the address
// clients use; until then incident links are derived from the request's
// Host.
func NewHandlerServer(opts Options) *Server {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	limit := opts.AlertsPerMinute
	if limit <= 0 {
		limit = DefaultAlertsPerMinute
	}
	key, id := cmp.Or(opts.APIKey, DefaultAPIKey), cmp.Or(opts.APIKeyID, DefaultAPIKeyID)
	return &Server{
		APIKey:    key,
		APIKeyID:  id,
		Advanced:  opts.Advanced,
		now:       now,
		verifier:  &cortexkey.Verifier{ID: id, Secret: key, Advanced: opts.Advanced},
		window:    alertWindow{limit: limit},
		extraData: requestWindow{limit: positiveOr(opts.ExtraDataPerMinute, DefaultExtraDataPerMinute)},

		alertRetention: positiveOr(opts.AlertRetention, DefaultAlertRetention),
		maxAlerts:      positiveOr(opts.MaxAlerts, DefaultMaxAlerts),
		maxComments:    positiveOr(opts.MaxComments, DefaultMaxComments),
	}
}

// positiveOr is v, or def when v is zero or less.
func positiveOr[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// SetURL sets the base URL clients reach the fake at; incidents' xdr_url
// links point under it. Call it before the server handles requests.
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

// Close shuts the listener and every connection down and waits for the
// serving goroutine. It is a no-op for a NewHandlerServer.
func (s *Server) Close() {
	s.listener.Close()
}

// Handler returns the fake's HTTP handler.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// SetLatency makes every request wait d before it is handled. The wait
// ends early, with no response, if the request is cancelled.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// SetDown takes the tenant down (every request answers 503 with a plain
// text body, as a load balancer in front of a dead service does) or
// brings it back up. The state is kept.
func (s *Server) SetDown(down bool) { s.down.Store(down) }

// Requests returns how many HTTP requests the fake has received, including
// those answered with an error. Tests use it to assert that XDR was, or
// was not, called.
func (s *Server) Requests() int64 { return s.requests.Load() }

// apiPrefix starts every public API path (reference §3).
const apiPrefix = "/public_api/v1/"

// operation serves one API call. data is the request's request_data.
type operation func(s *Server, r *http.Request, data json.RawMessage, now time.Time) (any, *apiError)

// operationFor maps {api}/{call}, with or without the trailing slash, to
// its operation.
func operationFor(name string) operation {
	switch strings.TrimSuffix(name, "/") {
	case "incidents/get_incidents":
		return (*Server).getIncidents
	case "incidents/update_incident":
		return (*Server).updateIncident
	case "alerts/insert_parsed_alerts":
		return (*Server).insertParsedAlerts
	case "incidents/get_incident_extra_data":
		return (*Server).getIncidentExtraData
	}
	return nil
}

// maxBody bounds a request body; 60 alerts fit many times over.
const maxBody = 4 << 20

// serveHTTP is the fake's front door: latency, the down switch, the path,
// the method, authentication, injected failures, the request_data
// envelope, then the operation.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if !s.wait(r.Context()) {
		return // the client has gone; nobody is listening for a response
	}
	if s.down.Load() {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "upstream connect error or disconnect/reset before headers\n")
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
	if !ok {
		writeError(w, errNotFound("no such endpoint: "+r.URL.Path))
		return
	}
	now := s.now()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, newAPIError(http.StatusMethodNotAllowed, "Method not allowed", "public API calls are POST"))
		return
	}
	if e := s.authenticate(r, now); e != nil {
		writeError(w, e)
		return
	}
	op := operationFor(name)
	if op == nil {
		writeError(w, errNotFound("no such endpoint: "+r.URL.Path))
		return
	}
	if status := s.inject.Next(); status != 0 {
		writeError(w, errForStatus(status))
		return
	}
	data, e := readEnvelope(r)
	if e != nil {
		writeError(w, e)
		return
	}
	reply, e := op(s, r, data, now)
	if e != nil {
		writeError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, reply)
}

// readEnvelope reads {"request_data": {...}} and returns the object inside.
func readEnvelope(r *http.Request) (json.RawMessage, *apiError) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		return nil, errInvalidJSON("the request body is too large or could not be read")
	}
	var env struct {
		RequestData json.RawMessage `json:"request_data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, errInvalidJSON(err.Error())
	}
	data := bytes.TrimSpace(env.RequestData)
	if len(data) == 0 || data[0] != '{' {
		return nil, errInvalidJSON("request_data must be an object")
	}
	return data, nil
}

// wait applies the configured latency; it reports false if the request was
// cancelled meanwhile.
func (s *Server) wait(ctx context.Context) bool {
	return fakeserver.Sleep(ctx, time.Duration(s.latency.Load()))
}
