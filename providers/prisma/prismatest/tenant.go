package prismatest

// tenant is the fake's state, guarded by Server.mu. Each feature adds its
// own fields here and its seed in seed.go.
type tenant struct {
	permissions []permission // the IAM search's rows, in answer order (iam.go)
}

func newTenant() tenant { return tenant{} }

// routes are the API routes, one block per feature file.
func (s *Server) routes() []route {
	var rs []route
	rs = append(rs, s.iamRoutes()...)
	return rs
}

// seed fills the tenant with the sandbox's data.
func (s *Server) seed() {
	s.seedIAM()
}
