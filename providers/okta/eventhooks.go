package okta

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
)

// Event hooks (spec tag EventHook; reference §8): Okta POSTs System Log
// events of the subscribed types to an HTTPS endpoint, once the hook is
// ACTIVE and VERIFIED. With OAuth, listing needs okta.eventHooks.read and
// every other call okta.eventHooks.manage; like the zone scopes they are
// not among the default Scopes (a scope the service app was not granted
// fails the token request, and every call with it), so an org that
// registers hooks through idcmd grants them and lists them in
// Config.Scopes.

const eventHooksPath = "/api/v1/eventHooks"

// Event hook statuses (EventHook.status, EventHookVerificationStatus).
const (
	HookActive     = "ACTIVE"
	HookInactive   = "INACTIVE"
	HookVerified   = "VERIFIED"
	HookUnverified = "UNVERIFIED"
)

// EventHook is a registered hook (spec schema EventHook) as Okta returns
// it: the auth header's value is write-only and never comes back.
type EventHook struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
	// VerificationStatus is UNVERIFIED until the endpoint has answered
	// the one-time challenge; an UNVERIFIED hook is sent nothing.
	VerificationStatus string     `json:"verificationStatus"`
	Created            *time.Time `json:"created,omitempty"`
	LastUpdated        *time.Time `json:"lastUpdated,omitempty"`
	Events             struct {
		Type  string   `json:"type"`
		Items []string `json:"items"`
	} `json:"events"`
	Channel struct {
		Type    string `json:"type"`
		Version string `json:"version"`
		Config  struct {
			URI        string            `json:"uri"`
			Headers    []EventHookHeader `json:"headers"`
			AuthScheme *struct {
				Type string `json:"type"`
				Key  string `json:"key"`
			} `json:"authScheme"`
		} `json:"config"`
	} `json:"channel"`
	// Raw is the hook exactly as Okta returned it.
	Raw json.RawMessage `json:"-"`
}

func (h *EventHook) setRaw(b json.RawMessage) { h.Raw = b }

// URI is where the hook delivers.
func (h *EventHook) URI() string { return h.Channel.Config.URI }

// EventHookHeader is an extra header Okta sends with each hook request.
type EventHookHeader struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// EventHookSpec is what a hook is created or replaced with.
type EventHookSpec struct {
	Name string
	// URI must be HTTPS (Okta calls nothing else).
	URI string
	// Events are the event types subscribed to; Okta accepts only types
	// its Event Types catalog marks event-hook-eligible.
	Events []string
	// AuthHeader and AuthSecret are the header Okta sends the secret in
	// (authScheme type HEADER), e.g. Authorization. Both or neither.
	AuthHeader, AuthSecret string
	Headers                []EventHookHeader
}

// body is the EventHook JSON Okta is sent. It holds the secret: it goes to
// Okta and nowhere else.
func (s EventHookSpec) body() ([]byte, error) {
	switch {
	case strings.TrimSpace(s.Name) == "":
		return nil, invalid("event hook name is required")
	case s.URI == "":
		return nil, invalid("event hook URI is required")
	case len(s.Events) == 0:
		return nil, invalid("an event hook needs at least one event type")
	case (s.AuthHeader == "") != (s.AuthSecret == ""):
		return nil, invalid("an event hook's auth header and secret go together")
	}
	type authScheme struct {
		Type  string `json:"type"`
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	var cfg struct {
		URI        string            `json:"uri"`
		Headers    []EventHookHeader `json:"headers"`
		AuthScheme *authScheme       `json:"authScheme,omitempty"`
	}
	cfg.URI, cfg.Headers = s.URI, s.Headers
	if cfg.Headers == nil {
		cfg.Headers = []EventHookHeader{}
	}
	if s.AuthHeader != "" {
		cfg.AuthScheme = &authScheme{Type: "HEADER", Key: s.AuthHeader, Value: s.AuthSecret}
	}
	return json.Marshal(map[string]any{
		"name":    s.Name,
		"events":  map[string]any{"type": "EVENT_TYPE", "items": s.Events},
		"channel": map[string]any{"type": "HTTP", "version": "1.0.0", "config": cfg},
	})
}

// ListEventHooks returns every event hook of the org (the operation has no
// paging).
func (c *Client) ListEventHooks(ctx context.Context) ([]EventHook, error) {
	resp, err := c.get(ctx, "listEventHooks", c.endpoint(eventHooksPath, nil))
	if err != nil {
		return nil, err
	}
	return decodeList[EventHook]("listEventHooks", resp)
}

// CreateEventHook registers a hook; Okta creates it ACTIVE and UNVERIFIED.
// A second POST would register a second hook, so only a 429 (Okta did
// nothing) is re-sent.
func (c *Client) CreateEventHook(ctx context.Context, s EventHookSpec) (*EventHook, error) {
	body, err := s.body()
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, call{op: "createEventHook", method: http.MethodPost,
		url: c.endpoint(eventHooksPath, nil), retry: httpx.RetryRateLimited, body: body})
	if err != nil {
		return nil, err
	}
	return decodeObject[EventHook]("createEventHook", resp)
}

// ReplaceEventHook replaces a hook's name, events and channel. A changed
// channel (URI, headers, auth) makes the hook UNVERIFIED until verified
// again. The same replacement twice ends in the same hook, so it is
// retried like a read.
func (c *Client) ReplaceEventHook(ctx context.Context, id string, s EventHookSpec) (*EventHook, error) {
	p, err := eventHookPath(id, "")
	if err != nil {
		return nil, err
	}
	body, err := s.body()
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, call{op: "replaceEventHook", method: http.MethodPut,
		url: c.endpoint(p, nil), retry: httpx.RetryIdempotent, body: body})
	if err != nil {
		return nil, err
	}
	return decodeObject[EventHook]("replaceEventHook", resp)
}

// ActivateEventHook makes a hook ACTIVE (a no-op on an ACTIVE one).
func (c *Client) ActivateEventHook(ctx context.Context, id string) (*EventHook, error) {
	return c.hookLifecycle(ctx, "activateEventHook", id, "activate", httpx.RetryIdempotent)
}

// VerifyEventHook has Okta send the one-time verification GET to the
// hook's URI and answers the hook, VERIFIED. When the endpoint does not
// answer the challenge (within 3 s, after one retry) Okta answers 400
// E0000001, an Invalid error whose cause names the hook, and the hook
// stays UNVERIFIED. Each call makes Okta call the endpoint, so only a 429
// is re-sent.
func (c *Client) VerifyEventHook(ctx context.Context, id string) (*EventHook, error) {
	return c.hookLifecycle(ctx, "verifyEventHook", id, "verify", httpx.RetryRateLimited)
}

func (c *Client) hookLifecycle(ctx context.Context, op, id, action string, retry httpx.Retry) (*EventHook, error) {
	p, err := eventHookPath(id, "/lifecycle/"+action)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, call{op: op, method: http.MethodPost, url: c.endpoint(p, nil), retry: retry})
	if err != nil {
		return nil, err
	}
	return decodeObject[EventHook](op, resp)
}

// FindEventHookByURI returns the first hook delivering to uri, or nil.
func FindEventHookByURI(hooks []EventHook, uri string) *EventHook {
	i := slices.IndexFunc(hooks, func(h EventHook) bool { return h.URI() == uri })
	if i < 0 {
		return nil
	}
	return &hooks[i]
}

// eventHookPath is /api/v1/eventHooks/{id}{suffix} with the ID escaped.
func eventHookPath(id, suffix string) (string, error) {
	switch {
	case id == "":
		return "", invalid("event hook ID is required")
	case strings.Contains(id, "/") || id == "." || id == "..":
		return "", invalid("event hook must be an Okta event hook ID")
	}
	return eventHooksPath + "/" + url.PathEscape(id) + suffix, nil
}
