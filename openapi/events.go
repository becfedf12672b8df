package openapi

import (
	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/handlers"
)

// Swag stubs for the event intake and the event log.

// verifyOktaHook godoc
//
// @ID           verify-okta-hook
// @Summary      Okta event hook verification: echo the challenge
// @Description  Okta's one-time verification GET when an event hook is verified (POST /api/v1/eventHooks/{id}/lifecycle/verify): the X-Okta-Verification-Challenge value is answered as {"verification": value}. Served only when okta.webhook_secret is set.
// @Tags         events
// @Produce      json
// @Produce      application/problem+json
// @Param        X-Okta-Verification-Challenge  header  string  true  "The challenge Okta sends"
// @Success      200  {object}  handlers.OktaVerification
// @Failure      400  {object}  problem.Problem  "No challenge"
// @Security
// @Router       /okta/webhook [get]
func verifyOktaHook() {}

// deliverOktaHook godoc
//
// @ID           deliver-okta-hook
// @Summary      Okta event hook delivery: store the System Log events, then 204
// @Description  An Okta event hook delivery (eventType com.okta.event_hook, data.events[] of System Log events). The answer is 204 only after every event is durably stored, once per uuid: a redelivered or overlapping batch stores nothing twice. An event that cannot be read is stored as rejected, with why, so the rest of its batch is not lost (Okta does not retry a 4xx). Served only when okta.webhook_secret is set.
// @Tags         events
// @Accept       json
// @Produce      application/problem+json
// @Security     OktaHookSecret
// @Param        body  body  handlers.OktaHookDelivery  true  "The event hook envelope"
// @Success      204  "Stored"
// @Failure      400  {object}  problem.Problem  "Not an event hook delivery"
// @Failure      401  {object}  problem.Problem  "Missing or wrong shared secret; nothing stored"
// @Failure      413  {object}  problem.Problem  "Over 8 MiB or 5,000 events"
// @Failure      415  {object}  problem.Problem  "Not application/json"
// @Failure      503  {object}  problem.Problem  "Not stored; Okta delivers again"
// @Router       /okta/webhook [post]
func deliverOktaHook() {}

// deliverPingOneHook godoc
//
// @ID           deliver-pingone-hook
// @Summary      PingOne webhook delivery: store the activities, then 200
// @Description  A delivery of a PingOne subscription in format ACTIVITY: up to 500 activities as a JSON array (JSON_ARRAY), one activity, or one per line (ND_JSON). The answer is 200 only after every activity is durably stored, once per id. PingOne redelivers a batch until it gets a 200, so an activity that cannot be read is stored as rejected, with why, and the batch still answered 200. Served only when pingone.webhook_secret is set.
// @Tags         events
// @Accept       json
// @Accept       application/x-ndjson
// @Produce      json
// @Produce      application/problem+json
// @Security     PingOneHookSecret
// @Param        body  body  []object  true  "Activities (GET /activities shape)"
// @Success      200  {object}  handlers.HookAck
// @Failure      400  {object}  problem.Problem  "Not JSON, an array of activities, or NDJSON"
// @Failure      401  {object}  problem.Problem  "Missing or wrong secret header; nothing stored"
// @Failure      413  {object}  problem.Problem  "Over 8 MiB or 500 activities"
// @Failure      415  {object}  problem.Problem  "Not application/json or application/x-ndjson"
// @Failure      503  {object}  problem.Problem  "Not stored; PingOne delivers again"
// @Router       /pingone/webhook [post]
func deliverPingOneHook() {}

// listEvents godoc
//
// @ID           list-events
// @Summary      The identity event log: every event from hooks and pollers, most recent first
// @Description  Identity events from Okta and PingOne, as hooks delivered them and pollers read them, each stored once, in one normalized shape; most recent (by the provider's time) first, without the raw event (GET /api/v1/events/{id} has it). Needs events:read.
// @Tags         events
// @Produce      json
// @Produce      application/problem+json
// @Security     BearerAuth
// @Param        provider  query  string  false  "Only this provider"  Enums(okta, pingone)
// @Param        user      query  string  false  "Only events about or by this user (ID, or login without regard to case)"
// @Param        type      query  string  false  "Only these types, comma-separated or repeated: the provider's (user.session.start, USER.LOCKED) or the SOPs' PingOne names (MFA_VERIFY_FAILED)"
// @Param        outcome   query  string  false  "Only this outcome (SUCCESS, FAILURE, DENY, FAILED, ...)"
// @Param        source    query  string  false  "Only events pushed by a hook or read by a poller"  Enums(hook, poll)
// @Param        rejected  query  bool    false  "Only unreadable (true) or readable (false) events"
// @Param        since     query  string  false  "From this time (RFC 3339, inclusive)"
// @Param        until     query  string  false  "Up to this time (RFC 3339, exclusive)"
// @Param        limit     query  int     false  "Page size (1-500)"  default(50)
// @Param        cursor    query  string  false  "next_cursor of the previous page"
// @Success      200  {object}  handlers.EventList
// @Failure      400  {object}  problem.Problem  "Invalid query"
// @Failure      401  {object}  problem.Problem  "Missing or invalid token"
// @Failure      403  {object}  problem.Problem  "Needs events:read"
// @Router       /api/v1/events [get]
func listEvents() {}

// getEvent godoc
//
// @ID           get-event
// @Summary      One identity event with its raw payload and the rules' decision on it
// @Description  One event by the provider's event ID (Okta uuid, PingOne activity id), with the provider's event exactly as it arrived, and what the rules decided about it: severity and why, the detectors that fired with their evidence, the group of repeats, the routes and automated responses with why, and every delivery queued for it (XDR alert, XSOAR incident, responses with their audit record and approval) as it stands. decision is null while decision_status is pending (the decider has not reached the event yet) or none (the event was stored before the rules existed, or its decision was purged). Needs events:read.
// @Tags         events
// @Produce      json
// @Produce      application/problem+json
// @Security     BearerAuth
// @Param        id        path   string  true   "The provider's event ID"
// @Param        provider  query  string  false  "The provider, when both could have the ID"  Enums(okta, pingone)
// @Success      200  {object}  handlers.EventDetail
// @Failure      400  {object}  problem.Problem  "Invalid query"
// @Failure      401  {object}  problem.Problem  "Missing or invalid token"
// @Failure      403  {object}  problem.Problem  "Needs events:read"
// @Failure      404  {object}  problem.Problem  "No such event"
// @Router       /api/v1/events/{id} [get]
func getEvent() {}

var (
	_ = []func(){verifyOktaHook, deliverOktaHook, deliverPingOneHook, listEvents, getEvent}
	_ events.Event
	_ handlers.EventList
	_ handlers.EventDetail
)
