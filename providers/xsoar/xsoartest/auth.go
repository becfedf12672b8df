package xsoartest

import (
	"net/http"
	"time"
)

// authenticate checks the API key headers as XSOAR does (reference §2.1),
// with the same scheme the client signs with (providers/cortexkey):
//
//   - XSOAR 6: Authorization is the key; anything else is XSOAR 6's 403
//     "Issue with CSRF code" (reference §5);
//   - XSOAR 8 standard key: x-xdr-auth-id is the key's ID and
//     Authorization the key;
//   - XSOAR 8 advanced key: x-xdr-auth-id, a 64-character x-xdr-nonce, an
//     x-xdr-timestamp in Unix milliseconds within five minutes, and
//     Authorization = hex(sha256(key + nonce + timestamp)); a nonce is
//     accepted once.
//
// XSOAR 8 failures are one 401 that says nothing about what was wrong.
func (s *Server) authenticate(r *http.Request, now time.Time) *apiError {
	if s.verifier.Check(r.Header, now) {
		return nil
	}
	if s.APIKeyID == "" {
		return errForbidden()
	}
	return errGatewayUnauthorized()
}
