package commands

import (
	"bytes"
	"encoding/json"
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
func (r *Result) AnswerJSON() ([]byte, error) {
	raw, ok := r.RawResponse.(rawJSON)
	if !ok || len(raw) == 0 || !compactAndHTMLSafe(raw) {
		return encoderJSON(r)
	}
	rest := *r
	rest.RawResponse = nil
	b, err := json.Marshal(&rest)
	if err != nil {
		return nil, err
	}
	// The first "raw_response":null is the field's: the fields before it
	// are strings and booleans, and inside a string every quote is escaped.
	i := bytes.Index(b, rawResponseNull)
	if i < 0 {
		return encoderJSON(r)
	}
	key := i + len(rawResponseNull) - len("null")
	out := make([]byte, 0, len(b)-len("null")+len(raw)+1)
	out = append(out, b[:key]...)
	out = append(out, raw...)
	out = append(out, b[i+len(rawResponseNull):]...)
	return append(out, '\n'), nil
}

var rawResponseNull = []byte(`"raw_response":null`)

// encoderJSON is what json.NewEncoder(w).Encode(v) writes.
func encoderJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// compactAndHTMLSafe reports whether encoding/json would embed the JSON
// text b unchanged: it compacts a Marshaler's output (drops whitespace
// outside strings) and escapes <, >, & and U+2028, U+2029 (which valid
// JSON holds only in strings). b must be JSON a decoder accepted, as
// every rawJSON is.
func compactAndHTMLSafe(b []byte) bool {
	inString := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '<' || c == '>' || c == '&':
			return false
		case c == 0xE2 && i+2 < len(b) && b[i+1] == 0x80 && b[i+2]&^1 == 0xA8:
			return false
		case inString:
			switch c {
			case '\\':
				i++ // the escaped character, never the string's end
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			return false
		}
	}
	return true
}
