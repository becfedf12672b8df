package oktatest

import (
	"errors"
	"fmt"
	"strings"
)

// logField reads the values of one filterable System Log attribute. Most
// attributes have at most one value; target.* has one per target, and a
// comparison matches when any of them does.
type logField func(e *LogEvent) []string

func one(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// logFields are the attributes the System Log filter accepts. published is
// deliberately absent: Okta rejects it (use since/until).
var logFields = map[string]logField{
	"uuid":               func(e *LogEvent) []string { return one(e.UUID) },
	"eventType":          func(e *LogEvent) []string { return one(e.EventType) },
	"legacyEventType":    func(e *LogEvent) []string { return one(e.LegacyEventType) },
	"severity":           func(e *LogEvent) []string { return one(e.Severity) },
	"displayMessage":     func(e *LogEvent) []string { return one(e.DisplayMessage) },
	"version":            func(e *LogEvent) []string { return one(e.Version) },
	"actor.id":           func(e *LogEvent) []string { return one(e.Actor.ID) },
	"actor.type":         func(e *LogEvent) []string { return one(e.Actor.Type) },
	"actor.alternateId":  func(e *LogEvent) []string { return one(e.Actor.AlternateID) },
	"actor.displayName":  func(e *LogEvent) []string { return one(e.Actor.DisplayName) },
	"target.id":          targetField(func(t LogTarget) string { return t.ID }),
	"target.type":        targetField(func(t LogTarget) string { return t.Type }),
	"target.alternateId": targetField(func(t LogTarget) string { return t.AlternateID }),
	"target.displayName": targetField(func(t LogTarget) string { return t.DisplayName }),
	"outcome.result": func(e *LogEvent) []string {
		if e.Outcome == nil {
			return nil
		}
		return one(e.Outcome.Result)
	},
	"outcome.reason": func(e *LogEvent) []string {
		if e.Outcome == nil {
			return nil
		}
		return one(e.Outcome.Reason)
	},
	"client.ipAddress": clientField(func(c *LogClient) string { return c.IPAddress }),
	"client.zone":      clientField(func(c *LogClient) string { return c.Zone }),
	"client.device":    clientField(func(c *LogClient) string { return c.Device }),
	"client.id":        clientField(func(c *LogClient) string { return c.ID }),
	"client.userAgent.rawUserAgent": clientField(func(c *LogClient) string {
		if c.UserAgent == nil {
			return ""
		}
		return c.UserAgent.RawUserAgent
	}),
	"client.geographicalContext.country": geoField(func(g *LogGeographicalContext) string { return g.Country }),
	"client.geographicalContext.state":   geoField(func(g *LogGeographicalContext) string { return g.State }),
	"client.geographicalContext.city":    geoField(func(g *LogGeographicalContext) string { return g.City }),
	"transaction.id": func(e *LogEvent) []string {
		if e.Transaction == nil {
			return nil
		}
		return one(e.Transaction.ID)
	},
	"transaction.type": func(e *LogEvent) []string {
		if e.Transaction == nil {
			return nil
		}
		return one(e.Transaction.Type)
	},
	"authenticationContext.externalSessionId": func(e *LogEvent) []string {
		if e.AuthenticationContext == nil {
			return nil
		}
		return one(e.AuthenticationContext.ExternalSessionID)
	},
}

func targetField(get func(LogTarget) string) logField {
	return func(e *LogEvent) []string {
		var out []string
		for _, t := range e.Target {
			if v := get(t); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
}

func clientField(get func(*LogClient) string) logField {
	return func(e *LogEvent) []string {
		if e.Client == nil {
			return nil
		}
		return one(get(e.Client))
	}
}

func geoField(get func(*LogGeographicalContext) string) logField {
	return clientField(func(c *LogClient) string {
		if c.GeographicalContext == nil {
			return ""
		}
		return get(c.GeographicalContext)
	})
}

// debugDataField reads debugContext.debugData.<key>.
func debugDataField(key string) logField {
	return func(e *LogEvent) []string {
		if e.DebugContext == nil {
			return nil
		}
		if s, ok := e.DebugContext.DebugData[key].(string); ok {
			return one(s)
		}
		return nil
	}
}

// logFilterOps are the operators the fake accepts on System Log string
// attributes.
var logFilterOps = map[string]bool{"eq": true, "ne": true, "sw": true, "co": true, "pr": true}

// errUnsupportedLogFilter marks a well-formed filter that uses an attribute,
// operator or value the System Log does not support (E0000031), as opposed
// to one that does not parse (E0000053).
var errUnsupportedLogFilter = errors.New("unsupported")

type unsupportedLogFilterError struct{ msg string }

func (e *unsupportedLogFilterError) Error() string { return e.msg }
func (e *unsupportedLogFilterError) Unwrap() error { return errUnsupportedLogFilter }

func unsupportedLogFilter(format string, a ...any) error {
	return &unsupportedLogFilterError{fmt.Sprintf(format, a...)}
}

// compileLogFilter compiles a System Log filter into a predicate. A filter
// that does not parse is E0000053; an unsupported attribute, operator or
// value is E0000031. String comparisons ignore case, as in SCIM.
func compileLogFilter(expr string) (func(*LogEvent) bool, *apiError) {
	match, err := buildLogFilter(expr)
	if err == nil {
		return match, nil
	}
	if errors.Is(err, errUnsupportedLogFilter) {
		return nil, errInvalidSearch(err.Error())
	}
	return nil, errInvalidSCIM(err.Error())
}

func buildLogFilter(expr string) (func(*LogEvent) bool, error) {
	e, err := parseFilter(expr)
	if err != nil {
		return nil, err
	}
	fields := map[string]logField{}
	err = walkCompares(e, func(c compareExpr) error {
		f, ok := logFields[c.attr]
		if key, isDebug := strings.CutPrefix(c.attr, "debugContext.debugData."); !ok && isDebug && key != "" {
			if c.op == "co" && (key == "url" || key == "requestUri") {
				return unsupportedLogFilter("operator co is not supported on %s", c.attr)
			}
			f, ok = debugDataField(key), true
		}
		if !ok {
			return unsupportedLogFilter("attribute %q is not supported in a System Log filter", c.attr)
		}
		if !logFilterOps[c.op] {
			return unsupportedLogFilter("operator %q is not supported on %s", c.op, c.attr)
		}
		if c.op != "pr" && c.value.kind != valueString {
			return unsupportedLogFilter("the value compared with %s must be a double-quoted string", c.attr)
		}
		fields[c.attr] = f
		return nil
	})
	if err != nil {
		return nil, err
	}
	return func(ev *LogEvent) bool {
		return evalFilter(e, func(c compareExpr) bool { return matchLogField(fields[c.attr](ev), c) })
	}, nil
}

// matchLogField decides one comparison: true when any value matches (for
// ne: when no value equals).
func matchLogField(values []string, c compareExpr) bool {
	want := strings.ToLower(c.value.text)
	switch c.op {
	case "pr":
		return len(values) > 0
	case "ne":
		for _, v := range values {
			if strings.ToLower(v) == want {
				return false
			}
		}
		return true
	}
	for _, v := range values {
		v = strings.ToLower(v)
		switch c.op {
		case "eq":
			if v == want {
				return true
			}
		case "sw":
			if strings.HasPrefix(v, want) {
				return true
			}
		case "co":
			if strings.Contains(v, want) {
				return true
			}
		}
	}
	return false
}
