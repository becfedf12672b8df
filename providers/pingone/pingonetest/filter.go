package pingonetest

import (
	"fmt"
	"strings"
)

// This file holds a small recursive-descent parser for the SCIM filter
// subset PingOne accepts in the users, memberOfGroups, groups and
// activities `filter` parameters:
//
//	expr    = and { "or" and }
//	and     = primary { "and" primary }
//	primary = "(" expr ")" | attr "[" expr "]" | attr op [ value ]
//	op      = eq | ne | co | sw | ew | gt | ge | lt | le | pr | in
//	value   = "string" | number | true | false | null | list   (none after pr)
//	list    = "(" value { "," value } ")" | "[" value { "," value } "]"
//
// Keywords and operators are case-insensitive (PingOne's own examples use
// both "and" and "AND"), and so are attribute names ("recordedat" and
// "recordedAt" are the same). Parsing is separate from validation: each
// endpoint then compiles the tree against the attributes and operators it
// supports (see filterSchema), answering both kinds of mistake with 400
// INVALID_DATA whose detail names the filter.

// Limits that keep hostile input cheap.
const (
	maxFilterLen   = 4096
	maxFilterDepth = 32
)

// filterNode is a node of a parsed filter.
type filterNode interface{ filterPos() int }

// logicalNode joins two expressions with "and" or "or".
type logicalNode struct {
	op          string // "and" or "or"
	left, right filterNode
	pos         int
}

// compareNode is `attr op value`.
type compareNode struct {
	attr  string // as written
	op    string // lower-case
	value filterValue
	pos   int
}

// valuePathNode is `attr[filter]`, e.g. memberOfGroups[id eq "..."].
type valuePathNode struct {
	attr  string
	inner filterNode
	pos   int
}

func (n *logicalNode) filterPos() int   { return n.pos }
func (n *compareNode) filterPos() int   { return n.pos }
func (n *valuePathNode) filterPos() int { return n.pos }

type valueKind int

const (
	valueNone valueKind = iota // after "pr"
	valueString
	valueNumber
	valueBool
	valueNull
	valueList
)

type filterValue struct {
	kind valueKind
	text string        // the unquoted string, or the literal as written
	list []filterValue // for valueList
}

var filterOps = map[string]bool{
	"eq": true, "ne": true, "co": true, "sw": true, "ew": true,
	"gt": true, "ge": true, "lt": true, "le": true, "pr": true, "in": true,
}

// filterError reports a filter that is malformed (pos >= 0) or that uses
// an attribute, operator or value the endpoint does not support.
type filterError struct {
	pos int
	msg string
}

func (e *filterError) Error() string {
	if e.pos < 0 {
		return "invalid filter: " + e.msg
	}
	return fmt.Sprintf("invalid filter at position %d: %s", e.pos, e.msg)
}

func unsupported(format string, args ...any) *filterError {
	return &filterError{pos: -1, msg: fmt.Sprintf(format, args...)}
}

// errFilter is the 400 for any filter problem.
func errFilter(err error) *apiError { return invalidValue("filter", err.Error()) }

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokIdent
	tokString
	tokNumber
	tokLParen
	tokRParen
	tokLBracket
	tokRBracket
	tokComma
)

type token struct {
	kind tokenKind
	text string // identifier or literal as written; unquoted for strings
	pos  int
}

// lexFilter splits a filter into tokens.
func lexFilter(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == '[' || c == ']' || c == ',':
			toks = append(toks, token{kind: punctuation(c), text: string(c), pos: i})
			i++
		case c == '"':
			str, n, err := lexString(s[i:])
			if err != nil {
				return nil, &filterError{pos: i, msg: err.Error()}
			}
			toks = append(toks, token{kind: tokString, text: str, pos: i})
			i += n
		case c == '-' || c >= '0' && c <= '9':
			j := i + 1
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' || s[j] == 'e' || s[j] == 'E' || s[j] == '+' || s[j] == '-') {
				j++
			}
			toks = append(toks, token{kind: tokNumber, text: s[i:j], pos: i})
			i = j
		case isIdentStart(c):
			j := i + 1
			for j < len(s) && isIdentPart(s[j]) {
				j++
			}
			toks = append(toks, token{kind: tokIdent, text: s[i:j], pos: i})
			i = j
		default:
			return nil, &filterError{pos: i, msg: fmt.Sprintf("unexpected character %q", c)}
		}
	}
	return append(toks, token{kind: tokEOF, pos: len(s)}), nil
}

func punctuation(c byte) tokenKind {
	switch c {
	case '(':
		return tokLParen
	case ')':
		return tokRParen
	case '[':
		return tokLBracket
	case ']':
		return tokRBracket
	}
	return tokComma
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
func isIdentPart(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '.' || c == '-' || c == ':'
}

// lexString reads a JSON-style double-quoted string at the start of s and
// returns its value and length.
func lexString(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			i++
			if i == len(s) {
				return "", 0, fmt.Errorf("unterminated string")
			}
			switch e := s[i]; e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				return "", 0, fmt.Errorf("unsupported escape \\%c", e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, fmt.Errorf("unterminated string")
}

type filterParser struct {
	toks  []token
	i     int
	depth int
}

// parseFilter parses a filter expression into a tree.
func parseFilter(s string) (filterNode, error) {
	if strings.TrimSpace(s) == "" {
		return nil, &filterError{pos: 0, msg: "empty filter"}
	}
	if len(s) > maxFilterLen {
		return nil, &filterError{pos: maxFilterLen, msg: fmt.Sprintf("filter longer than %d characters", maxFilterLen)}
	}
	toks, err := lexFilter(s)
	if err != nil {
		return nil, err
	}
	p := &filterParser{toks: toks}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, &filterError{pos: t.pos, msg: fmt.Sprintf("unexpected %q", t.text)}
	}
	return n, nil
}

func (p *filterParser) peek() token { return p.toks[p.i] }
func (p *filterParser) next() token { t := p.toks[p.i]; p.i++; return t }

// keyword reports whether the next token is the (case-insensitive)
// identifier kw, consuming it if so.
func (p *filterParser) keyword(kw string) bool {
	if t := p.peek(); t.kind == tokIdent && strings.EqualFold(t.text, kw) {
		p.i++
		return true
	}
	return false
}

func (p *filterParser) expr() (filterNode, error) {
	if p.depth++; p.depth > maxFilterDepth {
		return nil, &filterError{pos: p.peek().pos, msg: "filter nested too deeply"}
	}
	defer func() { p.depth-- }()
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for {
		pos := p.peek().pos
		if !p.keyword("or") {
			return left, nil
		}
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		left = &logicalNode{op: "or", left: left, right: right, pos: pos}
	}
}

func (p *filterParser) and() (filterNode, error) {
	left, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		pos := p.peek().pos
		if !p.keyword("and") {
			return left, nil
		}
		right, err := p.primary()
		if err != nil {
			return nil, err
		}
		left = &logicalNode{op: "and", left: left, right: right, pos: pos}
	}
}

func (p *filterParser) primary() (filterNode, error) {
	t := p.next()
	switch t.kind {
	case tokLParen:
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokRParen {
			return nil, &filterError{pos: c.pos, msg: "expected )"}
		}
		return n, nil
	case tokIdent:
	case tokEOF:
		return nil, &filterError{pos: t.pos, msg: "expected an attribute name, found the end of the filter"}
	default:
		return nil, &filterError{pos: t.pos, msg: fmt.Sprintf("expected an attribute name, found %q", t.text)}
	}
	if lower := strings.ToLower(t.text); lower == "and" || lower == "or" || filterOps[lower] {
		return nil, &filterError{pos: t.pos, msg: fmt.Sprintf("expected an attribute name, found %q", t.text)}
	}
	if p.peek().kind == tokLBracket {
		p.i++
		if p.depth++; p.depth > maxFilterDepth {
			return nil, &filterError{pos: t.pos, msg: "filter nested too deeply"}
		}
		inner, err := p.expr()
		p.depth--
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokRBracket {
			return nil, &filterError{pos: c.pos, msg: "expected ]"}
		}
		return &valuePathNode{attr: t.text, inner: inner, pos: t.pos}, nil
	}
	opTok := p.next()
	op := strings.ToLower(opTok.text)
	if opTok.kind != tokIdent || !filterOps[op] {
		return nil, &filterError{pos: opTok.pos, msg: fmt.Sprintf("expected an operator after %s, found %q", t.text, opTok.text)}
	}
	n := &compareNode{attr: t.text, op: op, pos: t.pos}
	if op == "pr" {
		return n, nil
	}
	v, err := p.value(op == "in")
	if err != nil {
		return nil, err
	}
	n.value = v
	return n, nil
}

func (p *filterParser) value(allowList bool) (filterValue, error) {
	t := p.next()
	switch t.kind {
	case tokString:
		return filterValue{kind: valueString, text: t.text}, nil
	case tokNumber:
		return filterValue{kind: valueNumber, text: t.text}, nil
	case tokIdent:
		switch strings.ToLower(t.text) {
		case "true", "false":
			return filterValue{kind: valueBool, text: strings.ToLower(t.text)}, nil
		case "null":
			return filterValue{kind: valueNull, text: "null"}, nil
		}
	case tokLParen, tokLBracket:
		if !allowList {
			break
		}
		closer := tokRParen
		if t.kind == tokLBracket {
			closer = tokRBracket
		}
		list := filterValue{kind: valueList}
		for {
			v, err := p.value(false)
			if err != nil {
				return filterValue{}, err
			}
			list.list = append(list.list, v)
			switch c := p.next(); c.kind {
			case tokComma:
				continue
			case closer:
				return list, nil
			default:
				return filterValue{}, &filterError{pos: c.pos, msg: "expected , or the end of the list"}
			}
		}
	}
	if t.kind == tokEOF {
		return filterValue{}, &filterError{pos: t.pos, msg: "expected a value, found the end of the filter"}
	}
	return filterValue{}, &filterError{pos: t.pos, msg: fmt.Sprintf("expected a value, found %q", t.text)}
}
