package oktatest

import (
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// This file generates the demo org's System Log: a week of ordinary
// sign-ins and SSO, the status changes behind every non-ACTIVE user, and the
// attack stories described on the Demo* constants. Everything is drawn
// from the seeder's fixed-seed generator and placed relative to the seed
// time, so the same time gives the same log.

// seedNet is a network location: IP, geography and the network's owner.
type seedNet struct {
	ip, city, state, country, postal string
	lat, lon                         float64
	asn                              int
	asOrg, isp, domain               string
	proxy                            bool
}

func (n *seedNet) geo() *LogGeographicalContext {
	return &LogGeographicalContext{
		City: n.city, State: n.state, Country: n.country, PostalCode: n.postal,
		Geolocation: &LogGeolocation{Lat: n.lat, Lon: n.lon},
	}
}

func (n *seedNet) security() *LogSecurityContext {
	sc := &LogSecurityContext{AsNumber: intPtr(n.asn), AsOrg: strPtr(n.asOrg), ISP: strPtr(n.isp), IsProxy: boolPtr(n.proxy)}
	if n.domain != "" {
		sc.Domain = strPtr(n.domain)
	}
	return sc
}

// Networks. Addresses are from the documentation ranges (RFC 5737), except
// a few plausible public addresses for the unusual countries.
var (
	netNYCOffice = &seedNet{"198.51.100.10", "New York", "New York", "United States", "10013", 40.7209, -74.0007, 64500, "example corp", "verizon business", "example.com", false}
	netSFOffice  = &seedNet{"198.51.100.42", "San Francisco", "California", "United States", "94107", 37.7697, -122.3933, 64500, "example corp", "comcast business", "example.com", false}
	netVPN       = &seedNet{"192.0.2.15", "Ashburn", "Virginia", "United States", "20147", 39.0438, -77.4874, 64501, "example corp vpn", "example corp", "example.com", false}
	officeNets   = []*seedNet{netNYCOffice, netNYCOffice, netSFOffice}
	homeNets     = []*seedNet{
		{"203.0.113.21", "Brooklyn", "New York", "United States", "11201", 40.6943, -73.9903, 11351, "charter communications", "spectrum", "spectrum.com", false},
		{"203.0.113.57", "Austin", "Texas", "United States", "78701", 30.2711, -97.7437, 7018, "at&t services", "at&t", "att.net", false},
		{"203.0.113.88", "Chicago", "Illinois", "United States", "60601", 41.8858, -87.6181, 7922, "comcast cable", "comcast", "comcast.net", false},
		{"203.0.113.130", "Seattle", "Washington", "United States", "98101", 47.6101, -122.3344, 7922, "comcast cable", "comcast", "comcast.net", false},
		{"203.0.113.164", "Boston", "Massachusetts", "United States", "02110", 42.3570, -71.0511, 701, "verizon business", "verizon fios", "verizon.net", false},
		{"203.0.113.201", "Denver", "Colorado", "United States", "80202", 39.7525, -104.9995, 209, "centurylink", "lumen", "centurylink.net", false},
	}
	netMoscow    = &seedNet{"95.173.136.72", "Moscow", "Moscow", "Russia", "101000", 55.7558, 37.6173, 12389, "rostelecom", "rostelecom", "rt.ru", false}
	netLagos     = &seedNet{"105.112.96.14", "Lagos", "Lagos", "Nigeria", "100001", 6.5244, 3.3792, 36873, "airtel networks limited", "airtel nigeria", "airtel.com.ng", false}
	netSaoPaulo  = &seedNet{"177.37.210.9", "Sao Paulo", "Sao Paulo", "Brazil", "01310-100", -23.5505, -46.6333, 28573, "claro nxt telecomunicacoes ltda", "claro brasil", "claro.com.br", false}
	netPyongyang = &seedNet{"175.45.176.3", "Pyongyang", "Pyongyang", "North Korea", "", 39.0392, 125.7625, 131279, "ryugyong-dong", "star joint venture co. ltd.", "", false}
	netVPS       = &seedNet{"192.0.2.200", "Amsterdam", "North Holland", "Netherlands", "1012", 52.3676, 4.9041, 64512, "hosting provider b.v.", "hosting provider", "", true}
)

// seedUA is a client: raw user agent and how Okta classifies it.
type seedUA struct{ raw, os, browser, device string }

var (
	desktopUAs = []*seedUA{
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", "Mac OS X", "CHROME", "Computer"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87", "Windows 10", "EDGE", "Computer"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "Mac OS X", "SAFARI", "Computer"},
		{"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0", "Linux", "FIREFOX", "Computer"},
	}
	mobileUA   = &seedUA{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "iOS", "SAFARI", "Mobile"}
	attackerUA = &seedUA{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0", "Windows 10", "FIREFOX", "Computer"}
	scriptUA   = &seedUA{"python-requests/2.31.0", "Unknown", "UNKNOWN", "Unknown"}
)

// at is local (demo zone) time of day on the day d days before the seed
// time's local date.
func (sd *seeder) at(daysAgo, hour, minute int) time.Time {
	l := sd.now.In(demoZone)
	return time.Date(l.Year(), l.Month(), l.Day()-daysAgo, hour, minute, sd.rng.IntN(60), 0, demoZone).UTC()
}

func userActor(u *user) LogActor {
	return LogActor{ID: u.id, Type: "User", AlternateID: u.login(), DisplayName: u.displayName()}
}

var unknownActor = LogActor{ID: "unknown", Type: "User", AlternateID: "unknown", DisplayName: "Unknown"}

// emit records an event if it is not in the future. uri is the request
// URI Okta would show in debugData.
func (sd *seeder) emit(at time.Time, eventType, message string, actor LogActor, n *seedNet, ua *seedUA,
	result, reason, uri string, targets ...LogTarget) {
	if at.After(sd.now) {
		return
	}
	id, _ := uuid.NewRandomFromReader(sd.src)
	reqID := randString(sd.rng, 27)
	severity := "INFO"
	if result == "FAILURE" || result == "DENY" || eventType == "security.threat.detected" {
		severity = "WARN"
	}
	ev := LogEvent{
		UUID: id.String(), Published: at.Truncate(time.Millisecond), EventType: eventType, Version: "0",
		Severity: severity, DisplayMessage: message, LegacyEventType: legacyEventTypes[eventType],
		Actor: actor,
		Client: &LogClient{
			UserAgent: &LogUserAgent{RawUserAgent: ua.raw, OS: ua.os, Browser: ua.browser},
			Device:    ua.device, IPAddress: n.ip, GeographicalContext: n.geo(),
		},
		AuthenticationContext: &LogAuthenticationContext{ExternalSessionID: "102" + randString(sd.rng, 22)},
		Outcome:               &LogOutcome{Result: result, Reason: reason},
		Target:                targets,
		Transaction:           &LogTransaction{Type: "WEB", ID: reqID},
		DebugContext:          &LogDebugContext{DebugData: map[string]any{"requestId": reqID, "requestUri": uri, "url": uri}},
		SecurityContext:       n.security(),
		Request:               &LogRequest{IPChain: []LogIPAddress{{IP: n.ip, GeographicalContext: n.geo(), Version: "V4"}}},
	}
	if ua.device == "Computer" && (eventType == "user.session.start" || eventType == "user.authentication.auth_via_mfa") {
		ev.Device = &LogDevice{
			ID: "guo" + randString(sd.rng, 17), Name: "Workstation", OSPlatform: ua.os, OSVersion: "14.5.0",
			Managed: n != netMoscow && n != netLagos && n != netPyongyang, Registered: true,
			DiskEncryptionType: "ALL_INTERNAL_VOLUMES", ScreenLockType: "BIOMETRIC", SecureHardwarePresent: true,
		}
	}
	sd.events = append(sd.events, ev)
}

var dashboardTarget = LogTarget{ID: "0oadashboard00000001", Type: "AppInstance", AlternateID: "Okta Dashboard", DisplayName: "Okta Dashboard"}

func passwordTarget(u *user) LogTarget {
	return LogTarget{ID: "lae" + u.id[3:], Type: "AuthenticatorEnrollment", AlternateID: "unknown", DisplayName: "Password"}
}

func factorTarget(f *factor) LogTarget {
	name := map[string]string{
		FactorPush: "Okta Verify", FactorSMS: "Phone", FactorCall: "Phone", FactorTOTP: "Google Authenticator",
		FactorWebAuthn: "Security Key or Biometric", FactorEmail: "Email", FactorQuestion: "Security Question",
	}[f.factorType]
	return LogTarget{ID: f.id, Type: "AuthenticatorEnrollment", AlternateID: "unknown", DisplayName: name}
}

// signIn emits a successful interactive sign-in with MFA.
func (sd *seeder) signIn(u *user, at time.Time, n *seedNet, ua *seedUA) {
	actor := userActor(u)
	sd.emit(at, "policy.evaluate_sign_on", "Evaluation of sign-on policy", actor, n, ua, "ALLOW", "Sign-on policy evaluation resulted in ALLOW", "/idp/idx/introspect", dashboardTarget)
	sd.emit(at.Add(4*time.Second), "user.session.start", "User login to Okta", actor, n, ua, "SUCCESS", "", "/idp/idx/identify", passwordTarget(u), dashboardTarget)
	if len(u.factors) > 0 {
		f := u.factors[sd.rng.IntN(len(u.factors))]
		sd.emit(at.Add(11*time.Second), "user.authentication.auth_via_mfa", "Authentication of user via MFA", actor, n, ua, "SUCCESS", "", "/idp/idx/challenge/answer", factorTarget(f), dashboardTarget)
	}
	if !at.After(sd.now) && at.After(sd.lastLogin[u]) {
		sd.lastLogin[u] = at.Add(4 * time.Second)
	}
}

func (sd *seeder) failedSignIn(actor LogActor, at time.Time, n *seedNet, ua *seedUA, reason string, targets ...LogTarget) {
	sd.emit(at, "user.session.start", "User login to Okta", actor, n, ua, "FAILURE", reason, "/idp/idx/identify", targets...)
}

func (sd *seeder) sso(u *user, at time.Time, n *seedNet, ua *seedUA, a *assignment) {
	sd.emit(at, "user.authentication.sso", "User single sign on to app", userActor(u), n, ua, "SUCCESS", "",
		"/app/"+a.app.name+"/"+a.app.id+"/sso/saml",
		LogTarget{ID: a.app.id, Type: "AppInstance", AlternateID: a.app.label, DisplayName: a.app.label},
		LogTarget{ID: a.id, Type: "AppUser", AlternateID: u.login(), DisplayName: u.displayName()})
}

// admin emits an action DemoAdminUser took on u from the admin console.
func (sd *seeder) admin(at time.Time, eventType, message, uri string, targets ...LogTarget) {
	a := sd.byLogin[DemoAdminUser]
	sd.emit(at, eventType, message, userActor(a), netVPN, desktopUAs[0], "SUCCESS", "", uri, targets...)
}

func (sd *seeder) seedEvents() {
	sd.lastLogin = map[*user]time.Time{}
	sd.cutoff = map[*user]time.Time{}
	// Stories first: they fix when the fixtures changed status, which
	// bounds their ordinary daily sign-ins.
	sd.seedStatusChanges()
	sd.seedStories()
	sd.seedDailyActivity()
	for u, t := range sd.lastLogin {
		u.lastLogin = t
	}
	for _, u := range sd.o.users {
		if u.lastLogin.IsZero() && u.hasPassword && u.status != StatusStaged && u.status != StatusProvisioned && sd.byLogin[u.login()] == u {
			u.lastLogin = sd.now.Add(-sd.days(8 + sd.rng.Float64()*20)).Truncate(time.Second)
		}
	}
}

// statusChange records when u reached its current status, and stops its
// ordinary sign-ins from then on.
func (sd *seeder) statusChange(u *user, at time.Time) {
	at = at.Truncate(time.Second)
	sd.cutoff[u] = at
	u.statusChanged, u.lastUpdated = at, at
}

// seedStatusChanges explains every non-ACTIVE user with the events that put
// it there.
func (sd *seeder) seedStatusChanges() {
	var users []*user
	for _, id := range sd.o.userIDs {
		if u := sd.o.users[id]; sd.byLogin[u.login()] == u {
			users = append(users, u)
		}
	}
	for _, u := range users {
		target := userTarget(u)
		uri := "/api/v1/users/" + u.id
		if isFixture(u.login()) && u.status != StatusStaged && u.status != StatusProvisioned && u.status != StatusRecovery {
			continue // the other fixtures' stories are told in seedStories
		}
		switch u.status {
		case StatusSuspended:
			t := sd.at(2+sd.rng.IntN(3), 10+sd.rng.IntN(6), sd.rng.IntN(60))
			sd.admin(t, "user.lifecycle.suspend", "Suspend Okta user", uri+"/lifecycle/suspend", target)
			sd.statusChange(u, t)
		case StatusLockedOut:
			t := sd.at(1+sd.rng.IntN(3), 9+sd.rng.IntN(8), sd.rng.IntN(60))
			n, ua := sd.homeNets[u], sd.uas[u]
			for i := range 5 {
				sd.failedSignIn(userActor(u), t.Add(time.Duration(i*25)*time.Second), n, ua, "INVALID_CREDENTIALS", passwordTarget(u))
			}
			sd.emit(t.Add(126*time.Second), "user.account.lock", "Max sign in attempts exceeded", userActor(u), n, ua, "SUCCESS", "", "/idp/idx/challenge/answer", target)
			sd.statusChange(u, t.Add(126*time.Second))
		case StatusPasswordExpired:
			t := sd.at(1+sd.rng.IntN(4), 11, sd.rng.IntN(60))
			sd.admin(t, "user.account.expire_password", "Expire password for Okta user", uri+"/lifecycle/expire_password", target)
			sd.statusChange(u, t)
		case StatusRecovery:
			t := sd.at(sd.rng.IntN(3), 9, sd.rng.IntN(60))
			if u.login() == DemoRecoveryUser {
				t = sd.now.Add(-6 * time.Hour)
			}
			sd.admin(t, "user.account.reset_password", "Reset password for Okta user", uri+"/lifecycle/reset_password", target)
			sd.statusChange(u, t)
		case StatusDeprovisioned:
			t := sd.at(1+sd.rng.IntN(5), 16, sd.rng.IntN(60))
			sd.admin(t, "user.lifecycle.deactivate", "Deactivate Okta user", uri+"/lifecycle/deactivate", target)
			for i, label := range []string{"Slack", "Google Workspace"} {
				a := sd.o.appByLabel[strings.ToLower(label)]
				sd.admin(t.Add(time.Duration(i+1)*time.Second), "application.user_membership.remove", "Remove user from application membership", uri,
					LogTarget{ID: a.id, Type: "AppInstance", AlternateID: a.label, DisplayName: a.label}, target)
			}
			sd.statusChange(u, t)
		case StatusStaged, StatusProvisioned:
			t := u.created
			if t.Before(sd.now.Add(-sd.days(6.5))) {
				t = sd.now.Add(-sd.days(3))
			}
			sd.admin(t, "user.lifecycle.create", "Create Okta user", "/api/v1/users", target)
			if u.status == StatusProvisioned {
				act := t.Add(20 * time.Minute)
				sd.admin(act, "user.lifecycle.activate", "Activate Okta user", uri+"/lifecycle/activate", target)
				for i, a := range u.apps {
					sd.admin(act.Add(time.Duration(i+1)*time.Second), "application.user_membership.add", "Add user to application membership", uri,
						LogTarget{ID: a.app.id, Type: "AppInstance", AlternateID: a.app.label, DisplayName: a.app.label},
						LogTarget{ID: a.id, Type: "AppUser", AlternateID: u.login(), DisplayName: u.displayName()}, target)
				}
				sd.statusChange(u, act)
			} else {
				sd.statusChange(u, t)
			}
		}
	}
}

func isFixture(login string) bool {
	switch login {
	case DemoActiveUser, DemoAdminUser, DemoSuspendedUser, DemoLockedUser, DemoStagedUser,
		DemoProvisionedUser, DemoDeprovisionedUser, DemoPasswordExpiredUser, DemoRecoveryUser:
		return true
	}
	return false
}

// seedDailyActivity emits a week of ordinary work: most users sign in on
// weekday mornings from their usual network, use a few apps, and
// sometimes sign out or mistype their password.
func (sd *seeder) seedDailyActivity() {
	signsIn := func(u *user) bool {
		switch u.status {
		case StatusActive:
			return true
		case StatusSuspended, StatusLockedOut, StatusPasswordExpired, StatusRecovery, StatusDeprovisioned:
			return !sd.cutoff[u].IsZero() || isFixture(u.login())
		}
		return false
	}
	var users []*user
	for _, id := range sd.o.userIDs {
		u := sd.o.users[id]
		if sd.byLogin[u.login()] == u && signsIn(u) && u.profile["userType"] != "Service" {
			users = append(users, u)
		}
	}
	for d := 6; d >= 0; d-- {
		weekday := sd.at(d, 12, 0).In(demoZone).Weekday()
		p := 0.85
		if weekday == time.Saturday || weekday == time.Sunday {
			p = 0.15
		}
		for _, u := range users {
			if sd.rng.Float64() >= p {
				continue
			}
			t := sd.at(d, 8+sd.rng.IntN(3), sd.rng.IntN(60))
			if c := sd.cutoff[u]; !c.IsZero() && t.After(c.Add(-2*time.Hour)) {
				continue
			}
			n, ua := sd.homeNets[u], sd.uas[u]
			if sd.rng.IntN(12) == 0 {
				sd.failedSignIn(userActor(u), t.Add(-40*time.Second), n, ua, "INVALID_CREDENTIALS", passwordTarget(u))
			}
			sd.signIn(u, t, n, ua)
			for range 1 + sd.rng.IntN(3) {
				if len(u.apps) == 0 {
					break
				}
				sd.sso(u, t.Add(time.Duration(1+sd.rng.IntN(180))*time.Minute), n, ua, u.apps[sd.rng.IntN(len(u.apps))])
			}
			if sd.rng.IntN(2) == 0 {
				sd.emit(t.Add(time.Duration(8*60+sd.rng.IntN(90))*time.Minute), "user.session.end", "User logout from Okta",
					userActor(u), n, ua, "SUCCESS", "", "/login/signout")
			}
		}
	}
	// A few benign odd-hour sign-ins from home (02:00–04:00 local), and a
	// salesperson travelling in Brazil: noise an analyst must tell apart
	// from the real stories.
	for i := range 3 {
		u := users[sd.rng.IntN(len(users))]
		if isFixture(u.login()) || u.status != StatusActive {
			continue
		}
		sd.signIn(u, sd.at(1+i*2, 2+sd.rng.IntN(2), sd.rng.IntN(60)), homeNets[sd.rng.IntN(len(homeNets))], mobileUA)
	}
	for _, u := range users {
		if u.profile["department"] == "Sales" && u.status == StatusActive && !isFixture(u.login()) {
			t := sd.at(3, 9, 15)
			sd.signIn(u, t, netSaoPaulo, mobileUA)
			if len(u.apps) > 0 {
				sd.sso(u, t.Add(5*time.Minute), netSaoPaulo, mobileUA, u.apps[len(u.apps)-1])
			}
			break
		}
	}
}

// seedStories emits the attack and admin stories around the fixtures.
func (sd *seeder) seedStories() {
	jdoe, admin := sd.byLogin[DemoActiveUser], sd.byLogin[DemoAdminUser]
	bwilson, kpatel := sd.byLogin[DemoSuspendedUser], sd.byLogin[DemoLockedUser]
	mgarcia, ejohnson := sd.byLogin[DemoDeprovisionedUser], sd.byLogin[DemoPasswordExpiredUser]

	// DemoActiveUser: MFA fatigue from Moscow at 03:12 local, then success.
	t := sd.now.Add(-26 * time.Hour).In(demoZone)
	t = time.Date(t.Year(), t.Month(), t.Day(), 3, 12, 7, 0, demoZone).UTC()
	actor := userActor(jdoe)
	push := jdoe.factors[0]
	sd.emit(t, "policy.evaluate_sign_on", "Evaluation of sign-on policy", actor, netMoscow, attackerUA, "CHALLENGE", "Sign-on policy evaluation resulted in CHALLENGE", "/idp/idx/introspect", dashboardTarget)
	for i := range 9 {
		sd.emit(t.Add(time.Duration(20+i*38)*time.Second), "user.mfa.factor.attempt_fail", "Authentication of user via MFA failed",
			actor, netMoscow, attackerUA, "FAILURE", "User rejected Okta Verify push", "/idp/idx/authenticators/poll", factorTarget(push))
	}
	ok := t.Add(6 * time.Minute)
	sd.emit(ok, "user.authentication.auth_via_mfa", "Authentication of user via MFA", actor, netMoscow, attackerUA, "SUCCESS", "", "/idp/idx/authenticators/poll", factorTarget(push), dashboardTarget)
	sd.emit(ok.Add(3*time.Second), "user.session.start", "User login to Okta", actor, netMoscow, attackerUA, "SUCCESS", "", "/idp/idx/identify", passwordTarget(jdoe), dashboardTarget)
	for i, label := range []string{"AWS", "GitHub"} {
		for _, a := range jdoe.apps {
			if a.app.label == label {
				sd.sso(jdoe, ok.Add(time.Duration(4+i*3)*time.Minute), netMoscow, attackerUA, a)
			}
		}
	}

	// DemoLockedUser: password spraying from Lagos, then the lock.
	t = sd.now.Add(-20 * time.Hour).Truncate(time.Minute)
	sprayed := 0
	for _, id := range sd.o.userIDs {
		u := sd.o.users[id]
		if sprayed == 13 || sd.byLogin[u.login()] != u || u == kpatel || u.status != StatusActive {
			continue
		}
		for j := range 1 + sprayed%2 {
			sd.failedSignIn(userActor(u), t.Add(time.Duration(sprayed*35+j*9)*time.Second), netLagos, scriptUA, "INVALID_CREDENTIALS", passwordTarget(u))
		}
		sprayed++
	}
	sd.emit(t.Add(8*time.Minute), "security.threat.detected", "Password Spray", unknownActor, netLagos, scriptUA, "DENY", "Password Spray", "/idp/idx/identify")
	lockAt := t.Add(9 * time.Minute)
	for i := range 6 {
		sd.failedSignIn(userActor(kpatel), lockAt.Add(time.Duration(i*7)*time.Second), netLagos, scriptUA, "INVALID_CREDENTIALS", passwordTarget(kpatel))
	}
	lockAt = lockAt.Add(43 * time.Second)
	sd.emit(lockAt, "user.account.lock", "Max sign in attempts exceeded", userActor(kpatel), netLagos, scriptUA, "SUCCESS", "", "/idp/idx/identify", userTarget(kpatel))
	sd.failedSignIn(userActor(kpatel), lockAt.Add(2*time.Minute), netLagos, scriptUA, "LOCKED_OUT", passwordTarget(kpatel))
	sd.statusChange(kpatel, lockAt)

	// DemoSuspendedUser: impossible travel, then suspended by the admin.
	t = sd.at(2, 9, 5)
	sd.signIn(bwilson, t, netNYCOffice, sd.uas[bwilson])
	sd.signIn(bwilson, t.Add(40*time.Minute), netSaoPaulo, attackerUA)
	sd.emit(t.Add(41*time.Minute), "security.threat.detected", "Impossible travel", userActor(bwilson), netSaoPaulo, attackerUA, "ALLOW", "Impossible travel", "/idp/idx/identify", userTarget(bwilson))
	susp := t.Add(75 * time.Minute)
	uri := "/api/v1/users/" + bwilson.id
	sd.admin(susp, "user.lifecycle.suspend", "Suspend Okta user", uri+"/lifecycle/suspend", userTarget(bwilson))
	sd.admin(susp.Add(2*time.Second), "user.session.clear", "Clear user session", uri+"/sessions", userTarget(bwilson))
	sd.statusChange(bwilson, susp)

	// DemoDeprovisionedUser: offboarded, then tries to sign in.
	t = sd.at(4, 17, 30)
	uri = "/api/v1/users/" + mgarcia.id
	sd.admin(t, "user.lifecycle.deactivate", "Deactivate Okta user", uri+"/lifecycle/deactivate", userTarget(mgarcia))
	for i, label := range []string{"Salesforce", "Slack", "Google Workspace", "Zoom", "Workday"} {
		a := sd.o.appByLabel[strings.ToLower(label)]
		sd.admin(t.Add(time.Duration(i+1)*time.Second), "application.user_membership.remove", "Remove user from application membership", uri,
			LogTarget{ID: a.id, Type: "AppInstance", AlternateID: a.label, DisplayName: a.label}, userTarget(mgarcia))
	}
	sd.statusChange(mgarcia, t)
	sd.failedSignIn(userActor(mgarcia), sd.at(1, 21, 47), homeNets[0], desktopUAs[1], "VERIFICATION_ERROR", passwordTarget(mgarcia))

	// DemoPasswordExpiredUser: expired by the admin a day ago.
	t = sd.now.Add(-25 * time.Hour).Truncate(time.Second)
	sd.admin(t, "user.account.expire_password", "Expire password for Okta user", "/api/v1/users/"+ejohnson.id+"/lifecycle/expire_password", userTarget(ejohnson))
	sd.statusChange(ejohnson, t)

	// DemoAdminUser: odd-hour sign-in and a Super Admins grant.
	t = sd.at(2, 2, 40)
	sd.signIn(admin, t, netVPN, desktopUAs[0])
	var promoted *user
	for _, id := range sd.o.userIDs {
		u := sd.o.users[id]
		if sd.byLogin[u.login()] == u && u.status == StatusActive && u.profile["department"] == "Engineering" && !isFixture(u.login()) && sd.heads["Engineering"] != u {
			promoted = u
			break
		}
	}
	if promoted != nil {
		g := sd.o.groupByName[strings.ToLower(GroupSuperAdmins)]
		if !slices.Contains(promoted.groups, g) {
			promoted.groups = append(promoted.groups, g)
		}
		at := t.Add(6 * time.Minute)
		g.lastMembershipUpdated = at
		sd.admin(at, "group.user_membership.add", "Add user to group membership", "/api/v1/groups/"+g.id+"/users/"+promoted.id,
			userTarget(promoted), LogTarget{ID: g.id, Type: "UserGroup", AlternateID: "unknown", DisplayName: g.name})
	}
	// A blocked sign-in attempt on the admin from North Korea.
	sd.failedSignIn(userActor(admin), sd.at(3, 4, 2), netPyongyang, attackerUA, "INVALID_CREDENTIALS", passwordTarget(admin))
	sd.emit(sd.at(3, 4, 3), "policy.evaluate_sign_on", "Evaluation of sign-on policy", userActor(admin), netPyongyang, attackerUA, "DENY", "Sign-on policy evaluation resulted in DENY", "/idp/idx/introspect", dashboardTarget)

	// Credential stuffing of unknown usernames from a hosting provider.
	t = sd.at(5, 6, 10)
	for i := range 6 {
		sd.failedSignIn(unknownActor, t.Add(time.Duration(i*4)*time.Second), netVPS, scriptUA, "UNKNOWN_USER")
	}
	sd.emit(t.Add(30*time.Second), "security.threat.detected", "Credential stuffing", unknownActor, netVPS, scriptUA, "DENY", "Credential Stuffing", "/idp/idx/identify")

	// Day-to-day admin work: a suspend/unsuspend, a lock/unlock, a delete.
	var regular []*user
	for _, id := range sd.o.userIDs {
		u := sd.o.users[id]
		if sd.byLogin[u.login()] == u && u.status == StatusActive && !isFixture(u.login()) && u != promoted {
			regular = append(regular, u)
		}
	}
	if len(regular) >= 2 {
		u := regular[len(regular)-1]
		uri := "/api/v1/users/" + u.id
		t := sd.at(5, 13, 20)
		sd.admin(t, "user.lifecycle.suspend", "Suspend Okta user", uri+"/lifecycle/suspend", userTarget(u))
		sd.admin(t.Add(20*time.Hour), "user.lifecycle.unsuspend", "Unsuspend Okta user", uri+"/lifecycle/unsuspend", userTarget(u))

		u = regular[len(regular)-2]
		uri = "/api/v1/users/" + u.id
		t = sd.at(3, 8, 50)
		for i := range 5 {
			sd.failedSignIn(userActor(u), t.Add(time.Duration(i*30)*time.Second), sd.homeNets[u], sd.uas[u], "INVALID_CREDENTIALS", passwordTarget(u))
		}
		sd.emit(t.Add(151*time.Second), "user.account.lock", "Max sign in attempts exceeded", userActor(u), sd.homeNets[u], sd.uas[u], "SUCCESS", "", "/idp/idx/identify", userTarget(u))
		sd.admin(t.Add(40*time.Minute), "user.account.unlock", "Unlock user account", uri+"/lifecycle/unlock", userTarget(u))
	}
	gone := LogTarget{ID: oktaID(sd.rng, prefixUser), Type: "User", AlternateID: "ext.jlee@example.com", DisplayName: "Jordan Lee"}
	sd.admin(sd.at(6, 15, 5), "user.lifecycle.delete", "Delete Okta user", "/api/v1/users/"+gone.ID, gone)
}

// commitEvents stores the generated events in published order, as if each
// had been persisted when it was published.
func (sd *seeder) commitEvents() {
	slices.SortStableFunc(sd.events, func(a, b LogEvent) int { return a.Published.Compare(b.Published) })
	for _, ev := range sd.events {
		sd.o.storeLocked(ev, ev.Published, true)
	}
}
