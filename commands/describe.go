package commands

import (
	"reflect"
	"strings"
	"time"
)

// Argument describes one command argument, derived from the declaration's
// tags and doc comment. The catalog endpoint, the README and the XSOAR
// integration export all read this, so they cannot disagree.
type Argument struct {
	Name        string   `json:"name" example:"user"`
	Type        string   `json:"type" example:"string"`
	Required    bool     `json:"required"`
	Description string   `json:"description,omitempty"`
	Enum        []string `json:"enum,omitempty"`
	Default     string   `json:"default,omitempty"`
	Min         string   `json:"min,omitempty"`
	Max         string   `json:"max,omitempty"`
}

// Output describes one XSOAR context path a command writes.
type Output struct {
	Path        string `json:"path" example:"Okta.User.Status"`
	Type        string `json:"type" example:"String"`
	Description string `json:"description,omitempty"`
}

// Description is a command as the catalog shows it.
type Description struct {
	Name            string     `json:"name" example:"okta-suspend-user"`
	Summary         string     `json:"summary"`
	Provider        Provider   `json:"provider" example:"okta"`
	Risk            Risk       `json:"risk" example:"write"`
	Scope           string     `json:"scope" example:"commands:write"`
	OutputsPrefix   string     `json:"outputs_prefix" example:"Okta.User"`
	OutputsKeyField string     `json:"outputs_key_field" example:"ID"`
	Arguments       []Argument `json:"arguments"`
	Outputs         []Output   `json:"outputs"`
}

// Describe derives a command's catalog entry.
func Describe(cmd Command) Description {
	info := cmd.Info()
	return Description{
		Name:            info.Name,
		Summary:         info.Summary,
		Provider:        info.Provider,
		Risk:            info.Risk,
		Scope:           info.Risk.Scope(),
		OutputsPrefix:   info.Context.Prefix,
		OutputsKeyField: info.Context.Key,
		Arguments:       arguments(info.ArgsType),
		Outputs:         outputs(info.Context.Prefix, info.ResultType),
	}
}

// Arguments lists a command's arguments in declaration order, embedded
// structs flattened as encoding/json flattens them.
func arguments(t reflect.Type) []Argument {
	var out []Argument
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			out = append(out, arguments(f.Type)...)
			continue
		}
		name := jsonName(f)
		if name == "" {
			continue
		}
		a := Argument{Name: name, Type: schemaType(f.Type), Description: FieldDoc(t.Name(), f.Name), Default: f.Tag.Get("default")}
		for _, rule := range strings.Split(f.Tag.Get("validate"), ",") {
			if rule == "dive" {
				break // rules after dive apply to the items
			}
			key, val, _ := strings.Cut(rule, "=")
			switch key {
			case "required":
				a.Required = true
			case "oneof":
				a.Enum = strings.Fields(val)
			case "min", "gte":
				a.Min = val
			case "max", "lte":
				a.Max = val
			}
		}
		out = append(out, a)
	}
	return out
}

// outputs lists the context paths of a result type: prefix.Field for each
// scalar, descending into objects and lists of objects.
func outputs(prefix string, t reflect.Type) []Output {
	var out []Output
	walkOutputs(prefix, t, &out, 0)
	return out
}

func walkOutputs(path string, t reflect.Type, out *[]Output, depth int) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == reflect.TypeFor[time.Time]() || depth > 4 {
		return
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			walkOutputs(path, f.Type, out, depth)
			continue
		}
		name := jsonName(f)
		if name == "" {
			continue
		}
		p := path + "." + name
		ft := f.Type
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Time]() {
			walkOutputs(p, ft, out, depth+1)
			continue
		}
		*out = append(*out, Output{Path: p, Type: contextType(f.Type), Description: FieldDoc(t.Name(), f.Name)})
	}
}

func jsonName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name := strings.Split(f.Tag.Get("json"), ",")[0]
	if name == "-" {
		return ""
	}
	if name == "" {
		return f.Name
	}
	return name
}

// schemaType is the JSON Schema type of an argument.
func schemaType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	default:
		return "string"
	}
}

// contextType is the XSOAR output type of a context path.
func contextType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[time.Time]() {
		return "Date"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "Boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "Number"
	case reflect.String:
		return "String"
	default:
		return "Unknown"
	}
}

// FieldDoc returns the doc comment of a struct field, extracted from the
// source by make generate (fielddocs_gen.go), or "" when it has none.
func FieldDoc(typeName, field string) string {
	return fieldDocs[typeName+"."+field]
}
