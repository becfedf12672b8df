package pingone

import (
	"encoding/json"
	"net/http"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// readAll returns a response body; httpx has already buffered it, so this
// cannot fail on the network, and it is the response's own buffer, not a
// copy (httpx.BodyBytes): keep it, never modify it.
func readAll(resp *http.Response) ([]byte, error) {
	return httpx.BodyBytes(resp)
}

// rawSetter is a pointer to a decoded PingOne object that keeps its raw
// JSON.
type rawSetter[T any] interface {
	*T
	setRaw(json.RawMessage)
}

func (u *User) setRaw(b json.RawMessage)            { u.Raw = b }
func (g *Group) setRaw(b json.RawMessage)           { g.Raw = b }
func (m *GroupMembership) setRaw(b json.RawMessage) { m.Raw = b }
func (r *RoleAssignment) setRaw(b json.RawMessage)  { r.Raw = b }
func (a *Application) setRaw(b json.RawMessage)     { a.Raw = b }
func (s *Session) setRaw(b json.RawMessage)         { s.Raw = b }
func (p *PasswordState) setRaw(b json.RawMessage)   { p.Raw = b }
func (r *RiskEvaluation) setRaw(b json.RawMessage)  { r.Raw = b }

// decodeObject decodes one object and keeps its exact JSON in Raw: the
// response's own buffer, which nothing else holds.
func decodeObject[T any, P rawSetter[T]](op string, resp *http.Response) (*T, error) {
	body, err := readAll(resp)
	if err != nil {
		return nil, decodeError(op, resp, err)
	}
	v := new(T)
	if err := json.Unmarshal(body, v); err != nil {
		return nil, decodeError(op, resp, err)
	}
	P(v).setRaw(json.RawMessage(body))
	return v, nil
}

// halPage is one page of a PingOne collection (spec EntityArray): the items
// under _embedded.<plural>, the next page under _links.next.href.
type halPage struct {
	Embedded map[string]json.RawMessage `json:"_embedded"`
	Links    struct {
		Next *struct {
			Href string `json:"href"`
		} `json:"next"`
	} `json:"_links"`
}

// decodePage decodes the items under _embedded.<key> one by one, so each
// object's Raw is exactly the JSON PingOne sent for it, and returns the
// next link as sent ("" on the last page).
func decodePage[T any, P rawSetter[T]](op, key string, resp *http.Response) ([]T, string, error) {
	raws, next, err := decodeRawPage(op, key, resp)
	if err != nil {
		return nil, "", err
	}
	out := make([]T, len(raws))
	for i, raw := range raws {
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			return nil, "", decodeError(op, resp, err)
		}
		P(&out[i]).setRaw(raw)
	}
	return out, next, nil
}

// decodeRawPage splits a page into its items (each a copy) and next link.
// A page without _embedded, or without the key, is an empty page: PingOne
// leaves out what it has nothing to put in.
func decodeRawPage(op, key string, resp *http.Response) ([]json.RawMessage, string, error) {
	body, err := readAll(resp)
	if err != nil {
		return nil, "", decodeError(op, resp, err)
	}
	var p halPage
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, "", decodeError(op, resp, err)
	}
	var raws []json.RawMessage
	if items, ok := p.Embedded[key]; ok {
		if err := json.Unmarshal(items, &raws); err != nil {
			return nil, "", decodeError(op, resp, err)
		}
	}
	next := ""
	if p.Links.Next != nil {
		next = p.Links.Next.Href
	}
	return raws, next, nil
}

// decodeError reports a body that is not the JSON PingOne documents.
func decodeError(op string, resp *http.Response, err error) *upstream.Error {
	return httpx.DecodeError(provider, "PingOne", op, resp.StatusCode, err)
}
