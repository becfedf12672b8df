package openapi

import (
	"github.com/idcmd/idcmd/handlers"
	"github.com/idcmd/idcmd/rules"
)

// Swag stubs for the event rules.

// replayRules godoc
//
// @ID           replay-rules
// @Summary      What the current rules would have done with the stored events of a range
// @Description  Runs the server's current rules (severity tables, detectors, event_routing and the integrations' gates, automated_responses) over the decided events that happened in [since, until), each decided as of when it was stored, and reports what would have been routed and done: counts by severity, detector, destination and action, and the decisions of the events anything would be done for (at most limit). Nothing is queued, recorded or audited: use it to try a change of the rules on past events before it goes live. The range is at most 31 days; at most 50,000 events are replayed (truncated says when the range held more). Needs events:read.
// @Tags         events
// @Accept       json
// @Produce      json
// @Produce      application/problem+json
// @Security     BearerAuth
// @Param        body  body  handlers.ReplayRequest  true  "The range and how many decisions to list"
// @Success      200  {object}  rules.ReplayReport
// @Failure      400  {object}  problem.Problem  "Invalid range or limit (the problem names body.since, body.until or body.limit)"
// @Failure      401  {object}  problem.Problem  "Missing or invalid token"
// @Failure      403  {object}  problem.Problem  "Needs events:read"
// @Failure      415  {object}  problem.Problem  "Not application/json"
// @Router       /api/v1/rules/replay [post]
func replayRules() {}

var (
	_ = replayRules
	_ handlers.ReplayRequest
	_ rules.ReplayReport
)
