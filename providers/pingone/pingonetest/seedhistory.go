package pingonetest

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// This file generates the demo environment's audit history: a week of
// ordinary sign-ins (each a flow of AUTHENTICATION, PASSWORD, OTP or
// ASSERTION checks, sometimes a risk evaluation, and a session), the
// administrators' changes, and the attack stories told on the Demo*
// constants. Flows are planned first and then played in time order, so
// that every risk evaluation sees exactly the failures and sign-ins that
// came before it.

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s).Unmap() }

// plannedFlow is a flow to play at a given time.
type plannedFlow struct {
	at  time.Time
	run func()
}

// Story times, relative to the seed time.
func (sd *seeder) sprayTime() time.Time { return sd.now.Add(-20 * time.Hour) }
func (sd *seeder) lockTime() time.Time  { return sd.sprayTime().Add(41 * time.Minute) }
func (sd *seeder) torTime() time.Time   { return sd.now.Add(-5 * time.Hour) }

func (sd *seeder) history() {
	var plans []plannedFlow
	plan := func(at time.Time, run func()) {
		if at.Before(sd.now) {
			plans = append(plans, plannedFlow{at: at, run: run})
		}
	}
	for _, p := range sd.people {
		sd.planOrdinaryWeek(p, plan)
	}
	sd.planStories(plan)
	slices.SortStableFunc(plans, func(a, b plannedFlow) int { return a.at.Compare(b.at) })
	for _, p := range plans {
		p.run()
	}
}

// signInSpan bounds how long after its start an ordinary sign-in's last
// activity is recorded.
const signInSpan = time.Minute

// planOrdinaryWeek plans a persona's sign-ins over the seven days before
// the seed time: business hours on weekdays, a few evenings on the phone.
func (sd *seeder) planOrdinaryWeek(p *persona, plan func(time.Time, func())) {
	for d := 6; d >= 0; d-- {
		rate := p.perDay
		if wd := sd.at(d, 12, 0).In(demoZone).Weekday(); wd == time.Saturday || wd == time.Sunday {
			rate *= 0.15
		}
		n := int(rate)
		if sd.rng.Float64() < rate-float64(n) {
			n++
		}
		for range n {
			evening := sd.rng.Float64() < 0.1
			t := sd.at(d, 8, 0).Add(time.Duration(sd.rng.IntN(600)) * time.Minute)
			if evening {
				t = sd.at(d, 19, 0).Add(time.Duration(sd.rng.IntN(180)) * time.Minute)
			}
			t = t.Add(time.Duration(sd.rng.IntN(60)) * time.Second)
			// A sign-in's activities follow its start by up to a minute;
			// one planned later would be recorded after activeUntil (at
			// most the seed time: an activity in the future).
			if !t.Before(p.activeUntil.Add(-signInSpan)) {
				continue
			}
			ip, dev := p.home, p.desktop
			switch {
			case evening:
				dev = p.mobile
			case p.office != "" && sd.rng.Float64() < 0.7:
				ip = p.office
			case sd.rng.Float64() < 0.3:
				dev = p.mobile
			}
			app := sd.apps[sd.rng.IntN(len(sd.apps))]
			if sd.inGroup(p.u, GroupProdAccess) && sd.rng.Float64() < 0.25 {
				app = sd.aws
			}
			evaluate := sd.rng.Float64() < 0.35
			signOut := !p.keepAllSession && sd.rng.Float64() < 0.3
			plan(t, func() { sd.ordinarySignIn(p, t, app, ip, dev, evaluate, signOut) })
		}
	}
}

func (sd *seeder) inGroup(u *user, name string) bool {
	return slices.ContainsFunc(memberships(u), func(m membership) bool { return m.group.name == name })
}

// flow is one sign-on flow (or administrator action) being recorded: its
// activities share a correlation ID and a clock that moves forward.
type flow struct {
	sd   *seeder
	u    *user
	app  *application
	corr string
	t    time.Time
	ip   string
	dev  device
	eval *riskEvaluation
	tags []string
}

func (sd *seeder) newFlow(u *user, app *application, t time.Time, ip string, dev device) *flow {
	return &flow{sd: sd, u: u, app: app, corr: seededUUID(sd.e.rng), t: t, ip: ip, dev: dev}
}

// emit records an activity `after` the previous one.
func (f *flow) emit(after time.Duration, typ, result, desc string, resources ...ActivityResource) {
	f.t = f.t.Add(after)
	a := Activity{
		RecordedAt: f.t, CorrelationID: f.corr, Type: typ, Result: result, ResultDescription: desc,
		ClientID: f.app.id, IP: f.ip, UserAgent: f.dev.userAgent, Resources: resources, Tags: f.tags,
	}
	if f.u != nil {
		a.UserID = f.u.id
	}
	f.sd.e.appendActivityLocked(a, f.sd.now)
}

func (f *flow) ok(after time.Duration, typ, desc string, res ...ActivityResource) {
	f.emit(after, typ, ResultSuccess, desc, res...)
}

func (f *flow) fail(after time.Duration, typ, desc string, res ...ActivityResource) {
	f.emit(after, typ, ResultFailed, desc, res...)
}

// evaluate asks Protect about this sign-on, as the flow's policy does.
func (f *flow) evaluate(after time.Duration) {
	f.t = f.t.Add(after)
	e := f.sd.e
	f.eval = e.evaluateLocked(riskEventJSON{
		IP: f.ip,
		// EXTERNAL is the only user type the risk spec allows (PingOne also
		// accepts PING_ONE, and so does the fake's API).
		User:           &riskUserJSON{ID: f.u.id, Name: f.u.username, Type: "EXTERNAL"},
		Flow:           &flowJSON{Type: "AUTHENTICATION"},
		TargetResource: &targetResourceJSON{ID: f.app.id, Name: f.app.name},
	}, e.policySets[0], f.t)
	f.emit(0, "RISK_EVALUATION.CREATED", ResultSuccess, riskResultText(f.eval),
		ActivityResource{Type: "USER", ID: f.u.id}, ActivityResource{Type: "RISK_EVALUATION", ID: f.eval.id})
}

// complete reports the flow's outcome to Protect, if it was evaluated.
func (f *flow) complete(after time.Duration, status string) {
	if f.eval == nil {
		return
	}
	f.t = f.t.Add(after)
	f.eval.event.CompletionStatus, f.eval.updated = status, f.t
	f.emit(0, "RISK_EVALUATION.UPDATED", ResultSuccess, "Risk evaluation completed: "+status,
		ActivityResource{Type: "USER", ID: f.u.id}, ActivityResource{Type: "RISK_EVALUATION", ID: f.eval.id})
}

// session creates the flow's session and records the sign-on.
func (f *flow) session(after time.Duration) *session {
	f.ok(after, "SESSION.CREATED", "Session created")
	s := f.sd.e.newSessionLocked(f.t, f.dev, f.ip)
	f.u.addSession(s)
	if f.t.After(f.u.lastSignOn) {
		f.u.lastSignOn, f.u.lastSignOnIP = f.t, f.ip
	}
	return s
}

// mfa is the second factor of a successful sign-on.
func (f *flow) mfa(after time.Duration, fido bool) {
	if fido {
		f.ok(after, "ASSERTION.CHECK_SUCCESS", "FIDO2 assertion verified")
		return
	}
	f.ok(after, "OTP.CHECK_SUCCESS", "One-time passcode verified")
}

func (sd *seeder) ordinarySignIn(p *persona, t time.Time, app *application, ip string, dev device, evaluate, signOut bool) {
	f := sd.newFlow(p.u, app, t, ip, dev)
	f.ok(0, "AUTHENTICATION.CREATED", "Authentication flow started")
	if sd.rng.Float64() < p.typoRate {
		f.fail(6*time.Second, "PASSWORD.CHECK_FAILED", "Invalid password")
	}
	f.ok(7*time.Second, "PASSWORD.CHECK_SUCCEEDED", "Password verified")
	if evaluate {
		f.evaluate(time.Second)
	}
	if p.u.mfaEnabled {
		f.mfa(12*time.Second, p.fido)
	}
	f.ok(3*time.Second, "AUTHENTICATION.UPDATED", "Authentication flow completed")
	f.complete(0, "SUCCESS")
	s := f.session(time.Second)
	s.activeAt = minTime(s.createdAt.Add(time.Duration(5+sd.rng.IntN(235))*time.Minute), sd.now)
	if signOut && s.activeAt.Before(sd.now) {
		out := sd.newFlow(p.u, app, s.activeAt, ip, dev)
		out.ok(0, "SESSION.DELETED", "User signed out")
		if i, _ := p.u.sessionByID(s.id); i >= 0 {
			p.u.sessions = slices.Delete(p.u.sessions, i, i+1)
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// admin records an administrator's change made in the admin console.
func (sd *seeder) admin(actor *persona, t time.Time, typ, desc string, resources ...ActivityResource) {
	f := sd.newFlow(actor.u, sd.console, t, cmp.Or(actor.office, actor.home), actor.desktop)
	f.tags = []string{"adminIdentityEvent"}
	f.emit(0, typ, ResultSuccess, desc, resources...)
}

func (sd *seeder) persona(username string) *persona {
	for _, p := range sd.people {
		if strings.EqualFold(p.u.username, username) {
			return p
		}
	}
	panic("pingonetest: SeedDemo: no persona " + username)
}

func (sd *seeder) appNamed(name string) *application { return sd.e.appByNameLocked(name) }
