package rules

import (
	"time"
)

// Decision is what the rules decided about one event: its severity and
// why, the routes it takes and the responses it gets. It is stored once
// per event (store.Decision's body) and shown by GET /api/v1/events/{id}.
type Decision struct {
	Provider string    `json:"provider"`
	EventID  string    `json:"event_id"`
	Type     string    `json:"type"`
	User     string    `json:"user,omitempty"`
	UserID   string    `json:"user_id,omitempty"`
	Decided  time.Time `json:"decided_at"`
	// BaseSeverity is the severity table's for the event type; Severity
	// is what the detectors raised it to.
	BaseSeverity Severity `json:"base_severity"`
	Severity     Severity `json:"severity"`
	// SeverityRule says where the base severity came from (the table
	// entry, or the default).
	SeverityRule string `json:"severity_rule"`
	// Suspicious is set when a detector fired.
	Suspicious bool      `json:"suspicious"`
	Findings   []Finding `json:"findings,omitempty"`
	// Group is set when the event is one of several for one user and one
	// cause within the group window: the first opened the incident, the
	// others count in it.
	Group     *Group     `json:"group,omitempty"`
	Routes    []Route    `json:"routes,omitempty"`
	Responses []Response `json:"responses,omitempty"`
}

// Finding is one detector that fired, with its evidence.
type Finding struct {
	// Detector is the rule that fired (off_hours, privileged_user,
	// new_country, new_asn, impossible_travel, mfa_fatigue,
	// password_spray, deny_list, provider_risk).
	Detector string `json:"detector"`
	// Summary says in one line why, for the incident and the alert.
	Summary string `json:"summary"`
	// Evidence is what the detector saw (the window, the count, the
	// previous sign-in, the matching deny-list entry ...).
	Evidence map[string]any `json:"evidence,omitempty"`
	// Raises is the severity the finding raises the event to, at least.
	Raises Severity `json:"raises"`
}

// Group ties repeats of one cause for one user into one incident.
type Group struct {
	Key string `json:"key"`
	// First is the event that opened the group; Count how many events,
	// this one included, it holds so far.
	First string `json:"first_event"`
	Count int    `json:"count"`
	// Opened is when the first was decided; the window runs from there.
	Opened time.Time `json:"opened_at"`
}

// Destinations of a route.
const (
	ToXDR   = "cortex_xdr"
	ToXSOAR = "xsoar"
	// ToPrisma attaches the user's cloud blast radius (Prisma Cloud's
	// view of what the identity can reach) to the event and to the XDR
	// alert and XSOAR incident it raises. Prisma Cloud has no API that
	// takes events.
	ToPrisma = "prisma_cloud"
)

// Route is one destination of event_routing for the event, taken or not.
type Route struct {
	To    string `json:"to"`
	Taken bool   `json:"taken"`
	// Why says why it was taken or not (the condition, the integration's
	// threshold, a repeat of the group).
	Why string `json:"why"`
	// Delivery is the write-back id of the delivery, when taken.
	Delivery string `json:"delivery,omitempty"`
}

// Response is one automated action considered for the event.
type Response struct {
	// Action is the automated_responses action (suspend_user, ...).
	Action string `json:"action"`
	// Command is the command it runs.
	Command string `json:"command,omitempty"`
	Taken   bool   `json:"taken"`
	// DryRun: the response would have been taken; nothing was queued.
	DryRun bool `json:"dry_run,omitempty"`
	// Hold is why the response waits for a person although its action
	// does not require approval (the automation rate limit).
	Hold string `json:"hold,omitempty"`
	Why  string `json:"why"`
	// Delivery is the write-back id of the response's run.
	Delivery string `json:"delivery,omitempty"`
}

// Delivery kinds the rules queue (store.WriteBack.Kind), and their
// platforms.
const (
	// KindXDRAlert is an alert for insert_parsed_alerts (platform xdr).
	KindXDRAlert = "xdr_alert"
	// KindXSOARIncident creates an XSOAR incident (platform xsoar).
	KindXSOARIncident = "xsoar_incident"
	// KindXSOARRepeat counts a repeat in its group's XSOAR incident
	// (platform xsoar; payload RepeatPayload).
	KindXSOARRepeat = "xsoar_repeat"
	// KindPrisma looks up the user's cloud blast radius and keeps it with
	// the event (platform prisma).
	KindPrisma = "prisma_blast_radius"
	// KindResponse runs an automated response through the Invoker
	// (platform idcmd; payload ResponsePayload).
	KindResponse = "response"
	// KindAutomationAlert tells the SOC that the automation rate limit
	// holds responses for a person (platform xsoar, or xdr without
	// XSOAR): a bad rule or a flood of forged events may be at work.
	KindAutomationAlert = "automation_alert"
)

// RepeatPayload is a KindXSOARRepeat delivery's payload.
type RepeatPayload struct {
	// Incident is the delivery (write-back id) that creates the group's
	// incident; the repeat waits for it.
	Incident string `json:"incident_delivery"`
	Count    int    `json:"count"`
}

// ResponsePayload is a KindResponse delivery's payload.
type ResponsePayload struct {
	Action  string `json:"action"`
	Command string `json:"command"`
	// User is the user the response acts on (the provider's id).
	User string `json:"user"`
	// Incident is the delivery (write-back id) that creates the XSOAR
	// incident the response runs in; "" when the event raises none.
	Incident string `json:"incident_delivery,omitempty"`
	// Hold makes the response wait for a person (see Response.Hold).
	Hold string `json:"hold,omitempty"`
}
