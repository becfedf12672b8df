package commands

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// TestAnswerJSONIsTheEncodersOutput: AnswerJSON writes exactly what
// encoding/json's Encoder writes for the same result, whatever
// raw_response holds: compact objects (put in as they are), objects with
// space to compact or characters to escape (left to the Encoder), text
// that looks like the raw_response field in every other place, and
// raw_response values that are not one object.
func TestAnswerJSONIsTheEncodersOutput(t *testing.T) {
	created := time.Date(2025, 3, 30, 12, 36, 14, 0, time.UTC)
	user := OktaUser{ID: "00u1", Username: "jdoe@example.com", DisplayName: `John "raw_response":null Doe`, Status: "ACTIVE", Created: &created}
	raws := map[string]any{
		"compact":                 rawJSON(`{"id":"00u1","profile":{"displayName":"John Doe","login":"jdoe@example.com"},"n":[1,2.5,-3e2,true,false,null]}`),
		"space outside strings":   rawJSON(`{"id": "00u1", "profile": {"login":"a"}}`),
		"newline outside strings": rawJSON("{\"id\":\"00u1\",\n\t\"x\":1}\r\n"),
		"escapes in strings":      rawJSON(`{"q":"a\"b\\c\/d\u00e9\n","k\"ey":"v"}`),
		"HTML characters":         rawJSON(`{"link":"<a href=\"x\">&amp;</a>"}`),
		"line separator":          rawJSON("{\"s\":\"a\u2028b\u2029c\"}"),
		"escaped line separator":  rawJSON(`{"s":"a\u2028b"}`),
		"its own raw_response":    rawJSON(`{"raw_response":null,"x":{"raw_response":null}}`),
		"multi-byte text":         rawJSON(`{"name":"Zoë Łukasz 東京 ✓"}`),
		"a string":                rawJSON(`"just text"`),
		"a number":                rawJSON(`42`),
		"empty":                   rawJSON(nil),
		"none":                    nil,
		"a list of objects":       []any{rawJSON(`{"a":1}`), rawJSON(`{"b": 2}`)},
		"a map":                   map[string]any{"users": []any{rawJSON(`{"a":1}`)}},
		"decoded from a replay":   json.RawMessage(`{"a": 1}`),
	}
	for name, raw := range raws {
		res := &Result{
			ResultMeta: ResultMeta{Command: "okta-get-user", RequestID: `req "raw_response":null`, OutputsPrefix: "Okta.User", OutputsKeyField: "ID",
				ReadableOutput: "### Okta user\n|\"raw_response\":null|<b>&</b>|\n", RawResponse: raw, AuditID: 7,
				Writeback: &WritebackRef{ID: "wb_1", Status: "queued", Target: "xsoar:1"}},
			Outputs: user,
		}
		var want bytes.Buffer
		if err := json.NewEncoder(&want).Encode(res); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := res.AnswerJSON()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want.Bytes())
		}
		if res.RawResponse == nil && raw != nil {
			t.Errorf("%s: AnswerJSON changed the result", name)
		}
	}
}

// TestAnswerJSONSkipsTheSecondPass: a compact raw_response is put in as it
// is, and one that needs the Encoder's work is not; a raw_response that is
// not valid JSON shows which path ran (the Encoder refuses it).
func TestAnswerJSONSkipsTheSecondPass(t *testing.T) {
	for raw, fast := range map[string]bool{`{"a":1`: true, `{"a": 1`: false, `{"a":"<"`: false} {
		res := &Result{ResultMeta: ResultMeta{Command: "c", RawResponse: rawJSON(raw)}}
		_, err := res.AnswerJSON()
		if (err == nil) != fast {
			t.Errorf("%s: error %v; want the fast path %v", raw, err, fast)
		}
	}
}

// FuzzCompactAndHTMLSafe: compactAndHTMLSafe says yes exactly when
// encoding/json would embed the JSON text unchanged, that is when
// compacting it and escaping it for HTML gives back the same bytes. The
// seeds run with every go test.
func FuzzCompactAndHTMLSafe(f *testing.F) {
	for _, seed := range []string{
		demoUserJSON, `{}`, `[]`, `"x"`, `{"a":"b c"}`, `{"a": "b"}`, "{\"a\":\n1}", `{"a":"\"<"}`, `{"a":"\\"}`,
		`{"a":"\\\"","b":" "}`, `{"<":1}`, `{"a":"&amp;"}`, "{\"s\":\"\u2028\"}", "{\"s\":\"\u2029\"}", "{\"s\":\"\u2027\u202a\"}",
		`{"s":"\u2028"}`, `{"s":"é東"}`, "[1,\t2]", `[1,2.5e-3,true,null]`, `{"a":"\\\\"," ":"\\""}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return // compactAndHTMLSafe is only ever given JSON a decoder accepted
		}
		var compact, safe bytes.Buffer
		if err := json.Compact(&compact, b); err != nil {
			t.Fatal(err)
		}
		json.HTMLEscape(&safe, compact.Bytes())
		if want := bytes.Equal(safe.Bytes(), b); compactAndHTMLSafe(b) != want {
			t.Errorf("compactAndHTMLSafe(%q) = %v, want %v", b, !want, want)
		}
	})
}
