package pingone

import (
	"cmp"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"strings"

	"github.com/idcmd/idcmd/providers/httpx"
)

const riskEvaluationsPath = "/riskEvaluations"

// Accepted values of RiskEvaluationRequest (SPEC-R EnumUserType,
// EnumFlowType).
var (
	riskUserTypes = []string{"PING_ONE", "EXTERNAL"}
	riskFlowTypes = []string{"AUTHENTICATION", "REGISTRATION", "ACCESS", "AUTHORIZATION", "TRANSACTION"}
)

// riskEvaluationBody is the POST body (SPEC-R RiskEvaluation, writable
// fields only).
type riskEvaluationBody struct {
	Event struct {
		IP   string `json:"ip"`
		User struct {
			ID   string `json:"id"`
			Name string `json:"name,omitempty"`
			Type string `json:"type"`
		} `json:"user"`
		Flow struct {
			Type string `json:"type"`
		} `json:"flow"`
		TargetResource *struct {
			Name string `json:"name"`
		} `json:"targetResource,omitempty"`
	} `json:"event"`
	RiskPolicySet *struct {
		ID string `json:"id"`
	} `json:"riskPolicySet,omitempty"`
}

// CreateRiskEvaluation asks PingOne Protect for the risk of a sign-on and
// returns the evaluation with its result. Every POST creates another
// evaluation, so it is re-sent only after a 429, when PingOne did nothing.
func (c *Client) CreateRiskEvaluation(ctx context.Context, r RiskEvaluationRequest) (*RiskEvaluation, error) {
	body, err := r.body()
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, call{
		op:          "createRiskEvaluation",
		method:      http.MethodPost,
		url:         c.endpoint(riskEvaluationsPath, nil),
		contentType: "application/json",
		body:        body,
		retry:       httpx.RetryRateLimited,
	})
	if err != nil {
		return nil, err
	}
	return decodeObject[RiskEvaluation]("createRiskEvaluation", resp)
}

// GetRiskEvaluation reads a risk evaluation by ID. PingOne has no call
// that lists them; past evaluations show in the audit activities as
// RISK_EVALUATION.CREATED.
func (c *Client) GetRiskEvaluation(ctx context.Context, id string) (*RiskEvaluation, error) {
	seg, err := pathSegment("risk evaluation ID", id)
	if err != nil {
		return nil, err
	}
	resp, err := c.get(ctx, "getRiskEvaluation", c.endpoint(riskEvaluationsPath+"/"+seg, nil))
	if err != nil {
		return nil, err
	}
	return decodeObject[RiskEvaluation]("getRiskEvaluation", resp)
}

// body checks r, fills in the defaults and encodes it.
func (r RiskEvaluationRequest) body() ([]byte, error) {
	userType := strings.ToUpper(cmp.Or(strings.TrimSpace(r.UserType), "PING_ONE"))
	flowType := strings.ToUpper(cmp.Or(strings.TrimSpace(r.FlowType), "AUTHENTICATION"))
	switch {
	case r.IP == "":
		return nil, invalid("ip is required")
	case net.ParseIP(r.IP) == nil:
		return nil, invalid("ip " + quoteForMessage(r.IP) + " is not an IP address")
	case r.UserID == "":
		return nil, invalid("user ID is required")
	case !slices.Contains(riskUserTypes, userType):
		return nil, invalid("user type must be PING_ONE or EXTERNAL")
	case !slices.Contains(riskFlowTypes, flowType):
		return nil, invalid("flow type must be one of " + strings.Join(riskFlowTypes, ", "))
	}
	var b riskEvaluationBody
	b.Event.IP = r.IP
	b.Event.User.ID = r.UserID
	b.Event.User.Name = r.UserName
	b.Event.User.Type = userType
	b.Event.Flow.Type = flowType
	if r.TargetResourceName != "" {
		b.Event.TargetResource = &struct {
			Name string `json:"name"`
		}{r.TargetResourceName}
	}
	if r.RiskPolicySetID != "" {
		b.RiskPolicySet = &struct {
			ID string `json:"id"`
		}{r.RiskPolicySetID}
	}
	return json.Marshal(b)
}
