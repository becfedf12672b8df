// Package events is idcmd's identity event intake: every Okta System Log
// event and PingOne activity that reaches idcmd — pushed by an Okta event
// hook or a PingOne webhook subscription, or read by a poller — becomes one
// normalized Event and is stored once in the store's event log. Deciding
// on events (severity, detectors, routes, automated responses) reads that
// log; it is not here.
package events

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/idcmd/idcmd/store"
)

// Providers whose events idcmd takes in.
const (
	Okta    = "okta"
	PingOne = "pingone"
)

// Event is one identity event in one shape for both providers: the
// Identity.Event of get-user-events, extended with what deciding on events
// needs (the user it is about, geo and network, risk, how it arrived).
type Event struct {
	// The provider's event ID (Okta uuid, PingOne activity id); for an event
	// that could not be read, "rejected-" and a hash of its bytes.
	ID string `json:"ID"`
	// okta or pingone.
	Provider string `json:"Provider"`
	// The provider's event type (user.session.start, USER.LOCKED, ...).
	Type string `json:"Type"`
	// The SOPs' names for the type where they differ from it (PingOne's
	// USER_LOCKED, MFA_VERIFY_FAILED, ...): event_routing may use either.
	SOPTypes []string `json:"SOPTypes,omitempty"`
	// When it happened, by the provider's clock.
	Time time.Time `json:"Time"`
	// When idcmd stored it.
	ReceivedAt time.Time `json:"ReceivedAt"`
	// hook (pushed by the provider) or poll (read by idcmd's poller).
	Source string `json:"Source"`
	// SUCCESS, FAILURE, DENY, FAILED, ...
	Outcome string `json:"Outcome,omitempty"`
	Reason  string `json:"Reason,omitempty"`
	// Who did it.
	Actor   string `json:"Actor,omitempty"`
	ActorID string `json:"ActorID,omitempty"`
	// The user the event is about: the target user, or the actor when a
	// user acted on their own account (a sign-in).
	User   string `json:"User,omitempty"`
	UserID string `json:"UserID,omitempty"`
	// What it was done to (the first target or resource).
	Target    string `json:"Target,omitempty"`
	TargetID  string `json:"TargetID,omitempty"`
	IP        string `json:"IP,omitempty"`
	Location  string `json:"Location,omitempty"`
	Geo       *Geo   `json:"Geo,omitempty"`
	Network   *Net   `json:"Network,omitempty"`
	UserAgent string `json:"UserAgent,omitempty"`
	// The client's device as the provider names it (Okta: Computer, Mobile, ...).
	Device string `json:"Device,omitempty"`
	// The provider's own risk verdict, when the event carries one (LOW, MEDIUM, HIGH).
	RiskLevel string   `json:"RiskLevel,omitempty"`
	RiskScore *float64 `json:"RiskScore,omitempty"`
	// Why the event could not be read; it is kept, not dropped.
	Rejected string `json:"Rejected,omitempty"`
	// The provider's event exactly as it arrived (JSON), or for an event
	// that is not JSON, RawText.
	Raw     json.RawMessage `json:"Raw,omitempty"`
	RawText string          `json:"RawText,omitempty"`
}

// Geo is where the client was, as the provider located its IP.
type Geo struct {
	City    string   `json:"City,omitempty"`
	State   string   `json:"State,omitempty"`
	Country string   `json:"Country,omitempty"`
	Lat     *float64 `json:"Lat,omitempty"`
	Lon     *float64 `json:"Lon,omitempty"`
}

// Net is the client's network: who routes the IP, and whether it is a proxy.
type Net struct {
	ASN    int64  `json:"ASN,omitempty"`
	ASOrg  string `json:"ASOrg,omitempty"`
	ISP    string `json:"ISP,omitempty"`
	Domain string `json:"Domain,omitempty"`
	Proxy  *bool  `json:"Proxy,omitempty"`
}

// rejected is an event that could not be read: kept under an id derived
// from its bytes, so a redelivery of the same bytes is stored once.
func rejected(provider string, raw []byte, why string) Event {
	sum := sha256.Sum256(raw)
	return Event{ID: "rejected-" + hex.EncodeToString(sum[:16]), Provider: provider, Type: "unreadable", Rejected: why, Raw: raw}
}

// Record is e as the store keeps it: the filterable columns, the body
// (everything but the raw event) and the raw event.
func (e Event) Record(source store.EventSource, received time.Time) (store.Event, error) {
	raw := e.Raw
	e.Raw, e.RawText, e.Source, e.ReceivedAt = nil, "", "", time.Time{}
	body, err := json.Marshal(e)
	if err != nil {
		return store.Event{}, fmt.Errorf("events: encode %s event %s: %w", e.Provider, e.ID, err)
	}
	return store.Event{
		Provider: e.Provider, ID: e.ID, Type: e.Type, Source: source, Outcome: e.Outcome,
		UserID: e.UserID, UserName: e.User, ActorID: e.ActorID, ActorName: e.Actor, IP: e.IP,
		Time: e.Time, ReceivedAt: received, Rejected: e.Rejected, Body: body, Raw: raw,
	}, nil
}

// FromRecord is the event a stored record holds, with its raw event when
// withRaw.
func FromRecord(r store.Event, withRaw bool) Event {
	var e Event
	_ = json.Unmarshal(r.Body, &e) // the store checked it is JSON; it is ours
	e.Provider, e.ID, e.Source, e.ReceivedAt, e.Rejected = r.Provider, r.ID, string(r.Source), r.ReceivedAt, r.Rejected
	if withRaw {
		if json.Valid(r.Raw) {
			e.Raw = json.RawMessage(r.Raw)
		} else {
			e.RawText = string(r.Raw)
		}
	}
	return e
}
