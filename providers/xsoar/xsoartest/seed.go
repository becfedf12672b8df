package xsoartest

import "time"

// SeedDemo adds the sandbox's demo incidents: four open identity incidents
// with active investigations, and one closed one, so a new user sees
// write-back land in a war room and a closed investigation refuse it.
// Their IDs are in s.Incidents(), oldest first ("1" to "5" on a fresh
// server). Each names users of the Okta and PingOne fakes' demo tenants
// (oktatest, pingonetest) and tells their seeded story; times are US
// Eastern (UTC-5), the demo company's zone. xsoartest does not import the
// other fakes, so the sandbox's test checks that the users exist. They are
// retained: the retention never deletes them, only their oldest entries
// beyond MaxEntries.
func SeedDemo(s *Server) {
	now := s.now().UTC()
	for _, in := range []Incident{
		{
			Name: "Okta: suspicious sign-in jdoe@example.com", Type: "Okta Identity", Severity: SeverityHigh,
			Details: "MFA fatigue: nine rejected Okta Verify pushes from Moscow (RU) at 03:12 US Eastern, then an accepted push, a session and SSO into AWS and GitHub from the same address.",
			Labels:  []Label{{Type: "user", Value: "jdoe@example.com"}, {Type: "ip", Value: "95.173.136.72"}},
		},
		{
			Name: "PingOne: password spraying", Type: "PingOne Identity", Severity: SeverityMedium,
			Details: "Failed passwords against a dozen accounts from a botnet and Lagos (NG), then repeated failures against kpatel@example.com from Lagos (HIGH risk); the SOC locked the account.",
			Labels:  []Label{{Type: "user", Value: "kpatel@example.com"}, {Type: "ip", Value: "105.112.96.14"}},
		},
		{
			Name: "Okta: Super Admins grant by awong@example.com", Type: "Okta Identity", Severity: SeverityHigh,
			Details: "A 02:40 US Eastern sign-in of the administrator, then a user added to Super Admins six minutes later.",
			Labels:  []Label{{Type: "user", Value: "awong@example.com"}},
		},
		{
			Name: "PingOne: password locked out mgarcia@example.com", Type: "PingOne Identity", Severity: SeverityLow,
			Details: "Five wrong passwords from a Tor exit node locked the password out.",
			Labels:  []Label{{Type: "user", Value: "mgarcia@example.com"}, {Type: "ip", Value: "185.220.101.47"}},
		},
		{
			Name: "Okta: impossible travel bwilson@example.com", Type: "Okta Identity", Severity: SeverityMedium,
			Details: "Closed: a sign-in from New York, then Sao Paulo 40 minutes later; awong@example.com suspended the user.",
			Labels:  []Label{{Type: "user", Value: "bwilson@example.com"}, {Type: "ip", Value: "177.37.210.9"}},
			Status:  StatusDone, Closed: now,
		},
	} {
		if in.Status == StatusPending {
			in.Status = StatusActive
		}
		in.Occurred = now.Add(-30 * time.Minute)
		s.addIncident(in, true)
	}
}
