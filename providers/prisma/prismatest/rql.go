package prismatest

import (
	"fmt"
	"strings"
)

// The fake answers a real subset of RQL's IAM queries:
//
//	config from iam where <cond> [AND <cond>]...
//	<cond> := <field> = '<value>' | <field> != '<value>' | <field> IN ( '<v>' [, '<v>']... )
//
// Keywords are case-insensitive (RQL's own examples write both AND and
// and), so are value comparisons (Prisma compares tags and names without
// regard to case). A string value runs from one single quote to the next:
// RQL documents no escape sequence, so the fake knows none — a quote
// inside a value ends it, and a backslash in a value is refused rather
// than given a meaning Prisma may not give it. OR, NOT, parentheses
// around conditions, numbers and unknown fields are outside the subset
// and answered 400, as a query Prisma could not parse would be.

// rqlCond is one condition: field op values.
type rqlCond struct {
	field  string
	op     string // "=", "!=", "in"
	values []string
}

// rqlQuery is a parsed query: all conditions must hold.
type rqlQuery struct{ conds []rqlCond }

// rqlError is a query the fake does not accept; its message goes into the
// 400 answer.
type rqlError struct{ msg string }

func (e *rqlError) Error() string { return e.msg }

func rqlErrorf(format string, args ...any) error {
	return &rqlError{msg: fmt.Sprintf(format, args...)}
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokString
	tokOp    // = !=
	tokPunct // ( ) ,
)

type rqlToken struct {
	kind tokKind
	text string
	pos  int
}

// lexRQL splits q into tokens.
func lexRQL(q string) ([]rqlToken, error) {
	var toks []rqlToken
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'':
			end := strings.IndexByte(q[i+1:], '\'')
			if end < 0 {
				return nil, rqlErrorf("unterminated string value at position %d", i)
			}
			v := q[i+1 : i+1+end]
			for _, r := range v {
				if r == '\\' {
					return nil, rqlErrorf("backslash in the string value at position %d: escape sequences are not supported", i)
				}
				if r < 0x20 || r == 0x7f {
					return nil, rqlErrorf("control character in the string value at position %d", i)
				}
			}
			toks = append(toks, rqlToken{kind: tokString, text: v, pos: i})
			i += end + 2
		case c == '=':
			toks = append(toks, rqlToken{kind: tokOp, text: "=", pos: i})
			i++
		case c == '!' && i+1 < len(q) && q[i+1] == '=':
			toks = append(toks, rqlToken{kind: tokOp, text: "!=", pos: i})
			i += 2
		case c == '(' || c == ')' || c == ',':
			toks = append(toks, rqlToken{kind: tokPunct, text: string(c), pos: i})
			i++
		case isIdentByte(c):
			j := i
			for j < len(q) && isIdentByte(q[j]) {
				j++
			}
			toks = append(toks, rqlToken{kind: tokIdent, text: q[i:j], pos: i})
			i = j
		default:
			return nil, rqlErrorf("unexpected character %q at position %d", c, i)
		}
	}
	return append(toks, rqlToken{kind: tokEOF, pos: len(q)}), nil
}

func isIdentByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
}

// parseRQL parses an IAM query of the subset.
func parseRQL(q string) (*rqlQuery, error) {
	toks, err := lexRQL(q)
	if err != nil {
		return nil, err
	}
	p := &rqlParser{toks: toks}
	for _, kw := range []string{"config", "from", "iam", "where"} {
		if err := p.keyword(kw); err != nil {
			return nil, err
		}
	}
	out := &rqlQuery{}
	for {
		c, err := p.cond()
		if err != nil {
			return nil, err
		}
		out.conds = append(out.conds, c)
		t := p.next()
		if t.kind == tokEOF {
			return out, nil
		}
		if t.kind != tokIdent || !strings.EqualFold(t.text, "and") {
			return nil, rqlErrorf("unexpected %q at position %d: conditions are joined with AND", t.text, t.pos)
		}
	}
}

type rqlParser struct {
	toks []rqlToken
	at   int
}

func (p *rqlParser) next() rqlToken {
	t := p.toks[p.at]
	if t.kind != tokEOF {
		p.at++
	}
	return t
}

func (p *rqlParser) keyword(kw string) error {
	t := p.next()
	if t.kind != tokIdent || !strings.EqualFold(t.text, kw) {
		return rqlErrorf("expected %q at position %d, found %q", kw, t.pos, t.text)
	}
	return nil
}

func (p *rqlParser) str() (string, error) {
	t := p.next()
	if t.kind != tokString {
		return "", rqlErrorf("expected a quoted string value at position %d, found %q", t.pos, t.text)
	}
	return t.text, nil
}

func (p *rqlParser) cond() (rqlCond, error) {
	f := p.next()
	if f.kind != tokIdent {
		return rqlCond{}, rqlErrorf("expected an attribute at position %d, found %q", f.pos, f.text)
	}
	field := strings.ToLower(f.text)
	if _, ok := permissionFields[field]; !ok {
		return rqlCond{}, rqlErrorf("unknown attribute %q at position %d", f.text, f.pos)
	}
	op := p.next()
	switch {
	case op.kind == tokOp:
		v, err := p.str()
		if err != nil {
			return rqlCond{}, err
		}
		return rqlCond{field: field, op: op.text, values: []string{v}}, nil
	case op.kind == tokIdent && strings.EqualFold(op.text, "in"):
		if t := p.next(); t.text != "(" || t.kind != tokPunct {
			return rqlCond{}, rqlErrorf("expected ( after IN at position %d", t.pos)
		}
		c := rqlCond{field: field, op: "in"}
		for {
			v, err := p.str()
			if err != nil {
				return rqlCond{}, err
			}
			c.values = append(c.values, v)
			t := p.next()
			if t.kind == tokPunct && t.text == ")" {
				return c, nil
			}
			if t.kind != tokPunct || t.text != "," {
				return rqlCond{}, rqlErrorf("expected , or ) at position %d, found %q", t.pos, t.text)
			}
		}
	default:
		return rqlCond{}, rqlErrorf("expected =, != or IN at position %d, found %q", op.pos, op.text)
	}
}

// matches reports whether row satisfies every condition.
func (q *rqlQuery) matches(row *permission) bool {
	for _, c := range q.conds {
		got := permissionFields[c.field](row)
		hit := false
		for _, v := range c.values {
			if strings.EqualFold(got, v) {
				hit = true
				break
			}
		}
		if c.op == "!=" {
			hit = !hit
		}
		if !hit {
			return false
		}
	}
	return true
}
