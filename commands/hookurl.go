package commands

import (
	"net"
	"net/url"
	"strings"
)

// hookURLProblem says why vendor (Okta, PingOne) could not deliver events
// to raw, idcmd's intake as the vendor reaches it, or "". Both vendors call
// only HTTPS; http is accepted for a loopback host, which only the
// sandbox's fakes reach. Credentials in the URL are refused: the secret is
// the webhook_secret header.
func hookURLProblem(vendor, raw string) string {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Hostname() == "" {
		return "must be an absolute https URL such as https://idcmd.example.com/" + strings.ToLower(vendor) + "/webhook"
	}
	if u.User != nil {
		return "must not carry credentials: the secret is " + strings.ToLower(vendor) + ".webhook_secret"
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return ""
	case "http":
		if h := u.Hostname(); strings.EqualFold(h, "localhost") || net.ParseIP(h).IsLoopback() {
			return ""
		}
	}
	return "must be https: " + vendor + " delivers only over HTTPS (http is accepted for a loopback host, for the sandbox)"
}
