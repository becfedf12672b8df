package xdrtest

import (
	"net/http"
	"time"
)

// authenticate checks the API key headers as XDR does (reference §2.2),
// with the same scheme the client signs with (providers/cortexkey). Every
// failure is the same 401, which says nothing about what was wrong.
func (s *Server) authenticate(r *http.Request, now time.Time) *apiError {
	if !s.verifier.Check(r.Header, now) {
		return errUnauthorized()
	}
	return nil
}
