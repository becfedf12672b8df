package pingonetest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Risk levels (spec EnumRiskLevel).
const (
	RiskLow    = "LOW"
	RiskMedium = "MEDIUM"
	RiskHigh   = "HIGH"
)

// Scoring. The aggregated score starts from the IP reputation, adds the
// user's recent failed checks and impossible travel, and is capped at 100.
const (
	highRiskScore     = 75 // and above: HIGH
	mediumRiskScore   = 40 // and above: MEDIUM
	failureWeight     = 6  // per failed check in the last day
	maxFailureScore   = 30
	travelScore       = 35
	failureWindow     = 24 * time.Hour
	impossibleKmPerH  = 900.0 // faster than an airliner
	minTravelDistance = 500.0 // km; nearer sign-ins are never impossible
)

// failureTypes are the audit actions that count as a failed check.
var failureTypes = []string{"PASSWORD.CHECK_FAILED", "OTP.CHECK_FAILED", "OTP.CHECK_INVALID", "ASSERTION.CHECK_FAILED"}

func riskLevel(score int) string {
	switch {
	case score >= highRiskScore:
		return RiskHigh
	case score >= mediumRiskScore:
		return RiskMedium
	}
	return RiskLow
}

// riskPolicySet is a Protect policy set; evaluations name the one used.
type riskPolicySet struct {
	id, name string
}

// riskEvaluation is a stored evaluation.
type riskEvaluation struct {
	id               string
	seeded           bool   // part of the demo environment (retention.go)
	userID           string // the resolved PingOne user, if any
	created, updated time.Time
	event            riskEventJSON
	policy           *riskPolicySet
	result           riskResultJSON
	details          riskDetailsJSON
}

// riskEventJSON is spec schema RiskEvaluationEvent, as sent and echoed.
type riskEventJSON struct {
	TargetResource   *targetResourceJSON `json:"targetResource,omitempty"`
	IP               string              `json:"ip"`
	Flow             *flowJSON           `json:"flow,omitempty"`
	Session          *idRef              `json:"session,omitempty"`
	User             *riskUserJSON       `json:"user"`
	SharingType      string              `json:"sharingType,omitempty"`
	Browser          json.RawMessage     `json:"browser,omitempty"`
	Origin           string              `json:"origin,omitempty"`
	CompletionStatus string              `json:"completionStatus,omitempty"`
}

type targetResourceJSON struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

type flowJSON struct {
	Type string `json:"type"`
}

type riskUserJSON struct {
	ID     string          `json:"id"`
	Name   string          `json:"name,omitempty"`
	Type   string          `json:"type"`
	Groups []riskGroupJSON `json:"groups,omitempty"`
}

type riskGroupJSON struct {
	Name string `json:"name"`
}

// riskResultJSON is spec schema RiskEvaluationResult plus the score,
// source and recommended action PingOne returns beside it.
type riskResultJSON struct {
	Level             string  `json:"level"`
	Score             float64 `json:"score"`
	Source            string  `json:"source"`
	RecommendedAction string  `json:"recommendedAction,omitempty"`
	Type              string  `json:"type"`
	Value             string  `json:"value"`
}

// riskDetailsJSON is spec schema RiskEvaluationDetails.
type riskDetailsJSON struct {
	IPAddressReputation           levelScoreJSON       `json:"ipAddressReputation"`
	AnonymousNetworkDetected      bool                 `json:"anonymousNetworkDetected"`
	ImpossibleTravel              bool                 `json:"impossibleTravel"`
	EstimatedSpeed                *float64             `json:"estimatedSpeed,omitempty"`
	Country                       string               `json:"country,omitempty"`
	State                         string               `json:"state,omitempty"`
	City                          string               `json:"city,omitempty"`
	Latitude                      *float64             `json:"latitude,omitempty"`
	Longitude                     *float64             `json:"longitude,omitempty"`
	PreviousSuccessfulTransaction *previousTransaction `json:"previousSuccessfulTransaction,omitempty"`
	UserRiskBehavior              levelReasonJSON      `json:"userRiskBehavior"`
}

type levelScoreJSON struct {
	Level string `json:"level"`
	Score int    `json:"score"`
}

type levelReasonJSON struct {
	Level  string `json:"level"`
	Reason string `json:"reason"`
}

type previousTransaction struct {
	Country   string `json:"country,omitempty"`
	State     string `json:"state,omitempty"`
	City      string `json:"city,omitempty"`
	IP        string `json:"ip"`
	Timestamp string `json:"timestamp"`
}

// evaluateLocked scores an event at time at and stores the evaluation.
// The event is assumed valid.
func (e *Env) evaluateLocked(ev riskEventJSON, policy *riskPolicySet, at time.Time) *riskEvaluation {
	addr := netip.MustParseAddr(ev.IP).Unmap()
	info := lookupIP(addr)
	ipScore := info.score
	recommended := ""
	if e.badIPs[addr] {
		ipScore, recommended = 100, "BOT_MITIGATION"
	}
	d := riskDetailsJSON{
		IPAddressReputation:      levelScoreJSON{Level: riskLevel(ipScore), Score: ipScore},
		AnonymousNetworkDetected: info.anonymous,
	}
	if info.known {
		d.Country, d.State, d.City = info.country, info.state, info.city
		d.Latitude, d.Longitude = &info.lat, &info.lon
	}
	score := ipScore

	u := e.resolveLocked(ev.User.ID)
	failures := 0
	if u != nil {
		failures = e.recentFailuresLocked(u.id, at)
		if prev := e.previousSignOnLocked(u.id, at); prev != nil {
			pAddr, _ := netip.ParseAddr(prev.act.IP)
			pInfo := lookupIP(pAddr)
			d.PreviousSuccessfulTransaction = &previousTransaction{
				Country: pInfo.country, State: pInfo.state, City: pInfo.city,
				IP: prev.act.IP, Timestamp: formatTime(prev.act.RecordedAt),
			}
			if info.known && pInfo.known {
				km := distanceKm(pInfo.lat, pInfo.lon, info.lat, info.lon)
				hours := max(at.Sub(prev.act.RecordedAt).Hours(), 1.0/60)
				speed := math.Round(km / hours)
				d.EstimatedSpeed = &speed
				if km >= minTravelDistance && speed > impossibleKmPerH {
					d.ImpossibleTravel = true
					score += travelScore
				}
			}
		}
	}
	score += min(failures*failureWeight, maxFailureScore)
	score = min(score, 100)
	d.UserRiskBehavior = userBehavior(failures)

	if ev.Flow == nil {
		ev.Flow = &flowJSON{Type: "AUTHENTICATION"}
	}
	if ev.CompletionStatus == "" {
		ev.CompletionStatus = "IN_PROGRESS"
	}
	level := riskLevel(score)
	if level != RiskHigh {
		recommended = ""
	}
	re := &riskEvaluation{
		id: seededUUID(e.rng), created: at, updated: at, event: ev, policy: policy, details: d,
		result: riskResultJSON{
			Level: level, Score: float64(score), Source: "AGGREGATED_SCORES", RecommendedAction: recommended,
			Type: "VALUE", Value: level,
		},
	}
	if u != nil {
		re.userID = u.id
	}
	re.seeded = e.seeding
	e.storeRiskLocked(re)
	return re
}

func userBehavior(failures int) levelReasonJSON {
	switch {
	case failures >= 5:
		return levelReasonJSON{RiskHigh, fmt.Sprintf("%d failed authentication checks in the last 24 hours", failures)}
	case failures >= 2:
		return levelReasonJSON{RiskMedium, fmt.Sprintf("%d failed authentication checks in the last 24 hours", failures)}
	}
	return levelReasonJSON{RiskLow, "No unusual authentication behavior"}
}

// recentFailuresLocked counts the user's failed checks in the day before
// at.
func (e *Env) recentFailuresLocked(userID string, at time.Time) int {
	n := 0
	for _, a := range e.activities.byUser[userID] {
		t := a.act.RecordedAt
		if t.After(at.Add(-failureWindow)) && !t.After(at) && slices.Contains(failureTypes, a.act.Type) {
			n++
		}
	}
	return n
}

// previousSignOnLocked is the user's latest successful sign-on (a created
// session) with a known source before at.
func (e *Env) previousSignOnLocked(userID string, at time.Time) *storedActivity {
	var best *storedActivity
	for _, a := range e.activities.byUser[userID] {
		if a.act.Type != "SESSION.CREATED" || a.act.IP == "" || !a.act.RecordedAt.Before(at) {
			continue
		}
		if best == nil || a.act.RecordedAt.After(best.act.RecordedAt) {
			best = a
		}
	}
	return best
}

// riskEvaluationJSON is spec schema RiskEvaluation.
type riskEvaluationJSON struct {
	Links         links           `json:"_links"`
	ID            string          `json:"id"`
	Environment   idRef           `json:"environment"`
	CreatedAt     string          `json:"createdAt"`
	UpdatedAt     string          `json:"updatedAt"`
	Event         riskEventJSON   `json:"event"`
	RiskPolicySet policySetRef    `json:"riskPolicySet"`
	Result        riskResultJSON  `json:"result"`
	Details       riskDetailsJSON `json:"details"`
}

type policySetRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (s *Server) renderRisk(r *http.Request, re *riskEvaluation) riskEvaluationJSON {
	self := s.envURL(r, "/riskEvaluations/"+re.id)
	return riskEvaluationJSON{
		Links:         links{"self": {Href: self}, "event": {Href: self + "/event"}},
		ID:            re.id,
		Environment:   idRef{ID: s.EnvironmentID},
		CreatedAt:     formatTime(re.created),
		UpdatedAt:     formatTime(re.updated),
		Event:         re.event,
		RiskPolicySet: policySetRef{ID: re.policy.id, Name: re.policy.name},
		Result:        re.result,
		Details:       re.details,
	}
}

// riskRequest is the POST /riskEvaluations body.
type riskRequest struct {
	Event         *riskEventJSON `json:"event"`
	RiskPolicySet *policySetRef  `json:"riskPolicySet"`
}

var (
	userTypes         = []string{"EXTERNAL", "PING_ONE"}
	flowTypes         = []string{"AUTHENTICATION", "REGISTRATION", "ACCESS", "AUTHORIZATION", "TRANSACTION"}
	completionStatses = []string{"IN_PROGRESS", "SUCCESS", "FAILED"}
	sharingTypes      = []string{"UNSPECIFIED", "SHARED", "PRIVATE"}
)

// validateRiskEvent lists every problem with an event, as PingOne lists
// all validation errors in one response.
func validateRiskEvent(ev *riskEventJSON) []errorDetail {
	var ds []errorDetail
	add := func(code, target, msg string) { ds = append(ds, errorDetail{Code: code, Target: target, Message: msg}) }
	oneOf := func(target, v string, allowed []string) {
		if v != "" && !slices.Contains(allowed, v) {
			ds = append(ds, errorDetail{
				Code: detailInvalidValue, Target: target, Message: target + " must be one of the allowed values",
				InnerError: &innerError{AllowedValues: allowed},
			})
		}
	}
	if ev == nil {
		add(detailRequiredValue, "event", "event is required")
		return ds
	}
	switch _, err := netip.ParseAddr(ev.IP); {
	case ev.IP == "":
		add(detailRequiredValue, "event.ip", "event.ip is required")
	case err != nil:
		add(detailInvalidValue, "event.ip", "event.ip must be an IPv4 or IPv6 address")
	}
	switch {
	case ev.User == nil || ev.User.ID == "":
		add(detailRequiredValue, "event.user.id", "event.user.id is required")
	case ev.User.Type == "":
		add(detailRequiredValue, "event.user.type", "event.user.type is required (EXTERNAL or PING_ONE)")
	default:
		oneOf("event.user.type", ev.User.Type, userTypes)
	}
	if ev.Flow != nil {
		oneOf("event.flow.type", ev.Flow.Type, flowTypes)
	}
	oneOf("event.completionStatus", ev.CompletionStatus, completionStatses)
	oneOf("event.sharingType", ev.SharingType, sharingTypes)
	return ds
}

// createRiskEvaluation serves POST /riskEvaluations: 201 with the
// evaluation, and a RISK_EVALUATION.CREATED activity.
func (s *Server) createRiskEvaluation(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	if mt := mediaType(r); mt != "" && mt != ctJSON {
		return errUnsupportedMediaType(mt, ctJSON)
	}
	var req riskRequest
	if aerr := decodeBody(r, &req); aerr != nil {
		return aerr
	}
	if ds := validateRiskEvent(req.Event); len(ds) > 0 {
		return errInvalidData(ds...)
	}
	e := s.env
	e.mu.Lock()
	policy := e.policySets[0]
	if req.RiskPolicySet != nil && req.RiskPolicySet.ID != "" {
		i := slices.IndexFunc(e.policySets, func(p *riskPolicySet) bool { return p.id == req.RiskPolicySet.ID })
		if i < 0 {
			e.mu.Unlock()
			return invalidValue("riskPolicySet.id", "No risk policy set with this ID exists in the environment")
		}
		policy = e.policySets[i]
	}
	re := e.evaluateLocked(*req.Event, policy, c.now)
	var u *user
	if re.userID != "" {
		u = e.users[re.userID]
	}
	s.recordAPIActivityLocked(r, c, "RISK_EVALUATION.CREATED", riskResultText(re), u,
		ActivityResource{Type: "RISK_EVALUATION", ID: re.id})
	j := s.renderRisk(r, re)
	e.mu.Unlock()
	writeJSON(w, http.StatusCreated, j)
	return nil
}

func riskResultText(re *riskEvaluation) string {
	return fmt.Sprintf("Risk level %s (score %d) for %s", re.result.Level, int(re.result.Score), re.event.IP)
}

// getRiskEvaluation serves GET /riskEvaluations/{id}.
func (s *Server) getRiskEvaluation(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	e := s.env
	e.mu.RLock()
	re := e.risk[c.id]
	var j riskEvaluationJSON
	if re != nil {
		j = s.renderRisk(r, re)
	}
	e.mu.RUnlock()
	if re == nil {
		return errNotFound()
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

// updateRiskEvaluationEvent serves PUT /riskEvaluations/{id}/event
// {"completionStatus": "SUCCESS"|"FAILED"}: the outcome of the flow the
// evaluation was for, audited as RISK_EVALUATION.UPDATED.
func (s *Server) updateRiskEvaluationEvent(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	var body struct {
		CompletionStatus string `json:"completionStatus"`
	}
	if aerr := decodeBody(r, &body); aerr != nil {
		return aerr
	}
	switch body.CompletionStatus {
	case "SUCCESS", "FAILED":
	case "":
		return requiredValue("completionStatus", "completionStatus is required (SUCCESS or FAILED)")
	default:
		return invalidValue("completionStatus", "completionStatus must be SUCCESS or FAILED")
	}
	e := s.env
	e.mu.Lock()
	re := e.risk[c.id]
	if re == nil {
		e.mu.Unlock()
		return errNotFound()
	}
	re.event.CompletionStatus, re.updated = body.CompletionStatus, c.now
	var u *user
	if re.userID != "" {
		u = e.users[re.userID]
	}
	s.recordAPIActivityLocked(r, c, "RISK_EVALUATION.UPDATED", "Risk evaluation completed: "+body.CompletionStatus, u,
		ActivityResource{Type: "RISK_EVALUATION", ID: re.id})
	j := s.renderRisk(r, re)
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, j)
	return nil
}

// RiskSummary is a stored risk evaluation, for test assertions.
type RiskSummary struct {
	ID        string
	UserID    string
	IP        string
	Level     string
	Score     int
	CreatedAt time.Time
}

// RiskEvaluations returns the evaluations of the user with this ID or
// username (or all of them for ""), oldest first.
func (e *Env) RiskEvaluations(idOrUsername string) []RiskSummary {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var want string
	if idOrUsername != "" {
		u := e.resolveLocked(idOrUsername)
		if u == nil {
			return nil
		}
		want = u.id
	}
	var out []RiskSummary
	for _, re := range e.risk {
		if want == "" || re.userID == want {
			out = append(out, RiskSummary{
				ID: re.id, UserID: re.userID, IP: re.event.IP, Level: re.result.Level,
				Score: int(re.result.Score), CreatedAt: re.created,
			})
		}
	}
	slices.SortFunc(out, func(a, b RiskSummary) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}
