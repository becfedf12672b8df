package oktatest

import (
	"encoding/json"
	"strings"
	"time"
)

// LogEvent is a System Log event (spec schema LogEvent) as the fake stores
// and serves it. Tests build these for Org.AppendEvents and may decode
// /api/v1/logs responses into them.
//
// Where Okta's real payloads and the vendor schema disagree, the fake
// follows the schema for the fields the schema declares, so a strict client
// passes against both: postalCode is a string (real events sometimes carry
// a number), and optional scalars that Okta sends as null but the schema
// does not mark nullable are left out instead. securityContext fields, which
// the schema does mark nullable, are sent as null when unknown, as Okta
// does. The top-level device object, which real events carry but the schema
// does not declare, is included on sign-in events so lenient decoding is
// exercised.
type LogEvent struct {
	UUID                  string                    `json:"uuid"`
	Published             time.Time                 `json:"published"`
	EventType             string                    `json:"eventType"`
	Version               string                    `json:"version"`
	Severity              string                    `json:"severity"`
	DisplayMessage        string                    `json:"displayMessage"`
	LegacyEventType       string                    `json:"legacyEventType,omitempty"`
	Actor                 LogActor                  `json:"actor"`
	Client                *LogClient                `json:"client,omitempty"`
	Device                *LogDevice                `json:"device,omitempty"`
	AuthenticationContext *LogAuthenticationContext `json:"authenticationContext,omitempty"`
	Outcome               *LogOutcome               `json:"outcome,omitempty"`
	Target                []LogTarget               `json:"target"`
	Transaction           *LogTransaction           `json:"transaction,omitempty"`
	DebugContext          *LogDebugContext          `json:"debugContext,omitempty"`
	SecurityContext       *LogSecurityContext       `json:"securityContext,omitempty"`
	Request               *LogRequest               `json:"request,omitempty"`
}

// MarshalJSON renders published with millisecond precision in UTC, as
// Okta does, and target as an array even when empty.
func (e LogEvent) MarshalJSON() ([]byte, error) {
	type plain LogEvent
	if e.Target == nil {
		e.Target = []LogTarget{}
	}
	return json.Marshal(struct {
		plain
		Published string `json:"published"`
	}{plain(e), formatTime(e.Published)})
}

// LogActor is the entity that performed the action.
type LogActor struct {
	ID          string         `json:"id"`
	Type        string         `json:"type"`
	AlternateID string         `json:"alternateId"`
	DisplayName string         `json:"displayName"`
	DetailEntry map[string]any `json:"detailEntry,omitempty"`
}

// LogClient is the client that made the request.
type LogClient struct {
	UserAgent           *LogUserAgent           `json:"userAgent,omitempty"`
	Zone                string                  `json:"zone,omitempty"`
	Device              string                  `json:"device,omitempty"`
	ID                  string                  `json:"id,omitempty"`
	IPAddress           string                  `json:"ipAddress,omitempty"`
	GeographicalContext *LogGeographicalContext `json:"geographicalContext,omitempty"`
}

// LogUserAgent describes the client software.
type LogUserAgent struct {
	RawUserAgent string `json:"rawUserAgent"`
	OS           string `json:"os"`
	Browser      string `json:"browser"`
}

// LogGeographicalContext locates an IP address.
type LogGeographicalContext struct {
	City        string          `json:"city,omitempty"`
	State       string          `json:"state,omitempty"`
	Country     string          `json:"country,omitempty"`
	PostalCode  string          `json:"postalCode,omitempty"`
	Geolocation *LogGeolocation `json:"geolocation,omitempty"`
}

// LogGeolocation is a latitude/longitude pair.
type LogGeolocation struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// LogDevice is the device block real events carry at top level.
type LogDevice struct {
	ID                    string `json:"id"`
	Name                  string `json:"name"`
	OSPlatform            string `json:"os_platform"`
	OSVersion             string `json:"os_version"`
	Managed               bool   `json:"managed"`
	Registered            bool   `json:"registered"`
	DiskEncryptionType    string `json:"disk_encryption_type"`
	ScreenLockType        string `json:"screen_lock_type"`
	SecureHardwarePresent bool   `json:"secure_hardware_present"`
}

// LogAuthenticationContext describes how the actor authenticated.
type LogAuthenticationContext struct {
	AuthenticationProvider string     `json:"authenticationProvider,omitempty"`
	CredentialProvider     string     `json:"credentialProvider,omitempty"`
	CredentialType         string     `json:"credentialType,omitempty"`
	Issuer                 *LogIssuer `json:"issuer,omitempty"`
	Interface              string     `json:"interface,omitempty"`
	AuthenticationStep     int        `json:"authenticationStep"`
	RootSessionID          string     `json:"rootSessionId,omitempty"`
	ExternalSessionID      string     `json:"externalSessionId,omitempty"`
}

// LogIssuer identifies who issued a credential.
type LogIssuer struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// LogOutcome is the result of the action.
type LogOutcome struct {
	Result string `json:"result"`
	Reason string `json:"reason,omitempty"`
}

// LogTarget is an entity the action was performed on.
type LogTarget struct {
	ID            string            `json:"id"`
	Type          string            `json:"type"`
	AlternateID   string            `json:"alternateId"`
	DisplayName   string            `json:"displayName"`
	DetailEntry   map[string]any    `json:"detailEntry,omitempty"`
	ChangeDetails *LogChangeDetails `json:"changeDetails,omitempty"`
}

// LogChangeDetails records what changed on a target.
type LogChangeDetails struct {
	From map[string]any `json:"from,omitempty"`
	To   map[string]any `json:"to,omitempty"`
}

// LogTransaction correlates the events of one request or job.
type LogTransaction struct {
	Type   string         `json:"type"`
	ID     string         `json:"id"`
	Detail map[string]any `json:"detail,omitempty"`
}

// LogDebugContext carries free-form debug data.
type LogDebugContext struct {
	DebugData map[string]any `json:"debugData"`
}

// LogSecurityContext describes the network the request came from. Unknown
// values are JSON null, which the schema allows here.
type LogSecurityContext struct {
	AsNumber *int    `json:"asNumber"`
	AsOrg    *string `json:"asOrg"`
	ISP      *string `json:"isp"`
	Domain   *string `json:"domain"`
	IsProxy  *bool   `json:"isProxy"`
}

// LogRequest lists the IPs the request passed through.
type LogRequest struct {
	IPChain []LogIPAddress `json:"ipChain"`
}

// LogIPAddress is one hop of LogRequest.IPChain.
type LogIPAddress struct {
	IP                  string                  `json:"ip"`
	GeographicalContext *LogGeographicalContext `json:"geographicalContext,omitempty"`
	Version             string                  `json:"version"`
	Source              string                  `json:"source,omitempty"`
}

// searchText is the lower-cased text the `q` keyword search looks in.
func (e *LogEvent) searchText() string {
	var b strings.Builder
	add := func(ss ...string) {
		for _, s := range ss {
			if s != "" {
				b.WriteString(strings.ToLower(s))
				b.WriteByte('\n')
			}
		}
	}
	add(e.UUID, e.EventType, e.DisplayMessage, e.LegacyEventType, e.Severity,
		e.Actor.ID, e.Actor.Type, e.Actor.AlternateID, e.Actor.DisplayName)
	for _, t := range e.Target {
		add(t.ID, t.Type, t.AlternateID, t.DisplayName)
	}
	if c := e.Client; c != nil {
		add(c.IPAddress, c.Zone, c.Device)
		if c.UserAgent != nil {
			add(c.UserAgent.RawUserAgent, c.UserAgent.OS, c.UserAgent.Browser)
		}
		if g := c.GeographicalContext; g != nil {
			add(g.City, g.State, g.Country, g.PostalCode)
		}
	}
	if o := e.Outcome; o != nil {
		add(o.Result, o.Reason)
	}
	if t := e.Transaction; t != nil {
		add(t.ID)
	}
	if d := e.DebugContext; d != nil {
		for _, v := range d.DebugData {
			if s, ok := v.(string); ok {
				add(s)
			}
		}
	}
	return b.String()
}

func strPtr(s string) *string { return &s }
func intPtr(n int) *int       { return &n }
func boolPtr(b bool) *bool    { return &b }
