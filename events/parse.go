package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"strings"
)

// MaxPingOneBatch is PingOne's largest delivery: a subscription sends at
// most 500 events per payload (pingone.md §8).
const MaxPingOneBatch = 500

// MaxOktaBatch bounds one Okta delivery. Okta documents no maximum
// (okta.md §8); this is far above what a hook amalgamates, and a batch past
// it is refused rather than half stored.
const MaxOktaBatch = 5000

// DeliveryError is a delivery idcmd refuses as a whole: nothing of it is
// stored. Status is the HTTP status to answer, Field what is wrong.
type DeliveryError struct {
	Status int
	Field  string
	Detail string
}

func (e *DeliveryError) Error() string { return e.Field + ": " + e.Detail }

func badDelivery(field, format string, args ...any) *DeliveryError {
	return &DeliveryError{Status: 400, Field: field, Detail: fmt.Sprintf(format, args...)}
}

// oktaHookEnvelope is an Okta event hook delivery (okta.md §8).
type oktaHookEnvelope struct {
	EventType string `json:"eventType"`
	EventID   string `json:"eventId"`
	Data      *struct {
		Events *[]json.RawMessage `json:"events"`
	} `json:"data"`
}

// OktaHookEventType is the envelope's eventType on every delivery.
const OktaHookEventType = "com.okta.event_hook"

// ParseOktaHook reads an event hook delivery: the envelope must be Okta's
// and data.events a list; each event is normalized, and one that cannot be
// read is kept as rejected rather than failing the batch (Okta does not
// retry a 4xx, so refusing the batch would lose the good events with it).
func ParseOktaHook(contentType string, body []byte) ([]Event, error) {
	if err := checkJSONType(contentType, false); err != nil {
		return nil, err
	}
	var env oktaHookEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, badDelivery("body", "is not a JSON object of Okta's event hook envelope: %s", jsonProblem(err))
	}
	switch {
	case env.EventType != OktaHookEventType:
		return nil, badDelivery("body.eventType", "must be %q (an Okta event hook delivery), got %q", OktaHookEventType, cut(env.EventType))
	case env.Data == nil || env.Data.Events == nil:
		return nil, badDelivery("body.data.events", "is required: the list of System Log events")
	case len(*env.Data.Events) > MaxOktaBatch:
		return nil, &DeliveryError{Status: 413, Field: "body.data.events",
			Detail: fmt.Sprintf("holds %d events; idcmd takes at most %d per delivery", len(*env.Data.Events), MaxOktaBatch)}
	}
	out := make([]Event, len(*env.Data.Events))
	for i, raw := range *env.Data.Events {
		out[i] = FromOkta(raw)
	}
	return out, nil
}

// ParsePingOneBatch reads a webhook delivery of a format ACTIVITY
// subscription: a JSON array of activities (JSON_ARRAY), one activity, or
// one activity per line (ND_JSON). A body that is none of these is refused;
// in a body that is, an activity that cannot be read is kept as rejected,
// because PingOne redelivers a batch until it gets a 200, and refusing it
// would stall the subscription forever.
func ParsePingOneBatch(contentType string, body []byte) ([]Event, error) {
	if err := checkJSONType(contentType, true); err != nil {
		return nil, err
	}
	trimmed := bytes.TrimSpace(body)
	var raws []json.RawMessage
	var valid []bool // per element: parsed as JSON
	switch {
	case len(trimmed) == 0:
		return nil, badDelivery("body", "is empty: send a JSON array of activities, one activity, or NDJSON")
	case trimmed[0] == '[':
		if err := json.Unmarshal(trimmed, &raws); err != nil {
			return nil, badDelivery("body", "is not a JSON array of activities: %s", jsonProblem(err))
		}
	case json.Valid(trimmed):
		raws = []json.RawMessage{trimmed}
	default:
		var err error
		if raws, valid, err = ndjsonLines(trimmed); err != nil {
			return nil, err
		}
	}
	if valid == nil {
		valid = make([]bool, len(raws))
		for i := range valid {
			valid[i] = true
		}
	}
	if len(raws) > MaxPingOneBatch {
		return nil, &DeliveryError{Status: 413, Field: "body",
			Detail: fmt.Sprintf("holds %d activities; a PingOne subscription sends at most %d per payload", len(raws), MaxPingOneBatch)}
	}
	out := make([]Event, len(raws))
	for i, raw := range raws {
		if !valid[i] {
			out[i] = rejected(PingOne, raw, "the line is not JSON")
			continue
		}
		out[i] = FromPingOne(raw)
	}
	return out, nil
}

// ndjsonLines splits NDJSON into its lines. A line that is not JSON is
// kept (FromPingOne rejects it) as long as some line is: a body with no
// JSON line at all is not NDJSON but garbage, and is refused.
func ndjsonLines(body []byte) ([]json.RawMessage, []bool, error) {
	var out []json.RawMessage
	var valid []bool
	any := false
	for line := range bytes.SplitSeq(body, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		ok := json.Valid(line)
		any = any || ok
		out, valid = append(out, json.RawMessage(line)), append(valid, ok)
	}
	if !any {
		return nil, nil, badDelivery("body", "is not JSON: send a JSON array of activities, one activity, or NDJSON")
	}
	return out, valid, nil
}

// checkJSONType accepts application/json (with any charset) and, when
// ndjson, the NDJSON media types.
func checkJSONType(contentType string, ndjson bool) error {
	mt, _, err := mime.ParseMediaType(contentType)
	if err == nil {
		switch strings.ToLower(mt) {
		case "application/json":
			return nil
		case "application/x-ndjson", "application/ndjson", "application/jsonl":
			if ndjson {
				return nil
			}
		}
	}
	want := "application/json"
	if ndjson {
		want += " or application/x-ndjson"
	}
	return &DeliveryError{Status: 415, Field: "header.Content-Type", Detail: fmt.Sprintf("must be %s, got %q", want, cut(contentType))}
}

// jsonProblem says where the JSON went wrong without echoing the body.
func jsonProblem(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("invalid JSON at byte %d", e.Offset)
	case *json.UnmarshalTypeError:
		if e.Field != "" {
			return fmt.Sprintf("%s must be a JSON %s, not %s", e.Field, typeName(e.Type.Kind().String()), e.Value)
		}
		return fmt.Sprintf("must be a JSON object, not %s", e.Value)
	}
	return "invalid JSON"
}

func typeName(kind string) string {
	switch kind {
	case "slice":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	}
	return kind
}

// cut keeps a caller's value short in an answer.
func cut(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
