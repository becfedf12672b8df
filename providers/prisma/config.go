package prisma

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

// Config configures a Client. APIURL, AccessKey and SecretKey are required
// (the SOPs' PRISMA_API_URL, PRISMA_ACCESS_KEY, PRISMA_SECRET_KEY).
type Config struct {
	// APIURL is the tenant's API stack, https://api<n>.prismacloud.io (or
	// .eu, .gov, ...; pan.dev "API URLs"), not the app.* console host.
	// http:// is accepted only for loopback hosts (a local fake).
	APIURL string
	// AccessKey is the access key ID, sent as /login's username.
	AccessKey string
	// SecretKey is the access key's secret, sent as /login's password.
	SecretKey string
	// HTTPClient sends the requests; nil means a private connection pool
	// over fasthttp (httpx.Config.HTTPClient).
	HTTPClient *http.Client
	// Timeout bounds each attempt; default 30s (IAM searches are slow).
	Timeout time.Duration
	// MaxRetries is how often a retryable call is re-sent; default 2, and a
	// negative value turns retries off.
	MaxRetries int
	// Observer is told about every attempt (metrics).
	Observer httpx.Observer
	// Version goes into the User-Agent, idcmd/<Version>; default "dev".
	Version string
	// Now is the clock the token's renewal runs on; time.Now if nil.
	Now func() time.Time
}

const (
	defaultTimeout    = 30 * time.Second
	defaultMaxRetries = 2
)

// validate checks cfg and returns the parsed API origin. Every error names
// the field to fix and never repeats a secret.
func (cfg *Config) validate() (*url.URL, error) {
	u, err := httpx.ParseBaseURL(cfg.APIURL, httpx.BaseURLRule{Provider: "prisma", Field: "APIURL", Example: "https://api.prismacloud.io"})
	if err != nil {
		return nil, err
	}
	if host := strings.ToLower(u.Hostname()); strings.HasPrefix(host, "app") && strings.Contains(host, ".prismacloud.") {
		return nil, fmt.Errorf("prisma: APIURL %q is the console; the API is on the api host of the same stack (app2.prismacloud.io → api2.prismacloud.io)", cfg.APIURL)
	}
	switch {
	case cfg.AccessKey == "":
		return nil, errors.New("prisma: AccessKey is required (the access key ID)")
	case strings.ContainsAny(cfg.AccessKey, " \t\r\n"):
		return nil, errors.New("prisma: AccessKey contains whitespace")
	case cfg.SecretKey == "":
		return nil, errors.New("prisma: SecretKey is required")
	case cfg.Timeout < 0:
		return nil, errors.New("prisma: Timeout must not be negative")
	}
	return u, nil
}

// String shows the configuration with the secret redacted, so logging a
// Config cannot leak it.
func (cfg Config) String() string {
	return fmt.Sprintf("prisma.Config{APIURL: %q, AccessKey: %q, SecretKey: [redacted], Timeout: %s, MaxRetries: %d}",
		cfg.APIURL, cfg.AccessKey, cfg.Timeout, cfg.MaxRetries)
}

// Format prints String for every verb, so no verb (%d, %#v) falls back to
// printing the fields.
func (cfg Config) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, cfg.String()) }
