// Package xdrtest is a stateful fake Cortex XDR tenant served over real
// HTTP, in the spirit of net/http/httptest but behaving like the XDR
// public API described in /work/shared/reference/xsoar-xdr-prisma.md.
//
// It exists so that the XDR client, and the write-back and event pipeline
// above it, are tested against the wire behaviour that bites in
// production rather than against a mock of the client's own assumptions:
//
//   - standard and advanced API keys (§2.2), checked as XDR does: the
//     key ID in x-xdr-auth-id, and for an advanced key the hash
//     sha256(key + nonce + timestamp) recomputed, stale timestamps and
//     replayed nonces refused;
//   - POST-only endpoints whose bodies are wrapped in request_data (§4.6):
//     get_incidents (filters, range, sort), update_incident (comment,
//     status, severity, assignee), get_incident_extra_data (the incident
//     with its users and hosts, its alerts and empty artifact lists) and
//     insert_parsed_alerts;
//   - XDR's limits (§6): at most 60 alerts per request (400) and
//     Options.AlertsPerMinute alerts in any 60 seconds (429), and
//     Options.ExtraDataPerMinute get_incident_extra_data requests in any
//     60 seconds (429 with a Retry-After);
//   - XDR's answers: {"reply": ...} on success and
//     {"reply": {"err_code", "err_msg", "err_extra"}} on failure (§5);
//   - XDR's 180 days of alert retention, and at most MaxAlerts alerts and
//     MaxComments comments (across incidents), the oldest dropped first, so
//     that a sandbox taking many calls stays bounded;
//   - injectable failures and latency, and a switch that takes the tenant
//     down.
//
// Where the reference leaves XDR's behaviour open, the fake makes a choice,
// the stricter reading wherever strictness can only catch client mistakes,
// so a client that passes here does not fail against a real tenant:
//
//   - a nonce is accepted once (whether XDR checks is unconfirmed), and a
//     timestamp more than five minutes from the fake's clock is stale;
//   - a nonce must be 64 characters from [A-Za-z0-9], as demisto-py makes
//     them;
//   - the per-minute limit is a sliding window, the strictest reading of
//     "600 alerts/min"; no Retry-After header is sent, since none is
//     documented;
//   - an alert may only carry the fields of §4.6, with a severity of
//     Informational, Low, Medium, High or Unknown, an epoch-millisecond
//     event_timestamp and both a local and a remote address;
//   - update_incident on an unknown incident is 404 with an XDR error
//     body (the real status is undocumented);
//   - comments on resolved incidents are accepted: the reference
//     documents no refusal.
//
// Failures injected with InjectStatus are served after authentication,
// so an advanced key's nonce is used up even by a failed attempt and a
// retry must bring a fresh one.
//
// The fake deliberately does not import the idcmd XDR client, so a
// mistake in the client cannot be mirrored here and go unnoticed.
//
// Typical use in a test:
//
//	srv := xdrtest.NewServer(xdrtest.Options{Advanced: true})
//	defer srv.Close()
//	id := srv.AddIncident("Okta: MFA fatigue against jdoe@example.com", "high")
//	// point the client at srv.URL with srv.APIKey and srv.APIKeyID
//
// The sandbox can instead mount Handler on its own listener; see
// NewHandlerServer and SetURL.
package xdrtest
