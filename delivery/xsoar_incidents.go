package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/providers/xsoar"
	"github.com/idcmd/idcmd/rules"
	"github.com/idcmd/idcmd/store"
	"github.com/idcmd/idcmd/writeback"
)

// EventLabel is the label type of the event an incident idcmd created is
// for; its value is "<provider>:<event id>". A redelivery finds the
// incident by it instead of creating a second one.
const EventLabel = "idcmd_event"

// maxRawInEntry bounds the raw event shown in the incident's first entry
// (the whole event is in the incident's rawJSON).
const maxRawInEntry = 16 << 10

// XSOARIncidents delivers rules.KindXSOARIncident: an incident per event,
// in the SOPs' shape (3.1 of both SOPs), then the SOPs' description as
// its first war-room entry.
type XSOARIncidents struct {
	st        store.Store
	c         *xsoar.Client
	br        *BlastRadius
	types     map[string]string
	trigger   bool
	playbooks map[string]string
}

// IncidentOption changes an XSOARIncidents.
type IncidentOption func(*XSOARIncidents)

// WithIncidentTypes overrides the SOPs' incident type per event type (the
// provider's type or the SOPs' name; integrations.xsoar.incident_types).
func WithIncidentTypes(m map[string]string) IncidentOption {
	return func(x *XSOARIncidents) { x.types = m }
}

// WithPlaybooks runs the SOPs' playbook per event type on each incident
// (playbookId), overridden per event type by m
// (integrations.xsoar.trigger_playbooks and playbooks). Without it XSOAR
// runs the incident type's playbook.
func WithPlaybooks(m map[string]string) IncidentOption {
	return func(x *XSOARIncidents) { x.trigger, x.playbooks = true, m }
}

// NewXSOARIncidents creates incidents through c; br (nil: Prisma Cloud is
// not configured) gives the blast radius of events routed to prisma_cloud.
func NewXSOARIncidents(st store.Store, c *xsoar.Client, br *BlastRadius, opts ...IncidentOption) *XSOARIncidents {
	x := &XSOARIncidents{st: st, c: c, br: br}
	for _, o := range opts {
		o(x)
	}
	return x
}

// IncidentResult is a delivered incident's result; a repeat of its group
// reads it.
type IncidentResult struct {
	IncidentID      string `json:"incident_id"`
	InvestigationID string `json:"investigation_id"`
	Playbook        string `json:"playbook,omitempty"`
}

// Deliver implements writeback.Target.
func (x *XSOARIncidents) Deliver(ctx context.Context, wb store.WriteBack) (string, error) {
	made, err := x.DeliverResult(ctx, wb)
	return made.RemoteID, err
}

// DeliverResult implements writeback.ResultTarget. Creating an incident
// is not idempotent, so it first looks for the incident an earlier attempt
// created (its idcmd_event label): after a crash, or an entry that failed
// once the incident existed, the retry only adds the entry.
func (x *XSOARIncidents) DeliverResult(ctx context.Context, wb store.WriteBack) (writeback.Produced, error) {
	s, err := load(ctx, x.st, wb)
	if err != nil {
		return writeback.Produced{}, err
	}
	in := x.incident(s)
	found, err := x.c.FindIncidentsByLabel(ctx, EventLabel, eventLabel(s.Event))
	if err != nil {
		return writeback.Produced{}, fmt.Errorf("look for the incident of %s: %w", eventLabel(s.Event), err)
	}
	var id, inv string
	if len(found) > 0 {
		id, inv = found[len(found)-1].ID, found[len(found)-1].InvestigationID // the oldest
	} else {
		if id, err = x.c.CreateIncident(ctx, in); err != nil {
			return writeback.Produced{}, err
		}
	}
	res := IncidentResult{IncidentID: id, InvestigationID: inv, Playbook: in.PlaybookID}
	if res.InvestigationID == "" {
		got, err := x.c.GetIncident(ctx, id)
		if err != nil {
			return writeback.Produced{}, fmt.Errorf("read incident %s: %w", id, err)
		}
		res.InvestigationID = cmpOr(got.InvestigationID, id)
	}
	br := blastRadiusFor(ctx, x.br, s.Event, routedToPrisma(s.Decision))
	_, err = x.c.AddEntry(ctx, xsoar.Entry{InvestigationID: res.InvestigationID, Markdown: incidentDescription(s, br), Note: true})
	var flagErr *xsoar.EntryFlagError
	if err != nil && !errors.As(err, &flagErr) { // flag only: the entry is there
		return writeback.Produced{}, fmt.Errorf("incident %s created; its first entry: %w", id, err)
	}
	return writeback.Produced{RemoteID: id, Result: resultJSON(res)}, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// incident is the SOPs' incident for the event.
func (x *XSOARIncidents) incident(s subject) xsoar.NewIncident {
	e, d := s.Event, s.Decision
	prov := providerName(e.Provider)
	in := xsoar.NewIncident{
		Name:                prov + ": " + e.Type + " - " + userName(e),
		Type:                pick(e, x.types, sopIncidentTypes, typeUnclassified),
		Severity:            d.Severity.XSOAR(),
		Occurred:            eventTime(e),
		CreateInvestigation: true,
		Details:             summaryLine(e, d),
	}
	if x.trigger {
		in.PlaybookID = pick(e, x.playbooks, sopPlaybooks, playbookGeneric)
	}
	in.Labels = []xsoar.Label{
		{Type: "source", Value: prov},
		{Type: "event_type", Value: e.Type},
	}
	if e.UserID != "" {
		in.Labels = append(in.Labels, xsoar.Label{Type: "user_id", Value: e.UserID})
	}
	if email := userEmail(e); email != "" {
		in.Labels = append(in.Labels, xsoar.Label{Type: "user_email", Value: email})
	}
	if m, ok := marker(e); ok {
		in.Labels = append(in.Labels, xsoar.Label{Type: events.MarkerLabel, Value: m.Label()})
	}
	in.Labels = append(in.Labels, xsoar.Label{Type: EventLabel, Value: eventLabel(e)})
	in.CustomFields = customFields(e)
	if len(e.Raw) > 0 {
		in.RawJSON = string(e.Raw)
	} else if e.RawText != "" {
		raw, _ := json.Marshal(map[string]string{"raw": e.RawText})
		in.RawJSON = string(raw)
	}
	return in
}

// userEmail is the user's e-mail when the login is one (Okta logins
// usually are; the event carries no other).
func userEmail(e events.Event) string {
	if strings.Contains(e.User, "@") {
		return e.User
	}
	return ""
}

// customFields are the SOPs' custom fields (okta_event_id, ... and
// pingone_event_id, ...) under XSOAR's machine names: lower case, no
// spaces or underscores (oktaeventid). Empty ones are left out.
func customFields(e events.Event) map[string]any {
	p := e.Provider
	if p != events.Okta && p != events.PingOne {
		return nil
	}
	f := map[string]any{}
	set := func(name, v string) {
		if v != "" {
			f[p+name] = v
		}
	}
	set("eventid", e.ID)
	set("eventtype", e.Type)
	set("userid", e.UserID)
	set("username", e.User)
	set("useremail", userEmail(e))
	set("ipaddress", e.IP)
	if t := eventTime(e); !t.IsZero() {
		set("timestamp", t.UTC().Format(time.RFC3339Nano))
	}
	if p == events.Okta {
		set("outcome", e.Outcome)
	}
	return f
}

// summaryLine is the incident's details: the decision in one line.
func summaryLine(e events.Event, d rules.Decision) string {
	s := fmt.Sprintf("%s %s of %s, severity %s", providerName(e.Provider), e.Type, userName(e), d.Severity)
	if f := findingLines(d); len(f) > 0 {
		s += ": " + strings.Join(f, "; ")
	}
	return s + ". idcmd event " + eventLabel(e) + " (" + eventPath(e) + ")."
}

// incidentDescription is build_incident_description of the event's SOP,
// with what idcmd decided: the first war-room entry.
func incidentDescription(s subject, br *radius) string {
	e, d := s.Event, s.Decision
	prov := providerName(e.Provider)
	var b strings.Builder
	line := func(k, v string) {
		if v == "" {
			v = "Unknown"
		}
		fmt.Fprintf(&b, "- %s: %s\n", k, v)
	}
	fmt.Fprintf(&b, "# %s Security Event\n\n## Event Information\n", prov)
	line("Event Type", e.Type)
	if len(e.SOPTypes) > 0 {
		line("SOP Event Names", strings.Join(e.SOPTypes, ", "))
	}
	line("Event ID", e.ID)
	line("Timestamp", eventTime(e).UTC().Format(time.RFC3339))
	line("Outcome", strings.TrimSpace(e.Outcome+" "+e.Reason))
	b.WriteString("\n## User Information\n")
	line("User ID", e.UserID)
	line("Login", e.User)
	line("Email", userEmail(e))
	b.WriteString("\n## Client Information\n")
	line("IP Address", e.IP)
	line("User Agent", e.UserAgent)
	line("Geographic Location", location(e))
	if e.Network != nil && (e.Network.ASN != 0 || e.Network.ASOrg != "") {
		line("Network", strings.TrimSpace(fmt.Sprintf("AS%d %s", e.Network.ASN, e.Network.ASOrg)))
	}
	b.WriteString("\n## idcmd Decision\n")
	line("Severity", d.Severity.String()+" (table: "+d.BaseSeverity.String()+", "+d.SeverityRule+")")
	if g := groupLine(d); g != "" {
		line("Group", g)
	}
	if f := findingLines(d); len(f) > 0 {
		b.WriteString("- Findings:\n")
		for _, l := range f {
			b.WriteString("  - " + l + "\n")
		}
	} else {
		line("Findings", "none")
	}
	line("idcmd event", eventLabel(e)+" ("+eventPath(e)+")")
	if br != nil {
		b.WriteString("\n## Cloud Blast Radius (Prisma Cloud)\n")
		b.WriteString(br.markdown())
	}
	if raw := rawForEntry(e); raw != "" {
		b.WriteString("\n## Event Details\n```json\n" + raw + "\n```\n")
	}
	fmt.Fprintf(&b, "\n## Recommended Actions\n1. Verify user identity\n2. Review recent user activity in %s\n3. Check for related security events\n4. Consider additional authentication requirements\n", prov)
	return b.String()
}

// rawForEntry is the raw event, indented, cut at maxRawInEntry.
func rawForEntry(e events.Event) string {
	if len(e.Raw) == 0 {
		return truncate(e.RawText, maxRawInEntry)
	}
	var buf bytes.Buffer
	if json.Indent(&buf, e.Raw, "", "  ") != nil {
		return truncate(string(e.Raw), maxRawInEntry)
	}
	return truncate(strings.ReplaceAll(buf.String(), "```", "'''"), maxRawInEntry)
}
