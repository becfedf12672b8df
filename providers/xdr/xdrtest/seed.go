package xdrtest

// SeedDemo adds the sandbox's demo incidents: identity incidents that
// match the stories of the Okta and PingOne fakes' demo tenants (times in
// US Eastern, UTC-5), three open and one resolved. On a fresh server their
// IDs are "1" to "4", in the order below. xdrtest does not import the
// other fakes, so the sandbox's test checks that the users exist.
func SeedDemo(s *Server) {
	s.AddIncident("Okta: MFA fatigue against jdoe@example.com", "high")
	s.AddIncident("Okta: password spraying against kpatel@example.com from NG", "medium")
	s.AddIncident("Okta: awong@example.com added a user to Super Admins at 02:40", "medium")
	resolved := s.AddIncident("Okta: impossible travel for bwilson@example.com", "high")
	s.ResolveIncident(resolved)
}
