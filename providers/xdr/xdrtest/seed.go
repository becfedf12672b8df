package xdrtest

// SeedDemo adds the sandbox's demo incidents: identity incidents that
// match the stories of the Okta and PingOne fakes' demo tenants, three
// open and one resolved. On a fresh server their IDs are "1" to "4", in
// the order below.
func SeedDemo(s *Server) {
	s.AddIncident("Okta: MFA fatigue against jdoe@example.com", "high")
	s.AddIncident("Okta: password spraying against kpatel@example.com from NG", "medium")
	s.AddIncident("Okta: admin role granted to awong@example.com at an odd hour", "medium")
	resolved := s.AddIncident("Okta: impossible travel for bwilson@example.com", "high")
	s.ResolveIncident(resolved)
}
