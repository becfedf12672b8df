package pingone

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
)

// PingOne's webhooks are subscriptions (reference §8, spec Subscription):
// PingOne POSTs the audit activities whose action type a subscription
// includes to its httpEndpoint, with the static headers configured on it
// (there is no signature).

const (
	subscriptionsPath     = "/subscriptions"
	opCreateSubscription  = "createSubscription"
	opListSubscriptions   = "listSubscriptions"
	opUpdateSubscription  = "updateSubscription"
	subscriptionsEmbedded = "subscriptions"
)

// Subscription is a PingOne webhook subscription (spec Subscription). The
// same type is sent (ID, CreatedAt and UpdatedAt are read-only and left
// out) and received. Its HTTPEndpoint.Headers, and so Raw, hold the
// shared secret a receiver checks: never show them.
type Subscription struct {
	ID                    string `json:"id,omitempty"`
	Name                  string `json:"name"`
	Enabled               bool   `json:"enabled"`
	VerifyTLSCertificates bool   `json:"verifyTlsCertificates"`
	// Format is ACTIVITY (the /activities JSON), SPLUNK or NEWRELIC.
	Format         string               `json:"format"`
	HTTPEndpoint   SubscriptionEndpoint `json:"httpEndpoint"`
	FilterOptions  SubscriptionFilter   `json:"filterOptions"`
	PayloadOptions *PayloadOptions      `json:"payloadOptions,omitempty"`
	CreatedAt      *time.Time           `json:"createdAt,omitempty"`
	UpdatedAt      *time.Time           `json:"updatedAt,omitempty"`
	Raw            json.RawMessage      `json:"-"`
}

// SubscriptionEndpoint is where PingOne sends, with which headers.
type SubscriptionEndpoint struct {
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
}

// SubscriptionFilter selects the activities sent.
type SubscriptionFilter struct {
	IncludedActionTypes  []string `json:"includedActionTypes"`
	IncludedApplications []IDRef  `json:"includedApplications,omitempty"`
	IncludedPopulations  []IDRef  `json:"includedPopulations,omitempty"`
	IncludedTags         []string `json:"includedTags,omitempty"`
	// IPAddressExposed and UserAgentExposed put the source IP and
	// User-Agent into each activity's source section.
	IPAddressExposed bool `json:"ipAddressExposed"`
	UserAgentExposed bool `json:"userAgentExposed"`
}

// IDRef is PingOne's {"id": ...} reference.
type IDRef struct {
	ID string `json:"id"`
}

// PayloadOptions shape each delivery.
type PayloadOptions struct {
	MaximumPayloadLimit *PayloadLimit  `json:"maximumPayloadLimit,omitempty"`
	PayloadFormat       *PayloadFormat `json:"payloadFormat,omitempty"`
}

// PayloadLimit caps a batch: Type EVENTS_PER_PAYLOAD (Size 1-500) or
// KB_PER_PAYLOAD (Size 1-4096).
type PayloadLimit struct {
	Type string `json:"type"`
	Size int    `json:"size"`
}

// PayloadFormat is the HTTPS body format.
type PayloadFormat struct {
	HTTPS *HTTPSPayloadFormat `json:"https,omitempty"`
}

// HTTPSPayloadFormat is JSON_ARRAY (one array per request) or ND_JSON.
type HTTPSPayloadFormat struct {
	Format      string `json:"format"`
	PrettyPrint bool   `json:"prettyPrint,omitempty"`
}

func (s *Subscription) setRaw(b json.RawMessage) { s.Raw = b }

// body checks s and encodes the writable properties.
func (s Subscription) body() ([]byte, error) {
	switch {
	case strings.TrimSpace(s.Name) == "":
		return nil, invalid("subscription name is required")
	case s.Format == "":
		return nil, invalid("subscription format is required")
	case s.HTTPEndpoint.URL == "":
		return nil, invalid("subscription URL is required")
	case len(s.FilterOptions.IncludedActionTypes) == 0:
		return nil, invalid("a subscription needs at least one action type")
	}
	s.ID, s.CreatedAt, s.UpdatedAt = "", nil, nil
	return json.Marshal(s)
}

// CreateSubscription creates a webhook subscription. PingOne allows 50
// per environment (403 past that). Every POST creates another, so it is
// re-sent only after a 429.
func (c *Client) CreateSubscription(ctx context.Context, s Subscription) (*Subscription, error) {
	body, err := s.body()
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, call{op: opCreateSubscription, method: http.MethodPost, url: c.endpoint(subscriptionsPath, nil),
		contentType: "application/json", body: body, retry: httpx.RetryRateLimited})
	if err != nil {
		return nil, err
	}
	return decodeObject[Subscription](opCreateSubscription, resp)
}

// ListSubscriptions returns the environment's subscriptions (at most 50).
func (c *Client) ListSubscriptions(ctx context.Context) ([]Subscription, error) {
	return listAll[Subscription](ctx, c, opListSubscriptions, subscriptionsEmbedded, c.endpoint(subscriptionsPath, nil))
}

// UpdateSubscription replaces a subscription (PUT: every property is
// set, as on create). A replacement is idempotent, so it is retried like
// a read.
func (c *Client) UpdateSubscription(ctx context.Context, id string, s Subscription) (*Subscription, error) {
	seg, err := pathSegment("subscription ID", id)
	if err != nil {
		return nil, err
	}
	body, err := s.body()
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, call{op: opUpdateSubscription, method: http.MethodPut, url: c.endpoint(subscriptionsPath+"/"+seg, nil),
		contentType: "application/json", body: body, retry: httpx.RetryIdempotent})
	if err != nil {
		return nil, err
	}
	return decodeObject[Subscription](opUpdateSubscription, resp)
}
