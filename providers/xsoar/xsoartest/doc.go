// Package xsoartest is a stateful fake Cortex XSOAR server served over
// real HTTP, in the spirit of net/http/httptest but behaving like the
// XSOAR server API described in /work/shared/reference/xsoar-xdr-prisma.md
// and /work/shared/specs/xsoar_server_api_swagger.json.
//
// It exists so that the XSOAR client, and the write-back and event
// pipeline above it, are tested against the wire behaviour that bites in
// production rather than against a mock of the client's own assumptions:
//
//   - XSOAR 6 and XSOAR 8 / XSIAM authentication (reference §2.1), checked
//     as the services do: XSOAR 6's bare Authorization key, refused with
//     its 403 "Issue with CSRF code"; XSOAR 8's x-xdr-auth-id with a
//     standard key, or with an advanced key whose hash
//     sha256(key + nonce + timestamp) is recomputed, stale timestamps and
//     replayed nonces refused;
//   - the API served under a path prefix: /xsoar by default for XSOAR 8,
//     or any other such as /xsoar/public/v1, none for XSOAR 6;
//   - POST /entry (a war-room entry, Markdown or text), POST /entry/note
//     and POST /entry/tags (flagging an existing entry, under the
//     swagger's optimistic locking), POST /incident (create) and POST
//     /incidents/search (the structured filter, a subset of the query
//     language, paging with XSOAR's size of 0 returning nothing);
//   - a closed investigation refusing entries with the swagger's 412;
//   - responses shaped like the swagger's Entry, IncidentWrapper and
//     incidentSearchResponse (a test validates them against the spec),
//     and errors in XSOAR's {"id","status","title","detail","error"}
//     object;
//   - XSOAR 8's incident retention: an incident and its war room are
//     deleted 180 days after it was created, unless retained (SeedDemo's
//     are, as "Retain Incident" does); and, since a sandbox writes every
//     call into the same few war rooms, at most MaxEntries entries across
//     them and MaxIncidents unretained incidents, the oldest dropped first;
//   - injectable failures and latency, and a switch that takes the server
//     down.
//
// Where the reference and the spec leave XSOAR's behaviour open, the fake
// picks a definite, usually stricter, reading and says so:
//
//   - an entry to an unknown investigation is 400 (the real status is
//     undocumented); a client should treat it like 404;
//   - XSOAR 8 refuses a key with 401 and the Cortex gateway's
//     {"reply": {"err_code", "err_msg", "err_extra"}} object, XDR's
//     documented shape on the shared api- host;
//   - a nonce is accepted once, and a timestamp more than five minutes
//     from the fake's clock is stale; a nonce must be 64 characters from
//     [A-Za-z0-9], as demisto-py makes them;
//   - flagging or tagging an entry needs its current version or -1, and a
//     stale one is a 400 "DB version conflict"; entries of a closed
//     investigation cannot be flagged either (412);
//   - a POST body must be declared application/json (415 otherwise);
//   - an investigation's ID is its incident's ID, as in practice
//     (reference §4.2);
//   - POST /incident only creates; updating by id is not faked (400); a
//     severity outside 0-4 or a rawJSON that is not JSON is a 400.
//
// Failures injected with InjectStatus are served after authentication, so
// an advanced key's nonce is used up even by a failed attempt and a retry
// must bring a fresh one.
//
// The fake deliberately does not import the idcmd XSOAR client, so a
// mistake in the client cannot be mirrored here and go unnoticed.
//
// Typical use in a test:
//
//	srv := xsoartest.NewServer(xsoartest.Options{APIKeyID: "7", Advanced: true})
//	defer srv.Close()
//	id := srv.AddIncident("Okta: suspicious sign-in jdoe@example.com", xsoartest.SeverityHigh)
//	// point the client at srv.URL with srv.APIKey and srv.APIKeyID
//	// ... then inspect srv.Entries(id)
//
// The sandbox can instead mount Handler on its own listener; see
// NewHandlerServer and SetURL. SeedDemo adds a few demo incidents.
package xsoartest
