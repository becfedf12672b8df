package config

import (
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Events is the identity event intake: how long events are kept, and the
// pollers for where hooks are not possible. The hooks themselves are on
// when their secret is set (okta.webhook_secret, pingone.webhook_secret).
type Events struct {
	// Retention is how long a stored event is kept after it was received
	// (default 720h, 30 days); housekeeping then deletes it. 0 keeps every
	// event.
	Retention time.Duration `yaml:"retention"`
	// OktaPoll reads the Okta System Log (GET /api/v1/logs, polling).
	OktaPoll Poll `yaml:"okta_poll"`
	// PingOnePoll reads PingOne's audit activities (GET /activities).
	PingOnePoll Poll `yaml:"pingone_poll"`
}

// Poll configures one poller. With several replicas on PostgreSQL, one
// replica at a time polls a tenant (a lease in the store).
type Poll struct {
	Enabled bool `yaml:"enabled"`
	// Interval between polls once caught up (default 15m, the SOPs').
	Interval time.Duration `yaml:"interval"`
	// FirstFetch is how far back the very first poll starts (default 15m);
	// later polls resume from the stored cursor. Okta allows 180 days,
	// PingOne serves 14.
	FirstFetch time.Duration `yaml:"first_fetch"`
	// EventTypes to read; default the SOP's security event list. Okta
	// event types (user.session.start) or, for PingOne, action types
	// (USER.LOCKED) and the SOP's names (MFA_VERIFY_FAILED).
	EventTypes []string `yaml:"event_types"`
	// Overlap (PingOne only, default 2m) re-reads the end of the last
	// window: PingOne may record an activity after a poll has passed its
	// time. Duplicates are dropped by activity id.
	Overlap time.Duration `yaml:"overlap"`
	// Lease is how long a replica stays the poller without renewing it
	// (default 1m); another replica takes over after a dead one's lease
	// runs out.
	Lease time.Duration `yaml:"lease"`
}

// Poll limits.
const (
	maxOktaFirstFetch    = 180 * 24 * time.Hour // System Log: since at most 180 days back
	maxPingOneFirstFetch = 14 * 24 * time.Hour  // activities: 14 days without a restore
	minPollInterval      = 10 * time.Second
)

// minWebhookSecret is the shortest shared secret accepted for a hook.
const minWebhookSecret = 16

var (
	headerName       = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
	oktaEventType    = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)+$`)
	pingOneEventType = regexp.MustCompile(`^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$`)
)

func defaultEvents() Events {
	poll := Poll{Interval: 15 * time.Minute, FirstFetch: 15 * time.Minute, Lease: time.Minute}
	pingone := poll
	pingone.Overlap = 2 * time.Minute
	return Events{Retention: 30 * 24 * time.Hour, OktaPoll: poll, PingOnePoll: pingone}
}

// validate checks the events section against what is configured: a
// poller of a provider that is not configured, or a key a poller does not
// use, is refused rather than ignored.
func (c Config) validateEvents() error {
	e := c.Events
	if e.Retention < 0 {
		return errors.New("events.retention must not be negative (0 keeps every event)")
	}
	for _, h := range []struct{ key, header, secret string }{
		{"okta", c.Okta.WebhookHeader, c.Okta.WebhookSecret},
		{"pingone", c.PingOne.WebhookHeader, c.PingOne.WebhookSecret},
	} {
		switch {
		case h.secret == "":
		case len(h.secret) < minWebhookSecret:
			return fmt.Errorf("%s.webhook_secret must be at least %d characters: it is all that authenticates a delivery", h.key, minWebhookSecret)
		case !headerName.MatchString(h.header):
			return fmt.Errorf("%s.webhook_header: %q is not an HTTP header name", h.key, h.header)
		}
	}
	if e.OktaPoll.Overlap != 0 {
		return errors.New("events.okta_poll.overlap: the Okta poller follows System Log next links, which skip nothing; overlap is for pingone_poll")
	}
	for _, p := range []struct {
		key        string
		poll       Poll
		configured bool
		provider   string
		maxFirst   time.Duration
		types      *regexp.Regexp
	}{
		{"events.okta_poll", e.OktaPoll, c.Okta.Configured(), "okta (OKTA_BASE_URL)", maxOktaFirstFetch, oktaEventType},
		{"events.pingone_poll", e.PingOnePoll, c.PingOne.Configured(), "pingone (PINGONE_ENVIRONMENT_ID)", maxPingOneFirstFetch, pingOneEventType},
	} {
		if !p.poll.Enabled {
			continue
		}
		switch {
		case !p.configured:
			return fmt.Errorf("%s.enabled: needs %s to be configured", p.key, p.provider)
		case p.poll.Interval < minPollInterval:
			return fmt.Errorf("%s.interval must be at least %s", p.key, minPollInterval)
		case p.poll.FirstFetch <= 0 || p.poll.FirstFetch > p.maxFirst:
			return fmt.Errorf("%s.first_fetch must be between 1s and %s", p.key, p.maxFirst)
		case p.poll.Lease < 5*time.Second:
			return fmt.Errorf("%s.lease must be at least 5s", p.key)
		case p.poll.Overlap < 0 || p.poll.Overlap > p.poll.FirstFetch:
			return fmt.Errorf("%s.overlap must be between 0 and first_fetch", p.key)
		case len(p.poll.EventTypes) > 100:
			return fmt.Errorf("%s.event_types: at most 100", p.key)
		}
		for i, t := range p.poll.EventTypes {
			if !p.types.MatchString(t) {
				return fmt.Errorf("%s.event_types[%d]: %q is not an event type", p.key, i, t)
			}
		}
	}
	return nil
}
