package xsoartest

// InjectStatus makes the next n authenticated API calls answer status with
// an XSOAR error body (400, 401, 403, 404, 412, 429, 5xx "Something went
// wrong."), without acting on them. Injected failures are served in the
// order injected, after authentication, so each one uses up an advanced
// key's nonce. A 429 carries no Retry-After, since none is documented.
func (s *Server) InjectStatus(n, status int) { s.inject.Add(n, status) }
