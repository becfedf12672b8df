package prismatest

// tenant is the fake's state, guarded by Server.mu. Each feature adds its
// own fields here and its seed in seed.go.
type tenant struct {
	permissions []permission // the IAM search's rows, in answer order (iam.go)
	// integrations.go
	integrations []*integration
	// alerts.go
	alerts              []*alert
	optionalDismissNote bool // GET /alert/dismiss/require_dismissal_note answers !this
	statusChanges       int
	// policies.go
	policies   []*policy
	alertRules []*alertRule
	searches   map[string]*search
}

func newTenant() tenant { return tenant{searches: map[string]*search{}} }

// routes are the API routes, one block per feature file.
func (s *Server) routes() []route {
	rs := []route{
		{"GET /integration", s.listIntegrations},
		{"POST /integration/test", s.testIntegration},
		{"POST /v2/alert", s.listAlerts},
		{"POST /alert/dismiss", s.dismissAlerts},
		{"POST /alert/reopen", s.reopenAlerts},
		{"GET /alert/dismiss/require_dismissal_note", s.requireDismissalNote},
		{"GET /policy", s.listPolicies},
		{"POST /policy", s.addPolicy},
		{"POST /alert/rule", s.addAlertRule},
		{"POST /iam/api/v3/search/permission", s.iamSearchV3},
		{"POST /search/history/{id}", s.saveSearch},
	}
	return append(rs, s.iamRoutes()...)
}

// seed fills the tenant with the sandbox's data.
func (s *Server) seed() {
	s.seedIntegrations()
	s.seedAlerts()
	s.seedIAM()
}
