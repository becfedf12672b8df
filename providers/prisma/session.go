package prisma

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// A Prisma JWT is valid for 10 minutes (reference §2.3); GET
// /auth_token/extend swaps a valid one for a fresh one. The session
// extends a token once less than renewBefore of it is left, and logs in
// again when it has expired or was refused.
const (
	tokenLifetime = 10 * time.Minute
	renewBefore   = 3 * time.Minute
	// expiryMargin is how close to its expiry a token is no longer sent:
	// the request must arrive while it is still valid.
	expiryMargin = 15 * time.Second
)

// session holds the tenant's current JWT. One login or extension runs at
// a time; callers that arrive meanwhile wait for it and share its token.
type session struct {
	client               *Client
	accessKey, secretKey string

	mu      sync.Mutex
	jwt     string
	expires time.Time
}

// loginReply is LoginResponseModel (pan.dev Login.json), from both /login
// and /auth_token/extend.
type loginReply struct {
	Token   string `json:"token"`
	Message string `json:"message"`
}

// token returns a JWT valid for at least expiryMargin more, renewing it
// when it is close to its expiry.
func (s *session) token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.client.now()
	if s.jwt != "" && now.Before(s.expires.Add(-renewBefore)) {
		return s.jwt, nil
	}
	if s.jwt != "" && now.Before(s.expires.Add(-expiryMargin)) {
		if err := s.extend(ctx, now); err == nil {
			return s.jwt, nil
		} else if !upstream.IsKind(err, upstream.Unauthorized) {
			// Prisma is down or rate limited: the token still works for a
			// while, so use it rather than fail the call.
			return s.jwt, nil
		}
	}
	if err := s.login(ctx, now); err != nil {
		return "", err
	}
	return s.jwt, nil
}

// invalidate forgets token after Prisma refused it, unless another caller
// has already replaced it.
func (s *session) invalidate(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.jwt == token {
		s.jwt = ""
	}
}

func (s *session) login(ctx context.Context, now time.Time) error {
	body := map[string]string{"username": s.accessKey, "password": s.secretKey}
	reply, err := s.exchange(ctx, call{op: "login", method: http.MethodPost, path: "/login", body: body, retry: httpx.RetryRateLimited}, "")
	if err != nil {
		s.jwt = ""
		return err
	}
	s.keep(reply.Token, now)
	return nil
}

func (s *session) extend(ctx context.Context, now time.Time) error {
	reply, err := s.exchange(ctx, call{op: "extendSession", method: http.MethodGet, path: "/auth_token/extend", retry: httpx.RetryIdempotent}, s.jwt)
	if err != nil {
		return err
	}
	s.keep(reply.Token, now)
	return nil
}

// exchange sends a login or an extension and returns its token.
func (s *session) exchange(ctx context.Context, cl call, token string) (loginReply, error) {
	var body []byte
	if cl.body != nil {
		b, err := jsonBody(cl.body)
		if err != nil {
			return loginReply{}, err
		}
		body = b
	}
	resp, raw, err := s.client.send(ctx, cl, body, token)
	if err != nil {
		return loginReply{}, err
	}
	if resp.StatusCode/100 != 2 {
		return loginReply{}, apiError(cl.op, resp, raw, s.client.now())
	}
	var reply loginReply
	if err := decode(cl.op, raw, &reply); err != nil {
		return loginReply{}, err
	}
	if reply.Token == "" {
		return loginReply{}, &upstream.Error{Provider: provider, Kind: upstream.Unauthorized, Status: resp.StatusCode,
			Message: "Prisma Cloud answered " + cl.op + " without a token (" + reply.Message + ")"}
	}
	return reply, nil
}

// keep stores token with its expiry: the JWT's exp claim when it has one
// (read, not verified: idcmd is not the token's audience, Prisma is), else
// the documented 10 minutes from now.
func (s *session) keep(token string, now time.Time) {
	s.jwt = token
	s.expires = now.Add(tokenLifetime)
	claims := jwt.RegisteredClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, &claims); err == nil && claims.ExpiresAt != nil {
		s.expires = claims.ExpiresAt.Time
	}
}
