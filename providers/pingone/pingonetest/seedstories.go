package pingonetest

import (
	"fmt"
	"strings"
	"time"
)

// planStories plans the administrators' changes and the attack stories
// described on the Demo* constants.
func (sd *seeder) planStories(plan func(time.Time, func())) {
	e := sd.e
	awong, tmiller := sd.persona(DemoAdminUser), sd.persona(DemoHelpDeskUser)
	user := func(p *persona) ActivityResource { return ActivityResource{Type: "USER", ID: p.u.id} }
	portal, salesforce := sd.appNamed("Internal Portal"), sd.appNamed("Salesforce")

	// Onboarding: DemoNoPasswordUser created, not yet verified.
	lchen := sd.persona(DemoNoPasswordUser)
	plan(lchen.u.createdAt, func() {
		sd.admin(awong, lchen.u.createdAt, "USER.CREATED", "User created", user(lchen))
		sd.admin(awong, lchen.u.createdAt.Add(time.Minute), "MEMBER_OF_GROUP.CREATED", "Added to group Engineering",
			user(lchen), ActivityResource{Type: "GROUP", ID: e.groupByName["engineering"].id})
	})

	// Offboarding: the disabled users.
	for _, p := range sd.people {
		if p.u.enabled {
			continue
		}
		p := p
		at := p.activeUntil.Add(30 * time.Minute)
		plan(at, func() { sd.admin(awong, at, "USER.UPDATED", "User disabled", user(p)) })
	}
	bwilson := sd.persona(DemoDisabledUser)
	plan(sd.at(1, 8, 55), func() {
		f := sd.newFlow(bwilson.u, portal, sd.at(1, 8, 55), bwilson.home, bwilson.desktop)
		f.ok(0, "AUTHENTICATION.CREATED", "Authentication flow started")
		f.fail(5*time.Second, "AUTHENTICATION.UPDATED", "User is disabled")
	})

	// Help desk: a password lockout unlocked, and a reset.
	sjones := sd.persona("sjones@example.com")
	plan(sd.at(3, 8, 50), func() {
		f := sd.newFlow(sjones.u, portal, sd.at(3, 8, 50), sjones.home, sjones.desktop)
		f.ok(0, "AUTHENTICATION.CREATED", "Authentication flow started")
		for i := range 5 {
			desc := "Invalid password"
			if i == 4 {
				desc = "Invalid password; the password is locked out after too many failed attempts"
			}
			f.fail(20*time.Second, "PASSWORD.CHECK_FAILED", desc)
		}
		f.fail(time.Second, "AUTHENTICATION.UPDATED", "Password locked out")
		sd.admin(tmiller, sd.at(3, 9, 20), "PASSWORD.UNLOCKED", "Password unlocked by help desk", user(sjones))
		sd.admin(tmiller, sd.at(3, 9, 20).Add(time.Second), "USER.UNLOCKED", "User account unlocked", user(sjones))
	})
	ejohnson := sd.persona(DemoMustChangePasswordUser)
	plan(sd.now.Add(-6*time.Hour-30*time.Minute), func() {
		f := sd.newFlow(ejohnson.u, salesforce, sd.now.Add(-6*time.Hour-30*time.Minute), ejohnson.home, ejohnson.desktop)
		f.ok(0, "AUTHENTICATION.CREATED", "Authentication flow started")
		f.fail(15*time.Second, "PASSWORD.CHECK_FAILED", "Invalid password")
		f.fail(25*time.Second, "PASSWORD.CHECK_FAILED", "Invalid password")
		reset := sd.now.Add(-6 * time.Hour)
		sd.admin(tmiller, reset, "PASSWORD.RESET", "Password reset by help desk; change required at next sign-on", user(ejohnson))
		ejohnson.u.pwd.lastChangedAt, ejohnson.u.updatedAt = reset, reset
	})

	// A few profile updates.
	for i, idx := range []int{14, 21, 26, 38, 44} {
		p := sd.people[sd.workforce+idx]
		at := sd.at(6-i, 11, 5*i)
		plan(at, func() { sd.admin(awong, at, "USER.UPDATED", "User profile updated: title", user(p)) })
	}

	sd.planSpray(plan)
	sd.planMFAFatigue(plan)
	sd.planImpossibleTravel(plan)
	sd.planPasswordLockout(plan)
	sd.planAdminEscalation(plan)
}

// planSpray: password spraying against a dozen users from a botnet
// address and Lagos, then a focused attack on DemoLockedUser, whom the SOC
// locks through the worker application.
func (sd *seeder) planSpray(plan func(time.Time, func())) {
	kpatel := sd.persona(DemoLockedUser)
	salesforce := sd.appNamed("Salesforce")
	spray := device{browser: "Other", userAgent: sprayUserAgent}
	start := sd.sprayTime()
	plan(start, func() {
		t := start
		for i, idx := range sprayVictims {
			victim := sd.people[sd.workforce+idx]
			ip := DemoBotnetIP
			if i%3 == 2 {
				ip = DemoLagosIP
			}
			f := sd.newFlow(victim.u, salesforce, t, ip, spray)
			f.ok(0, "AUTHENTICATION.CREATED", "Authentication flow started")
			f.fail(2*time.Second, "PASSWORD.CHECK_FAILED", "Invalid password")
			t = t.Add(time.Duration(20+sd.rng.IntN(25)) * time.Second)
		}
		f := sd.newFlow(kpatel.u, salesforce, t.Add(3*time.Minute), DemoLagosIP, devAttackerWin)
		f.ok(0, "AUTHENTICATION.CREATED", "Authentication flow started")
		for range 4 {
			f.fail(50*time.Second, "PASSWORD.CHECK_FAILED", "Invalid password")
		}
		f.evaluate(2 * time.Second)
		f.fail(time.Second, "AUTHENTICATION.UPDATED", "Authentication flow failed")
		f.complete(0, "FAILED")

		soc := &flow{sd: sd, app: sd.e.worker, corr: seededUUID(sd.e.rng), t: sd.lockTime(), ip: DemoSOARIP,
			dev: device{userAgent: soarUserAgent}, tags: []string{"adminIdentityEvent"}}
		soc.emit(0, "USER.LOCKED", ResultSuccess, "User account locked", ActivityResource{Type: "USER", ID: kpatel.u.id})
	})
}

// planMFAFatigue: DemoActiveUser's password is used from Moscow at night;
// OTP prompts are rejected until one is accepted, and the attacker's
// session remains.
func (sd *seeder) planMFAFatigue(plan func(time.Time, func())) {
	jdoe := sd.persona(DemoActiveUser)
	at := sd.at(1, 3, 12)
	plan(at, func() {
		f := sd.newFlow(jdoe.u, sd.appNamed("Slack"), at, DemoMoscowIP, devAttackerWin)
		f.ok(0, "AUTHENTICATION.CREATED", "Authentication flow started")
		f.ok(9*time.Second, "PASSWORD.CHECK_SUCCEEDED", "Password verified")
		f.evaluate(time.Second)
		for range 4 {
			f.fail(45*time.Second, "OTP.CHECK_FAILED", "One-time passcode rejected by the user")
		}
		f.fail(40*time.Second, "OTP.CHECK_INVALID", "Invalid one-time passcode")
		f.ok(70*time.Second, "OTP.CHECK_SUCCESS", "One-time passcode verified")
		f.ok(2*time.Second, "AUTHENTICATION.UPDATED", "Authentication flow completed")
		f.complete(0, "SUCCESS")
		s := f.session(time.Second)
		s.activeAt = s.createdAt.Add(47 * time.Minute)
	})
}

// planImpossibleTravel: DemoRiskyUser signs in at the New York office,
// then 40 minutes later from Sao Paulo; hours later from a Tor exit.
func (sd *seeder) planImpossibleTravel(plan func(time.Time, func())) {
	rbrown := sd.persona(DemoRiskyUser)
	workday := sd.appNamed("Workday")
	office := sd.at(1, 9, 5)
	plan(office, func() { sd.ordinarySignIn(rbrown, office, workday, DemoOfficeIP, rbrown.desktop, true, false) })
	brazil := office.Add(40 * time.Minute)
	plan(brazil, func() {
		f := sd.newFlow(rbrown.u, workday, brazil, "177.37.210.9", devAttackerWin)
		f.ok(0, "AUTHENTICATION.CREATED", "Authentication flow started")
		f.fail(12*time.Second, "PASSWORD.CHECK_FAILED", "Invalid password")
		f.fail(31*time.Second, "PASSWORD.CHECK_FAILED", "Invalid password")
		f.ok(28*time.Second, "PASSWORD.CHECK_SUCCEEDED", "Password verified")
		f.evaluate(time.Second)
		f.fail(20*time.Second, "ASSERTION.CHECK_FAILED", "FIDO2 assertion failed: no credential for this origin")
		f.fail(35*time.Second, "ASSERTION.CHECK_FAILED", "FIDO2 assertion failed: no credential for this origin")
		f.fail(time.Second, "AUTHENTICATION.UPDATED", "Authentication flow failed")
		f.complete(0, "FAILED")
	})
	tor := sd.now.Add(-6 * time.Hour)
	plan(tor, func() {
		f := sd.newFlow(rbrown.u, workday, tor, DemoTorExitIP, devTorLinux)
		f.ok(0, "AUTHENTICATION.CREATED", "Authentication flow started")
		f.ok(14*time.Second, "PASSWORD.CHECK_SUCCEEDED", "Password verified")
		f.evaluate(time.Second)
		f.fail(25*time.Second, "ASSERTION.CHECK_FAILED", "FIDO2 assertion failed: timed out")
		f.fail(time.Second, "AUTHENTICATION.UPDATED", "Authentication flow failed")
		f.complete(0, "FAILED")
	})
}

// planPasswordLockout: five wrong passwords from a Tor exit lock
// DemoPasswordLockedUser's password out.
func (sd *seeder) planPasswordLockout(plan func(time.Time, func())) {
	mgarcia := sd.persona(DemoPasswordLockedUser)
	at := sd.torTime()
	plan(at, func() {
		f := sd.newFlow(mgarcia.u, sd.appNamed("Workday"), at, DemoTorExitIP, devTorLinux)
		f.ok(0, "AUTHENTICATION.CREATED", "Authentication flow started")
		for i := range 5 {
			desc := "Invalid password"
			if i == 4 {
				desc = "Invalid password; the password is locked out after too many failed attempts"
			}
			f.fail(time.Duration(15+5*i)*time.Second, "PASSWORD.CHECK_FAILED", desc)
		}
		f.evaluate(time.Second)
		f.fail(time.Second, "AUTHENTICATION.UPDATED", "Password locked out")
		f.complete(0, "FAILED")
	})
}

// planAdminEscalation: failed sign-ins to DemoAdminUser from Pyongyang;
// later a successful 02:40 sign-in from an Amsterdam VPS that grants
// DemoEscalatedUser Environment Admin and Finance Approvers.
func (sd *seeder) planAdminEscalation(plan func(time.Time, func())) {
	awong, dlee := sd.persona(DemoAdminUser), sd.persona(DemoEscalatedUser)
	portal := sd.appNamed("Internal Portal")
	kp := sd.at(4, 4, 13)
	plan(kp, func() {
		f := sd.newFlow(awong.u, portal, kp, DemoKPIP, devAttackerWin)
		f.ok(0, "AUTHENTICATION.CREATED", "Authentication flow started")
		for range 3 {
			f.fail(40*time.Second, "PASSWORD.CHECK_FAILED", "Invalid password")
		}
		f.evaluate(time.Second)
		f.fail(time.Second, "AUTHENTICATION.UPDATED", "Authentication flow failed")
		f.complete(0, "FAILED")
	})
	vps := sd.at(2, 2, 40)
	plan(vps, func() {
		f := sd.newFlow(awong.u, sd.console, vps, DemoVPSIP, devVPSLinux)
		f.ok(0, "AUTHENTICATION.CREATED", "Authentication flow started")
		f.ok(8*time.Second, "PASSWORD.CHECK_SUCCEEDED", "Password verified")
		f.evaluate(time.Second)
		f.ok(15*time.Second, "OTP.CHECK_SUCCESS", "One-time passcode verified")
		f.ok(2*time.Second, "AUTHENTICATION.UPDATED", "Authentication flow completed")
		f.complete(0, "SUCCESS")
		s := f.session(time.Second)
		s.activeAt = s.createdAt.Add(22 * time.Minute)

		f.tags = []string{"adminIdentityEvent"}
		var grant *roleAssignment
		for _, ra := range dlee.u.roles {
			if ra.role.name == RoleEnvironmentAdmin {
				grant = ra
			}
		}
		f.ok(7*time.Minute, "ROLE_ASSIGNMENT.CREATED", fmt.Sprintf("Role %s assigned to %s", RoleEnvironmentAdmin, dlee.u.username),
			ActivityResource{Type: "USER", ID: dlee.u.id}, ActivityResource{Type: "ROLE_ASSIGNMENT", ID: grant.id, Name: RoleEnvironmentAdmin})
		fa := sd.e.groupByName[strings.ToLower(GroupFinanceApprovers)]
		f.ok(2*time.Minute, "MEMBER_OF_GROUP.CREATED", "Added to group "+fa.name,
			ActivityResource{Type: "USER", ID: dlee.u.id}, ActivityResource{Type: "GROUP", ID: fa.id})
	})
}
