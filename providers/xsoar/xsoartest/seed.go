package xsoartest

import "time"

// SeedDemo adds the sandbox's demo incidents: four open identity incidents
// with active investigations, and one closed one, so a new user sees
// write-back land in a war room and a closed investigation refuse it.
// Their IDs are in s.Incidents(), oldest first.
func SeedDemo(s *Server) {
	now := s.now().UTC()
	for _, in := range []Incident{
		{
			Name: "Okta: suspicious sign-in jdoe@example.com", Type: "Okta Identity", Severity: SeverityHigh,
			Details: "Sign-in from a new country and an anonymizing proxy, minutes after a sign-in from the usual office.",
			Labels:  []Label{{Type: "user", Value: "jdoe@example.com"}, {Type: "ip", Value: "203.0.113.45"}},
		},
		{
			Name: "PingOne: password spraying", Type: "PingOne Identity", Severity: SeverityMedium,
			Details: "Failed sign-ins against 40 accounts from one address within ten minutes.",
			Labels:  []Label{{Type: "ip", Value: "198.51.100.23"}},
		},
		{
			Name: "Okta: MFA push fatigue asmith@example.com", Type: "Okta Identity", Severity: SeverityHigh,
			Details: "Twelve denied Okta Verify pushes in five minutes, then one accepted.",
			Labels:  []Label{{Type: "user", Value: "asmith@example.com"}},
		},
		{
			Name: "PingOne: account locked out mlee@example.com", Type: "PingOne Identity", Severity: SeverityLow,
			Details: "Account locked after repeated failed passwords.",
			Labels:  []Label{{Type: "user", Value: "mlee@example.com"}},
		},
		{
			Name: "Okta: impossible travel bwayne@example.com", Type: "Okta Identity", Severity: SeverityMedium,
			Details: "Closed as a false positive: the user travelled with a corporate VPN.",
			Labels:  []Label{{Type: "user", Value: "bwayne@example.com"}},
			Status:  StatusDone, Closed: now,
		},
	} {
		if in.Status == StatusPending {
			in.Status = StatusActive
		}
		in.Occurred = now.Add(-30 * time.Minute)
		s.add(in)
	}
}
