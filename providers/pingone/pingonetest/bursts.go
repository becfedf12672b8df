package pingonetest

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Bursts are attacks on demand: EmitBurst records, as of now, the audit
// activities a real attack leaves in PingOne, through the one path every
// activity takes, so they show in GET /activities and reach every
// matching subscription. They are built with the seed's flow helpers,
// so they have the shape of the seeded stories: one correlation ID per
// sign-on flow, the application as actors.client, the user as
// actors.user and resource, source IP and User-Agent, and Protect's risk
// evaluations (RISK_EVALUATION.CREATED/UPDATED) where the flow asks for
// one.

// Burst kinds.
const (
	BurstPasswordSpray    = "password_spray"
	BurstMFAFatigue       = "mfa_fatigue"
	BurstImpossibleTravel = "impossible_travel"
)

// BurstKinds lists the kinds EmitBurst knows.
func BurstKinds() []string {
	return []string{BurstImpossibleTravel, BurstMFAFatigue, BurstPasswordSpray}
}

// Errors of EmitBurst.
var (
	ErrUnknownBurst = errors.New("pingonetest: unknown burst kind")
	ErrNoUsers      = errors.New("pingonetest: the environment has no users to attack; start it with Seed")
)

// Burst is what EmitBurst recorded.
type Burst struct {
	Kind string `json:"kind"`
	// Count is len(ActivityIDs).
	Count int `json:"count"`
	// ActivityIDs are the recorded activities, in the order recorded.
	ActivityIDs []string `json:"activityIds"`
	// Users are the usernames attacked.
	Users []string `json:"users"`
	// IPs are the attackers' addresses.
	IPs []string `json:"ips"`
}

// Addresses of the bursts.
const (
	// BurstSprayIP is the one address a password spray comes from (the
	// environment's bad IP list has it: DemoBotnetIP).
	BurstSprayIP = DemoBotnetIP
	// BurstTravelIP is where the impossible second sign-in comes from
	// (Sao Paulo), minutes after one at the New York office.
	BurstTravelIP = "177.37.44.18"
)

// sprayTargets is how many users a password spray tries.
const sprayTargets = 15

// EmitBurst records a realistic attack on the environment's users as of
// the clock's now: BurstPasswordSpray (one IP tries fifteen users within
// two minutes: PASSWORD.CHECK_FAILED, or USER.ACCESS_DENIED for a user
// who cannot sign in), BurstMFAFatigue (DemoActiveUser's right password
// from Moscow, then push and OTP checks denied and failed for four
// minutes: OTP.CHECK_FAILED, OTP.CHECK_INVALID) or BurstImpossibleTravel
// (two successful sign-ins of DemoRiskyUser, New York then Sao Paulo 23
// minutes later, each ending in SESSION.CREATED). The demo users are
// attacked when the environment has them (SeedDemo), otherwise others.
func (s *Server) EmitBurst(kind string) (Burst, error) {
	e := s.env
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.userOrder) == 0 {
		return Burst{}, ErrNoUsers
	}
	now := e.now().UTC().Truncate(time.Millisecond)
	sd := &seeder{e: e, now: now}
	before := e.activities.seq
	b := Burst{Kind: kind}
	switch kind {
	case BurstPasswordSpray:
		sd.burstSpray(&b)
	case BurstMFAFatigue:
		sd.burstMFAFatigue(&b)
	case BurstImpossibleTravel:
		sd.burstImpossibleTravel(&b)
	default:
		return Burst{}, ErrUnknownBurst
	}
	var recorded []*storedActivity
	for _, sa := range e.activities.list {
		if sa.seq > before {
			recorded = append(recorded, sa)
		}
	}
	slices.SortFunc(recorded, func(a, b *storedActivity) int { return int(a.seq) - int(b.seq) })
	for _, sa := range recorded {
		b.ActivityIDs = append(b.ActivityIDs, sa.act.ID)
	}
	b.Count = len(b.ActivityIDs)
	return b, nil
}

// burstApp is the application a burst signs on to: name if the
// environment has it, else the first application.
func (sd *seeder) burstApp(name string) *application {
	if a := sd.e.appByNameLocked(name); a != nil {
		return a
	}
	return sd.e.appOrder[0]
}

// burstUser is the demo user named, or else the first user that passes ok.
func (sd *seeder) burstUser(username string, ok func(*user) bool) *user {
	if u := sd.e.byUsername[strings.ToLower(username)]; u != nil {
		return u
	}
	for _, u := range sd.e.userOrder {
		if ok(u) {
			return u
		}
	}
	return sd.e.userOrder[0]
}

func (sd *seeder) burstSpray(b *Burst) {
	app := sd.burstApp("Salesforce")
	attacker := device{browser: "Other", userAgent: sprayUserAgent}
	users := sd.e.userOrder
	step := max(1, len(users)/sprayTargets)
	var victims []*user
	for i := 0; i < len(users) && len(victims) < sprayTargets; i += step {
		victims = append(victims, users[i])
	}
	t := sd.now.Add(-time.Duration(len(victims))*6*time.Second - 5*time.Second)
	for _, u := range victims {
		f := sd.newFlow(u, app, t, BurstSprayIP, attacker)
		f.ok(0, "AUTHENTICATION.CREATED", "Authentication flow started")
		switch {
		case !u.enabled:
			f.fail(time.Second, "USER.ACCESS_DENIED", "User is disabled")
		case !u.canAuthenticate(f.t):
			f.fail(time.Second, "USER.ACCESS_DENIED", "User account is locked")
		default:
			f.fail(2*time.Second, "PASSWORD.CHECK_FAILED", "Invalid password")
			f.evaluate(time.Second)
		}
		f.fail(time.Second, "AUTHENTICATION.UPDATED", "Authentication flow failed")
		f.complete(0, "FAILED")
		b.Users = append(b.Users, u.username)
		t = t.Add(6 * time.Second)
	}
	b.IPs = []string{BurstSprayIP}
}

func (sd *seeder) burstMFAFatigue(b *Burst) {
	u := sd.burstUser(DemoActiveUser, func(u *user) bool { return u.mfaEnabled && u.enabled })
	f := sd.newFlow(u, sd.burstApp("Slack"), sd.now.Add(-4*time.Minute), DemoMoscowIP, devAttackerWin)
	f.ok(0, "AUTHENTICATION.CREATED", "Authentication flow started")
	f.ok(8*time.Second, "PASSWORD.CHECK_SUCCEEDED", "Password verified")
	f.evaluate(time.Second)
	for i := range 9 {
		if i%3 == 2 {
			f.fail(20*time.Second, "OTP.CHECK_INVALID", "Invalid one-time passcode")
			continue
		}
		f.fail(20*time.Second, "OTP.CHECK_FAILED", "Push notification denied by the user")
	}
	f.fail(5*time.Second, "AUTHENTICATION.UPDATED", "Authentication flow failed: too many failed MFA attempts")
	f.complete(0, "FAILED")
	b.Users, b.IPs = []string{u.username}, []string{DemoMoscowIP}
}

func (sd *seeder) burstImpossibleTravel(b *Burst) {
	u := sd.burstUser(DemoRiskyUser, func(u *user) bool { return u.canAuthenticate(sd.now) })
	app := sd.burstApp("Workday")
	signIn := func(at time.Time, ip string, dev device) {
		f := sd.newFlow(u, app, at, ip, dev)
		f.ok(0, "AUTHENTICATION.CREATED", "Authentication flow started")
		f.ok(7*time.Second, "PASSWORD.CHECK_SUCCEEDED", "Password verified")
		f.evaluate(time.Second)
		f.mfa(12*time.Second, false)
		f.ok(3*time.Second, "AUTHENTICATION.UPDATED", "Authentication flow completed")
		f.complete(0, "SUCCESS")
		f.session(time.Second)
	}
	signIn(sd.now.Add(-25*time.Minute), DemoOfficeIP, devMacChrome)
	signIn(sd.now.Add(-2*time.Minute), BurstTravelIP, devAttackerWin)
	b.Users, b.IPs = []string{u.username}, []string{DemoOfficeIP, BurstTravelIP}
}

// fakeControlPrefix is where the fake's own controls live, outside
// PingOne's API (/v1) and auth (/{envID}/as) namespaces.
const fakeControlPrefix = "/_fake/"

// serveFakeControl serves POST /_fake/bursts/{kind} (200 with the Burst,
// 404 for an unknown kind) and GET /_fake/bursts (the kinds), so that a
// sandbox user can trigger an attack with curl. It needs no token: the
// fake listens on loopback only.
func (s *Server) serveFakeControl(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, fakeControlPrefix)
	switch {
	case rest == "bursts" || rest == "bursts/":
		if r.Method != http.MethodGet {
			writeAPIError(w, errMethodNotAllowed([]string{http.MethodGet}))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"kinds": BurstKinds()})
	case strings.HasPrefix(rest, "bursts/") && !strings.Contains(strings.TrimPrefix(rest, "bursts/"), "/"):
		if r.Method != http.MethodPost {
			writeAPIError(w, errMethodNotAllowed([]string{http.MethodPost}))
			return
		}
		b, err := s.EmitBurst(strings.TrimPrefix(rest, "bursts/"))
		switch {
		case errors.Is(err, ErrUnknownBurst):
			e := errNotFound()
			e.message = "Unknown burst kind; the kinds are " + strings.Join(BurstKinds(), ", ") + "."
			writeAPIError(w, e)
		case err != nil:
			writeAPIError(w, &apiError{status: http.StatusConflict, code: codeRequestFailed, message: err.Error()})
		default:
			writeJSON(w, http.StatusOK, b)
		}
	default:
		writeAPIError(w, errNotFound())
	}
}
