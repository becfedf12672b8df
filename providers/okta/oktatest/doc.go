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
//     keyword search, cursors, and short pages (fewer events than limit,
//     still with a next link) when a filter is selective (LogScanLimit);
//   - Okta's 90 days of System Log retention, and at most MaxLogEvents
//     events (the oldest go first, the seeded history last; a polling
//     cursor into dropped events continues with the oldest kept);
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
//
// # Demo org
//
// With Options.Seed (or SeedDemo) the org holds about 75 users, with one
// well-known fixture per status (all @example.com):
//
//	DemoActiveUser           jdoe         ACTIVE   groups, apps, 4 factors, 3 sessions; MFA-fatigue story from RU
//	DemoAdminUser            awong        ACTIVE   Super Admins, Okta Admins, Domain Admins; odd-hour grant
//	DemoSuspendedUser        bwilson      SUSPENDED         impossible travel, then suspended
//	DemoLockedUser           kpatel       LOCKED_OUT        password spraying from NG, then locked
//	DemoStagedUser           lchen        STAGED            no password, no factors
//	DemoProvisionedUser      snguyen      PROVISIONED       activated without a password
//	DemoDeprovisionedUser    mgarcia      DEPROVISIONED     offboarded; no app links
//	DemoPasswordExpiredUser  ejohnson     PASSWORD_EXPIRED
//	DemoRecoveryUser         rbrown       RECOVERY
//	ServiceAccountLogin      idcmd.svc    ACTIVE   owner of the SSWS token, actor of API actions
//
// and at least 1,200 System Log events over the 7 days before the seed
// time. Demo users work in US Eastern time (UTC−5, fixed), which is what
// "odd hours" in the stories refers to.
package oktatest
