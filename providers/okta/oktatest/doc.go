// Package oktatest is a stateful fake Okta org served over real HTTP, in the
// spirit of net/http/httptest but behaving like the real Okta Management API.
//
// It exists so that the Okta client and everything above it can be tested
// against the wire behaviour that bites in production, not against a mock of
// the client's own assumptions:
//
//   - SSWS, OAuth 2.0 private_key_jwt (client credentials) and DPoP-bound
//     access tokens, with scope enforcement;
//   - users by ID, login or login shortname, with q/search/filter listing and
//     tamper-evident cursor pagination in separate Link header lines;
//   - the user lifecycle state machine and its exact error bodies (E0000007,
//     E0000038, E0000032...), each successful action recorded in the System
//     Log;
//   - the System Log query rules: bounded vs polling requests, SCIM filter,
//     keyword search, cursors;
//   - rate-limit headers on every response, a real per-minute bucket, and
//     injectable 429s, 5xx and latency.
//
// The fake deliberately does not import the idcmd Okta client, so a decoding
// mistake in the client cannot be mirrored here and go unnoticed.
//
// Typical use in a test:
//
//	srv := oktatest.NewServer(oktatest.Options{Seed: true})
//	defer srv.Close()
//	// point the client at srv.URL with "SSWS "+srv.Token
//
// The sandbox can instead mount Handler on its own listener; see
// NewHandlerServer and SetURL.
package oktatest
