// Package pingonetest is a stateful fake PingOne environment served over
// real HTTP, in the spirit of net/http/httptest but behaving like the real
// PingOne Platform API (SSO/Base and Protect).
//
// It exists so that the PingOne client and everything above it are tested
// against the wire behaviour that matters in production rather than against
// a mock of the client's own assumptions:
//
//   - the worker application's client_credentials token endpoint on the
//     auth host path (/{envID}/as/token), with HTTP Basic or form client
//     authentication, token expiry on the injected clock, and ExpireTokens;
//   - every resource under /v1/environments/{envID}, HAL collections with
//     count/size and tamper-evident cursor paging through _links.next.href
//     (a users page holds at most 200 whatever limit asks, as PingOne
//     documents; see UserPageSize);
//   - users with a SCIM filter subset, account lock/unlock by vendor content
//     type (with auto-unlock at unlockAt), enable/disable, password state and
//     actions (forceChange, sendRecoveryCode, unlock, recover, set, reset),
//     direct and nested (INDIRECT) group memberships, role assignments,
//     sessions (ten per user, newest first, deleted one at a time);
//   - audit activities with PingOne's filter rules (a recordedat range is
//     required, 14 days of retention), newest first, by GET or POST; older
//     activities are dropped, and at most MaxActivities are kept (the
//     oldest go first, the seeded history last);
//   - Protect risk evaluations scored deterministically from the IP address,
//     the user's recent failures and impossible travel;
//   - PingOne error bodies (id, code, message, details) for every failure,
//     and injectable 429s, other statuses and latency.
//
// Each successful change is recorded as an audit activity, as PingOne does,
// so a test can assert on the audit trail an action leaves.
//
// Where PingOne's documentation leaves the behaviour open, the fake
// chooses the stricter reading, so that a client that works here also works
// against the real service:
//
//   - a POST /users/{id} or /users/{id}/password whose Content-Type selects
//     no action (missing, application/json, unknown vnd type) is 415
//     INVALID_REQUEST naming the allowed types; a malformed JSON body is
//     400 INVALID_REQUEST; a wrong method is 405 METHOD_NOT_ALLOWED with
//     Allow (there is no bulk DELETE /users/{id}/sessions);
//   - actions the user's state forbids (a recovery code for a disabled
//     user, or for a password that is missing or locked out; forceChange
//     without a password) are 400 INVALID_DATA with a CONSTRAINT_VIOLATION
//     detail; a lock with unlockAt not in the future is 400 INVALID_DATA;
//   - lock and unlock are idempotent (200 with the user) and audit only
//     actual changes; an account unlock lifts a password lockout too; every
//     password action lifts a password lockout but never an explicit lock;
//   - the activities filter must bound recordedat on both sides at its top
//     level (gt/ge and lt/le, joined by and), within the last 14 days (five
//     minutes of grace for clock skew);
//   - a risk evaluation needs event.ip, event.user.id and event.user.type
//     (EXTERNAL or PING_ONE); the seed uses EXTERNAL, the only value the
//     risk spec allows.
//
// The fake deliberately does not import the idcmd PingOne client, so a
// decoding mistake in the client cannot be mirrored here and go unnoticed.
//
// Typical use in a test:
//
//	srv := pingonetest.NewServer(pingonetest.Options{Seed: true})
//	defer srv.Close()
//	// API base srv.URL, token URL srv.TokenURL(),
//	// credentials srv.ClientID / srv.ClientSecret.
//
// The sandbox can instead mount Handler on its own listener; see
// NewHandlerServer and SetURL.
package pingonetest
