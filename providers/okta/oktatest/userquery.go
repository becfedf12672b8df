package oktatest

import (
	"fmt"
	"strings"
	"time"
)

// userTimeAttrs are the user timestamps; they compare as instants.
var userTimeAttrs = map[string]bool{
	"created": true, "activated": true, "statusChanged": true, "lastUpdated": true,
	"lastLogin": true, "passwordChanged": true,
}

// userAttr returns the value of a user attribute as search and filter see
// it, and whether it is set.
func userAttr(u *user, attr string) (string, bool) {
	if name, ok := strings.CutPrefix(attr, "profile."); ok {
		v, ok := u.profile[name]
		return v, ok && v != ""
	}
	var t time.Time
	switch attr {
	case "id":
		return u.id, true
	case "status":
		return u.status, true
	case "created":
		t = u.created
	case "activated":
		t = u.activated
	case "statusChanged":
		t = u.statusChanged
	case "lastUpdated":
		t = u.lastUpdated
	case "lastLogin":
		t = u.lastLogin
	case "passwordChanged":
		t = u.passwordChanged
	default:
		return "", false
	}
	if t.IsZero() {
		return "", false
	}
	return formatTime(t), true
}

// searchContainsAttrs are the only attributes `co` works on in a search.
var searchContainsAttrs = map[string]bool{
	"profile.firstName": true, "profile.lastName": true, "profile.email": true, "profile.login": true,
}

var searchTopLevel = map[string]bool{
	"id": true, "status": true, "created": true, "activated": true, "statusChanged": true, "lastUpdated": true,
}

// compileUserSearch compiles the `search` parameter: eq, sw, co (profile
// name/email/login only), gt/ge/lt/le and pr over profile attributes and
// the top-level properties; string values are case-insensitive; no `ne`.
func compileUserSearch(expr string) (func(*user) bool, *apiError) {
	e, err := parseFilter(expr)
	if err != nil {
		return nil, errInvalidSearch(err.Error())
	}
	err = walkCompares(e, func(c compareExpr) error {
		if !searchTopLevel[c.attr] && !strings.HasPrefix(c.attr, "profile.") {
			return fmt.Errorf("search does not support attribute %q", c.attr)
		}
		switch c.op {
		case "ne", "ew":
			return fmt.Errorf("search does not support operator %q", c.op)
		case "co":
			if !searchContainsAttrs[c.attr] {
				return fmt.Errorf("operator co is only supported on profile.firstName, profile.lastName, profile.email and profile.login, not %q", c.attr)
			}
		}
		return checkTimeValue(c)
	})
	if err != nil {
		return nil, errInvalidSearch(err.Error())
	}
	return func(u *user) bool {
		return evalFilter(e, func(c compareExpr) bool { return matchUserAttr(u, c, true) })
	}, nil
}

// filterAttrs are the properties the `filter` parameter supports.
var filterAttrs = map[string]bool{
	"status": true, "lastUpdated": true, "id": true, "profile.login": true,
	"profile.email": true, "profile.firstName": true, "profile.lastName": true,
}

// compileUserFilter compiles the `filter` parameter: eq only, except
// gt/ge/lt/le on lastUpdated; values are case-sensitive.
func compileUserFilter(expr string) (func(*user) bool, *apiError) {
	e, err := parseFilter(expr)
	if err != nil {
		return nil, errInvalidSearch(err.Error())
	}
	err = walkCompares(e, func(c compareExpr) error {
		if !filterAttrs[c.attr] {
			return fmt.Errorf("filter does not support attribute %q", c.attr)
		}
		switch c.op {
		case "eq":
		case "gt", "ge", "lt", "le":
			if c.attr != "lastUpdated" {
				return fmt.Errorf("operator %q is only supported on lastUpdated", c.op)
			}
		default:
			return fmt.Errorf("filter does not support operator %q", c.op)
		}
		if c.value.kind != valueString {
			return fmt.Errorf("value for %q must be a quoted string", c.attr)
		}
		return checkTimeValue(c)
	})
	if err != nil {
		return nil, errInvalidSearch(err.Error())
	}
	return func(u *user) bool {
		return evalFilter(e, func(c compareExpr) bool { return matchUserAttr(u, c, false) })
	}, nil
}

func checkTimeValue(c compareExpr) error {
	if userTimeAttrs[c.attr] && c.op != "pr" {
		if _, ok := parseTimestamp(c.value.text); !ok {
			return fmt.Errorf("invalid timestamp %q for %s", c.value.text, c.attr)
		}
	}
	return nil
}

// matchUserAttr decides one comparison against u. foldCase selects the
// search semantics (case-insensitive values) over filter's exact ones.
func matchUserAttr(u *user, c compareExpr, foldCase bool) bool {
	got, ok := userAttr(u, c.attr)
	if c.op == "pr" {
		return ok
	}
	if c.value.kind == valueNull {
		return !ok && c.op == "eq"
	}
	if !ok {
		return false
	}
	want := c.value.text
	if userTimeAttrs[c.attr] {
		gt, _ := parseTimestamp(got)
		wt, _ := parseTimestamp(want)
		return compareOrdered(gt.Compare(wt), c.op)
	}
	if foldCase {
		got, want = strings.ToLower(got), strings.ToLower(want)
	}
	switch c.op {
	case "eq":
		return got == want
	case "sw":
		return strings.HasPrefix(got, want)
	case "co":
		return strings.Contains(got, want)
	}
	return compareOrdered(strings.Compare(got, want), c.op)
}

// compareOrdered applies an ordering operator to a comparison result.
func compareOrdered(d int, op string) bool {
	switch op {
	case "eq":
		return d == 0
	case "gt":
		return d > 0
	case "ge":
		return d >= 0
	case "lt":
		return d < 0
	case "le":
		return d <= 0
	}
	return false
}

// parseTimestamp accepts the ISO 8601 forms Okta documents: RFC 3339 with
// or without fractional seconds, and a bare date (midnight UTC).
func parseTimestamp(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01-02T15:04:05.000Z0700", s); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true
	}
	return time.Time{}, false
}
