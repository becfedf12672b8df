package oktatest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// render prints a parsed filter with explicit parentheses, to compare
// parse trees as strings.
func render(e filterExpr) string {
	switch n := e.(type) {
	case logicalExpr:
		return "(" + render(n.left) + " " + n.op + " " + render(n.right) + ")"
	case compareExpr:
		switch n.value.kind {
		case valueNone:
			return n.attr + " " + n.op
		case valueString:
			return fmt.Sprintf("%s %s %q", n.attr, n.op, n.value.text)
		default:
			return n.attr + " " + n.op + " " + n.value.text
		}
	}
	return "?"
}

func TestParseFilter(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{`eventType eq "user.session.start"`, `eventType eq "user.session.start"`},
		{`eventType EQ "x"`, `eventType eq "x"`},
		{`  actor.id   eq   "00u1"  `, `actor.id eq "00u1"`},
		{`a eq "1" and b eq "2" or c eq "3"`, `((a eq "1" and b eq "2") or c eq "3")`},
		{`a eq "1" or b eq "2" and c eq "3"`, `(a eq "1" or (b eq "2" and c eq "3"))`},
		{`(a eq "1" or b eq "2") and c eq "3"`, `((a eq "1" or b eq "2") and c eq "3")`},
		{`a eq "1" AND (b sw "2" OR c co "3")`, `(a eq "1" and (b sw "2" or c co "3"))`},
		{`((a eq "1"))`, `a eq "1"`},
		{`outcome.reason pr`, `outcome.reason pr`},
		{`a eq "say \"hi\" \\ there"`, `a eq "say \"hi\" \\ there"`},
		{`a eq "(not) a paren"`, `a eq "(not) a paren"`},
		{`profile.age gt 30`, `profile.age gt 30`},
		{`flag eq true`, `flag eq true`},
		{`x eq null`, `x eq null`},
		{`a eq""`, `a eq ""`},
	}
	for _, tt := range tests {
		e, err := parseFilter(tt.in)
		if err != nil {
			t.Errorf("parseFilter(%q): %v", tt.in, err)
			continue
		}
		if got := render(e); got != tt.want {
			t.Errorf("parseFilter(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseFilterErrors(t *testing.T) {
	tests := []struct {
		in      string
		wantMsg string
	}{
		{``, "empty filter"},
		{`   `, "empty filter"},
		{`eventType`, "expected an operator"},
		{`eventType eq`, "expected a value"},
		{`eventType equals "x"`, "expected an operator"},
		{`eventType eq user.session.start`, "expected a value"},
		{`eventType eq "x`, "unterminated string"},
		{`eventType eq "x\`, "dangling escape"},
		{`(eventType eq "x"`, `expected ")"`},
		{`eventType eq "x")`, "unexpected"},
		{`eventType eq "x" and`, "expected an attribute"},
		{`eventType eq "x" or or a eq "y"`, "found keyword"},
		{`"x" eq eventType`, "expected an attribute"},
		{`not (a eq "x")`, "expected an operator"},
		{`a.b. eq "x"`, "invalid attribute name"},
		{`1abc eq "x"`, "invalid attribute name"},
		{`eventType eq "a" eventType eq "b"`, "unexpected"},
		{strings.Repeat("(", maxFilterDepth+1) + `a eq "x"` + strings.Repeat(")", maxFilterDepth+1), "nested too deeply"},
		{`a eq "` + strings.Repeat("x", maxFilterLen) + `"`, "too long"},
	}
	for _, tt := range tests {
		_, err := parseFilter(tt.in)
		var se *filterSyntaxError
		if !errors.As(err, &se) {
			t.Errorf("parseFilter(%.40q) error = %v, want a syntax error", tt.in, err)
			continue
		}
		if !strings.Contains(se.Error(), tt.wantMsg) {
			t.Errorf("parseFilter(%.40q) error = %q, want it to mention %q", tt.in, se, tt.wantMsg)
		}
	}
}

func TestCompileLogFilter(t *testing.T) {
	ev := &LogEvent{
		EventType: "user.session.start",
		Actor:     LogActor{ID: "00uACTOR", AlternateID: "jdoe@example.com"},
		Target: []LogTarget{
			{ID: "00uFIRST", Type: "User"},
			{ID: "0oaSECOND", Type: "AppInstance"},
		},
		Outcome:      &LogOutcome{Result: "FAILURE", Reason: "INVALID_CREDENTIALS"},
		Client:       &LogClient{IPAddress: "203.0.113.9", GeographicalContext: &LogGeographicalContext{Country: "Nigeria"}},
		DebugContext: &LogDebugContext{DebugData: map[string]any{"requestUri": "/idp/idx/identify"}},
	}
	tests := []struct {
		filter string
		want   bool
	}{
		{`eventType eq "user.session.start"`, true},
		{`eventType eq "USER.SESSION.START"`, true},
		{`eventType eq "user.session"`, false},
		{`eventType sw "user.session"`, true},
		{`eventType co "session"`, true},
		{`eventType ne "user.session.end"`, true},
		{`actor.id eq "00uACTOR"`, true},
		{`actor.alternateId co "@example.com"`, true},
		{`target.id eq "0oaSECOND"`, true}, // any target matches
		{`target.id eq "00uACTOR"`, false},
		{`outcome.result eq "FAILURE" and outcome.reason eq "INVALID_CREDENTIALS"`, true},
		{`outcome.result eq "SUCCESS" or actor.id eq "00uACTOR"`, true},
		{`outcome.result eq "SUCCESS" and (actor.id eq "00uACTOR" or eventType sw "user")`, false},
		{`(outcome.result eq "SUCCESS" or outcome.result eq "FAILURE") and target.id sw "0oa"`, true},
		{`client.geographicalContext.country eq "Nigeria"`, true},
		{`client.ipAddress sw "203.0.113."`, true},
		{`debugContext.debugData.requestUri eq "/idp/idx/identify"`, true},
		{`outcome.reason pr`, true},
		{`transaction.id pr`, false},
	}
	for _, tt := range tests {
		m, err := compileLogFilter(tt.filter)
		if err != nil {
			t.Errorf("compileLogFilter(%q): %v", tt.filter, err)
			continue
		}
		if got := m(ev); got != tt.want {
			t.Errorf("filter %q matched = %v, want %v", tt.filter, got, tt.want)
		}
	}
}

func TestCompileLogFilterErrors(t *testing.T) {
	tests := []struct {
		filter   string
		wantCode string
	}{
		{`eventType eq`, "E0000053"},                         // does not parse
		{`eventType eq "a" and`, "E0000053"},                 // does not parse
		{`(eventType eq "a"`, "E0000053"},                    // does not parse
		{`published gt "2024-01-01T00:00:00Z"`, "E0000031"},  // field not filterable
		{`nosuch.field eq "a"`, "E0000031"},                  // unknown field
		{`eventType gt "a"`, "E0000031"},                     // operator not supported
		{`eventType ew "start"`, "E0000031"},                 // operator not supported
		{`eventType eq 5`, "E0000031"},                       // not a string
		{`debugContext.debugData.url co "/api"`, "E0000031"}, // co not allowed there
		{`debugContext.debugData.requestUri co "x"`, "E0000031"},
	}
	for _, tt := range tests {
		_, err := compileLogFilter(tt.filter)
		if err == nil {
			t.Errorf("compileLogFilter(%q) succeeded, want %s", tt.filter, tt.wantCode)
			continue
		}
		if err.code != tt.wantCode || err.status != 400 {
			t.Errorf("compileLogFilter(%q) = %d %s, want 400 %s", tt.filter, err.status, err.code, tt.wantCode)
		}
	}
}

// FuzzLogFilter checks that no filter, however malformed, panics the
// parser or the evaluator, and that every rejection is a 400.
func FuzzLogFilter(f *testing.F) {
	for _, s := range []string{
		`eventType eq "user.session.start"`,
		`(actor.id eq "00u1" or target.id sw "0oa") and outcome.result eq "FAILURE"`,
		`outcome.reason pr`,
		`a eq "\"`,
		`((((`,
		`eventType eq "x" and (`,
		`client.geographicalContext.country co "ni"`,
	} {
		f.Add(s)
	}
	ev := &LogEvent{
		EventType: "user.session.start", Actor: LogActor{ID: "00u1"},
		Target: []LogTarget{{ID: "0oa1"}}, Outcome: &LogOutcome{Result: "FAILURE"},
		Client: &LogClient{GeographicalContext: &LogGeographicalContext{Country: "Nigeria"}},
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := compileLogFilter(s)
		if err != nil {
			if err.status != 400 {
				t.Fatalf("compileLogFilter(%q) status %d", s, err.status)
			}
			return
		}
		m(ev)
		m(&LogEvent{})
	})
}
