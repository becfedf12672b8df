package okta

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"

	"github.com/idcmd/idcmd/providers/httpx"
	"github.com/idcmd/idcmd/providers/upstream"
)

// readAll returns a response body; httpx has already buffered it, so this
// cannot fail on the network.
func readAll(resp *http.Response) ([]byte, error) {
	return io.ReadAll(resp.Body)
}

// rawSetter is a pointer to a decoded Okta object that keeps its raw JSON.
type rawSetter[T any] interface {
	*T
	setRaw(json.RawMessage)
}

func (u *User) setRaw(b json.RawMessage)    { u.Raw = b }
func (g *Group) setRaw(b json.RawMessage)   { g.Raw = b }
func (a *AppLink) setRaw(b json.RawMessage) { a.Raw = b }
func (f *Factor) setRaw(b json.RawMessage)  { f.Raw = b }

// decodeObject decodes one object and keeps its exact JSON in Raw.
func decodeObject[T any, P rawSetter[T]](op string, resp *http.Response) (*T, error) {
	body, err := readAll(resp)
	if err != nil {
		return nil, decodeError(op, resp, err)
	}
	v := new(T)
	if err := json.Unmarshal(body, v); err != nil {
		return nil, decodeError(op, resp, err)
	}
	P(v).setRaw(json.RawMessage(bytes.Clone(body)))
	return v, nil
}

// decodeList decodes a JSON array element by element, so each object's Raw
// is exactly the JSON Okta sent for it.
func decodeList[T any, P rawSetter[T]](op string, resp *http.Response) ([]T, error) {
	raws, err := decodeRawList(op, resp)
	if err != nil {
		return nil, err
	}
	out := make([]T, len(raws))
	for i, raw := range raws {
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			return nil, decodeError(op, resp, err)
		}
		P(&out[i]).setRaw(raw)
	}
	return out, nil
}

// decodeRawList splits a JSON array into its elements (each a copy).
func decodeRawList(op string, resp *http.Response) ([]json.RawMessage, error) {
	body, err := readAll(resp)
	if err != nil {
		return nil, decodeError(op, resp, err)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(body, &raws); err != nil {
		return nil, decodeError(op, resp, err)
	}
	return raws, nil
}

// decodeError reports a body that is not the JSON Okta documents.
func decodeError(op string, resp *http.Response, err error) *upstream.Error {
	return httpx.DecodeError(provider, "Okta", op, resp.StatusCode, err)
}
