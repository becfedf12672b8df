package pingonetest

import (
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"
)

// Well-known users of the demo environment (SeedDemo), for tests, the
// sandbox and the README. Usernames are e-mail addresses @example.com.
const (
	// DemoActiveUser is enabled, account OK, password OK, MFA on. DIRECT
	// member of Engineering, SRE On-Call and VPN Users, hence INDIRECT
	// member of All Staff and the privileged Prod Access; role Client
	// Application Developer; several sessions. Story: about a day before
	// the seed time, at 03:12 US Eastern, a sign-in from Moscow with the
	// right password, four rejected OTPs and one invalid, then an accepted
	// OTP (MFA fatigue): the attacker's session (Windows, Moscow) is still
	// among the user's sessions.
	DemoActiveUser = "jdoe@example.com"
	// DemoAdminUser holds Environment Admin and Identity Data Admin and is
	// a member of PingOne Admins (DIRECT and through Identity Admins).
	// Story: four days ago failed sign-ins from Pyongyang (HIGH risk); two
	// days ago at 02:40 US Eastern a sign-in from an Amsterdam VPS, then
	// Environment Admin granted to DemoEscalatedUser and that user added
	// to Finance Approvers.
	DemoAdminUser = "awong@example.com"
	// DemoLockedUser is explicitly locked (by the SOC through the worker
	// application, no unlockAt). Story: about 20 hours before the seed
	// time, password spraying against a dozen users, then repeated
	// failures against this user from Lagos (HIGH risk) and the lock.
	DemoLockedUser = "kpatel@example.com"
	// DemoPasswordLockedUser is locked out by the password policy after
	// five failed attempts from a Tor exit about five hours before the
	// seed time: password status PASSWORD_LOCKED_OUT, account LOCKED
	// without lockedAt.
	DemoPasswordLockedUser = "mgarcia@example.com"
	// DemoDisabledUser is disabled (a contractor offboarded three days ago
	// by DemoAdminUser); a sign-in attempt followed a day ago. Its old
	// sessions are still listed.
	DemoDisabledUser = "bwilson@example.com"
	// DemoMustChangePasswordUser had the password reset by the help desk
	// (DemoHelpDeskUser) six hours ago: status MUST_CHANGE_PASSWORD.
	DemoMustChangePasswordUser = "ejohnson@example.com"
	// DemoRiskyUser (FIDO authenticator, INDIRECT member of the privileged
	// Finance Approvers through Payroll Admins) has HIGH risk evaluations:
	// impossible travel from New York to Sao Paulo within 40 minutes a day
	// ago, and a Tor sign-in about six hours ago.
	DemoRiskyUser = "rbrown@example.com"
	// DemoNoPasswordUser was created two days ago and has not verified the
	// account: lifecycle VERIFICATION_REQUIRED, password NO_PASSWORD.
	DemoNoPasswordUser = "lchen@example.com"
	// DemoHelpDeskUser holds Help Desk Admin for the Employees population.
	DemoHelpDeskUser = "tmiller@example.com"
	// DemoEscalatedUser is a contractor who was given Environment Admin
	// and Finance Approvers by DemoAdminUser's suspicious session.
	DemoEscalatedUser = "dlee@example.com"
)

// Addresses that appear in the demo stories.
const (
	DemoOfficeIP  = "198.51.100.10"  // New York office
	DemoMoscowIP  = "95.173.136.72"  // DemoActiveUser's MFA fatigue attack
	DemoLagosIP   = "105.112.96.14"  // attack on DemoLockedUser
	DemoTorExitIP = "185.220.101.47" // anonymous network
	DemoBotnetIP  = "45.155.205.233" // on the environment's bad IP list
	DemoVPSIP     = "45.142.212.61"  // DemoAdminUser's 02:40 sign-in
	DemoKPIP      = "175.45.176.3"   // Pyongyang
	DemoSOARIP    = "10.20.30.40"    // the SOC's automation
)

// Privileged groups of the demo environment.
const (
	GroupPingOneAdmins    = "PingOne Admins"
	GroupFinanceApprovers = "Finance Approvers"
	GroupProdAccess       = "Prod Access"
)

// PrivilegedGroups returns the names of the demo environment's privileged
// groups.
func PrivilegedGroups() []string {
	return []string{GroupPingOneAdmins, GroupFinanceApprovers, GroupProdAccess}
}

// Demo populations.
const (
	PopulationEmployees   = "Employees"
	PopulationContractors = "Contractors"
)

// demoZone is the demo company's time zone, US Eastern. A fixed offset (no
// DST) keeps the seed independent of the machine's tz database.
var demoZone = time.FixedZone("EST", -5*60*60)

// seedGroups are the demo groups; nested groups list their parents.
var seedGroups = []struct {
	name, description string
	memberOf          []string
}{
	{"All Staff", "Every employee", nil},
	{GroupPingOneAdmins, "Administrators of the PingOne environment", nil},
	{GroupFinanceApprovers, "Approve payments and vendor changes", nil},
	{GroupProdAccess, "Access to production infrastructure", nil},
	{"Engineering", "Engineering department", []string{"All Staff"}},
	{"Sales", "Sales department", []string{"All Staff"}},
	{"Finance", "Finance department", []string{"All Staff"}},
	{"Support", "Customer support", []string{"All Staff"}},
	{"HR", "Human resources", []string{"All Staff"}},
	{"IT Operations", "IT operations and help desk", []string{"All Staff"}},
	{"SRE On-Call", "Site reliability on-call rotation", []string{GroupProdAccess}},
	{"Identity Admins", "Identity team", []string{GroupPingOneAdmins}},
	{"Payroll Admins", "Payroll administrators", []string{GroupFinanceApprovers}},
	{"VPN Users", "Remote access VPN", nil},
	{"Contractors", "External contractors", nil},
}

// seeder builds the demo environment. Choices come from a fixed-seed
// generator and times are relative to the seed time, so the same time
// gives the same environment.
type seeder struct {
	e       *Env
	now     time.Time
	rng     *mrand.Rand
	console *application
	apps    []*application // sign-on targets for ordinary users
	aws     *application
	people  []*persona
	// workforce is where the ordinary users start in people, after the
	// fixtures.
	workforce int
}

// persona is how a seeded user behaves: where from, on what, how often.
type persona struct {
	u              *user
	office, home   string // IPs; office empty for remote workers
	desktop        device
	mobile         device
	perDay         float64 // weekday sign-ins
	activeUntil    time.Time
	fido           bool
	typoRate       float64
	keepAllSession bool
}

// SeedDemo loads the demo environment into e relative to now: about sixty
// users in two populations, groups with nested (INDIRECT) memberships,
// role assignments, applications, sessions, a week of audit activities
// with the attack stories described on the Demo* constants, and risk
// evaluations of every level. It is meant for an empty environment.
func SeedDemo(e *Env, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seeding = true
	defer func() { e.seeding = false }()
	now = now.UTC().Truncate(time.Millisecond)
	sd := &seeder{e: e, now: now, rng: mrand.New(mrand.NewPCG(0xde70, 0x5eed))}
	sd.structure()
	sd.fixtures()
	sd.addWorkforce()
	sd.history()
	sd.containmentAndDevices()
}

// at is a wall-clock time in the demo zone, daysAgo days before the seed
// day.
func (sd *seeder) at(daysAgo, hour, minute int) time.Time {
	local := sd.now.In(demoZone)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, demoZone)
	return midnight.AddDate(0, 0, -daysAgo).Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute).UTC()
}

func (sd *seeder) structure() {
	e := sd.e
	e.badIPs[mustAddr(DemoBotnetIP)] = true
	e.addPopulationLocked(PopulationEmployees, "Full-time employees")
	e.addPopulationLocked(PopulationContractors, "External contractors and vendors")
	created := sd.now.AddDate(-2, 0, 0)
	for _, g := range seedGroups {
		e.addGroupLocked(GroupSpec{Name: g.name, Description: g.description, MemberOf: g.memberOf}, created)
	}
	sd.console = e.addAppLocked(appSpec{
		name: "PingOne Admin Console", description: "PingOne administrator console", kind: appAdminConsole, created: created,
	})
	prod := e.groupByName[strings.ToLower(GroupProdAccess)]
	for _, a := range []appSpec{
		{name: "Salesforce", kind: appSAML, spEntityID: "https://example.my.salesforce.com", acsURL: "https://example.my.salesforce.com/?so=00D000000000001", homePageURL: "https://example.my.salesforce.com"},
		{name: "Workday", kind: appSAML, spEntityID: "http://www.workday.com/example", acsURL: "https://wd5.myworkday.com/example/login-saml.flex", homePageURL: "https://wd5.myworkday.com/example"},
		{name: "GitHub Enterprise", kind: appSAML, spEntityID: "https://github.com/orgs/example", acsURL: "https://github.com/orgs/example/saml/consume"},
		{name: "AWS Console", kind: appSAML, spEntityID: "urn:amazon:webservices", acsURL: "https://signin.aws.amazon.com/saml", accessGroups: []*group{prod}},
		{name: "Slack", kind: appOIDCWeb, redirectURI: "https://example.slack.com/sso/oidc/callback", homePageURL: "https://example.slack.com"},
		{name: "Internal Portal", kind: appOIDCWeb, redirectURI: "https://portal.example.com/callback", homePageURL: "https://portal.example.com"},
		{name: "Example Mobile", kind: appOIDCNative, redirectURI: "com.example.mobile:/callback"},
	} {
		a.created = created
		app := e.addAppLocked(a)
		if a.name == "AWS Console" {
			sd.aws = app
		} else {
			sd.apps = append(sd.apps, app)
		}
	}
}

// Devices the demo users sign in from.
var (
	devMacChrome = defaultDevice
	devWinEdge   = device{"Edge", "124.0.2478.80", "Windows", "11", "Desktop",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0"}
	devWinFirefox = device{"Firefox", "125.0", "Windows", "10", "Desktop",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"}
	devMacSafari = device{"Safari", "17.4.1", "Mac OS X", "14.4.1", "Desktop",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15"}
	devIPhone = device{"Mobile Safari", "17.4", "iOS", "17.4.1", "Mobile",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"}
	devAndroid = device{"Chrome Mobile", "124.0.6367.82", "Android", "14", "Mobile",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36"}
	// Attackers.
	devAttackerWin = device{"Chrome", "122.0.6261.95", "Windows", "10", "Desktop",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"}
	devTorLinux = device{"Firefox", "115.0", "Linux", "", "Desktop",
		"Mozilla/5.0 (Windows NT 10.0; rv:115.0) Gecko/20100101 Firefox/115.0"}
	devVPSLinux = device{"Firefox", "124.0", "Linux", "x86_64", "Desktop",
		"Mozilla/5.0 (X11; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0"}
	sprayUserAgent = "python-requests/2.31.0"
	soarUserAgent  = "idcmd/1.0"

	desktops = []device{devMacChrome, devWinEdge, devWinFirefox, devMacSafari}
	mobiles  = []device{devIPhone, devAndroid}
)

// Where people work from. Homes are in the same metro area as their
// office, so that ordinary days never look like impossible travel.
var metros = []struct {
	office   string
	homeBase int // last octet base in 203.0.113.0/24 (see ipIntel)
}{
	{"198.51.100.10", 0},   // New York office, Brooklyn homes
	{"198.51.100.42", 192}, // San Francisco office, Seattle homes
	{"", 64},               // remote, Austin
	{"", 128},              // remote, Chicago
}

func (sd *seeder) homeIP(metro int) string {
	return fmt.Sprintf("203.0.113.%d", metros[metro].homeBase+1+sd.rng.IntN(62))
}

// addPersona creates a user and how it behaves.
func (sd *seeder) addPersona(spec UserSpec, metro int, perDay float64) *persona {
	u, err := sd.e.addUserLocked(spec, sd.now)
	if err != nil {
		panic("pingonetest: SeedDemo: " + err.Error())
	}
	p := &persona{
		u: u, office: metros[metro].office, home: sd.homeIP(metro),
		desktop: desktops[sd.rng.IntN(len(desktops))], mobile: mobiles[sd.rng.IntN(len(mobiles))],
		perDay: perDay, activeUntil: sd.now, typoRate: 0.06,
	}
	sd.people = append(sd.people, p)
	return p
}

func (sd *seeder) fixtures() {
	e := sd.e
	created := func(days int) time.Time { return sd.now.AddDate(0, 0, -days).Add(-3 * time.Hour) }
	emp, con := PopulationEmployees, PopulationContractors

	jdoe := sd.addPersona(UserSpec{Username: DemoActiveUser, GivenName: "John", FamilyName: "Doe", Title: "Senior Software Engineer",
		Type: "Employee", Population: emp, MFAEnabled: true, Groups: []string{"Engineering", "SRE On-Call", "VPN Users"},
		Roles: []string{RoleClientApplicationDeveloper}, CreatedAt: created(900)}, 0, 1.2)
	jdoe.desktop, jdoe.mobile = devMacChrome, devIPhone

	awong := sd.addPersona(UserSpec{Username: DemoAdminUser, GivenName: "Alice", FamilyName: "Wong", Title: "Identity Platform Lead",
		Type: "Employee", Population: emp, MFAEnabled: true, Groups: []string{"IT Operations", "Identity Admins", GroupPingOneAdmins, "VPN Users"},
		Roles: []string{RoleEnvironmentAdmin, RoleIdentityDataAdmin}, CreatedAt: created(1200)}, 0, 2)
	awong.desktop = devMacSafari

	sd.addPersona(UserSpec{Username: DemoLockedUser, GivenName: "Kiran", FamilyName: "Patel", Title: "Account Executive",
		Type: "Employee", Population: emp, Groups: []string{"Sales"}, CreatedAt: created(500),
		Locked: true, LockedAt: sd.lockTime()}, 2, 1).activeUntil = sd.sprayTime()

	sd.addPersona(UserSpec{Username: DemoPasswordLockedUser, GivenName: "Maria", FamilyName: "Garcia", Title: "Financial Analyst",
		Type: "Employee", Population: emp, MFAEnabled: true, Groups: []string{"Finance"}, CreatedAt: created(640),
		PasswordLocked: true}, 1, 1).activeUntil = sd.torTime().Add(-2 * time.Hour)

	sd.addPersona(UserSpec{Username: DemoDisabledUser, GivenName: "Ben", FamilyName: "Wilson", Title: "Contract Developer",
		Type: "Contractor", Population: con, Groups: []string{"Engineering", "Contractors"}, CreatedAt: created(200),
		Disabled: true}, 0, 1.5).activeUntil = sd.at(3, 9, 0)

	sd.addPersona(UserSpec{Username: DemoMustChangePasswordUser, GivenName: "Emily", FamilyName: "Johnson", Title: "HR Business Partner",
		Type: "Employee", Population: emp, Groups: []string{"HR"}, CreatedAt: created(730),
		PasswordStatus: PasswordMustChange}, 3, 1).activeUntil = sd.now.Add(-7 * time.Hour)

	rbrown := sd.addPersona(UserSpec{Username: DemoRiskyUser, GivenName: "Robert", FamilyName: "Brown", Title: "Payroll Manager",
		Type: "Employee", Population: emp, MFAEnabled: true, Groups: []string{"Finance", "Payroll Admins"}, CreatedAt: created(1000)}, 0, 1)
	rbrown.fido, rbrown.activeUntil = true, sd.at(1, 8, 0)

	sd.addPersona(UserSpec{Username: DemoNoPasswordUser, GivenName: "Lily", FamilyName: "Chen", Title: "Software Engineer",
		Type: "Employee", Population: emp, Groups: []string{"Engineering"}, CreatedAt: sd.at(2, 10, 14),
		PasswordStatus: PasswordNone, VerificationRequired: true}, 1, 0)

	sd.addPersona(UserSpec{Username: DemoHelpDeskUser, GivenName: "Tom", FamilyName: "Miller", Title: "IT Support Specialist",
		Type: "Employee", Population: emp, MFAEnabled: true, Groups: []string{"IT Operations", "Support"}, CreatedAt: created(400)}, 0, 2)
	tm := e.byUsername[DemoHelpDeskUser]
	tm.roles = append(tm.roles, &roleAssignment{
		id: e.newRoleAssignmentIDLocked(), role: roleByName(RoleHelpDeskAdmin),
		scopeType: ScopePopulation, scopeID: e.popByName[strings.ToLower(emp)].id,
	})

	sd.addPersona(UserSpec{Username: DemoEscalatedUser, GivenName: "Daniel", FamilyName: "Lee", Title: "Contract Finance Consultant",
		Type: "Contractor", Population: con, Groups: []string{"Contractors", "Finance"}, CreatedAt: created(60)}, 2, 0.8)
	// The escalation (see history) added Finance Approvers and
	// Environment Admin.
	dlee := e.byUsername[DemoEscalatedUser]
	dlee.groups = append(dlee.groups, e.groupByName[strings.ToLower(GroupFinanceApprovers)])
	dlee.roles = append(dlee.roles, &roleAssignment{
		id: e.newRoleAssignmentIDLocked(), role: roleByName(RoleEnvironmentAdmin), scopeType: ScopeEnvironment, scopeID: e.id,
	})
}

// Demo name pools for the workforce.
var (
	givenNames = []string{
		"Olivia", "Liam", "Emma", "Noah", "Ava", "Ethan", "Sophia", "Mason", "Isabella", "Lucas",
		"Mia", "Logan", "Amelia", "James", "Harper", "Benjamin", "Evelyn", "Elijah", "Abigail", "Henry",
		"Ella", "Alexander", "Scarlett", "Matthew", "Grace", "Samuel", "Chloe", "David", "Zoe", "Joseph",
		"Nora", "Carter", "Hannah", "Wyatt", "Aria", "Julian", "Layla", "Levi", "Riley", "Isaac",
		"Priya", "Wei", "Fatima", "Kenji", "Amara", "Mateo", "Sofia", "Omar",
	}
	familyNames = []string{
		"Smith", "Johnson", "Williams", "Jones", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez",
		"Gonzalez", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Perez", "Thompson", "White",
		"Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
		"Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker",
		"Hall", "Rivera", "Campbell", "Mitchell", "Roberts", "Shah", "Okafor", "Tanaka",
	}
	departments = []struct {
		group  string
		titles []string
	}{
		{"Engineering", []string{"Software Engineer", "Senior Software Engineer", "Engineering Manager", "QA Engineer"}},
		{"Sales", []string{"Account Executive", "Sales Development Rep", "Sales Manager"}},
		{"Finance", []string{"Accountant", "Financial Analyst", "Controller"}},
		{"Support", []string{"Support Engineer", "Customer Success Manager"}},
		{"HR", []string{"Recruiter", "HR Generalist"}},
		{"IT Operations", []string{"Systems Administrator", "Network Engineer"}},
	}
)

// workforceSize is the number of ordinary users besides the fixtures.
const workforceSize = 48

// sprayVictims are the workforce users the password spraying targets, by
// index.
var sprayVictims = []int{1, 3, 6, 8, 12, 15, 19, 22, 27, 31, 36, 40}

func (sd *seeder) addWorkforce() {
	sd.workforce = len(sd.people)
	used := map[string]bool{}
	for _, p := range sd.people {
		used[p.u.username] = true
	}
	for i := range workforceSize {
		given, family := givenNames[i], familyNames[(i*7+3)%len(familyNames)]
		base := strings.ToLower(given[:1] + family)
		username := base + "@example.com"
		for n := 2; used[username]; n++ {
			username = fmt.Sprintf("%s%d@example.com", base, n)
		}
		if i == 0 {
			given, family, username = "Sarah", "Jones", "sjones@example.com" // help desk unlock story
		}
		used[username] = true
		dept := departments[sd.rng.IntN(len(departments))]
		spec := UserSpec{
			Username: username, GivenName: given, FamilyName: family,
			Title: dept.titles[sd.rng.IntN(len(dept.titles))], Type: "Employee", Population: PopulationEmployees,
			MFAEnabled: sd.rng.Float64() < 0.6, Groups: []string{dept.group},
			CreatedAt: sd.now.AddDate(0, 0, -30-sd.rng.IntN(1400)).Add(-time.Duration(sd.rng.IntN(86400)) * time.Second),
		}
		if i%8 == 5 {
			spec.Type, spec.Population = "Contractor", PopulationContractors
			spec.Groups = append(spec.Groups, "Contractors")
		}
		if sd.rng.Float64() < 0.3 {
			spec.Groups = append(spec.Groups, "VPN Users")
		}
		if dept.group == "Engineering" && sd.rng.Float64() < 0.25 {
			spec.Groups = append(spec.Groups, "SRE On-Call")
		}
		perDay := []float64{0, 0.4, 1, 1, 1.5, 2}[sd.rng.IntN(6)]
		switch i {
		case 9, 29: // offboarded last week
			spec.Disabled = true
		case 17:
			spec.PasswordStatus = PasswordExpired
		case 23:
			spec.Roles = []string{RoleIdentityDataReadOnly}
		case 33:
			spec.Roles = []string{RoleConfigurationReadOnly}
		}
		p := sd.addPersona(spec, sd.rng.IntN(len(metros)), perDay)
		switch {
		case i == 12 || i == 27: // remote developers on a hosted desktop: MEDIUM risk by reputation
			p.office, p.home = "", fmt.Sprintf("45.142.212.%d", 70+i)
		case i%11 == 4: // heavy users who never sign out: at the ten-session cap
			p.perDay, p.keepAllSession = 3, true
		}
		if spec.Disabled {
			p.activeUntil = sd.at(5+i%2, 12, 0)
		}
	}
}
