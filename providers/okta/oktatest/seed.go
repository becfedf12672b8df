package oktatest

import (
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"
)

// Well-known users of the demo org (SeedDemo), one per status, for tests,
// the sandbox and the README. All logins are @example.com.
const (
	// DemoActiveUser is ACTIVE, in Engineering and VPN Users, assigned
	// Slack, Zoom, Google Workspace, Workday, GitHub and AWS, enrolled in
	// push, sms, totp and webauthn, with 3 open sessions. Story: about 26
	// hours before the seed time, a burst of rejected push MFA prompts from
	// Moscow (RU) at 03:1x local time, then an accepted push, a session and
	// SSO into AWS and GitHub from the same IP.
	DemoActiveUser = "jdoe@example.com"
	// DemoAdminUser is ACTIVE and in Super Admins, Okta Admins and Domain
	// Admins, and holds SUPER_ADMIN directly and ORG_ADMIN through Okta
	// Admins (see seedRoles). Story: it performs the demo org's admin
	// actions, and two days before the seed time it signed in at 02:40
	// local and added a user to Super Admins.
	DemoAdminUser = "awong@example.com"
	// DemoSuspendedUser is SUSPENDED. Story: impossible travel (New York,
	// then São Paulo 40 minutes later) two days before the seed time,
	// after which DemoAdminUser suspended it.
	DemoSuspendedUser = "bwilson@example.com"
	// DemoLockedUser is LOCKED_OUT. Story: about 20 hours before the seed
	// time, password spraying from Lagos (NG) against a dozen users, then
	// repeated failures against this one and user.account.lock.
	DemoLockedUser = "kpatel@example.com"
	// DemoStagedUser is STAGED: created two days ago, never activated, no
	// password, no factors.
	DemoStagedUser = "lchen@example.com"
	// DemoProvisionedUser is PROVISIONED: activated three days ago without
	// a password, activation not completed.
	DemoProvisionedUser = "snguyen@example.com"
	// DemoDeprovisionedUser is DEPROVISIONED: offboarded four days ago
	// (deactivated, apps removed); a sign-in attempt followed a day ago.
	DemoDeprovisionedUser = "mgarcia@example.com"
	// DemoPasswordExpiredUser is PASSWORD_EXPIRED (expired by an admin a day
	// ago).
	DemoPasswordExpiredUser = "ejohnson@example.com"
	// DemoRecoveryUser is RECOVERY (password reset by the help desk six
	// hours ago).
	DemoRecoveryUser = "rbrown@example.com"
)

// Privileged groups of the demo org.
const (
	GroupSuperAdmins         = "Super Admins"
	GroupOktaAdmins          = "Okta Admins"
	GroupAWSProductionAdmins = "AWS Production Admins"
	GroupDomainAdmins        = "Domain Admins" // an APP_GROUP imported from Active Directory
)

// PrivilegedGroups returns the names of the demo org's privileged groups.
func PrivilegedGroups() []string {
	return []string{GroupSuperAdmins, GroupOktaAdmins, GroupAWSProductionAdmins, GroupDomainAdmins}
}

// Demo org time zone: the users work in US Eastern time. A fixed offset
// (no DST) keeps the seed independent of the machine's tz database.
var demoZone = time.FixedZone("EST", -5*60*60)

// seedApps are the demo org's apps: label → Okta app name.
var seedApps = []struct{ label, name string }{
	{"Salesforce", "salesforce"},
	{"Slack", "slack"},
	{"GitHub", "githubcloud"},
	{"AWS", "amazon_aws"},
	{"Workday", "workday"},
	{"Zoom", "zoomus"},
	{"Google Workspace", "google"},
}

var seedGroups = []struct{ name, description, groupType string }{
	{GroupSuperAdmins, "Full administrative access to the Okta org", "OKTA_GROUP"},
	{GroupOktaAdmins, "Okta org and application administrators", "OKTA_GROUP"},
	{GroupAWSProductionAdmins, "AdministratorAccess on the production AWS accounts", "OKTA_GROUP"},
	{GroupDomainAdmins, "Active Directory Domain Admins", "APP_GROUP"},
	{"VPN Users", "Remote access VPN (imported from Active Directory)", "APP_GROUP"},
	{"Engineering", "Engineering department", "OKTA_GROUP"},
	{"Sales", "Sales department", "OKTA_GROUP"},
	{"Finance", "Finance department", "OKTA_GROUP"},
	{"HR", "People and HR department", "OKTA_GROUP"},
	{"Marketing", "Marketing department", "OKTA_GROUP"},
	{"IT", "IT department", "OKTA_GROUP"},
	{"Security", "Security department", "OKTA_GROUP"},
	{"Support", "Customer support department", "OKTA_GROUP"},
	{"Legal", "Legal department", "OKTA_GROUP"},
	{"Contractors", "External contractors", "OKTA_GROUP"},
}

// department is a demo department: its head's title and the staff titles.
type department struct {
	name   string
	head   string
	titles []string
	apps   []string
}

var seedDepartments = []department{
	{"Engineering", "Director of Engineering", []string{"Software Engineer", "Senior Software Engineer", "Staff Engineer", "Site Reliability Engineer", "Engineering Manager"}, []string{"GitHub", "AWS"}},
	{"Sales", "VP Sales", []string{"Account Executive", "Sales Development Representative", "Sales Manager"}, []string{"Salesforce"}},
	{"Finance", "Chief Financial Officer", []string{"Financial Analyst", "Accountant", "Controller"}, nil},
	{"HR", "VP People", []string{"HR Generalist", "Recruiter", "HR Business Partner"}, nil},
	{"Marketing", "Chief Marketing Officer", []string{"Marketing Manager", "Content Strategist", "Product Marketing Manager"}, nil},
	{"IT", "IT Manager", []string{"IT Support Specialist", "Systems Administrator"}, []string{"AWS"}},
	{"Security", "Chief Information Security Officer", []string{"Security Analyst", "Security Engineer"}, []string{"AWS", "GitHub"}},
	{"Support", "Support Manager", []string{"Support Engineer", "Senior Support Engineer"}, []string{"Salesforce"}},
	{"Legal", "General Counsel", []string{"Corporate Counsel", "Paralegal"}, nil},
}

var baseApps = []string{"Slack", "Zoom", "Google Workspace", "Workday"}

var firstNames = []string{
	"Olivia", "Liam", "Emma", "Noah", "Ava", "Ethan", "Sophia", "Mason", "Isabella", "Lucas",
	"Mia", "Aiden", "Charlotte", "Elijah", "Amelia", "James", "Harper", "Benjamin", "Evelyn", "Oliver",
	"Priya", "Arjun", "Mei", "Hiroshi", "Fatima", "Omar", "Sofia", "Mateo", "Chloe", "Daniel",
	"Grace", "Samuel", "Zoe", "David", "Nora", "Gabriel", "Leah", "Carter", "Aaliyah", "Julian",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Jones", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez",
	"Gonzalez", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson",
	"White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen",
	"King", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts",
	"Kim", "Singh", "Tanaka", "Okafor", "Haddad", "Kowalski", "Rossi", "Novak", "Larsen", "Silva",
}

// seedCities are where the demo users live.
var seedCities = []struct{ city, state string }{
	{"New York", "NY"}, {"Brooklyn", "NY"}, {"Austin", "TX"}, {"Chicago", "IL"},
	{"Seattle", "WA"}, {"San Francisco", "CA"}, {"Boston", "MA"}, {"Denver", "CO"},
}

// seeder builds the demo org deterministically from a fixed seed and the
// seed time.
type seeder struct {
	o   *Org
	now time.Time
	src *mrand.ChaCha8 // also the byte source for event UUIDs
	rng *mrand.Rand

	byLogin  map[string]*user // the users this seeder added
	heads    map[string]*user // department heads by department
	nextEmp  int
	homeNets map[*user]*seedNet // where each user usually signs in from
	uas      map[*user]*seedUA  // each user's usual browser

	events    []LogEvent
	lastLogin map[*user]time.Time // latest successful sign-in
	cutoff    map[*user]time.Time // when a non-ACTIVE user left ACTIVE
}

// SeedDemo loads the deterministic demo org into o: about 70 users in every
// status (see the Demo* constants), departments with managers, privileged
// and ordinary groups plus APP_GROUPs, apps assigned as app links, enrolled
// factors, open sessions, and at least 1,200 System Log events over the 7
// days before now, including the attack stories told on the Demo*
// constants. The same now gives the same org, IDs included.
func SeedDemo(o *Org, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	src := mrand.NewChaCha8([32]byte{'i', 'd', 'c', 'm', 'd', '-', 'o', 'k', 't', 'a', '-', 'd', 'e', 'm', 'o'})
	sd := &seeder{
		o: o, now: now, src: src, rng: mrand.New(src),
		byLogin: map[string]*user{}, heads: map[string]*user{},
		nextEmp: 1001, homeNets: map[*user]*seedNet{}, uas: map[*user]*seedUA{},
	}
	sd.seedGroupsAndApps()
	sd.seedUsers()
	sd.seedEvents()
	sd.commitEvents()
	sd.seedRoles()
	sd.seedPush()
	sd.seedQuarantine()
	sd.seedZones()
	sd.seedRisk()
}

func (sd *seeder) days(n float64) time.Duration { return time.Duration(n * float64(24*time.Hour)) }

func (sd *seeder) seedGroupsAndApps() {
	o := sd.o
	created := sd.now.Add(-sd.days(900))
	var ad *app
	if ad = o.appByLabel["active directory"]; ad == nil {
		ad = o.addAppLocked(sd.rng, "active_directory", "Active Directory")
	}
	for _, a := range seedApps {
		if o.appByLabel[strings.ToLower(a.label)] == nil {
			o.addAppLocked(sd.rng, a.name, a.label)
		}
	}
	for _, g := range seedGroups {
		if o.groupByName[strings.ToLower(g.name)] != nil {
			continue
		}
		spec := groupSpec{name: g.name, description: g.description, groupType: g.groupType, created: created, rng: sd.rng}
		if g.groupType == "APP_GROUP" {
			spec.sourceApp = ad
		}
		o.addGroupLocked(spec)
	}
}

// add creates one user; spec.Created must be set.
func (sd *seeder) add(spec UserSpec) *user {
	if spec.EmployeeNumber == "" && spec.UserType != "Service" {
		spec.EmployeeNumber = fmt.Sprintf("E%d", sd.nextEmp)
		sd.nextEmp++
	}
	if spec.UserType == "" {
		spec.UserType = "Employee"
	}
	if spec.Organization == "" {
		spec.Organization = "Example Corp"
	}
	if spec.City == "" {
		c := seedCities[sd.rng.IntN(len(seedCities))]
		spec.City, spec.State = c.city, c.state
	}
	spec.CountryCode = "US"
	if spec.MobilePhone == "" && spec.UserType != "Service" {
		spec.MobilePhone = fmt.Sprintf("+1%03d555%04d", 201+sd.rng.IntN(700), sd.rng.IntN(10000))
	}
	if head := sd.heads[spec.Department]; head != nil && spec.Manager == "" {
		spec.Manager, spec.ManagerID = head.displayName(), head.id
	}
	spec.ID = oktaID(sd.rng, prefixUser)
	u, err := sd.o.addUserLocked(spec, sd.rng, sd.now)
	if err != nil {
		panic("oktatest: SeedDemo: " + err.Error())
	}
	sd.byLogin[spec.Login] = u
	net := officeNets[sd.rng.IntN(len(officeNets))]
	if sd.rng.IntN(3) == 0 {
		net = homeNets[sd.rng.IntN(len(homeNets))]
	}
	sd.homeNets[u] = net
	sd.uas[u] = desktopUAs[sd.rng.IntN(len(desktopUAs))]
	return u
}

// factorsFor picks a plausible factor set: nearly everyone has push.
func (sd *seeder) factorsFor() []string {
	var fs []string
	if sd.rng.IntN(10) < 9 {
		fs = append(fs, FactorPush)
	}
	if sd.rng.IntN(10) < 4 {
		fs = append(fs, FactorSMS)
	}
	if sd.rng.IntN(10) < 3 {
		fs = append(fs, FactorTOTP)
	}
	if sd.rng.IntN(4) == 0 {
		fs = append(fs, FactorWebAuthn)
	}
	if len(fs) == 0 {
		fs = append(fs, FactorEmail)
	}
	return fs
}

func appsFor(dept string) []string {
	apps := append([]string{}, baseApps...)
	for _, d := range seedDepartments {
		if d.name == dept {
			apps = append(apps, d.apps...)
		}
	}
	return apps
}

func (sd *seeder) seedUsers() {
	ago := func(d float64) time.Time { return sd.now.Add(-sd.days(d)).Truncate(time.Second) }

	// Department heads first, so everyone else has a manager.
	headNames := [][2]string{
		{"Rachel", "Okonkwo"}, {"Marcus", "Bell"}, {"Helen", "Zhou"}, {"Diana", "Price"}, {"Victor", "Alvarez"},
		{"Tom", "Fischer"}, {"Nadia", "Volkova"}, {"Irene", "Walsh"}, {"Paul", "Ortega"},
	}
	for i, d := range seedDepartments {
		n := headNames[i]
		login := strings.ToLower(n[0][:1]+n[1]) + "@example.com"
		u := sd.add(UserSpec{
			Login: login, FirstName: n[0], LastName: n[1], Department: d.name, Title: d.head,
			Groups: []string{d.name}, Apps: appsFor(d.name), Factors: []string{FactorPush, FactorWebAuthn},
			Sessions: sd.rng.IntN(4), Created: ago(800 + float64(i*17)),
		})
		sd.heads[d.name] = u
	}

	// The SSWS token's owner.
	svc := UserSpec{
		Login: ServiceAccountLogin, FirstName: "idcmd", LastName: "Service", DisplayName: "idcmd Service Account",
		Department: "IT", Title: "Service Account", UserType: "Service", Groups: []string{GroupOktaAdmins},
		Created: ago(400), City: "New York", State: "NY",
	}
	svc.ID = sd.o.svcID
	if sd.o.users[svc.ID] == nil {
		sd.addWithID(svc)
	}

	fixtures := []UserSpec{
		{Login: DemoActiveUser, FirstName: "John", LastName: "Doe", Department: "Engineering", Title: "Senior Software Engineer",
			MobilePhone: "+14155550134", Groups: []string{"Engineering", "VPN Users"}, Apps: appsFor("Engineering"),
			Factors: []string{FactorPush, FactorSMS, FactorTOTP, FactorWebAuthn}, Sessions: 3, Created: ago(612), City: "New York", State: "NY"},
		{Login: DemoAdminUser, FirstName: "Alex", LastName: "Wong", Department: "IT", Title: "Identity and Access Administrator",
			Groups: []string{"IT", GroupSuperAdmins, GroupOktaAdmins, GroupDomainAdmins, "VPN Users"}, Apps: appsFor("IT"),
			Factors: []string{FactorPush, FactorWebAuthn}, Sessions: 2, Created: ago(700), City: "New York", State: "NY"},
		{Login: DemoSuspendedUser, FirstName: "Brian", LastName: "Wilson", Department: "Sales", Title: "Account Executive",
			Status: StatusSuspended, Groups: []string{"Sales"}, Apps: appsFor("Sales"), Factors: []string{FactorPush, FactorSMS}, Created: ago(350)},
		{Login: DemoLockedUser, FirstName: "Kavya", LastName: "Patel", Department: "Finance", Title: "Financial Analyst",
			Status: StatusLockedOut, Groups: []string{"Finance"}, Apps: appsFor("Finance"), Factors: []string{FactorPush}, Created: ago(280)},
		{Login: DemoStagedUser, FirstName: "Lucy", LastName: "Chen", Department: "Marketing", Title: "Content Strategist",
			Status: StatusStaged, NoPassword: true, Groups: []string{"Marketing"}, Created: ago(2)},
		{Login: DemoProvisionedUser, FirstName: "Sam", LastName: "Nguyen", Department: "Engineering", Title: "Software Engineer",
			Status: StatusProvisioned, NoPassword: true, Groups: []string{"Engineering"}, Apps: appsFor("Engineering"), Created: ago(3.2)},
		{Login: DemoDeprovisionedUser, FirstName: "Maria", LastName: "Garcia", Department: "Sales", Title: "Sales Manager",
			Status: StatusDeprovisioned, Groups: []string{"Sales"}, Apps: appsFor("Sales"), Factors: []string{FactorPush}, Created: ago(500)},
		{Login: DemoPasswordExpiredUser, FirstName: "Emily", LastName: "Johnson", Department: "HR", Title: "Recruiter",
			Status: StatusPasswordExpired, Groups: []string{"HR"}, Apps: appsFor("HR"), Factors: []string{FactorPush, FactorSMS}, Created: ago(420)},
		{Login: DemoRecoveryUser, FirstName: "Robert", LastName: "Brown", Department: "Support", Title: "Support Engineer",
			Status: StatusRecovery, Groups: []string{"Support"}, Apps: appsFor("Support"), Factors: []string{FactorSMS}, Created: ago(330)},
	}
	for _, f := range fixtures {
		if f.Status == StatusDeprovisioned {
			f.Apps = nil // deprovisioned from every app
		}
		sd.add(f)
	}
	sd.homeNets[sd.byLogin[DemoActiveUser]] = netNYCOffice
	sd.homeNets[sd.byLogin[DemoAdminUser]] = netVPN
	sd.homeNets[sd.byLogin[DemoSuspendedUser]] = netNYCOffice

	// Everyone else: mostly ACTIVE, with a few of every other status.
	extra := []string{
		StatusSuspended, StatusLockedOut, StatusPasswordExpired, StatusRecovery,
		StatusStaged, StatusProvisioned, StatusDeprovisioned, StatusDeprovisioned,
	}
	const bulk = 56
	for i := range bulk {
		first := firstNames[sd.rng.IntN(len(firstNames))]
		last := lastNames[sd.rng.IntN(len(lastNames))]
		login := strings.ToLower(first[:1]+last) + "@example.com"
		for n := 2; sd.o.byLogin[login] != nil; n++ {
			login = fmt.Sprintf("%s%d@example.com", strings.ToLower(first[:1]+last), n)
		}
		d := seedDepartments[sd.rng.IntN(len(seedDepartments))]
		status := StatusActive
		if i%7 == 3 && len(extra) > 0 {
			status, extra = extra[0], extra[1:]
		}
		spec := UserSpec{
			Login: login, FirstName: first, LastName: last, Department: d.name,
			Title: d.titles[sd.rng.IntN(len(d.titles))], Status: status,
			Groups: []string{d.name}, Apps: appsFor(d.name), Factors: sd.factorsFor(),
			Created: ago(20 + sd.rng.Float64()*700),
		}
		if i%11 == 5 { // contractors
			spec.UserType, spec.Groups, spec.Apps = "Contractor", []string{d.name, "Contractors"}, []string{"Slack", "Zoom"}
		}
		if d.name == "Engineering" && sd.rng.IntN(4) == 0 {
			spec.Groups = append(spec.Groups, GroupAWSProductionAdmins)
		}
		if sd.rng.IntN(3) == 0 {
			spec.Groups = append(spec.Groups, "VPN Users")
		}
		switch status {
		case StatusActive:
			spec.Sessions = sd.rng.IntN(6)
		case StatusStaged, StatusProvisioned:
			spec.NoPassword, spec.Factors, spec.Created = true, nil, ago(1+sd.rng.Float64()*5)
		case StatusDeprovisioned:
			spec.Apps = nil
		}
		sd.add(spec)
	}
}

// addWithID adds spec keeping its ID (the service account's is fixed by
// the org so the SSWS actor and the seeded user agree).
func (sd *seeder) addWithID(spec UserSpec) *user {
	u, err := sd.o.addUserLocked(spec, sd.rng, sd.now)
	if err != nil {
		panic("oktatest: SeedDemo: " + err.Error())
	}
	sd.byLogin[spec.Login] = u
	return u
}
