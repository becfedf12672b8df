package xsoar

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/idcmd/idcmd/providers/httpx"
)

// Config configures a Client. BaseURL and APIKey are required; APIKeyID
// chooses XSOAR 8 / XSIAM authentication over XSOAR 6.
type Config struct {
	// BaseURL is the server's origin: https://xsoar.example.com for XSOAR 6,
	// https://api-<tenant>.xdr.<region>.paloaltonetworks.com for XSOAR 8
	// and XSIAM (reference §2.1). http:// is accepted only for loopback
	// hosts (a local fake), never for a real server. An API path such as
	// /xsoar belongs in PathPrefix.
	BaseURL string
	// APIKey is the key's secret. It goes into Authorization as it is
	// (XSOAR 6, and standard XSOAR 8 keys) or only through the request
	// hash (advanced keys).
	APIKey string
	// APIKeyID is the XSOAR 8 / XSIAM key's ID, sent as x-xdr-auth-id.
	// Setting it means XSOAR 8 authentication and the /xsoar prefix.
	APIKeyID string
	// Advanced says the key is an XSOAR 8 advanced key: every attempt then
	// carries a fresh nonce and timestamp and a hash instead of the key.
	// It needs APIKeyID.
	Advanced bool
	// PathPrefix is put in front of every API path. Nil means the default:
	// "/xsoar" when APIKeyID is set (what demisto-py and XSOAR's Core REST
	// API integration use), "" otherwise. XSOAR 8's own API reference uses
	// "/xsoar/public/v1" and whether both accept the same paths is
	// unconfirmed (reference §2.1), so it can be set; a pointer to "" forces
	// no prefix. An XSOAR 6 behind a reverse proxy path can use it too.
	PathPrefix *string
	// HTTPClient sends the requests; nil means a private connection pool
	// over fasthttp (httpx.Config.HTTPClient).
	HTTPClient *http.Client
	// Timeout bounds each attempt; default 30s. Longer than the other
	// providers' 10s on purpose: a war-room write that times out may still
	// land, and the write-back queue would then add it twice, while a slow
	// answer costs nothing because write-back never delays a command.
	// XSOAR's own Core REST API integration allows three minutes.
	Timeout time.Duration
	// MaxRetries is how often a retryable call is re-sent; default 2, and a
	// negative value turns retries off.
	MaxRetries int
	// Observer is told about every attempt (metrics).
	Observer httpx.Observer
	// Version goes into the User-Agent, idcmd/<Version>; default "dev".
	Version string
}

const (
	defaultTimeout    = 30 * time.Second
	defaultMaxRetries = 2
	// defaultV8Prefix is where XSOAR 8 / XSIAM serve the server API on
	// the api- host (reference §2.1).
	defaultV8Prefix = "/xsoar"
)

// validate checks cfg and returns the API base: the origin followed by the
// path prefix, without a trailing slash. Every error names the field to
// fix and never repeats a secret.
func (cfg *Config) validate() (string, error) {
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return "", err
	}
	switch {
	case cfg.APIKey == "":
		return "", errors.New("xsoar: APIKey is required")
	case strings.ContainsAny(cfg.APIKey, " \t\r\n"):
		return "", errors.New("xsoar: APIKey contains whitespace")
	case strings.ContainsAny(cfg.APIKeyID, " \t\r\n"):
		return "", errors.New("xsoar: APIKeyID contains whitespace")
	case cfg.Advanced && cfg.APIKeyID == "":
		return "", errors.New("xsoar: Advanced needs APIKeyID: advanced keys exist only on XSOAR 8 / XSIAM")
	case cfg.Timeout < 0:
		return "", errors.New("xsoar: Timeout must not be negative")
	}
	host := strings.ToLower(base.Hostname())
	if cfg.APIKeyID != "" && strings.HasSuffix(host, ".paloaltonetworks.com") && !strings.HasPrefix(host, "api-") {
		return "", fmt.Errorf("xsoar: BaseURL %q is the console; the XSOAR 8 API is at https://api-%s", cfg.BaseURL, host)
	}
	prefix := defaultV8Prefix
	if cfg.APIKeyID == "" {
		prefix = ""
	}
	if cfg.PathPrefix != nil {
		if prefix, err = parsePathPrefix(*cfg.PathPrefix); err != nil {
			return "", err
		}
	}
	return base.String() + prefix, nil
}

// parseBaseURL accepts only an origin: https://host[:port], or http:// on
// a loopback host (httpx.ParseBaseURL).
func parseBaseURL(raw string) (*url.URL, error) {
	return httpx.ParseBaseURL(raw, httpx.BaseURLRule{Provider: "xsoar", Field: "BaseURL",
		Example: "https://xsoar.example.com; put an API path such as /xsoar in PathPrefix"})
}

// parsePathPrefix accepts "" or /segment[/segment...] made of URL-safe
// characters, and drops a trailing slash. Anything that would need
// escaping, or "." and ".." segments that would change the path itself,
// is refused.
func parsePathPrefix(raw string) (string, error) {
	p := strings.TrimSuffix(raw, "/")
	if p == "" {
		return "", nil
	}
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("xsoar: PathPrefix %q must start with /, like /xsoar", raw)
	}
	for seg := range strings.SplitSeq(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." || strings.IndexFunc(seg, notPathChar) >= 0 {
			return "", fmt.Errorf("xsoar: PathPrefix %q must be plain path segments, like /xsoar/public/v1", raw)
		}
	}
	return p, nil
}

// notPathChar reports characters outside RFC 3986's unreserved set.
func notPathChar(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return false
	case r == '-', r == '.', r == '_', r == '~':
		return false
	}
	return true
}
