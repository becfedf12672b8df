package prisma

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
)

// Prisma Cloud pulls Okta itself, through an integration of type okta_idp
// (IAM Security module): the SOPs' POST /v2/identity does not exist. These
// calls read that integration's health, so a SOC knows when Prisma's view
// of Okta users is stale (pan.dev IntegrationsPull.json).

// IntegrationTypeOktaIDP is the integration type Prisma gives the Okta IdP
// integration. The API answers it lower-case, as the Go SDK
// (integration/const.go) and pan.dev's Integration Configuration page
// write types; IntegrationsPull.json's enum spells it OKTA_IDP, so
// comparisons ignore case.
const IntegrationTypeOktaIDP = "okta_idp"

// Integration statuses (IntegrationViewModel.status).
const (
	IntegrationGreen  = "GREEN"
	IntegrationYellow = "YELLOW"
	IntegrationRed    = "RED"
)

// Integration is IntegrationViewModel: one integration and its health.
type Integration struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Type        string `json:"integrationType"`
	Description string `json:"description"`
	Enabled     bool   `json:"enabled"`
	// Status is GREEN, YELLOW, RED or NA.
	Status string `json:"status"`
	// Valid is false when Prisma found the integration faulty.
	Valid bool `json:"valid"`
	// Reason says why Prisma marked it faulty.
	Reason         *IntegrationReason `json:"reason"`
	CreatedBy      string             `json:"createdBy"`
	CreatedTs      int64              `json:"createdTs"`
	LastModifiedBy string             `json:"lastModifiedBy"`
	LastModifiedTs int64              `json:"lastModifiedTs"`
	// Domain is integrationConfig.domain (the Okta org), the one
	// configuration value idcmd shows.
	Domain string `json:"-"`
	// config is integrationConfig as Prisma answered it, sent back by
	// TestIntegration; never shown (it can hold a token).
	config json.RawMessage
	// Raw is the integration as Prisma answered it, with its
	// integrationConfig reduced to the domain.
	Raw json.RawMessage `json:"-"`
}

// IntegrationReason is IntegrationStatusDetails.
type IntegrationReason struct {
	// ErrorType is INVALID_CONFIG, HTTP_EXCEPTION, OTHERS, ...
	ErrorType   string `json:"errorType"`
	Message     string `json:"message"`
	LastUpdated int64  `json:"lastUpdated"`
	Details     *struct {
		StatusCode int    `json:"statusCode"`
		I18nKey    string `json:"i18nKey"`
		Subject    string `json:"subject"`
	} `json:"details"`
}

// Text is the reason in one line: the message, else the details' key.
func (r *IntegrationReason) Text() string {
	if r == nil {
		return ""
	}
	parts := []string{}
	if r.Message != "" {
		parts = append(parts, r.Message)
	}
	if d := r.Details; d != nil {
		if d.I18nKey != "" {
			parts = append(parts, strings.ReplaceAll(d.I18nKey, "_", " "))
		}
		if d.Subject != "" {
			parts = append(parts, d.Subject)
		}
		if d.StatusCode != 0 {
			parts = append(parts, "HTTP "+http.StatusText(d.StatusCode))
		}
	}
	return strings.Join(parts, "; ")
}

// LastModified is LastModifiedTs as a time (zero when unset).
func (in *Integration) LastModified() time.Time { return millis(in.LastModifiedTs) }

// ReasonUpdated is when Prisma last updated the reason: the last time it
// tried to pull and found the integration faulty.
func (in *Integration) ReasonUpdated() time.Time {
	if in.Reason == nil {
		return time.Time{}
	}
	return millis(in.Reason.LastUpdated)
}

func millis(ms int64) time.Time {
	if ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// ListIntegrations answers GET /integration?type=typ (every type when typ
// is empty).
func (c *Client) ListIntegrations(ctx context.Context, typ string) ([]Integration, error) {
	path := "/integration"
	if typ != "" {
		path += "?type=" + url.QueryEscape(typ)
	}
	const op = "list integrations"
	body, err := c.do(ctx, call{op: op, method: http.MethodGet, path: path, retry: httpx.RetryIdempotent})
	if err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	if err := decode(op, body, &raws); err != nil {
		return nil, err
	}
	out := make([]Integration, 0, len(raws))
	for _, raw := range raws {
		in, err := decodeIntegration(op, raw)
		if err != nil {
			return nil, err
		}
		if typ == "" || strings.EqualFold(in.Type, typ) {
			out = append(out, in)
		}
	}
	return out, nil
}

// decodeIntegration reads one integration and keeps its configuration
// out of Raw: only the domain is shown.
func decodeIntegration(op string, raw json.RawMessage) (Integration, error) {
	var in Integration
	if err := decode(op, raw, &in); err != nil {
		return in, err
	}
	var m map[string]json.RawMessage
	if err := decode(op, raw, &m); err != nil {
		return in, err
	}
	if cfg, ok := m["integrationConfig"]; ok {
		in.config = cfg
		var c struct {
			Domain string `json:"domain"`
		}
		_ = json.Unmarshal(cfg, &c)
		in.Domain = c.Domain
		m["integrationConfig"], _ = json.Marshal(map[string]string{"domain": c.Domain})
	}
	in.Raw, _ = json.Marshal(m)
	return in, nil
}

// IntegrationTest is ValidatorResponse: what POST /integration/test found.
type IntegrationTest struct {
	Success       bool `json:"success"`
	StatusCode    int  `json:"statusCode"`
	ErrorMessages []struct {
		I18nKey  string `json:"i18nKey"`
		Severity string `json:"severity"`
		Subject  string `json:"subject"`
	} `json:"errorMessages"`
	Tests []struct {
		Key          string `json:"key"`
		Description  string `json:"description"`
		Success      bool   `json:"success"`
		ErrorMessage string `json:"errorMessage"`
	} `json:"tests"`
	Raw json.RawMessage `json:"-"`
}

// Problems lists what the test reported as failing, one line each.
func (t *IntegrationTest) Problems() []string {
	var out []string
	for _, m := range t.ErrorMessages {
		line := strings.ReplaceAll(m.I18nKey, "_", " ")
		if m.Subject != "" {
			line += ": " + m.Subject
		}
		out = append(out, line)
	}
	for _, ts := range t.Tests {
		if !ts.Success {
			out = append(out, strings.TrimSpace(ts.Description+" "+ts.ErrorMessage))
		}
	}
	return out
}

// TestIntegration asks Prisma to test a saved integration: POST
// /integration/test?id=<id> with the integration as Prisma listed it
// (name, integrationType, integrationConfig are required). Prisma tests
// the configuration it holds, so idcmd never needs the Okta API token.
// IAMIdpMicroService's POST /api/v1/idp/integration/test is not used: it
// validates a new domain and API token before onboarding (its id is "of
// your choice"), which idcmd does not hold.
func (c *Client) TestIntegration(ctx context.Context, in Integration) (*IntegrationTest, error) {
	if in.ID == "" {
		return nil, invalid("the integration has no id")
	}
	cfg := in.config
	if len(cfg) == 0 {
		cfg = json.RawMessage(`{}`)
	}
	req := map[string]any{
		"name": in.Name, "integrationType": in.Type, "integrationConfig": cfg,
		"enabled": in.Enabled, "description": in.Description,
	}
	const op = "test integration"
	body, err := c.do(ctx, call{op: op, method: http.MethodPost, path: "/integration/test?id=" + url.QueryEscape(in.ID), body: req, retry: httpx.RetryIdempotent})
	if err != nil {
		return nil, err
	}
	var t IntegrationTest
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := decode(op, body, &t); err != nil {
			return nil, err
		}
	} else {
		t.Success = true // a bare 200 is a pass
	}
	t.Raw = body
	return &t, nil
}
