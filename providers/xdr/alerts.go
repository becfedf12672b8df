package xdr

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/idcmd/idcmd/providers/httpx"
)

// Severities insert_parsed_alerts accepts. The reference lists them as
// likely, not confirmed (§4.6), so the client refuses anything else
// rather than find out from a 400 in the middle of a batch run.
const (
	SeverityInformational = "Informational"
	SeverityLow           = "Low"
	SeverityMedium        = "Medium"
	SeverityHigh          = "High"
	SeverityUnknown       = "Unknown"
)

var severities = []string{SeverityInformational, SeverityLow, SeverityMedium, SeverityHigh, SeverityUnknown}

// ParsedAlert is one alert for insert_parsed_alerts, with the field names
// of reference §4.6. The schema is network-centric: an identity event puts
// its client IP in RemoteIP (or RemoteIPv6) and a placeholder such as
// 0.0.0.0 in LocalIP, with ports 0 when there are none.
type ParsedAlert struct {
	Product    string `json:"product"`
	Vendor     string `json:"vendor"`
	LocalIP    string `json:"local_ip,omitempty"`
	LocalPort  int    `json:"local_port"`
	RemoteIP   string `json:"remote_ip,omitempty"`
	RemotePort int    `json:"remote_port"`
	// EventTimestamp is when the event happened, in epoch milliseconds.
	EventTimestamp int64 `json:"event_timestamp"`
	// Severity is one of the Severity constants.
	Severity         string `json:"severity"`
	AlertName        string `json:"alert_name"`
	AlertDescription string `json:"alert_description"`
	// LocalIPv6 and RemoteIPv6 carry IPv6 addresses, which the IPv4 fields
	// cannot (reference §4.6 local_ip_v6, remote_ip_v6); identity events
	// often come from IPv6 clients.
	LocalIPv6  string `json:"local_ip_v6,omitempty"`
	RemoteIPv6 string `json:"remote_ip_v6,omitempty"`
}

// minMillis is 1973-03-03 in epoch milliseconds. An EventTimestamp below
// it is almost certainly in seconds, a mistake that would date the alert
// in January 1970 rather than fail.
const minMillis = 100_000_000_000

// validate checks what XDR needs of an alert. Which fields XDR requires is
// unconfirmed (reference §4.6) and XSOAR's own tests send all ten, so the
// client requires the names, the severity, the time and an address on
// each side (the reference's advice for identity events is a placeholder,
// not an omission); ports may be 0 and the description empty.
func (a *ParsedAlert) validate() error {
	var errs []error
	for _, f := range []struct{ name, value string }{
		{"product", a.Product}, {"vendor", a.Vendor}, {"alert_name", a.AlertName},
	} {
		if strings.TrimSpace(f.value) == "" {
			errs = append(errs, fmt.Errorf("%s is required", f.name))
		}
	}
	if !slices.Contains(severities, a.Severity) {
		errs = append(errs, fmt.Errorf("severity %q must be one of %s", a.Severity, strings.Join(severities, ", ")))
	}
	if a.EventTimestamp < minMillis {
		errs = append(errs, errors.New("event_timestamp must be epoch milliseconds"))
	}
	errs = append(errs,
		checkAddrPair("local", a.LocalIP, a.LocalIPv6),
		checkAddrPair("remote", a.RemoteIP, a.RemoteIPv6),
		checkPort("local_port", a.LocalPort),
		checkPort("remote_port", a.RemotePort),
	)
	return errors.Join(errs...)
}

// checkAddrPair requires an address in the IPv4 field, the IPv6 field or
// both, each of its own family.
func checkAddrPair(side, v4, v6 string) error {
	if v4 == "" && v6 == "" {
		return fmt.Errorf("%s_ip or %s_ip_v6 is required", side, side)
	}
	if v4 != "" {
		if ip, err := netip.ParseAddr(v4); err != nil || !ip.Is4() {
			return fmt.Errorf("%s_ip %q is not an IPv4 address", side, v4)
		}
	}
	if v6 != "" {
		if ip, err := netip.ParseAddr(v6); err != nil || !ip.Is6() || ip.Is4In6() {
			return fmt.Errorf("%s_ip_v6 %q is not an IPv6 address", side, v6)
		}
	}
	return nil
}

func checkPort(name string, p int) error {
	if p < 0 || p > 65535 {
		return fmt.Errorf("%s %d is out of range 0-65535", name, p)
	}
	return nil
}

// insertRequest is insert_parsed_alerts' request_data (reference §4.6).
type insertRequest struct {
	Alerts []ParsedAlert `json:"alerts"`
}

// InsertParsedAlerts sends alerts to XDR in requests of at most 60
// (reference §6), paced to Config.AlertsPerMinute (see alertPacer). Every
// alert is checked before anything is sent. When the pacing would pass
// ctx's deadline, nothing is sent and the error is RateLimited with the
// wait needed, rather than a sleep that ends in a timeout.
//
// Alerts are not idempotent, so a request is retried only after a 429.
// When a later request fails after earlier ones were accepted, the error
// is an *InsertError that says how many alerts are in XDR.
func (c *Client) InsertParsedAlerts(ctx context.Context, alerts []ParsedAlert) error {
	const op = "insertParsedAlerts"
	if len(alerts) == 0 {
		return nil
	}
	for i := range alerts {
		if err := alerts[i].validate(); err != nil {
			return invalid(fmt.Sprintf("alert %d: %s", i, strings.ReplaceAll(err.Error(), "\n", "; ")))
		}
	}
	batches := slices.Collect(slices.Chunk(alerts, c.alerts.batch))
	sizes := make([]int, len(batches))
	for i, b := range batches {
		sizes[i] = len(b)
	}
	plan, err := c.alerts.reserve(ctx, c.now(), sizes)
	if err != nil {
		return err
	}
	inserted := 0
	for i, batch := range batches {
		if err := c.sleep(ctx, plan.at[i].Sub(c.now())); err != nil {
			plan.cancelFrom(i, c.now())
			return partial(inserted, transportError(op, err))
		}
		body, err := c.do(ctx, call{op: op, path: pathInsertParsedAlerts, data: insertRequest{Alerts: batch}, retry: httpx.RetryRateLimited})
		if err == nil {
			err = checkAccepted(op, body)
		}
		if err != nil {
			plan.cancelFrom(i+1, c.now())
			return partial(inserted, err)
		}
		inserted += len(batch)
	}
	return nil
}

// partial wraps err in an *InsertError when some alerts were inserted.
func partial(inserted int, err error) error {
	if inserted == 0 {
		return err
	}
	return &InsertError{Inserted: inserted, Err: err}
}
