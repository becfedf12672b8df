package pingone

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"github.com/idcmd/idcmd/providers/httpx"
)

// Config configures a Client for one PingOne environment, reached with a
// worker application's client credentials (reference §2).
type Config struct {
	// EnvironmentID is the environment's UUID; required.
	EnvironmentID string
	// ClientID and ClientSecret are the worker application's credentials;
	// its role assignments decide what the client may do.
	ClientID     string
	ClientSecret string
	// Region picks the hosts: com (default; also "us", "na"), ca, eu,
	// com.au (also "au"), sg, asia (also "ap"). Case-insensitive.
	Region string
	// APIURL replaces https://api.pingone.<tld>/v1, for a sandbox or a
	// local fake. http:// is accepted only for loopback hosts.
	APIURL string
	// AuthURL replaces https://auth.pingone.<tld> (a custom domain, a fake);
	// the token URL is AuthURL/<EnvironmentID>/as/token. http:// is
	// accepted only for loopback hosts.
	AuthURL string
	// AuthStyle is how the client authenticates at the token endpoint, and
	// must match the application's tokenEndpointAuthMethod: "basic"
	// (CLIENT_SECRET_BASIC, the default) or "post" (CLIENT_SECRET_POST).
	// PingOne's own names are accepted too.
	AuthStyle string
	// HTTPClient sends the requests; nil means a private connection pool
	// over fasthttp (httpx.Config.HTTPClient).
	HTTPClient *http.Client
	// Timeout bounds each attempt; default 10s.
	Timeout time.Duration
	// MaxRetries is how often a retryable call is re-sent; default 2, and
	// a negative value turns retries off.
	MaxRetries int
	// RequestsPerSecond caps this environment's request rate; 0 means no
	// cap. PingOne's limits are per licence, shared by all environments.
	RequestsPerSecond float64
	// Observer is told about every attempt (metrics).
	Observer httpx.Observer
	// Version goes into the User-Agent, idcmd/<Version>; default "dev".
	Version string
}

const (
	defaultTimeout    = 10 * time.Second
	defaultMaxRetries = 2
)

// regionTLDs maps every accepted spelling of a region to its top-level
// domain (reference §1.1). "us" and "na" are the names operators use for
// the default .com region, "au" and "ap" the region codes of com.au and
// the legacy asia region.
var regionTLDs = map[string]string{
	"":       "com",
	"com":    "com",
	"us":     "com",
	"na":     "com",
	"ca":     "ca",
	"eu":     "eu",
	"com.au": "com.au",
	"au":     "com.au",
	"sg":     "sg",
	"asia":   "asia",
	"ap":     "asia",
}

// settings is a validated Config: what New needs to build a Client.
type settings struct {
	apiBase   *url.URL // scheme://host/path of the API, no trailing slash
	tokenURL  string
	authStyle oauth2.AuthStyle
}

// validate checks cfg. Every error names the field to fix and never
// repeats the client secret.
func (cfg *Config) validate() (*settings, error) {
	if cfg.EnvironmentID == "" {
		return nil, errors.New("pingone: EnvironmentID is required")
	}
	if !isUUID(cfg.EnvironmentID) {
		return nil, fmt.Errorf("pingone: EnvironmentID %q is not a UUID", cfg.EnvironmentID)
	}
	switch {
	case cfg.ClientID == "":
		return nil, errors.New("pingone: ClientID is required")
	case strings.ContainsAny(cfg.ClientID, " \t\r\n"):
		return nil, errors.New("pingone: ClientID contains whitespace")
	case cfg.ClientSecret == "":
		return nil, errors.New("pingone: ClientSecret is required")
	case strings.ContainsAny(cfg.ClientSecret, "\r\n"):
		return nil, errors.New("pingone: ClientSecret contains a line break")
	case cfg.Timeout < 0:
		return nil, errors.New("pingone: Timeout must not be negative")
	case cfg.RequestsPerSecond < 0:
		return nil, errors.New("pingone: RequestsPerSecond must not be negative")
	}

	tld, ok := regionTLDs[strings.ToLower(strings.TrimSpace(cfg.Region))]
	if !ok {
		return nil, fmt.Errorf("pingone: Region %q is not one of com (us, na), ca, eu, com.au (au), sg, asia (ap)", cfg.Region)
	}
	apiBase, err := parseBaseURL("APIURL", cfg.APIURL, "https://api.pingone."+tld+"/v1")
	if err != nil {
		return nil, err
	}
	authBase, err := parseBaseURL("AuthURL", cfg.AuthURL, "https://auth.pingone."+tld)
	if err != nil {
		return nil, err
	}
	style, err := parseAuthStyle(cfg.AuthStyle)
	if err != nil {
		return nil, err
	}
	return &settings{
		apiBase:   apiBase,
		tokenURL:  authBase.String() + "/" + cfg.EnvironmentID + "/as/token",
		authStyle: style,
	}, nil
}

// parseAuthStyle maps the configured client authentication method to
// the oauth2 package's. Auto-detection is never used: it would send the
// secret a second time, the other way, after every refused attempt.
func parseAuthStyle(s string) (oauth2.AuthStyle, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "basic", "client_secret_basic":
		return oauth2.AuthStyleInHeader, nil
	case "post", "client_secret_post":
		return oauth2.AuthStyleInParams, nil
	default:
		return 0, fmt.Errorf("pingone: AuthStyle %q is not basic or post", s)
	}
}

// parseBaseURL parses an API or auth base URL, or def when raw is empty
// (httpx.ParseBaseURL). A path is allowed: the API base ends in /v1.
func parseBaseURL(field, raw, def string) (*url.URL, error) {
	if raw == "" {
		raw = def
	}
	return httpx.ParseBaseURL(raw, httpx.BaseURLRule{Provider: "pingone", Field: field, AllowPath: true})
}

// isUUID reports whether s is a UUID in its canonical 36-character form,
// the only form PingOne uses for IDs. uuid.Parse alone would also take
// the urn: and braced forms, which PingOne does not know.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}
