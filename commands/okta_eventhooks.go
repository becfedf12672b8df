package commands

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/upstream"
)

// okta-create-event-hook registers idcmd's event intake with Okta: one
// event hook that POSTs the subscribed System Log events to idcmd's
// /okta/webhook, carrying okta.webhook_header: okta.webhook_secret (the
// intake checks exactly that). It is safe to run again: a hook already
// delivering to the URL is brought up to date rather than duplicated.

// DefaultOktaHookEvents are the event types the SOPs act on: sign-ins and
// SSO, lockouts, failed MFA, and the user and app-membership lifecycle. To
// the SOP's list it adds what Okta logs of an MFA fatigue attack — a push
// the user denied (user.mfa.okta_verify.deny_push) and an MFA step that
// failed or timed out (user.authentication.auth_via_mfa) — which
// user.mfa.factor.attempt_fail does not cover; both are event-hook
// eligible in Okta's Event Types catalog.
var DefaultOktaHookEvents = []string{
	"user.session.start",
	"user.authentication.sso",
	"user.account.lock",
	"user.mfa.factor.attempt_fail",
	"user.mfa.okta_verify.deny_push",
	"user.authentication.auth_via_mfa",
	"user.lifecycle.create",
	"user.lifecycle.delete",
	"user.lifecycle.suspend",
	"application.user_membership.add",
	"application.user_membership.remove",
}

// defaultOktaHookHeader is the header the secret goes in when
// okta.webhook_header is empty.
const defaultOktaHookHeader = "Authorization"

// OktaCreateEventHookArgs are the arguments of okta-create-event-hook.
type OktaCreateEventHookArgs struct {
	// URL Okta delivers to: idcmd's own /okta/webhook as Okta reaches it. It must be https (Okta calls nothing else); http is accepted only for a loopback host (127.0.0.1, ::1, localhost), which only the sandbox's fake Okta can reach.
	URL string `json:"url" validate:"required,max=1024" example:"https://idcmd.example.com/okta/webhook"`
	// Event types to subscribe to (Okta accepts only event-hook-eligible types); default the SOPs' nine: user.session.start, user.authentication.sso, user.account.lock, user.mfa.factor.attempt_fail, user.lifecycle.create, user.lifecycle.delete, user.lifecycle.suspend, application.user_membership.add, application.user_membership.remove.
	Events []string `json:"events,omitempty" validate:"omitempty,max=100,dive,min=1,max=128" example:"user.session.start"`
	// Name of the hook in Okta; default idcmd.
	Name string `json:"name,omitempty" validate:"omitempty,max=255" example:"idcmd"`
}

// oktaEventType is the shape of an Okta event type: dotted lower-case words.
var oktaEventType = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)

// Validate checks the URL's scheme and host and each event type's shape.
func (a *OktaCreateEventHookArgs) Validate() error {
	if msg := hookURLProblem("Okta", a.URL); msg != "" {
		return inputError("Invalid arguments", "body.url", msg)
	}
	for i, e := range a.Events {
		if !oktaEventType.MatchString(e) {
			return inputError("Invalid arguments", "body.events["+strconv.Itoa(i)+"]", "must be an Okta event type such as user.session.start")
		}
	}
	return nil
}

// OktaEventHook is the hook idcmd registered, as Okta holds it. The secret
// is never part of it.
type OktaEventHook struct {
	// Okta event hook ID.
	ID   string `json:"ID" example:"who8tsqyrhCdmetzx1e6"`
	Name string `json:"Name" example:"idcmd"`
	// ACTIVE or INACTIVE.
	Status string `json:"Status" example:"ACTIVE"`
	// VERIFIED once the URL answered Okta's challenge; an UNVERIFIED hook is sent nothing.
	VerificationStatus string `json:"VerificationStatus" example:"VERIFIED"`
	// Subscribed event types.
	Events []string `json:"Events" example:"user.session.start"`
	// Where Okta delivers.
	URI string `json:"URI" example:"https://idcmd.example.com/okta/webhook"`
	// The header Okta sends the shared secret in (okta.webhook_header).
	AuthHeader string `json:"AuthHeader" example:"Authorization"`
	// created (a new hook) or reused (a hook already delivering to the URL, updated with this call's name, events and secret).
	Action string `json:"Action" example:"created"`
	// Whether a reused hook's events or name changed.
	Changed bool `json:"Changed"`
	// Whether a reused hook was INACTIVE and was activated.
	Activated bool `json:"Activated"`
	// Why verification failed, when it did: the hook exists but receives nothing until it is verified.
	VerifyError string `json:"VerifyError,omitempty" example:"Unable to verify event hook. Hook idcmd execution failed"`
}

// OktaCreateEventHook registers (or brings up to date) idcmd's Okta event
// hook and verifies it.
var OktaCreateEventHook = Spec[OktaCreateEventHookArgs, OktaEventHook]{
	Name:    "okta-create-event-hook",
	Summary: "Register idcmd's event intake as an Okta event hook and verify it",
	Description: "Creates an Okta event hook that POSTs the given System Log event types to url (idcmd's /okta/webhook), " +
		"authenticated by the header okta.webhook_header (default Authorization) carrying okta.webhook_secret, then has Okta verify it " +
		"(a one-time GET that idcmd's /okta/webhook answers). It needs okta.webhook_secret (OKTA_WEBHOOK_SECRET): without it the call is refused. " +
		"A hook already delivering to url is reused: its name, events and secret are replaced with this call's (custom headers are kept), it is activated if INACTIVE, and verified again, so running the command again also rotates the secret. " +
		"If verification fails the hook still exists, UNVERIFIED, and receives nothing: VerifyError says why; fix the endpoint and run the command again. " +
		"With OAuth, idcmd's service app needs the okta.eventHooks.read and okta.eventHooks.manage scopes (okta.scopes).",
	Provider: Okta,
	Context:  Context{Prefix: "Okta.EventHook", Key: "ID"},
	Risk:     Write,
	Run:      runOktaCreateEventHook,
}

func runOktaCreateEventHook(ctx context.Context, p Providers, a OktaCreateEventHookArgs) (Reply[OktaEventHook], error) {
	var none Reply[OktaEventHook]
	if p.Hooks.OktaSecret == "" {
		return none, &InputError{
			Detail: "idcmd's Okta event intake has no secret, so Okta's deliveries could not be authenticated: set okta.webhook_secret in the config or OKTA_WEBHOOK_SECRET (and optionally okta.webhook_header), restart idcmd, and run the command again",
			Errors: []FieldError{{Location: "config.okta.webhook_secret", Message: "is not set"}},
		}
	}
	c, err := p.oktaClient()
	if err != nil {
		return none, err
	}
	header := p.Hooks.OktaHeader
	if header == "" {
		header = defaultOktaHookHeader
	}
	events := a.Events
	if len(events) == 0 {
		events = DefaultOktaHookEvents
	}
	events = dedupe(events)
	name := a.Name
	if name == "" {
		name = "idcmd"
	}
	spec := okta.EventHookSpec{Name: name, URI: a.URL, Events: events, AuthHeader: header, AuthSecret: p.Hooks.OktaSecret}

	hooks, err := c.ListEventHooks(ctx)
	if err != nil {
		return none, err
	}
	out := OktaEventHook{Action: "created"}
	var h *okta.EventHook
	if old := okta.FindEventHookByURI(hooks, a.URL); old == nil {
		if h, err = c.CreateEventHook(ctx, spec); err != nil {
			return none, hookRefused(err, "Okta refused the hook")
		}
	} else {
		out.Action = "reused"
		out.Changed = old.Name != name || !sameSet(old.Events.Items, events)
		// The secret is write-only: Okta cannot show whether the hook
		// still has the configured one, so the channel is always
		// replaced with it (custom headers kept).
		spec.Headers = old.Channel.Config.Headers
		if h, err = c.ReplaceEventHook(ctx, old.ID, spec); err != nil {
			return none, hookRefused(err, "Okta refused the update of hook "+old.ID)
		}
		if h.Status == okta.HookInactive {
			if h, err = c.ActivateEventHook(ctx, h.ID); err != nil {
				return none, fmt.Errorf("activate event hook %s: %w", old.ID, err)
			}
			out.Activated = true
		}
	}

	v, err := c.VerifyEventHook(ctx, h.ID)
	var ue *upstream.Error
	switch {
	case err == nil:
		h = v
	case errors.As(err, &ue) && ue.Kind == upstream.Invalid:
		// Okta's 400: the endpoint did not answer the challenge. The
		// hook exists; say so rather than fail the registration.
		out.VerifyError = strings.Join(append([]string{ue.Message}, ue.Causes...), ": ")
		h.VerificationStatus = okta.HookUnverified
	default:
		return none, fmt.Errorf("event hook %s was registered but Okta could not be asked to verify it: %w", h.ID, err)
	}

	out.ID, out.Name, out.Status, out.VerificationStatus = h.ID, h.Name, h.Status, h.VerificationStatus
	out.Events, out.URI, out.AuthHeader = h.Events.Items, h.URI(), header
	if a := h.Channel.Config.AuthScheme; a != nil {
		out.AuthHeader = a.Key
	}
	if out.Events == nil {
		out.Events = []string{}
	}
	return Reply[OktaEventHook]{Outputs: out, Readable: eventHookReadable(out), Raw: rawJSON(h.Raw)}, nil
}

func eventHookReadable(h OktaEventHook) string {
	title := "Okta event hook " + h.Name + " (" + h.Action + ")"
	out := table(title, []string{"ID", "Status", "Verification", "URI", "Auth header", "Events"},
		[][]string{{h.ID, h.Status, h.VerificationStatus, h.URI, h.AuthHeader, strings.Join(h.Events, ", ")}})
	if h.VerifyError != "" {
		out += "\n**The hook exists but is UNVERIFIED: Okta sends it nothing.** Okta could not verify it (" + h.VerifyError + "). " +
			"Check that " + h.URI + " is reachable from Okta and answers GET with the X-Okta-Verification-Challenge value " +
			"(idcmd's /okta/webhook does, when okta.webhook_secret is set), then run okta-create-event-hook again.\n"
	}
	return out
}

// hookRefused ties Okta's 400 to the argument its causes name (events,
// name, else the URL); any other error is returned as it is.
func hookRefused(err error, message string) error {
	ue := upstream.As(err)
	if ue == nil || ue.Kind != upstream.Invalid {
		return err
	}
	loc := "body.url"
	for _, c := range ue.Causes {
		switch {
		case strings.HasPrefix(c, "events"):
			loc = "body.events"
		case strings.HasPrefix(c, "name"):
			loc = "body.name"
		}
	}
	return argumentError(loc, message, err)
}

func dedupe(list []string) []string {
	var out []string
	for _, s := range list {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}
