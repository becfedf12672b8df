package xdr

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
)

// Config configures a Client. BaseURL, APIKey and APIKeyID are required.
type Config struct {
	// BaseURL is the tenant's API URL, https://api-<fqdn> (reference §2.2),
	// for example https://api-acme.xdr.us.paloaltonetworks.com. http:// is
	// accepted only for loopback hosts (a local fake), never for a tenant.
	BaseURL string
	// APIKey is the key's secret. It goes into Authorization as it is
	// (standard key) or only through the request hash (advanced key).
	APIKey string
	// APIKeyID is the key's ID, sent as x-xdr-auth-id.
	APIKeyID string
	// Advanced says the key is an advanced key: every attempt then carries
	// a fresh nonce and timestamp and a hash instead of the key itself.
	Advanced bool
	// HTTPClient sends the requests; nil means a private connection pool
	// over fasthttp (httpx.Config.HTTPClient).
	HTTPClient *http.Client
	// Timeout bounds each attempt; default 10s, what other XDR clients use
	// (reference §6, xdrgateway).
	Timeout time.Duration
	// MaxRetries is how often a retryable call is re-sent; default 2, and a
	// negative value turns retries off.
	MaxRetries int
	// Observer is told about every attempt (metrics).
	Observer httpx.Observer
	// Version goes into the User-Agent, idcmd/<Version>; default "dev".
	Version string
	// AlertsPerMinute caps how many alerts InsertParsedAlerts sends per
	// minute; default 600, XDR's documented limit (reference §6). Set it
	// lower when other senders share the tenant's quota. At least 2.
	AlertsPerMinute int
}

const (
	defaultTimeout         = 10 * time.Second
	defaultMaxRetries      = 2
	defaultAlertsPerMinute = 600
)

// validate checks cfg and returns the parsed API origin. Every error names
// the field to fix and never repeats a secret.
func (cfg *Config) validate() (*url.URL, error) {
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	switch {
	case cfg.APIKey == "":
		return nil, errors.New("xdr: APIKey is required")
	case strings.ContainsAny(cfg.APIKey, " \t\r\n"):
		return nil, errors.New("xdr: APIKey contains whitespace")
	case cfg.APIKeyID == "":
		return nil, errors.New("xdr: APIKeyID is required (the key's ID column in XDR's API Keys page)")
	case strings.ContainsAny(cfg.APIKeyID, " \t\r\n"):
		return nil, errors.New("xdr: APIKeyID contains whitespace")
	case cfg.Timeout < 0:
		return nil, errors.New("xdr: Timeout must not be negative")
	case cfg.AlertsPerMinute < 0 || cfg.AlertsPerMinute == 1:
		// One alert a minute leaves nothing to pace with once the burst
		// (see newAlertPacer) is taken out.
		return nil, errors.New("xdr: AlertsPerMinute must be 0 (default 600) or at least 2")
	}
	return base, nil
}

// parseBaseURL accepts only an origin: https://host[:port], or http:// on
// a loopback host (httpx.ParseBaseURL); also refused is the tenant's console
// host, whose API lives on the api- host instead.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := httpx.ParseBaseURL(raw, httpx.BaseURLRule{Provider: "xdr", Field: "BaseURL", Example: "https://api-acme.xdr.us.paloaltonetworks.com"})
	if err != nil {
		return nil, err
	}
	host := strings.ToLower(u.Hostname())
	if strings.HasSuffix(host, ".paloaltonetworks.com") && !strings.HasPrefix(host, "api-") {
		return nil, fmt.Errorf("xdr: BaseURL %q is the console; the public API is at https://api-%s", raw, host)
	}
	return u, nil
}

// String shows the configuration with the key redacted, so logging a
// Config cannot leak it.
func (cfg Config) String() string {
	return fmt.Sprintf("xdr.Config{BaseURL: %q, APIKeyID: %q, APIKey: [redacted], Advanced: %t, Timeout: %s, MaxRetries: %d, AlertsPerMinute: %d}",
		cfg.BaseURL, cfg.APIKeyID, cfg.Advanced, cfg.Timeout, cfg.MaxRetries, cfg.AlertsPerMinute)
}

// Format prints String for every verb, so no verb (%d, %#v) falls back to
// printing the fields.
func (cfg Config) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, cfg.String()) }
