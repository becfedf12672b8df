package oktatest

import (
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"time"
)

// Bursts are attacks appended to the System Log on demand, as they happen:
// published over the last minutes and stored now, so that pollers pick
// them up and event hooks are sent them. They use the seeded org's users
// and the seeder's event builders, so each event has the shape of the
// demo org's history (actor, client with user agent and geography,
// outcome, target, transaction, debugContext, securityContext,
// authenticationContext).
const (
	// BurstPasswordSpray is one IP (a VPS in Amsterdam behind a script)
	// failing user.session.start with INVALID_CREDENTIALS for 15 ACTIVE
	// users, a few seconds apart, over about 75 seconds, ending with the
	// security.threat.detected event Okta's ThreatInsight writes.
	BurstPasswordSpray = "password_spray"
	// BurstMFAFatigue is an attacker who has the password of
	// DemoActiveUser (or the first ACTIVE user with Okta Verify) sending
	// 8 Okta Verify pushes from Moscow over 5 minutes: each
	// system.push.send_factor_verify_push is followed by
	// user.mfa.okta_verify.deny_push (denied) or, every third one,
	// user.authentication.auth_via_mfa FAILURE (ignored, timed out); then
	// the worn-down user approves one, and the attacker's
	// user.authentication.auth_via_mfa and user.session.start succeed.
	BurstMFAFatigue = "mfa_fatigue"
	// BurstImpossibleTravel is two successful sign-ins (the sign-on
	// policy evaluation, user.session.start and
	// user.authentication.auth_via_mfa each) of DemoActiveUser (or the
	// first ACTIVE user) 18 minutes apart: from the New York office,
	// then from Singapore, 15,000 km away.
	BurstImpossibleTravel = "impossible_travel"
)

// BurstKinds lists the kinds EmitBurst knows.
var BurstKinds = []string{BurstPasswordSpray, BurstMFAFatigue, BurstImpossibleTravel}

// ErrUnknownBurst is returned by EmitBurst for a kind it does not know.
var ErrUnknownBurst = fmt.Errorf("oktatest: unknown burst kind (known: %v)", BurstKinds)

var netSingapore = &seedNet{"203.117.42.18", "Singapore", "Singapore", "Singapore", "018989", 1.2789, 103.8536, 4657, "starhub ltd", "starhub", "starhub.com", false}

// EmitBurst appends the attack kind names (a Burst* constant) to the
// System Log and returns its events, in the order they were stored. The
// org needs ACTIVE users (Options.Seed).
func (s *Server) EmitBurst(kind string) ([]LogEvent, error) {
	if !slices.Contains(BurstKinds, kind) {
		return nil, fmt.Errorf("%w: %q", ErrUnknownBurst, kind)
	}
	o := s.org
	o.mu.Lock()
	defer o.mu.Unlock()
	now := s.now()
	var seed [32]byte
	_, _ = rand.Read(seed[:])
	src := mrand.NewChaCha8(seed)
	sd := &seeder{o: o, now: now, src: src, rng: mrand.New(src), lastLogin: map[*user]time.Time{}}

	var active []*user
	for _, id := range o.userIDs {
		if u := o.users[id]; u.status == StatusActive && u.profile["userType"] != "Service" {
			active = append(active, u)
		}
	}
	if len(active) == 0 {
		return nil, fmt.Errorf("oktatest: burst %s: the org has no ACTIVE users (start the fake with Seed)", kind)
	}
	victim := active[0]
	if u := o.byLogin[DemoActiveUser]; u != nil && u.status == StatusActive {
		victim = u
	}
	switch kind {
	case BurstPasswordSpray:
		sd.burstSpray(active)
	case BurstMFAFatigue:
		if pushFactor(victim) == nil {
			for _, u := range active {
				if pushFactor(u) != nil {
					victim = u
					break
				}
			}
		}
		sd.burstFatigue(victim)
	case BurstImpossibleTravel:
		sd.burstTravel(victim)
	}
	slices.SortStableFunc(sd.events, func(a, b LogEvent) int { return a.Published.Compare(b.Published) })
	for _, ev := range sd.events {
		o.appendLocked(ev, now)
	}
	return sd.events, nil
}

func pushFactor(u *user) *factor {
	for _, f := range u.factors {
		if f.factorType == FactorPush {
			return f
		}
	}
	return nil
}

func (sd *seeder) burstSpray(users []*user) {
	start := sd.now.Add(-80 * time.Second)
	for i, u := range users[:min(15, len(users))] {
		sd.failedSignIn(userActor(u), start.Add(time.Duration(i*5)*time.Second), netVPS, scriptUA, "INVALID_CREDENTIALS", passwordTarget(u))
	}
	sd.emit(sd.now.Add(-time.Second), "security.threat.detected", "Password Spray", unknownActor, netVPS, scriptUA, "DENY", "Password Spray", "/idp/idx/identify")
}

func (sd *seeder) burstFatigue(u *user) {
	actor := userActor(u)
	target := passwordTarget(u)
	if f := pushFactor(u); f != nil {
		target = factorTarget(f)
	}
	t := sd.now.Add(-6 * time.Minute)
	sd.emit(t, "policy.evaluate_sign_on", "Evaluation of sign-on policy", actor, netMoscow, attackerUA, "CHALLENGE", "Sign-on policy evaluation resulted in CHALLENGE", "/idp/idx/introspect", dashboardTarget)
	for i := range 8 {
		at := t.Add(time.Duration(10+i*36) * time.Second)
		sd.emit(at, "system.push.send_factor_verify_push", "A push notification was sent to the user's Okta Verify app", actor, netMoscow, attackerUA, "SUCCESS", "", "/idp/idx/challenge", target)
		if i%3 == 2 {
			sd.emit(at.Add(30*time.Second), "user.authentication.auth_via_mfa", "Authentication of user via MFA", actor, netMoscow, attackerUA, "FAILURE", "Okta Verify push timed out", "/idp/idx/authenticators/poll", target)
		} else {
			sd.emit(at.Add(9*time.Second), "user.mfa.okta_verify.deny_push", "User rejected Okta push verify", actor, netMoscow, attackerUA, "FAILURE", "User rejected Okta Verify push", "/idp/idx/authenticators/poll", target)
		}
	}
	ok := t.Add(5*time.Minute + 20*time.Second)
	sd.emit(ok, "system.push.send_factor_verify_push", "A push notification was sent to the user's Okta Verify app", actor, netMoscow, attackerUA, "SUCCESS", "", "/idp/idx/challenge", target)
	sd.emit(ok.Add(12*time.Second), "user.authentication.auth_via_mfa", "Authentication of user via MFA", actor, netMoscow, attackerUA, "SUCCESS", "", "/idp/idx/authenticators/poll", target, dashboardTarget)
	sd.emit(ok.Add(15*time.Second), "user.session.start", "User login to Okta", actor, netMoscow, attackerUA, "SUCCESS", "", "/idp/idx/identify", passwordTarget(u), dashboardTarget)
}

func (sd *seeder) burstTravel(u *user) {
	sd.signIn(u, sd.now.Add(-20*time.Minute), netNYCOffice, desktopUAs[0])
	sd.signIn(u, sd.now.Add(-2*time.Minute), netSingapore, mobileUA)
}
