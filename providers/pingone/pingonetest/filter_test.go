package pingonetest

import (
	"strings"
	"testing"
	"time"
)

// render prints a parsed filter in a canonical, fully parenthesised form,
// so the tests can state the tree a filter parses to.
func render(n filterNode) string {
	switch n := n.(type) {
	case *logicalNode:
		return "(" + render(n.left) + " " + n.op + " " + render(n.right) + ")"
	case *compareNode:
		if n.op == "pr" {
			return n.attr + " pr"
		}
		return n.attr + " " + n.op + " " + renderValue(n.value)
	case *valuePathNode:
		return n.attr + "[" + render(n.inner) + "]"
	}
	return "?"
}

func renderValue(v filterValue) string {
	switch v.kind {
	case valueString:
		return `"` + v.text + `"`
	case valueList:
		var parts []string
		for _, item := range v.list {
			parts = append(parts, renderValue(item))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return v.text
}

func TestParseFilter(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{`username eq "jdoe"`, `username eq "jdoe"`},
		{`a eq "1" and b eq "2" or c eq "3"`, `((a eq "1" and b eq "2") or c eq "3")`},
		{`a eq "1" or b eq "2" and c eq "3"`, `(a eq "1" or (b eq "2" and c eq "3"))`},
		{`a eq "1" AND (b eq "2" OR c eq "3")`, `(a eq "1" and (b eq "2" or c eq "3"))`},
		{`((a eq "1"))`, `a eq "1"`},
		{`a Eq "x" aNd b SW "y"`, `(a eq "x" and b sw "y")`},
		{`enabled eq false`, `enabled eq false`},
		{`n gt 5`, `n gt 5`},
		{`n eq -1.5e3`, `n eq -1.5e3`},
		{`x eq null`, `x eq null`},
		{`title pr`, `title pr`},
		{`s eq "quote \" and \\ slash"`, `s eq "quote " and \ slash"`},
		{`action.type in ["A.B", "C.D"]`, `action.type in ["A.B","C.D"]`},
		{`action.type in ("A.B")`, `action.type in ["A.B"]`},
		{`memberOfGroups[id eq "g1" and type eq "DIRECT"]`, `memberOfGroups[(id eq "g1" and type eq "DIRECT")]`},
		{"recordedat gt \"2024-01-01T00:00:00Z\"\n\tAND recordedat lt \"2024-01-02T00:00:00.123+02:00\"",
			`(recordedat gt "2024-01-01T00:00:00Z" and recordedat lt "2024-01-02T00:00:00.123+02:00")`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, err := parseFilter(tt.in)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := render(n); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseFilterErrors(t *testing.T) {
	tests := []struct {
		in      string
		wantPos int
	}{
		{``, 0},
		{`   `, 0},
		{`username`, 8},
		{`username eq`, 11},
		{`username eq "x" and`, 19},
		{`username eq "x" or or b eq "y"`, 19},
		{`username ex "x"`, 9},
		{`(username eq "x"`, 16},
		{`username eq "x")`, 15},
		{`username eq "x`, 12},
		{`username eq "bad \q escape"`, 12},
		{`eq eq "x"`, 0},
		{`and eq "x"`, 0},
		{`"x" eq username`, 0},
		{`username eq "x" "y"`, 16},
		{`a eq ["x"]`, 5},
		{`a in ["x" "y"]`, 10},
		{`a in []`, 6},
		{`a[b eq "c"`, 10},
		{`username eq "x" ; drop`, 16},
		{`a eq "x" and ` + strings.Repeat("(", maxFilterDepth+1) + `b eq "y"` + strings.Repeat(")", maxFilterDepth+1), -1},
		{strings.Repeat("a", maxFilterLen+1), -1},
	}
	for _, tt := range tests {
		name := tt.in
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			_, err := parseFilter(tt.in)
			fe, ok := err.(*filterError)
			if !ok {
				t.Fatalf("err = %v, want a *filterError", err)
			}
			if tt.wantPos >= 0 && fe.pos != tt.wantPos {
				t.Errorf("error at %d (%v), want %d", fe.pos, fe, tt.wantPos)
			}
		})
	}
}

func TestCompileActivityQuery(t *testing.T) {
	now := testNow
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	base := `recordedat gt "` + at(-time.Hour) + `" and recordedat lt "` + at(time.Hour) + `"`
	act := &storedActivity{act: Activity{Type: "USER.LOCKED", RecordedAt: now, CorrelationID: "c1"},
		user: &actorRef{id: "u1", name: "jdoe"}, client: &actorRef{id: "app1"},
		resources: []resourceRef{{typ: "USER", id: "u1", popID: "p1"}, {typ: "GROUP", id: "g1"}}}
	tests := []struct {
		extra string
		match bool
	}{
		{``, true},
		{`action.type eq "user.locked"`, true}, // case-insensitive, as SCIM strings are
		{`action.type eq "USER.UNLOCKED"`, false},
		{`action.type in ["USER.UNLOCKED", "USER.LOCKED"]`, true},
		{`actors.user.id eq "u1" and actors.client.id eq "app1"`, true},
		{`actors.user.name eq "jdoe"`, true},
		{`resources.id eq "g1"`, true},
		{`resources.type eq "APPLICATION"`, false},
		{`resources.population.id eq "p1"`, true},
		{`(correlationid eq "c1" or action.type eq "X")`, true},
		{`(action.type eq "X" or action.type eq "Y")`, false},
		{`recordedat ge "` + at(0) + `"`, true},
		{`recordedat gt "` + at(0) + `"`, false},
		{`recordedat le "` + at(0) + `"`, true},
		{`recordedat lt "` + at(0) + `"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.extra, func(t *testing.T) {
			f := base
			if tt.extra != "" {
				f += " and " + tt.extra
			}
			q, aerr := compileActivityQuery(f, now)
			if aerr != nil {
				t.Fatalf("compile: %v", aerr)
			}
			if got := q.match(act); got != tt.match {
				t.Errorf("match = %v, want %v", got, tt.match)
			}
		})
	}
}

// FuzzActivityFilter checks that no filter, however malformed, makes the
// parser, the compiler or the compiled predicate panic, and that every
// refusal is a 400 naming the filter.
func FuzzActivityFilter(f *testing.F) {
	for _, seed := range []string{
		`recordedat gt "2026-06-01T00:00:00Z" AND recordedat lt "2026-06-10T00:00:00Z"`,
		`recordedat gt "2026-06-01T00:00:00Z" and (action.type eq "USER.LOCKED" or action.type in ["A", "B"])`,
		`actors.user.id eq "x" and resources.population.id eq "p" OR correlationid eq "c"`,
		`memberOfGroups[id eq "x"]`, `a pr`, `((((`, `"`, `a eq "\"`, `a in (`, `recordedat gt 5`,
	} {
		f.Add(seed)
	}
	act := &storedActivity{act: Activity{Type: "USER.LOCKED", RecordedAt: testNow},
		user: &actorRef{id: "u1"}, resources: []resourceRef{{typ: "USER", id: "u1"}}}
	f.Fuzz(func(t *testing.T, filter string) {
		q, aerr := compileActivityQuery(filter, testNow)
		if aerr != nil {
			if aerr.status != 400 || len(aerr.details) == 0 || aerr.details[0].Target != "filter" {
				t.Fatalf("refusal %+v", aerr)
			}
			return
		}
		q.match(act)
		if !q.rng.hasFrom || !q.rng.hasTo {
			t.Fatalf("accepted %q without a recordedat range", filter)
		}
	})
}
