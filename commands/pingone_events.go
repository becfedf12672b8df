package commands

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/pingone"
	"github.com/idcmd/idcmd/providers/upstream"
)

// pingOneRetention is how far back PingOne serves audit activities without
// a restore.
const pingOneRetention = 14 * 24 * time.Hour

// PingOneUserEventsArgs select the activities around one user.
type PingOneUserEventsArgs struct {
	PingOneUserArgs
	// Look back this many hours (1-336, PingOne's 14-day window); default 24.
	Hours int `json:"hours,omitempty" validate:"omitempty,min=1,max=336" default:"24"`
	// Start of the range (RFC 3339, within the last 14 days) instead of hours.
	Since string `json:"since,omitempty" validate:"omitempty,datetime=2006-01-02T15:04:05Z07:00" format:"date-time"`
	// Only these action types (USER.LOCKED) or SOP event names (USER_LOGIN, MFA_VERIFY_FAILED, ...).
	EventTypes []string `json:"event_types,omitempty" validate:"omitempty,max=30,dive,min=1,max=128"`
	// Maximum events to return (1-1000).
	Limit int `json:"limit,omitempty" validate:"omitempty,min=1,max=1000" default:"100"`
}

// Validate checks the window and the event names.
func (a *PingOneUserEventsArgs) Validate() error {
	if a.Hours != 0 && a.Since != "" {
		return inputError("The arguments are invalid", "body.since", "use either hours or since, not both")
	}
	if err := validSince(a.Since); err != nil {
		return err
	}
	return validPingOneEventTypes(a.EventTypes)
}

func validSince(since string) error {
	if since != "" && time.Since(parseTime(since)) > pingOneRetention {
		return inputError("The arguments are invalid", "body.since", "must be within the last 14 days (PingOne's audit retention)")
	}
	return nil
}

// PingOneGetUserEvents reads activities where the user is the actor or a
// resource. PingOne's filter has no "or" across those attributes, so it asks
// twice and merges.
var PingOneGetUserEvents = Spec[PingOneUserEventsArgs, []PingOneEvent]{
	Name:     "pingone-get-user-events",
	Summary:  "Get PingOne audit activities where a user is actor or resource",
	Provider: PingOne,
	Context:  Context{Prefix: "PingOne.Event", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a PingOneUserEventsArgs) (Reply[[]PingOneEvent], error) {
		c, u, err := resolvePingOneUser(ctx, p, a.User)
		if err != nil {
			return Reply[[]PingOneEvent]{}, err
		}
		now := time.Now().UTC()
		types := PingOneActionTypes(a.EventTypes)
		base := pingone.ActivityQuery{Since: window(now, a.Since, a.Hours, 24), Until: now, ActionTypes: types}
		limit := orDefault(a.Limit, 100)
		byActor, byResource := base, base
		byActor.ActorUserID, byResource.ResourceID = u.ID, u.ID
		acts, err := collectActivities(ctx, c, limit, byActor, byResource)
		if err != nil {
			return Reply[[]PingOneEvent]{}, err
		}
		return pingOneEventsReply("PingOne events of "+u.Username, types, acts), nil
	},
}

// PingOneSecurityEventsArgs select security activities environment-wide.
type PingOneSecurityEventsArgs struct {
	// Start of the range (RFC 3339, within the last 14 days); default: hours ago.
	Since string `json:"since,omitempty" validate:"omitempty,datetime=2006-01-02T15:04:05Z07:00" format:"date-time"`
	// Look back this many hours when since is not given (1-336); default 24.
	Hours int `json:"hours,omitempty" validate:"omitempty,min=1,max=336" default:"24"`
	// Action types or SOP event names; default the SOP's security event list.
	EventTypes []string `json:"event_types,omitempty" validate:"omitempty,max=30,dive,min=1,max=128"`
	// Only failed activities.
	FailuresOnly bool `json:"failures_only,omitempty"`
	// Maximum events to return (1-1000).
	Limit int `json:"limit,omitempty" validate:"omitempty,min=1,max=1000" default:"100"`
}

// Validate checks the window and the event names.
func (a *PingOneSecurityEventsArgs) Validate() error {
	if a.Hours != 0 && a.Since != "" {
		return inputError("The arguments are invalid", "body.since", "use either hours or since, not both")
	}
	if err := validSince(a.Since); err != nil {
		return err
	}
	return validPingOneEventTypes(a.EventTypes)
}

// PingOneGetSecurityEvents reads the SOP's security events, translated to
// real action types.
var PingOneGetSecurityEvents = Spec[PingOneSecurityEventsArgs, []PingOneEvent]{
	Name:     "pingone-get-security-events",
	Summary:  "Get PingOne security events (sign-ons, lockouts, MFA failures, password and lifecycle changes)",
	Provider: PingOne,
	Context:  Context{Prefix: "PingOne.Event", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a PingOneSecurityEventsArgs) (Reply[[]PingOneEvent], error) {
		c, err := p.pingOneClient()
		if err != nil {
			return Reply[[]PingOneEvent]{}, err
		}
		names := a.EventTypes
		if len(names) == 0 {
			names = PingOneSecurityEvents
		}
		types := PingOneActionTypes(names)
		now := time.Now().UTC()
		q := pingone.ActivityQuery{Since: window(now, a.Since, a.Hours, 24), Until: now, ActionTypes: types}
		acts, err := collectActivities(ctx, c, orDefault(a.Limit, 100), q)
		if err != nil {
			return Reply[[]PingOneEvent]{}, err
		}
		if a.FailuresOnly {
			acts = slices.DeleteFunc(acts, func(x pingone.Activity) bool { return x.Result.Status == "SUCCESS" })
		}
		return pingOneEventsReply("PingOne security events", types, acts), nil
	},
}

// collectActivities runs each query, following pages until limit
// activities or the end, and merges them newest first without duplicates.
func collectActivities(ctx context.Context, c *pingone.Client, limit int, queries ...pingone.ActivityQuery) ([]pingone.Activity, error) {
	seen := map[string]bool{}
	var all []pingone.Activity
	for _, q := range queries {
		q.Limit = min(limit, 1000)
		got := 0
		for {
			page, next, err := c.ListActivities(ctx, q)
			if err != nil {
				return nil, err
			}
			for _, act := range page {
				got++
				if !seen[act.ID] {
					seen[act.ID] = true
					all = append(all, act)
				}
			}
			if next == "" || got >= limit || len(page) == 0 {
				break
			}
			q = pingone.ActivityQuery{Cursor: next}
		}
	}
	slices.SortStableFunc(all, func(x, y pingone.Activity) int { return y.RecordedAt.Compare(x.RecordedAt) })
	if len(all) > limit {
		all = all[:limit]
	}
	return all, nil
}

// pingOneEventsReply renders activities; the readable text and the raw
// response say which real action types were queried, since SOP names were
// translated.
func pingOneEventsReply(title string, types []string, acts []pingone.Activity) Reply[[]PingOneEvent] {
	out := make([]PingOneEvent, 0, len(acts))
	rows := make([][]string, 0, len(acts))
	for _, act := range acts {
		e := pingOneEvent(act)
		out = append(out, e)
		rows = append(rows, []string{e.Time.UTC().Format(time.RFC3339), e.Type, e.Result, e.ActorName, e.Target, e.IP})
	}
	queried := "all"
	if len(types) > 0 {
		queried = strings.Join(types, ", ")
	}
	readable := table(strconv.Itoa(len(out))+" "+title, []string{"Time", "Action", "Result", "Actor", "Target", "IP"}, rows) +
		"\nQueried action types: " + queried + "\n"
	return Reply[[]PingOneEvent]{
		Outputs:  out,
		Readable: readable,
		Raw: map[string]any{
			"action_types": types,
			"activities":   rawList(acts, func(a pingone.Activity) []byte { return a.Raw }),
		},
	}
}

// PingOneRiskEventsArgs select a user's risk evaluations.
type PingOneRiskEventsArgs struct {
	PingOneUserArgs
	// Look back this many hours (1-336); default 168 (a week).
	Hours int `json:"hours,omitempty" validate:"omitempty,min=1,max=336" default:"168"`
	// Start of the range (RFC 3339, within the last 14 days) instead of hours.
	Since string `json:"since,omitempty" validate:"omitempty,datetime=2006-01-02T15:04:05Z07:00" format:"date-time"`
	// Only evaluations at or above this level.
	MinLevel string `json:"min_level,omitempty" validate:"omitempty,oneof=LOW MEDIUM HIGH"`
	// Maximum evaluations to return (1-200).
	Limit int `json:"limit,omitempty" validate:"omitempty,min=1,max=200" default:"50"`
}

// Validate checks the window.
func (a *PingOneRiskEventsArgs) Validate() error {
	if a.Hours != 0 && a.Since != "" {
		return inputError("The arguments are invalid", "body.since", "use either hours or since, not both")
	}
	return validSince(a.Since)
}

var riskLevels = map[string]int{"LOW": 1, "MEDIUM": 2, "HIGH": 3}

// PingOneGetRiskEvents reads a user's risk evaluations. PingOne has no list
// of evaluations: the audit trail's RISK_EVALUATION activities name them,
// and each is read by id for its level and score.
var PingOneGetRiskEvents = Spec[PingOneRiskEventsArgs, []PingOneRiskEvent]{
	Name:     "pingone-get-risk-events",
	Summary:  "Get a PingOne user's risk evaluations (level and score) from the audit trail",
	Provider: PingOne,
	Context:  Context{Prefix: "PingOne.RiskEvent", Key: "EvaluationID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a PingOneRiskEventsArgs) (Reply[[]PingOneRiskEvent], error) {
		c, u, err := resolvePingOneUser(ctx, p, a.User)
		if err != nil {
			return Reply[[]PingOneRiskEvent]{}, err
		}
		now := time.Now().UTC()
		types := PingOneActionTypes([]string{"RISK_EVENT"})
		base := pingone.ActivityQuery{Since: window(now, a.Since, a.Hours, 168), Until: now, ActionTypes: types}
		byActor, byResource := base, base
		byActor.ActorUserID, byResource.ResourceID = u.ID, u.ID
		limit := orDefault(a.Limit, 50)
		acts, err := collectActivities(ctx, c, 1000, byActor, byResource)
		if err != nil {
			return Reply[[]PingOneRiskEvent]{}, err
		}
		out := []PingOneRiskEvent{}
		var raws []any
		rows := [][]string{}
		done := map[string]bool{}
		for _, act := range acts {
			if len(out) >= limit {
				break
			}
			id := riskEvaluationID(act)
			if id == "" || done[id] {
				continue
			}
			done[id] = true
			ev, err := c.GetRiskEvaluation(ctx, id)
			if upstream.IsKind(err, upstream.NotFound) {
				continue // evaluations expire; the activity outlives them
			}
			if err != nil {
				return Reply[[]PingOneRiskEvent]{}, err
			}
			if riskLevels[ev.Result.Level] < riskLevels[a.MinLevel] {
				continue
			}
			r := PingOneRiskEvent{EvaluationID: ev.ID, Time: act.RecordedAt, Level: ev.Result.Level, Score: ev.Result.Score,
				RecommendedAction: ev.Result.RecommendedAction, IP: ev.Event.IP, UserID: ev.Event.User.ID, ActionType: act.Action.Type}
			out = append(out, r)
			raws = append(raws, rawJSON(ev.Raw))
			rows = append(rows, []string{r.Time.UTC().Format(time.RFC3339), r.Level, strconv.FormatFloat(r.Score, 'f', -1, 64), r.RecommendedAction, r.IP, r.EvaluationID})
		}
		return Reply[[]PingOneRiskEvent]{Outputs: out,
			Readable: table(strconv.Itoa(len(out))+" risk evaluations of "+u.Username, []string{"Time", "Level", "Score", "Recommended action", "IP", "Evaluation"}, rows),
			Raw:      raws}, nil
	},
}

// riskEvaluationID finds the evaluation an activity is about.
func riskEvaluationID(act pingone.Activity) string {
	for _, r := range act.Resources {
		if strings.Contains(strings.ToUpper(r.Type), "RISK") {
			return r.ID
		}
	}
	return ""
}

// PingOneEvaluateRiskArgs ask PingOne Protect to score a sign-on now.
type PingOneEvaluateRiskArgs struct {
	// PingOne user ID or username.
	User string `json:"user" validate:"required,max=255" example:"jsmith"`
	// Client IP address to evaluate.
	IP string `json:"ip" validate:"required,ip" example:"203.0.113.7"`
	// Kind of flow: AUTHENTICATION (default), REGISTRATION, ACCESS, AUTHORIZATION or TRANSACTION.
	FlowType string `json:"flow_type,omitempty" validate:"omitempty,oneof=AUTHENTICATION REGISTRATION ACCESS AUTHORIZATION TRANSACTION" default:"AUTHENTICATION"`
	// Risk policy set to use; default the environment's.
	RiskPolicySetID string `json:"risk_policy_set_id,omitempty" validate:"omitempty,max=64"`
}

// PingOneEvaluateRisk creates a risk evaluation and returns its verdict. It
// creates an object in PingOne but changes no identity, hence Read.
var PingOneEvaluateRisk = Spec[PingOneEvaluateRiskArgs, PingOneRiskEvaluation]{
	Name:     "pingone-evaluate-risk",
	Summary:  "Ask PingOne Protect to score an IP address and user now",
	Provider: PingOne,
	Context:  Context{Prefix: "PingOne.RiskEvaluation", Key: "ID"},
	Risk:     Read,
	Run: func(ctx context.Context, p Providers, a PingOneEvaluateRiskArgs) (Reply[PingOneRiskEvaluation], error) {
		c, u, err := resolvePingOneUser(ctx, p, a.User)
		if err != nil {
			return Reply[PingOneRiskEvaluation]{}, err
		}
		ev, err := c.CreateRiskEvaluation(ctx, pingone.RiskEvaluationRequest{IP: a.IP, UserID: u.ID, UserName: u.Username, FlowType: a.FlowType, RiskPolicySetID: a.RiskPolicySetID})
		if err != nil {
			return Reply[PingOneRiskEvaluation]{}, err
		}
		out := PingOneRiskEvaluation{ID: ev.ID, Level: ev.Result.Level, Score: ev.Result.Score, RecommendedAction: ev.Result.RecommendedAction, IP: ev.Event.IP, UserID: u.ID, CreatedAt: ev.CreatedAt}
		return Reply[PingOneRiskEvaluation]{Outputs: out,
			Readable: table("PingOne Protect risk for "+u.Username+" from "+a.IP, []string{"Level", "Score", "Recommended action", "Evaluation"},
				[][]string{{out.Level, strconv.FormatFloat(out.Score, 'f', -1, 64), out.RecommendedAction, out.ID}}),
			Raw: rawJSON(ev.Raw)}, nil
	},
}
