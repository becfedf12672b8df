package handlers

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/problem"
	"github.com/idcmd/idcmd/store"
	"github.com/labstack/echo/v4"
)

// MaxHookBody is the largest delivery accepted, in bytes: 8 MiB. A PingOne
// payload is at most 4,096 KB (KB_PER_PAYLOAD); Okta documents no maximum.
const MaxHookBody = 8 << 20

// OktaChallengeHeader carries the value an Okta event hook verification
// must echo (okta.md §8).
const OktaChallengeHeader = "X-Okta-Verification-Challenge"

// maxChallenge bounds the echoed challenge; Okta's are a few dozen bytes.
const maxChallenge = 1024

// HookSecret is the header a provider's deliveries authenticate with and
// its expected value. Neither vendor signs deliveries: the shared secret
// is the authentication.
type HookSecret struct {
	Header, Secret string
}

// matches compares in constant time. Hashing both first makes the time
// independent of the lengths as well as of the bytes.
func (h HookSecret) matches(r *http.Request) bool {
	got := r.Header.Get(h.Header)
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(h.Secret))
	return got != "" && subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// Hooks serves /okta/webhook and /pingone/webhook: authenticate, read,
// store durably, then acknowledge. Nothing is acknowledged before it is
// committed, and nothing else happens on the request path.
type Hooks struct {
	Intake  *events.Intake
	Okta    HookSecret
	PingOne HookSecret
	Log     *slog.Logger
}

// HookAck is the body of a PingOne delivery's 200 (Okta's 204 has none).
type HookAck struct {
	// Activities in the delivery.
	Received int `json:"received" example:"100"`
	// Of them, not stored before (the rest were redeliveries).
	Stored int `json:"stored" example:"100"`
	// Of them, unreadable and stored as rejected.
	Rejected int `json:"rejected" example:"0"`
}

// OktaVerify answers an event hook's one-time verification GET with the
// challenge, as JSON {"verification": "<value>"}.
func (h *Hooks) OktaVerify(c echo.Context) error {
	challenge := c.Request().Header.Get(OktaChallengeHeader)
	switch {
	case challenge == "":
		return fieldProblem(http.StatusBadRequest, "header."+OktaChallengeHeader, "is required: Okta sends it when an event hook is verified")
	case len(challenge) > maxChallenge:
		return fieldProblem(http.StatusBadRequest, "header."+OktaChallengeHeader, "is longer than "+strconv.Itoa(maxChallenge)+" bytes")
	}
	return c.JSON(http.StatusOK, OktaVerification{Verification: challenge})
}

// OktaDeliver stores an event hook delivery and answers 204.
func (h *Hooks) OktaDeliver(c echo.Context) error {
	if !h.Okta.matches(c.Request()) {
		return unauthorizedHook(h.Okta.Header, "okta.webhook_secret")
	}
	body, err := readHookBody(c)
	if err != nil {
		return err
	}
	evs, err := events.ParseOktaHook(c.Request().Header.Get(echo.HeaderContentType), body)
	if err != nil {
		return deliveryProblem(err)
	}
	if _, err := h.add(c, evs); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// PingOneDeliver stores a webhook delivery and answers 200: PingOne
// redelivers on anything else.
func (h *Hooks) PingOneDeliver(c echo.Context) error {
	if !h.PingOne.matches(c.Request()) {
		return unauthorizedHook(h.PingOne.Header, "pingone.webhook_secret")
	}
	body, err := readHookBody(c)
	if err != nil {
		return err
	}
	evs, err := events.ParsePingOneBatch(c.Request().Header.Get(echo.HeaderContentType), body)
	if err != nil {
		return deliveryProblem(err)
	}
	stored, err := h.add(c, evs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, HookAck{Received: stored.Received, Stored: stored.New, Rejected: stored.Rejected})
}

// add stores a parsed delivery, or answers 503 so the vendor sends it again.
func (h *Hooks) add(c echo.Context, evs []events.Event) (events.Stored, error) {
	stored, err := h.Intake.Add(c.Request().Context(), store.SourceHook, evs, nil)
	if err != nil {
		h.Log.Error("event delivery not stored", "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
			"events", len(evs), "error", err)
		// 503: both vendors deliver again, and nothing was acknowledged.
		c.Response().Header().Set("Retry-After", "5")
		return stored, problem.New(http.StatusServiceUnavailable, "events-unavailable", "Event log unavailable",
			"idcmd could not store the delivery, so it is not acknowledged; the provider will deliver it again.")
	}
	return stored, nil
}

// maxHookDrain bounds what is read, and dropped, of a delivery past
// MaxHookBody before it is refused.
const maxHookDrain = 16 << 20

// readHookBody reads the whole delivery, up to MaxHookBody (the API's own
// 1 MiB limit does not apply to hooks). An oversized one is read to its
// end (up to maxHookDrain more) before the 413: answered while the sender
// is still writing, the connection would be closed under it, and the
// sender would see a reset rather than the answer.
func readHookBody(c echo.Context) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, MaxHookBody+1))
	if err != nil {
		return nil, err // a body that timed out is the API's 408
	}
	if len(body) > MaxHookBody {
		_, _ = io.Copy(io.Discard, io.LimitReader(c.Request().Body, maxHookDrain))
		return nil, fieldProblem(http.StatusRequestEntityTooLarge, "body", "is larger than "+strconv.Itoa(MaxHookBody)+" bytes")
	}
	return body, nil
}

func unauthorizedHook(header, key string) error {
	return problem.New(http.StatusUnauthorized, "unauthorized", "Unauthorized",
		"The delivery must carry the shared secret ("+key+") in the "+header+" header.")
}

func deliveryProblem(err error) error {
	var de *events.DeliveryError
	if !errors.As(err, &de) {
		return err
	}
	return fieldProblem(de.Status, de.Field, de.Detail)
}

func fieldProblem(status int, field, msg string) error {
	title, slug := "Invalid delivery", "invalid-delivery"
	switch status {
	case http.StatusRequestEntityTooLarge:
		title, slug = "Delivery too large", "too-large"
	case http.StatusUnsupportedMediaType:
		title, slug = "Unsupported media type", "unsupported-media-type"
	}
	p := problem.New(status, slug, title, "The delivery is refused and nothing of it is stored.")
	p.Errors = []commands.FieldError{{Location: field, Message: msg}}
	return p
}

// OktaVerification is the answer to Okta's verification GET.
type OktaVerification struct {
	Verification string `json:"verification" example:"YMbFbHvpCvZ0HUVAD5KKXWMVCoSC0GAZ-dMdOlPLuNg"`
}

// OktaHookDelivery documents an Okta event hook delivery (okta.md §8); the
// handler reads it as events.ParseOktaHook does.
type OktaHookDelivery struct {
	EventType          string `json:"eventType" example:"com.okta.event_hook"`
	EventTypeVersion   string `json:"eventTypeVersion" example:"1.0"`
	CloudEventsVersion string `json:"cloudEventsVersion" example:"0.1"`
	ContentType        string `json:"contentType" example:"application/json"`
	EventID            string `json:"eventId" example:"b5a188b9-5ece-4636-b041-482ffda96311"`
	EventTime          string `json:"eventTime" example:"2026-12-02T16:59:53.032Z"`
	Source             string `json:"source" example:"https://example.okta.com/api/v1/eventHooks/whoql0HfiLGPWc8Jl0g3"`
	Data               struct {
		// System Log events, as GET /api/v1/logs returns them.
		Events []map[string]any `json:"events"`
	} `json:"data"`
}
