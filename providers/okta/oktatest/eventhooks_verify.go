package oktatest

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Verification (spec verifyEventHook; reference okta.md §8): Okta sends a
// one-time GET to the hook URI with the X-Okta-Verification-Challenge
// header, and the endpoint proves it is the hook's owner by answering 200
// with {"verification": "<the same value>"}. The request carries the
// hook's auth header and custom headers, like a delivery. It times out
// after Options.HookTimeout (3 s); a timeout or an error response is
// retried once. If it still fails, verify answers 400 and the hook stays
// UNVERIFIED.

const challengeHeader = "X-Okta-Verification-Challenge"

// VerifyAttempt records one verification request, for tests.
type VerifyAttempt struct {
	HookID string
	Status int
	Err    string
}

func (s *Server) verifyEventHook(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	hub := s.hooks
	hub.mu.Lock()
	h := hub.hooks[c.param]
	if h == nil {
		hub.mu.Unlock()
		return errNotFound(c.param, "EventHook")
	}
	ch, name := h.channel, h.name
	hub.mu.Unlock()

	ok := false
	for try := 0; try < 2 && !ok; try++ {
		challenge := secretToken(30)
		var body []byte
		status, err := hub.attempt(http.MethodGet, ch, nil, &body, challengeHeader, challenge)
		a := VerifyAttempt{HookID: c.param, Status: status}
		switch {
		case err != nil:
			a.Err = err.Error()
		case status != http.StatusOK:
			a.Err = "the endpoint answered " + strconv.Itoa(status)
		default:
			var v struct {
				Verification string `json:"verification"`
			}
			if json.Unmarshal(body, &v) == nil && v.Verification == challenge {
				ok = true
			} else {
				a.Err = "the endpoint did not answer the challenge"
			}
		}
		hub.mu.Lock()
		hub.verifies = append(hub.verifies, a)
		hub.mu.Unlock()
		// A 200 with the wrong answer is a response, not an error
		// response: it is not retried.
		if a.Err != "" && err == nil && status == http.StatusOK {
			break
		}
	}

	hub.mu.Lock()
	defer hub.mu.Unlock()
	h = hub.hooks[c.param]
	if h == nil {
		return errNotFound(c.param, "EventHook")
	}
	if !ok {
		return errHookInvalid("Unable to verify event hook. Hook " + name + " execution failed")
	}
	if h.channel.equal(ch) {
		h.verification = HookVerified
		h.lastUpdated = s.now()
	}
	return s.writeHook(w, r, h.json(s.baseURL(r)))
}

// VerifyAttempts returns every verification request made so far.
func (s *Server) VerifyAttempts() []VerifyAttempt {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return append([]VerifyAttempt(nil), s.hooks.verifies...)
}
