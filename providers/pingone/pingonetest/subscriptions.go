package pingonetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file serves PingOne's Subscriptions (webhooks) API,
// /environments/{envID}/subscriptions (spec schema Subscription,
// reference pingone.md §8): create, read, update and delete, with
// PingOne's validation. subscriptions_delivery.go sends the matched
// activities to each subscription's endpoint.

// Subscription limits and enums (spec Subscription and its Enum* schemas).
const (
	// MaxSubscriptions is PingOne's limit per environment; one more is 403.
	MaxSubscriptions = 50
	// maxFilterIDs bounds includedApplications and includedPopulations.
	maxFilterIDs = 10

	FormatActivity = "ACTIVITY"
	FormatSplunk   = "SPLUNK"
	FormatNewRelic = "NEWRELIC"

	LimitEventsPerPayload = "EVENTS_PER_PAYLOAD"
	LimitKBPerPayload     = "KB_PER_PAYLOAD"
	maxEventsPerPayload   = 500
	maxKBPerPayload       = 4096

	PayloadJSONArray = "JSON_ARRAY"
	PayloadNDJSON    = "ND_JSON"

	protocolHTTPS = "HTTPS"
	protocolTCPIP = "TCP_IP"
	tagAdmin      = "adminIdentityEvent"
)

// subscription is one stored subscription: its configuration and its
// delivery state (subscriptions_delivery.go). Guarded by subStore.mu.
type subscription struct {
	cfg                  subscriptionConfig
	id                   string
	createdAt, updatedAt time.Time
	out                  *outbox
}

// subscriptionConfig is what a POST or PUT sets, validated.
type subscriptionConfig struct {
	name         string
	enabled      bool
	verifyTLS    bool
	format       string
	protocol     string // "" when the request named none
	url          string
	headers      map[string]string
	actionTypes  []string
	applications []string
	populations  []string
	tags         []string
	ipExposed    bool
	uaExposed    bool
	limitType    string
	limitSize    int
	payload      string
	prettyPrint  bool
}

// matches reports whether an activity is one the subscription wants:
// its action type is included and it passes the application, population
// and tag filters (each applies only when set).
func (c *subscriptionConfig) matches(sa *storedActivity) bool {
	if !slices.Contains(c.actionTypes, sa.act.Type) {
		return false
	}
	if len(c.applications) > 0 && (sa.client == nil || !slices.Contains(c.applications, sa.client.id)) {
		return false
	}
	if len(c.populations) > 0 && !slices.ContainsFunc(sa.resources, func(r resourceRef) bool {
		// Users of the populations the event is about, not its actor.
		return r.typ == "USER" && slices.Contains(c.populations, r.popID)
	}) {
		return false
	}
	for _, t := range c.tags {
		if !slices.Contains(sa.act.Tags, t) {
			return false
		}
	}
	return true
}

// subscriptionJSON is the wire shape of spec Subscription, both ways.
// Pointers tell a missing required property from a zero one.
type subscriptionJSON struct {
	Links                 links               `json:"_links,omitempty"`
	ID                    string              `json:"id,omitempty"`
	Environment           *idRef              `json:"environment,omitempty"`
	Name                  *string             `json:"name,omitempty"`
	Enabled               *bool               `json:"enabled,omitempty"`
	VerifyTLSCertificates *bool               `json:"verifyTlsCertificates,omitempty"`
	Format                *string             `json:"format,omitempty"`
	Protocol              *string             `json:"protocol,omitempty"`
	HTTPEndpoint          *httpEndpointJSON   `json:"httpEndpoint,omitempty"`
	ConnectionDetails     *json.RawMessage    `json:"connectionDetails,omitempty"`
	FilterOptions         *filterOptionsJSON  `json:"filterOptions,omitempty"`
	PayloadOptions        *payloadOptionsJSON `json:"payloadOptions,omitempty"`
	TLSClientAuthKeyPair  *idRef              `json:"tlsClientAuthKeyPair,omitempty"`
	CreatedAt             string              `json:"createdAt,omitempty"`
	UpdatedAt             string              `json:"updatedAt,omitempty"`
}

type httpEndpointJSON struct {
	URL     *string           `json:"url,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
}

type filterOptionsJSON struct {
	IncludedActionTypes  []string `json:"includedActionTypes"`
	IncludedApplications []idRef  `json:"includedApplications,omitempty"`
	IncludedPopulations  []idRef  `json:"includedPopulations,omitempty"`
	IncludedTags         []string `json:"includedTags,omitempty"`
	IPAddressExposed     *bool    `json:"ipAddressExposed,omitempty"`
	UserAgentExposed     *bool    `json:"userAgentExposed,omitempty"`
}

type payloadOptionsJSON struct {
	MaximumPayloadLimit *payloadLimitJSON  `json:"maximumPayloadLimit,omitempty"`
	PayloadFormat       *payloadFormatJSON `json:"payloadFormat,omitempty"`
}

type payloadLimitJSON struct {
	Type *string `json:"type,omitempty"`
	Size *int    `json:"size,omitempty"`
}

type payloadFormatJSON struct {
	HTTPS *struct {
		Format      *string `json:"format,omitempty"`
		PrettyPrint *bool   `json:"prettyPrint,omitempty"`
	} `json:"https,omitempty"`
	TCP *json.RawMessage `json:"tcp,omitempty"`
}

func ptr[T any](v T) *T { return &v }

// renderSubscription is what PingOne answers for a subscription: every
// property, defaults filled in, headers included (PingOne returns them).
func (s *Server) renderSubscription(r *http.Request, sub *subscription) subscriptionJSON {
	c := sub.cfg
	j := subscriptionJSON{
		Links:                 links{"self": {Href: s.envURL(r, "/subscriptions/"+sub.id)}},
		ID:                    sub.id,
		Environment:           &idRef{ID: s.EnvironmentID},
		Name:                  ptr(c.name),
		Enabled:               ptr(c.enabled),
		VerifyTLSCertificates: ptr(c.verifyTLS),
		Format:                ptr(c.format),
		HTTPEndpoint:          &httpEndpointJSON{URL: ptr(c.url), Headers: c.headers},
		FilterOptions: &filterOptionsJSON{
			IncludedActionTypes: c.actionTypes, IncludedTags: c.tags,
			IPAddressExposed: ptr(c.ipExposed), UserAgentExposed: ptr(c.uaExposed),
		},
		PayloadOptions: &payloadOptionsJSON{
			MaximumPayloadLimit: &payloadLimitJSON{Type: ptr(c.limitType), Size: ptr(c.limitSize)},
			PayloadFormat:       &payloadFormatJSON{},
		},
		CreatedAt: formatTime(sub.createdAt),
		UpdatedAt: formatTime(sub.updatedAt),
	}
	if c.protocol != "" {
		j.Protocol = ptr(c.protocol)
	}
	for _, id := range c.applications {
		j.FilterOptions.IncludedApplications = append(j.FilterOptions.IncludedApplications, idRef{ID: id})
	}
	for _, id := range c.populations {
		j.FilterOptions.IncludedPopulations = append(j.FilterOptions.IncludedPopulations, idRef{ID: id})
	}
	j.PayloadOptions.PayloadFormat.HTTPS = &struct {
		Format      *string `json:"format,omitempty"`
		PrettyPrint *bool   `json:"prettyPrint,omitempty"`
	}{Format: ptr(c.payload), PrettyPrint: ptr(c.prettyPrint)}
	return j
}

// readSubscriptionBody decodes a POST or PUT body: JSON only.
func readSubscriptionBody(r *http.Request) (subscriptionJSON, *apiError) {
	var j subscriptionJSON
	if mt := mediaType(r); mt != ctJSON {
		return j, errUnsupportedMediaType(mt, ctJSON)
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return j, errMalformedBody("The request body is too large or could not be read.")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&j); err != nil {
		return j, errMalformedBody("The body must be a Subscription JSON object: " + err.Error())
	}
	return j, nil
}

// validateSubscription applies PingOne's rules to a request body and
// returns the configuration, or 400 INVALID_DATA with one detail per
// property at fault. Referenced applications and populations must exist.
func (e *Env) validateSubscription(j subscriptionJSON) (subscriptionConfig, *apiError) {
	var d []errorDetail
	req := func(target, msg string) {
		d = append(d, errorDetail{Code: detailRequiredValue, Target: target, Message: msg})
	}
	bad := func(target, msg string, allowed ...string) {
		ed := errorDetail{Code: detailInvalidValue, Target: target, Message: msg}
		if len(allowed) > 0 {
			ed.InnerError = &innerError{AllowedValues: allowed}
		}
		d = append(d, ed)
	}
	c := subscriptionConfig{format: FormatActivity, limitType: LimitEventsPerPayload, limitSize: maxEventsPerPayload, payload: PayloadJSONArray}

	switch {
	case j.Name == nil:
		req("name", "name is required.")
	case strings.TrimSpace(*j.Name) == "":
		bad("name", "name must not be empty.")
	case len(*j.Name) > 256:
		bad("name", "name must be at most 256 characters.")
	default:
		c.name = *j.Name
	}
	if j.Enabled == nil {
		req("enabled", "enabled is required.")
	} else {
		c.enabled = *j.Enabled
	}
	if j.VerifyTLSCertificates == nil {
		req("verifyTlsCertificates", "verifyTlsCertificates is required.")
	} else {
		c.verifyTLS = *j.VerifyTLSCertificates
	}
	switch {
	case j.Format == nil:
		req("format", "format is required.")
	case !slices.Contains([]string{FormatActivity, FormatSplunk, FormatNewRelic}, *j.Format):
		bad("format", "format must be ACTIVITY, SPLUNK or NEWRELIC.", FormatActivity, FormatSplunk, FormatNewRelic)
	case *j.Format != FormatActivity:
		// The fake delivers PingOne's activity JSON only; it does not
		// know the Splunk or New Relic envelopes well enough to fake them.
		bad("format", "This fake delivers format ACTIVITY only.", FormatActivity)
	default:
		c.format = *j.Format
	}
	if j.Protocol != nil {
		switch *j.Protocol {
		case protocolHTTPS:
			c.protocol = protocolHTTPS
		case protocolTCPIP:
			bad("protocol", "This fake delivers over HTTPS only.", protocolHTTPS)
		default:
			bad("protocol", "protocol must be HTTPS or TCP_IP.", protocolHTTPS, protocolTCPIP)
		}
	}
	if j.ConnectionDetails != nil {
		bad("connectionDetails", "connectionDetails is for protocol TCP_IP, which this fake does not deliver; use httpEndpoint.")
	}
	if j.TLSClientAuthKeyPair != nil {
		if c.verifyTLS {
			// The fake has no certificate management, so no key exists.
			bad("tlsClientAuthKeyPair.id", "No key with this ID and usage type OUTBOUND_MTLS exists.")
		} else {
			d = append(d, errorDetail{Code: detailConstraintViolation, Target: "tlsClientAuthKeyPair",
				Message: "tlsClientAuthKeyPair requires verifyTlsCertificates to be true."})
		}
	}

	switch {
	case j.HTTPEndpoint == nil || j.HTTPEndpoint.URL == nil:
		req("httpEndpoint.url", "httpEndpoint.url is required.")
	default:
		if msg := checkEndpointURL(*j.HTTPEndpoint.URL); msg != "" {
			bad("httpEndpoint.url", msg)
		} else {
			c.url = *j.HTTPEndpoint.URL
		}
		for k, v := range j.HTTPEndpoint.Headers {
			if !validHeaderName(k) || strings.ContainsAny(v, "\r\n\x00") {
				bad("httpEndpoint.headers", "Header "+strconv.Quote(k)+" is not a valid HTTP header name and value.")
			}
		}
		if len(j.HTTPEndpoint.Headers) > 0 {
			c.headers = j.HTTPEndpoint.Headers
		}
	}

	fo := j.FilterOptions
	switch {
	case fo == nil || fo.IncludedActionTypes == nil:
		req("filterOptions.includedActionTypes", "filterOptions.includedActionTypes is required.")
	case len(fo.IncludedActionTypes) == 0:
		bad("filterOptions.includedActionTypes", "filterOptions.includedActionTypes must not be empty.")
	default:
		for i, t := range fo.IncludedActionTypes {
			if !actionTypeShape(t) {
				bad(fmt.Sprintf("filterOptions.includedActionTypes[%d]", i),
					strconv.Quote(t)+" is not an audit action type (RESOURCE.VERB in upper case, such as USER.LOCKED).")
			}
		}
		c.actionTypes = slices.Compact(slices.Sorted(slices.Values(fo.IncludedActionTypes)))
	}
	if fo != nil {
		e.mu.RLock()
		c.applications = e.checkFilterIDs(fo.IncludedApplications, "filterOptions.includedApplications", func(id string) bool { return e.apps[id] != nil }, bad)
		c.populations = e.checkFilterIDs(fo.IncludedPopulations, "filterOptions.includedPopulations", e.populationExistsLocked, bad)
		e.mu.RUnlock()
		for i, t := range fo.IncludedTags {
			if t != tagAdmin {
				bad(fmt.Sprintf("filterOptions.includedTags[%d]", i), "The only tag is adminIdentityEvent.", tagAdmin)
			}
		}
		c.tags = slices.Compact(slices.Sorted(slices.Values(fo.IncludedTags)))
		c.ipExposed = fo.IPAddressExposed != nil && *fo.IPAddressExposed
		c.uaExposed = fo.UserAgentExposed != nil && *fo.UserAgentExposed
	}

	if po := j.PayloadOptions; po != nil {
		if l := po.MaximumPayloadLimit; l != nil {
			c.checkPayloadLimit(l, bad)
		}
		if pf := po.PayloadFormat; pf != nil {
			if pf.TCP != nil {
				bad("payloadOptions.payloadFormat.tcp", "payloadFormat.tcp is for protocol TCP_IP, which this fake does not deliver.")
			}
			if h := pf.HTTPS; h != nil {
				if h.Format != nil {
					if *h.Format != PayloadJSONArray && *h.Format != PayloadNDJSON {
						bad("payloadOptions.payloadFormat.https.format", "format must be JSON_ARRAY or ND_JSON.", PayloadJSONArray, PayloadNDJSON)
					} else {
						c.payload = *h.Format
					}
				}
				c.prettyPrint = h.PrettyPrint != nil && *h.PrettyPrint
			}
		}
	}
	if len(d) > 0 {
		return c, errInvalidData(d...)
	}
	return c, nil
}

// checkPayloadLimit applies maximumPayloadLimit's ranges: 1-500 events
// (default 500) or 1-4096 KB (no default: a size is required).
func (c *subscriptionConfig) checkPayloadLimit(l *payloadLimitJSON, bad func(string, string, ...string)) {
	if l.Type != nil {
		if *l.Type != LimitEventsPerPayload && *l.Type != LimitKBPerPayload {
			bad("payloadOptions.maximumPayloadLimit.type", "type must be EVENTS_PER_PAYLOAD or KB_PER_PAYLOAD.", LimitEventsPerPayload, LimitKBPerPayload)
			return
		}
		c.limitType = *l.Type
	}
	hi := maxEventsPerPayload
	if c.limitType == LimitKBPerPayload {
		hi = maxKBPerPayload
		if l.Size == nil {
			bad("payloadOptions.maximumPayloadLimit.size", "size is required for KB_PER_PAYLOAD (1 to 4096).")
			return
		}
	}
	if l.Size == nil {
		return
	}
	if *l.Size < 1 || *l.Size > hi {
		bad("payloadOptions.maximumPayloadLimit.size", fmt.Sprintf("size must be from 1 to %d for %s.", hi, c.limitType))
		return
	}
	c.limitSize = *l.Size
}

// checkFilterIDs checks an includedApplications or includedPopulations
// list: at most ten, each an ID of this environment.
func (e *Env) checkFilterIDs(refs []idRef, target string, exists func(string) bool, bad func(string, string, ...string)) []string {
	if len(refs) > maxFilterIDs {
		bad(target, fmt.Sprintf("At most %d IDs are allowed.", maxFilterIDs))
		return nil
	}
	var ids []string
	for i, r := range refs {
		if !exists(r.ID) {
			bad(fmt.Sprintf("%s[%d].id", target, i), "No resource with ID "+strconv.Quote(r.ID)+" exists in this environment.")
			continue
		}
		ids = append(ids, r.ID)
	}
	return ids
}

func (e *Env) populationExistsLocked(id string) bool {
	for _, p := range e.popByName {
		if p.id == id {
			return true
		}
	}
	return false
}

// checkEndpointURL returns why raw cannot be a subscription endpoint, or
// "". PingOne requires an absolute HTTPS URL.
//
// The fake's one leniency: it also accepts http:// on a loopback host
// (127.0.0.0/8, ::1, localhost), so that tests and the sandbox can point
// a subscription at an idcmd listening on 127.0.0.1 without a
// certificate. Any other http:// URL is refused as PingOne refuses it.
func checkEndpointURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Hostname() == "" || u.User != nil || u.Fragment != "" {
		return "httpEndpoint.url must be an absolute HTTPS URL such as https://siem.example.com/pingone."
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return ""
	case "http":
		if loopbackHost(u.Hostname()) {
			return ""
		}
	}
	return "httpEndpoint.url must be an HTTPS URL."
}

// loopbackHost reports whether host names this machine only.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validHeaderName reports whether k is an HTTP token (RFC 9110 §5.6.2).
func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if r > 0x7e || r <= ' ' || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", r) {
			return false
		}
	}
	return true
}

// actionTypeShape reports whether t has the form of an audit action type,
// RESOURCE.VERB in upper case (pingone.md §4.6). PingOne's documentation
// does not say whether unknown types are refused; a name that cannot be
// one (the SOP's USER_LOGIN, a lower-case type) is, as the console only
// offers real types and would never send it.
func actionTypeShape(t string) bool {
	res, verb, ok := strings.Cut(t, ".")
	return ok && upperSnakeWord(res) && upperSnakeWord(verb)
}

func upperSnakeWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// createSubscription serves POST /subscriptions: 201 with the
// subscription, 403 past MaxSubscriptions.
func (s *Server) createSubscription(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	j, aerr := readSubscriptionBody(r)
	if aerr != nil {
		return aerr
	}
	cfg, aerr := s.env.validateSubscription(j)
	if aerr != nil {
		return aerr
	}
	sub, aerr := s.subs.create(cfg, c.now)
	if aerr != nil {
		return aerr
	}
	s.subs.mu.Lock()
	body := s.renderSubscription(r, sub)
	s.subs.mu.Unlock()
	w.Header().Set("Location", s.envURL(r, "/subscriptions/"+sub.id))
	writeJSON(w, http.StatusCreated, body)
	return nil
}

// listSubscriptions serves GET /subscriptions, oldest first. There are at
// most fifty, on one page.
func (s *Server) listSubscriptions(w http.ResponseWriter, r *http.Request, _ *call) *apiError {
	s.subs.mu.Lock()
	items := make([]subscriptionJSON, 0, len(s.subs.order))
	for _, sub := range s.subs.order {
		items = append(items, s.renderSubscription(r, sub))
	}
	s.subs.mu.Unlock()
	writeCollection(w, r, s, "subscriptions", items, len(items), "")
	return nil
}

// getSubscription serves GET /subscriptions/{id}.
func (s *Server) getSubscription(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	s.subs.mu.Lock()
	sub := s.subs.byID[c.id]
	var body subscriptionJSON
	if sub != nil {
		body = s.renderSubscription(r, sub)
	}
	s.subs.mu.Unlock()
	if sub == nil {
		return errNotFound()
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// updateSubscription serves PUT /subscriptions/{id}: a full replacement,
// validated as a create is. Events already queued stay queued; enabling a
// disabled subscription delivers what it accumulated.
func (s *Server) updateSubscription(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	j, aerr := readSubscriptionBody(r)
	if aerr != nil {
		return aerr
	}
	s.subs.mu.Lock()
	known := s.subs.byID[c.id] != nil
	s.subs.mu.Unlock()
	if !known {
		return errNotFound()
	}
	cfg, aerr := s.env.validateSubscription(j)
	if aerr != nil {
		return aerr
	}
	sub := s.subs.update(c.id, cfg, c.now)
	if sub == nil {
		return errNotFound() // deleted meanwhile
	}
	s.subs.mu.Lock()
	body := s.renderSubscription(r, sub)
	s.subs.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
	return nil
}

// deleteSubscription serves DELETE /subscriptions/{id}: 204, and what was
// queued for it is dropped.
func (s *Server) deleteSubscription(w http.ResponseWriter, _ *http.Request, c *call) *apiError {
	if !s.subs.remove(c.id) {
		return errNotFound()
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
