package commands

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/pingone"
	"github.com/idcmd/idcmd/providers/upstream"
)

// PingOneSubscriptionEvents is the SOP's webhook event list, subscribed
// to when the caller names none (translated to real action types).
var PingOneSubscriptionEvents = []string{
	"USER_LOGIN", "USER_LOGOUT", "USER_LOCKED", "USER_UNLOCKED", "USER_DELETED", "USER_CREATED",
	"USER_ACCOUNT_DISABLED", "USER_ACCOUNT_ENABLED", "MFA_VERIFY_FAILED", "MFA_DEVICE_ENROLLED",
	"USER_PASSWORD_RESET", "RISK_EVENT",
	// Not in the SOP's list, whose USER_LOGIN names successes only: failed
	// sign-ins are what a password spray looks like, and the SOP routes
	// them (only if suspicious) all the same.
	"USER_LOGIN_FAILED",
}

// defaultSubscriptionName names the subscription when the caller does not.
const defaultSubscriptionName = "idcmd"

// PingOneCreateSubscriptionArgs say where PingOne sends and what.
type PingOneCreateSubscriptionArgs struct {
	// Where PingOne delivers: idcmd's POST /pingone/webhook as PingOne reaches it. HTTPS (PingOne refuses anything else); http only on a loopback host, for the sandbox.
	URL string `json:"url" validate:"required,max=2048" example:"https://idcmd.example.com/pingone/webhook"`
	// SOP event names (USER_LOGIN, MFA_VERIFY_FAILED, ...) or PingOne action types (USER.LOCKED); default the SOP's list: USER_LOGIN, USER_LOGOUT, USER_LOCKED, USER_UNLOCKED, USER_DELETED, USER_CREATED, USER_ACCOUNT_DISABLED, USER_ACCOUNT_ENABLED, MFA_VERIFY_FAILED, MFA_DEVICE_ENROLLED, USER_PASSWORD_RESET, RISK_EVENT.
	Events []string `json:"events,omitempty" validate:"omitempty,max=100,dive,min=1,max=128"`
	// The subscription's name; default idcmd. A subscription with this name (or else this URL) is updated rather than duplicated.
	Name string `json:"name,omitempty" validate:"omitempty,max=256" example:"idcmd"`
}

// Validate checks the URL's scheme and the event names.
func (a *PingOneCreateSubscriptionArgs) Validate() error {
	if msg := hookURLProblem("PingOne", a.URL); msg != "" {
		return inputError("The arguments are invalid", "body.url", msg)
	}
	if err := validPingOneTypes("body.events", a.Events); err != nil {
		return err
	}
	if a.Name != "" && strings.TrimSpace(a.Name) == "" {
		return inputError("The arguments are invalid", "body.name", "must not be blank")
	}
	return nil
}

// PingOneCreateSubscription registers idcmd's PingOne webhook.
var PingOneCreateSubscription = Spec[PingOneCreateSubscriptionArgs, PingOneSubscription]{
	Name:    "pingone-create-subscription",
	Summary: "Create (or update) the PingOne webhook subscription that sends identity events to idcmd",
	Description: "POST /subscriptions (PUT when a subscription with the same name or URL exists): format ACTIVITY, " +
		"JSON_ARRAY batches of up to 500 events, enabled, source IP and User-Agent exposed, TLS certificates verified for https, and the header " +
		"pingone.webhook_header carrying pingone.webhook_secret, which POST /pingone/webhook checks. The SOP's event " +
		"names are translated to PingOne's action types. Refused (400) while pingone.webhook_secret is not set. " +
		"The secret is never returned.",
	Provider: PingOne,
	Context:  Context{Prefix: "PingOne.Subscription", Key: "ID"},
	Risk:     Write,
	Run: func(ctx context.Context, p Providers, a PingOneCreateSubscriptionArgs) (Reply[PingOneSubscription], error) {
		header, secret := strings.TrimSpace(p.Hooks.PingOneHeader), p.Hooks.PingOneSecret
		if secret == "" {
			return Reply[PingOneSubscription]{}, inputError(
				"idcmd's PingOne webhook secret is not configured",
				"config.pingone.webhook_secret",
				"set pingone.webhook_secret (or PINGONE_WEBHOOK_SECRET) and restart idcmd: it is the value PingOne must send and POST /pingone/webhook checks")
		}
		if header == "" {
			header = "Authorization"
		}
		c, err := p.pingOneClient()
		if err != nil {
			return Reply[PingOneSubscription]{}, err
		}
		want := pingOneSubscriptionFor(a, header, secret)
		existing, err := c.ListSubscriptions(ctx)
		if err != nil {
			return Reply[PingOneSubscription]{}, err
		}
		var got *pingone.Subscription
		action := "created"
		if old := sameSubscription(existing, want); old != nil {
			action = "updated"
			got, err = c.UpdateSubscription(ctx, old.ID, want)
		} else {
			got, err = c.CreateSubscription(ctx, want)
		}
		if err != nil {
			return Reply[PingOneSubscription]{}, subscriptionArgumentError(err)
		}
		out := pingOneSubscriptionOut(*got, header, action)
		return Reply[PingOneSubscription]{Outputs: out, Readable: pingOneSubscriptionTable(out), Raw: rawJSON(redactSecret(got.Raw, secret))}, nil
	},
}

// pingOneSubscriptionFor is the subscription idcmd asks for.
func pingOneSubscriptionFor(a PingOneCreateSubscriptionArgs, header, secret string) pingone.Subscription {
	events := a.Events
	if len(events) == 0 {
		events = PingOneSubscriptionEvents
	}
	u, _ := url.Parse(a.URL)
	return pingone.Subscription{
		Name:    cmp.Or(strings.TrimSpace(a.Name), defaultSubscriptionName),
		Enabled: true,
		// Certificates are verified wherever there are any.
		VerifyTLSCertificates: strings.EqualFold(u.Scheme, "https"),
		Format:                "ACTIVITY",
		HTTPEndpoint:          pingone.SubscriptionEndpoint{URL: a.URL, Headers: map[string]string{header: secret}},
		// The source IP and User-Agent are what idcmd's events carry as
		// client IP, geo and user agent; PingOne leaves them out unless asked.
		FilterOptions: pingone.SubscriptionFilter{IncludedActionTypes: PingOneActionTypes(events), IPAddressExposed: true, UserAgentExposed: true},
		PayloadOptions: &pingone.PayloadOptions{
			MaximumPayloadLimit: &pingone.PayloadLimit{Type: "EVENTS_PER_PAYLOAD", Size: 500},
			PayloadFormat:       &pingone.PayloadFormat{HTTPS: &pingone.HTTPSPayloadFormat{Format: "JSON_ARRAY"}},
		},
	}
}

// sameSubscription is the subscription a call replaces: the one with the
// same name, or else the one delivering to the same URL.
func sameSubscription(list []pingone.Subscription, want pingone.Subscription) *pingone.Subscription {
	for i := range list {
		if list[i].Name == want.Name {
			return &list[i]
		}
	}
	for i := range list {
		if list[i].HTTPEndpoint.URL == want.HTTPEndpoint.URL {
			return &list[i]
		}
	}
	return nil
}

// subscriptionArgumentError ties PingOne's refusal of the URL or an
// action type to the argument.
func subscriptionArgumentError(err error) error {
	var ue *upstream.Error
	if !upstream.IsKind(err, upstream.Invalid) || !errors.As(err, &ue) {
		return err
	}
	causes := strings.Join(ue.Causes, " ")
	switch {
	case strings.Contains(causes, "httpEndpoint.url"):
		return argumentError("body.url", "PingOne refused the URL", err)
	case strings.Contains(causes, "includedActionTypes"):
		return argumentError("body.events", "PingOne refused an action type", err)
	}
	return err
}

// redactSecret replaces the secret's value wherever PingOne's answer
// carries it (httpEndpoint.headers), so raw_response never shows it.
func redactSecret(raw []byte, secret string) []byte {
	if secret == "" || len(raw) == 0 {
		return raw
	}
	quoted, _ := json.Marshal(secret)
	raw = bytes.ReplaceAll(raw, quoted, []byte(`"[redacted]"`))
	if bytes.Contains(raw, []byte(secret)) {
		// Escaped differently: drop the headers object as a whole.
		var m map[string]any
		if json.Unmarshal(raw, &m) != nil {
			return []byte(`{}`)
		}
		if ep, ok := m["httpEndpoint"].(map[string]any); ok {
			delete(ep, "headers")
		}
		out, _ := json.Marshal(m)
		if bytes.Contains(out, []byte(secret)) {
			return []byte(`{}`)
		}
		return out
	}
	return raw
}

func pingOneSubscriptionOut(s pingone.Subscription, header, action string) PingOneSubscription {
	out := PingOneSubscription{
		ID: s.ID, Name: s.Name, Enabled: s.Enabled, URL: s.HTTPEndpoint.URL, ActionTypes: slices.Clone(s.FilterOptions.IncludedActionTypes),
		Format: s.Format, VerifyTLS: s.VerifyTLSCertificates, SecretHeader: header, Action: action,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
	}
	if po := s.PayloadOptions; po != nil {
		if l := po.MaximumPayloadLimit; l != nil {
			out.PayloadLimit = strconv.Itoa(l.Size) + " " + l.Type
		}
		if f := po.PayloadFormat; f != nil && f.HTTPS != nil {
			out.PayloadFormat = f.HTTPS.Format
		}
	}
	if out.ActionTypes == nil {
		out.ActionTypes = []string{}
	}
	return out
}

func pingOneSubscriptionTable(s PingOneSubscription) string {
	return table("PingOne subscription "+s.Action,
		[]string{"ID", "Name", "Enabled", "URL", "Format", "Payload", "Secret header", "Action types"},
		[][]string{{s.ID, s.Name, strconv.FormatBool(s.Enabled), s.URL, s.Format + " " + s.PayloadFormat, s.PayloadLimit,
			s.SecretHeader, strings.Join(s.ActionTypes, ", ")}})
}

// PingOneSubscription is a PingOne webhook subscription as it lands in
// XSOAR context (PingOne.Subscription). The secret is never in it.
type PingOneSubscription struct {
	// PingOne subscription ID.
	ID   string `json:"ID" example:"1b9f0e4c-7a2d-4c6b-9e3f-5d8a2c1b0f7e"`
	Name string `json:"Name" example:"idcmd"`
	// Whether PingOne is delivering (a disabled subscription accumulates events for two weeks).
	Enabled bool `json:"Enabled"`
	// Where PingOne delivers.
	URL string `json:"URL" example:"https://idcmd.example.com/pingone/webhook"`
	// The PingOne action types subscribed to.
	ActionTypes []string `json:"ActionType"`
	// ACTIVITY: each event is the /activities JSON.
	Format string `json:"Format" example:"ACTIVITY"`
	// JSON_ARRAY or ND_JSON.
	PayloadFormat string `json:"PayloadFormat,omitempty" example:"JSON_ARRAY"`
	// Batch size limit, e.g. 500 EVENTS_PER_PAYLOAD.
	PayloadLimit string `json:"PayloadLimit,omitempty" example:"500 EVENTS_PER_PAYLOAD"`
	// Whether PingOne verifies the endpoint's TLS certificate.
	VerifyTLS bool `json:"VerifyTLS"`
	// The header that carries idcmd's webhook secret (its value is never shown).
	SecretHeader string `json:"SecretHeader" example:"Authorization"`
	// created, or updated when a subscription with the same name or URL existed.
	Action    string     `json:"Action" example:"created"`
	CreatedAt *time.Time `json:"CreatedAt,omitempty"`
	UpdatedAt *time.Time `json:"UpdatedAt,omitempty"`
}
