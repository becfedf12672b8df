package pingonetest

import (
	"net/http"
	"net/url"
	"strconv"
)

// link is a HAL link (spec schema LinksHATEOAS entries).
type link struct {
	Href string `json:"href"`
}

type links map[string]link

// idRef is the {"id": ...} reference PingOne uses for related resources
// (environment, population, user, role...).
type idRef struct {
	ID string `json:"id"`
}

// collection is a HAL collection (spec schema EntityArray): count is the
// number of resources matching the request, size the number on this page.
type collection struct {
	Links    links          `json:"_links"`
	Embedded map[string]any `json:"_embedded"`
	Count    int            `json:"count"`
	Size     int            `json:"size"`
}

// writeCollection writes a page of items under _embedded[key]. next is the
// absolute URL of the following page, or "" on the last one.
func writeCollection[T any](w http.ResponseWriter, r *http.Request, s *Server, key string, items []T, count int, next string) {
	if items == nil {
		items = []T{} // an empty page is [], never null
	}
	l := links{"self": {Href: s.requestURL(r)}}
	if next != "" {
		l["next"] = link{Href: next}
	}
	writeJSON(w, http.StatusOK, collection{
		Links: l, Embedded: map[string]any{key: items}, Count: count, Size: len(items),
	})
}

// nextURL is the request's endpoint with its query, the cursor replaced.
// Every other parameter (filter, limit, expand) is kept so the next page
// answers the same question.
func (s *Server) nextURL(r *http.Request, cursor string) string {
	q := r.URL.Query()
	q.Set("cursor", cursor)
	return s.baseURL(r) + r.URL.EscapedPath() + "?" + q.Encode()
}

// Page size limits. PingOne's users listing accepts 1-1000 (spec
// readAllUsers); the fake applies the same range everywhere.
const (
	defaultPageLimit = 100
	maxPageLimit     = 1000
)

// pageLimit parses the limit query parameter.
func pageLimit(q url.Values) (int, *apiError) {
	v := q.Get("limit")
	if v == "" {
		return defaultPageLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPageLimit {
		lo, hi := 1, maxPageLimit
		e := invalidValue("limit", "limit must be an integer from 1 to 1000")
		e.details[0].InnerError = &innerError{RangeMinimumValue: &lo, RangeMaximumValue: &hi}
		return 0, e
	}
	return n, nil
}
