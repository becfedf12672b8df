package pingonetest

import (
	"slices"
	"strings"
)

// fieldMatcher builds the predicate for `attr op value` on one attribute,
// or explains why the endpoint does not support that comparison.
type fieldMatcher[T any] func(attr, op string, v filterValue) (func(T) bool, error)

// filterSchema is what one endpoint's filter may say: its attributes (by
// lower-cased name) and the attr[...] value paths it understands.
type filterSchema[T any] struct {
	fields     map[string]fieldMatcher[T]
	valuePaths map[string]func(inner filterNode) (func(T) bool, error)
}

// compile turns a parsed filter into a predicate.
func (fs *filterSchema[T]) compile(n filterNode) (func(T) bool, error) {
	switch n := n.(type) {
	case *logicalNode:
		l, err := fs.compile(n.left)
		if err != nil {
			return nil, err
		}
		r, err := fs.compile(n.right)
		if err != nil {
			return nil, err
		}
		if n.op == "and" {
			return func(x T) bool { return l(x) && r(x) }, nil
		}
		return func(x T) bool { return l(x) || r(x) }, nil
	case *compareNode:
		m := fs.fields[strings.ToLower(n.attr)]
		if m == nil {
			return nil, unsupported("attribute %s cannot be used in this filter", n.attr)
		}
		return m(n.attr, n.op, n.value)
	case *valuePathNode:
		vp := fs.valuePaths[strings.ToLower(n.attr)]
		if vp == nil {
			return nil, unsupported("attribute %s cannot be used with [...] in this filter", n.attr)
		}
		return vp(n.inner)
	}
	return nil, unsupported("unsupported expression")
}

// parseAndCompile parses and compiles filter for schema fs.
func parseAndCompile[T any](fs *filterSchema[T], filter string) (func(T) bool, error) {
	n, err := parseFilter(filter)
	if err != nil {
		return nil, err
	}
	return fs.compile(n)
}

func checkOp(attr, op string, ops []string) error {
	if !slices.Contains(ops, op) {
		return unsupported("operator %s is not supported for %s (use %s)", op, attr, strings.Join(ops, ", "))
	}
	return nil
}

// stringValues returns the string operands of op: one for eq and sw, the
// list for in.
func stringValues(attr, op string, v filterValue) ([]string, error) {
	if op == "in" {
		if v.kind != valueList {
			return nil, unsupported("%s in needs a list of quoted strings", attr)
		}
		out := make([]string, 0, len(v.list))
		for _, item := range v.list {
			if item.kind != valueString {
				return nil, unsupported("%s in needs a list of quoted strings", attr)
			}
			out = append(out, item.text)
		}
		return out, nil
	}
	if v.kind != valueString {
		return nil, unsupported("%s %s needs a quoted string", attr, op)
	}
	return []string{v.text}, nil
}

// matchString compares case-insensitively, as PingOne does for the
// attributes the fake supports (usernames and e-mail addresses are not
// case-sensitive).
func matchString(op, got string, wants []string) bool {
	for _, w := range wants {
		switch op {
		case "sw":
			if len(got) >= len(w) && strings.EqualFold(got[:len(w)], w) {
				return true
			}
		default: // eq, in
			if strings.EqualFold(got, w) {
				return true
			}
		}
	}
	return false
}

// stringField matches a single-valued string attribute.
func stringField[T any](get func(T) string, ops ...string) fieldMatcher[T] {
	return func(attr, op string, v filterValue) (func(T) bool, error) {
		if err := checkOp(attr, op, ops); err != nil {
			return nil, err
		}
		wants, err := stringValues(attr, op, v)
		if err != nil {
			return nil, err
		}
		return func(x T) bool { return matchString(op, get(x), wants) }, nil
	}
}

// multiStringField matches when any of the attribute's values matches
// (e.g. resources.id over an activity's resources).
func multiStringField[T any](get func(T) []string, ops ...string) fieldMatcher[T] {
	return func(attr, op string, v filterValue) (func(T) bool, error) {
		if err := checkOp(attr, op, ops); err != nil {
			return nil, err
		}
		wants, err := stringValues(attr, op, v)
		if err != nil {
			return nil, err
		}
		return func(x T) bool {
			for _, got := range get(x) {
				if matchString(op, got, wants) {
					return true
				}
			}
			return false
		}, nil
	}
}

// boolField matches a boolean attribute with eq true|false.
func boolField[T any](get func(T) bool) fieldMatcher[T] {
	return func(attr, op string, v filterValue) (func(T) bool, error) {
		if err := checkOp(attr, op, []string{"eq"}); err != nil {
			return nil, err
		}
		if v.kind != valueBool {
			return nil, unsupported("%s eq needs true or false", attr)
		}
		want := v.text == "true"
		return func(x T) bool { return get(x) == want }, nil
	}
}
