package xsoartest

// AddIncidentWith adds an incident built from tmpl (its labels, custom
// fields, type, severity and status; ID and times are the fake's) and
// returns its ID. An active status opens its investigation.
func (s *Server) AddIncidentWith(tmpl Incident) string { return s.add(tmpl) }
