package oktatest

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Event hooks (spec tag EventHook; reference okta.md §8): register, read,
// replace, activate, deactivate, verify and delete. A hook is created
// ACTIVE and UNVERIFIED; only an ACTIVE and VERIFIED hook is sent events
// (eventhooks_delivery.go), and verification is a one-time GET to its URI
// (eventhooks_verify.go). The hooks live in the server's hookHub, under its
// own lock, so that the System Log can queue events for them while it holds
// the org's.

// Scopes of the event hook operations (spec security of each operation).
const (
	ScopeEventHooksRead   = "okta.eventHooks.read"
	ScopeEventHooksManage = "okta.eventHooks.manage"
)

// Hook statuses (EventHook.status, EventHookVerificationStatus).
const (
	HookActive     = "ACTIVE"
	HookInactive   = "INACTIVE"
	HookVerified   = "VERIFIED"
	HookUnverified = "UNVERIFIED"
)

const (
	prefixEventHook = "who"
	eventHooksPath  = "/api/v1/eventHooks"
	// maxHookBody bounds a create or replace body.
	maxHookBody = 64 << 10
	// deliveryEventType is how Okta logs a failed delivery; it is never
	// itself delivered, or one failing hook would feed itself.
	deliveryEventType = "event_hook.delivery"
)

// eventTypeName is the shape of an Okta event type: dotted lower-case
// words, e.g. user.session.start.
var eventTypeName = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)

// hookEventTypeOK reports whether t may be subscribed to. Okta accepts
// only the types its Event Types catalog marks event-hook-eligible; that
// catalog is not part of the spec, so the fake accepts any well-formed
// event type except event_hook.* (its own delivery log, which Okta does
// not offer to hooks).
func hookEventTypeOK(t string) bool {
	return eventTypeName.MatchString(t) && !strings.HasPrefix(t, "event_hook.")
}

// eventHook is the fake's record of one hook. Fields are guarded by the
// hookHub's mutex.
type eventHook struct {
	id, name     string
	description  *string
	status       string
	verification string
	items        []string
	channel      hookChannel
	created      time.Time
	lastUpdated  time.Time
	createdBy    string

	// queue holds the events waiting for the next delivery, with their
	// JSON as /api/v1/logs serves it.
	queue []queuedEvent
	// overlap is how many events of the last delivery the next one
	// repeats (OverlapNext).
	overlap int
	// last is the hook's most recent delivery, for overlaps.
	last *HookDelivery
	wake chan struct{}
	stop chan struct{}
}

// hookChannel is channel.config: where and how deliveries go.
type hookChannel struct {
	uri       string
	headers   []hookHeader
	authKey   string
	authValue string
	hasAuth   bool
}

type hookHeader struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// hookInput is a create or replace body (spec schema EventHook; readOnly
// properties are ignored, as Okta ignores them).
type hookInput struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Events      *struct {
		Type  string   `json:"type"`
		Items []string `json:"items"`
	} `json:"events"`
	Channel *struct {
		Type    string `json:"type"`
		Version string `json:"version"`
		Config  *struct {
			URI        string       `json:"uri"`
			Headers    []hookHeader `json:"headers"`
			AuthScheme *struct {
				Type  string  `json:"type"`
				Key   string  `json:"key"`
				Value *string `json:"value"`
			} `json:"authScheme"`
		} `json:"config"`
	} `json:"channel"`
}

// hookJSON is an EventHook as Okta returns it: authScheme.value is
// write-only and never sent back.
type hookJSON struct {
	ID                 string              `json:"id"`
	Status             string              `json:"status"`
	VerificationStatus string              `json:"verificationStatus"`
	Name               string              `json:"name"`
	Description        *string             `json:"description"`
	Created            string              `json:"created"`
	CreatedBy          string              `json:"createdBy"`
	LastUpdated        string              `json:"lastUpdated"`
	Events             hookEventsJSON      `json:"events"`
	Channel            hookChannelJSON     `json:"channel"`
	Links              map[string]hrefLink `json:"_links"`
}

type hookEventsJSON struct {
	Type   string   `json:"type"`
	Items  []string `json:"items"`
	Filter any      `json:"filter"`
}

type hookChannelJSON struct {
	Type    string `json:"type"`
	Version string `json:"version"`
	Config  struct {
		URI        string          `json:"uri"`
		Headers    []hookHeader    `json:"headers"`
		Method     string          `json:"method"`
		AuthScheme *hookAuthScheme `json:"authScheme,omitempty"`
	} `json:"config"`
}

type hookAuthScheme struct {
	Type string `json:"type"`
	Key  string `json:"key"`
}

func (h *eventHook) json(base string) hookJSON {
	self := base + eventHooksPath + "/" + h.id
	out := hookJSON{
		ID: h.id, Status: h.status, VerificationStatus: h.verification, Name: h.name,
		Description: h.description,
		Created:     h.created.UTC().Format(oktaTimeLayout), CreatedBy: h.createdBy,
		LastUpdated: h.lastUpdated.UTC().Format(oktaTimeLayout),
		Events:      hookEventsJSON{Type: "EVENT_TYPE", Items: slices.Clone(h.items)},
		Links: map[string]hrefLink{
			"self":   {Href: self},
			"verify": {Href: self + "/lifecycle/verify", Hints: allow("POST")},
		},
	}
	if h.status == HookActive {
		out.Links["deactivate"] = hrefLink{Href: self + "/lifecycle/deactivate", Hints: allow("POST")}
	} else {
		out.Links["activate"] = hrefLink{Href: self + "/lifecycle/activate", Hints: allow("POST")}
	}
	out.Channel.Type, out.Channel.Version = "HTTP", "1.0.0"
	out.Channel.Config.URI = h.channel.uri
	out.Channel.Config.Headers = append([]hookHeader{}, h.channel.headers...)
	out.Channel.Config.Method = http.MethodPost
	if h.channel.hasAuth {
		out.Channel.Config.AuthScheme = &hookAuthScheme{Type: "HEADER", Key: h.channel.authKey}
	}
	return out
}

// errHookInvalid is Okta's 400 for a hook body it refuses: summary
// "Api validation failed: eventHook" and one cause per problem.
func errHookInvalid(causes ...string) *apiError {
	return newAPIError(http.StatusBadRequest, "E0000001", "Api validation failed: eventHook", causes...)
}

// parseHook reads and validates a create or replace body.
func parseHook(r *http.Request) (hookInput, *apiError) {
	var in hookInput
	b, err := io.ReadAll(io.LimitReader(r.Body, maxHookBody+1))
	if err != nil || len(b) > maxHookBody || json.Unmarshal(b, &in) != nil {
		return in, newAPIError(http.StatusBadRequest, "E0000003", "The request body was not well-formed.")
	}
	var causes []string
	bad := func(s string) { causes = append(causes, s) }
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		bad("name: The name is required.")
	} else if len(*in.Name) > 255 {
		bad("name: The name must be at most 255 characters.")
	}
	switch {
	case in.Events == nil:
		bad("events: The events object is required.")
	default:
		if in.Events.Type != "EVENT_TYPE" {
			bad("events.type: The type must be EVENT_TYPE.")
		}
		if len(in.Events.Items) == 0 {
			bad("events.items: At least one event type is required.")
		}
		for _, t := range in.Events.Items {
			if !hookEventTypeOK(t) {
				bad("events.items: " + t + " is not an event type eligible for event hooks.")
			}
		}
	}
	switch {
	case in.Channel == nil:
		bad("channel: The channel object is required.")
	default:
		if in.Channel.Type != "HTTP" {
			bad("channel.type: The type must be HTTP.")
		}
		if in.Channel.Version != "1.0.0" {
			bad("channel.version: The only supported version is 1.0.0.")
		}
		if c := in.Channel.Config; c == nil {
			bad("channel.config: The config object is required.")
		} else {
			if msg := checkHookURI(c.URI); msg != "" {
				bad("channel.config.uri: " + msg)
			}
			for _, h := range c.Headers {
				if strings.TrimSpace(h.Key) == "" {
					bad("channel.config.headers: Every header needs a key.")
				}
			}
			if a := c.AuthScheme; a != nil {
				if a.Type != "HEADER" {
					bad("channel.config.authScheme.type: The type must be HEADER.")
				}
				if strings.TrimSpace(a.Key) == "" {
					bad("channel.config.authScheme.key: The header name is required.")
				}
				if a.Value == nil || *a.Value == "" {
					bad("channel.config.authScheme.value: The header value is required.")
				}
			}
		}
	}
	if len(causes) > 0 {
		return in, errHookInvalid(causes...)
	}
	return in, nil
}

// checkHookURI says what is wrong with an event hook URI, or "" if
// nothing. Okta only calls HTTPS endpoints.
//
// Deviation: the fake also accepts http:// on a loopback host
// (127.0.0.0/8, ::1, localhost), so that tests and the sandbox can
// receive deliveries without TLS. It is the fake's one deviation from
// Okta's rules for hooks.
func checkHookURI(raw string) string {
	if raw == "" {
		return "The URI is required."
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return "The URI must be an absolute HTTPS URL."
	}
	switch u.Scheme {
	case "https":
		return ""
	case "http":
		if isLoopbackHost(u.Hostname()) {
			return ""
		}
	}
	return "The URI must use HTTPS."
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// channelOf is the channel a validated body describes.
func channelOf(in hookInput) hookChannel {
	c := in.Channel.Config
	ch := hookChannel{uri: c.URI, headers: slices.Clone(c.Headers)}
	if a := c.AuthScheme; a != nil {
		ch.hasAuth, ch.authKey, ch.authValue = true, a.Key, *a.Value
	}
	return ch
}

func (c hookChannel) equal(d hookChannel) bool {
	return c.uri == d.uri && slices.Equal(c.headers, d.headers) &&
		c.hasAuth == d.hasAuth && c.authKey == d.authKey && c.authValue == d.authValue
}

// eventHookRoute routes /api/v1/eventHooks[/{id}[/lifecycle/{action}]].
func eventHookRoute(segs []string) (methods, string, string) {
	read := func(f handlerFunc) endpoint { return endpoint{ScopeEventHooksRead, f} }
	manage := func(f handlerFunc) endpoint { return endpoint{ScopeEventHooksManage, f} }
	switch n := len(segs); {
	case n == 1:
		return methods{"GET": read((*Server).listEventHooks), "POST": manage((*Server).createEventHook)}, "", ""
	case n == 2:
		return methods{
			"GET":    read((*Server).getEventHook),
			"PUT":    manage((*Server).replaceEventHook),
			"DELETE": manage((*Server).deleteEventHook),
		}, segs[1], ""
	case n == 4 && segs[2] == "lifecycle":
		switch segs[3] {
		case "activate", "deactivate":
			return methods{"POST": manage((*Server).eventHookLifecycle)}, segs[1], segs[3]
		case "verify":
			return methods{"POST": manage((*Server).verifyEventHook)}, segs[1], ""
		}
	}
	return nil, "", ""
}

func (s *Server) writeHook(w http.ResponseWriter, r *http.Request, h hookJSON) *apiError {
	writeJSON(w, http.StatusOK, h)
	return nil
}

func (s *Server) listEventHooks(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	hub := s.hooks
	hub.mu.Lock()
	out := make([]hookJSON, 0, len(hub.order))
	for _, id := range hub.order {
		out = append(out, hub.hooks[id].json(s.baseURL(r)))
	}
	hub.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) createEventHook(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	in, e := parseHook(r)
	if e != nil {
		return e
	}
	now := s.now()
	h := &eventHook{
		name: *in.Name, description: in.Description, status: HookActive, verification: HookUnverified,
		items: slices.Clone(in.Events.Items), channel: channelOf(in),
		created: now, lastUpdated: now, createdBy: c.principal.actor.ID,
	}
	hub := s.hooks
	hub.mu.Lock()
	defer hub.mu.Unlock()
	hub.addLocked(h)
	return s.writeHook(w, r, h.json(s.baseURL(r)))
}

func (s *Server) getEventHook(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	hub := s.hooks
	hub.mu.Lock()
	defer hub.mu.Unlock()
	h := hub.hooks[c.param]
	if h == nil {
		return errNotFound(c.param, "EventHook")
	}
	return s.writeHook(w, r, h.json(s.baseURL(r)))
}

// replaceEventHook serves PUT: name, description, events and channel are
// replaced whole. A changed channel (URI, headers or auth) makes the hook
// UNVERIFIED again, as the spec says it must be verified again.
func (s *Server) replaceEventHook(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	hub := s.hooks
	hub.mu.Lock()
	exists := hub.hooks[c.param] != nil
	hub.mu.Unlock()
	if !exists {
		return errNotFound(c.param, "EventHook")
	}
	in, e := parseHook(r)
	if e != nil {
		return e
	}
	hub.mu.Lock()
	defer hub.mu.Unlock()
	h := hub.hooks[c.param]
	if h == nil {
		return errNotFound(c.param, "EventHook")
	}
	ch := channelOf(in)
	if !ch.equal(h.channel) {
		h.verification = HookUnverified
	}
	h.name, h.description, h.items, h.channel = *in.Name, in.Description, slices.Clone(in.Events.Items), ch
	h.lastUpdated = s.now()
	return s.writeHook(w, r, h.json(s.baseURL(r)))
}

// deleteEventHook serves DELETE. As a safety precaution Okta deletes only
// INACTIVE hooks (spec deleteEventHook); an ACTIVE one is refused with
// 403, the only client error the operation declares.
func (s *Server) deleteEventHook(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	hub := s.hooks
	hub.mu.Lock()
	defer hub.mu.Unlock()
	h := hub.hooks[c.param]
	switch {
	case h == nil:
		return errNotFound(c.param, "EventHook")
	case h.status == HookActive:
		return newAPIError(http.StatusForbidden, "E0000001", "Api validation failed: eventHook",
			"Only an INACTIVE event hook can be deleted; deactivate it first.")
	}
	hub.removeLocked(h)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// eventHookLifecycle serves activate and deactivate; both are idempotent
// and answer the hook.
func (s *Server) eventHookLifecycle(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	hub := s.hooks
	hub.mu.Lock()
	defer hub.mu.Unlock()
	h := hub.hooks[c.param]
	if h == nil {
		return errNotFound(c.param, "EventHook")
	}
	want := HookActive
	if c.sub == "deactivate" {
		want = HookInactive
	}
	if h.status != want {
		h.status, h.lastUpdated = want, s.now()
	}
	return s.writeHook(w, r, h.json(s.baseURL(r)))
}
