package oktatest

import (
	"net/http"
	"net/url"
)

// hrefLink is a HAL link object (spec schema HrefObject).
type hrefLink struct {
	Href   string     `json:"href"`
	Method string     `json:"method,omitempty"`
	Name   string     `json:"name,omitempty"`
	Type   string     `json:"type,omitempty"`
	Hints  *linkHints `json:"hints,omitempty"`
}

type linkHints struct {
	Allow []string `json:"allow"`
}

func allow(methods ...string) *linkHints { return &linkHints{Allow: methods} }

// writeLinks sets the pagination Link headers the way Okta does: one header
// line per relation, never a single comma-joined line. next is omitted when
// empty.
func writeLinks(h http.Header, self, next string) {
	h.Add("Link", "<"+self+`>; rel="self"`)
	if next != "" {
		h.Add("Link", "<"+next+`>; rel="next"`)
	}
}

// selfURL is the absolute URL of the request as the client addressed it.
func (s *Server) selfURL(r *http.Request) string {
	return s.baseURL(r) + r.URL.RequestURI()
}

// pageURL is the request's endpoint with query q, for next links.
func (s *Server) pageURL(r *http.Request, q url.Values) string {
	u := s.baseURL(r) + r.URL.EscapedPath()
	if enc := q.Encode(); enc != "" {
		u += "?" + enc
	}
	return u
}
