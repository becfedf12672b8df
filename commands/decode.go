package commands

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
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
// fields, no trailing data, and every member name given once and spelt
// exactly as declared. encoding/json would match "USER" to user and let
// the last of two "user" members win (and which one won flipped when an
// incident member made the body go through a second decode); a body whose
// meaning depends on such details is refused instead, naming the member.
// The optional "incident" member is split off first, because it belongs to
// the HTTP contract, not to the command.
func Decode(cmd Command, body []byte) (args any, inc *Incident, err error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	if body[0] != '{' {
		return nil, nil, inputError("The request body must be a JSON object", "body", "must be a JSON object with the command's arguments")
	}
	val, err := readOneValue(body, "body")
	if err != nil {
		return nil, nil, err
	}
	args = cmd.NewArgs()
	argNames := declaredNames(cmd.Info().ArgsType)
	if raw, ok := incidentMember(val); ok {
		var members map[string]jsontext.Value
		if err := jsonv2.Unmarshal(val, &members); err != nil {
			return nil, nil, jsonInputError(err, "body", argNames)
		}
		delete(members, "incident")
		if err := unmarshalStrict(raw, &inc, "body.incident", declaredNames(reflect.TypeFor[Incident]())); err != nil {
			return nil, nil, err
		}
		if val, err = jsonv2.Marshal(members, jsonv2.Deterministic(true)); err != nil {
			return nil, nil, fmt.Errorf("re-encode arguments: %w", err)
		}
	}
	if err := unmarshalStrict(val, args, "body", append(argNames, "incident")); err != nil {
		return nil, nil, err
	}
	return args, inc, nil
}

// incidentMember returns the raw "incident" member of an object, if any.
func incidentMember(obj jsontext.Value) (jsontext.Value, bool) {
	if !bytes.Contains(obj, []byte(`"incident"`)) {
		return nil, false // cheap path: most calls carry no incident
	}
	var probe struct {
		Incident jsontext.Value `json:"incident"`
	}
	if jsonv2.Unmarshal(obj, &probe) != nil || probe.Incident == nil {
		return nil, false
	}
	return probe.Incident, true
}

// DecodeJSON decodes one JSON object strictly into v, for request bodies
// that are not command arguments; the rules are Decode's.
func DecodeJSON(data []byte, v any) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil
	}
	val, err := readOneValue(data, "body")
	if err != nil {
		return err
	}
	return unmarshalStrict(val, v, "body", declaredNames(reflect.TypeOf(v)))
}

// readOneValue checks that data is exactly one well-formed JSON value whose
// objects, at every depth, name each member once (jsontext refuses
// duplicate names by default), and returns it.
func readOneValue(data []byte, where string) (jsontext.Value, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	val, err := dec.ReadValue()
	if err != nil {
		return nil, jsonInputError(err, where, nil)
	}
	val = val.Clone() // ReadValue's result is only valid until the next read
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, inputError("The request body is not valid JSON", where, "has data after the JSON object")
	}
	return val, nil
}

// unmarshalStrict decodes val into v with exact, case-sensitive member
// names and no unknown members. names are v's declared member names, for
// the hint when a member differs from one only in case.
func unmarshalStrict(val jsontext.Value, v any, where string, names []string) error {
	if err := jsonv2.Unmarshal(val, v, jsonv2.RejectUnknownMembers(true)); err != nil {
		return jsonInputError(err, where, names)
	}
	return nil
}

// jsonInputError turns a decoding error into a field-named input error.
func jsonInputError(err error, where string, names []string) *InputError {
	var syn *jsontext.SyntacticError
	var sem *jsonv2.SemanticError
	switch {
	case errors.As(err, &syn):
		loc := location(where, syn.JSONPointer)
		switch {
		case errors.Is(syn.Err, jsontext.ErrDuplicateName):
			return inputError("The request has a duplicate field", loc, "is given more than once; give each field once")
		case errors.Is(syn.Err, io.ErrUnexpectedEOF):
			return inputError("The request body is not valid JSON", where, "the JSON ends too early")
		case strings.Contains(syn.Error(), "invalid UTF-8"):
			return inputError("The request body is not valid JSON", loc, "must be valid UTF-8")
		}
		msg := fmt.Sprintf("malformed JSON at byte %d", syn.ByteOffset)
		if syn.Err != nil {
			msg += ": " + syn.Err.Error()
		}
		return inputError("The request body is not valid JSON", where, msg)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return inputError("The request body is not valid JSON", where, "the JSON ends too early")
	case errors.As(err, &sem) && errors.Is(sem.Err, jsonv2.ErrUnknownName):
		name := sem.JSONPointer.LastToken()
		loc := location(where, sem.JSONPointer)
		for _, n := range names {
			if n != name && strings.EqualFold(n, name) {
				return inputError("The request has a field in the wrong case", loc,
					"differs only in case from "+n+"; field names are case-sensitive")
			}
		}
		return inputError("The request has an unknown field", loc, "is not an argument of this command")
	case errors.As(err, &sem) && sem.GoType != nil:
		msg := "must be " + jsonKind(sem.GoType)
		if k := kindName(sem.JSONKind); k != "" {
			msg += ", not " + k
		}
		return inputError("An argument has the wrong type", location(where, sem.JSONPointer), msg)
	default:
		return inputError("The request body is not valid JSON", where, "could not be decoded")
	}
}

// location turns a JSON Pointer (/incident/id, /event_types/0) into the
// location style of validation errors (body.incident.id, body.event_types[0]).
func location(where string, p jsontext.Pointer) string {
	var b strings.Builder
	b.WriteString(where)
	for tok := range p.Tokens() {
		if tok != "" && strings.Trim(tok, "0123456789") == "" {
			b.WriteString("[" + tok + "]")
			continue
		}
		b.WriteString("." + tok)
	}
	return b.String()
}

// declaredNames lists the JSON member names of a struct type, embedded
// structs' promoted fields included.
func declaredNames(t reflect.Type) []string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
		case f.Anonymous && name == "":
			names = append(names, declaredNames(f.Type)...)
		case !f.IsExported():
		case name == "":
			names = append(names, f.Name)
		default:
			names = append(names, name)
		}
	}
	return names
}

// kindName names a JSON kind for a type error.
func kindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return ""
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
