package httpx

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// BaseURLRule says how a provider client's tenant URL is checked.
type BaseURLRule struct {
	// Provider and Field name the setting in errors ("okta", "BaseURL").
	Provider, Field string
	// Example is a well-formed URL shown when the value has a path.
	Example string
	// AllowPath accepts a path (PingOne's API base ends in /v1).
	AllowPath bool
}

// ParseBaseURL checks a tenant URL the way every client needs it checked:
// https, or http:// only on a loopback host (a local fake, never a real
// tenant: credentials must not cross a network in clear text), and no user
// info, query or fragment, which are refused rather than silently dropped
// since each hints at a mistyped URL.
func ParseBaseURL(raw string, r BaseURLRule) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("%s: %s is required", r.Provider, r.Field)
	}
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", r.Provider, r.Field, err)
	}
	switch {
	case u.Host == "":
		return nil, fmt.Errorf("%s: %s %q has no host", r.Provider, r.Field, raw)
	case u.User != nil:
		return nil, fmt.Errorf("%s: %s must not contain user info", r.Provider, r.Field)
	case !r.AllowPath && (u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != ""):
		return nil, fmt.Errorf("%s: %s %q must be just scheme and host, like %s", r.Provider, r.Field, raw, r.Example)
	case u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return nil, fmt.Errorf("%s: %s %q must not have a query or fragment", r.Provider, r.Field, raw)
	case u.Scheme == "https":
	case u.Scheme == "http":
		if !IsLoopback(u.Hostname()) {
			return nil, fmt.Errorf("%s: %s %q: http:// is allowed only for loopback hosts; use https://", r.Provider, r.Field, raw)
		}
	default:
		return nil, fmt.Errorf("%s: %s %q: scheme must be https", r.Provider, r.Field, raw)
	}
	if r.AllowPath {
		return &url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}, nil
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

// IsLoopback reports whether host is localhost or a loopback address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
