package oktatest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// Push verification (spec verifyFactor and getFactorTransactionStatus): a
// POST .../factors/{factorId}/verify to an ACTIVE push factor answers 201
// with factorResult WAITING, an expiresAt and a poll link; each GET of the
// poll link answers the transaction's state at that moment:
//
//   - WAITING until the "user" answers or the push expires;
//   - SUCCESS or REJECTED once the user has answered (PushBehavior, or
//     Server.AnswerPush from a test);
//   - TIMEOUT from expiresAt on, when the user did not answer in time.
//
// State is computed from the fake's clock at each poll, so a test moves
// the clock (Options.Now) instead of sleeping.
//
// Decisions where the spec is silent:
//   - A push expires DefaultPushExpiry (5 minutes) after it was sent,
//     Okta Verify's documented challenge lifetime [UNCONFIRMED in the
//     spec, which gives expiresAt but no lifetime]; Server.SetPushExpiry
//     changes it.
//   - Verifying a factor that is not ACTIVE answers 400 E0000001; a
//     factor of another type answers as Okta does for factors that need a
//     challenge first (sms, call, email: 200 CHALLENGE) or a passcode
//     (400 E0000001).
//   - Polls keep working after the result is final (Okta keeps the
//     transaction for a while); an unknown transaction is 404 E0000007.

// DefaultPushExpiry is how long a push challenge waits for an answer.
const DefaultPushExpiry = 5 * time.Minute

// PushBehavior is how a user answers push challenges: Answer (PushApprove,
// PushReject, or "" for never) After the push arrives.
type PushBehavior struct {
	Answer string
	After  time.Duration
}

// Push answers.
const (
	PushApprove = "SUCCESS"
	PushReject  = "REJECTED"
)

// Seeded push behaviour (SeedDemo): every seeded user approves
// SeedPushDelay after the push arrives, but DemoPushRejectUser, who
// rejects it, and DemoPushSilentUser, who never answers (so the push
// times out).
const (
	SeedPushDelay = 4 * time.Second
	// DemoPushRejectUser is DemoActiveUser, whose phone was bombarded
	// with prompts from Moscow (see DemoActiveUser): asked again, the real
	// user says no.
	DemoPushRejectUser = DemoActiveUser
	// DemoPushSilentUser has a push factor but never answers.
	DemoPushSilentUser = DemoPasswordExpiredUser
)

// pushState is the org's push transactions and how users answer; guarded
// by Org.mu.
type pushState struct {
	expiry time.Duration
	// behavior is how each user answers, by user ID; a user without one
	// (any user a test adds) answers only through Server.AnswerPush.
	behavior map[string]PushBehavior
	tx       map[string]*pushTx
}

type pushTx struct {
	id, userID, factorID string
	expires              time.Time
	answer               string    // SUCCESS, REJECTED or "" (none yet)
	answerAt             time.Time // when answer takes effect
}

// result is the transaction's factorResult at now.
func (t *pushTx) result(now time.Time) string {
	if t.answer != "" && !now.Before(t.answerAt) && t.answerAt.Before(t.expires) {
		return t.answer
	}
	if !now.Before(t.expires) {
		return "TIMEOUT"
	}
	return "WAITING"
}

func (p *pushState) lifetime() time.Duration {
	if p.expiry > 0 {
		return p.expiry
	}
	return DefaultPushExpiry
}

// SetPushExpiry sets how long a new push challenge waits for an answer.
func (s *Server) SetPushExpiry(d time.Duration) {
	s.org.mu.Lock()
	defer s.org.mu.Unlock()
	s.org.push.expiry = d
}

// SetPushBehavior sets how the user (ID, login or shortname) answers push
// challenges sent from now on, and reports whether the user exists.
func (s *Server) SetPushBehavior(user string, b PushBehavior) bool {
	o := s.org
	o.mu.Lock()
	defer o.mu.Unlock()
	u := o.resolveLocked(user)
	if u == nil {
		return false
	}
	if o.push.behavior == nil {
		o.push.behavior = map[string]PushBehavior{}
	}
	o.push.behavior[u.id] = b
	return true
}

// AnswerPush answers the user's WAITING push challenges with result
// (PushApprove or PushReject) now, as the user tapping the phone would,
// and returns how many it answered.
func (s *Server) AnswerPush(user, result string) int {
	if result != PushApprove && result != PushReject {
		panic("oktatest: AnswerPush: result must be PushApprove or PushReject")
	}
	o := s.org
	o.mu.Lock()
	defer o.mu.Unlock()
	u := o.resolveLocked(user)
	if u == nil {
		return 0
	}
	now := o.now()
	n := 0
	for _, t := range o.push.tx {
		if t.userID == u.id && t.result(now) == "WAITING" {
			t.answer, t.answerAt = result, now
			n++
		}
	}
	return n
}

// PushesSent returns how many push challenges the user was sent.
func (s *Server) PushesSent(user string) int {
	o := s.org
	o.mu.RLock()
	defer o.mu.RUnlock()
	u := o.resolveLocked(user)
	if u == nil {
		return 0
	}
	n := 0
	for _, t := range o.push.tx {
		if t.userID == u.id {
			n++
		}
	}
	return n
}

// verifyFactor serves POST /api/v1/users/{userId}/factors/{factorId}/verify.
func (s *Server) verifyFactor(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if len(strings.TrimSpace(string(body))) > 0 {
		var v map[string]any
		if json.Unmarshal(body, &v) != nil {
			return newAPIError(http.StatusBadRequest, "E0000003", "The request body was not well-formed.")
		}
	}
	o := s.org
	o.mu.Lock()
	defer o.mu.Unlock()
	u := o.users[c.param]
	if u == nil {
		return errNotFound(c.param, "User")
	}
	var f *factor
	for _, ff := range u.factors {
		if ff.id == c.sub {
			f = ff
		}
	}
	if f == nil {
		return errNotFound(c.sub, "UserFactor")
	}
	if f.status != "ACTIVE" {
		return errValidation("factor", "The factor is not active and cannot be verified.")
	}
	base := s.baseURL(r)
	self := base + "/api/v1/users/" + u.id + "/factors/" + f.id
	switch f.factorType {
	case FactorPush:
	case FactorSMS, FactorCall, FactorEmail:
		writeJSON(w, http.StatusOK, map[string]any{
			"factorResult": "CHALLENGE",
			"_links":       map[string]hrefLink{"verify": {Href: self + "/verify", Hints: allow("POST")}},
		})
		return nil
	default:
		return errValidation("passCode", "A passCode or answer is required to verify this factor.")
	}
	if r.UserAgent() == "" {
		return errValidation("User-Agent", "The User-Agent header is required to verify a push factor.")
	}
	now := o.now()
	t := &pushTx{id: "v2mst." + randomString(22), userID: u.id, factorID: f.id, expires: now.Add(o.push.lifetime())}
	if b := o.push.behavior[u.id]; b.Answer != "" {
		t.answer, t.answerAt = b.Answer, now.Add(b.After)
	}
	if o.push.tx == nil {
		o.push.tx = map[string]*pushTx{}
	}
	o.push.tx[t.id] = t
	ev := s.apiEvent(r, c, now, "system.push.send_factor_verify_push", "A push was sent to the user for verification", u)
	o.appendLocked(ev, now)
	writeJSON(w, http.StatusCreated, s.renderPushTx(base, t, u, now, false))
	return nil
}

// getFactorTransaction serves GET
// /api/v1/users/{userId}/factors/{factorId}/transactions/{transactionId}.
func (s *Server) getFactorTransaction(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	factorID, txID, _ := strings.Cut(c.sub, "/")
	o := s.org
	o.mu.RLock()
	defer o.mu.RUnlock()
	u := o.users[c.param]
	if u == nil {
		return errNotFound(c.param, "User")
	}
	t := o.push.tx[txID]
	if t == nil || t.userID != u.id || t.factorID != factorID {
		return errNotFound(txID, "Transaction")
	}
	writeJSON(w, http.StatusOK, s.renderPushTx(s.baseURL(r), t, u, o.now(), true))
	return nil
}

// renderPushTx is the transaction as the verify answer (poll false) or a
// poll (poll true) shows it, in the shapes of the spec's examples.
func (s *Server) renderPushTx(base string, t *pushTx, u *user, now time.Time, poll bool) map[string]any {
	factorURL := base + "/api/v1/users/" + u.id + "/factors/" + t.factorID
	txURL := factorURL + "/transactions/" + t.id
	result := t.result(now)
	out := map[string]any{"factorResult": result}
	if poll {
		out["profile"] = map[string]string{"credentialId": u.login()}
	}
	switch result {
	case "WAITING":
		out["expiresAt"] = formatTime(t.expires)
		out["_links"] = map[string]hrefLink{
			"poll":   {Href: txURL, Hints: allow("GET")},
			"cancel": {Href: txURL, Hints: allow("DELETE")},
		}
	case "REJECTED", "TIMEOUT":
		out["_links"] = map[string]hrefLink{"verify": {Href: factorURL + "/verify", Hints: allow("POST")}}
	default: // SUCCESS
		delete(out, "profile")
	}
	return out
}

// seedPush gives the seeded users their push behaviour (see SeedPushDelay).
func (sd *seeder) seedPush() {
	p := &sd.o.push
	if p.behavior == nil {
		p.behavior = map[string]PushBehavior{}
	}
	for _, u := range sd.byLogin {
		p.behavior[u.id] = PushBehavior{Answer: PushApprove, After: SeedPushDelay}
	}
	if u := sd.byLogin[DemoPushRejectUser]; u != nil {
		p.behavior[u.id] = PushBehavior{Answer: PushReject, After: 3 * time.Second}
	}
	if u := sd.byLogin[DemoPushSilentUser]; u != nil {
		p.behavior[u.id] = PushBehavior{}
	}
}
