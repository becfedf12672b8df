package xdrtest

// InjectStatus makes the next n authenticated API calls answer status with
// an XDR error body (401, 402 licence, 403 RBAC, 404, 429, 5xx "An error
// occurred while processing XDR public API"...), without acting on them.
// Injected failures are served in the order injected, after
// authentication, so each one uses up an advanced key's nonce.
func (s *Server) InjectStatus(n, status int) { s.inject.Add(n, status) }
