package prismatest

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// IAM policies and their alert rules, the supported way to get Prisma
// alerts about identities: an IAM search creates a saved search
// (IAMV2MicroService POST /iam/api/v3/search/permission: "if no id is
// provided, a new saved search will be created"), POST /search/history/{id}
// names it and marks it saved (SearchManager, "Manage a Saved Search"),
// POST /policy refers to it (Policy.json: "a new custom policy requires a
// saved search", rule.criteria = its id), POST /alert/rule makes Prisma
// raise the policy's alerts for account groups (AlertRules.json).
//
// RQL is validated minimally here: an IAM query must start with
// "config from iam where". The IAM permission search's fake has the real
// grammar; when both are merged, iamSearchV3 should parse with it.

// Account groups of the sandbox tenant (Settings > Account Groups); an
// alert rule must target existing ones.
const (
	AccountGroupAWSProduction = "0d6e4c59-1f62-4bfa-9d1a-7a0c3e2b1f01"
	AccountGroupAllAWS        = "0d6e4c59-1f62-4bfa-9d1a-7a0c3e2b1f02"
)

var accountGroups = []string{AccountGroupAWSProduction, AccountGroupAllAWS}

type search struct {
	ID, Name, Description, Query string
	Saved                        bool
}

type policy struct {
	ID, Name, Type, Severity, Description, CloudType string
	RuleName, Criteria                               string
	Labels                                           []string
	Enabled                                          bool
	Created                                          time.Time
}

type alertRule struct {
	ID, Name, Description string
	Policies              []string
	AccountGroups         []string
	Enabled               bool
	Created               time.Time
}

// Policies returns the names of the stored policies; AlertRules the
// stored alert rules' names and their policies' ids.
func (s *Server) Policies() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{}
	for _, p := range s.state.policies {
		out = append(out, p.Name)
	}
	return out
}

// AlertRules returns each stored alert rule's name with its policy ids.
func (s *Server) AlertRules() map[string][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]string{}
	for _, r := range s.state.alertRules {
		out[r.Name] = r.Policies
	}
	return out
}

// PolicyQuery returns the RQL of the named policy's saved search.
func (s *Server) PolicyQuery(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.state.policies {
		if p.Name == name {
			if ss := s.state.searches[p.Criteria]; ss != nil {
				return ss.Query
			}
		}
	}
	return ""
}

func validIAMQuery(q string) bool {
	f := strings.Fields(strings.ToLower(q))
	return len(f) > 4 && f[0] == "config" && f[1] == "from" && f[2] == "iam" && f[3] == "where"
}

func writeIAMError(w http.ResponseWriter, status int, code, message, target string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": message, "target": target, "details": []string{}}})
}

// iamSearchV3 runs an IAM query. This fake answers no permissions (the
// permission search's fake has them); it creates the saved search.
func (s *Server) iamSearchV3(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Query string `json:"query"`
		ID    string `json:"id"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&b); err != nil {
		writeIAMError(w, http.StatusBadRequest, "bad_request", "The request body is not valid JSON", "body")
		return
	}
	if !validIAMQuery(b.Query) {
		writeIAMError(w, http.StatusBadRequest, "invalid_query", "An IAM query starts with: config from iam where", "query")
		return
	}
	s.mu.Lock()
	ss := s.state.searches[b.ID]
	if ss == nil {
		ss = &search{ID: newObjectID(), Query: b.Query}
		s.state.searches[ss.ID] = ss
	}
	out := map[string]any{"id": ss.ID, "query": ss.Query, "saved": ss.Saved, "name": ss.Name, "searchType": "iam",
		"description": ss.Description, "timeRange": map[string]any{"type": "to_now", "value": "epoch"},
		"data": map[string]any{"items": []any{}, "totalRows": 0}}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// saveSearch is POST /search/history/{id}: only a search that was run can
// be saved; query and timeRange are required; names are unique.
func (s *Server) saveSearch(w http.ResponseWriter, r *http.Request) {
	var b struct {
		ID          string          `json:"id"`
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Query       string          `json:"query"`
		Saved       bool            `json:"saved"`
		TimeRange   json.RawMessage `json:"timeRange"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&b); err != nil {
		WriteStatus(w, http.StatusBadRequest, "bad_request", "")
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.state.searches[id]
	switch {
	case ss == nil:
		WriteStatus(w, http.StatusNotFound, "not_found", id)
		return
	case b.Query == "" || len(b.TimeRange) == 0 || strings.TrimSpace(b.Name) == "":
		WriteStatus(w, http.StatusBadRequest, "bad_request", "")
		return
	case !validIAMQuery(b.Query):
		WriteStatus(w, http.StatusBadRequest, "unsupported_search_query", "")
		return
	}
	for _, o := range s.state.searches {
		if o != ss && o.Saved && strings.EqualFold(o.Name, b.Name) {
			WriteStatus(w, http.StatusBadRequest, "duplicate_search_name", b.Name)
			return
		}
	}
	ss.Name, ss.Description, ss.Query, ss.Saved = b.Name, b.Description, b.Query, true
	writeJSON(w, http.StatusOK, map[string]any{"id": ss.ID, "name": ss.Name, "description": ss.Description, "query": ss.Query,
		"saved": true, "timeRange": map[string]any{"type": "to_now", "value": "epoch"}})
}

func (p *policy) view() map[string]any {
	return map[string]any{
		"policyId": p.ID, "name": p.Name, "policyType": p.Type, "severity": p.Severity, "description": p.Description,
		"cloudType": p.CloudType, "enabled": p.Enabled, "labels": p.Labels, "systemDefault": false, "remediable": false,
		"createdBy": "idcmd", "createdOn": p.Created.UnixMilli(), "lastModifiedBy": "idcmd", "lastModifiedOn": p.Created.UnixMilli(),
		"deleted": false, "policyMode": "custom",
		"rule": map[string]any{"name": p.RuleName, "criteria": p.Criteria, "parameters": map[string]string{"savedSearch": "true"}, "type": "IAM"},
	}
}

// listPolicies is GET /policy, with the policy.name filter.
func (s *Server) listPolicies(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("policy.name")
	s.mu.Lock()
	out := []any{}
	for _, p := range s.state.policies {
		if name == "" || p.Name == name {
			out = append(out, p.view())
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// addPolicy is POST /policy. name, policyType, rule and severity are
// required; an IAM policy's rule.criteria must be a saved search; names
// are unique (duplicate_name).
func (s *Server) addPolicy(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Name        string   `json:"name"`
		PolicyType  string   `json:"policyType"`
		Severity    string   `json:"severity"`
		Description string   `json:"description"`
		CloudType   string   `json:"cloudType"`
		Labels      []string `json:"labels"`
		Enabled     *bool    `json:"enabled"`
		Rule        *struct {
			Name       string            `json:"name"`
			Criteria   string            `json:"criteria"`
			Parameters map[string]string `json:"parameters"`
			Type       string            `json:"type"`
		} `json:"rule"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&b); err != nil {
		WriteStatus(w, http.StatusBadRequest, "bad_request", "")
		return
	}
	switch {
	case strings.TrimSpace(b.Name) == "":
		WriteStatus(w, http.StatusBadRequest, "missing_required_parameter", "name")
		return
	case b.PolicyType == "":
		WriteStatus(w, http.StatusBadRequest, "missing_required_parameter", "policyType")
		return
	case b.Severity == "":
		WriteStatus(w, http.StatusBadRequest, "missing_required_parameter", "severity")
		return
	case b.Rule == nil || b.Rule.Criteria == "" || b.Rule.Name == "" || b.Rule.Type == "" || b.Rule.Parameters == nil:
		WriteStatus(w, http.StatusBadRequest, "missing_required_parameter", "rule")
		return
	case !strings.EqualFold(b.PolicyType, "iam") || !strings.EqualFold(b.Rule.Type, "IAM"):
		// This fake only holds IAM policies.
		WriteStatus(w, http.StatusBadRequest, "invalid_parameter_value", "policyType")
		return
	}
	switch strings.ToLower(b.Severity) {
	case "critical", "high", "medium", "low", "informational":
	default:
		WriteStatus(w, http.StatusBadRequest, "invalid_parameter_value", "severity")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss := s.state.searches[b.Rule.Criteria]; ss == nil || !ss.Saved || b.Rule.Parameters["savedSearch"] != "true" {
		WriteStatus(w, http.StatusBadRequest, "invalid_rule", "rule.criteria")
		return
	}
	for _, p := range s.state.policies {
		if strings.EqualFold(p.Name, b.Name) {
			WriteStatus(w, http.StatusBadRequest, "duplicate_name", b.Name)
			return
		}
	}
	p := &policy{ID: newObjectID(), Name: b.Name, Type: "iam", Severity: strings.ToLower(b.Severity), Description: b.Description,
		CloudType: strings.ToLower(cmp.Or(b.CloudType, "all")), RuleName: b.Rule.Name, Criteria: b.Rule.Criteria, Labels: b.Labels,
		Enabled: b.Enabled == nil || *b.Enabled, Created: s.now()}
	if p.Labels == nil {
		p.Labels = []string{}
	}
	s.state.policies = append(s.state.policies, p)
	writeJSON(w, http.StatusOK, p.view())
}

// addAlertRule is POST /alert/rule: name and target.accountGroups are
// required, policies must exist, names are unique.
func (s *Server) addAlertRule(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Name        string   `json:"name"`
		Description string   `json:"description"`
		Enabled     bool     `json:"enabled"`
		ScanAll     bool     `json:"scanAll"`
		Policies    []string `json:"policies"`
		Target      *struct {
			AccountGroups []string `json:"accountGroups"`
		} `json:"target"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&b); err != nil {
		WriteStatus(w, http.StatusBadRequest, "invalid_param_value", "")
		return
	}
	switch {
	case strings.TrimSpace(b.Name) == "":
		WriteStatus(w, http.StatusBadRequest, "missing_required_param", "name")
		return
	case b.Target == nil || len(b.Target.AccountGroups) == 0:
		WriteStatus(w, http.StatusBadRequest, "missing_required_param", "target.accountGroups")
		return
	case !b.ScanAll && len(b.Policies) == 0:
		WriteStatus(w, http.StatusBadRequest, "missing_required_param", "policies")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, pid := range b.Policies {
		found := false
		for _, p := range s.state.policies {
			found = found || p.ID == pid
		}
		if !found {
			WriteStatus(w, http.StatusBadRequest, "invalid_param_value", pid)
			return
		}
	}
	for _, g := range b.Target.AccountGroups {
		if !slices.Contains(accountGroups, g) {
			WriteStatus(w, http.StatusBadRequest, "invalid_param_value", g)
			return
		}
	}
	for _, o := range s.state.alertRules {
		if strings.EqualFold(o.Name, b.Name) {
			WriteStatus(w, http.StatusBadRequest, "duplicate_alert_rule_name", b.Name)
			return
		}
	}
	ar := &alertRule{ID: newObjectID(), Name: b.Name, Description: b.Description, Policies: b.Policies,
		AccountGroups: b.Target.AccountGroups, Enabled: b.Enabled, Created: s.now()}
	s.state.alertRules = append(s.state.alertRules, ar)
	writeJSON(w, http.StatusOK, map[string]any{"policyScanConfigId": ar.ID, "name": ar.Name, "description": ar.Description,
		"enabled": ar.Enabled, "scanAll": false, "policies": ar.Policies, "allowAutoRemediate": false,
		"notifyOnOpen": true, "notifyOnDismissed": false, "notifyOnSnoozed": false, "notifyOnResolved": false,
		"lastModifiedBy": "idcmd", "lastModifiedOn": ar.Created.UnixMilli(),
		"target": map[string]any{"accountGroups": ar.AccountGroups}})
}
