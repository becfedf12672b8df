package prismatest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Integrations (pan.dev IntegrationsPull.json): GET /integration with the
// type filter, and POST /integration/test. The sandbox has one okta_idp
// integration, GREEN; tests make it RED with BreakIntegration.

// SandboxOktaIntegration is the name of the seeded okta_idp integration.
const SandboxOktaIntegration = "Okta (idcmd sandbox)"

// SandboxOktaDomain is the seeded integration's Okta org.
const SandboxOktaDomain = "idcmd-sandbox.okta.com"

// integrationTypes are the types GET /integration?type= accepts; others
// answer 400 invalid_integration_type.
var integrationTypes = []string{"okta_idp", "qualys", "tenable", "slack", "splunk", "amazon_sqs", "webhook",
	"microsoft_teams", "azure_service_bus_queue", "service_now", "pager_duty", "demisto", "google_cscc",
	"aws_security_hub", "aws_s3", "snowflake", "email", "jira"}

// integration is one stored integration.
type integration struct {
	ID, Name, Type, Description string
	Enabled                     bool
	Domain                      string
	Status                      string // GREEN, YELLOW, RED
	ReasonType, Reason          string
	ReasonKey                   string
	ReasonCode                  int
	ReasonAt                    time.Time
	Created, Modified           time.Time
}

func (in *integration) view() map[string]any {
	m := map[string]any{
		"id": in.ID, "name": in.Name, "integrationType": in.Type, "description": in.Description,
		"enabled": in.Enabled, "status": in.Status, "valid": in.Status == "GREEN",
		"createdBy": "admin@example.com", "createdTs": in.Created.UnixMilli(),
		"lastModifiedBy": "admin@example.com", "lastModifiedTs": in.Modified.UnixMilli(),
		// Prisma never answers a secret back: the token is masked.
		"integrationConfig": map[string]any{"domain": in.Domain, "apiToken": "********"},
		"alertRules":        []any{},
	}
	if in.Status != "GREEN" {
		m["reason"] = map[string]any{
			"errorType": in.ReasonType, "message": in.Reason, "lastUpdated": in.ReasonAt.UnixMilli(),
			"details": map[string]any{"statusCode": in.ReasonCode, "i18nKey": in.ReasonKey, "subject": in.Domain},
		}
	}
	return m
}

func (s *Server) seedIntegrations() {
	now := s.now()
	s.state.integrations = append(s.state.integrations, &integration{
		ID: "a3d6c7e0-4f1b-4f57-9c2a-0c1d2e3f4a5b", Name: SandboxOktaIntegration, Type: "okta_idp",
		Description: "Okta users and groups for IAM Security", Enabled: true, Domain: SandboxOktaDomain,
		Status: "GREEN", Created: now.Add(-90 * 24 * time.Hour), Modified: now.Add(-10 * time.Minute),
	})
}

// AddIntegration stores an integration of typ, GREEN, and returns its id.
func (s *Server) AddIntegration(name, typ, domain string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	id := newObjectID()
	s.state.integrations = append(s.state.integrations, &integration{ID: id, Name: name, Type: typ, Enabled: true,
		Domain: domain, Status: "GREEN", Created: now, Modified: now})
	return id
}

// RemoveIntegrations deletes every integration of typ (a tenant without
// the IAM Security module has no okta_idp integration).
func (s *Server) RemoveIntegrations(typ string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.integrations = slices.DeleteFunc(s.state.integrations, func(in *integration) bool { return in.Type == typ })
}

// BreakIntegration marks the named integration RED with reason, as Prisma
// does when a pull fails (the Okta API token was revoked: status 401).
func (s *Server) BreakIntegration(name, reason string) {
	s.setIntegration(name, "RED", reason)
}

// DegradeIntegration marks the named integration YELLOW with reason.
func (s *Server) DegradeIntegration(name, reason string) {
	s.setIntegration(name, "YELLOW", reason)
}

// RepairIntegration makes the named integration GREEN again.
func (s *Server) RepairIntegration(name string) { s.setIntegration(name, "GREEN", "") }

func (s *Server) setIntegration(name, status, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, in := range s.state.integrations {
		if in.Name == name {
			in.Status, in.Reason, in.ReasonAt = status, reason, s.now()
			in.ReasonType, in.ReasonKey, in.ReasonCode = "", "", 0
			if status != "GREEN" {
				in.ReasonType, in.ReasonKey, in.ReasonCode = "HTTP_EXCEPTION", "invalid_credentials", http.StatusUnauthorized
			}
			return
		}
	}
	panic("prismatest: no integration " + name)
}

func (s *Server) listIntegrations(w http.ResponseWriter, r *http.Request) {
	typ := strings.ToLower(r.URL.Query().Get("type"))
	if typ != "" && !slices.Contains(integrationTypes, typ) {
		WriteStatus(w, http.StatusBadRequest, "invalid_integration_type", r.URL.Query().Get("type"))
		return
	}
	s.mu.Lock()
	out := []any{}
	for _, in := range s.state.integrations {
		if typ == "" || in.Type == typ {
			out = append(out, in.view())
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// testIntegration is POST /integration/test?id=: name, integrationType
// and integrationConfig are required; with the id of a saved integration
// the stored configuration is tested (a masked token means "the stored
// one"), and the answer says whether Okta accepted it.
func (s *Server) testIntegration(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Name              string          `json:"name"`
		IntegrationType   string          `json:"integrationType"`
		IntegrationConfig json.RawMessage `json:"integrationConfig"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&b); err != nil {
		WriteStatus(w, http.StatusBadRequest, "bad_request", "")
		return
	}
	switch {
	case b.IntegrationType == "":
		WriteStatus(w, http.StatusBadRequest, "missing_integration_type", "")
		return
	case strings.TrimSpace(b.Name) == "":
		WriteStatus(w, http.StatusBadRequest, "invalid_integration_name", "")
		return
	case len(b.IntegrationConfig) == 0 || string(b.IntegrationConfig) == "null":
		WriteStatus(w, http.StatusBadRequest, "missing_integration_config", "")
		return
	}
	id := r.URL.Query().Get("id")
	s.mu.Lock()
	var found *integration
	for _, in := range s.state.integrations {
		if in.ID == id {
			c := *in
			found = &c
		}
	}
	s.mu.Unlock()
	if found == nil {
		// Without a saved integration there is no stored token to test.
		WriteStatus(w, http.StatusBadRequest, "invalid_id", id)
		return
	}
	if found.Status == "RED" {
		writeJSON(w, http.StatusOK, map[string]any{"success": false, "statusCode": http.StatusUnauthorized,
			"errorMessages": []any{map[string]any{"i18nKey": found.ReasonKey, "severity": "ERROR", "subject": found.Reason}},
			"tests": []any{map[string]any{"key": "okta_api", "description": "Okta API reachable with the stored token",
				"success": false, "errorMessage": found.Reason}}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "statusCode": http.StatusOK, "errorMessages": []any{},
		"tests": []any{map[string]any{"key": "okta_api", "description": "Okta API reachable with the stored token", "success": true}}})
}
