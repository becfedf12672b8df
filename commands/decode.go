package commands

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"
)

// Incident is the optional incident context of a call: where the result is
// written back (an XSOAR war room or an XDR incident).
type Incident struct {
	// Platform that holds the incident.
	Platform string `json:"platform" validate:"required,oneof=xsoar xdr" enums:"xsoar,xdr" example:"xsoar"`
	// Incident ID on that platform.
	ID string `json:"id" validate:"required,max=128,printascii" example:"1234"`
	// XSOAR investigation (war room) ID; XSOAR only, defaults to the incident ID.
	InvestigationID string `json:"investigation_id,omitempty" validate:"omitempty,max=128,printascii" example:"1234"`
}

// FieldError names one input problem: where it is (body.user) and what is wrong.
type FieldError struct {
	Location string `json:"location" example:"body.user"`
	Message  string `json:"message" example:"is required"`
}

// InputError is bad input from the caller: malformed JSON, a wrong type, an
// unknown field, or a broken validation rule. Each problem names its field.
type InputError struct {
	Detail string
	Errors []FieldError
}

func (e *InputError) Error() string {
	parts := make([]string, 0, len(e.Errors))
	for _, fe := range e.Errors {
		parts = append(parts, fe.Location+": "+fe.Message)
	}
	if len(parts) == 0 {
		return e.Detail
	}
	return e.Detail + ": " + strings.Join(parts, "; ")
}

func inputError(detail, location, msg string) *InputError {
	return &InputError{Detail: detail, Errors: []FieldError{{Location: location, Message: msg}}}
}

// Validator checks decoded arguments against their validate tags and their
// own Validate method, and reports problems by json name.
type Validator struct {
	v *validator.Validate
}

// NewValidator builds a Validator that names fields by their json tags.
func NewValidator() *Validator {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		if name == "-" {
			return ""
		}
		return name
	})
	return &Validator{v: v}
}

// selfValidator is implemented by argument structs with cross-field rules.
type selfValidator interface {
	Validate() error
}

// Check validates args (a pointer to an argument struct) and the incident.
func (val *Validator) Check(args any, inc *Incident) error {
	var problems []FieldError
	if err := val.v.Struct(args); err != nil {
		problems = append(problems, val.fieldErrors("body", err)...)
	}
	if inc != nil {
		if err := val.v.Struct(inc); err != nil {
			problems = append(problems, val.fieldErrors("body.incident", err)...)
		}
	}
	if len(problems) == 0 {
		if sv, ok := args.(selfValidator); ok {
			if err := sv.Validate(); err != nil {
				var ie *InputError
				if errors.As(err, &ie) {
					return ie
				}
				return inputError("The arguments are invalid", "body", err.Error())
			}
		}
		return nil
	}
	return &InputError{Detail: "The arguments are invalid", Errors: problems}
}

func (val *Validator) fieldErrors(prefix string, err error) []FieldError {
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return []FieldError{{Location: prefix, Message: "is invalid"}}
	}
	out := make([]FieldError, 0, len(verrs))
	for _, fe := range verrs {
		out = append(out, FieldError{Location: prefix + jsonPath(fe.Namespace()), Message: ruleMessage(fe)})
	}
	return out
}

// jsonPath turns a validator namespace ("OktaDeactivateUserArgs.OktaUserArgs.user")
// into the argument's JSON path (".user"). Go type and embedded-struct names
// start upper-case; argument names are snake_case, so those are dropped.
func jsonPath(ns string) string {
	var b strings.Builder
	for _, seg := range strings.Split(ns, ".") {
		if seg == "" || (seg[0] >= 'A' && seg[0] <= 'Z') {
			continue
		}
		b.WriteString(".")
		b.WriteString(seg)
	}
	return b.String()
}

// ruleMessage turns a broken validate rule into a sentence a responder can act on.
func ruleMessage(fe validator.FieldError) string {
	p := fe.Param()
	isString := fe.Kind() == reflect.String
	isList := fe.Kind() == reflect.Slice
	switch fe.Tag() {
	case "required":
		return "is required"
	case "max":
		if isString {
			return "must be at most " + p + " characters long"
		}
		if isList {
			return "must have at most " + p + " items"
		}
		return "must be at most " + p
	case "min":
		if isString {
			return "must be at least " + p + " characters long"
		}
		if isList {
			return "must have at least " + p + " items"
		}
		return "must be at least " + p
	case "gte":
		return "must be at least " + p
	case "lte":
		return "must be at most " + p
	case "oneof":
		return "must be one of: " + strings.Join(strings.Fields(p), ", ")
	case "printascii":
		return "must contain printable ASCII characters only"
	case "excluded_with":
		return "cannot be used together with " + p
	case "ip":
		return "must be an IP address"
	case "datetime":
		return "must be an RFC 3339 time such as 2026-11-24T08:00:00Z"
	default:
		return "fails the " + fe.Tag() + " rule"
	}
}

// Decode reads a command's JSON body strictly: one JSON object, no unknown
// fields, no trailing data. The optional "incident" member is split off
// first, because it belongs to the HTTP contract, not to the command.
func Decode(cmd Command, body []byte) (args any, inc *Incident, err error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	if body[0] != '{' {
		return nil, nil, inputError("The request body must be a JSON object", "body", "must be a JSON object with the command's arguments")
	}
	if bytes.Contains(body, []byte(`"incident"`)) {
		body, inc, err = splitIncident(body)
		if err != nil {
			return nil, nil, err
		}
	}
	args = cmd.NewArgs()
	if err := decodeStrict(body, args, "body"); err != nil {
		return nil, nil, err
	}
	return args, inc, nil
}

func splitIncident(body []byte) ([]byte, *Incident, error) {
	var members map[string]json.RawMessage
	if err := decodeStrict(body, &members, "body"); err != nil {
		return nil, nil, err
	}
	raw, ok := members["incident"]
	if !ok {
		return body, nil, nil
	}
	delete(members, "incident")
	var inc *Incident
	if err := decodeStrict(raw, &inc, "body.incident"); err != nil {
		return nil, nil, err
	}
	rest, err := json.Marshal(members)
	if err != nil {
		return nil, nil, fmt.Errorf("re-encode arguments: %w", err)
	}
	return rest, inc, nil
}

// DecodeJSON decodes one JSON object strictly into v, for request bodies
// that are not command arguments.
func DecodeJSON(data []byte, v any) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil
	}
	return decodeStrict(data, v, "body")
}

// decodeStrict decodes one JSON value into v and turns encoding/json's errors
// into field-named input errors.
func decodeStrict(data []byte, v any, where string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonInputError(err, where)
	}
	if _, err := dec.Token(); err != io.EOF {
		return inputError("The request body is not valid JSON", where, "has data after the JSON object")
	}
	return nil
}

func jsonInputError(err error, where string) *InputError {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return inputError("The request body is not valid JSON", where, fmt.Sprintf("malformed JSON at byte %d: %s", syn.Offset, syn.Error()))
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return inputError("The request body is not valid JSON", where, "the JSON ends too early")
	case errors.As(err, &typ):
		loc := where
		if typ.Field != "" {
			loc = where + "." + typ.Field
		}
		return inputError("An argument has the wrong type", loc, "must be "+jsonKind(typ.Type)+", not "+typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return inputError("The request has an unknown field", where+"."+field, "is not an argument of this command")
	default:
		return inputError("The request body is not valid JSON", where, "could not be decoded")
	}
}

func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	if t == reflect.TypeFor[struct{}]() {
		return "an object"
	}
	return "of type " + t.String()
}
