package prisma

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// An IAM policy and its alert rule are the supported way to get Prisma
// alerts about identities: Prisma evaluates the policy's RQL over the
// identities it pulled (Okta through okta_idp) and raises an alert for
// each match in the alert rule's account groups. Policy.json: "a new
// custom policy requires a saved search", so creating one takes four
// calls:
//
//  1. POST /iam/api/v3/search/permission {query}: runs the IAM query and,
//     without an id, creates a saved search (IAMV2MicroService.json);
//  2. POST /search/history/{id}: names it and marks it saved
//     (SearchManager.json, pan.dev "Manage a Saved Search");
//  3. POST /policy: policyType iam, rule.criteria = the search id,
//     rule.parameters.savedSearch "true", rule.type IAM;
//  4. POST /alert/rule: the policy, the target account groups.

// Policy is PolicyModel, the fields idcmd reads.
type Policy struct {
	PolicyID    string `json:"policyId"`
	Name        string `json:"name"`
	PolicyType  string `json:"policyType"`
	Severity    string `json:"severity"`
	Description string `json:"description"`
	CloudType   string `json:"cloudType"`
	Enabled     bool   `json:"enabled"`
	Rule        struct {
		Name     string `json:"name"`
		Criteria string `json:"criteria"`
		Type     string `json:"type"`
	} `json:"rule"`
	Raw json.RawMessage `json:"-"`
}

// AlertRule is PolicyScanConfigModel, the fields idcmd reads.
type AlertRule struct {
	ID       string   `json:"policyScanConfigId"`
	Name     string   `json:"name"`
	Enabled  bool     `json:"enabled"`
	Policies []string `json:"policies"`
	Target   struct {
		AccountGroups []string `json:"accountGroups"`
	} `json:"target"`
	Raw json.RawMessage `json:"-"`
}

// IdentityPolicyRequest is what CreateIdentityPolicy creates.
type IdentityPolicyRequest struct {
	Name        string
	Description string
	// Query is the IAM RQL, config from iam where ...
	Query string
	// Severity is low, medium or high.
	Severity string
	// AccountGroups are the account group ids the alert rule targets.
	AccountGroups []string
	Labels        []string
}

// IdentityPolicy is what CreateIdentityPolicy made.
type IdentityPolicy struct {
	SearchID  string
	Policy    Policy
	AlertRule AlertRule
}

// FindPolicy returns the policy named name (GET /policy?policy.name=),
// or nil.
func (c *Client) FindPolicy(ctx context.Context, name string) (*Policy, error) {
	const op = "find policy"
	raw, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/policy?policy.name=" + url.QueryEscape(name), retry: httpx.RetryIdempotent})
	if err != nil {
		return nil, err
	}
	var items []json.RawMessage
	if err := decode(op, raw, &items); err != nil {
		return nil, err
	}
	for _, item := range items {
		var p Policy
		if err := decode(op, item, &p); err != nil {
			return nil, err
		}
		if strings.EqualFold(p.Name, name) {
			p.Raw = item
			return &p, nil
		}
	}
	return nil, nil
}

// CreateIdentityPolicy creates the saved search, the IAM policy and its
// alert rule. A failure after the policy was made says so in the error's
// causes, so the caller can finish in the console rather than create it
// twice.
func (c *Client) CreateIdentityPolicy(ctx context.Context, r IdentityPolicyRequest) (*IdentityPolicy, error) {
	switch {
	case strings.TrimSpace(r.Name) == "":
		return nil, invalid("a policy needs a name")
	case strings.TrimSpace(r.Query) == "":
		return nil, invalid("a policy needs an IAM query")
	case len(r.AccountGroups) == 0:
		return nil, invalid("an alert rule needs at least one account group")
	}
	out := &IdentityPolicy{}
	// 1. The IAM search; its id is a new saved search.
	raw, err := c.do(ctx, call{op: "iam search", method: http.MethodPost, path: "/iam/api/v3/search/permission",
		body: map[string]string{"query": r.Query}, retry: httpx.RetryIdempotent})
	if err != nil {
		return nil, err
	}
	var sr struct {
		ID string `json:"id"`
	}
	if err := decode("iam search", raw, &sr); err != nil {
		return nil, err
	}
	if sr.ID == "" {
		return nil, invalid("Prisma Cloud answered the IAM search without a search id")
	}
	out.SearchID = sr.ID
	// 2. Name it and mark it saved.
	save := map[string]any{"id": sr.ID, "name": r.Name, "description": r.Description, "query": r.Query, "saved": true,
		"timeRange": AllTime}
	if _, err := c.do(ctx, call{op: "save search", method: http.MethodPost, path: "/search/history/" + url.PathEscape(sr.ID),
		body: save, retry: httpx.RetryRateLimited}); err != nil {
		return nil, duplicateConflict(err)
	}
	// 3. The policy.
	labels := r.Labels
	if labels == nil {
		labels = []string{}
	}
	pol := map[string]any{
		"name": r.Name, "description": r.Description, "policyType": "iam", "cloudType": "all", "severity": r.Severity,
		"enabled": true, "labels": labels,
		"rule": map[string]any{"name": r.Name, "criteria": sr.ID, "parameters": map[string]string{"savedSearch": "true"}, "type": "IAM"},
	}
	raw, err = c.do(ctx, call{op: "add policy", method: http.MethodPost, path: "/policy", body: pol, retry: httpx.RetryRateLimited})
	if err != nil {
		return nil, duplicateConflict(err)
	}
	if err := decode("add policy", raw, &out.Policy); err != nil {
		return nil, err
	}
	out.Policy.Raw = raw
	// 4. The alert rule.
	rule := map[string]any{
		"name": r.Name, "description": "Raises the alerts of the IAM policy " + r.Name + " (created by idcmd)",
		"enabled": true, "scanAll": false, "allowAutoRemediate": false, "notifyOnOpen": true,
		"policies": []string{out.Policy.PolicyID}, "target": map[string]any{"accountGroups": r.AccountGroups},
	}
	raw, err = c.do(ctx, call{op: "add alert rule", method: http.MethodPost, path: "/alert/rule", body: rule, retry: httpx.RetryRateLimited})
	if err != nil {
		if ue := upstream.As(err); ue != nil {
			ue.Causes = append(ue.Causes, "the policy "+out.Policy.PolicyID+" ("+r.Name+") was created, its alert rule was not: "+
				"add the rule in the console (Alerts > Alert Rules) or delete the policy and run the command again")
		}
		return out, err
	}
	if err := decode("add alert rule", raw, &out.AlertRule); err != nil {
		return out, err
	}
	out.AlertRule.Raw = raw
	return out, nil
}

// duplicateConflict reports Prisma's duplicate-name refusals (400
// duplicate_name, duplicate_search_name) as the conflict they are.
func duplicateConflict(err error) error {
	if ue := upstream.As(err); ue != nil && strings.HasPrefix(ue.Code, "duplicate_") {
		ue.Kind = upstream.Conflict
		ue.Message = "an object with this name exists already"
	}
	return err
}
