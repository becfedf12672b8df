package xsoartest

import (
	"cmp"
	"context"
	"io"
	"mime"
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
// them.
const (
	DefaultAPIKey   = "xsoartest-api-key-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	DefaultAPIKeyID = "3"
	// DefaultV8Prefix is the path prefix XSOAR 8 / XSIAM serve the API
	// under when Options.PathPrefix is empty (reference §2.1).
	DefaultV8Prefix = "/xsoar"
)

// Options configures a fake server.
type Options struct {
	// APIKey is the key the fake accepts; DefaultAPIKey if empty.
	APIKey string
	// APIKeyID makes the fake an XSOAR 8 / XSIAM tenant that expects the
	// key's ID in x-xdr-auth-id; empty means XSOAR 6.
	APIKeyID string
	// Advanced makes the key an XSOAR 8 advanced key: requests must carry
	// a nonce, a timestamp and the hash instead of the key. It implies
	// XSOAR 8, with DefaultAPIKeyID if APIKeyID is empty.
	Advanced bool
	// PathPrefix is where the API is served, e.g. "/xsoar/public/v1".
	// Empty means DefaultV8Prefix for XSOAR 8 and none for XSOAR 6, the
	// client's defaults.
	PathPrefix string
	// Now is the clock; time.Now if nil. It drives the advanced key's
	// timestamp check and nonce memory and every created/modified time, so
	// tests can move time without sleeping.
	Now func() time.Time
	// IncidentRetention is how long an incident and its war room are kept
	// after it was created, unless it is retained (SeedDemo's are);
	// DefaultIncidentRetention (XSOAR 8's 180 days) if zero or less.
	IncidentRetention time.Duration
	// MaxIncidents bounds the incidents kept that are not retained; past
	// it the oldest of those goes, with its war room. DefaultMaxIncidents
	// if zero or less.
	MaxIncidents int
	// MaxEntries bounds the war-room entries of all incidents together;
	// past it the oldest entry goes, whichever war room holds it.
	// DefaultMaxEntries if zero or less.
	MaxEntries int
}

// Server is a fake XSOAR served over HTTP.
type Server struct {
	// URL is the server's origin, e.g. "http://127.0.0.1:41234", what a
	// client's BaseURL takes. It has no trailing slash and no path prefix.
	URL string
	// APIKey, APIKeyID, Advanced and PathPrefix are what a client needs to
	// be configured with; PathPrefix is the effective prefix.
	APIKey, APIKeyID string
	Advanced         bool
	PathPrefix       string

	now      func() time.Time
	verifier *cortexkey.Verifier
	inject   fault.Queue
	latency  atomic.Int64 // time.Duration
	down     atomic.Bool
	requests atomic.Int64

	mu        sync.Mutex           // guards the server's state below
	incidents []*incident          // creation order
	byID      map[string]*incident // by ID (= investigation ID)
	lastID    int
	// unretained counts the incidents the retention may delete.
	unretained int
	// entryOrder is every war room's entries in the order they were
	// written, for MaxEntries.
	entryOrder []*entry

	incidentRetention time.Duration
	maxIncidents      int
	maxEntries        int

	listener *fakeserver.Listener
}

// NewServer starts a fake XSOAR listening on 127.0.0.1 on a free port,
// ready to serve when it returns. Close it when done.
func NewServer(opts Options) *Server {
	s := NewHandlerServer(opts)
	var url string
	url, s.listener = fakeserver.Start("xsoartest", s.Handler())
	s.SetURL(url)
	return s
}

// NewHandlerServer builds a fake XSOAR without listening, for callers
// that serve Handler on their own listener (the sandbox). Call SetURL with
// the address clients use.
func NewHandlerServer(opts Options) *Server {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	id := opts.APIKeyID
	if opts.Advanced {
		id = cmp.Or(id, DefaultAPIKeyID)
	}
	prefix := strings.TrimSuffix(opts.PathPrefix, "/")
	if prefix == "" && id != "" {
		prefix = DefaultV8Prefix
	}
	if prefix != "" && !strings.HasPrefix(prefix, "/") {
		prefix = "/" + prefix
	}
	key := cmp.Or(opts.APIKey, DefaultAPIKey)
	return &Server{
		APIKey:     key,
		APIKeyID:   id,
		Advanced:   opts.Advanced,
		PathPrefix: prefix,
		now:        now,
		// XSOAR 6 keys (no id) are never advanced.
		verifier:          &cortexkey.Verifier{ID: id, Secret: key, Advanced: opts.Advanced && id != ""},
		byID:              map[string]*incident{},
		incidentRetention: positiveOr(opts.IncidentRetention, DefaultIncidentRetention),
		maxIncidents:      positiveOr(opts.MaxIncidents, DefaultMaxIncidents),
		maxEntries:        positiveOr(opts.MaxEntries, DefaultMaxEntries),
	}
}

// positiveOr is v, or def when v is zero or less.
func positiveOr[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// SetURL records the origin clients reach the fake at. Call it before the
// server handles requests.
func (s *Server) SetURL(u string) { s.URL = strings.TrimSuffix(u, "/") }

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

// SetDown takes the server down (every request answers 503 with a plain
// text body, as a load balancer in front of a dead server does) or brings
// it back up. The state is kept.
func (s *Server) SetDown(down bool) { s.down.Store(down) }

// Requests returns how many HTTP requests the fake has received, including
// those answered with an error. Tests use it to assert that XSOAR was, or
// was not, called (and how often: a retry is a second request).
func (s *Server) Requests() int64 { return s.requests.Load() }

// operation serves one API call with the request's body.
type operation func(s *Server, body []byte, now time.Time) (any, *apiError)

// operationFor maps an API path, below the prefix, to its operation. The
// fake serves the calls idcmd makes (reference §3).
func operationFor(path string) operation {
	switch path {
	case "/entry":
		return (*Server).addEntry
	case "/entry/note":
		return (*Server).updateEntryNote
	case "/entry/tags":
		return (*Server).updateEntryTags
	case "/incident":
		return (*Server).createIncident
	case "/incidents/search":
		return (*Server).searchIncidents
	}
	return nil
}

// maxBody bounds a request body.
const maxBody = 8 << 20

// serveHTTP is the fake's front door: latency, the down switch, the path
// prefix, authentication, the operation and method, injected failures,
// the body, then the operation.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if !s.wait(r.Context()) {
		return // the client has gone; nobody is listening for a response
	}
	if s.down.Load() {
		http.Error(w, "503 Service Unavailable", http.StatusServiceUnavailable)
		return
	}
	path, ok := strings.CutPrefix(r.URL.Path, s.PathPrefix)
	if !ok || (path != "" && path[0] != '/') {
		writeError(w, errNotFound("The page you requested is not found"))
		return
	}
	now := s.now()
	if e := s.authenticate(r, now); e != nil {
		writeError(w, e)
		return
	}
	op := operationFor(strings.TrimSuffix(path, "/"))
	if op == nil {
		writeError(w, errNotFound("The page you requested is not found"))
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, &apiError{status: http.StatusMethodNotAllowed, id: "method_not_allowed", title: "Method Not Allowed", detail: "Use POST"})
		return
	}
	if status := s.inject.Next(); status != 0 {
		writeError(w, errForStatus(status))
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeError(w, &apiError{status: http.StatusUnsupportedMediaType, id: "unsupported_media_type",
			title: "Unsupported Media Type", detail: "Content-Type header must be set to: 'application/json'."})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		writeError(w, errBadRequest("the request body is too large or could not be read"))
		return
	}
	reply, e := op(s, body, now)
	if e != nil {
		writeError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, reply)
}

// wait applies the configured latency; it reports false if the request was
// cancelled meanwhile.
func (s *Server) wait(ctx context.Context) bool {
	return fakeserver.Sleep(ctx, time.Duration(s.latency.Load()))
}
