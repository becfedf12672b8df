package pingonetest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
)

// Paging cursors are opaque, as PingOne's are: the position is sealed with
// an HMAC under a per-server key, so a cursor that was altered, guessed or
// minted by another server instance is refused with 400 INVALID_DATA
// instead of silently paging from the wrong place. Clients must follow
// _links.next.href.

const cursorMACSize = 12

type cursorSealer struct{ key []byte }

func newCursorSealer() cursorSealer { return cursorSealer{key: []byte(secretToken(32))} }

// seal encodes v (a small position struct) as a cursor.
func (c cursorSealer) seal(v any) string {
	payload, err := json.Marshal(v)
	if err != nil {
		panic("pingonetest: marshal cursor: " + err.Error())
	}
	m := hmac.New(sha256.New, c.key)
	m.Write(payload)
	b := append(payload, m.Sum(nil)[:cursorMACSize]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// open verifies cursor and decodes it into v.
func (c cursorSealer) open(cursor string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) <= cursorMACSize {
		return false
	}
	payload, mac := b[:len(b)-cursorMACSize], b[len(b)-cursorMACSize:]
	m := hmac.New(sha256.New, c.key)
	m.Write(payload)
	if !hmac.Equal(mac, m.Sum(nil)[:cursorMACSize]) {
		return false
	}
	return json.Unmarshal(payload, v) == nil
}

func errBadCursor() *apiError {
	return invalidValue("cursor", "The cursor is invalid or has been altered; follow _links.next.href.")
}
