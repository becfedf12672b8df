package oktatest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// Pagination cursors are opaque, as Okta's are: the payload is sealed with
// an HMAC under a per-server key, so a cursor that was altered, guessed or
// minted by another server instance is rejected with E0000029 instead of
// silently paging from the wrong place. Clients must follow Link headers.

const cursorMACSize = 10

type cursorSealer struct{ key []byte }

func newCursorSealer() cursorSealer {
	return cursorSealer{key: []byte(secretToken(32))}
}

func (c cursorSealer) seal(payload []byte) string {
	m := hmac.New(sha256.New, c.key)
	m.Write(payload)
	b := append(append([]byte{}, payload...), m.Sum(nil)[:cursorMACSize]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (c cursorSealer) open(cursor string) ([]byte, bool) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) <= cursorMACSize {
		return nil, false
	}
	payload, mac := b[:len(b)-cursorMACSize], b[len(b)-cursorMACSize:]
	m := hmac.New(sha256.New, c.key)
	m.Write(payload)
	if !hmac.Equal(mac, m.Sum(nil)[:cursorMACSize]) {
		return nil, false
	}
	return payload, true
}

// nextLink is the next page's URL of a listing: the request's own query
// with after set to the sealed cursor and the page's limit, so a client
// that follows it keeps its filter, search and sort.
func (s *Server) nextLink(r *http.Request, cursor any, limit int) string {
	payload, _ := json.Marshal(cursor)
	nq := url.Values{}
	for k, v := range r.URL.Query() {
		nq[k] = v
	}
	nq.Set("after", s.cursors.seal(payload))
	nq.Set("limit", strconv.Itoa(limit))
	return s.pageURL(r, nq)
}
