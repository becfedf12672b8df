package server

import (
	"log/slog"
	"net/url"

	"github.com/idcmd/idcmd/commands"
	"github.com/idcmd/idcmd/config"
	"github.com/idcmd/idcmd/events"
	"github.com/idcmd/idcmd/metrics"
)

// eventPollers builds the enabled pollers (config.Validate has checked
// that their provider is configured). Each tenant has one lease and one
// cursor, named after it, so pointing idcmd at another org starts afresh
// instead of following the old org's cursor.
func eventPollers(cfg config.Config, p commands.Providers, intake *events.Intake, owner string, log *slog.Logger, m *metrics.Metrics) []*events.Poller {
	var out []*events.Poller
	if c := cfg.Events.OktaPoll; c.Enabled && p.Okta != nil {
		types := c.EventTypes
		if len(types) == 0 {
			types = events.OktaSecurityEvents
		}
		host := cfg.Okta.BaseURL
		if u, err := url.Parse(cfg.Okta.BaseURL); err == nil && u.Host != "" {
			host = u.Host
		}
		out = append(out, &events.Poller{Provider: events.Okta, Name: "poll:okta:" + host,
			Source: &events.OktaLog{Client: p.Okta, Types: types, FirstFetch: c.FirstFetch},
			Intake: intake, Owner: owner, Interval: c.Interval, Lease: c.Lease, Log: log, Observe: m.ObservePoll})
	}
	if c := cfg.Events.PingOnePoll; c.Enabled && p.PingOne != nil {
		types := c.EventTypes
		if len(types) == 0 {
			types = append(append([]string{}, events.PingOneSecurityEvents...), "RISK_EVENT")
		}
		out = append(out, &events.Poller{Provider: events.PingOne, Name: "poll:pingone:" + cfg.PingOne.EnvironmentID,
			Source: &events.PingOneActivities{Client: p.PingOne, Types: events.PingOneActionTypes(types),
				FirstFetch: c.FirstFetch, Overlap: c.Overlap},
			Intake: intake, Owner: owner, Interval: c.Interval, Lease: c.Lease, Log: log, Observe: m.ObservePoll})
	}
	return out
}
