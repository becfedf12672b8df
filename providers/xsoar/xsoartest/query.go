package xsoartest

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// query is a parsed search query: terms that must all hold.
type query []term

// term is one field:value condition, negated by a leading "-".
type term struct {
	field, value string
	negate       bool
}

// errQuerySyntax says what part of XSOAR's query language the fake
// understands, so a test that needs more fails with a clear message
// rather than with a silently wrong result.
var errQuerySyntax = errors.New(`xsoartest understands queries made of field:value terms, each optionally negated with "-" ` +
	`and quoted with "...", on id, name, type, status, severity, category, labels.type and labels.value; all must hold`)

// parseQuery parses the subset of XSOAR's Lucene-like query language
// (reference §4.3) that a search for one's own incidents needs, such as
// the swagger's example `-status:closed -category:job`.
func parseQuery(q string) (query, error) {
	var out query
	rest := strings.TrimSpace(q)
	for rest != "" {
		var t term
		if t.negate = strings.HasPrefix(rest, "-"); t.negate {
			rest = rest[1:]
		}
		field, after, ok := strings.Cut(rest, ":")
		if !ok || !knownField(field) {
			return nil, fmt.Errorf("%w; got %q", errQuerySyntax, q)
		}
		t.field = strings.ToLower(field)
		if strings.HasPrefix(after, `"`) {
			value, tail, ok := strings.Cut(after[1:], `"`)
			if !ok {
				return nil, fmt.Errorf("%w; unclosed quote in %q", errQuerySyntax, q)
			}
			t.value, rest = value, tail
		} else {
			end := strings.IndexAny(after, " \t")
			if end < 0 {
				end = len(after)
			}
			t.value, rest = after[:end], after[end:]
		}
		if rest != "" && !strings.HasPrefix(rest, " ") && !strings.HasPrefix(rest, "\t") {
			return nil, fmt.Errorf("%w; got %q", errQuerySyntax, q)
		}
		if !t.valid() {
			return nil, fmt.Errorf("%w; bad value in %q", errQuerySyntax, q)
		}
		out = append(out, t)
		rest = strings.TrimSpace(rest)
	}
	return out, nil
}

func knownField(f string) bool {
	switch strings.ToLower(f) {
	case "id", "name", "type", "status", "severity", "category":
		return true
	case "labels.type", "labels.value": // any label's type or value, as XSOAR's de-duplication scripts query
		return true
	}
	return false
}

// valid reports whether the term's value means something for its field.
func (t term) valid() bool {
	switch t.field {
	case "status":
		_, ok := statusValue(t.value)
		return ok
	case "severity":
		_, ok := severityValue(t.value)
		return ok
	}
	return true
}

// match reports whether every term holds for in.
func (q query) match(in *incident) bool {
	for _, t := range q {
		if t.holds(in) == t.negate {
			return false
		}
	}
	return true
}

// holds reports whether the term, ignoring its negation, holds for in.
// name matches a substring, the other fields the whole value; both
// ignore case.
func (t term) holds(in *incident) bool {
	switch t.field {
	case "id":
		return in.ID == t.value
	case "name":
		return strings.Contains(strings.ToLower(in.Name), strings.ToLower(t.value))
	case "type":
		return strings.EqualFold(in.Type, t.value)
	case "status":
		v, _ := statusValue(t.value)
		return in.Status == v
	case "severity":
		v, _ := severityValue(t.value)
		return in.Severity == v
	case "labels.type", "labels.value":
		return slices.ContainsFunc(in.Labels, func(l Label) bool {
			return t.field == "labels.type" && l.Type == t.value || t.field == "labels.value" && l.Value == t.value
		})
	default: // category: the fake's incidents have none
		return t.value == ""
	}
}

// statusValue reads a status as XSOAR's query language names it, or as a
// number.
func statusValue(s string) (float64, bool) {
	switch strings.ToLower(s) {
	case "pending":
		return StatusPending, true
	case "active":
		return StatusActive, true
	case "closed", "done":
		return StatusDone, true
	case "archive", "archived":
		return StatusArchive, true
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// severityValue reads a severity by name or number.
func severityValue(s string) (float64, bool) {
	switch strings.ToLower(s) {
	case "unknown":
		return SeverityUnknown, true
	case "info", "informational":
		return SeverityInfo, true
	case "low":
		return SeverityLow, true
	case "medium":
		return SeverityMedium, true
	case "high":
		return SeverityHigh, true
	case "critical":
		return SeverityCritical, true
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}
