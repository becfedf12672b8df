package commands

import (
	"bytes"
	"encoding/json"
	"slices"
)

// AnswerJSON is the JSON of r as the HTTP answer carries it: byte for byte
// what encoding/json's Encoder writes for r (Echo's c.JSON without
// ?pretty), newline included.
//
// The Encoder re-validates and compacts the bytes of every json.Marshaler,
// so the provider's object in raw_response (a user is about 1.7 KB) went
// through encoding/json's scanner on every answer, after the provider's
// decoder had already accepted it. When raw_response is such an object
// and compacting it would change nothing (no space outside strings, none
// of the characters the Encoder escapes for HTML), AnswerJSON encodes the
// rest and puts the object's bytes in as they are; otherwise it is the
// Encoder's output.
func (r *Result) AnswerJSON() ([]byte, error) { return r.AppendAnswerJSON(nil) }

// AppendAnswerJSON appends AnswerJSON to dst, so a caller can encode the
// answer into a buffer it reuses.
func (r *Result) AppendAnswerJSON(dst []byte) ([]byte, error) {
	raw, ok := r.RawResponse.(rawJSON)
	if !ok || len(raw) == 0 || !compactAndHTMLSafe(raw) {
		return appendEncoded(dst, r)
	}
	rest := *r
	rest.RawResponse = nil
	start := len(dst)
	dst, err := appendEncoded(dst, &rest)
	if err != nil {
		return dst[:start], err
	}
	// The first "raw_response":null is the field's: the fields before it
	// are strings and booleans, and inside a string every quote is escaped.
	i := bytes.Index(dst[start:], rawResponseNull)
	if i < 0 {
		return appendEncoded(dst[:start], r)
	}
	null := start + i + len(rawResponseNull) - len("null")
	return slices.Replace(dst, null, null+len("null"), raw...), nil
}

var rawResponseNull = []byte(`"raw_response":null`)

// appendEncoded appends what json.NewEncoder(w).Encode(v) writes.
func appendEncoded(dst []byte, v any) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		return dst, err
	}
	return buf.Bytes(), nil
}

// compactAndHTMLSafe reports whether encoding/json would embed the JSON
// text b unchanged: it compacts a Marshaler's output (drops whitespace
// outside strings) and escapes <, >, & and U+2028, U+2029 (which valid
// JSON holds only in strings). b must be JSON a decoder accepted, as
// every rawJSON is.
func compactAndHTMLSafe(b []byte) bool {
	inString := false
	for i := 0; i < len(b); i++ {
		switch scanClass[b[i]] {
		case scanPlain:
		case scanHTML:
			return false
		case scanE2: // U+2028 and U+2029 are E2 80 A8 and E2 80 A9
			if i+2 < len(b) && b[i+1] == 0x80 && b[i+2]&^1 == 0xA8 {
				return false
			}
		case scanQuote: // a quote inside a string is escaped, so each one toggles
			inString = !inString
		case scanBackslash: // only inside a string, in valid JSON
			i++ // the escaped character, never the string's end
		case scanSpace:
			if !inString {
				return false
			}
		}
	}
	return true
}

// scanClass sorts the bytes compactAndHTMLSafe looks at; every other byte
// is scanPlain. A table lookup per byte is about five times faster than the
// comparisons it replaces (BenchmarkCompactAndHTMLSafe), and the scan runs
// over every provider object an answer carries.
var scanClass = [256]uint8{
	'<': scanHTML, '>': scanHTML, '&': scanHTML, 0xE2: scanE2, '"': scanQuote, '\\': scanBackslash,
	' ': scanSpace, '\t': scanSpace, '\n': scanSpace, '\r': scanSpace,
}

const (
	scanPlain = iota
	scanHTML
	scanE2
	scanQuote
	scanBackslash
	scanSpace
)
