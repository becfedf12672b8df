package commands

import (
	"context"
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
	// Maximum events to return (1-1000), read across as many PingOne pages as it takes.
	Limit int `json:"limit,omitempty" validate:"omitempty,min=1,max=1000" default:"100"`
	// next_cursor of a previous call with the same other arguments (limit may differ); next_cursor is set only when more remain.
	Cursor string `json:"cursor,omitempty" validate:"omitempty,max=16384"`
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
		return pingOneUserEvents(ctx, p, a, scopeOf("pingone-get-user-events", a))
	},
}

// pingOneUserEvents runs pingone-get-user-events; scope binds its cursors
// to the command that was called (get-user-events runs this too).
func pingOneUserEvents(ctx context.Context, p Providers, a PingOneUserEventsArgs, scope cursorScope) (Reply[[]PingOneEvent], error) {
	if err := p.checkCursor(scope, a.Cursor, 2); err != nil {
		return Reply[[]PingOneEvent]{}, err
	}
	c, u, err := resolvePingOneUser(ctx, p, a.User)
	if err != nil {
		return Reply[[]PingOneEvent]{}, err
	}
	now := time.Now().UTC()
	types := PingOneActionTypes(a.EventTypes)
	limit := orDefault(a.Limit, 100)
	base := pingone.ActivityQuery{Since: window(now, a.Since, a.Hours, 24), Until: now, ActionTypes: types, Limit: limit}
	byActor, byResource := base, base
	byActor.ActorUserID, byResource.ResourceID = u.ID, u.ID
	acts, next, err := readPaged(ctx, p, activitiesQuery(c, scope, a.Cursor, limit, byActor, byResource), keepAll)
	if err != nil {
		return Reply[[]PingOneEvent]{}, err
	}
	return pingOneEventsReply("PingOne events of "+u.Username, types, acts, next), nil
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
	// Maximum events to return (1-1000), read across as many PingOne pages as it takes.
	Limit int `json:"limit,omitempty" validate:"omitempty,min=1,max=1000" default:"100"`
	// next_cursor of a previous call with the same other arguments (limit may differ); next_cursor is set only when more remain.
	Cursor string `json:"cursor,omitempty" validate:"omitempty,max=16384"`
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
		limit := orDefault(a.Limit, 100)
		q := pingone.ActivityQuery{Since: window(now, a.Since, a.Hours, 24), Until: now, ActionTypes: types, Limit: limit}
		if a.FailuresOnly {
			// PingOne cannot filter on the result: ask for full pages, as
			// most activities will be passed over here.
			q.Limit = MaxLimit
		}
		acts, next, err := readPaged(ctx, p, activitiesQuery(c, scopeOf("pingone-get-security-events", a), a.Cursor, limit, q),
			func(_ context.Context, act pingone.Activity) (pingone.Activity, bool, error) {
				return act, !a.FailuresOnly || act.Result.Status != "SUCCESS", nil
			})
		if err != nil {
			return Reply[[]PingOneEvent]{}, err
		}
		return pingOneEventsReply("PingOne security events", types, acts, next), nil
	},
}

// activitiesQuery reads the activities of one or more queries, newest
// first; an activity that two queries both find is returned once.
// PingOne's filter has no "or" across actor and resource, so the user
// commands ask twice and merge.
func activitiesQuery(c *pingone.Client, scope cursorScope, cursor string, limit int, queries ...pingone.ActivityQuery) pagedQuery[pingone.Activity] {
	q := pagedQuery[pingone.Activity]{
		scope: scope, cursor: cursor, limit: limit,
		fetch: func(ctx context.Context, ref string) ([]pingone.Activity, string, error) {
			return c.ListActivities(ctx, pingone.ActivityQuery{Cursor: ref})
		},
		newer: func(x, y pingone.Activity) bool { return x.RecordedAt.After(y.RecordedAt) },
		same:  func(x, y pingone.Activity) bool { return x.ID == y.ID },
	}
	for _, aq := range queries {
		q.first = append(q.first, func() (string, error) { return c.ActivitiesCursor(aq) })
	}
	return q
}

// pingOneEventsReply renders activities; the readable text and the raw
// response say which real action types were queried, since SOP names were
// translated.
func pingOneEventsReply(title string, types []string, acts []pingone.Activity, next string) Reply[[]PingOneEvent] {
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
	readable := table(pageTitle(len(out), title, next), []string{"Time", "Action", "Result", "Actor", "Target", "IP"}, rows) +
		"\nQueried action types: " + queried + "\n"
	return Reply[[]PingOneEvent]{
		Outputs:  out,
		Readable: readable,
		Raw: map[string]any{
			"action_types": types,
			"activities":   rawList(acts, func(a pingone.Activity) []byte { return a.Raw }),
		},
		NextCursor: next,
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
	// Maximum evaluations to return (1-200; each is one more PingOne call), read across as many pages of activities as it takes.
	Limit int `json:"limit,omitempty" validate:"omitempty,min=1,max=200" default:"50"`
	// next_cursor of a previous call with the same other arguments (limit may differ); next_cursor is set only when more remain.
	Cursor string `json:"cursor,omitempty" validate:"omitempty,max=16384"`
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
		scope := scopeOf("pingone-get-risk-events", a)
		if err := p.checkCursor(scope, a.Cursor, 2); err != nil {
			return Reply[[]PingOneRiskEvent]{}, err
		}
		c, u, err := resolvePingOneUser(ctx, p, a.User)
		if err != nil {
			return Reply[[]PingOneRiskEvent]{}, err
		}
		now := time.Now().UTC()
		types := PingOneActionTypes([]string{"RISK_EVENT"})
		limit := orDefault(a.Limit, 50)
		// Activities outnumber the evaluations they name (and some name an
		// expired one, or one below min_level): ask for larger pages.
		base := pingone.ActivityQuery{Since: window(now, a.Since, a.Hours, 168), Until: now, ActionTypes: types, Limit: min(4*limit, MaxLimit)}
		byActor, byResource := base, base
		byActor.ActorUserID, byResource.ResourceID = u.ID, u.ID
		// Each activity that names an evaluation not seen yet is read for
		// its level; expired evaluations and those below min_level are
		// passed over, and the limit is filled from the activities after.
		done := map[string]bool{}
		evaluation := func(ctx context.Context, act pingone.Activity) (riskFinding, bool, error) {
			id := riskEvaluationID(act)
			if id == "" || done[id] {
				return riskFinding{}, false, nil
			}
			done[id] = true
			ev, err := c.GetRiskEvaluation(ctx, id)
			if upstream.IsKind(err, upstream.NotFound) {
				return riskFinding{}, false, nil // evaluations expire; the activity outlives them
			}
			if err != nil {
				return riskFinding{}, false, err
			}
			return riskFinding{act, ev}, riskLevels[ev.Result.Level] >= riskLevels[a.MinLevel], nil
		}
		found, next, err := readPaged(ctx, p, activitiesQuery(c, scope, a.Cursor, limit, byActor, byResource), evaluation)
		if err != nil {
			return Reply[[]PingOneRiskEvent]{}, err
		}
		out := []PingOneRiskEvent{}
		raws := []any{}
		rows := [][]string{}
		for _, f := range found {
			act, ev := f.activity, f.evaluation
			r := PingOneRiskEvent{EvaluationID: ev.ID, Time: act.RecordedAt, Level: ev.Result.Level, Score: ev.Result.Score,
				RecommendedAction: ev.Result.RecommendedAction, IP: ev.Event.IP, UserID: ev.Event.User.ID, ActionType: act.Action.Type}
			out = append(out, r)
			raws = append(raws, rawJSON(ev.Raw))
			rows = append(rows, []string{r.Time.UTC().Format(time.RFC3339), r.Level, strconv.FormatFloat(r.Score, 'f', -1, 64), r.RecommendedAction, r.IP, r.EvaluationID})
		}
		return Reply[[]PingOneRiskEvent]{Outputs: out,
			Readable:   table(pageTitle(len(out), "risk evaluations of "+u.Username, next), []string{"Time", "Level", "Score", "Recommended action", "IP", "Evaluation"}, rows),
			Raw:        raws,
			NextCursor: next}, nil
	},
}

// riskFinding is an activity and the risk evaluation it names.
type riskFinding struct {
	activity   pingone.Activity
	evaluation *pingone.RiskEvaluation
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
