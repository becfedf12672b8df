package okta

import (
	"crypto"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/idcmd/idcmd/providers/httpx"
)

// Config configures a Client. Exactly one way to authenticate must be set:
// APIToken, or ClientID with PrivateKey or PrivateKeyPEM.
type Config struct {
	// BaseURL is the org URL, https://<org>.okta.com. http:// is accepted
	// only for loopback hosts (a local fake), never for a real org.
	BaseURL string
	// APIToken is an SSWS API token.
	APIToken string
	// ClientID is an OAuth 2.0 service app that signs in with
	// private_key_jwt.
	ClientID string
	// PrivateKey signs the client assertion: RSA (RS256) or ECDSA (ES256,
	// or ES384/ES512 for P-384/P-521). Any crypto.Signer works, so the
	// key may live in an HSM.
	PrivateKey crypto.Signer
	// PrivateKeyPEM is the alternative to PrivateKey: a PKCS#1, PKCS#8 or
	// SEC 1 (EC) PEM block.
	PrivateKeyPEM []byte
	// KeyID is sent as the assertion's kid header; Okta needs it when the
	// app has several keys.
	KeyID string
	// Scopes requested for the access token; default okta.users.read,
	// okta.users.manage and okta.logs.read. The zone calls (zones.go) need
	// okta.networkZones.read and okta.networkZones.manage added here.
	Scopes []string
	// DPoP forces DPoP-bound tokens from the first token request. Without
	// it the client still switches to DPoP when Okta asks for it
	// (invalid_dpop_proof), as the Okta SDK does.
	DPoP bool
	// HTTPClient sends the requests; nil means a private connection pool
	// over fasthttp (httpx.Config.HTTPClient).
	HTTPClient *http.Client
	// Timeout bounds each attempt; default 10s.
	Timeout time.Duration
	// MaxRetries is how often a retryable call is re-sent; default 2, and
	// a negative value turns retries off.
	MaxRetries int
	// RequestsPerSecond caps this tenant's request rate; 0 means no cap.
	RequestsPerSecond float64
	// Observer is told about every attempt (metrics).
	Observer httpx.Observer
	// Version goes into the User-Agent, idcmd/<Version>; default "dev".
	Version string
	// BlocklistZone is the network zone okta-block-ip and okta-unblock-ip
	// edit unless told otherwise: a zone ID or name, of an IP zone with
	// usage BLOCKLIST. Default DefaultBlocklistZone, the blocklist zone
	// every Okta org has.
	BlocklistZone string
}

// DefaultBlocklistZone is the name of the system IP blocklist zone Okta
// creates in every org (spec schema NetworkZone, system): it exists
// without any set-up, and its entries are refused at Okta's edge before
// any policy runs.
const DefaultBlocklistZone = "BlockedIpZone"

// maxZoneName is the spec's maxLength of a zone name.
const maxZoneName = 128

const (
	defaultTimeout    = 10 * time.Second
	defaultMaxRetries = 2
)

// defaultScopes cover every call this client makes (reads, lifecycle
// actions and the System Log) but ListUserRoles and the network zone
// calls: okta.roles.read, okta.networkZones.read and
// okta.networkZones.manage are left out because requesting a scope the
// service app was not granted fails the token request, and with it every
// other call.
func defaultScopes() []string {
	return []string{"okta.users.read", "okta.users.manage", "okta.logs.read"}
}

// validate checks cfg and returns the parsed org URL (scheme://host, no
// trailing slash). Every error names the field to fix and never repeats a
// secret.
func (cfg *Config) validate() (*url.URL, error) {
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	hasKey := cfg.PrivateKey != nil || len(cfg.PrivateKeyPEM) > 0
	switch {
	case cfg.APIToken != "" && (cfg.ClientID != "" || hasKey):
		return nil, errors.New("okta: set either APIToken or ClientID with a private key, not both")
	case cfg.APIToken != "" && cfg.DPoP:
		return nil, errors.New("okta: DPoP applies to OAuth (ClientID), not to APIToken")
	case cfg.APIToken != "":
		if strings.ContainsAny(cfg.APIToken, " \t\r\n") {
			return nil, errors.New("okta: APIToken contains whitespace")
		}
	case cfg.ClientID != "":
		if !hasKey {
			return nil, errors.New("okta: ClientID needs PrivateKey or PrivateKeyPEM")
		}
		if cfg.PrivateKey != nil && len(cfg.PrivateKeyPEM) > 0 {
			return nil, errors.New("okta: set PrivateKey or PrivateKeyPEM, not both")
		}
	case hasKey:
		return nil, errors.New("okta: a private key needs ClientID")
	default:
		return nil, errors.New("okta: no credentials: set APIToken, or ClientID with PrivateKey or PrivateKeyPEM")
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("okta: Timeout must not be negative")
	}
	if cfg.RequestsPerSecond < 0 {
		return nil, errors.New("okta: RequestsPerSecond must not be negative")
	}
	if err := CheckZoneRef(cfg.BlocklistZone); err != nil {
		return nil, fmt.Errorf("okta: BlocklistZone: %w", err)
	}
	return base, nil
}

// CheckZoneRef accepts "" (the default) or a zone ID or name: at most 128
// characters, no control characters, no surrounding spaces.
func CheckZoneRef(ref string) error {
	switch {
	case utf8.RuneCountInString(ref) > maxZoneName:
		return fmt.Errorf("at most %d characters (a zone ID or name)", maxZoneName)
	case strings.TrimSpace(ref) != ref:
		return errors.New("must not start or end with white space")
	case strings.IndexFunc(ref, unicode.IsControl) >= 0:
		return errors.New("must not contain control characters")
	case !utf8.ValidString(ref):
		return errors.New("must be valid UTF-8")
	}
	return nil
}

// parseBaseURL accepts only an origin: https://host[:port], or http:// on a
// loopback host (httpx.ParseBaseURL).
func parseBaseURL(raw string) (*url.URL, error) {
	return httpx.ParseBaseURL(raw, httpx.BaseURLRule{Provider: "okta", Field: "BaseURL", Example: "https://example.okta.com"})
}
