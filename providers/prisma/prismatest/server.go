// Package prismatest is a fake Prisma Cloud CSPM tenant for tests and the
// sandbox. It answers as Prisma does (pan.dev CSPM OpenAPI documents,
// reference §2.3, §5): POST /login with an access key, a JWT in
// x-redlock-auth valid for 10 minutes and renewed by GET
// /auth_token/extend, errors in the x-redlock-status header or a JSON
// body, per-user rate limits with X-RateLimit-* headers, and 503 with
// Retry-After. The IAM search, integrations, alerts and policies live in
// their own files.
package prismatest

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"

	"github.com/idcmd/idcmd/providers/internal/fakeserver"
	"github.com/idcmd/idcmd/providers/internal/fault"
)

// Defaults for Options, fixed so the sandbox and its tests can hard-code
// them. A real access key ID is a UUID.
const (
	DefaultAccessKey = "6f1d7c1e-2a4b-4c7e-9d11-prismatest00"
	DefaultSecretKey = "prismatest-secret-key-0123456789abcdef"
	// DefaultTokenTTL is the JWT's documented lifetime.
	DefaultTokenTTL = 10 * time.Minute
)

// Options configures a fake tenant.
type Options struct {
	// AccessKey and SecretKey are the access key the fake accepts;
	// DefaultAccessKey and DefaultSecretKey if empty.
	AccessKey, SecretKey string
	// Now is the clock tokens expire by; time.Now if nil.
	Now func() time.Time
	// TokenTTL is how long a JWT from /login or /auth_token/extend is
	// valid; DefaultTokenTTL if zero or less.
	TokenTTL time.Duration
	// RequestsPerSecond and Burst set the per-user rate limit of the API
	// calls (login and extend excepted); 0 means unlimited. Every API
	// answer carries the X-RateLimit-* headers either way.
	RequestsPerSecond float64
	Burst             int
	// Seed fills the tenant with the sandbox's data: cloud permissions of
	// the sandbox's Okta users, the okta_idp integration, identity alerts.
	Seed bool
}

// Server is a fake Prisma Cloud tenant served over HTTP.
type Server struct {
	// URL is the API stack's base, e.g. "http://127.0.0.1:41234", the
	// equivalent of https://api.prismacloud.io. No trailing slash.
	URL string
	// AccessKey and SecretKey are what a client is configured with.
	AccessKey, SecretKey string

	now      func() time.Time
	ttl      time.Duration
	signKey  []byte
	limiter  *rate.Limiter // nil: unlimited
	rps      float64
	burst    int
	inject   fault.Queue
	logins   atomic.Int64
	extends  atomic.Int64
	requests atomic.Int64

	mu     sync.Mutex // guards the tenant's state below and in the other files
	tokens map[string]time.Time
	state  tenant

	listener *fakeserver.Listener
}

// NewServer starts a fake tenant on 127.0.0.1 on a free port, ready when
// it returns. Close it when done.
func NewServer(opts Options) *Server {
	s := newServer(opts)
	s.URL, s.listener = fakeserver.Start("prismatest", s.Handler())
	return s
}

func newServer(opts Options) *Server {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	s := &Server{
		AccessKey: cmp.Or(opts.AccessKey, DefaultAccessKey),
		SecretKey: cmp.Or(opts.SecretKey, DefaultSecretKey),
		now:       opts.Now,
		ttl:       DefaultTokenTTL,
		signKey:   key,
		rps:       opts.RequestsPerSecond,
		burst:     max(opts.Burst, 1),
		tokens:    map[string]time.Time{},
		state:     newTenant(),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.TokenTTL > 0 {
		s.ttl = opts.TokenTTL
	}
	if opts.RequestsPerSecond > 0 {
		s.limiter = rate.NewLimiter(rate.Limit(opts.RequestsPerSecond), s.burst)
	}
	if opts.Seed {
		s.seed()
	}
	return s
}

// Close stops the server.
func (s *Server) Close() { s.listener.Close() }

// Handler is the fake's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("GET /auth_token/extend", s.extend)
	for _, r := range s.routes() {
		mux.Handle(r.pattern, s.api(r.handler))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		mux.ServeHTTP(w, r)
	})
}

// route is one authenticated, rate-limited API route.
type route struct {
	pattern string
	handler http.HandlerFunc
}

// Inject makes the next n API calls (login and extend excepted) answer
// status: 429 with X-RateLimit-Remaining 0, 503 with Retry-After 1, 401
// token_expired (as if the JWT had been revoked), or any other status
// with Prisma's error header.
func (s *Server) Inject(n, status int) { s.inject.Add(n, status) }

// ExpireTokens makes every issued JWT invalid at once, as if the session
// had timed out: the next call gets 401 and the client must log in.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// Logins and Extends count successful /login and /auth_token/extend calls.
func (s *Server) Logins() int64  { return s.logins.Load() }
func (s *Server) Extends() int64 { return s.extends.Load() }

// Requests counts every request the fake received.
func (s *Server) Requests() int64 { return s.requests.Load() }

// loginBody is LoginModel.
type loginBody struct {
	Username     string `json:"username"`
	Password     string `json:"password"`
	PrismaID     string `json:"prismaId"`
	CustomerName string `json:"customerName"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var b loginBody
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&b); err != nil || b.Username == "" || b.Password == "" {
		WriteStatus(w, http.StatusBadRequest, "bad_request", "")
		return
	}
	if b.Username != s.AccessKey || b.Password != s.SecretKey {
		WriteStatus(w, http.StatusUnauthorized, "invalid_credentials", "")
		return
	}
	s.logins.Add(1)
	s.writeToken(w, "login_successful")
}

func (s *Server) extend(w http.ResponseWriter, r *http.Request) {
	if !s.valid(r.Header.Get("x-redlock-auth")) {
		WriteStatus(w, http.StatusUnauthorized, "token_expired", "")
		return
	}
	s.extends.Add(1)
	s.writeToken(w, "login_successful")
}

// writeToken issues a JWT and answers LoginResponseModel.
func (s *Server) writeToken(w http.ResponseWriter, message string) {
	now := s.now()
	jti := make([]byte, 8)
	_, _ = rand.Read(jti)
	exp := now.Add(s.ttl)
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Subject: s.AccessKey, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp), ID: hex.EncodeToString(jti),
	}).SignedString(s.signKey)
	if err != nil {
		WriteStatus(w, http.StatusInternalServerError, "internal_error", "")
		return
	}
	s.mu.Lock()
	s.tokens[tok] = exp
	for t, e := range s.tokens { // forget expired ones so the map stays small
		if !now.Before(e) {
			delete(s.tokens, t)
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"token": tok, "message": message, "customerNames": []map[string]any{
		{"customerName": "idcmd-sandbox", "prismaId": "806775661477584896", "tosAccepted": true},
	}})
}

// valid reports whether tok is a JWT this fake issued and has not expired.
func (s *Server) valid(tok string) bool {
	if tok == "" {
		return false
	}
	s.mu.Lock()
	exp, ok := s.tokens[tok]
	s.mu.Unlock()
	return ok && s.now().Before(exp)
}

// api wraps an API route: the JWT, injected faults, the rate limit and
// its headers.
func (s *Server) api(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.valid(r.Header.Get("x-redlock-auth")) {
			WriteStatus(w, http.StatusUnauthorized, "token_expired", "")
			return
		}
		remaining := s.burst
		allowed := true
		if s.limiter != nil {
			allowed = s.limiter.Allow()
			remaining = max(int(s.limiter.Tokens()), 0)
		}
		s.rateHeaders(w, remaining)
		switch status := s.inject.Next(); {
		case status == http.StatusTooManyRequests:
			allowed = false
		case status == http.StatusServiceUnavailable:
			w.Header().Set("Retry-After", "1")
			WriteStatus(w, status, "service_unavailable", "")
			return
		case status == http.StatusUnauthorized:
			WriteStatus(w, status, "token_expired", "")
			return
		case status != 0:
			WriteStatus(w, status, "internal_error", "")
			return
		}
		if !allowed {
			w.Header().Set("X-RateLimit-Remaining", "0")
			WriteStatus(w, http.StatusTooManyRequests, "too_many_requests", "")
			return
		}
		h(w, r)
	})
}

// rateHeaders sets pan.dev's X-RateLimit-* headers.
func (s *Server) rateHeaders(w http.ResponseWriter, remaining int) {
	rps := s.rps
	if rps <= 0 {
		rps = 100 // unlimited fakes still say what a tenant would
	}
	h := w.Header()
	h.Set("X-RateLimit-Burst-Capacity", strconv.Itoa(s.burst))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Replenish-Rate", strconv.FormatFloat(rps, 'f', -1, 64))
	h.Set("X-RateLimit-Requested-Tokens", "1")
}

// WriteStatus answers status with Prisma's x-redlock-status header,
// [{"i18nKey": key, "severity": "error", "subject": subject}], and no
// body, as most CSPM endpoints do. An empty subject is null.
func WriteStatus(w http.ResponseWriter, status int, key, subject string) {
	item := map[string]any{"i18nKey": key, "severity": "error", "subject": nil}
	if subject != "" {
		item["subject"] = subject
	}
	b, _ := json.Marshal([]any{item})
	w.Header().Set("x-redlock-status", string(b))
	w.WriteHeader(status)
}

// WriteError answers status with the JSON error body the IAM endpoints use
// (they set no x-redlock-status): {"error": {"code", "message", "target"}}.
func WriteError(w http.ResponseWriter, status int, code, message, target string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": message, "target": target, "details": map[string]any{}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("prismatest: encode answer: %v", err))
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
