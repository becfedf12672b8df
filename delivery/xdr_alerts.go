package delivery

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/idcmd/idcmd/providers/xdr"
	"github.com/idcmd/idcmd/rules"
	"github.com/idcmd/idcmd/store"
	"github.com/idcmd/idcmd/writeback"
)

// Alert fields of every idcmd alert. The parsed-alert schema is
// network-centric; an identity event has a client IP and nothing else, so
// the local side is a placeholder and ports are 0 (reference §4.6).
const (
	alertProduct     = "idcmd"
	placeholderIP    = "0.0.0.0"
	maxAlertDescSize = 8 << 10 // keeps a batch of 60 well under any body limit
)

// XDRAlerts delivers rules.KindXDRAlert: one insert_parsed_alerts alert
// per write-back, all the write-backs of a claim in one InsertParsedAlerts
// (which sends them 60 a request, paced to the tenant's alerts a minute).
type XDRAlerts struct {
	st store.Store
	c  *xdr.Client
	br *BlastRadius
}

// NewXDRAlerts delivers alerts through c; br (nil: Prisma Cloud is not
// configured) gives the blast radius of events routed to prisma_cloud.
func NewXDRAlerts(st store.Store, c *xdr.Client, br *BlastRadius) *XDRAlerts {
	return &XDRAlerts{st: st, c: c, br: br}
}

// alertResult is a delivered alert's result. XDR returns no id for a
// parsed alert; its name is how to find it.
type alertResult struct {
	AlertName string `json:"alert_name"`
}

// Deliver implements writeback.Target (one alert alone).
func (x *XDRAlerts) Deliver(ctx context.Context, wb store.WriteBack) (string, error) {
	a := x.DeliverBatch(ctx, []store.WriteBack{wb})
	return a[0].RemoteID, a[0].Err
}

// DeliverResult implements writeback.ResultTarget.
func (x *XDRAlerts) DeliverResult(ctx context.Context, wb store.WriteBack) (writeback.Produced, error) {
	a := x.DeliverBatch(ctx, []store.WriteBack{wb})
	return a[0].Produced, a[0].Err
}

// DeliverBatch implements writeback.BatchTarget. A write-back whose event
// cannot be read fails alone. The rest go in one insert: when XDR accepts
// some requests and then fails, those accepted are delivered and the rest
// get the error; a rate limit (429) is retried by the worker, a batch XDR
// refuses as invalid fails for good with XDR's message.
func (x *XDRAlerts) DeliverBatch(ctx context.Context, wbs []store.WriteBack) []writeback.Attempt {
	out := make([]writeback.Attempt, len(wbs))
	var alerts []xdr.ParsedAlert
	var index []int // alerts[i] is wbs[index[i]]
	for i, wb := range wbs {
		s, err := load(ctx, x.st, wb)
		if err != nil {
			out[i].Err = err
			continue
		}
		a := x.alert(ctx, s)
		alerts = append(alerts, a)
		index = append(index, i)
		out[i].Result = resultJSON(alertResult{AlertName: a.AlertName})
	}
	if len(alerts) == 0 {
		return out
	}
	err := x.c.InsertParsedAlerts(ctx, alerts)
	inserted := 0
	var partial *xdr.InsertError
	if errors.As(err, &partial) {
		inserted = partial.Inserted
	}
	if err != nil {
		for k := inserted; k < len(index); k++ {
			out[index[k]].Result = nil
			out[index[k]].Err = fmt.Errorf("insert_parsed_alerts: %w", err)
		}
	}
	return out
}

// alert is the parsed alert of one event.
func (x *XDRAlerts) alert(ctx context.Context, s subject) xdr.ParsedAlert {
	e, d := s.Event, s.Decision
	a := xdr.ParsedAlert{
		Product:        alertProduct,
		Vendor:         providerName(e.Provider),
		LocalIP:        placeholderIP,
		EventTimestamp: eventTime(e).UnixMilli(),
		Severity:       d.Severity.XDR(),
		AlertName:      providerName(e.Provider) + ": " + headline(e, d) + " - " + userName(e),
	}
	switch ip, err := netip.ParseAddr(e.IP); {
	case err != nil:
		a.RemoteIP = placeholderIP // no IP, or one XDR's fields cannot hold; the description has it
	case ip.Is4() || ip.Is4In6():
		a.RemoteIP = ip.Unmap().String()
	default:
		a.RemoteIPv6 = ip.String()
	}
	a.AlertDescription = alertDescription(s, blastRadiusFor(ctx, x.br, e, routedToPrisma(d)))
	return a
}

// alertDescription is the alert's text: what the event is, why idcmd
// raised it, where to read more, and the marker respond-to-incident reads
// the user from (last, so a cut never loses it).
func alertDescription(s subject, br *radius) string {
	e, d := s.Event, s.Decision
	var parts []string
	sev := "Severity: " + d.Severity.String()
	if d.Severity == rules.Critical {
		sev = "Severity: critical (XDR's alert scale has no critical; sent as High)"
	}
	parts = append(parts, sev, "Event: "+e.Type, "User: "+userName(e))
	if e.UserID != "" && e.UserID != userName(e) {
		parts = append(parts, "User ID: "+e.UserID)
	}
	ip := e.IP
	if ip == "" {
		ip = "none"
	}
	parts = append(parts, "IP: "+ip, "Location: "+location(e))
	if e.Outcome != "" {
		parts = append(parts, "Outcome: "+e.Outcome)
	}
	if f := findingLines(d); len(f) > 0 {
		parts = append(parts, "Findings: "+strings.Join(f, "; "))
	}
	if g := groupLine(d); g != "" {
		parts = append(parts, "Group: "+g)
	}
	if br != nil {
		parts = append(parts, "Cloud blast radius (Prisma Cloud): "+br.text())
	}
	parts = append(parts, "idcmd event: "+eventLabel(e), "Details: "+eventPath(e))
	text := strings.Join(parts, ". ") + "."
	tag := ""
	if m, ok := marker(e); ok {
		tag = " " + m.Tag()
	}
	if len(text)+len(tag) > maxAlertDescSize {
		text = truncate(text, maxAlertDescSize-len(tag))
	}
	return text + tag
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	const more = " …"
	if len(s) <= n {
		return s
	}
	cut := max(n-len(more), 0)
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + more
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
